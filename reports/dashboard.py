"""What the dashboards show, assembled from the snapshots in a fixed, small number of queries:
the figures of one province and period (and its communes), the trend over the last periods, and
for a national official every province side by side. Nothing here counts source records."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases.choices import Level
from geography.models import Commune, Province
from hotline.choices import ReportingClass
from reports import periods, selectors
from reports.figures import Figure, format_target, format_value, target_met
from reports.labels import Labels, group_label
from reports.models import Indicator, IndicatorValue
from reports.privacy import mask, may_see_records

HEADLINE = ["CSC_SUPPORTED_RATE", "ABUSED_WITH_CASE_FILE_RATE", "ABUSED_CHANGE_YOY", "EMERGENCY_12H_MET_RATE",
            "PLAN_ON_TIME_RATE", "CHILD_FRIENDLY_COMMUNES_RATE", "CHILDREN_UNDER_16", "CSC_TOTAL", "ABUSED_CHILDREN",
            "CASES_OPENED", "HOTLINE_CALLS", "FUND_RAISED"]
TREND_COUNTS = ["ABUSED_CHILDREN", "CASES_OPENED", "EMERGENCY_CASES", "HOTLINE_CALLS"]
TREND_RATES = ["CSC_SUPPORTED_RATE", "ABUSED_WITH_CASE_FILE_RATE", "EMERGENCY_12H_MET_RATE", "PLAN_ON_TIME_RATE"]
COMMUNE_COLUMNS = ["CSC_TOTAL", "CSC_SUPPORTED_RATE", "CHILDREN_HIV", "ABUSED_CHILDREN", "CASES_OPENED",
                   "EMERGENCY_CASES"]
DEADLINES = ["EMERGENCY_12H_MET_RATE", "PLAN_ON_TIME_RATE"]
COMPARE = ["CHILDREN_UNDER_16", "CSC_TOTAL", "CSC_SUPPORTED_RATE", "ABUSED_CHILDREN", "ABUSED_WITH_CASE_FILE_RATE",
           "ABUSED_CHANGE_YOY", "CASES_OPENED", "EMERGENCY_12H_MET_RATE", "PLAN_ON_TIME_RATE", "HOTLINE_CALLS",
           "CHILD_FRIENDLY_COMMUNES_RATE"]
DEFAULT_BY_COMMUNE = "CASES_OPENED"
INDICATOR_CODE = re.compile(r"[A-Z0-9_]{1,40}")  # the shape of every code in indicators.json
TREND_LENGTH = 6
# Figures whose commune cells a supervisor can follow to exactly that many cases in the case list
# (its filters reproduce the indicator's definition): indicator -> list filters.
DRILLABLE = {"CASES_OPENED": {}, "EMERGENCY_CASES": {"emergency": "true"}}
LEVELS = [Level.PREVENTION, Level.EARLY_SUPPORT, Level.INTERVENTION]


@dataclass
class Line:
    """One indicator's figure with what it is compared to."""

    indicator: Indicator
    figure: Figure | None
    previous: Figure | None = None

    @property
    def display(self) -> str:
        return self.figure.display if self.figure else "—"

    @property
    def previous_display(self) -> str:
        return self.previous.display if self.previous else "—"

    @property
    def target(self) -> str:
        return format_target(self.indicator)

    @property
    def met(self) -> bool | None:
        return target_met(self.indicator, self.figure.value) if self.figure else None

    @property
    def change(self) -> str:
        """Against the previous period: percentage points for rates, per cent for counts."""
        return self._change(_("pp"))

    @property
    def change_vi(self) -> str:
        """The same, for the Vietnamese printed report (điểm phần trăm)."""
        return self._change("điểm %")

    def _change(self, points_unit: str) -> str:
        now = self.figure.value if self.figure else None
        before = self.previous.value if self.previous else None
        if now is None or before is None:
            return "—"
        if self.indicator.kind in (Indicator.Kind.RATE, Indicator.Kind.CHANGE):
            points = (now - before) * 100
            return f"{'+' if points > 0 else ''}{number_format(points, 1, use_l10n=True)} {points_unit}"
        if not before:
            return "—"
        return format_value((now - before) / before, Indicator.Kind.CHANGE)


