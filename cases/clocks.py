"""The legal clocks of a case (decree56_workflow.json "clocks"), started and stopped by the
workflow. Calendar limits count hours or days; working-day limits use core.calendar."""

from datetime import datetime, timedelta

from django.utils import timezone

from cases.choices import ClockCode, Level
from cases.models import Case, CaseClock
from core.calendar import add_working_days

FOLLOW_UP_DAYS = 30  # a follow-up visit within a month of the plan's approval (art. 29, 43(2))


def due_for(code: str, start: datetime) -> datetime:
    if code == ClockCode.EMERGENCY_12H:
        return start + timedelta(hours=12)  # Decree 56 art. 26(3), 31: calendar hours
    if code == ClockCode.PLAN_DRAFT_5WD:
        return add_working_days(start, 5)  # art. 28(1)
    if code == ClockCode.PLAN_APPROVAL_2WD:
        return add_working_days(start, 2)  # art. 28(4)
    if code == ClockCode.SEPARATION_MAX_15D:
        return start + timedelta(days=15)  # art. 32(3): calendar days
    if code == ClockCode.FOLLOW_UP_VISIT:
        return start + timedelta(days=FOLLOW_UP_DAYS)
    raise ValueError(code)


def start_clock(case: Case, code: str, start: datetime) -> CaseClock:
    """Start (or restart) a clock: a running one of the same code is cancelled first; one met in an
    earlier round (before a re-plan or a reopening) stays met."""
    stop_clock(case, code, cancel=True)
    return CaseClock.objects.create(case=case, code=code, started_at=start, due_at=due_for(code, start))


def stop_clock(case: Case, code: str, *, at: datetime | None = None, cancel: bool = False) -> None:
    field = "cancelled_at" if cancel else "met_at"
    CaseClock.objects.filter(case=case, code=code, met_at__isnull=True, cancelled_at__isnull=True).update(
        **{field: at or timezone.now()})


def start_opening_clocks(case: Case) -> None:
    """At intake: 12 hours for an emergency; 5 working days for the plan at the support and
    intervention levels (prevention work follows no Decree 56 plan deadline)."""
    if case.is_emergency:
        start_clock(case, ClockCode.EMERGENCY_12H, case.received_at)
    if case.level in (Level.EARLY_SUPPORT, Level.INTERVENTION):
        start_clock(case, ClockCode.PLAN_DRAFT_5WD, case.received_at)


def cancel_all(case: Case) -> None:
    CaseClock.objects.filter(case=case, met_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now())
