"""The API against its own schema: schemathesis fuzzes every operation of ``/api/schema/``.

Each operation gets random (valid and invalid) path parameters, query strings
and bodies, with the Accept headers clients send (and, now and then, a
forged X-Forwarded-For or a NUL in the User-Agent), by a member of one of three
organizations (a client, two suppliers) with its API token, and every
answer must be something the schema promises: no 5xx, a documented status
code, a documented content type and a body of the documented shape.

The data is the demo's (``seed_demo``: Northwind's tasks, the suppliers' bids,
a conversation) plus a file on each, so the detail routes see ids that exist,
besides random ones. Each request runs in a savepoint that is rolled back, so
an operation that cancels a task or revokes a token does not starve the ones
after it. Throttling is off: hundreds of requests a minute are the point.
A 5xx reports the server's traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from rest_framework.views import APIView
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import services as account_services
from accounts.models import ApiToken, Invitation, Membership, Organization, User
from contracts import pdf_seal
from contracts.models import Contract
from marketplace import services
from marketplace.models import Bid, BidAttachment, MessageAttachment, SavedSearch, Task, TaskAttachment, Thread

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

# Examples per operation: about 60 operations at this many each keep the test near a
# minute on two cores. The examples are the same on every run, so CI is repeatable;
# for a deeper look by hand, raise FUZZ_EXAMPLES and set FUZZ_SEED to explore others.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
SEED = os.environ.get("FUZZ_SEED")
# To chase one failure: FUZZ_ONLY="POST /api/v1/bids/{bid_id}/accept/" (a substring of the operation).
ONLY = os.environ.get("FUZZ_ONLY", "")

# What clients put in Accept: nothing, JSON, anything, a browser's, and a type the API does not make.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT = [None, "application/json", "*/*", BROWSER_ACCEPT, "text/csv"]
# Headers no operation documents but every request carries, written by the client: the proxy passes
# X-Forwarded-For on as sent, and the audit log of every state-changing operation records both.
AMBIENT = [
    {},
    {"X-Forwarded-For": "198.51.100.7, 10.0.0.1"},
    {"X-Forwarded-For": "not-an-ip, 10.0.0.1"},
    {"User-Agent": "fuzz\x00agent/1.0"},
]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Actor:
    """Who sends a request: a member acting in one organization through a token."""

    email: str
    organization: str
    secret: str


@contextmanager
def _one_connection() -> Iterator[None]:
    """Serve requests on the test's own database connection, as Django's test client does.

    Django closes "old" connections at the start and end of each request; inside
    the test's transaction that would break it, so the handlers stay off while
    the WSGI app runs in-process.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@contextmanager
def _server_tracebacks() -> Iterator[list[str]]:
    """Collect the traceback of every exception the app turns into a 500 while the block runs.

    Django answers an uncaught exception with a bare 500 and logs it; the check
    that fails on the 500 sees only the status. A 5xx that hypothesis found
    once in a deep run may not come back, so its cause goes into the report.
    """
    found: list[str] = []

    def record(sender, request=None, **kwargs):  # type: ignore[no-untyped-def]
        where = f"{request.method} {request.get_full_path()}" if request is not None else "a request"
        found.append(f"{where} raised:\n" + "".join(traceback.format_exception(*sys.exc_info())))

    got_request_exception.connect(record, dispatch_uid="test_api_fuzz")
    try:
        yield found
    finally:
        got_request_exception.disconnect(dispatch_uid="test_api_fuzz")


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 fuzz", content_type="application/pdf")


def _known_ids() -> dict[str, list[int]]:
    """Ids of rows that exist, by path parameter name, for the detail routes to hit."""
    return {
        "task_id": list(Task.objects.values_list("pk", flat=True)),
        "bid_id": list(Bid.objects.values_list("pk", flat=True)),
        "thread_id": list(Thread.objects.values_list("pk", flat=True)),
        "saved_search_id": list(SavedSearch.objects.values_list("pk", flat=True)),
        "contract_id": list(Contract.objects.values_list("pk", flat=True)),
        "attachment_id": [
            *TaskAttachment.objects.values_list("pk", flat=True),
            *BidAttachment.objects.values_list("pk", flat=True),
            *MessageAttachment.objects.values_list("pk", flat=True),
        ],
    }


def _known_plain_ids() -> dict[str, list[int]]:
    """Ids for the routes whose parameter is just ``id``, by the path's first segment."""
    return {
        "api-tokens": list(ApiToken.objects.values_list("pk", flat=True)),
        "invitations": list(Invitation.objects.values_list("pk", flat=True)),
        "memberships": list(Membership.objects.values_list("pk", flat=True)),
        "organizations": list(Organization.objects.values_list("pk", flat=True)),
    }


