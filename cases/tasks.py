from celery import shared_task

from cases.reminders import check_deadlines


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def check_case_deadlines() -> dict:
    """Run by celery beat every five minutes (settings.CELERY_BEAT_SCHEDULE)."""
    return check_deadlines()
