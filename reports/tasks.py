from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=50 * 60, time_limit=55 * 60)
def build_snapshot(build_id: int) -> int:
    from reports.models import SnapshotBuild
    from reports.services import run_build

    try:
        return run_build(build_id).rows
    except SnapshotBuild.DoesNotExist:  # asked for, then deleted: nothing to build
        return 0


@shared_task(acks_late=True)
def refresh_recent_snapshots() -> int:
    """Nightly: rebuild the current and previous period of every kind, for every province."""
    from django.db import IntegrityError

    from geography.models import Province
    from reports.models import SnapshotBuild
    from reports.services import nightly_periods

    queued = 0
    for period in nightly_periods():
        for province in Province.objects.current():
            try:
                build = SnapshotBuild.objects.create(period=period.code, province=province)
            except IntegrityError:  # one is already queued or running
                continue
            build_snapshot.delay(build.pk)
            queued += 1
    return queued
