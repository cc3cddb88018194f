"""The marketplace API: tasks, bids, the bid comparison, messaging threads, files, saved searches, suppliers.

Split by resource; the URLconf imports the views from here. Views are thin, as
in ``accounts.api.views``: they parse input, fetch through the scoped
selectors in ``marketplace.selectors`` and call the services in
``marketplace.services``, which check roles and state, lock, write and audit.
The acting organization is always ``request.organization`` (from the API
token, else the session's choice), never a value from the body or query
string. Objects of other organizations answer 404; an object the caller may
see but not change (a bid, from the other side) answers 403.
"""

from marketplace.api.views.bids import BidViewSet
from marketplace.api.views.searches import SavedSearchViewSet
from marketplace.api.views.suppliers import SupplierListView
from marketplace.api.views.tasks import CategoryListView, TaskListView, TaskViewSet
from marketplace.api.views.threads import ThreadViewSet

__all__ = [
    "BidViewSet",
    "CategoryListView",
    "SavedSearchViewSet",
    "SupplierListView",
    "TaskListView",
    "TaskViewSet",
    "ThreadViewSet",
]
