"""``manage.py generate_marketplace_data`` at a small scale: the rows exist, keep every rule, and can be found."""

from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from accounts.models import Membership, Organization, User
from core import limits
from core.markdown import excerpt
from marketplace.management.datagen import GENERATED_PASSWORD
from marketplace.models import Bid, BidInvitation, BidMilestone, Message, SupplierReplyTime, Task, Thread
from marketplace.selectors import TaskFilters, search_tasks
from marketplace.selectors.messaging import REPLY_WINDOW, median_seconds, supplier_reply_seconds

pytestmark = pytest.mark.django_db


def generate(**options):  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("generate_marketplace_data", stdout=out, **{"tasks": 500, "orgs": 50, "seed": 3, **options})
    return out.getvalue()


def schema() -> set[tuple[str, str]]:
    """Indexes and foreign keys of the loaded tables, by name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'index', indexname FROM pg_indexes WHERE tablename LIKE 'marketplace_%' "
            "OR tablename LIKE 'accounts_%' "
            "UNION SELECT 'fk', conname FROM pg_constraint WHERE contype = 'f'"
        )
        return set(cursor.fetchall())


@pytest.fixture
def generated():  # type: ignore[no-untyped-def]
    before = schema()
    output = generate()
    return before, output


def test_it_creates_every_kind_of_row_and_reports_timings(generated):
    _before, output = generated

    assert Task.objects.count() == 500
    assert Organization.objects.filter(is_personal=False).exists()
    assert Bid.objects.count() > 500
    assert BidMilestone.objects.count() >= Bid.objects.count()
    assert Thread.objects.count() == Bid.objects.count()
    assert BidInvitation.objects.exists()
    assert set(Task.objects.values_list("status", flat=True)) >= {"open", "closed"}
    assert Task.objects.values("category").distinct().count() >= 8
    assert "tasks, bids and threads: loaded in" in output
    assert "done in" in output


def test_indexes_and_foreign_keys_are_all_back(generated):
    before, _output = generated

    assert schema() == before


def test_tasks_keep_the_rules_of_the_services(generated):
    tasks = Task.objects.all()
    assert not tasks.filter(budget_amount__lte=0).exists()
    hourly = tasks.filter(budget_type="hourly")
    assert hourly.exists()
    assert not hourly.exclude(budget_amount=F("hourly_rate_max") * F("hours_cap")).exists()
    assert not hourly.filter(hourly_rate_min__gt=F("hourly_rate_max")).exists()
    assert not tasks.filter(status="draft", published_at__isnull=False).exists()
    assert not tasks.exclude(status="draft").filter(published_at__isnull=True).exists()
    assert not tasks.filter(deadline__lt=F("bidding_closes_at__date")).exists()
    assert not tasks.exclude(location_type="remote").filter(Q(city="") | Q(country="")).exists()
    assert tasks.filter(visibility="public").count() > tasks.filter(visibility="invite_only").count() > 0
    assert tasks.filter(description__contains="\n\n").count() == 500  # multi-paragraph, unescaped


def test_tasks_carry_the_excerpt_the_services_would_write(generated):
    rows = Task.objects.values_list("description", "excerpt")

    assert all(stored == excerpt(description, limits.EXCERPT) for description, stored in rows)
    assert all(stored for _description, stored in rows)


def test_bids_keep_the_rules_of_the_services(generated):
    bids = Bid.objects.all()
    assert not bids.filter(task__status="draft").exists()
    assert not bids.filter(supplier=F("task__organization")).exists()
    assert not bids.exclude(price_type=F("task__budget_type")).exists()
    assert not bids.exclude(currency=F("task__currency")).exists()
    assert not bids.filter(created_at__lt=F("task__published_at")).exists()
    assert not bids.filter(task__status__in=["closed", "cancelled"], status__in=["submitted", "shortlisted"]).exists()
    assert not bids.filter(status="accepted").exists()
    live = bids.filter(status__in=["submitted", "shortlisted", "accepted"])
    assert not live.values("task", "supplier").annotate(n=Count("id")).filter(n__gt=1).exists()
    for bid in bids.filter(task__visibility="invite_only"):
        assert BidInvitation.objects.filter(task=bid.task_id, supplier=bid.supplier_id).exists()
    fixed = bids.filter(price_type="fixed").annotate(total=Sum("milestones__amount"))
    assert not fixed.exclude(total=F("amount")).exists()
    assert not BidMilestone.objects.filter(
        Q(due_date__lt=F("bid__start_date")) | Q(due_date__gt=F("bid__delivery_date"))
    ).exists()
    assert not Thread.objects.exclude(Q(task__bids__supplier=F("supplier"))).exists()


def test_people_can_sign_in_and_act_for_their_organizations(generated):
    users = User.objects.all()
    assert not users.exclude(pk__in=EmailAddress.objects.filter(verified=True, primary=True).values("user")).exists()
    assert not users.exclude(memberships__organization__is_personal=True).exists()
    firms = Organization.objects.filter(is_personal=False)
    assert not firms.exclude(memberships__role="owner").exists()
    assert users.first().check_password(GENERATED_PASSWORD)
    suppliers = Organization.objects.exclude(skills=[])
    assert suppliers.exists()
    assert not suppliers.filter(Q(hourly_rate__isnull=True) | Q(country="") | Q(headline="")).exists()
    assert Membership.objects.filter(role="owner").count() >= firms.count()


def test_full_text_search_finds_generated_tasks(generated):
    visible = Task.objects.filter(status="open", visibility="public").order_by("-published_at").first()
    word = max(visible.title.split(), key=len)

    page = search_tasks(filters=TaskFilters(q=word), organization=None, page_size=100)

    assert page.tasks
    assert all(word.lower() in (t.title + t.description).lower() for t in page.tasks[:5])
    assert search_tasks(filters=TaskFilters(q="payroll"), organization=None).tasks


def test_the_same_seed_gives_the_same_data():
    generate(tasks=60, orgs=20)
    first = list(Task.objects.order_by("pk").values_list("title", "budget_amount", "status"))

    generate(tasks=60, orgs=20, append=True)

    second = list(Task.objects.order_by("pk").values_list("title", "budget_amount", "status"))[60:]
    assert [row[:2] for row in second] == [row[:2] for row in first]


def test_it_refuses_a_database_that_already_has_tasks(firm):
    from tests.factories import open_task

    open_task(firm)

    with pytest.raises(CommandError, match="already has 1 tasks"):
        generate()
    assert Task.objects.count() == 1


def test_reply_times_are_stored_as_the_service_computes_them(generated):
    since = timezone.now() - REPLY_WINDOW
    talking = set(Message.objects.filter(created_at__gte=since).values_list("thread__supplier_id", flat=True))
    figures = {pk: (replies, median) for pk, replies, median in SupplierReplyTime.objects.values_list(
        "organization_id", "replies", "median_seconds"
    )}  # fmt: skip

    assert set(figures) == talking
    assert sum(replies > 0 for replies, _median in figures.values()) >= 3  # there is something to compare
    for supplier_id, figure in figures.items():
        seconds = supplier_reply_seconds(supplier_id=supplier_id)
        assert figure == (len(seconds), median_seconds(seconds)), supplier_id
