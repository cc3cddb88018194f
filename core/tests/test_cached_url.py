"""{% url %} remembers arg-less URLs and otherwise behaves as Django's own tag."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from core.templatetags import cached_url


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


@pytest.fixture(autouse=True)
def _forget():
    cached_url._KNOWN.clear()
    yield
    cached_url._KNOWN.clear()
    set_script_prefix("/")


def test_the_builtin_url_tag_is_the_remembering_one():
    assert isinstance(Template("{% url 'task-list' %}").nodelist[0], cached_url.CachedURLNode)


def test_names_without_arguments_are_reversed_once_and_give_djangos_answer(monkeypatch):
    calls = []

    def counting_reverse(*args, **kwargs):
        calls.append(args)
        return reverse(*args, **kwargs)

    monkeypatch.setattr(cached_url, "reverse", counting_reverse)
    first = render("{% url 'task-list' %} {% url 'home' %}")
    second = render("{% url 'task-list' %} {% url 'home' %}")

    assert first == second == f"{reverse('task-list')} {reverse('home')}"
    assert len(calls) == 2


def test_arguments_variables_and_as_work_as_in_django():
    assert render("{% url 'task-detail' task_id=7 %}") == reverse("task-detail", kwargs={"task_id": 7})
    assert render("{% url name %}", name="task-list") == reverse("task-list")
    assert render("{% url 'task-list' as link %}[{{ link }}]") == f"[{reverse('task-list')}]"
    assert render("{% url 'no-such-page' as link %}[{{ link }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")


def test_the_script_prefix_is_part_of_what_is_remembered():
    plain = render("{% url 'task-list' %}")
    set_script_prefix("/market/")
    prefixed = render("{% url 'task-list' %}")

    assert prefixed == "/market" + plain
