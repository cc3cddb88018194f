"""``core.widgets.QuickRenderer`` writes exactly the markup of Django's own widget templates."""

from __future__ import annotations

from pathlib import Path

import django
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from hypothesis import given
from hypothesis import strategies as st

from core.widgets import _IN_PYTHON, QuickRenderer

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ['"><script>alert(1)</script>', "javascript:alert('x')", "a & b < c > d", "'\"&<>", ""]
)
attribute_values = (
    texts | texts.map(mark_safe) | st.integers() | st.booleans() | st.none() | st.just((1, "<")) | st.just(0.5)
)
attribute_names = st.sampled_from(["id", "class", "placeholder", "maxlength", "required", "data-x", 'a"b', "<on>"])
attributes = st.dictionaries(attribute_names, attribute_values, max_size=5)
widgets = st.sampled_from(
    [
        forms.TextInput,
        forms.NumberInput,
        forms.EmailInput,
        forms.URLInput,
        forms.HiddenInput,
        forms.DateInput,
        forms.TimeInput,
        forms.DateTimeInput,
        forms.CheckboxInput,
        forms.FileInput,
        forms.Textarea,
        forms.SearchInput,
        forms.TelInput,
        forms.ColorInput,
    ]
)
values = texts | texts.map(mark_safe) | st.none() | st.integers() | st.booleans()

django_renderer = DjangoTemplates()
quick_renderer = QuickRenderer()


@given(widgets, texts, values, attributes, attributes)
def test_the_same_markup_as_djangos_templates(widget_class, name, value, own_attrs, extra_attrs):
    widget = widget_class(attrs=own_attrs)

    ours = widget.render(name, value, attrs=extra_attrs, renderer=quick_renderer)

    assert ours == widget.render(name, value, attrs=extra_attrs, renderer=django_renderer)
    assert isinstance(ours, SafeString)


def test_password_inputs_render_their_value_only_when_asked():
    for render_value in (False, True):
        widget = forms.PasswordInput(render_value=render_value)

        ours = widget.render("secret", 'p"w', renderer=quick_renderer)

        assert ours == widget.render("secret", 'p"w', renderer=django_renderer)


def test_quotes_and_angle_brackets_stay_text_in_values_attributes_and_text_areas():
    hostile = '"><script>alert(1)</script>'
    lazy_hostile = lazy(lambda: hostile, str)()

    text_input = forms.TextInput(attrs={"placeholder": lazy_hostile}).render("q", hostile, renderer=quick_renderer)
    text_area = forms.Textarea().render("about", "</textarea>" + hostile, renderer=quick_renderer)

    assert "<script>" not in text_input
    assert "<script>" not in text_area
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in text_input
    assert 'placeholder="&quot;&gt;&lt;script&gt;' in text_input
    assert "&lt;/textarea&gt;" in text_area


def test_other_templates_render_through_django():
    widget = forms.RadioSelect(choices=[("a", "<A>"), ("b", "B")])

    ours = widget.render("pick", "a", renderer=quick_renderer)

    assert ours == widget.render("pick", "a", renderer=django_renderer)
    assert "&lt;A&gt;" in ours


def test_forms_use_it():
    assert isinstance(get_default_renderer(), QuickRenderer)
    assert isinstance(forms.Form().renderer or get_default_renderer(), QuickRenderer)


def test_no_app_overrides_the_templates_written_in_python():
    djangos_own = Path(django.__file__).parent / "forms" / "templates"
    for name in _IN_PYTHON:
        assert Path(django_renderer.get_template(name).origin.name) == djangos_own / name
