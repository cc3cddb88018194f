"""HTML forms of contracts, split by topic; callers import from here: ``from contracts.forms import ...``.

- ``terms``: a proposal, the contract's terms as people edit them, and a direct offer's first terms;
- ``signing``: sending for signatures, signing, handing the signing over;
- ``ending``: ending an active contract.
"""

from contracts.forms.ending import EndContractForm
from contracts.forms.signing import HandOverForm, SendForSigningForm, SignForm
from contracts.forms.terms import ROWS_BUTTON, Offer, Proposal

__all__ = ["ROWS_BUTTON", "EndContractForm", "HandOverForm", "Offer", "Proposal", "SendForSigningForm", "SignForm"]
