"""Small reference tables kept in the process for a short while.

Some tables change only when staff edit them in the admin (task categories,
a dozen rows), yet a page read them on every request: a query and a model
object per row, about half a millisecond. :class:`Memo` keeps what a loader
returned for ``seconds``; a change saved through this process clears it at
once (connect :meth:`Memo.clear` to the model's signals), and other web
processes see it when their copy expires. So an edit in the admin shows
everywhere within ``seconds``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


class Clearable(Protocol):
    def clear(self) -> None: ...


_ALL: list[Clearable] = []


def remember(kept: Clearable) -> None:
    """Have :func:`clear_all` clear ``kept`` too (another per-process store, such as kept representations)."""
    _ALL.append(kept)


class Memo(Generic[T]):
    """``loader()``'s value, loaded at most once every ``seconds`` per process."""

    def __init__(self, loader: Callable[[], T], *, seconds: float) -> None:
        self._loader = loader
        self._seconds = seconds
        self._value: tuple[float, T] | None = None
        remember(self)

    def get(self) -> T:
        stored = self._value  # one read: another thread may clear it meanwhile
        now = time.monotonic()
        if stored is not None and now < stored[0]:
            return stored[1]
        value = self._loader()
        self._value = (now + self._seconds, value)
        return value

    def clear(self, *args: Any, **kwargs: Any) -> None:
        """Forget the value (takes a signal's arguments, so it can be connected directly)."""
        self._value = None


def clear_all() -> None:
    """Forget every memo's value and everything remembered: for tests, whose rolled-back rows send no signal."""
    for kept in _ALL:
        kept.clear()
