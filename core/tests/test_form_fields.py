"""``{% form_field %}``: a form field's label, widget, errors and help text, escaped, with the ids the widget names."""

from __future__ import annotations

import re

from django import forms
from django.template import Context, Template

from core.templatetags.form_fields import error_summary, form_field

HOSTILE = '"><script>alert(1)</script>'


class Form(forms.Form):
    name = forms.CharField(label=f"Name {HOSTILE}", help_text=f"Help {HOSTILE}", max_length=5)
    note = forms.CharField(required=False)
    agree = forms.BooleanField(label="I agree", required=True)
    fixed = forms.CharField(required=False, disabled=True)


def test_label_widget_errors_and_help_text_with_the_ids_the_widget_names():
    form = Form(data={"name": f"too long {HOSTILE}"})
    form.is_valid()

    markup = form_field(form["name"])

    assert markup.startswith('<div class="field field-invalid">')
    assert '<label for="id_name">Name &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</label>' in markup
    assert '<ul class="field-errors" id="id_name_error"><li>Ensure this value has at most 5 characters' in markup
    assert '<div class="help" id="id_name_helptext">Help &quot;&gt;&lt;script&gt;' in markup
    described = re.search(r'aria-describedby="([^"]+)"', markup)
    assert described is not None
    assert "id_name_helptext" in described.group(1).split()
    assert 'aria-invalid="true"' in markup
    assert "<script>" not in markup


def test_optional_fields_say_so_unless_they_cannot_be_changed():
    form = Form()

    assert '<span class="optional">optional</span>' in form_field(form["note"])
    assert "optional" not in form_field(form["name"])
    assert "optional" not in form_field(form["fixed"])


def test_a_checkbox_comes_before_its_label_and_takes_the_extra_class():
    markup = form_field(Form()["agree"], extra_class="span-2")

    assert markup.startswith('<div class="field field-check span-2"><input type="checkbox" name="agree"')
    assert markup.endswith('<label for="id_agree">I agree</label></div>')


def test_templates_use_it_without_loading_it():
    template = Template('{% form_field form.note extra_class="span-2" %}')

    assert template.render(Context({"form": Form()})).startswith('<div class="field span-2"><label for="id_note">')


# --- {% error_summary %} ---------------------------------------------------------------------------


class Choices(forms.Form):
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    secret = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("Something about the whole form.")


def summary_links(markup: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="#([^"]+)">([^<]*)</a>', markup)


def test_every_error_links_to_its_field_in_one_focusable_alert():
    form = Form(data={"name": f"too long {HOSTILE}"})
    form.is_valid()

    markup = error_summary(form)

    assert markup.startswith(
        '<div class="alert alert-error error-summary" role="alert" tabindex="-1" data-error-summary>'
    )
    assert "2 things to correct" in markup
    assert [anchor for anchor, _text in summary_links(markup)] == ["id_name", "id_agree"]
    assert "I agree: This field is required." in markup
    assert "<script>" not in markup


def test_a_radio_group_links_to_its_first_option_and_a_hidden_field_is_told_without_a_link():
    form = Choices(data={})
    form.is_valid()

    markup = error_summary(form)

    assert summary_links(markup) == [("id_kind_0", "Kind: This field is required.")]
    assert "<li>Something about the whole form.</li>" in markup
    assert "<li>Secret: This field is required.</li>" in markup


def test_formset_rows_and_loose_messages_are_listed_after_the_form():
    rows = forms.formset_factory(Form, extra=0)(
        data={"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-name": "x", "form-0-agree": "on"}
    )
    rows.is_valid()
    rows.forms[0].add_error("note", "Not this.")

    markup = error_summary(Form(), rows, ["The milestones must add up to the price."], rows="Milestone")

    assert summary_links(markup) == [("id_form-0-note", "Milestone 1 note: Not this.")]
    assert "<li>The milestones must add up to the price.</li>" in markup


def test_loose_messages_link_to_where_the_page_shows_them_and_are_listed_once():
    rows = forms.formset_factory(Form, extra=0, max_num=1, validate_max=True)(
        data={"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0"}
    )
    rows.is_valid()
    repeated = [str(message) for message in rows.non_form_errors()]

    markup = error_summary(Form(), rows, [*repeated, "Too dear."], messages_at="plan-errors")

    assert summary_links(markup) == [("plan-errors", repeated[0]), ("plan-errors", "Too dear.")]
    assert "2 things to correct" in markup


def test_nothing_is_drawn_without_errors_and_links_can_be_left_out():
    assert error_summary(Form(), None, []) == ""
    form = Form(data={})
    form.is_valid()

    assert summary_links(error_summary(form, links=False)) == []
    assert Template("{% error_summary form %}").render(Context({"form": Form()})) == ""
