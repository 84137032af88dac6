"""core.form_renderer writes <select> lists in Python (issue 9: the per-option template include
was half of the case list's time). Its markup must be exactly Django's."""

from datetime import date

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from core.form_renderer import FormRenderer

CHOICES = [("", "---------"), ("a", "Hà Nội"), (1, 'Quote " & <tag>'), ("safe", mark_safe("<b>in đậm</b>")),
           ("lazy", gettext_lazy("Open"))]
GROUPED = [("", "—"), ("Miền Bắc", [("01", "Hà Nội"), ("02", "Hà Giang")]), ("Khác <x>", [("96", "Cà Mau")])]


def widgets():
    yield forms.Select(choices=CHOICES), "a"
    yield forms.Select(choices=CHOICES, attrs={"class": "form-select", "required": True, "data-x": 'a"b',
                                               "disabled": False}), 1
    yield forms.Select(choices=GROUPED), "02"
    yield forms.SelectMultiple(choices=CHOICES), ["a", "safe"]
    yield forms.Select(choices=[]), None
    yield forms.NullBooleanSelect(), True
    yield forms.Select(choices=[(5, 5), (6, 6000)]), 6  # numeric labels: the templates localise them
    yield forms.TextInput(attrs={"class": "form-control", "maxlength": 255, "required": True}), 'Lò "Thị" <Mỷ> & co'
    yield forms.TextInput(), None
    yield forms.TextInput(), ""
    yield forms.TextInput(), mark_safe("<b>đã an toàn</b>")
    yield forms.NumberInput(attrs={"min": 0}), 5
    yield forms.DateInput(format="%d/%m/%Y"), date(2014, 4, 4)
    yield forms.EmailInput(), "a@b.vn"
    yield forms.HiddenInput(), "x"
    yield forms.PasswordInput(render_value=False), "secret"
    yield forms.CheckboxInput(), True
    yield forms.CheckboxInput(attrs={"disabled": True}), False
    yield forms.Textarea(attrs={"rows": 3}), "Dòng một\n<script>alert(1)</script> & dòng hai"
    yield forms.Textarea(), ""
    yield forms.Textarea(), None
    yield forms.Textarea(), mark_safe("<i>an toàn</i>")


@pytest.mark.parametrize("widget,value", list(widgets()))
def test_select_markup_is_djangos(widget, value):
    fast = widget.render("field", value, attrs={"id": "id_field"}, renderer=FormRenderer())
    slow = widget.render("field", value, attrs={"id": "id_field"}, renderer=DjangoTemplates())
    assert fast == slow


def test_other_widgets_still_render_through_templates():
    others = (forms.ClearableFileInput(), forms.RadioSelect(choices=CHOICES),
              forms.CheckboxSelectMultiple(choices=CHOICES))
    for widget in others:
        assert widget.render("f", "a", renderer=FormRenderer()) == widget.render("f", "a", renderer=DjangoTemplates())


def test_the_project_uses_it():
    assert settings.FORM_RENDERER == "core.form_renderer.FormRenderer"
    assert isinstance(get_default_renderer(), FormRenderer)


def test_fast_path_is_taken(monkeypatch):
    # Without the fast path the renderer would load select.html: fail if it does.
    def no_templates(self, name):
        raise AssertionError(f"template {name} loaded")

    monkeypatch.setattr(FormRenderer, "get_template", no_templates)
    html = forms.Select(choices=CHOICES).render("f", "a", renderer=FormRenderer())
    assert '<option value="a" selected>Hà Nội</option>' in html
    fast = FormRenderer()
    assert forms.TextInput().render("f", "<a>", renderer=fast) == '<input type="text" name="f" value="&lt;a&gt;">'
    assert forms.Textarea().render("f", "x", renderer=fast).startswith('<textarea name="f" cols="40" rows="10">')