@dataclass
class Breakdown:
    """The cells of one indicator along one dimension, with names."""

    indicator: Indicator
    dimension: str
    rows: list[tuple[str, str, Figure]] = field(default_factory=list)  # (code, label, figure)

    def chart(self, chart_id: str, title: str) -> dict:
        return {"id": chart_id, "type": "bar", "title": title, "percent": self.indicator.kind == "rate",
                "labels": [label for _code, label, _figure in self.rows],
                "datasets": [{"label": self.indicator.name,
                              "data": [figure.chart_value for _code, _label, figure in self.rows]}]}


def recent_periods(today=None) -> list[tuple[str, list[str]]]:
    """The period picker's choices, most recent first: years, half-years, quarters, months."""
    choices = []
    for kind, label, count in (("year", _("Years"), 3), ("half", _("Half-years"), 4),
                               ("quarter", _("Quarters"), 6), ("month", _("Months"), 12)):
        period = periods.current(kind, today)
        codes = []
        for _step in range(count):
            codes.append(period.code)
            period = period.previous()
        choices.append((label, codes))
    return choices


def trend_periods(period: periods.Period) -> list[periods.Period]:
    found = [period]
    for _step in range(TREND_LENGTH - 1):
        found.insert(0, found[0].previous())
    return found


def _line_chart(chart_id: str, title: str, codes: list[str], by_code: dict[str, Indicator],
                series: dict[tuple[str, str], Figure], period_codes: list[str], percent: bool) -> dict:
    datasets = []
    for code in codes:
        if code not in by_code:
            continue
        data = [series[(code, p)].chart_value if (code, p) in series else None for p in period_codes]
        datasets.append({"label": by_code[code].name, "data": data})
    return {"id": chart_id, "type": "line", "title": title, "percent": percent, "labels": period_codes,
            "datasets": datasets}


DASHBOARD_CACHE_SECONDS = 600


def province_dashboard(user, *, province: Province, period: periods.Period, by_commune: str = "") -> dict:
    """The province page's figures, from the cache while the snapshots they come from are the
    same. The key names everything the figures depend on: the province, the period and the
    trend's periods' snapshot rows (a rebuild replaces them, so their newest id and their number
    change), the commune column chosen, who looks (their province scope, and whether the
    small-cell rule applies to them) and the language of the labels. Ten minutes at most, for
    commune names and indicator labels that change without a rebuild."""
    by_commune = chosen_commune_column(by_commune)
    codes = [period.code, *[p.code for p in trend_periods(period)]]
    version = IndicatorValue.objects.filter(province=province, period__in=codes).aggregate(
        newest=Max("pk"), rows=Count("pk"))
    key = ":".join(str(part) for part in (
        "province-dashboard", province.pk, period.code, by_commune, version["newest"], version["rows"],
        user.scope_level, user.province_id, may_see_records(user), get_language()))
    figures = cache.get_or_set(key, lambda: _province_dashboard(user, province=province, period=period,
                                                                 by_commune=by_commune), DASHBOARD_CACHE_SECONDS)
    # The page's figure sections are a function of these figures (and of the query that their
    # links carry): the template caches their HTML under the same key, as long (issue 9: the
    # commune table alone was 40 ms of rendering on every view).
    return {**figures, "figures_key": key, "figures_seconds": DASHBOARD_CACHE_SECONDS}


def chosen_commune_column(code: str) -> str:
    """The commune table's extra column as asked for in the query, if it names an indicator, else
    the default: checked before it goes into the cache key, or any string typed into the URL would
    fill the cache with copies of the same page. The default (most views) costs no query, nor does
    anything that cannot be a code (a NUL byte would make the query itself fail)."""
    if code == DEFAULT_BY_COMMUNE or not INDICATOR_CODE.fullmatch(code or ""):
        return DEFAULT_BY_COMMUNE
    return code if Indicator.objects.filter(code=code).exists() else DEFAULT_BY_COMMUNE