def _seed() -> list[Actor]:
    call_command("seed_demo", "--quiet", stdout=StringIO())
    users = {user.email: user for user in User.objects.filter(email__endswith="@demo.test")}
    organizations = {organization.name: organization for organization in Organization.objects.all()}
    alice, bob, carol = users["alice@demo.test"], users["bob@demo.test"], users["carol@demo.test"]
    northwind, pixel, ledgerly = (
        organizations["Northwind Trading"],
        organizations["Pixel & Pine Studio"],
        organizations["Ledgerly Accounting"],
    )
    # A file on a task, a bid and a message, so the download routes have something to serve.
    task = Task.objects.for_org(northwind).filter(bids__supplier=pixel).first()
    assert task is not None
    services.add_task_attachments(actor=alice, task=task, uploads=[_pdf("brief.pdf")])
    bid = Bid.objects.get(task=task, supplier=pixel)
    services.add_bid_attachments(actor=bob, bid=bid, uploads=[_pdf("portfolio.pdf")])
    thread = Thread.objects.get(task=task, supplier=pixel)
    services.send_message(
        actor=bob, organization=pixel, thread=thread, body="The dielines.", attachments=[_pdf("dielines.pdf")]
    )
    services.save_search(
        actor=bob, organization=pixel, name="Design work", filters={"q": "label design", "budget_type": "fixed"}
    )
    account_services.invite_member(actor=alice, organization=northwind, email="new.hire@demo.test", role="member")
    actors = []
    for user, organization in ((alice, northwind), (bob, pixel), (carol, ledgerly)):
        # A spare token: the one the requests carry may be revoked by a fuzzed DELETE, in its savepoint only.
        account_services.create_api_token(actor=user, organization=organization, name="spare")
        _token, secret = account_services.create_api_token(actor=user, organization=organization, name="fuzz")
        actors.append(Actor(user.email, organization.name, secret))
    return actors


@pytest.fixture
def actors(db, settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    # The platform's seal, which the public check of a contract PDF (POST /api/v1/verify/) reads.
    pdf_seal.ensure_certificate(key_path=tmp_path / "key.pem", cert_path=tmp_path / "cert.pem", common_name="Fuzz")
    settings.CONTRACT_SIGNING_KEY = tmp_path / "key.pem"
    settings.CONTRACT_SIGNING_CERT = tmp_path / "cert.pem"
    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])
    return _seed()


@pytest.fixture
def api_schema(actors):  # type: ignore[no-untyped-def]
    from config.wsgi import application

    def served(environ, start_response):  # type: ignore[no-untyped-def]
        # Every real server sets the client's address; allauth's rate limits refuse a request without one.
        environ.setdefault("REMOTE_ADDR", "127.0.0.1")
        return application(environ, start_response)

    with _one_connection():
        schema = schemathesis.openapi.from_wsgi("/api/schema/", served)
    known, plain = _known_ids(), _known_plain_ids()

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):  # type: ignore[no-untyped-def]
        """Half the time an id that exists (of any organization: foreign ones must answer 404)."""
        if not path_parameters:
            return st.just(path_parameters)
        segment = context.operation.path.split("/")[3]
        options = {}
        for name, value in path_parameters.items():
            ids = known.get(name) or (plain.get(segment, []) if name == "id" else [])
            options[name] = st.sampled_from([value, *ids]) if ids else st.just(value)
        return st.fixed_dictionaries(options)

    return schema


def _fuzz(operation, actors: list[Actor]) -> None:  # type: ignore[no-untyped-def]
    """Send the operation EXAMPLES generated requests; raise on the first one the schema does not allow."""
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases, actor=st.sampled_from(actors), accept=st.sampled_from(ACCEPT), ambient=st.sampled_from(AMBIENT))
    @seed(int(SEED or 0))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=SEED is None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def send(case, actor: Actor, accept: str | None, ambient: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
        headers = ambient | {"Authorization": f"Bearer {actor.secret}"} | ({"Accept": accept} if accept else {})
        with _one_connection(), _server_tracebacks() as tracebacks, transaction.atomic():
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            except BaseException as exc:
                # Hypothesis re-raises the last run of the minimal example, notes and all.
                for found in tracebacks:
                    exc.add_note(f"Server traceback of {found}")
                raise
            finally:
                transaction.set_rollback(True)

    send()


def test_every_operation_answers_as_its_schema_says(api_schema, actors):  # type: ignore[no-untyped-def]
    failures = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        if ONLY not in operation.label:
            continue
        try:
            _fuzz(operation, actors)
        except (Exception, FailureGroup) as exc:  # every operation is fuzzed; all failures are reported together
            notes = "\n".join(getattr(exc, "__notes__", []))
            failures.append(f"{operation.label}:\n{exc}\n{notes}")
    assert operations > 50
    assert not failures, f"{len(failures)} of {operations} operations answer outside the schema:\n\n" + "\n\n".join(
        failures
    )
