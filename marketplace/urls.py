"""HTML routes of the marketplace (the API lives in ``marketplace.api.urls``)."""

from django.urls import path

from marketplace.views import bids, messaging, tasks

urlpatterns = [
    # Tasks: browse, post, manage (marketplace/views/tasks.py)
    path("tasks/", tasks.task_list, name="task-list"),
    path("tasks/new/", tasks.task_create, name="task-create"),
    path("tasks/<int:task_id>/", tasks.task_detail, name="task-detail"),
    path("tasks/<int:task_id>/edit/", tasks.task_edit, name="task-edit"),
    path("tasks/<int:task_id>/publish/", tasks.task_publish, name="task-publish"),
    path("tasks/<int:task_id>/close/", tasks.task_close, name="task-close"),
    path("tasks/<int:task_id>/cancel/", tasks.task_cancel, name="task-cancel"),
    path("tasks/<int:task_id>/invite/", tasks.task_invite, name="task-invite"),
    path("tasks/<int:task_id>/attachments/<int:attachment_id>/", tasks.task_attachment, name="task-attachment"),
    path("my-tasks/", tasks.client_dashboard, name="client-dashboard"),
    path("suppliers/", tasks.supplier_list, name="supplier-list"),
    path("saved-searches/", tasks.saved_search_list, name="saved-search-list"),
    path("saved-searches/<int:saved_search_id>/delete/", tasks.saved_search_delete, name="saved-search-delete"),
    # Bids and the comparison (marketplace/views/bids.py)
    path("tasks/<int:task_id>/bid/", bids.bid_create, name="bid-create"),
    path("tasks/<int:task_id>/bids/", bids.task_bids, name="task-bids"),
    path("tasks/<int:task_id>/compare/", bids.task_comparison, name="task-comparison"),
    path("bids/", bids.bid_list, name="bid-list"),
    path("bids/<int:bid_id>/", bids.bid_detail, name="bid-detail"),
    path("bids/<int:bid_id>/edit/", bids.bid_edit, name="bid-edit"),
    path("bids/<int:bid_id>/withdraw/", bids.bid_withdraw, name="bid-withdraw"),
    path("bids/<int:bid_id>/shortlist/", bids.bid_shortlist, name="bid-shortlist"),
    path("bids/<int:bid_id>/decline/", bids.bid_decline, name="bid-decline"),
    path("bids/<int:bid_id>/accept/", bids.bid_accept, name="bid-accept"),
    path("bids/<int:bid_id>/attachments/<int:attachment_id>/", bids.bid_attachment, name="bid-attachment"),
    # Messaging (marketplace/views/messaging.py)
    path("messages/", messaging.thread_list, name="thread-list"),
    path("messages/<int:thread_id>/", messaging.thread_detail, name="thread-detail"),
    path(
        "messages/<int:thread_id>/attachments/<int:attachment_id>/",
        messaging.message_attachment,
        name="message-attachment",
    ),
    path("tasks/<int:task_id>/messages/<int:supplier_id>/", messaging.thread_open, name="thread-open"),
]
