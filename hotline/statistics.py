"""Hotline figures for a period, with the definitions of helpline.json "kpis", and the funnel the
national hotline 111 publishes. Computed with aggregate queries over the calls a user may count
(selectors.calls_counted_for): officials get numbers, never narratives."""

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import Level
from cases.models import CaseClock
from hotline.choices import CallbackStatus, ConnectionOutcome, ReportingClass
from hotline.models import Call, Callback

REFERENCE = Path(__file__).resolve().parent / "data" / "helpline.json"
ABANDONED = [ConnectionOutcome.ABANDONED_IN_QUEUE]
OFFERED_EXCLUDES = [ConnectionOutcome.OUT_OF_HOURS]


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (timezone.make_aware(datetime.combine(self.start, time.min), tz),
                timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), tz))


def in_period(qs: QuerySet[Call], period: Period) -> QuerySet[Call]:
    start, end = period.bounds
    return qs.filter(received_at__gte=start, received_at__lt=end)


def ratio(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def kpis(calls: QuerySet[Call]) -> dict:
    """Answer rate = answered / offered; abandonment rate = abandoned in queue / offered (short
    abandons separately); ASA = average wait of answered calls; AHT = average talk time of
    handled calls; counselling share = counselling contacts / contacts; case conversion =
    counselling contacts with a case / counselling contacts."""
    wait = ExpressionWrapper(F("answered_at") - F("received_at"), output_field=DurationField())
    talk = ExpressionWrapper(F("ended_at") - F("answered_at"), output_field=DurationField())
    row = calls.aggregate(
        received=Count("pk"),
        offered=Count("pk", filter=~Q(connection_outcome__in=OFFERED_EXCLUDES)),
        answered=Count("pk", filter=Q(connection_outcome=ConnectionOutcome.ANSWERED)),
        abandoned=Count("pk", filter=Q(connection_outcome__in=ABANDONED)),
        abandoned_short=Count("pk", filter=Q(connection_outcome=ConnectionOutcome.ABANDONED_SHORT)),
        counselling=Count("pk", filter=Q(reporting_class=ReportingClass.COUNSELLING)),
        non_counselling=Count("pk", filter=Q(reporting_class=ReportingClass.NON_COUNSELLING)),
        non_contact=Count("pk", filter=Q(reporting_class=ReportingClass.NON_CONTACT)),
        with_case=Count("pk", filter=Q(reporting_class=ReportingClass.COUNSELLING, case__isnull=False)),
        avg_wait=Avg(wait, filter=Q(answered_at__isnull=False)),
        avg_talk=Avg(talk, filter=Q(answered_at__isnull=False, ended_at__isnull=False)),
    )
    contacts = row["counselling"] + row["non_counselling"]
    row.update({
        "contacts": contacts,
        "answer_rate": ratio(row["answered"], row["offered"]),
        "abandonment_rate": ratio(row["abandoned"], row["offered"]),
        "counselling_share": ratio(row["counselling"], contacts),
        "case_conversion": ratio(row["with_case"], row["counselling"]),
        # A zero average (calls answered at once) is a figure, not "no data".
        "avg_wait_seconds": int(row["avg_wait"].total_seconds()) if row["avg_wait"] is not None else None,
        "avg_talk_seconds": int(row["avg_talk"].total_seconds()) if row["avg_talk"] is not None else None,
    })
    return row


def by_category(calls: QuerySet[Call]) -> list[dict]:
    """Counselling contacts per top-level CHI category (a call may have several; a top-level
    category chosen itself counts under its own code)."""
    return list(
        calls.filter(reporting_class=ReportingClass.COUNSELLING, categories__isnull=False)
        .values(code=Coalesce(F("categories__parent__code"), F("categories__code")))
        .annotate(calls=Count("pk", distinct=True)).order_by("-calls", "code")
    )


def by_counsellor(calls: QuerySet[Call]) -> list[dict]:
    return list(calls.values("counsellor__username", "counsellor__first_name", "counsellor__last_name")
                .annotate(calls=Count("pk"),
                          counselling=Count("pk", filter=Q(reporting_class=ReportingClass.COUNSELLING)))
                .order_by("-calls"))


def emergencies(calls: QuerySet[Call]) -> dict:
    """Emergency cases opened from calls, and whether protection came within 12 hours
    (Decree 56/2017 art. 26(3))."""
    clocks = CaseClock.objects.filter(case__calls__in=calls, code="EMERGENCY_12H").distinct()
    met = clocks.filter(met_at__isnull=False, met_at__lte=F("due_at")).count()
    total = clocks.count()
    return {"emergency_cases": total, "met_12h": met, "met_12h_rate": ratio(met, total)}


def callbacks(calls: QuerySet[Call], now=None) -> dict:
    now = now or timezone.now()
    qs = Callback.objects.filter(call__in=calls)
    return {"due": qs.filter(status=CallbackStatus.SCHEDULED, due_at__lte=now).count(),
            "done": qs.filter(status=CallbackStatus.DONE).count(),
            "scheduled": qs.filter(status=CallbackStatus.SCHEDULED).count()}


def funnel_111(calls: QuerySet[Call]) -> list[tuple]:
    """The funnel 111 publishes: calls received → counselled (information and in-depth) →
    in-depth counselling → case files opened → support and intervention cases."""
    from cases.models import Case

    received = calls.count()
    counselled = calls.filter(reporting_class__in=[ReportingClass.COUNSELLING,
                                                   ReportingClass.NON_COUNSELLING]).count()
    in_depth = calls.filter(reporting_class=ReportingClass.COUNSELLING).count()
    cases = Case.objects.filter(calls__in=calls).distinct()
    return [
        ("received", _("Calls received"), received),
        ("counselled", _("Calls counselled (information and in-depth)"), counselled),
        ("in_depth", _("In-depth counselling"), in_depth),
        ("case_files", _("Case files opened"), cases.count()),
        ("support_intervention", _("Support and intervention cases"),
         cases.filter(level__in=[Level.EARLY_SUPPORT, Level.INTERVENTION]).count()),
    ]


def cases_by_abuse_type(calls: QuerySet[Call]) -> list[dict]:
    """Support and intervention cases opened from the calls, per abuse type (a case may have
    several; one without any counts under an empty code)."""
    from cases.models import Case

    cases = Case.objects.filter(calls__in=calls, level__in=[Level.EARLY_SUPPORT, Level.INTERVENTION]).distinct()
    return list(
        Case.objects.filter(pk__in=cases.values("pk"))
        .values(code=Coalesce(F("abuse_types__code"), Value("")))
        .annotate(cases=Count("pk", distinct=True)).order_by("-cases", "code")
    )


@cache
def kpi_definitions() -> dict[str, str]:
    """The KPI definitions of helpline.json, by code, shown next to each figure."""
    data = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return {item["code"]: item["def"] for item in data["kpis"]}
