from functools import cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join

from accounts.models import person_name

register = template.Library()
NAV_LINK = '<li class="nav-item"><a class="nav-link{}" href="{}">{}</a></li>'


@register.simple_tag(takes_context=True)
def nav_links(context) -> str:
    """The role's entries of the navigation (core.navigation, context `nav_items`), the current
    page's marked active. Written in Python with each address reversed once per process: through
    the template, a {% url %} per entry and its comparison were half of base.html, on every page
    (issue 9)."""
    request, prefix = context["request"], get_script_prefix()
    links = []
    for item in context.get("nav_items", ()):
        address = _nav_address(item.url_name, prefix)
        links.append((" active" if request.path == address else "", address, item.label))
    return format_html_join("\n        ", NAV_LINK, links)


@cache
def _nav_address(url_name: str, prefix: str) -> str:
    # The script prefix is part of the key: reverse() puts it in front of every address.
    return reverse(url_name)


@register.filter
def person(user) -> str:
    """Who did something, as pages name them: the full name, else the username; "" for nobody (an
    account deleted since, the system), for the page's own `default`. Written as
    `a.get_full_name|default:a.username` a missing person was a 500: a filter's argument that
    cannot be looked up raises, unlike the variable itself."""
    return person_name(user)


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (keeps filters across pages)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def add_class(field, css: str):
    """Render a bound field with extra CSS classes (filter forms built by django-filter)."""
    existing = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.filter
def filter_input(field):
    """A list's filter field with Bootstrap's classes for its kind: choices, or a typed value."""
    return add_class(field, "form-select form-select-sm" if hasattr(field.field.widget, "choices")
                     else "form-control form-control-sm")


FIELD_HTML = ('<div class="mb-3">\n  <label class="form-label" for="{}">{}{}</label>\n  {}\n  {}\n  {}\n</div>')


@register.simple_tag
def form_field(field):
    """A form field with its label, help and errors (Bootstrap). Written in Python: the template
    include it replaces cost 0.4 ms per field, a fifth of a child's page with its five small forms
    (issue 9)."""
    help_text = format_html('<div class="form-text">{}</div>', field.help_text) if field.help_text else ""
    errors = format_html_join("", '<div class="invalid-feedback d-block">{}</div>', ((e,) for e in field.errors))
    return format_html(FIELD_HTML, field.id_for_label, field.label, " *" if field.field.required else "", field,
                       help_text, errors)
