"""A spreadsheet of children sent by a commune, from upload to import (issue 3, item 8).

The file itself is kept in the database, not on disk, so that the web machine that received it
and the worker machine that reads it need no shared storage; it is cleared once imported.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import PublicIdModel


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Checking the file")
    VALIDATED = "validated", _("Checked, waiting for confirmation")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class RowState:
    """One letter per data row in `ImportBatch.row_states`: 50,000 rows cost 50 kB, not a table."""

    VALID = "V"
    ERROR = "E"
    FLAGGED = "F"


class ImportBatch(PublicIdModel):
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    original_filename = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=4)
    # The language of the person who uploaded: the worker writes messages they will read.
    language = models.CharField(max_length=8, default="vi")
    content = models.BinaryField(default=b"", editable=False)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.UPLOADED)
    include_flagged = models.BooleanField(_("import possible duplicates too"), default=False)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    flagged_rows = models.PositiveIntegerField(_("possible duplicates"), default=0)
    imported_rows = models.PositiveIntegerField(_("imported rows"), default=0)
    skipped_rows = models.PositiveIntegerField(_("rows refused during the import"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # [{row, column, letter, message}], at most imports.MAX_STORED_MESSAGES; error_count is the true number.
    errors = models.JSONField(default=list)
    error_count = models.PositiveIntegerField(default=0)
    notes = models.JSONField(default=list)
    flagged = models.JSONField(default=list)
    row_states = models.TextField(blank=True, editable=False)
    # Data rows handled by the import, in file order: a rerun resumes here and creates nothing twice.
    rows_done = models.PositiveIntegerField(default=0)
    failure_message = models.CharField(_("reason"), max_length=500, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import of children")
        verbose_name_plural = _("imports of children")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="import_batch_uploader_idx")]

    def __str__(self) -> str:
        return self.original_filename

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.UPLOADED, ImportStatus.IMPORTING)

    @property
    def progress_step(self) -> int:
        """Progress rounded down to 5 %, the steps the progress-bar width classes exist for."""
        return min(100, max(0, self.progress)) // 5 * 5

    @property
    def importable_rows(self) -> int:
        return self.valid_rows + (self.flagged_rows if self.include_flagged else 0)
