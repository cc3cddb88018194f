"""Routes of the marketplace API, mounted at /api/v1/.

Names are ``marketplace-api:api-<resource>-<action>`` (``api-task-list``,
``api-task-detail``, ``api-bid-accept`` ...). Ids in the URL are named after
what they identify (``task_id``, ``bid_id``, ``thread_id``, ``saved_search_id``,
``attachment_id``), like the HTML pages' routes, so the URL-walking isolation
test fills them with the same objects. A file's route is its owner's
``api-<owner>-attachment`` (``api-task-attachment``, ``api-bid-attachment``,
``api-thread-attachment``), beside the pages' ``task-attachment`` ...
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from marketplace.api import views

app_name = "marketplace-api"

router = SimpleRouter(use_regex_path=False)
router.register("tasks", views.TaskViewSet, basename="api-task")
router.register("bids", views.BidViewSet, basename="api-bid")
router.register("threads", views.ThreadViewSet, basename="api-thread")
router.register("saved-searches", views.SavedSearchViewSet, basename="api-saved-search")

urlpatterns = [
    path("categories/", views.CategoryListView.as_view(), name="api-category-list"),
    path("tasks/", views.TaskListView.as_view(), name="api-task-list"),
    path("suppliers/", views.SupplierListView.as_view(), name="api-supplier-list"),
    *router.urls,
]
