"""How a view declares who may reach it.

Every route is private (login required, scoped to the acting organization)
unless its view is marked with :func:`public`. The URL-walking isolation test
reads this mark: a public route must answer anonymous visitors, every other
route must refuse them, and routes taking an object id must answer another
organization's member with 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


def public(view: F) -> F:
    """Mark a view (function, or ``as_view()`` result) as open to anonymous visitors."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_public(view: Callable[..., object]) -> bool:
    if getattr(view, "is_public", False):
        return True
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return bool(getattr(view_class, "is_public", False))
