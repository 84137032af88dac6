"""The dashboard's data to Excel (a sheet per indicator group) and CSV: the same scoped snapshot
values, through the same small-cell rule, written as the screen writes them. No formula is ever
interpreted (beneficiaries.exports.safe_cell, xlsxwriter's strings_to_formulas off)."""

import csv
import io

import xlsxwriter
from django.utils.translation import gettext as _

from beneficiaries.exports import safe_cell
from geography.models import Commune
from reports import selectors
from reports.figures import format_target
from reports.labels import GROUPS, Labels, group_label
from reports.privacy import mask

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def columns() -> list[str]:
    return [_("Group"), _("Code"), _("Indicator"), _("Period"), _("Province"), _("Commune"), _("Disaggregation"),
            _("Category"), _("Value"), _("Numerator"), _("Denominator"), _("Target"), _("Target met")]


def export_rows(user, *, period, province=None) -> list[tuple[str, list]]:
    """(group, row) for every value the dashboard shows: with a province, the province's and its
    communes' values; without, every visible province's totals."""
    values = selectors.values_for(user, period=period, province=province).select_related("province")
    if province is None:
        values = values.filter(commune__isnull=True, dimension="")
    values = values.order_by("indicator__position", "province__code", "commune_id", "dimension", "dimension_value")
    pairs = [(value.province.name, mask(value, user)) for value in values]
    labels = Labels([figure for _name, figure in pairs])
    commune_names = dict(Commune.objects.filter(pk__in={f.commune_id for _n, f in pairs if f.commune_id})
                         .values_list("pk", "name"))
    rows = []
    for province_name, figure in pairs:
        indicator = figure.indicator
        met = figure.met if figure.commune_id is None and figure.dimension == "" else None
        rows.append((indicator.group, [
            group_label(indicator.group), indicator.code, indicator.name, figure.period, province_name,
            commune_names.get(figure.commune_id, ""), labels.dimension(figure.dimension) if figure.dimension else "",
            labels.value(figure.dimension, figure.dimension_value), figure.display,
            None if figure.numerator is None else float(figure.numerator),
            None if figure.denominator is None else float(figure.denominator),
            format_target(indicator) if figure.commune_id is None and figure.dimension == "" else "",
            "" if met is None else (_("met") if met else _("not met")),
        ]))
    return rows


def to_csv(rows) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV with Vietnamese correctly only with a BOM
    writer = csv.writer(buffer)
    writer.writerow(columns())
    for _group, row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) if isinstance(cell, str) else cell for cell in row])
    return buffer.getvalue().encode("utf-8")


def to_xlsx(rows, *, title: str) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True})
    by_group: dict[str, list] = {group: [] for group in GROUPS}
    for group, row in rows:
        by_group.setdefault(group, []).append(row)
    for group, group_rows in by_group.items():
        sheet = workbook.add_worksheet(_sheet_name(group_label(group)))
        sheet.write(0, 0, safe_cell(title), bold)
        sheet.write_row(2, 0, columns(), bold)
        for r, row in enumerate(group_rows, start=3):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                if isinstance(cell, str):
                    sheet.write_string(r, c, safe_cell(cell))
                else:
                    sheet.write_number(r, c, cell)
        sheet.freeze_panes(3, 0)
        sheet.set_column(0, 1, 14)
        sheet.set_column(2, 2, 48)
        sheet.set_column(3, 12, 14)
    workbook.close()
    return output.getvalue()


def _sheet_name(label: str) -> str:
    for char in "[]:*?/\\":
        label = label.replace(char, " ")
    return label[:31]
