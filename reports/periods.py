"""Reporting periods (indicators.json "periods"): month, quarter, half-year, year, written
2026-11, 2026-Q3, 2026-H1, 2026."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PATTERNS = [
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})-H([12])$"), "half"),
    (re.compile(r"^(\d{4})-Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
]
MONTHS = {"year": 12, "half": 6, "quarter": 3, "month": 1}
MIN_YEAR, MAX_YEAR = 1990, 2999
LABELS = {"year": _("Year"), "half": _("Half-year"), "quarter": _("Quarter"), "month": _("Month")}


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive

    @property
    def code(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "half":
            return f"{self.start.year}-H{1 if self.start.month == 1 else 2}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (timezone.make_aware(datetime.combine(self.start, time.min), tz),
                timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), tz))

    def previous(self) -> "Period":
        return make(self.kind, shift_months(self.start, -MONTHS[self.kind]))

    def same_last_year(self) -> "Period":
        return make(self.kind, self.start.replace(year=self.start.year - 1))

    def is_future(self) -> bool:
        return self.start > timezone.localdate()

    def __str__(self) -> str:
        return self.code


def shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def make(kind: str, start: date) -> Period:
    months = MONTHS[kind]
    first_month = ((start.month - 1) // months) * months + 1
    first = date(start.year, first_month, 1)
    return Period(kind, first, shift_months(first, months) - timedelta(days=1))


def parse(code: str) -> Period:
    code = (code or "").strip().upper()
    for pattern, kind in PATTERNS:
        match = pattern.match(code)
        if match:
            year = int(match.group(1))
            if not MIN_YEAR <= year <= MAX_YEAR:
                # "0000" or "9999-12" would otherwise fail deep in date arithmetic (a 500, not a 400).
                break
            if kind == "year":
                return make(kind, date(year, 1, 1))
            part = int(match.group(2))
            month = {"half": (part - 1) * 6 + 1, "quarter": (part - 1) * 3 + 1, "month": part}[kind]
            return make(kind, date(year, month, 1))
    raise BadPeriod(_("Write the period as 2026, 2026-H1, 2026-Q3 or 2026-11."))


def current(kind: str, today: date | None = None) -> Period:
    return make(kind, today or timezone.localdate())