def _province_dashboard(user, *, province: Province, period: periods.Period, by_commune: str = "") -> dict:
    """Everything the province page shows, in seven queries whatever the province's size."""
    all_indicators = selectors.indicators()
    by_code = {i.code: i for i in all_indicators}
    by_commune = by_commune if by_commune in by_code else DEFAULT_BY_COMMUNE
    totals: dict[str, Figure] = {}
    province_cells: dict[tuple[str, str], list[Figure]] = defaultdict(list)
    commune_cells: dict[int, dict[str, Figure]] = defaultdict(dict)
    # The province's cells and its communes' totals: a commune's disaggregations are on its own page.
    values = selectors.values_for(user, period=period, province=province).filter(
        Q(commune__isnull=True) | Q(dimension=""))
    figures = [mask(value, user) for value in values]
    for figure in figures:
        if figure.commune_id is None and figure.dimension == "":
            totals[figure.code] = figure
        elif figure.commune_id is None:
            province_cells[(figure.code, figure.dimension)].append(figure)
        elif figure.dimension == "":
            commune_cells[figure.commune_id][figure.code] = figure

    period_list = trend_periods(period)
    period_codes = [p.code for p in period_list]
    series = {(f.code, f.period): f for f in selectors.trend_values(
        user, province=province, period_codes=period_codes, codes=list(by_code))}
    previous_code = period.previous().code  # the trend's last but one

    labels = Labels(dimensions={"group", "service_type"})
    commune_names = {c.pk: c for c in Commune.objects.filter(pk__in=list(commune_cells)).only(
        "name", "code", "name_folded")}

    def breakdown(code: str, dimension: str, order: list[str] | None = None) -> Breakdown:
        cells = {f.dimension_value: f for f in province_cells.get((code, dimension), [])}
        keys = [k for k in order if k in cells] if order else sorted(
            cells, key=lambda k: (-(cells[k].numerator or 0), k))
        return Breakdown(by_code[code], dimension, [(k, labels.value(dimension, k), cells[k]) for k in keys])

    lines = [Line(i, totals.get(i.code), series.get((i.code, previous_code))) for i in all_indicators]
    line_by_code = {line.indicator.code: line for line in lines}
    communes = sorted(commune_cells, key=lambda pk: commune_names[pk].name_folded if pk in commune_names else "")
    commune_columns = COMMUNE_COLUMNS + ([by_commune] if by_commune not in COMMUNE_COLUMNS else [])
    commune_rows = [{"commune": commune_names.get(pk), "cells": [commune_cells[pk].get(code) for code in
                                                                commune_columns]} for pk in communes]
    commune_chart_rows = [(commune_names[pk].name, commune_cells[pk].get(by_commune)) for pk in communes
                          if pk in commune_names]
    groups = breakdown("CSC_TOTAL", "group")
    opened_by_level = breakdown("CASES_OPENED", "level", LEVELS)
    active_by_level = breakdown("CASES_ACTIVE", "level", LEVELS)
    by_class = breakdown("HOTLINE_CALLS", "class", list(ReportingClass.values))
    counselling = next((f for k, _label, f in by_class.rows if k == ReportingClass.COUNSELLING), None)
    funnel = [
        (_("Calls received"), totals.get("HOTLINE_CALLS")),
        (_("Counselling contacts"), counselling),
        (_("Calls that opened a case"), totals.get("HOTLINE_CASES_OPENED")),
    ]
    referrals_by_service = breakdown("REFERRALS", "service_type")
    referrals_by_status = breakdown("REFERRALS", "status")

    charts = [
        _line_chart("chart-trend-counts", _("Counts over the last periods"), TREND_COUNTS, by_code, series,
                    period_codes, percent=False),
        _line_chart("chart-trend-rates", _("Rates over the last periods (%)"), TREND_RATES, by_code, series,
                    period_codes, percent=True),
        {"id": "chart-communes", "type": "bar", "title": by_code[by_commune].name,
         "percent": by_code[by_commune].kind == "rate", "labels": [name for name, _f in commune_chart_rows],
         "datasets": [{"label": by_code[by_commune].name,
                       "data": [f.chart_value if f else None for _name, f in commune_chart_rows]}]},
        groups.chart("chart-groups", by_code["CSC_TOTAL"].name),
        {"id": "chart-levels", "type": "bar", "title": _("Cases by protection level"), "percent": False,
         "labels": [str(level.label) for level in LEVELS],
         "datasets": [
             {"label": by_code["CASES_OPENED"].name, "data": _by_key(opened_by_level, LEVELS)},
             {"label": by_code["CASES_ACTIVE"].name, "data": _by_key(active_by_level, LEVELS)},
         ]},
        {"id": "chart-funnel", "type": "bar", "horizontal": True, "title": _("Hotline funnel"), "percent": False,
         "labels": [str(label) for label, _f in funnel],
         "datasets": [{"label": _("Calls"), "data": [f.chart_value if f else None for _label, f in funnel]}]},
        referrals_by_service.chart("chart-referrals", _("Referrals by service type")),
    ]
    return {
        "indicators": all_indicators,
        "lines": lines,
        "headline": [line_by_code[code] for code in HEADLINE if code in line_by_code],
        "deadlines": [line_by_code[code] for code in DEADLINES if code in line_by_code],
        "commune_columns": [by_code[code] for code in commune_columns],
        "commune_rows": commune_rows,
        "by_commune": by_code[by_commune],
        "groups": groups,
        "levels": list(zip(LEVELS, _by_figure(opened_by_level, LEVELS), _by_figure(active_by_level, LEVELS),
                           strict=True)),
        "opened_indicator": by_code["CASES_OPENED"], "active_indicator": by_code["CASES_ACTIVE"],
        "funnel": funnel,
        "hotline_indicators": [by_code[c] for c in ("HOTLINE_CALLS", "HOTLINE_CASES_OPENED") if c in by_code],
        "referrals_by_service": referrals_by_service,
        "referrals_by_status": referrals_by_status,
        "referral_completion": line_by_code.get("REFERRAL_COMPLETION_RATE"),
        "charts": charts,
        "trend_periods": period_codes,
        "previous_period": previous_code,
        "has_values": bool(figures),
    }


