"""Page speed under HTTP load: gunicorn with production settings on the generated data.

Run against a database filled by ``generate_marketplace_data`` (never the dev one)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marketplace_bench \\
    REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python scripts/benchmark_http.py [--clients 6] [--workers 2] [--slice 2] [--rounds 4]

What it does, in one run:

- collects the static files and starts gunicorn (``--workers`` sync workers,
  loopback only, a free port) with ``DJANGO_ENV=production``, a throwaway
  secret key, plain HTTP (``DJANGO_SECURE_SSL_REDIRECT=false``) and the API
  throttle raised so one token is never refused (its Redis round trips
  still happen);
- makes the biggest client 30 contracts once, when the data has fewer (bids
  accepted on its open tasks, sent for signatures and signed by the
  supplier), for the contract list and detail pages; they stay for later runs;
- signs in three members of the data set by creating database sessions
  (a supplier, the biggest client, a member for the directory) and an API
  token for the biggest client's member through ``accounts.services``;
  both are removed (the token revoked) at the end;
- drives each page with ``--clients`` threads, each with its own
  ``http.client`` connection (reopened when a sync worker closes it),
  in slices of ``--slice`` seconds that INTERLEAVE with the same number of
  slices of a minimal view, so both see the same background load on a
  shared machine. The minimal view does one indexed query (a task by
  primary key) through the same middleware. A signed-in page also
  interleaves that minimal view AS THE SAME VIEWER (its session cookie; for
  the API token, a DRF view with the API's authentication and throttles),
  so the table gives two shares: against the anonymous minimal view (what
  the issue's targets were set against) and against the signed-in one
  (what the page costs beyond signing in). Pages with words also
  interleave a view that runs only their search selector
  (``search_tasks`` on the same query string, as the same viewer), so the
  cost of the page around the search can be read off.

The minimal and selector-only views are not part of the product: gunicorn
loads this file as its WSGI app (``benchmark_http:wsgi_app()``), which adds
them in front of ``config.urls`` under ``/__bench__/`` by pointing
``ROOT_URLCONF`` at this module. The product's own URL conf never has them.

Output: a markdown table with requests/s, p50/p95 latency, the share of the
minimal view's throughput, and ``ms/req``, the worker time one request
costs (workers / requests per second, with every worker kept busy).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MINIMAL_PATH = "/__bench__/minimal/"
# The same one query as a DRF view with the API's authentication, permission and throttles:
# what an API token pays before any list runs.
API_MINIMAL_PATH = "/__bench__/api-minimal/"
SEARCH_PATH = "/__bench__/search/"
urlpatterns: list[Any] = []  # filled by wsgi_app() in the server process
handler404 = "core.api.views.not_found"


# --- the server side: gunicorn imports this module and calls wsgi_app() ---------------------------


def wsgi_app() -> Any:
    """The product's WSGI app with the benchmark's two views mounted before ``config.urls``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpRequest, HttpResponse
    from django.urls import path

    from config.urls import urlpatterns as product_patterns
    from marketplace.forms.tasks import browse_params
    from marketplace.models import Task
    from marketplace.selectors import TaskFilters, search_tasks

    probe_id = int(os.environ.get("BENCHMARK_PROBE_TASK", "1"))

    def minimal(request: HttpRequest) -> HttpResponse:
        found = Task.objects.filter(pk=probe_id).values_list("pk", flat=True).first()
        return HttpResponse(f"{found}\n", content_type="text/plain")

    def search_only(request: HttpRequest) -> HttpResponse:
        filters = TaskFilters.from_params(browse_params(request.GET))
        page = search_tasks(filters=filters, organization=getattr(request, "organization", None), cursor="")
        return HttpResponse(f"{len(page.tasks)}\n", content_type="text/plain")

    from rest_framework.decorators import api_view
    from rest_framework.response import Response

    @api_view(["GET"])
    def api_minimal(request: Any) -> Response:
        return Response({"id": Task.objects.filter(pk=probe_id).values_list("pk", flat=True).first()})

    urlpatterns[:] = [
        path(MINIMAL_PATH[1:], minimal),
        path(API_MINIMAL_PATH[1:], api_minimal),
        path(SEARCH_PATH[1:], search_only),
        *product_patterns,
    ]
    settings.ROOT_URLCONF = __name__
    return get_wsgi_application()


