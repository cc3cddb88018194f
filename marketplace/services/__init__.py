"""Every write in the marketplace: tasks, bids, messages, saved searches.

Split by topic; callers import from here: ``from marketplace import services``.
"""

from marketplace.services.bids import (
    BID_TRANSITIONS,
    BidInput,
    MilestoneInput,
    accept_bid,
    add_bid_attachments,
    bid_input_from,
    decline_bid,
    remove_bid_attachment,
    shortlist_bid,
    submit_bid,
    update_bid,
    withdraw_bid,
)
from marketplace.services.messaging import get_or_create_thread, mark_thread_read, open_thread, send_message
from marketplace.services.replies import refresh_reply_time, refresh_reply_times, schedule_reply_time_refresh
from marketplace.services.searches import delete_saved_search, save_search
from marketplace.services.tasks import (
    TASK_TRANSITIONS,
    TaskInput,
    add_task_attachments,
    cancel_task,
    close_task,
    create_task,
    invite_supplier_to_bid,
    publish_task,
    remove_task_attachment,
    set_comparison_weights,
    task_input_from,
    update_task,
    validate_task_input,
)

__all__ = [
    "BID_TRANSITIONS",
    "TASK_TRANSITIONS",
    "BidInput",
    "MilestoneInput",
    "TaskInput",
    "accept_bid",
    "add_bid_attachments",
    "add_task_attachments",
    "bid_input_from",
    "cancel_task",
    "close_task",
    "create_task",
    "decline_bid",
    "delete_saved_search",
    "get_or_create_thread",
    "invite_supplier_to_bid",
    "mark_thread_read",
    "open_thread",
    "publish_task",
    "refresh_reply_time",
    "refresh_reply_times",
    "remove_bid_attachment",
    "remove_task_attachment",
    "save_search",
    "schedule_reply_time_refresh",
    "send_message",
    "set_comparison_weights",
    "shortlist_bid",
    "submit_bid",
    "task_input_from",
    "update_bid",
    "update_task",
    "validate_task_input",
    "withdraw_bid",
]