def _by_key(breakdown: Breakdown, keys) -> list[float | None]:
    found = {k: f for k, _label, f in breakdown.rows}
    return [found[k].chart_value if k in found else 0 for k in keys]


def _by_figure(breakdown: Breakdown, keys) -> list[Figure | None]:
    found = {k: f for k, _label, f in breakdown.rows}
    return [found.get(k) for k in keys]


def commune_page(user, *, commune: Commune, period: periods.Period) -> dict:
    """A commune's figures with their disaggregations (masked for the viewer), in three queries."""
    all_indicators = selectors.indicators()
    figures = selectors.figures_for(user, period=period, province=commune.province, commune=commune)
    labels = Labels(figures)
    cells: dict[str, list[Figure]] = defaultdict(list)
    totals: dict[str, Figure] = {}
    for figure in figures:
        if figure.dimension == "":
            totals[figure.code] = figure
        else:
            cells[figure.code].append(figure)
    sections = []
    for indicator in all_indicators:
        rows = [(labels.dimension(f.dimension), labels.value(f.dimension, f.dimension_value), f)
                for f in sorted(cells.get(indicator.code, []), key=lambda f: (f.dimension, f.dimension_value))]
        sections.append({"indicator": indicator, "total": totals.get(indicator.code), "rows": rows,
                         "group": group_label(indicator.group)})
    return {"sections": sections, "has_values": bool(figures)}


