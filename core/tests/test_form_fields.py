"""``{% form_field %}``: a form field's label, widget, errors and help text, escaped, with the ids the widget names."""

from __future__ import annotations

import re

from django import forms
from django.template import Context, Template

from core.templatetags.form_fields import form_field

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
