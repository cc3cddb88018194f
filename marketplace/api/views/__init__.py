"""The marketplace API's views, split by resource; the URLconf imports them from here."""

from marketplace.api.views.bids import BidViewSet
from marketplace.api.views.suppliers import SupplierListView
from marketplace.api.views.tasks import CategoryListView, TaskListView, TaskViewSet
from marketplace.api.views.threads import ThreadViewSet

__all__ = ["BidViewSet", "CategoryListView", "SupplierListView", "TaskListView", "TaskViewSet", "ThreadViewSet"]
