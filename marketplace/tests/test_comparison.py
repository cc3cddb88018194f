"""The bid comparison: each factor's score and explanation, missing data, weights, and its query count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Organization
from contracts.models import Contract, Review
from marketplace import services
from marketplace.comparison import DEFAULT_WEIGHTS, FACTORS, SupplierRecord, compare_bids, effective_weights, savings_of
from marketplace.comparison.factors import weight_problem
from marketplace.comparison.results import score_class
from marketplace.comparison.scoring import (
    _round,
    overlap_minutes,
    score_communication,
    score_flexibility,
    score_geography,
    score_price,
    score_reputation,
)
from marketplace.models import Bid, Message, Task
from marketplace.selectors.messaging import reply_times, unanswered_since
from tests.factories import OrganizationFactory, bid_input, make_member, open_task

TODAY = date(2026, 1, 12)
WINTER_CLOSE = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


# --- in-memory objects for the pure scoring functions -------------------------------------------


def a_task(**fields: object) -> Task:
    values: dict[str, object] = {
        "budget_type": "fixed",
        "currency": "EUR",
        "budget_amount": 300_000,
        "in_house_cost_estimate": 450_000,
        "deadline": TODAY + timedelta(days=40),
        "bidding_closes_at": WINTER_CLOSE,
        "location_type": "remote",
    }
    values.update(fields)
    return Task(**values)


def a_bid(**fields: object) -> Bid:
    supplier_fields = fields.pop("supplier", {})
    assert isinstance(supplier_fields, dict)
    values: dict[str, object] = {
        "price_type": "fixed",
        "currency": "EUR",
        "amount": 280_000,
        "start_date": TODAY,
        "delivery_date": TODAY + timedelta(days=30),
        "availability_hours_per_week": 40,
        "supplier": Organization(name="Supplier", **supplier_fields),
    }
    values.update(fields)
    return Bid(**values)


# --- price ---------------------------------------------------------------------------------------


class TestPrice:
    def test_a_bid_at_the_budget_scores_50_half_of_it_100_and_half_as_much_again_0(self):
        task = a_task(budget_amount=300_000, in_house_cost_estimate=None)

        scores = [score_price(a_bid(amount=a), task=task, amounts=[a]).score for a in (150_000, 300_000, 450_000)]

        assert scores == [100, 50, 0]

    def test_a_single_bid_is_judged_by_the_budget_and_the_in_house_estimate_not_scored_100(self):
        result = score_price(a_bid(amount=300_000), task=a_task(), amounts=[300_000])

        assert result.score == 67  # (50 + 83) / 2
        assert [part.label for part in result.parts] == ["Budget", "In-house estimate"]
        assert result.explanation == (
            "Exactly the budget (50); €1,500.00 (33.3%) under your in-house estimate (83). The only bid so far."
        )
        assert result.evidence == "your budget and your in-house estimate"

    def test_a_small_gap_between_bids_is_a_small_gap_in_scores(self):
        task = a_task(budget_amount=300_000, in_house_cost_estimate=None)
        amounts = [260_000, 280_000]  # 7.7% apart

        lowest, next_one = (score_price(a_bid(amount=a), task=task, amounts=amounts) for a in amounts)

        assert (lowest.score, next_one.score) == (82, 71)  # (63 + 100) / 2 and (57 + 85) / 2
        assert next_one.parts[1].value == "€200.00 (7.7%) above the lowest of 2 bids"
        assert lowest.parts[1].value == "the lowest of 2 bids"
        assert next_one.evidence == "your budget and 1 other bid"

    def test_a_bid_over_the_budget_loses_points_in_proportion(self):
        task = a_task(budget_amount=300_000, in_house_cost_estimate=None)

        result = score_price(a_bid(amount=330_000), task=task, amounts=[330_000])

        assert result.score == 40
        assert result.parts[0].value == "€300.00 (10.0%) over the budget"

    def test_hourly_bids_compare_their_estimated_totals(self):
        task = a_task(budget_type="hourly", budget_amount=600_000, hourly_rate_min=4_000, hourly_rate_max=6_000)
        bid = a_bid(price_type="hourly", hourly_rate=5_000, estimated_hours=80, amount=400_000)

        result = score_price(bid, task=task, amounts=[400_000, 500_000])

        assert [part.score for part in result.parts] == [83, 61, 100]
        assert result.score == 81
        assert result.value == "€4,000.00 (€50.00/h × 80 h)"
        assert "under the cap" in result.explanation
        assert result.evidence == "your cap, your in-house estimate and 1 other bid"


class TestSavings:
    def test_savings_against_the_in_house_estimate_in_minor_units_and_percent(self):
        savings = savings_of(a_bid(amount=280_000), task=a_task(in_house_cost_estimate=450_000))

        assert savings is not None
        assert savings.amount == 170_000
        assert savings.percent == Decimal("37.8")
        assert savings.summary == "Saves €1,700.00 (37.8%) against doing it in-house."

    def test_a_bid_dearer_than_in_house_has_negative_savings(self):
        savings = savings_of(a_bid(amount=500_000), task=a_task(in_house_cost_estimate=400_000))

        assert savings is not None
        assert savings.amount == -100_000
        assert savings.percent == Decimal("-25.0")
        assert not savings.is_saving
        assert savings.summary == "Costs €1,000.00 (25.0%) more than doing it in-house."

    def test_no_estimate_means_no_savings(self):
        assert savings_of(a_bid(), task=a_task(in_house_cost_estimate=None)) is None


# --- geography ------------------------------------------------------------------------------------


class TestGeographyOnSite:
    @pytest.fixture
    def task(self):
        return a_task(location_type="onsite", country="GB", city="Manchester")

    def test_same_city_scores_100(self, task):
        result = score_geography(
            a_bid(supplier={"country": "GB", "city": " manchester "}), task=task, client_time_zone=""
        )

        assert result.score == 100
        assert result.explanation == "Based in Manchester, where the on-site work is."

    def test_same_country_scores_60(self, task):
        result = score_geography(a_bid(supplier={"country": "GB", "city": "Leeds"}), task=task, client_time_zone="")

        assert result.score == 60
        assert result.value == "Leeds, United Kingdom"

    def test_another_country_scores_0(self, task):
        result = score_geography(a_bid(supplier={"country": "PT", "city": "Porto"}), task=task, client_time_zone="")

        assert result.score == 0

    def test_a_supplier_without_a_location_is_missing_not_zero(self, task):
        result = score_geography(a_bid(supplier={"country": "", "city": ""}), task=task, client_time_zone="")

        assert result.score is None
        assert result.missing
        assert result.explanation == "The supplier has not said where it is based."

    def test_hybrid_work_is_scored_by_place_too(self):
        task = a_task(location_type="hybrid", country="DE", city="Berlin")

        result = score_geography(a_bid(supplier={"country": "DE", "city": "Munich"}), task=task, client_time_zone="")

        assert result.score == 60


class TestGeographyRemote:
    def score(self, supplier_zone: str, client_zone: str = "Europe/London", closes: datetime = WINTER_CLOSE):
        task = a_task(location_type="remote", bidding_closes_at=closes)
        return score_geography(a_bid(supplier={"time_zone": supplier_zone}), task=task, client_time_zone=client_zone)

    def test_the_same_working_day_scores_100(self):
        result = self.score("Europe/Lisbon")

        assert result.score == 100
        assert result.explanation == "Their 9:00-17:00 (Europe/Lisbon) covers all of yours (Europe/London)."
        assert result.evidence == "your time zone and theirs"

    def test_says_whose_zone_is_whose(self):
        assert self.score("Europe/London").explanation == (
            "Same time zone as you (Europe/London): the same 9:00-17:00 working day."
        )
        assert self.score("America/New_York").explanation == (
            "3 h of your 9:00-17:00 (Europe/London) overlaps their 9:00-17:00 (America/New York)."
        )
        assert self.score("Asia/Tokyo").explanation == (
            "No shared working hours: their 9:00-17:00 (Asia/Tokyo) falls outside yours (Europe/London)."
        )

    def test_an_hour_apart_shares_seven_of_eight_hours(self):
        result = self.score("Europe/Berlin")

        assert result.score == 88  # 7 / 8
        assert result.value == "7 h overlap"

    def test_new_york_and_london_share_three_hours_in_winter(self):
        assert self.score("America/New_York").score == 38  # 3 / 8

    def test_daylight_saving_is_taken_from_the_day_bidding_closes(self):
        # On 20 March 2026 New York is on summer time (since 8 March) and London not yet (29 March).
        spring = datetime(2026, 3, 20, 12, tzinfo=UTC)

        assert self.score("America/New_York", closes=spring).score == 50  # 4 / 8

    def test_no_overlap_scores_0(self):
        result = self.score("Asia/Tokyo", client_zone="America/New_York")

        assert result.score == 0
        assert result.value == "No overlap"

    def test_the_overlap_across_the_date_line_counts(self):
        # Auckland's Friday morning is Los Angeles' Thursday afternoon.
        minutes = overlap_minutes(ZoneInfo("America/Los_Angeles"), ZoneInfo("Pacific/Auckland"), date(2026, 1, 15))

        assert minutes == 5 * 60

    def test_a_supplier_without_a_valid_time_zone_is_missing(self):
        result = self.score("Not/AZone")

        assert result.score is None
        assert result.explanation == "The supplier has not given a valid time zone."

    def test_a_client_without_a_valid_time_zone_is_missing(self):
        assert self.score("Europe/Lisbon", client_zone="").score is None


# --- flexibility ---------------------------------------------------------------------------------


class TestFlexibility:
    def test_starting_today_on_time_full_time_scores_100(self):
        result = score_flexibility(a_bid(), task=a_task(), today=TODAY)

        assert result.score == 100
        assert [part.score for part in result.parts] == [100, 100, 100]

    def test_a_later_start_scores_less_in_proportion_to_the_time_before_the_deadline(self):
        bid = a_bid(start_date=TODAY + timedelta(days=10))

        result = score_flexibility(bid, task=a_task(deadline=TODAY + timedelta(days=40)), today=TODAY)

        assert result.parts[0].score == 75  # 10 of 40 days gone
        assert result.score == 94  # (75 + 2 x 100 + 100) / 4

    def test_delivering_after_the_deadline_is_heavily_penalised(self):
        task = a_task(deadline=TODAY + timedelta(days=30))
        on_time = score_flexibility(a_bid(delivery_date=TODAY + timedelta(days=30)), task=task, today=TODAY)
        one_day_late = score_flexibility(a_bid(delivery_date=TODAY + timedelta(days=31)), task=task, today=TODAY)
        week_late = score_flexibility(a_bid(delivery_date=TODAY + timedelta(days=37)), task=task, today=TODAY)

        assert on_time.parts[1].score == 100
        assert one_day_late.parts[1].score == 40
        assert week_late.parts[1].score == 0
        assert week_late.score == 50  # (100 + 2 x 0 + 100) / 4
        assert "7 days after the deadline" in week_late.explanation
        assert week_late.value.endswith(", 7 days late")

    def test_part_time_availability_scores_in_proportion_to_40_hours(self):
        result = score_flexibility(a_bid(availability_hours_per_week=20), task=a_task(), today=TODAY)

        assert result.parts[2].score == 50
        assert result.explanation == (
            "Starts today (100), delivers 10 days before the deadline (100, counts double), 20 h a week (50)."
        )


# --- communication and reputation -------------------------------------------------------------------


def at(hours: float) -> datetime:
    return datetime(2026, 1, 10, 9, tzinfo=UTC) + timedelta(hours=hours)


class TestReplyTimes:
    def test_each_reply_is_timed_from_the_first_unanswered_client_message(self):
        client, supplier = 1, 2
        messages = [(client, at(0)), (client, at(1)), (supplier, at(3)), (supplier, at(4)), (client, at(10))]

        assert reply_times(messages, client_id=client) == [3 * 3600]

    def test_messages_the_supplier_starts_are_not_replies(self):
        assert reply_times([(2, at(0)), (2, at(1))], client_id=1) == []

    def test_an_unanswered_message_waits_from_the_first_after_the_suppliers_last_word(self):
        client, supplier = 1, 2

        assert unanswered_since(
            [(client, at(0)), (supplier, at(1)), (client, at(5)), (client, at(6))], client_id=client
        ) == at(5)
        assert unanswered_since([(client, at(0)), (supplier, at(1))], client_id=client) is None


class TestCommunication:
    def test_no_exchanges_and_no_reviews_is_missing(self):
        result = score_communication(SupplierRecord())

        assert result.score is None
        assert result.explanation == "No messages answered yet and no reviews."

    def test_the_median_reply_time_scores_100_within_an_hour_and_0_from_48_hours_leaning_to_50_on_few(self):
        fast = score_communication(SupplierRecord(reply_seconds=[600, 3600, 7200 * 30]))
        slow = score_communication(SupplierRecord(reply_seconds=[48 * 3600]))
        middle = score_communication(SupplierRecord(reply_seconds=[int(24.5 * 3600)]))
        many = score_communication(SupplierRecord(reply_seconds=[600] * 18))

        assert fast.score == 80  # median one hour: 100, with 3 replies (3 x 100 + 2 x 50) / 5
        assert slow.score == 33  # 0 from one reply: (0 + 2 x 50) / 3
        assert middle.score == 50
        assert many.score == 95
        assert fast.explanation.startswith("Replies in 1 h, median of 3 replies (80).")

    def test_one_instant_reply_is_not_a_perfect_score_and_says_it_rests_on_little(self):
        result = score_communication(SupplierRecord(reply_seconds=[30]))

        assert result.score == 67
        assert result.thin
        assert result.evidence == "1 reply and 0 reviews"
        assert result.explanation.endswith(
            "Little evidence yet: reply times and ratings lean toward 50, less with each one added."
        )

    def test_the_communication_rating_alone_counts_when_there_were_no_exchanges(self):
        result = score_communication(SupplierRecord(review_count=2, communication_total=9, rating_total=8))

        assert result.score == 69  # 4.5 stars (88) from 2 reviews: (2 x 88 + 2 x 50) / 4
        assert "Left out: no exchanges in this task's thread yet" in result.explanation

    def test_reply_time_and_rating_are_averaged(self):
        result = score_communication(
            SupplierRecord(review_count=1, communication_total=3, rating_total=3, reply_seconds=[1800])
        )

        assert result.score == 59  # (67 + 50) / 2
        assert result.evidence == "1 reply and 1 review"
        assert result.thin

    def test_a_message_unanswered_for_48_hours_already_scores_0(self):
        result = score_communication(SupplierRecord(waiting_seconds=50 * 3600))

        assert result.parts[0].score == 33  # 0, leaning as any single reply does
        assert result.parts[0].value == "no reply yet: 1 message unanswered for 50 h"

    def test_an_overdue_message_counts_beside_the_replies(self):
        result = score_communication(SupplierRecord(reply_seconds=[3600], waiting_seconds=49 * 3600))

        assert result.parts[0].value == "replies in 25 h, median of 1 reply and 1 message unanswered for 49 h"
        assert result.score == 50  # 49 from two: (2 x 49 + 2 x 50) / 4, half up

    def test_a_message_waiting_less_than_48_hours_is_not_scored_yet(self):
        result = score_communication(SupplierRecord(waiting_seconds=3 * 3600))

        assert result.score is None
        assert result.explanation == "No reply yet to a message sent 3 h ago, and no reviews."
        assert result.parts[0].value == "no reply yet to a message sent 3 h ago"


class TestReputation:
    def test_a_new_supplier_is_missing_not_zero(self):
        result = score_reputation(SupplierRecord())

        assert result.score is None
        assert result.explanation == "New on the platform: no reviews or completed contracts yet."

    def test_rating_counts_double_next_to_completed_contracts(self):
        result = score_reputation(SupplierRecord(review_count=2, rating_total=9, completed_contracts=2))

        assert result.score == 59  # (2 x 69 + 40) / 3; 4.5 stars (88) from 2 reviews leans to 69
        assert result.explanation == (
            "Rated 4.5★ in 2 reviews (69); 2 completed contracts (40); the rating counts double."
        )
        assert (result.evidence, result.thin) == ("2 reviews and 2 completed contracts", False)

    def test_completed_contracts_alone_score_20_each_up_to_100(self):
        assert score_reputation(SupplierRecord(completed_contracts=3)).score == 60
        assert score_reputation(SupplierRecord(completed_contracts=9)).score == 100


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=10**6))
def test_scores_round_half_up_exactly(numerator, denominator):
    exact = Decimal(numerator) / Decimal(denominator)
    expected = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    assert _round(Fraction(numerator, denominator)) == expected
    assert _round(numerator) == numerator


def test_score_classes_are_the_exact_half_up_rounding_for_every_integer():
    def by_fractions(score: int) -> str:
        return f"score-{min(100, max(0, int(Fraction(score, 10) + Fraction(1, 2)) * 10))}"

    assert all(score_class(score) == by_fractions(score) for score in range(-200, 301))


def test_score_classes_round_to_tens_for_the_bar_width():
    assert [score_class(s) for s in (None, 0, 4, 5, 44, 45, 100)] == [
        "score-none",
        "score-0",
        "score-0",
        "score-10",
        "score-40",
        "score-50",
        "score-100",
    ]


# --- the comparison over the database ---------------------------------------------------------------


def supplier(name: str, **profile: object) -> Organization:
    organization = OrganizationFactory(name=name, **profile)
    organization.owner = make_member(organization, role="owner")
    return organization


def bid_on(task: Task, organization: Organization, **terms: object) -> Bid:
    return services.submit_bid(actor=organization.owner, supplier=organization, task=task, data=bid_input(**terms))


def completed_contract(client: Organization, organization: Organization) -> Contract:
    return Contract.objects.create(
        client=client,
        supplier=organization,
        title="Earlier work",
        currency="EUR",
        status="completed",
    )


@pytest.mark.django_db
class TestCompareBids:
    @pytest.fixture
    def client_firm(self, firm):
        Organization.objects.filter(pk=firm.pk).update(time_zone="Europe/London", country="GB", city="Manchester")
        firm.refresh_from_db()
        return firm

    def test_rows_hold_every_factor_and_leave_out_missing_ones(self, client_firm):
        task = open_task(client_firm)
        newcomer = supplier("Newcomer", time_zone="Europe/Lisbon")
        bid_on(task, newcomer)

        comparison = compare_bids(task=task)

        (row,) = comparison.rows
        assert list(row.factors) == list(FACTORS)
        assert row.factors["communication"].missing
        assert row.factors["reputation"].missing
        assert row.left_out == ["communication", "reputation"]
        assert row.total is not None
        assert "Left out for lack of data: communication, reputation." in row.total_explanation
        price = row.factors["price"].score
        assert row.total_explanation.startswith(f"Weighted average of 3 of 5 factors (price {price} × 3, ")

    def test_only_live_bids_are_compared(self, client_firm):
        task = open_task(client_firm)
        kept = bid_on(task, supplier("Kept"))
        gone = bid_on(task, supplier("Gone"))
        services.withdraw_bid(actor=gone.supplier.owner, bid=gone)

        comparison = compare_bids(task=task)

        assert [row.bid.pk for row in comparison.rows] == [kept.pk]

    def test_reviews_contracts_and_reply_times_come_from_the_database(self, client_firm):
        task = open_task(client_firm)
        veteran = supplier("Veteran", time_zone="Europe/London")
        bid = bid_on(task, veteran)
        earlier = completed_contract(client_firm, veteran)
        completed_contract(client_firm, veteran)
        Review.objects.create(
            contract=earlier,
            author=client_firm,
            subject=veteran,
            rating=5,
            communication_rating=4,
            revealed_at=timezone.now(),
        )
        Review.objects.create(  # not revealed yet: not counted
            contract=completed_contract(client_firm, veteran),
            author=client_firm,
            subject=veteran,
            rating=1,
            communication_rating=1,
        )
        thread = services.get_or_create_thread(task=task, supplier=veteran)
        question = services.send_message(
            actor=client_firm.owner, organization=client_firm, thread=thread, body="Can you start Monday?"
        )
        answer = services.send_message(actor=veteran.owner, organization=veteran, thread=thread, body="Yes.")
        Message.objects.filter(pk=answer.pk).update(created_at=question.created_at + timedelta(hours=2))

        row = compare_bids(task=task).rows[0]

        assert row.bid == bid
        # 5 stars from one review lean to 67; (2 x 67 + 60 for 3 contracts) / 3
        assert row.factors["reputation"].score == 65
        assert row.factors["reputation"].parts[1].value == "3 completed contracts"
        assert row.factors["communication"].parts[0].value == "replies in 2 h, median of 1 reply"
        # Two hours (98) and 4 stars (75), each from one observation, lean to 66 and 58: (66 + 58) / 2
        assert row.factors["communication"].score == 62
        assert row.left_out == []

    def test_only_this_tasks_thread_times_the_replies_and_only_this_task_is_read(self, client_firm, other_firm):
        task = open_task(client_firm)
        elsewhere = open_task(client_firm)
        quick = supplier("Quick", time_zone="Europe/London")
        bid_on(task, quick)
        bid_on(elsewhere, quick)
        bid_on(open_task(other_firm), supplier("Other client's bidder"))
        slow_thread = services.get_or_create_thread(task=elsewhere, supplier=quick)
        question = services.send_message(
            actor=client_firm.owner, organization=client_firm, thread=slow_thread, body="Still there?"
        )
        Message.objects.filter(pk=question.pk).update(created_at=timezone.now() - timedelta(days=3))
        thread = services.get_or_create_thread(task=task, supplier=quick)
        asked = services.send_message(actor=client_firm.owner, organization=client_firm, thread=thread, body="Hi?")
        answer = services.send_message(actor=quick.owner, organization=quick, thread=thread, body="Here.")
        Message.objects.filter(pk=answer.pk).update(created_at=asked.created_at + timedelta(minutes=30))

        (row,) = compare_bids(task=task).rows

        assert row.bid.task_id == task.pk
        # One reply in 30 minutes (100, leaning to 67 from one reply); the other task's wait is not here.
        assert row.factors["communication"].score == 67
        assert row.factors["communication"].parts[0].value == "replies in 30 min, median of 1 reply"

    def test_weights_change_the_order(self, client_firm):
        task = open_task(client_firm, deadline=timezone.localdate() + timedelta(days=30))
        cheap_but_late = bid_on(
            task,
            supplier("Cheap", time_zone="Europe/London"),
            amount=200_000,
            delivery_date=timezone.localdate() + timedelta(days=40),
            milestones=[
                services.MilestoneInput("All", 200_000, timezone.localdate() + timedelta(days=40)),
            ],
        )
        dear_but_on_time = bid_on(
            task,
            supplier("Dear", time_zone="Europe/London"),
            amount=300_000,
            delivery_date=timezone.localdate() + timedelta(days=20),
            milestones=[
                services.MilestoneInput("All", 300_000, timezone.localdate() + timedelta(days=20)),
            ],
        )

        by_price = compare_bids(task=task, weights={"price": 5, "flexibility": 0})
        by_schedule = compare_bids(task=task, weights={"price": 0, "flexibility": 5})

        assert [row.bid for row in by_price.rows] == [cheap_but_late, dear_but_on_time]
        assert [row.bid for row in by_schedule.rows] == [dear_but_on_time, cheap_but_late]
        assert by_schedule.rows[0].rank == 1
        assert by_schedule.rows[0].ignored == ["price"]
        assert "Weighted 0 by you: price." in by_schedule.rows[0].total_explanation

    def test_the_clients_saved_weights_are_used(self, client_firm):
        task = open_task(client_firm)
        services.set_comparison_weights(actor=client_firm.owner, task=task, weights={"price": 5, "geography": 0})
        task.refresh_from_db()

        comparison = compare_bids(task=task)

        assert comparison.weights == {**DEFAULT_WEIGHTS, "price": 5, "geography": 0}

    def test_out_of_range_weights_are_ignored(self, client_firm):
        task = open_task(client_firm)

        weights = effective_weights(task, {"price": 9, "geography": -1, "reputation": True, "unknown": 3})

        assert weights == DEFAULT_WEIGHTS

    def test_a_bid_without_data_for_any_weighted_factor_has_no_total_and_sorts_last(self, client_firm):
        task = open_task(client_firm)
        bid_on(task, supplier("Somewhere", time_zone=""))
        other = bid_on(task, supplier("Known", time_zone="Europe/London"))

        comparison = compare_bids(task=task, weights={"price": 0, "flexibility": 0})

        assert comparison.rows[0].bid == other
        assert comparison.rows[1].total is None
        assert comparison.rows[1].total_explanation.startswith("No total: no factor you weigh has data")

    def test_sorting_by_a_factor_puts_missing_scores_last(self, client_firm):
        task = open_task(client_firm)
        no_zone = bid_on(
            task,
            supplier("No zone", time_zone=""),
            amount=200_000,
            milestones=[
                services.MilestoneInput("All", 200_000, timezone.localdate() + timedelta(days=20)),
            ],
        )
        lisbon = bid_on(task, supplier("Lisbon", time_zone="Europe/Lisbon"))

        by_geography = compare_bids(task=task, sort="geography")

        assert by_geography.sort == "geography"
        assert [row.bid for row in by_geography.rows] == [lisbon, no_zone]
        assert [row.bid for row in compare_bids(task=task, sort="price").rows] == [no_zone, lisbon]

    def test_factor_rows_turn_the_table_for_the_template(self, client_firm):
        task = open_task(client_firm)
        bid_on(task, supplier("One"))
        bid_on(task, supplier("Two"))

        lines = compare_bids(task=task).factor_rows

        assert [line.factor for line in lines] == list(FACTORS)
        assert all(len(line.cells) == 2 for line in lines)

    def test_one_query_for_any_number_of_bids(self, client_firm, other_firm):
        few = open_task(client_firm)
        many = open_task(client_firm)
        for n in range(10):
            organization = supplier(f"Bidder {n}", time_zone="Europe/Berlin", country="DE", city="Berlin")
            bid_on(many, organization)
            if n == 0:
                bid_on(few, organization)
            thread = services.get_or_create_thread(task=many, supplier=organization)
            services.send_message(actor=client_firm.owner, organization=client_firm, thread=thread, body="Hi")
            services.send_message(actor=organization.owner, organization=organization, thread=thread, body="Hello")
            Review.objects.create(
                contract=completed_contract(client_firm, organization),
                author=client_firm,
                subject=organization,
                rating=4,
                communication_rating=5,
                revealed_at=timezone.now(),
            )
        few = Task.objects.get(pk=few.pk)
        many = Task.objects.get(pk=many.pk)

        with CaptureQueriesContext(connection) as one:
            compare_bids(task=few)
        with CaptureQueriesContext(connection) as ten:
            rows = compare_bids(task=many).rows

        print(f"\ncompare_bids: {len(one)} queries for 1 bid, {len(ten)} for 10")
        assert len(rows) == 10
        assert len(one) == len(ten) == 1


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("price", 0, None),
        ("price", 5, None),
        ("price", 6, "Weights go from 0 (ignore) to 5 (matters most)."),
        ("price", True, "Weights go from 0 (ignore) to 5 (matters most)."),  # a bool is not a weight
        ("price", "3", "Weights go from 0 (ignore) to 5 (matters most)."),
        ("speed", 3, "Unknown factor 'speed': use price, geography, flexibility, communication, reputation."),
    ],
)
def test_one_rule_for_weights_where_they_are_saved_tried_or_read(name, value, problem):
    task = a_task(comparison_weights={name: value})

    assert weight_problem(name, value) == problem
    assert (effective_weights(task).get(name) == value) is (problem is None)