# --- the load generator ------------------------------------------------------------------------


@dataclass
class Stream:
    """One kind of request: URLs to cycle through and the headers to send."""

    label: str
    urls: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    failures: dict[int, int] = field(default_factory=dict)
    bytes: int = 0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000


def run_slice(stream: Stream, *, port: int, clients: int, seconds: float, cap: int, record: bool) -> None:
    """``clients`` threads request the stream's URLs for ``seconds`` (at most ``cap`` requests in all)."""
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    issued = [0]
    latencies: list[float] = []
    failures: dict[int, int] = {}
    size = [0]

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        index = offset
        try:
            while time.perf_counter() < deadline:
                with lock:
                    if issued[0] >= cap:
                        return
                    issued[0] += 1
                url = stream.urls[index % len(stream.urls)]
                index += clients
                started = time.perf_counter()
                try:
                    connection.request("GET", url, headers={"Host": "localhost", **stream.headers})
                    response = connection.getresponse()
                    body = response.read()
                    status = response.status
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                except (OSError, http.client.HTTPException):
                    connection.close()
                    status = 0
                    body = b""
                took = time.perf_counter() - started
                with lock:
                    latencies.append(took)
                    size[0] += len(body)
                    if status != 200:
                        failures[status] = failures.get(status, 0) + 1
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if record:
        stream.elapsed += time.perf_counter() - started
        stream.latencies += latencies
        stream.bytes += size[0]
        for status, n in failures.items():
            stream.failures[status] = stream.failures.get(status, 0) + n


def interleave(streams: list[Stream], *, port: int, args: argparse.Namespace) -> None:
    """One warm-up slice each, then ``rounds`` slices of each stream, round-robin."""
    for stream in streams:
        run_slice(stream, port=port, clients=args.clients, seconds=min(1.0, args.slice), cap=args.cap, record=False)
    for _ in range(args.rounds):
        for stream in streams:
            run_slice(stream, port=port, clients=args.clients, seconds=args.slice, cap=args.cap, record=True)


# --- the data: who signs in, which tasks and words ---------------------------------------------------

WORDS = [
    "website",
    "payroll",
    "design",
    "monthly",
    "cleaning",
    "VAT return",
    "newsletter",
    "help desk",
    "bank reconciliation",
    "kombucha",
    "locksmith",
    "marina",
]


@dataclass
class Cast:
    supplier_session: str
    client_session: str
    member_session: str
    token_secret: str
    cleanup: Callable[[], None]
    task_ids: list[int]
    comparison_task: int
    probe_task: int
    categories: list[str]
    countries: list[str]
    supplier_org: Any
    contract_ids: list[int]  # the biggest client's contracts, some signed by one side


