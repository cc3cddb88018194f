"""Emails about contracts, queued in the service's transaction and delivered by a worker after commit."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from accounts.models import Organization, User
from contracts.models import Contract
from core.money import format_money
from core.outbox import enqueue
from marketplace.notifications import link, notify

_SUBJECTS = {
    "sent_for_signing": "“{title}” waits for your signature",
    "signed": "{party} signed “{title}”",
}


def _url(contract: Contract) -> str:
    return link("contract-detail", contract_id=contract.pk)


def contract_offered(*, contract: Contract) -> None:
    """Tell the supplier a client offers it a contract directly (a draft for the two of them to agree)."""
    notify(
        contract.supplier,
        subject=f"{contract.client.name} offers you a contract: “{contract.title}”",
        template="contracts/email/contract_offered.txt",
        context={
            "contract": contract,
            "total": format_money(contract.terms.total, contract.currency),
            "url": _url(contract),
        },
    )


def signature_awaited(*, contract: Contract, organization: Organization, kind: str) -> None:
    """Tell ``organization`` the contract waits for its signature (it was sent, or the other side signed)."""
    other = contract.supplier if organization.pk == contract.client_id else contract.client
    notify(
        organization,
        subject=_SUBJECTS[kind].format(title=contract.title, party=other.name),
        template="contracts/email/signature_awaited.txt",
        context={
            "contract": contract,
            "other": other,
            "kind": kind,
            "url": link("contract-detail", contract_id=contract.pk),
        },
    )


def signing_handed_over(*, contract: Contract, to: User) -> None:
    body = render_to_string(
        "contracts/email/signing_handed_over.txt",
        {
            "contract": contract,
            "url": link("contract-detail", contract_id=contract.pk),
            "site_name": settings.SITE_NAME,
        },
    )
    enqueue(
        "core.send_email",
        subject=f"[{settings.SITE_NAME}] You are asked to sign “{contract.title}”",
        body=body,
        to=[to.email],
    )


def contract_active(*, contract: Contract) -> None:
    """Both sides: every party signed, the contract is in force."""
    for organization in (contract.client, contract.supplier):
        notify(
            organization,
            subject=f"“{contract.title}” is signed and active",
            template="contracts/email/contract_active.txt",
            context={"contract": contract, "url": _url(contract)},
        )


def amendment_signed(*, contract: Contract) -> None:
    """Both sides: every party signed the amendment, which is now the version in force."""
    version = contract.signed_version
    for organization in (contract.client, contract.supplier):
        notify(
            organization,
            subject=f"The amendment to “{contract.title}” is signed",
            template="contracts/email/amendment_signed.txt",
            context={"contract": contract, "version": version, "url": _url(contract)},
        )


def contract_ended(*, contract: Contract, organization: Organization, by: Organization) -> None:
    """Tell ``organization`` that ``by`` (the other party) ended the contract."""
    notify(
        organization,
        subject=f"{by.name} ended “{contract.title}”",
        template="contracts/email/contract_ended.txt",
        context={"contract": contract, "by": by, "url": _url(contract)},
    )
