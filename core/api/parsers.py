"""Request body parsers of the API: bounded in size and in nesting.

DRF's own parsers read the body stream to its end, past Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django checks it only on ``request.body``),
and ``json`` recurses once per nesting level: a body 10,000 levels deep
answered 500. These read at most the setting's bytes (413 beyond it) and
refuse JSON nested deeper than any shape of the API (400), in the API's
error body. Multipart bodies go through Django's parser, which applies the
setting to everything but the files (their size is the upload service's rule).
"""

from __future__ import annotations

from typing import IO, Any

from django.conf import settings
from django.http import QueryDict
from rest_framework import exceptions, parsers, status
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

# The deepest shape the API takes is three levels (a bid, its milestones, one milestone).
MAX_JSON_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    # Here rather than in core.api.exceptions, which DRF's settings would import while loading this module.
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def read_bounded(stream: IO[bytes]) -> bytes:
    """The whole body, or ``RequestTooLarge`` (413) once it passes ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return stream.read()
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise RequestTooLarge(f"The request body is larger than {limit // (1024 * 1024)} MB.")
    return body


def _depth_within(data: Any, most: int) -> bool:
    """Whether no list or object in ``data`` sits more than ``most`` levels deep (without recursing)."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > most:
            return False
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return True


class JSONParser(parsers.JSONParser):
    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        body = read_bounded(stream)
        try:
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(body.decode(encoding), parse_constant=parse_constant)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.") from None
        except ValueError as exc:  # invalid JSON or text, numbers longer than Python reads
            raise ParseError(f"JSON parse error - {exc}") from None
        if not _depth_within(data, MAX_JSON_DEPTH):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        return QueryDict(read_bounded(stream), encoding=encoding)
