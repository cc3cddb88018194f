"""A realistic marketplace at scale, loaded with PostgreSQL COPY (``generate_marketplace_data``).

This is a data loader, not a series of user actions: it writes rows directly
and bypasses the services on purpose (a million ``create_task`` calls with
audit records and emails would take hours and mean nothing). It therefore
keeps every rule the services and the schema enforce, by construction:

- budgets, bids and milestones are above zero; an hourly task has
  ``0 < hourly_rate_min <= hourly_rate_max`` and an hours cap, and its budget
  is the cap (max rate x hours); a fixed-price bid's milestones add up to its
  price, and every milestone is due between the bid's start and delivery;
- one live bid per supplier and task; a supplier never bids on its own
  organization's task; invite-only tasks get bids only from invited suppliers;
- drafts have no ``published_at`` and no bids; open tasks take bids until
  ``bidding_closes_at``; closed and cancelled tasks have only declined or
  withdrawn bids (no task is "awarded": an award comes with a contract, which
  is the contracts app's business, so the generator leaves awards out);
- each bid has the client/supplier thread ``submit_bid`` would have opened;
- every supplier with messages in the last 90 days has its stored reply time
  (``SupplierReplyTime``), as the nightly refresh would leave it;
- every user has a verified primary email and a personal organization, as
  after sign-up; firms have an owner.

Speed: one transaction; secondary indexes and foreign keys of the loaded
tables are dropped first and rebuilt at the end (the rebuild validates every
foreign key in one pass); primary keys, unique and check constraints stay in
force throughout. A producer thread generates the next chunk of rows while
the main thread COPYs the current one, so both cores work. Ids are assigned
here (from the tables' current maximum) so bids can point at tasks without a
round trip; the identity sequences are moved past them at the end.
"""

from __future__ import annotations

import io
import itertools
import math
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Membership, Organization, User
from core import limits
from core.markdown import excerpt
from marketplace.management import vocabulary as words
from marketplace.models import (
    Bid,
    BidInvitation,
    BidMilestone,
    Category,
    Message,
    Skill,
    SupplierReplyTime,
    Task,
    Thread,
)
from marketplace.selectors.messaging import REPLY_MESSAGES, REPLY_WINDOW

GENERATED_PASSWORD = "generated-pass-2026"  # every generated user's password (one hash, computed once)
DAY = 86_400
HISTORY = 420 * DAY  # the oldest task was posted this long ago

# Share of tasks by category slug; categories without an entry get weight 5.
CATEGORY_WEIGHTS = {
    "software-development": 16,
    "design": 12,
    "marketing": 12,
    "accounting-and-bookkeeping": 10,
    "it-maintenance-and-support": 10,
    "writing-and-translation": 9,
    "administrative-support": 8,
    "payroll": 7,
    "cleaning-and-facilities": 6,
    "customer-service": 5,
    "legal": 5,
}


@dataclass
class Options:
    tasks: int
    orgs: int
    bids_per_task: float = 3.0
    seed: int = 42
    chunk: int = 20_000
    defer_indexes: bool = True


@dataclass
class Place:
    country: str
    cities: tuple[str, ...]
    zone: str
    currency: str
    languages: tuple[str, ...]


@dataclass
class Org:
    id: int
    place: Place
    city: str
    members: list[int]
    category: int  # index into the generator's categories (suppliers' speciality)


@dataclass
class Cat:
    id: int
    slug: str
    name: str
    skills: list[str]
    words: words.CategoryWords


@dataclass(slots=True)
class TaskFacts:
    """What a task's bids need to know about it."""

    id: int
    category: int
    client: Org
    client_user: int
    status: str
    hourly: bool
    budget: int
    currency: str
    hourly_cols: tuple[str, str, str]
    published: int
    last_bid_moment: int
    ended: int


@dataclass
class Counts:
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, n: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + n


# --- COPY text helpers --------------------------------------------------------------------


def ts(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).isoformat(sep=" ")


def day(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).date().isoformat()


def array(values: list[str] | tuple[str, ...]) -> str:
    """A PostgreSQL array literal of simple values (no quotes, commas or braces in them)."""
    return "{" + ",".join(f'"{v}"' if (" " in v or not v) else v for v in values) + "}"


NULL = "\\N"


