"""The form renderer: Django's, with <select> lists, <input>s and <textarea>s written in Python.

Django renders every <option> through its own template include. A case-list filter with a
province's ~200 workers and ~100 communes spent more than half of the page's time there (profile
of issue 9 at 1,000,000 children), and a child's page with its five small forms spent a fifth of its
time in the templates of single inputs. Here those are written directly, producing exactly the
markup Django's templates would (tests/test_form_renderer.py compares the two); anything unusual
(another option template, a label or value that is not text) goes through the templates as before.
"""

import html

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.safestring import SafeData, mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
# Django's templates that are only `{% include "django/forms/widgets/input.html" %}`.
INPUT_TEMPLATES = {f"django/forms/widgets/{name}.html" for name in (
    "checkbox", "color", "date", "datetime", "email", "hidden", "number", "password", "search", "tel", "text",
    "time", "url")}


def conditional_escape(text) -> str:
    # django.utils.html.conditional_escape without its lazy-argument wrapper, which cost more than
    # the escaping itself over a few hundred options.
    if isinstance(text, Promise):
        text = str(text)
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))


def _text(value) -> str:
    # What `{{ value|stringformat:'s' }}` gives: the string, escaped unless it was already safe.
    return conditional_escape(value if isinstance(value, SafeData) else str(value))


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: False drops the attribute, True writes its bare name.
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"'
        for name, value in attrs.items() if value is not False)


def _is_text(label) -> bool:
    # Numbers and dates would be localised by the template: leave them to it.
    return isinstance(label, (str, Promise))


def _is_text_or_none(value) -> bool:
    # Widgets give their value as text (format_value); a subclass giving anything else is left to the
    # templates, which would localise a number.
    return value is None or isinstance(value, str)


def _plain(widget: dict) -> bool:
    return all((not group or _is_text(group)) and all(
        option["template_name"] == OPTION_TEMPLATE and _is_text(option["label"]) for option in options)
        for group, options, _index in widget["optgroups"])


def render_select(widget: dict) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f'\n  <optgroup label="{conditional_escape(group)}">')
        for option in options:
            parts.append(f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{conditional_escape(option["label"])}</option>\n')
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped


def render_input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return mark_safe(  # noqa: S308 - every piece is escaped
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f'{value}{_attrs(widget["attrs"])}>')


def render_textarea(widget: dict) -> str:
    text = conditional_escape(widget["value"]) if widget["value"] else ""
    return mark_safe(  # noqa: S308 - every piece is escaped
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>')


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name == SELECT_TEMPLATE and _plain(widget):
            return render_select(widget)
        if template_name in INPUT_TEMPLATES and _is_text_or_none(widget["value"]):
            return render_input(widget)
        if template_name == TEXTAREA_TEMPLATE and _is_text_or_none(widget["value"]):
            return render_textarea(widget)
        return super().render(template_name, context, request)
