from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import CHILD_AGE_LIMIT
from core.addresses import record_address

register = template.Library()

DUPLICATE_REASONS = {
    "same_name": _("same name"),
    "similar_name": _("similar name"),
    "same_birth_date": _("same date of birth"),
    "close_birth_date": _("close date of birth"),
    "same_commune": _("same commune"),
    "same_caregiver_phone": _("same caregiver phone"),
    "confirmed_new_by_worker": _("registered as new despite the warning"),
    "import": _("found during an import"),
}


@register.filter
def duplicate_reason(code: str) -> str:
    return DUPLICATE_REASONS.get(code, code)


CHILD_ROW = (
    '\n  <a class="list-group-item list-group-item-action" href="{}">\n'
    '    <div class="d-flex justify-content-between"><span class="fw-semibold">{}</span>'
    '<small class="text-muted">{}</small></div>\n'
    '    <small class="text-muted">{} · {}{} {} · {}{}{}{}</small>\n  </a>'
)


@register.simple_tag
def child_rows(children) -> str:
    """The rows of the registry list and its searches: name and number, sex, age, commune and
    village, inactive and aged out. Written in Python like cases_tags.case_rows: through the
    template the 25 rows were a fifth of the list's and of a search's time (issue 9)."""
    detail = record_address("beneficiaries:child_detail")  # one reverse() for the page
    today, years = timezone.localdate(), gettext("years")
    inactive = format_html(' · <span class="badge text-bg-secondary">{}</span>', gettext("inactive"))
    aged_out = format_html(' · <span class="badge text-bg-warning">{}</span>', gettext("aged out"))
    rows = []
    for child in children:
        age = child.age_on(today)
        rows.append(format_html(
            CHILD_ROW, detail(child.public_id), child.full_name, child.registry_number,
            child.get_sex_display(), "~" if child.birth_date_estimated else "", age, years, child.commune.name,
            format_html(", {}", child.village.name) if child.village_id else "",
            "" if child.is_active else inactive, aged_out if age >= CHILD_AGE_LIMIT else ""))
    if not rows:
        rows.append(format_html('\n<p class="text-muted">{}</p>', gettext("No child matches.")))
    return format_html('<div class="list-group" data-testid="children">{}\n</div>',
                       format_html_join("", "{}", ((row,) for row in rows)))
