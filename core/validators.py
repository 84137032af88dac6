"""Validators for Vietnamese identifiers, shared by forms, serializers and the importer."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Province codes of birth in the 12-digit personal identification number (Circular 59/2021/TT-BCA,
# appendix): the 63 pre-2025 provinces, coded 001-096 with gaps.
ID_PROVINCE_CODES = {
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38, 40,
    42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82,
    83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
}
_NON_DIGITS = re.compile(r"[\s.\-()]")
# Mobile: 03x, 05x, 07x, 08x, 09x + 7 digits. Landline: 02 + area code, 11 digits in all.
_MOBILE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE = re.compile(r"^02\d{9}$")


def normalise_phone(value: str) -> str:
    """'+84 912 345 678' -> '0912345678' (the form stored and searched)."""
    digits = _NON_DIGITS.sub("", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def validate_vietnamese_phone(value: str) -> None:
    phone = normalise_phone(value)
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationError(
            _("Enter a Vietnamese phone number: 10 digits for a mobile (e.g. 0912 345 678) or 11 for a landline."),
            code="invalid_phone",
        )


def validate_personal_id(value: str, *, sex: str | None = None, birth_date: date | None = None) -> None:
    """The 12-digit personal identification number (Decree 137/2015 art. 7): 3 digits of the province
    of birth, 1 of century and sex, 2 of the year of birth, 6 random. When the sex and an exact birth
    date are known, the century/sex digit and the year must agree with them."""
    if not re.fullmatch(r"\d{12}", value or ""):
        raise ValidationError(_("The personal identification number has exactly 12 digits."), code="id_format")
    if int(value[:3]) not in ID_PROVINCE_CODES:
        raise ValidationError(
            _("The first three digits (%(code)s) are not a province code.") % {"code": value[:3]}, code="id_province"
        )
    if birth_date is None:
        return
    century_sex = int(value[3])
    century = 1900 + (century_sex // 2) * 100
    if century + int(value[4:6]) != birth_date.year:
        raise ValidationError(
            _("The number says the person was born in %(year)s, not %(actual)s.")
            % {"year": century + int(value[4:6]), "actual": birth_date.year},
            code="id_year",
        )
    if sex in ("M", "F") and ("F" if century_sex % 2 else "M") != sex:
        raise ValidationError(_("The number does not match the child's sex."), code="id_sex")
