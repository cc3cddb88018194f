"""The development log prints a failed request's traceback without touching the database."""

from __future__ import annotations

import logging
import sys

import pytest
import structlog
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization


def _fail_with_a_queryset_in_scope() -> None:
    organizations = Organization.objects.all()  # noqa: F841 - a local the traceback could print
    raise ValueError("the cause")


@pytest.mark.django_db
def test_an_exception_logged_to_the_console_is_printed_without_a_query():
    formatter = structlog.stdlib.ProcessorFormatter(processor=settings.LOGGING["formatters"]["console"]["processor"])
    try:
        _fail_with_a_queryset_in_scope()
    except ValueError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())

    with CaptureQueriesContext(connection) as queries:
        text = formatter.format(record)

    assert "ValueError: the cause" in text
    assert "_fail_with_a_queryset_in_scope" in text
    assert len(queries) == 0, [query["sql"] for query in queries]
