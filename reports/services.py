"""Snapshot builds: compute every indicator for one period and province, then swap the old
values for the new in one transaction, so a reader sees the old numbers or the new, never a mix.
Idempotent: running twice (or after a killed worker) writes the same rows."""

import logging
import zlib
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from core.models import OutboxMessage
from core.text import normalise
from geography.models import Province
from reports import periods
from reports.compute import COMPUTE
from reports.models import (
    ChildFriendlyAssessment,
    CommunicationEvent,
    FundRecord,
    Indicator,
    IndicatorValue,
    SnapshotBuild,
)

logger = logging.getLogger(__name__)


class BuildRefused(Exception):
    pass


# A live build older than the task's hard time limit was lost (its worker was killed and the
# broker did not hand it on): it must not block rebuilds of its period for ever.
STALE_AFTER = timedelta(hours=1)
LIVE_STATES = [SnapshotBuild.State.QUEUED, SnapshotBuild.State.RUNNING]
BUILD_TASK = "reports.tasks.build_snapshot"


def request_rebuild(*, period_code: str, province: Province | None, by=None) -> SnapshotBuild:
    """Queue a rebuild; refuse a future period and a second live build of the same period. The
    task goes through the outbox (core.outbox): written with the build, sent when it commits, kept
    and sent later if the broker is down."""
    period = periods.parse(period_code)
    if period.is_future():
        raise BuildRefused(_("A period that has not started has no figures yet."))
    abandon_stale_builds()
    try:
        with transaction.atomic():
            build = SnapshotBuild.objects.create(period=period.code, province=province, requested_by=by)
            message = OutboxMessage.objects.create(task=BUILD_TASK, args=[build.pk])
    except IntegrityError as error:
        raise BuildRefused(_("A rebuild of this period is already running.")) from error
    transaction.on_commit(lambda: send_build(message.pk, build.pk))
    return build


def send_build(message_id: int, build_id: int) -> None:
    """Send the build's task. Running eagerly (no broker), the build runs here: if it fails,
    run_build has recorded the failure on it and the request that asked for it still answers."""
    try:
        outbox.send(message_id)
    except Exception as error:  # noqa: BLE001 - any failure to run the build is recorded on it
        logger.exception("Snapshot build %s failed", build_id)
        SnapshotBuild.objects.filter(pk=build_id, state__in=LIVE_STATES).update(
            state=SnapshotBuild.State.FAILED, error=str(error)[:255], finished_at=timezone.now())


def abandon_stale_builds(now=None) -> int:
    now = now or timezone.now()
    return SnapshotBuild.objects.filter(state__in=LIVE_STATES, requested_at__lt=now - STALE_AFTER).update(
        state=SnapshotBuild.State.FAILED, error="abandoned: no worker finished it", finished_at=now)


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


# --- A commune's inputs: child-friendly assessments, the fund, communication events -------------


class CommuneDataRefused(Exception):
    """The user may not record for this commune, or a value breaks a rule; the message is for them."""


def _check_recorder(by, commune) -> None:
    from reports.permissions import can_record_for_commune

    if by is None or not can_record_for_commune(by, commune):
        raise CommuneDataRefused(_("You may record only for the communes of your province."))


@transaction.atomic
def record_assessment(*, commune, year: int, area_type: str, scores: dict[int, int], by) -> ChildFriendlyAssessment:
    """A commune's yearly assessment against the 13 criteria of Decision 06/QĐ-TTg; recording the
    same commune and year again replaces the earlier scores."""
    from reports.criteria import criteria, evaluate

    _check_recorder(by, commune)
    if area_type not in ChildFriendlyAssessment.THRESHOLDS:
        raise CommuneDataRefused(_("Choose the commune's type."))
    if year > timezone.localdate().year:
        raise CommuneDataRefused(_("A year that has not started cannot be assessed."))
    for criterion in criteria():
        score = scores.get(criterion.number)
        if score is None or not 0 <= score <= criterion.maximum:
            raise CommuneDataRefused(_("Criterion %(n)s is scored from 0 to %(max)s points.") % {
                "n": criterion.number, "max": criterion.maximum})
    total, recognised = evaluate(scores, area_type)
    assessment, _created = ChildFriendlyAssessment.objects.update_or_create(
        commune=commune, year=year, defaults={
            "area_type": area_type, "scores": {str(n): s for n, s in sorted(scores.items())}, "total": total,
            "recognised": recognised, "assessed_by": by})
    return assessment


@transaction.atomic
def record_fund(*, commune, recorded_on, amount_vnd: int, children_helped: int, note: str, by) -> FundRecord:
    _check_recorder(by, commune)
    if recorded_on > timezone.localdate():
        raise CommuneDataRefused(_("The date cannot be in the future."))
    if amount_vnd < 0 or children_helped < 0:
        raise CommuneDataRefused(_("Amounts and numbers cannot be negative."))
    return FundRecord.objects.create(commune=commune, recorded_on=recorded_on, amount_vnd=amount_vnd,
                                     children_helped=children_helped, note=normalise(note), recorded_by=by)


@transaction.atomic
def record_event(*, commune, held_on, kind: str, title: str, people_reached: int, by) -> CommunicationEvent:
    _check_recorder(by, commune)
    if held_on > timezone.localdate():
        raise CommuneDataRefused(_("The date cannot be in the future."))
    if people_reached < 0:
        raise CommuneDataRefused(_("Amounts and numbers cannot be negative."))
    return CommunicationEvent.objects.create(commune=commune, held_on=held_on, kind=kind, title=normalise(title),
                                             people_reached=people_reached, recorded_by=by)
