from django import template
from django.utils.translation import gettext_lazy as _

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
