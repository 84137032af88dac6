"""Background work of the registry. Thin: each task takes an id and calls beneficiaries.imports.

Both tasks are idempotent: checking a batch already checked does nothing, and an import resumes
after the last chunk it committed, so a worker killed half-way (acks_late redelivers the task)
creates no child twice.
"""

import logging

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from beneficiaries import imports

logger = logging.getLogger(__name__)

# A 50,000-row file takes minutes; the limits only stop a task that hangs.
TIME_LIMITS = {"soft_time_limit": 55 * 60, "time_limit": 60 * 60}


@shared_task(bind=True, acks_late=True, **TIME_LIMITS)
def validate_import(self, batch_id: int) -> None:
    try:
        imports.validate_batch(batch_id)
    except Exception:  # noqa: BLE001 - whatever went wrong, the user must see a failed batch, not a spinner
        logger.exception("Checking import batch %s failed", batch_id)
        imports.fail_batch(batch_id, _("The file could not be checked because of an unexpected error. "
                                       "Upload it again, or ask the administrator."))


@shared_task(bind=True, acks_late=True, **TIME_LIMITS)
def run_import(self, batch_id: int) -> None:
    try:
        imports.import_batch_rows(batch_id)
    except Exception:  # noqa: BLE001 - same; the rows already imported stay and a restart resumes
        logger.exception("Import batch %s failed", batch_id)
        imports.fail_batch(batch_id, _("The import stopped because of an unexpected error. The rows already "
                                       "imported are kept; start the import again to continue."))


@shared_task(acks_late=True)
def clear_abandoned_import_files() -> int:
    """For django-celery-beat, daily: files checked but never imported are not kept."""
    return imports.clear_abandoned_files()


@shared_task(acks_late=True, soft_time_limit=50 * 60, time_limit=55 * 60)
def apply_retention() -> int:
    """Nightly: anonymise the records past the retention period (beneficiaries.retention)."""
    from beneficiaries.retention import apply_retention as run

    return len(run(dry_run=False))
