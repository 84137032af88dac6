"""Snapshot builds: compute every indicator for one period and province, then swap the old
values for the new in one transaction, so a reader sees the old numbers or the new, never a mix.
Idempotent: running twice (or after a killed worker) writes the same rows."""

import zlib

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geography.models import Province
from reports import periods
from reports.compute import COMPUTE
from reports.models import Indicator, IndicatorValue, SnapshotBuild


class BuildRefused(Exception):
    pass


def request_rebuild(*, period_code: str, province: Province | None, by=None) -> SnapshotBuild:
    """Queue a rebuild; refuse a future period and a second live build of the same period."""
    period = periods.parse(period_code)
    if period.is_future():
        raise BuildRefused(_("A period that has not started has no figures yet."))
    try:
        with transaction.atomic():
            build = SnapshotBuild.objects.create(period=period.code, province=province, requested_by=by)
    except IntegrityError as error:
        raise BuildRefused(_("A rebuild of this period is already running.")) from error
    from reports.tasks import build_snapshot

    transaction.on_commit(lambda: build_snapshot.delay(build.pk))
    return build


def _lock_key(period_code: str, province_id: int) -> int:
    return zlib.crc32(f"snapshot:{period_code}:{province_id}".encode()) & 0x7FFFFFFF


def build_province(period: periods.Period, province_id: int, build: SnapshotBuild | None = None,
                   on_progress=None) -> int:
    """Compute and swap one province's values for one period. Returns the number of rows."""
    indicators = {i.code: i for i in Indicator.objects.all()}
    rows = []
    for index, (code, compute) in enumerate(COMPUTE.items(), start=1):
        indicator = indicators.get(code)
        if indicator is None:
            continue
        for cell in compute(province_id, period):
            rows.append(IndicatorValue(
                indicator=indicator, period=period.code, period_kind=period.kind, province_id=province_id,
                commune_id=cell.commune_id, dimension=cell.dimension, dimension_value=cell.dimension_value[:60],
                numerator=cell.numerator, denominator=cell.denominator, build=build))
        if on_progress:
            on_progress(index / len(COMPUTE))
    with transaction.atomic():
        # Two builds of the same cell at once queue here instead of doubling rows.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(period.code, province_id)])
        IndicatorValue.objects.filter(period=period.code, province_id=province_id).delete()
        IndicatorValue.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def run_build(build_id: int) -> SnapshotBuild:
    build = SnapshotBuild.objects.get(pk=build_id)
    if build.state == SnapshotBuild.State.DONE:
        return build
    period = periods.parse(build.period)
    provinces = [build.province_id] if build.province_id else list(
        Province.objects.current().values_list("pk", flat=True))
    SnapshotBuild.objects.filter(pk=build.pk).update(state=SnapshotBuild.State.RUNNING, started_at=timezone.now(),
                                                     error="")
    total = 0
    try:
        for number, province_id in enumerate(provinces):
            def progress(share, number=number):
                percent = int(100 * (number + share) / len(provinces))
                SnapshotBuild.objects.filter(pk=build.pk).update(progress=min(percent, 99))

            total += build_province(period, province_id, build, on_progress=progress)
    except Exception as error:
        SnapshotBuild.objects.filter(pk=build.pk).update(state=SnapshotBuild.State.FAILED,
                                                         error=str(error)[:255], finished_at=timezone.now())
        raise
    SnapshotBuild.objects.filter(pk=build.pk).update(state=SnapshotBuild.State.DONE, progress=100, rows=total,
                                                     finished_at=timezone.now())
    build.refresh_from_db()
    return build


def nightly_periods(today=None) -> list[periods.Period]:
    """The current and previous month, quarter, half-year and year."""
    found = []
    for kind in ("month", "quarter", "half", "year"):
        current = periods.current(kind, today)
        found += [current, current.previous()]
    return found
