"""``core.html.format_html`` escapes exactly as Django's does."""

from __future__ import annotations

from django.utils import html as django_html
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from hypothesis import given
from hypothesis import strategies as st

from core import html

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ['"><script>alert(1)</script>', "javascript:alert('x')", "a & b < c > d", "'\"&<>"]
)
values = texts | st.integers() | st.none() | texts.map(mark_safe)


@given(st.lists(values, min_size=1, max_size=5))
def test_the_same_markup_as_djangos_format_html(arguments):
    template = "".join(f'<span title="{{}}">{{}}</span>{i}' for i, _ in enumerate(arguments))
    doubled = [value for value in arguments for _ in range(2)]

    ours = html.format_html(template, *doubled)

    assert ours == django_html.format_html(template, *doubled)
    assert isinstance(ours, SafeString)


def test_quotes_and_angle_brackets_are_escaped_in_attributes_and_text():
    markup = html.format_html('<a title="{}">{}</a>', '" onclick="x()', "<b>'hi'</b>")

    assert markup == '<a title="&quot; onclick=&quot;x()">&lt;b&gt;&#x27;hi&#x27;&lt;/b&gt;</a>'


def test_markup_is_kept_and_lazy_text_is_escaped():
    lazy_text = lazy(lambda: "<i>", str)()

    assert html.format_html("{}{}", mark_safe("<br>"), lazy_text) == "<br>&lt;i&gt;"
