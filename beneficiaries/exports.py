"""Export of the filtered child list to Excel or CSV: the same scoped, filtered queryset as the
page, no sensitive field, no formula injection, and an access-log row for every export."""

import csv
import tempfile

import xlsxwriter
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_export
from beneficiaries import selectors
from beneficiaries.filters import ChildFilter
from beneficiaries.permissions import can_export_children
from core.replica import reads_from_replica
from core.search import SearchQuery

MAX_EXPORT_ROWS = 200_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A spreadsheet must never run what a user typed: text that a spreadsheet would read as a
    formula gets a leading apostrophe (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def export_columns():
    return [
        (_("Registry number"), lambda c: c.registry_number),
        (_("Full name"), lambda c: c.full_name),
        (_("Sex"), lambda c: c.get_sex_display()),
        (_("Date of birth"), lambda c: c.date_of_birth.strftime("%d/%m/%Y")),
        (_("Estimated"), lambda c: _("yes") if c.birth_date_estimated else ""),
        (_("Age"), lambda c: c.age),
        (_("Ethnicity"), lambda c: c.get_ethnicity_display()),
        (_("Province"), lambda c: c.commune.province.name),
        (_("Commune"), lambda c: c.commune.name),
        (_("Village"), lambda c: c.village.name if c.village else ""),
        (_("Household poverty status"), lambda c: c.get_poverty_status_display()),
        (_("Disability"), lambda c: c.get_disability_type_display() if c.disability_type else ""),
        (_("Status"), lambda c: _("active") if c.is_active else _("inactive")),
    ]


def _rows(qs):
    columns = export_columns()
    yield [str(title) for title, _getter in columns]
    for child in qs.iterator(chunk_size=2000):
        yield [safe_cell(getter(child)) for _title, getter in columns]


class _Echo:
    """csv.writer target that hands each line back instead of storing it."""

    def write(self, value):
        return value


def _csv_stream(qs):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel opens UTF-8 CSV with Vietnamese correctly only with a BOM
    for row in _rows(qs):
        yield writer.writerow(row)


def _xlsx_file(qs) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """constant_memory: xlsxwriter flushes each row to a temporary file, so 100,000 rows never
    sit in memory together; the finished file is spooled to disk past 5 MB."""
    target = tempfile.SpooledTemporaryFile(max_size=5 * 1024 * 1024)
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False,
                                            "tmpdir": tempfile.gettempdir()})
    sheet = workbook.add_worksheet(_("Children")[:31])
    bold = workbook.add_format({"bold": True})
    count = -1
    for r, row in enumerate(_rows(qs)):
        sheet.write_row(r, 0, row, bold if r == 0 else None)
        count += 1
    sheet.freeze_panes(1, 0)
    workbook.close()
    target.seek(0)
    return target, count


@reads_from_replica
@login_required
def child_export(request, fmt):
    if fmt not in ("csv", "xlsx") or not can_export_children(request.user):
        raise Http404
    query = SearchQuery(request)  # the list's remembered search, by its key (core.search)
    child_filter = ChildFilter(query.data, user=request.user,
                               queryset=selectors.list_queryset(selectors.children_visible_to(request.user)))
    # A search the session no longer knows exports nothing, never the whole registry.
    qs = (child_filter.qs.none() if query.expired else child_filter.qs)[:MAX_EXPORT_ROWS]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        # Streamed row by row: a large export never holds the rows in memory.
        count = qs.count()
        response = StreamingHttpResponse(_csv_stream(qs), content_type="text/csv; charset=utf-8")
    else:
        target, count = _xlsx_file(qs)
        response = FileResponse(
            target, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="children-{stamp}.{fmt}"'
    record_export(request, "beneficiaries.child", query.logged(request), count, fmt)
    return response
