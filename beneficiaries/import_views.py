"""Pages of the spreadsheet import. Thin: reading and checking live in beneficiaries.imports.

Only people who may register children may import, and a batch is seen only by the person who
uploaded it: anyone else gets 404, as for a batch that does not exist.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from beneficiaries import imports
from beneficiaries.import_models import ImportBatch
from beneficiaries.permissions import can_register_children
from core.forms import BootstrapMixin

ERRORS_PER_PAGE = 200
FLAGGED_SHOWN = 200
TEMPLATE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# What the progress fragment needs: the polling request must not load the file or the messages.
PROGRESS_FIELDS = ["public_id", "status", "progress", "total_rows", "rows_done", "imported_rows", "uploaded_by"]


class ImportUploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel (.xlsx) or CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.file_format, self.content = imports.check_upload(upload)
        except imports.ImportFileError as error:
            raise forms.ValidationError(str(error)) from error
        return upload


def _require_importer(request) -> None:
    if not can_register_children(request.user):
        raise Http404


def _batch_or_404(request, public_id, *, only: list[str] | None = None) -> ImportBatch:
    _require_importer(request)
    qs = imports.batches_of(request.user)
    return get_object_or_404(qs.only(*only) if only else qs, public_id=public_id)


@login_required
def import_upload(request):
    _require_importer(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = imports.create_batch(
            filename=form.cleaned_data["file"].name, file_format=form.file_format, content=form.content,
            by=request.user, language=translation.get_language(),
        )
        return redirect("beneficiaries:import_preview", public_id=batch.public_id)
    recent = imports.batches_of(request.user).defer("errors", "notes", "flagged")[:10]
    return render(request, "beneficiaries/import_upload.html", {
        "form": form, "recent": recent, "columns": imports.COLUMNS, "max_rows": imports.MAX_ROWS,
        "max_megabytes": imports.MAX_FILE_BYTES // (1024 * 1024),
    })


@login_required
def import_template(request, fmt):
    _require_importer(request)
    if fmt not in TEMPLATE_TYPES:
        raise Http404
    content = imports.template_xlsx(request.user) if fmt == "xlsx" else imports.template_csv(request.user)
    response = HttpResponse(content, content_type=TEMPLATE_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="children-import-template.{fmt}"'
    return response


def _with_headers(entries: list[dict]) -> list[dict]:
    """Each message with the header of its column, as the user sees it in the file."""
    for entry in entries:
        column = imports.COLUMN_BY_KEY.get(entry.get("column", ""))
        entry["header"] = column.header if column else ""
    return entries


@login_required
def import_preview(request, public_id):
    batch = _batch_or_404(request, public_id)
    errors = Paginator(batch.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "beneficiaries/import_preview.html", {
        "batch": batch, "errors": errors, "error_entries": _with_headers(list(errors)),
        "notes": _with_headers(batch.notes[:ERRORS_PER_PAGE]), "flagged": batch.flagged[:FLAGGED_SHOWN],
        "flagged_hidden": max(0, batch.flagged_rows - FLAGGED_SHOWN),
        "messages_hidden": max(0, batch.error_count - len(batch.errors)), "may_resume": imports.may_resume(batch),
    })


@login_required
@require_POST
def import_run(request, public_id):
    batch = _batch_or_404(request, public_id)
    try:
        imports.start_import(batch, include_flagged=request.POST.get("include_flagged") == "on", by=request.user)
    except imports.ImportRefused as refusal:
        messages.error(request, str(refusal))
    return redirect("beneficiaries:import_preview", public_id=batch.public_id)


@login_required
def import_progress(request, public_id):
    """htmx, every 2 s while a batch is being checked or imported; once it is finished the page
    reloads to show the result."""
    batch = _batch_or_404(request, public_id, only=PROGRESS_FIELDS)
    response = render(request, "beneficiaries/_import_progress.html", {"batch": batch})
    if request.headers.get("HX-Request") and not batch.is_running:
        response["HX-Refresh"] = "true"
    return response
