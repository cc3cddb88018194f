"""Every write to contracts: drafting, proposals, signing and the states between.

Split by topic; callers import from here: ``from contracts import services``. Every change of state
goes through ``_common.transition``, which checks it against :data:`CONTRACT_TRANSITIONS`, saves and
audits it; each public function checks that the actor acts for a party, and is safe to repeat (a
repeat changes nothing and writes no second record).
"""

from contracts.models import AMENDABLE, OPEN_TO_PROPOSALS
from contracts.services._common import CONTRACT_TRANSITIONS, MILESTONE_TRANSITIONS
from contracts.services.drafting import (
    MAX_KEY,
    MAX_MILESTONES,
    cancel_contract,
    check_amendment,
    check_terms,
    create_draft_from_bid,
    offer_contract,
    offer_terms,
    propose_version,
    terms_from_bid,
)
from contracts.services.ending import EARLY_ENDS, terminate_contract
from contracts.services.signing import (
    SignatureInput,
    StaleVersion,
    confirm_in_person,
    give_consent,
    hand_over_signing,
    has_consented,
    send_for_signing,
    sign,
)

__all__ = [
    "AMENDABLE",
    "CONTRACT_TRANSITIONS",
    "EARLY_ENDS",
    "MAX_KEY",
    "MAX_MILESTONES",
    "MILESTONE_TRANSITIONS",
    "OPEN_TO_PROPOSALS",
    "SignatureInput",
    "StaleVersion",
    "cancel_contract",
    "check_amendment",
    "check_terms",
    "confirm_in_person",
    "create_draft_from_bid",
    "give_consent",
    "hand_over_signing",
    "has_consented",
    "offer_contract",
    "offer_terms",
    "propose_version",
    "send_for_signing",
    "sign",
    "terminate_contract",
    "terms_from_bid",
]
