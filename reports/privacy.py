"""The small-cell rule: one function, used by the dashboards, the exports, the printable report
and the API alike."""

from decimal import Decimal

from accounts.roles import Role
from reports.figures import Figure
from reports.models import Indicator, IndicatorValue

SMALLEST_SHOWN = 5
# Roles whose lists show the records behind the figures (the children and cases of their
# province): the small-cell rule protects children from those who may not see them, not from them.
RECORD_VIEWERS = {Role.SOCIAL_WORKER, Role.SUPERVISOR}
# These count communes, events, people reached and money, never children: no cell of theirs can
# single out a child, so the rule does not apply to them (the fund's "children helped" does).
NOT_ABOUT_CHILDREN = {"CHILD_FRIENDLY_COMMUNES_RATE", "COMMUNICATION_EVENTS"}


def may_see_records(user) -> bool:
    return bool(user.is_authenticated and user.role in RECORD_VIEWERS)


def is_small(count: Decimal | None) -> bool:
    return count is not None and 0 < count < SMALLEST_SHOWN


def mask(value_row: IndicatorValue, user) -> Figure:
    """indicators.json "small_cell_rule": "counts from 1 to 4 are shown as '<5' (and rates derived
    from them hidden) in dashboards and exports below province level unless the viewer may see the
    underlying records" (Decree 56/2017 art. 33 and the Personal Data Protection Law 91/2025: one
    HIV-positive child in a commune must not be identifiable from a statistic).

    - Below province level means a commune's cell, or any disaggregation cell (by sex, age group,
      group...), even the province's: a province total is never masked.
    - The viewers who may see the underlying records are the province's social workers and
      supervisors; officials, administrators (and anyone else) see the masked figures.
    - A sensitive indicator (Indicator.sensitive: children living with or affected by HIV) is
      masked below province level for everyone, record viewers included.
    - A rate or a year-on-year change is hidden when any count it is derived from is 1 to 4: its
      numerator, its denominator, or the rest of the denominator (98 of 100 tells that 2 were not).
    """
    indicator = value_row.indicator
    figure = Figure(indicator=indicator, period=value_row.period, province_id=value_row.province_id,
                    commune_id=value_row.commune_id, dimension=value_row.dimension,
                    dimension_value=value_row.dimension_value, numerator=value_row.numerator,
                    denominator=value_row.denominator)
    below_province = value_row.commune_id is not None or value_row.dimension != ""
    if not below_province or indicator.code in NOT_ABOUT_CHILDREN:
        return figure
    if not indicator.sensitive and may_see_records(user):
        return figure
    if not _identifies(figure):
        return figure
    return Figure(indicator=indicator, period=figure.period, province_id=figure.province_id,
                  commune_id=figure.commune_id, dimension=figure.dimension, dimension_value=figure.dimension_value,
                  numerator=None, denominator=None, masked=True)


def _identifies(figure: Figure) -> bool:
    numerator, denominator = figure.numerator, figure.denominator
    if figure.kind == Indicator.Kind.AMOUNT:
        return False  # money raised in a commune names no child; its "children helped" cell is a count
    if figure.kind == Indicator.Kind.RATE:
        rest = denominator - numerator if denominator is not None else None
        return is_small(numerator) or is_small(denominator) or is_small(rest)
    if figure.kind == Indicator.Kind.CHANGE:
        # Stored as (this year − last year) over last year: both years' counts are counts of children.
        this_year = numerator + denominator if denominator is not None else None
        return is_small(denominator) or is_small(this_year)
    return is_small(numerator)
