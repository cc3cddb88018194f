"""Task search: full-text plus filters and sorts, keyset-paged, tuned for a million tasks.

By topic: ``filters`` (what a search is asked, read and refused; visibility), ``words`` (the
full-text query, relevance tiers, word statistics), ``cursors`` (each sort's ordering and the
cursor that resumes it), ``planner`` (the bounded walk over the sort's index) and ``pages`` (the
searches the pages and API run).
"""

from marketplace.selectors.search.cursors import TaskPage, decode_cursor, encode_cursor
from marketplace.selectors.search.filters import (
    DEFAULT_BUDGET_CURRENCY,
    DEFAULT_PAGE_SIZE,
    FILTER_LABELS,
    MAX_PAGE_SIZE,
    SORTS,
    TaskFilters,
    visible_tasks,
)
from marketplace.selectors.search.pages import load_tasks, matching_tasks, saved_search_new_tasks, search_tasks
from marketplace.selectors.search.planner import SCAN_WINDOW, WIDE_WINDOW
from marketplace.selectors.search.words import COMMON_WORDS, TIERS, task_search_query, word_frequency

__all__ = [
    "COMMON_WORDS",
    "DEFAULT_BUDGET_CURRENCY",
    "DEFAULT_PAGE_SIZE",
    "FILTER_LABELS",
    "MAX_PAGE_SIZE",
    "SCAN_WINDOW",
    "SORTS",
    "TIERS",
    "WIDE_WINDOW",
    "TaskFilters",
    "TaskPage",
    "decode_cursor",
    "encode_cursor",
    "load_tasks",
    "matching_tasks",
    "saved_search_new_tasks",
    "search_tasks",
    "task_search_query",
    "visible_tasks",
    "word_frequency",
]