class Slots(dict):
    """Fills a template's {slots} on first use, consistently within one task."""

    def __init__(self, rng: random.Random, pools: dict[str, tuple[str, ...]], **fixed: str) -> None:
        super().__init__(fixed)
        self.rng = rng
        self.pools = pools

    def __missing__(self, key: str) -> str:
        if key == "tool2":
            tools = [t for t in self.pools.get("tool", ("Excel",)) if t != self["tool"]]
            value = self.rng.choice(tools or ["Excel"])
        elif key == "n":
            value = str(self.rng.choice((12, 20, 35, 50, 80, 120, 200, 400)))
        else:
            value = self.rng.choice(self.pools.get(key, ("our team",)))
        self[key] = value
        return value


class Generator:
    def __init__(self, options: Options, *, log: Callable[[str], None]) -> None:
        self.options = options
        self.log = log
        self.rng = random.Random(options.seed)
        self.now = int(timezone.now().timestamp())
        self.counts = Counts()
        self.task_index = 0
        self.places = [Place(*p[:5]) for p in words.PLACES]
        self.place_cum = list(itertools.accumulate(p[5] for p in words.PLACES))
        self.pools: dict[str, tuple[str, ...]] = {
            "biz": words.BUSINESSES,
            "period": words.PERIODS,
            "size": words.TEAM_SIZES,
            "role": words.ROLES,
        }
        self.tables = {
            "user": User._meta.db_table,
            "email": EmailAddress._meta.db_table,
            "org": Organization._meta.db_table,
            "membership": Membership._meta.db_table,
            "task": Task._meta.db_table,
            "invitation": BidInvitation._meta.db_table,
            "bid": Bid._meta.db_table,
            "milestone": BidMilestone._meta.db_table,
            "thread": Thread._meta.db_table,
            "message": Message._meta.db_table,
        }

    # --- orchestration ---------------------------------------------------------------

    def run(self) -> Counts:
        started = time.monotonic()
        self.categories = self._load_categories()
        with transaction.atomic(), connection.cursor() as wrapper:
            cursor = wrapper.cursor  # the psycopg2 cursor: copy_expert
            tables = list(self.tables.values())
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL max_parallel_maintenance_workers = 2")
            cursor.execute("SET LOCAL synchronous_commit = off")
            self.next_id = {}
            for key, table in self.tables.items():
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 (our table names)
                self.next_id[key] = cursor.fetchone()[0]
            deferred = self._drop_deferred(cursor, tables) if self.options.defer_indexes else []

            step = time.monotonic()
            for table, buffer in self._organizations():
                self._copy(cursor, table, buffer)
            self.log(
                f"organizations and users: {self.counts.rows.get('org', 0):,} organizations, "
                f"{self.counts.rows.get('user', 0):,} users in {time.monotonic() - step:.1f}s"
            )

            step = time.monotonic()
            self._load_tasks(cursor)
            self.log(f"tasks, bids and threads: loaded in {time.monotonic() - step:.1f}s")

            step = time.monotonic()
            for name, sql in deferred:
                one = time.monotonic()
                cursor.execute(sql)
                if time.monotonic() - one >= 1:
                    self.log(f"  rebuilt {name} in {time.monotonic() - one:.1f}s")
            if deferred:
                self.log(f"indexes and foreign keys: rebuilt in {time.monotonic() - step:.1f}s")
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))",  # noqa: S608
                    [table],
                )

            step = time.monotonic()
            figures = self._reply_times(cursor)
            self.log(f"reply times: {figures:,} suppliers in {time.monotonic() - step:.1f}s")

        step = time.monotonic()
        self._analyze([*tables, SupplierReplyTime._meta.db_table])
        self.log(f"analyze: {time.monotonic() - step:.1f}s")
        self.log(
            f"done in {time.monotonic() - started:.1f}s: "
            + ", ".join(f"{k} {v:,}" for k, v in self.counts.rows.items())
        )
        return self.counts

    def _reply_times(self, cursor: Any) -> int:
        """Store the reply time of every supplier with messages in the window (``SupplierReplyTime``), as
        ``marketplace.services.replies`` would, in one statement; how many suppliers.

        The same rule as ``selectors.messaging.supplier_reply_seconds`` and ``reply_times``, in SQL:
        calling the service for each of thousands of suppliers took a query each. Per supplier only its
        newest ``REPLY_MESSAGES`` messages of the last ``REPLY_WINDOW`` are read (so the work is bounded
        by the window); in a thread, client messages in a row wait on the supplier's next message, timed
        from the first of them. A test holds its figures equal to the service's.
        """
        message, thread, task = self.tables["message"], self.tables["thread"], self.tables["task"]
        cursor.execute(
            f"""
            WITH recent AS (
                SELECT t.supplier_id AS supplier, m.thread_id AS thread, k.organization_id AS client,
                       m.sender_organization_id AS sender, m.created_at AS at, m.id,
                       row_number() OVER (PARTITION BY t.supplier_id ORDER BY m.created_at DESC, m.id DESC) AS newest
                  FROM {message} m
                  JOIN {thread} t ON t.id = m.thread_id
                  JOIN {task} k ON k.id = t.task_id
                 WHERE m.created_at >= %(since)s
            ), kept AS (
                -- answers: the thread's non-client messages so far, this one included, so a run of client
                -- messages shares its count with the answer before it, and the next answer counts one more.
                -- Ties in time in the order Python's stable sort leaves them (newest id first).
                SELECT *, lag(sender) OVER w AS previous,
                       count(*) FILTER (WHERE sender <> client) OVER w AS answers
                  FROM recent
                 WHERE newest <= %(messages)s
                WINDOW w AS (PARTITION BY thread ORDER BY at, id DESC)
            ), asked AS (
                SELECT thread, answers, min(at) AS at FROM kept WHERE sender = client GROUP BY thread, answers
            ), replies AS (
                SELECT k.supplier, floor(extract(epoch FROM k.at - a.at))::integer AS seconds
                  FROM kept k JOIN asked a ON a.thread = k.thread AND a.answers = k.answers - 1
                 WHERE k.sender <> k.client AND k.previous = k.client
            )
            INSERT INTO {SupplierReplyTime._meta.db_table} (organization_id, median_seconds, replies, computed_at)
            SELECT s.supplier, floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY r.seconds))::integer,
                   count(r.seconds), now()
              FROM (SELECT DISTINCT supplier FROM kept) s LEFT JOIN replies r ON r.supplier = s.supplier
             GROUP BY s.supplier
            ON CONFLICT (organization_id) DO UPDATE
               SET median_seconds = EXCLUDED.median_seconds, replies = EXCLUDED.replies,
                   computed_at = EXCLUDED.computed_at
            """,  # noqa: S608 (our table names)
            {"since": timezone.now() - REPLY_WINDOW, "messages": REPLY_MESSAGES},
        )
        return int(cursor.rowcount)

    def _load_categories(self) -> list[Cat]:
        vocab = {c.slug: c for c in words.CATEGORIES}
        skills: dict[int | None, list[str]] = {}
        for category_id, slug in Skill.objects.values_list("category_id", "slug"):
            skills.setdefault(category_id, []).append(slug)
        categories = []
        for category in Category.objects.order_by("position", "id"):
            categories.append(
                Cat(
                    id=category.pk,
                    slug=category.slug,
                    name=category.name,
                    skills=sorted(skills.get(category.pk, [])) or [category.slug[:60]],
                    words=vocab.get(category.slug) or _generic_words(category.name, category.slug),
                )
            )
        if not categories:
            raise RuntimeError("No categories: run the migrations first (0002 seeds them).")
        self.category_cum = list(itertools.accumulate(CATEGORY_WEIGHTS.get(c.slug, 5) for c in categories))
        self.category_indexes = list(range(len(categories)))
        self.category_pools = [{**self.pools, **c.words.slots} for c in categories]
        return categories

    def _drop_deferred(self, cursor: Any, tables: list[str]) -> list[tuple[str, str]]:
        """Drop foreign keys and non-unique indexes of ``tables``; return the SQL that restores them."""
        restore: list[tuple[str, str]] = []
        for table in tables:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                restore.append((name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary ORDER BY c.relname",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                restore.insert(0, (name, definition))  # indexes first: the FK checks then use them
        return restore

    def _copy(self, cursor: Any, key: str, buffer: io.StringIO) -> None:
        columns = COLUMNS[key]
        buffer.seek(0)
        cursor.copy_expert(f"COPY {self.tables[key]} ({', '.join(columns)}) FROM STDIN", buffer, size=1 << 20)

    def _load_tasks(self, cursor: Any) -> None:
        """Generate chunks in a thread while this one COPYs the previous chunk."""
        total, chunk = self.options.tasks, max(1, self.options.chunk)
        chunks: queue.Queue[Any] = queue.Queue(maxsize=2)

        def produce() -> None:
            try:
                for start in range(0, total, chunk):
                    chunks.put(self._task_chunk(min(chunk, total - start)))
                chunks.put(None)
            except BaseException as exc:  # hand the failure to the consumer
                chunks.put(exc)

        producer = threading.Thread(target=produce, name="datagen", daemon=True)
        producer.start()
        done, started = 0, time.monotonic()
        while True:
            item = chunks.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            count, buffers = item
            for key, buffer in buffers.items():
                self._copy(cursor, key, buffer)
            done += count
            elapsed = time.monotonic() - started
            self.log(f"  tasks {done:>10,} / {total:,}  ({done / elapsed:,.0f} tasks/s, {elapsed:.0f}s)")
        producer.join()

    def _analyze(self, tables: list[str]) -> None:
        with connection.cursor() as cursor:
            # VACUUM cannot run inside a transaction (a test's); it also sets the
            # visibility map, so index-only scans work on the fresh rows.
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            for table in tables:
                cursor.execute(f"{verb} {table}")

    # --- organizations, users, memberships ---------------------------------------------------

    def _organizations(self) -> Iterator[tuple[str, io.StringIO]]:
        rng = self.rng
        password = make_password(GENERATED_PASSWORD)
        users: list[str] = []
        emails: list[str] = []
        orgs: list[str] = []
        memberships: list[str] = []
        self.clients: list[Org] = []
        self.suppliers: list[Org] = []
        self.suppliers_by_category: list[list[Org]] = [[] for _ in self.categories]
        start = self.now - 3 * 365 * DAY

        def new_user(first: str, last: str, joined: int) -> int:
            uid = self._take("user")
            email = f"{first}.{last}.{uid}@gen.example".lower()
            users.append(
                "\t".join((str(uid), password, NULL, "f", "f", "t", ts(joined), email, f"{first} {last}", "f"))
            )
            emails.append("\t".join((str(self._take("email")), email, "t", "t", str(uid))))
            return uid

        def new_org(name: str, slug: str, personal: bool, place: Place, city: str, created: int, **profile: str) -> int:
            oid = self._take("org")
            orgs.append(
                "\t".join(
                    (
                        str(oid),
                        name,
                        f"{slug}-{oid}",
                        "t" if personal else "f",
                        profile.get("headline", ""),
                        profile.get("about", ""),
                        "",
                        place.country if profile or not personal else "",
                        city if profile or not personal else "",
                        place.zone,
                        profile.get("languages", "{}"),
                        profile.get("skills", "{}"),
                        "t" if "skills" in profile else "f",  # offers_services: the suppliers' profiles name skills
                        profile.get("hourly_rate", NULL),
                        place.currency if "hourly_rate" in profile else "EUR",
                        profile.get("website", ""),
                        profile.get("portfolio_links", "{}"),
                        ts(created),
                        ts(created),
                    )
                )
            )
            return oid

        def member(uid: int, oid: int, role: str, joined: int) -> None:
            memberships.append("\t".join((str(self._take("membership")), role, ts(joined), str(uid), str(oid))))

        for _ in range(self.options.orgs):
            place = rng.choices(self.places, cum_weights=self.place_cum)[0]
            city = rng.choice(place.cities)
            created = start + rng.randrange(3 * 365 * DAY - 30 * DAY)
            category = rng.choices(self.category_indexes, cum_weights=self.category_cum)[0]
            freelancer = rng.random() < 0.35
            supplier = freelancer or rng.random() < 0.45
            profile = self._supplier_profile(category, place, freelancer) if supplier else {}
            if freelancer:
                first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
                uid = new_user(first, last, created)
                name = f"{first} {last}"
                oid = new_org(name, slugify(name), True, place, city, created, **profile)
                member(uid, oid, "owner", created)
                org = Org(oid, place, city, [uid], category)
            else:
                first_word, second_word = rng.sample(words.FIRM_WORDS, k=2)
                name = f"{first_word} {second_word} {rng.choice(words.FIRM_SUFFIXES)}"
                if not profile:
                    profile = {"headline": f"{rng.choice(words.BUSINESSES).capitalize()} in {city}"}
                oid = new_org(name, slugify(name), False, place, city, created, **profile)
                org = Org(oid, place, city, [], category)
                for position in range(rng.choice((1, 1, 2, 2, 3, 4, 6))):
                    first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
                    joined = created + position * rng.randrange(DAY, 200 * DAY)
                    uid = new_user(first, last, joined)
                    # Signed up first: a personal organization, as at sign-up.
                    personal = new_org(f"{first} {last}", slugify(f"{first} {last}"), True, place, city, joined)
                    member(uid, personal, "owner", joined)
                    member(uid, oid, ("owner", "admin", "member")[min(position, 2)], joined)
                    org.members.append(uid)
            if supplier:
                self.suppliers.append(org)
                self.suppliers_by_category[category].append(org)
            if not freelancer or rng.random() < 0.05:
                self.clients.append(org)
        if not self.clients or len(self.suppliers) < 2:
            raise RuntimeError("Too few organizations: pass --orgs 10 or more.")
        self.counts.add("org", len(orgs))
        self.counts.add("user", len(users))
        self.counts.add("membership", len(memberships))
        for key, lines in (("user", users), ("email", emails), ("org", orgs), ("membership", memberships)):
            yield key, io.StringIO("\n".join(lines) + "\n")

    def _supplier_profile(self, category: int, place: Place, freelancer: bool) -> dict[str, str]:
        rng = self.rng
        cat = self.categories[category]
        skills = rng.sample(cat.skills, k=min(len(cat.skills), rng.randint(2, 5)))
        low, high = cat.words.hourly_range
        rate = round(rng.uniform(low, high)) * words.MINOR_PER_EUR.get(place.currency, 100)
        slots = Slots(rng, self.category_pools[category], city=rng.choice(place.cities))
        about = " ".join(p.format_map(slots) for p in rng.sample(cat.words.pitches, k=2))
        # "Payroll" reads "payroll" mid-sentence; "IT maintenance" keeps its capitals.
        noun = cat.name if cat.name[1:2].isupper() else cat.name.lower()
        headline = rng.choice(words.HEADLINES).format(category=noun)
        profile = {
            "headline": headline[:1].upper() + headline[1:],
            "about": about,
            "languages": array(place.languages),
            "skills": array(skills),
            "hourly_rate": str(rate),
        }
        if not freelancer or rng.random() < 0.5:
            profile["website"] = f"https://{slugify(cat.slug)}-{rng.randrange(10**6)}.example"
            profile["portfolio_links"] = array([profile["website"] + "/work"])
        return profile

    def _take(self, key: str) -> int:
        value = self.next_id[key]
        self.next_id[key] = value + 1
        return value

    # --- tasks, invitations, bids, milestones, threads, messages --------------------------------

    def _task_chunk(self, count: int) -> tuple[int, dict[str, io.StringIO]]:
        lines: dict[str, list[str]] = {k: [] for k in ("task", "invitation", "bid", "milestone", "thread", "message")}
        for _ in range(count):
            self._task(lines)
        for key, rows in lines.items():
            self.counts.add(key, len(rows))
        return count, {k: io.StringIO("\n".join(v) + "\n") for k, v in lines.items() if v}

    def _task(self, out: dict[str, list[str]]) -> None:
        rng, now = self.rng, self.now
        ci = rng.choices(self.category_indexes, cum_weights=self.category_cum)[0]
        cat = self.categories[ci]
        client = self.clients[int(len(self.clients) * rng.random() ** 1.5)]
        creator = client.members[0] if rng.random() < 0.7 else rng.choice(client.members)
        place = client.place
        slots = Slots(rng, self.category_pools[ci], city=client.city)
        title = rng.choice(cat.words.titles).format_map(slots)
        title = title[:1].upper() + title[1:]
        needs = rng.sample(cat.words.needs, k=min(len(cat.words.needs), rng.randint(2, 3)))
        intro = f"We are {slots['biz']} based in {client.city}."
        if rng.random() < 0.6:  # the long tail of words real descriptions have
            intro += " " + rng.choice(words.DETAILS).format(rng.choice(words.SPECIALITIES))
        paragraphs = [
            " ".join([intro, *(s.format_map(slots) for s in needs)]),
            " ".join(s.format_map(slots) for s in rng.sample(cat.words.requirements, k=rng.randint(1, 2))),
            rng.choice(words.CLOSINGS),
        ]
        description = "\\n\\n".join(paragraphs)  # a COPY-escaped blank line between paragraphs
        summary = excerpt("\n\n".join(paragraphs), limits.EXCERPT)  # what create_task would store
        skills = rng.sample(cat.skills, k=min(len(cat.skills), rng.randint(1, 4)))

        currency = place.currency if rng.random() < 0.85 else rng.choice(("EUR", "USD"))
        per_eur = words.MINOR_PER_EUR.get(currency, 100)
        hourly = rng.random() < 0.25
        if hourly:
            low, high = cat.words.hourly_range
            rate_min = max(1, round(rng.uniform(low, high))) * per_eur
            rate_max = rate_min + round(rate_min * rng.choice((0, 0.1, 0.25, 0.5)) / per_eur) * per_eur
            hours_cap = rng.choice((10, 20, 40, 60, 80, 120, 160, 240, 400))
            budget = rate_max * hours_cap
            hourly_cols = (str(rate_min), str(rate_max), str(hours_cap))
        else:
            low, high = cat.words.budget_range
            units = low * math.exp(rng.random() * math.log(high / low))
            step = 10 if units < 1000 else 50
            budget = max(step, round(units / step) * step) * per_eur
            hourly_cols = (NULL, NULL, NULL)
        estimate = str(int(budget * rng.uniform(1.1, 2.2))) if rng.random() < 0.3 else NULL

        # Ids follow time, as in a live database (task n was created after task
        # n - 1, give or take hours), with more tasks lately as the marketplace grew.
        # So the table is physically in posting order, like the real one.
        position = self.task_index / max(1, self.options.tasks - 1)
        self.task_index += 1
        created = now - int(HISTORY * (1 - position) ** 1.7) - rng.randrange(0, 6 * 3600)
        age, roll = now - created, rng.random()
        if age <= 60 * DAY:
            status = "draft" if roll < 0.06 else "cancelled" if roll < 0.08 else "closed" if roll < 0.10 else "open"
        elif age <= 270 * DAY:
            status = "open" if roll < 0.8 else "closed" if roll < 0.93 else "cancelled"
        else:
            status = "open" if roll < 0.35 else "closed" if roll < 0.8 else "cancelled"
        if status == "draft":
            published = 0
            closes = now + rng.randrange(7 * DAY, 60 * DAY)
        else:
            # Published within three days of being written (a recent draft: before now).
            published = created + int(min(3 * DAY, now - created) * rng.random())
            if status != "open":
                closes = published + min(rng.randrange(7 * DAY, 45 * DAY), int((now - published) * 0.9))
            elif now - published < 2 * DAY or rng.random() < (0.92 if age <= 270 * DAY else 0.3):
                closes = now + rng.randrange(3600, 75 * DAY)
            else:  # bidding ran out; the client has not closed the task yet
                closes = published + int((now - published) * rng.uniform(0.3, 0.99))
        deadline_at = closes + rng.randrange(7 * DAY, 180 * DAY)
        edited = published + int((now - published) * rng.random()) if status == "open" and rng.random() < 0.04 else 0
        ended = (
            closes + rng.randrange(0, max(1, min(14 * DAY, now - closes))) if status in ("closed", "cancelled") else 0
        )
        updated = max(created, published, edited, min(ended, now))

        roll = rng.random()
        location = "remote" if roll < 0.68 else "onsite" if roll < 0.85 else "hybrid"
        if location == "remote":
            country, city, postal = (place.country if rng.random() < 0.5 else ""), "", ""
        else:
            country = place.country
            city = client.city if rng.random() < 0.85 else rng.choice(place.cities)
            postal = str(rng.randrange(10000, 99999)) if rng.random() < 0.6 else ""
        visibility = "invite_only" if rng.random() < 0.06 else "public"

        task_id = self._take("task")
        out["task"].append(
            "\t".join(
                (
                    str(task_id),
                    title,
                    description,
                    summary,
                    array(skills),
                    "hourly" if hourly else "fixed",
                    currency,
                    str(budget),
                    *hourly_cols,
                    estimate,
                    day(deadline_at),
                    ts(closes),
                    location,
                    country,
                    city,
                    postal,
                    visibility,
                    status,
                    "{}",
                    ts(published) if published else NULL,
                    ts(edited) if edited else NULL,
                    ts(created),
                    ts(updated),
                    str(cat.id),
                    str(creator),
                    str(client.id),
                )
            )
        )

        # Invitations: every invite-only task, and a few public ones.
        invited: list[Org] = []
        if status != "draft" or visibility == "invite_only":
            wanted = (
                rng.randint(2, 5) if visibility == "invite_only" else (rng.randint(1, 2) if rng.random() < 0.03 else 0)
            )
            if wanted:
                invited = self._pick_suppliers(ci, wanted, exclude=client.id)
                at = ts(published or created)
                for supplier in invited:
                    out["invitation"].append(
                        "\t".join(
                            (
                                str(self._take("invitation")),
                                f"We would value a proposal from {supplier.city}.",
                                at,
                                str(creator),
                                str(supplier.id),
                                str(task_id),
                            )
                        )
                    )
        if status == "draft":
            return
        n_bids = (
            min(25, round(rng.expovariate(1 / self.options.bids_per_task))) if self.options.bids_per_task > 0 else 0
        )
        if visibility == "invite_only":
            bidders = rng.sample(invited, k=min(n_bids, len(invited)))
        else:
            bidders = self._pick_suppliers(ci, n_bids, exclude=client.id)
        facts = TaskFacts(
            id=task_id,
            category=ci,
            client=client,
            client_user=creator,
            status=status,
            hourly=hourly,
            budget=budget,
            currency=currency,
            hourly_cols=hourly_cols,
            published=published,
            last_bid_moment=min(now, closes),
            ended=ended,
        )
        for supplier in bidders:
            self._bid(out, facts, supplier)

    def _pick_suppliers(self, category: int, wanted: int, *, exclude: int) -> list[Org]:
        rng = self.rng
        chosen: dict[int, Org] = {}
        pool = self.suppliers_by_category[category]
        for _ in range(wanted * 3):
            if len(chosen) >= wanted:
                break
            source = pool if pool and rng.random() < 0.85 else self.suppliers
            org = source[rng.randrange(len(source))]
            if org.id != exclude:
                chosen[org.id] = org
        return list(chosen.values())

    def _bid(self, out: dict[str, list[str]], task: TaskFacts, supplier: Org) -> None:
        rng, now = self.rng, self.now
        cat = self.categories[task.category]
        published, last_moment, ended, task_status = task.published, task.last_bid_moment, task.ended, task.status
        created = published + int((last_moment - published) * rng.random() ** 0.7)
        created = min(max(created, published), now)
        start_day = created + rng.randrange(1, 22) * DAY
        delivery_day = start_day + rng.randrange(7, 150) * DAY
        if task.hourly:
            rate_min, rate_max, cap = (int(value) for value in task.hourly_cols)
            rate = max(1, int(rng.uniform(rate_min * 0.85, rate_max * 1.1)))
            hours = rng.randint(max(1, cap // 4), cap)
            amount = rate * hours
            rate_cols = (str(rate), str(hours))
        else:
            unit = words.MINOR_PER_EUR.get(task.currency, 100) * 10
            amount = max(unit, round(task.budget * rng.uniform(0.6, 1.25) / unit) * unit)
            rate_cols = (NULL, NULL)

        roll = rng.random()
        shortlisted = decided = 0
        reason = ""
        if task_status == "open":
            status = (
                "submitted"
                if roll < 0.74
                else "shortlisted"
                if roll < 0.86
                else "withdrawn"
                if roll < 0.93
                else "declined"
            )
        else:
            status = "withdrawn" if roll < 0.1 else "declined"
        if status == "shortlisted":
            shortlisted = min(now, created + rng.randrange(3600, 10 * DAY))
        elif status == "withdrawn":
            decided = min(now, created + rng.randrange(3600, 20 * DAY))
        elif status == "declined":
            if task_status == "open":
                decided = min(now, created + rng.randrange(3600, 20 * DAY))
                reason = rng.choice(("Over our budget.", "We need someone on-site.", "Timeline does not fit.", ""))
            else:
                decided = max(created, min(now, ended))
                reason = (
                    "The client closed this task." if task_status == "closed" else "The client cancelled this task."
                )
        slots = Slots(rng, self.category_pools[task.category], city=supplier.city)
        letter = " ".join(
            [
                *(p.format_map(slots) for p in rng.sample(cat.words.pitches, k=rng.randint(1, 2))),
                rng.choice(words.SIGN_OFFS),
            ]
        )
        bid_id = self._take("bid")
        bidder = (
            supplier.members[0] if len(supplier.members) == 1 or rng.random() < 0.7 else rng.choice(supplier.members)
        )
        out["bid"].append(
            "\t".join(
                (
                    str(bid_id),
                    status,
                    "hourly" if task.hourly else "fixed",
                    task.currency,
                    str(amount),
                    *rate_cols,
                    day(start_day),
                    str(rng.choice((10, 15, 20, 25, 30, 40))),
                    day(delivery_day),
                    letter,
                    reason,
                    ts(shortlisted) if shortlisted else NULL,
                    ts(decided) if decided else NULL,
                    ts(created),
                    ts(max(created, shortlisted, decided)),
                    str(bidder),
                    str(supplier.id),
                    str(task.id),
                )
            )
        )

        # Milestones add up to the price; the last one is due on delivery.
        parts = rng.choice((1, 1, 2, 2, 3)) if amount >= 3 else 1
        cuts = sorted(rng.sample(range(1, amount), k=parts - 1)) if parts > 1 else []
        bounds = [0, *cuts, amount]
        titles = cat.words.milestones
        span = delivery_day - start_day
        for position in range(1, parts + 1):
            due = start_day + span * position // parts
            title = titles[min(position - 1, len(titles) - 1)] if parts > 1 else "Complete delivery"
            out["milestone"].append(
                "\t".join(
                    (
                        str(self._take("milestone")),
                        str(position),
                        title,
                        str(bounds[position] - bounds[position - 1]),
                        day(due),
                        str(bid_id),
                    )
                )
            )

        # The conversation submit_bid opens; a few have messages.
        thread_id = self._take("thread")
        last_message = 0
        if rng.random() < 0.05:
            moment = created
            for turn in range(rng.randint(1, 4)):
                moment += int(min(3 * DAY, now - moment) * rng.random())
                from_supplier = turn % 2 == 0
                out["message"].append(
                    "\t".join(
                        (
                            str(self._take("message")),
                            rng.choice(SUPPLIER_LINES if from_supplier else CLIENT_LINES),
                            ts(moment),
                            str(bidder if from_supplier else task.client_user),
                            str(supplier.id if from_supplier else task.client.id),
                            str(thread_id),
                        )
                    )
                )
            last_message = moment
        out["thread"].append(
            "\t".join(
                (
                    str(thread_id),
                    ts(created),
                    ts(last_message) if last_message else NULL,
                    str(supplier.id),
                    str(task.id),
                )
            )
        )


SUPPLIER_LINES = (
    "Thanks for posting this. Could you share a sample of the current files?",
    "We could start a week earlier if that helps.",
    "Is the deadline fixed, or is there some room?",
    "Happy to jump on a call to walk through the proposal.",
)
CLIENT_LINES = (
    "Thanks, that is helpful. Can you confirm the price includes revisions?",
    "The deadline is firm, unfortunately.",
    "Could you send two references from similar projects?",
    "We will decide by the end of the week.",
)

# Column order of each COPY, matching the rows built above.
COLUMNS: dict[str, tuple[str, ...]] = {
    "user": (
        "id",
        "password",
        "last_login",
        "is_superuser",
        "is_staff",
        "is_active",
        "date_joined",
        "email",
        "name",
        "is_moderator",
    ),
    "email": ("id", "email", "verified", '"primary"', "user_id"),
    "org": (
        "id",
        "name",
        "slug",
        "is_personal",
        "headline",
        "about",
        "logo",
        "country",
        "city",
        "time_zone",
        "languages",
        "skills",
        "offers_services",
        "hourly_rate",
        "hourly_rate_currency",
        "website",
        "portfolio_links",
        "created_at",
        "updated_at",
    ),
    "membership": ("id", "role", "created_at", "user_id", "organization_id"),
    "task": (
        "id",
        "title",
        "description",
        "excerpt",
        "skills",
        "budget_type",
        "currency",
        "budget_amount",
        "hourly_rate_min",
        "hourly_rate_max",
        "hours_cap",
        "in_house_cost_estimate",
        "deadline",
        "bidding_closes_at",
        "location_type",
        "country",
        "city",
        "postal_code",
        "visibility",
        "status",
        "comparison_weights",
        "published_at",
        "edited_at",
        "created_at",
        "updated_at",
        "category_id",
        "created_by_id",
        "organization_id",
    ),
    "invitation": ("id", "message", "created_at", "invited_by_id", "supplier_id", "task_id"),
    "bid": (
        "id",
        "status",
        "price_type",
        "currency",
        "amount",
        "hourly_rate",
        "estimated_hours",
        "start_date",
        "availability_hours_per_week",
        "delivery_date",
        "cover_letter",
        "decline_reason",
        "shortlisted_at",
        "decided_at",
        "created_at",
        "updated_at",
        "created_by_id",
        "supplier_id",
        "task_id",
    ),
    "milestone": ("id", "position", "title", "amount", "due_date", "bid_id"),
    "thread": ("id", "created_at", "last_message_at", "supplier_id", "task_id"),
    "message": ("id", "body", "created_at", "sender_id", "sender_organization_id", "thread_id"),
}


def _generic_words(name: str, slug: str) -> words.CategoryWords:
    """Plain words for a category added after the vocabulary was written."""
    noun = name.lower()
    return words.CategoryWords(
        slug=slug,
        titles=(f"{name} for {{biz}}", f"Ongoing {noun} support", f"One-off {noun} project in {{city}}"),
        needs=(
            f"We are looking for help with {noun}.",
            "The work is recurring and we want one reliable supplier.",
            "Our {role} will be your contact.",
        ),
        requirements=(f"Proven experience in {noun}.", "References from similar clients."),
        milestones=("Kick-off", "First delivery", "Final delivery"),
        pitches=(f"We have done {noun} for {{n}} clients.", "Reliable, on time, fixed prices."),
    )
