"""Deadline reminders: once when a clock is near its due time, once when it is missed, to the
assigned worker and the supervisors of the case's province. Claims each reminder with a
conditional UPDATE, so two runs at once, or a run after a killed one, send nothing twice."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from cases.models import CaseClock
from cases.selectors import running_clocks
from core.notifications import notify

MIN_WARNING = timedelta(hours=2)


def warning_time(clock: CaseClock):
    """Warn when a fifth of the allowed time is left (at least two hours before)."""
    return clock.due_at - max(MIN_WARNING, (clock.due_at - clock.started_at) / 5)


def recipients(clock: CaseClock) -> list[User]:
    case = clock.case
    people = list(User.objects.filter(role=Role.SUPERVISOR, is_active=True, province_id=case.commune.province_id))
    if case.assigned_worker and case.assigned_worker.is_active:
        people.append(case.assigned_worker)
    return people


def _send(clock: CaseClock, kind: str) -> int:
    case = clock.case
    url = reverse("cases:case_detail", args=[case.public_id])
    if kind == "missed":
        title = _("Deadline missed: %(clock)s — case %(number)s") % {"clock": clock.get_code_display(),
                                                                      "number": case.case_number}
    else:
        title = _("Deadline near: %(clock)s — case %(number)s") % {"clock": clock.get_code_display(),
                                                                    "number": case.case_number}
    due = timezone.localtime(clock.due_at).strftime("%H:%M %d/%m/%Y")
    sent = 0
    for user in recipients(clock):
        sent += notify(user, key=f"clock:{clock.pk}:{kind}", title=title, url=url,
                       body=_("Due %(due)s.") % {"due": due})
    return sent


def check_deadlines(now=None) -> dict:
    now = now or timezone.now()
    counts = {"near": 0, "missed": 0}
    clocks = running_clocks().select_related("case", "case__commune", "case__assigned_worker")
    for clock in clocks.filter(due_at__lt=now, missed_notified_at__isnull=True):
        # The claim and the notices commit together: a run that fails halfway leaves the reminder
        # to the next run (notify is idempotent per user and key, so nobody gets it twice).
        with transaction.atomic():
            if CaseClock.objects.filter(pk=clock.pk, missed_notified_at__isnull=True).update(missed_notified_at=now):
                counts["missed"] += _send(clock, "missed")
    for clock in clocks.filter(due_at__gte=now, near_notified_at__isnull=True):
        if warning_time(clock) > now:
            continue
        with transaction.atomic():
            if CaseClock.objects.filter(pk=clock.pk, near_notified_at__isnull=True).update(near_notified_at=now):
                counts["near"] += _send(clock, "near")
    return counts