def cast(rng: random.Random) -> Cast:
    """Pick the members, tasks and filters of the run; create their sessions and the API token."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
    from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
    from django.db.models import Count

    from accounts import services as account_services
    from accounts.models import Membership, Organization
    from accounts.tenancy import SESSION_KEY
    from marketplace.models import Bid, Category, Task, TaskStatus, Visibility

    biggest = Task.objects.values("organization").annotate(n=Count("id")).order_by("-n").first()
    if biggest is None:
        sys.exit("Generate data first: manage.py generate_marketplace_data (into a database of its own).")
    big_client = Organization.objects.get(pk=biggest["organization"])
    owner = Membership.objects.filter(organization=big_client).select_related("user").order_by("pk").first()
    compared = (
        Task.objects.filter(organization=big_client, status=TaskStatus.OPEN, bids__isnull=False)
        .annotate(n=Count("bids"))
        .order_by("-n")
        .first()
    )
    # A supplier with bids (so its pages are not empty), from the newest tasks' bids.
    bid = Bid.objects.filter(task__status=TaskStatus.OPEN).select_related("supplier").order_by("-pk").first()
    supplier = Membership.objects.filter(organization=bid.supplier).select_related("user").first() if bid else None
    assert owner is not None
    assert compared is not None
    assert supplier is not None
    last = Task.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    task_ids: list[int] = []
    while len(task_ids) < 60:
        found = (
            Task.objects.filter(pk__gte=rng.randint(1, last), status=TaskStatus.OPEN, visibility=Visibility.PUBLIC)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if found:
            task_ids.append(found)

    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = []

    def session_for(membership: Membership) -> str:
        session = store()
        session[USER_SESSION_KEY] = str(membership.user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
        session[SESSION_KEY] = membership.organization_id
        session.create()
        sessions.append(session)
        return str(session.session_key)

    contract_ids = contracts_of(big_client, owner.user, exclude_task=compared.pk)

    token, secret = account_services.create_api_token(
        actor=owner.user, organization=big_client, name="benchmark_http (revoked when the run ends)"
    )

    def cleanup() -> None:
        for session in sessions:
            session.delete()
        account_services.revoke_api_token(actor=owner.user, token=token)

    return Cast(
        supplier_session=session_for(supplier),
        client_session=session_for(owner),
        member_session=session_for(supplier),
        token_secret=secret,
        cleanup=cleanup,
        task_ids=task_ids,
        comparison_task=compared.pk,
        probe_task=task_ids[0],
        categories=list(Category.objects.values_list("slug", flat=True)),
        countries=["DE", "FR", "GB", "ES", "NL", "IT", "PL", "SE"],
        supplier_org=supplier.organization,
        contract_ids=contract_ids,
    )


CONTRACTS = 30


def contracts_of(client: Any, owner: Any, *, exclude_task: int) -> list[int]:
    """The client's contracts, made once (and kept) when the data has too few: bids accepted on its
    open tasks, each version 1 sent for signatures and signed by the supplier."""
    from contracts import services as contracts
    from contracts.models import Contract
    from marketplace import services as marketplace
    from marketplace.models import Bid, BidStatus, TaskStatus

    made = list(Contract.objects.filter(client=client).order_by("pk").values_list("pk", flat=True)[:CONTRACTS])
    if len(made) < CONTRACTS:
        bids = (
            Bid.objects.filter(task__organization=client, task__status=TaskStatus.OPEN, status=BidStatus.SUBMITTED)
            .exclude(task_id=exclude_task)
            .select_related("supplier")
            .order_by("task_id", "pk")
            .distinct("task_id")[: CONTRACTS - len(made)]
        )
        for bid in bids:
            marketplace.accept_bid(actor=owner, bid=bid)
            contract = Contract.objects.get(bid=bid)
            contracts.send_for_signing(actor=owner, organization=client, contract=contract)
            signer = bid.supplier.memberships.filter(role="owner").select_related("user").first()
            if signer is not None:
                contracts.give_consent(user=signer.user)
                contract.refresh_from_db()
                assert contract.current_version is not None
                contracts.sign(
                    actor=signer.user,
                    organization=bid.supplier,
                    contract=contract,
                    data=contracts.SignatureInput(
                        sha256=contract.current_version.sha256, method="typed", typed_name=signer.user.display_name
                    ),
                )
            made.append(contract.pk)
    return made


def searches(rng: random.Random, the_cast: Cast, count: int = 40) -> list[str]:
    """Query strings of full-text searches with one or two filters, as the browse form sends them."""
    queries = []
    for _ in range(count):
        params: dict[str, str] = {"q": rng.choice(WORDS)}
        roll = rng.random()
        if roll < 0.4:
            params["country"] = rng.choice(the_cast.countries)
        elif roll < 0.7:
            params["category"] = rng.choice(the_cast.categories)
        else:
            params["budget_type"] = rng.choice(["fixed", "hourly"])
        if rng.random() < 0.3:
            params["sort"] = "newest"
        queries.append(urlencode(params))
    return queries


def time_selector(queries: list[str], organization: Any) -> tuple[float, float]:
    """In-process p50/p95 (ms) of ``search_tasks`` on the same query strings, warm, as the same viewer."""
    from django.http import QueryDict

    from marketplace.forms.tasks import browse_params
    from marketplace.selectors import TaskFilters, search_tasks

    samples = []
    for query in queries * 3:
        filters = TaskFilters.from_params(browse_params(QueryDict(query)))
        started = time.perf_counter()
        search_tasks(filters=filters, organization=organization, cursor="")
        samples.append((time.perf_counter() - started) * 1000)
    samples = sorted(samples[len(queries) :])  # the first pass warms the cache
    return statistics.median(samples), samples[round(0.95 * (len(samples) - 1))]


# --- running the server ------------------------------------------------------------------------------


def server_env(args: argparse.Namespace, secret_key: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="0",
        API_THROTTLE_USER="100000000/min",
        API_THROTTLE_ANON="100000000/min",
        LOG_LEVEL=args.log_level,
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(args: argparse.Namespace, env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    command = [
        gunicorn,
        "benchmark_http:wsgi_app()",
        "--pythonpath",
        f"{ROOT / 'scripts'},{ROOT}",
        "--chdir",
        str(ROOT),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "sync",
        "--timeout",
        "60",
    ]
    with log.open("wb") as output:
        # A fixed command line of our own: the venv's gunicorn and this module.
        process = subprocess.Popen(  # noqa: S603
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    for _ in range(300):
        time.sleep(0.1)
        if process.poll() is not None:
            sys.exit(f"gunicorn stopped (exit {process.returncode}); see {log}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", MINIMAL_PATH, headers={"Host": "localhost"})
            if probe.getresponse().status == 200:
                return process
        except OSError:
            continue
    process.terminate()
    sys.exit(f"gunicorn did not answer on port {port}; see {log}")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


# --- the run ----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=6, help="concurrent connections (default 6)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--slice", type=float, default=2.0, help="seconds of one slice (default 2)")
    parser.add_argument("--rounds", type=int, default=4, help="slices of each stream per page (default 4)")
    parser.add_argument("--cap", type=int, default=20_000, help="most requests in one slice (default 20000)")
    parser.add_argument("--only", default="", help="only the pages whose label holds this text")
    parser.add_argument("--log-level", default="WARNING", help="the server's LOG_LEVEL (default WARNING)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    secret_key = secrets.token_urlsafe(64)
    env = server_env(args, secret_key)
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from marketplace.models import Task

    if "bench" not in str(connection.settings_dict["NAME"]):
        sys.exit("Point DATABASE_URL at the generated benchmark database (its name must hold 'bench').")
    tasks = Task.objects.count()
    if tasks < 1000:
        sys.exit("Generate data first: manage.py generate_marketplace_data (into a database of its own).")
    collect = [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"]
    subprocess.run(collect, env=env, check=True)  # noqa: S603 - our own interpreter and manage.py

    rng = random.Random(args.seed)
    the_cast = cast(rng)
    env["BENCHMARK_PROBE_TASK"] = str(the_cast.probe_task)
    port = free_port()
    log = Path(tempfile.gettempdir()) / f"benchmark_http-{port}.log"
    server = start_gunicorn(args, env, port, log)
    try:
        print(
            f"database {connection.settings_dict['NAME']!r}: {tasks:,} tasks; gunicorn {args.workers} sync workers "
            f"on :{port}, {args.clients} clients, {args.rounds} x {args.slice:g} s slices; log {log}"
        )
        print(f"load average before: {load_average()}\n", flush=True)
        rows = run_pages(args, port, rng, the_cast)
        print(f"\nload average after: {load_average()}\n")
        print_table(rows, args)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        the_cast.cleanup()


@dataclass
class Row:
    label: str
    page: Stream
    minimal: Stream
    signed_minimal: Stream | None = None
    selector: Stream | None = None
    selector_inprocess: tuple[float, float] | None = None


def run_pages(args: argparse.Namespace, port: int, rng: random.Random, the_cast: Cast) -> list[Row]:
    def cookie(session: str) -> dict[str, str]:
        return {"Cookie": f"sessionid={session}"}

    token = {"Authorization": f"Bearer {the_cast.token_secret}"}
    supplier, client, member = (
        cookie(the_cast.supplier_session),
        cookie(the_cast.client_session),
        cookie(the_cast.member_session),
    )
    task_urls = [f"/tasks/{pk}/" for pk in the_cast.task_ids]
    words = searches(rng, the_cast)
    nothing = [
        urlencode({"category": category, "country": country})
        for category in the_cast.categories[:4]
        for country in ("IS", "LI")
    ]
    pages: list[tuple[str, Stream, list[str] | None]] = [
        # What signing in costs every page: the session, the user and the memberships, before any view.
        ("minimal view, signed in (supplier)", Stream("page", [MINIMAL_PATH], supplier), None),
        ("minimal API view (token)", Stream("page", [API_MINIMAL_PATH], token), None),
        ("browse `/tasks/` (anonymous)", Stream("page", ["/tasks/"]), None),
        ("browse `/tasks/` (supplier)", Stream("page", ["/tasks/"], supplier), None),
        ("browse, no results (anonymous)", Stream("page", [f"/tasks/?{q}" for q in nothing]), None),
        ("full-text + filters (supplier)", Stream("page", [f"/tasks/?{q}" for q in words], supplier), words),
        ("task detail (anonymous)", Stream("page", task_urls), None),
        ("task detail (supplier)", Stream("page", task_urls, supplier), None),
        ("comparison (client)", Stream("page", [f"/tasks/{the_cast.comparison_task}/compare/"], client), None),
        ("client dashboard (biggest client)", Stream("page", ["/my-tasks/"], client), None),
        ("messages (biggest client)", Stream("page", ["/messages/"], client), None),
        ("supplier directory (supplier)", Stream("page", ["/suppliers/"], member), None),
        ("contract list (biggest client)", Stream("page", ["/contracts/"], client), None),
        (
            "contract detail (biggest client)",
            Stream("page", [f"/contracts/{pk}/" for pk in the_cast.contract_ids], client),
            None,
        ),
        (
            "API task list (token)",
            Stream("page", ["/api/v1/tasks/"], token),
            None,
        ),
    ]
    rows = []
    for label, page, queries in pages:
        if args.only not in label:
            continue
        minimal = Stream("minimal", [MINIMAL_PATH])
        row = Row(label, page, minimal)
        streams = [page, minimal]
        if page.headers and not page.urls[0].startswith("/__bench__/"):
            signed_path = API_MINIMAL_PATH if "Authorization" in page.headers else MINIMAL_PATH
            row.signed_minimal = Stream("signed-in minimal", [signed_path], page.headers)
            streams.append(row.signed_minimal)
        if queries is not None:
            row.selector = Stream("selector", [f"{SEARCH_PATH}?{q}" for q in queries], page.headers)
            streams.append(row.selector)
            row.selector_inprocess = time_selector(queries, the_cast.supplier_org)
        interleave(streams, port=port, args=args)
        for stream in streams:
            if stream.failures:
                print(f"  ! {label} {stream.label}: non-200 answers {stream.failures}")
        signed = (
            f"  signed-in minimal {row.signed_minimal.rps:7.1f}/s share {page.rps / row.signed_minimal.rps:5.0%}"
            if row.signed_minimal is not None and row.signed_minimal.rps
            else ""
        )
        print(
            f"{label:<36} {page.rps:7.1f}/s  minimal {minimal.rps:7.1f}/s  "
            f"share {page.rps / minimal.rps:5.0%}{signed}  load {load_average()}",
            flush=True,
        )
        rows.append(row)
    return rows


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    def cost(stream: Stream) -> float:
        return 1000 * args.workers / stream.rps if stream.rps else float("nan")

    print(
        "| page | requests/s | p50 ms | p95 ms | ms/req | minimal view requests/s | share of the minimal view "
        "| signed-in minimal view requests/s | share of the signed-in minimal view |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        page, minimal, signed = row.page, row.minimal, row.signed_minimal
        against_signed = (
            f"{signed.rps:.0f} | **{page.rps / signed.rps:.0%}**" if signed is not None and signed.rps else "- | -"
        )
        print(
            f"| {row.label} | {page.rps:.0f} | {page.percentile(0.5):.1f} | {page.percentile(0.95):.1f} "
            f"| {cost(page):.1f} | {minimal.rps:.0f} | **{page.rps / minimal.rps:.0%}** | {against_signed} |"
        )
    with_words = [row for row in rows if row.selector is not None]
    if with_words:
        print(
            "\n| page with words | page ms/req | selector-only view ms/req | page around the search "
            "| minimal view ms/req | selector in-process p50 / p95 ms |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for row in with_words:
            assert row.selector is not None
            assert row.selector_inprocess is not None
            around = cost(row.page) - cost(row.selector)
            p50, p95 = row.selector_inprocess
            print(
                f"| {row.label} | {cost(row.page):.1f} | {cost(row.selector):.1f} | **{around:.1f}** "
                f"| {cost(row.minimal):.1f} | {p50:.1f} / {p95:.1f} |"
            )


if __name__ == "__main__":
    main()
