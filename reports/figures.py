"""A snapshot value as a viewer sees it (after the small-cell rule), and how figures are written.

Screens, exports, the printable report and the API all format through `Figure.display`, so the
Excel file says exactly what the page says."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from reports.models import Indicator

SMALL_CELL_TEXT = "<5"
NO_VALUE = "—"


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    period: str
    province_id: int
    commune_id: int | None
    dimension: str
    dimension_value: str
    numerator: Decimal | None  # None when masked
    denominator: Decimal | None
    masked: bool = False

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def kind(self) -> str:
        """What the number is: a measure cell ("children_helped", "people_reached") is a count."""
        return Indicator.Kind.COUNT if self.dimension == "measure" else self.indicator.kind

    @property
    def is_ratio(self) -> bool:
        return self.kind in (Indicator.Kind.RATE, Indicator.Kind.CHANGE)

    @property
    def value(self) -> Decimal | None:
        if self.masked or self.numerator is None:
            return None
        if not self.is_ratio:
            return self.numerator
        return self.numerator / self.denominator if self.denominator else None

    @property
    def display(self) -> str:
        if self.masked:
            return SMALL_CELL_TEXT if not self.is_ratio else _("hidden (<5)")
        return format_value(self.value, self.kind)

    @property
    def met(self) -> bool | None:
        """Against the indicator's target (met when at least the target, or at most it when the
        target is a maximum); None without a target or a value."""
        return target_met(self.indicator, self.value)

    @property
    def chart_value(self) -> float | None:
        """The number a chart draws: percentages for rates and changes; none when masked."""
        value = self.value
        if value is None:
            return None
        return round(float(value) * 100, 1) if self.is_ratio else float(value)


def target_met(indicator: Indicator, value: Decimal | None) -> bool | None:
    if indicator.target is None or value is None:
        return None
    return value <= indicator.target if indicator.target_is_maximum else value >= indicator.target


def format_value(value: Decimal | None, kind: str) -> str:
    """Counts and amounts grouped by thousands, rates as percentages with one decimal, changes
    signed; in the active language's number format (1.234 and 85,0 % in Vietnamese)."""
    if value is None:
        return NO_VALUE
    if kind == Indicator.Kind.RATE:
        return f"{number_format(value * 100, 1, use_l10n=True)} %"
    if kind == Indicator.Kind.CHANGE:
        sign = "+" if value > 0 else ""
        return f"{sign}{number_format(value * 100, 1, use_l10n=True)} %"
    return number_format(int(value), 0, use_l10n=True, force_grouping=True)


def format_target(indicator: Indicator) -> str:
    if indicator.target is None:
        return ""
    text = format_value(indicator.target, indicator.kind)
    return f"≤ {text}" if indicator.target_is_maximum else f"≥ {text}"
