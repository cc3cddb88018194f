"""Text people type, made safe to store and to judge.

PostgreSQL refuses NUL in text and JSON, so a NUL that reaches a query is a
500: ``clean`` drops it (and the other C0 controls but tab and newlines)
from text parsed by hand, such as query strings; forms and serializers
already refuse it in their text fields. ``is_blank`` is the one test of
"nothing was written": a title made of zero-width spaces, joiners, byte
order marks or other invisible format characters is as empty as one of
spaces.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls but \t \n \r, DEL, C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Categories that print nothing: controls, format characters (U+200B, U+200D, U+FEFF, U+2060...), lone
# surrogates, and separators (spaces, U+2028...).
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
# Code points Unicode files under other categories that render as nothing in practice.
_BLANK_MARKS = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u034f"})


def clean(value: object) -> str:
    """``value`` as text without NUL and other control characters (tab and newlines stay)."""
    return _CONTROLS.sub("", str(value))


def is_blank(value: str | None) -> bool:
    """True when ``value`` shows nothing: empty, spaces, or only invisible characters."""
    if not value:
        return True
    return all(unicodedata.category(char) in _INVISIBLE or char in _BLANK_MARKS for char in value)


def visible(value: str) -> str:
    """``value`` stripped of surrounding whitespace, or "" when it shows nothing (see ``is_blank``)."""
    stripped = value.strip()
    return "" if is_blank(stripped) else stripped