def national_dashboard(user, *, period: periods.Period, indicator_code: str = "") -> dict:
    """Every province's totals side by side, with the sum of the provinces, in three queries."""
    all_indicators = selectors.indicators()
    by_code = {i.code: i for i in all_indicators}
    chosen = by_code.get(indicator_code) or by_code.get("CSC_SUPPORTED_RATE") or all_indicators[0]
    columns = [by_code[c] for c in COMPARE if c in by_code]
    if chosen not in columns:
        columns.append(chosen)
    values = selectors.values_for(user, period=period).filter(commune__isnull=True, dimension="",
                                                              indicator__code__in=[c.code for c in columns])
    by_province: dict[int, dict[str, Figure]] = defaultdict(dict)
    sums: dict[str, list[Decimal]] = {}
    for value in values:
        figure = mask(value, user)
        by_province[figure.province_id][figure.code] = figure
        if figure.numerator is not None:
            total = sums.setdefault(figure.code, [Decimal(0), Decimal(0)])
            total[0] += figure.numerator
            total[1] += figure.denominator or 0
    provinces = list(selectors.provinces_for(user))
    rows = [{"province": p, "cells": [by_province[p.pk].get(c.code) for c in columns]} for p in provinces]
    total_row = []
    for column in columns:
        pair = sums.get(column.code)
        if pair is None:
            total_row.append("—")
        elif column.kind in (Indicator.Kind.RATE, Indicator.Kind.CHANGE):
            total_row.append(format_value(pair[0] / pair[1] if pair[1] else None, column.kind))
        else:
            total_row.append(format_value(pair[0], column.kind))
    ranked = sorted(((p, by_province[p.pk].get(chosen.code)) for p in provinces),
                    key=lambda pair: -(pair[1].chart_value or 0) if pair[1] and pair[1].chart_value is not None
                    else float("inf"))
    chart = {"id": "chart-provinces", "type": "bar", "horizontal": True, "title": chosen.name,
             "percent": chosen.kind in ("rate", "change"), "labels": [p.name for p, _f in ranked],
             "datasets": [{"label": chosen.name, "data": [f.chart_value if f else None for _p, f in ranked]}]}
    return {"indicators": all_indicators, "columns": columns, "rows": rows, "total_row": total_row,
            "chosen": chosen, "chosen_target": format_target(chosen), "ranked": ranked, "charts": [chart],
            "has_values": any(by_province.values())}


REPORT_KINDS = {"half", "year"}


def periodic_report(user, *, province: Province, period: periods.Period) -> dict:
    """The 6-monthly or yearly report: every indicator's province figure for the period, the
    previous period's, the change and the target (three queries)."""
    all_indicators = selectors.indicators()
    previous = period.previous()
    series = {(f.code, f.period): f for f in selectors.trend_values(
        user, province=province, period_codes=[period.code, previous.code], codes=[i.code for i in all_indicators])}
    sections = []
    for number, group in enumerate(dict.fromkeys(i.group for i in all_indicators)):
        lines = [Line(i, series.get((i.code, period.code)), series.get((i.code, previous.code)))
                 for i in all_indicators if i.group == group]
        sections.append({"group": group, "numeral": ROMAN[number], "label": GROUPS_VI.get(group, group),
                         "lines": lines})
    authority = province.name if province.division_type != "tinh" else f"Tỉnh {province.name}"
    return {"sections": sections, "previous": previous, "title": period_title_vi(period),
            "previous_title": period_title_vi(previous), "authority": f"UBND {authority}".upper(),
            "place": province.name.removeprefix("Thành phố "),
            "has_values": any(p == period.code for (_code, p) in series)}


ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
# The printed report's fixed headings are Vietnamese whatever the interface language.
GROUPS_VI = {
    "children": "Trẻ em và trẻ em có hoàn cảnh đặc biệt",
    "abuse": "Trẻ em bị xâm hại",
    "cases": "Quản lý trường hợp và thời hạn",
    "hotline": "Tổng đài điện thoại bảo vệ trẻ em",
    "referrals": "Chuyển gửi và dịch vụ",
    "communes": "Xã, phường phù hợp với trẻ em; quỹ bảo trợ; truyền thông",
}


def period_title_vi(period: periods.Period) -> str:
    year = period.start.year
    if period.kind == "year":
        return f"năm {year}"
    if period.kind == "half":
        return f"6 tháng {'đầu' if period.start.month == 1 else 'cuối'} năm {year}"
    if period.kind == "quarter":
        return f"quý {ROMAN[(period.start.month - 1) // 3]} năm {year}"
    return f"tháng {period.start.month} năm {year}"
