"""Background work end to end: outbox -> Redis -> a real Celery worker -> email on disk."""

from __future__ import annotations

import pytest
from celery import Celery
from django.conf import settings
from django.urls import reverse

import config.celery
from accounts import services
from accounts.models import Invitation
from core import outbox
from core.models import OutboxMessage
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _accept_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("invitation-accept", kwargs={"token": token})


def _invitation_message(invitation: Invitation) -> OutboxMessage:
    return OutboxMessage.objects.get(task_name="accounts.send_invitation_email", kwargs__invitation_id=invitation.pk)


def test_an_invitation_is_emailed_by_the_worker_after_commit(firm, published_to_worker):
    worker = published_to_worker

    invitation, token = services.invite_member(actor=firm.owner, organization=firm, email="new.hire@example.test")

    wait_for(
        lambda: Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False).exists(),
        worker=worker,
        what="the invitation being marked sent",
    )
    emails = wait_for(lambda: worker.emails_to("new.hire@example.test"), worker=worker, what="the email file")
    assert len(emails) == 1
    assert _accept_url(token) in emails[0]
    assert _invitation_message(invitation).status == OutboxMessage.Status.SENT


def test_a_job_whose_publish_failed_is_delivered_by_drain_once_the_broker_is_back(
    firm, published_to_worker, monkeypatch
):
    worker = published_to_worker
    # Nothing listens on port 1, and this app does not retry a failed publish.
    unreachable = Celery("unreachable-broker", broker="redis://127.0.0.1:1/0")
    unreachable.conf.task_publish_retry = False
    unreachable.conf.broker_transport_options = {"max_retries": 1, "socket_connect_timeout": 1}

    with monkeypatch.context() as broker_down:
        broker_down.setattr(config.celery, "app", unreachable)
        invitation, token = services.invite_member(actor=firm.owner, organization=firm, email="late@example.test")

    message = _invitation_message(invitation)
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert message.last_error  # why the publish failed, for the operator

    # The broker is back: the beat job's drain publishes the message, exactly once.
    assert outbox.drain(older_than_seconds=0) == 1
    assert outbox.drain(older_than_seconds=0) == 0

    wait_for(
        lambda: Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False).exists(),
        worker=worker,
        what="the drained invitation being marked sent",
    )
    emails = wait_for(lambda: worker.emails_to("late@example.test"), worker=worker, what="the email file")
    assert len(emails) == 1
    assert _accept_url(token) in emails[0]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 2)
