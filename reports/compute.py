"""Compute every indicator for one period and one province from the source tables.

Each indicator function returns Cells: (commune id or None for the province total, dimension,
dimension value, numerator, denominator). Province totals are computed directly (distinct
children, not summed from communes), so a rate or a distinct count is right at both levels;
for additive counts the communes add up to the province, which a test checks.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from beneficiaries.models import Child, ChildCircumstance, SensitiveInfo, years_before
from cases.choices import ClockCode, Level
from cases.models import Case, CaseClock, ServiceDelivery
from hotline.choices import ReportingClass
from hotline.models import Call
from referrals.choices import ReferralStatus
from referrals.models import Referral
from reports.models import ChildFriendlyAssessment, CommunicationEvent, FundRecord
from reports.periods import Period

ABUSE_GROUPS = ["SERIOUSLY_HARMED_BY_VIOLENCE", "SEXUALLY_ABUSED", "EXPLOITED", "TRAFFICKED"]
AGE_GROUPS = [("0-5", 0, 5), ("6-10", 6, 10), ("11-15", 11, 15)]


@dataclass(frozen=True)
class Cell:
    commune_id: int | None
    dimension: str
    dimension_value: str
    numerator: Decimal
    denominator: Decimal | None = None


def _d(value) -> Decimal:
    return Decimal(value or 0)


def grouped_counts(qs: QuerySet, commune_path: str, *, dims: dict[str, str] | None = None,
                   distinct: str = "pk") -> list[Cell]:
    """Distinct counts per commune and for the province, in total and per dimension."""
    cells = []
    measure = Count(distinct, distinct=True)
    # No ordering: a model's default ordering (Case: -received_at) would join the GROUP BY of a
    # DISTINCT query and split one commune's count into one row per date.
    qs = qs.order_by()
    for dimension, path in [("", None), *(dims or {}).items()]:
        keys = [path] if path else []
        for row in qs.values(*keys, cell_commune=F(commune_path)).annotate(n=measure):
            # A row without a commune (a call about a child whose commune is unknown) counts for
            # the province only: as a commune cell it would collide with the province's own cell.
            if row["cell_commune"] is None:
                continue
            cells.append(Cell(row["cell_commune"], dimension, _dimension_value(row, path), _d(row["n"])))
        for row in qs.values(*keys).annotate(n=measure) if keys else [qs.aggregate(n=measure)]:
            cells.append(Cell(None, dimension, _dimension_value(row, path), _d(row["n"])))
    return [c for c in cells if c.numerator or c.dimension == ""]


def _dimension_value(row: dict, path: str | None) -> str:
    """The cell's value of the dimension; "" when none was recorded (a case without an abuse type
    is in the "" cell of abuse_type, never in a cell called "None")."""
    if not path or row[path] is None:
        return ""
    return str(row[path])


def rate_cells(numerators: list[Cell], denominators: list[Cell]) -> list[Cell]:
    """Pair numerator and denominator cells by (commune, dimension, value)."""
    top = {(c.commune_id, c.dimension, c.dimension_value): c.numerator for c in numerators}
    return [Cell(c.commune_id, c.dimension, c.dimension_value, top.get((c.commune_id, c.dimension,
                                                                          c.dimension_value), Decimal(0)),
                 c.numerator) for c in denominators]


def age_group_case(dob_path: str, on):
    """The age group on a day (0-5, 6-10, 11-15), as a SQL CASE on the date of birth."""
    from django.db.models import Case as SqlCase
    from django.db.models import Value, When

    whens = [When(**{f"{dob_path}__gt": years_before(on, high + 1), f"{dob_path}__lte": years_before(on, low)},
                  then=Value(label)) for label, low, high in AGE_GROUPS]
    return SqlCase(*whens, default=Value("16+"))


# --- Sources, scoped to the province -------------------------------------------------------------


def children(province_id: int, period: Period) -> QuerySet[Child]:
    """Children registered by the end of the period, active, under 16 on its last day."""
    end = period.end
    return Child.objects.filter(commune__province_id=province_id, is_active=True, merged_into__isnull=True,
                                created_at__lt=period.bounds[1], date_of_birth__gt=years_before(end, 16))


def in_groups(province_id: int, period: Period) -> QuerySet[ChildCircumstance]:
    return ChildCircumstance.objects.filter(child__in=children(province_id, period), started_on__lte=period.end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=period.start))


def cases_received(province_id: int, period: Period) -> QuerySet[Case]:
    start, end = period.bounds
    return Case.objects.filter(commune__province_id=province_id, received_at__gte=start, received_at__lt=end)


def abused_identified(province_id: int, period: Period) -> QuerySet[Child]:
    """Children identified as abused in the period: an abuse group recorded, or an 'abused' case."""
    start, end = period.bounds
    by_group = ChildCircumstance.objects.filter(group__code__in=ABUSE_GROUPS, started_on__gte=period.start,
                                                started_on__lte=period.end).values("child_id")
    by_case = Case.objects.filter(category="ABUSED", received_at__gte=start, received_at__lt=end).values("child_id")
    return Child.objects.filter(commune__province_id=province_id, merged_into__isnull=True).filter(
        Q(pk__in=by_group) | Q(pk__in=by_case))


def calls(province_id: int, period: Period) -> QuerySet[Call]:
    """The province's own lines, and national-line calls about its children."""
    start, end = period.bounds
    return Call.objects.filter(received_at__gte=start, received_at__lt=end).filter(
        Q(hotline__province_id=province_id) | Q(hotline__province__isnull=True,
                                                child_commune__province_id=province_id))


def referrals(province_id: int, period: Period) -> QuerySet[Referral]:
    start, end = period.bounds
    return Referral.objects.filter(child__commune__province_id=province_id, sent_at__gte=start, sent_at__lt=end)


# --- Indicators ----------------------------------------------------------------------------------


def children_under_16(p, period):
    qs = children(p, period).annotate(age_group=age_group_case("date_of_birth", period.end))
    return grouped_counts(qs, "commune_id", dims={"sex": "sex", "age_group": "age_group"})


def csc_total(p, period):
    qs = in_groups(p, period)
    return grouped_counts(qs, "child__commune_id", dims={"group": "group__code"}, distinct="child_id")


def supported_children(p, period) -> QuerySet[Child]:
    start, end = period.bounds
    served = ServiceDelivery.objects.filter(delivered_on__gte=period.start, delivered_on__lte=period.end).values(
        "case__child_id")
    # Completed in the period, even if the sender has closed the loop since (COMPLETED -> CLOSED).
    completed = Referral.objects.filter(status__in=[ReferralStatus.COMPLETED, ReferralStatus.CLOSED],
                                        completed_at__gte=start, completed_at__lt=end).values("child_id")
    return Child.objects.filter(Q(pk__in=served) | Q(pk__in=completed))


def csc_supported_rate(p, period):
    csc = in_groups(p, period)
    supported = csc.filter(child__in=supported_children(p, period))
    return rate_cells(grouped_counts(supported, "child__commune_id", distinct="child_id"),
                      grouped_counts(csc, "child__commune_id", distinct="child_id"))


def children_disability(p, period):
    return grouped_counts(children(p, period).exclude(disability_type=""), "commune_id",
                          dims={"severity": "disability_severity"})


def children_poor(p, period):
    return grouped_counts(children(p, period).filter(poverty_status__in=["poor", "near_poor"]), "commune_id",
                          dims={"poverty": "poverty_status"})


def children_hiv(p, period):
    # HIV status is encrypted at rest and cannot be filtered in SQL: read the few sensitive rows
    # of the province's children and decide in Python.
    sensitive = SensitiveInfo.objects.filter(child__in=children(p, period))
    with_hiv = [row.child_id for row in sensitive.only("child_id", "hiv_status")
                if row.hiv_status in ("positive", "affected")]
    return grouped_counts(children(p, period).filter(pk__in=with_hiv), "commune_id")


def abused_children(p, period):
    qs = cases_received(p, period).filter(category="ABUSED").annotate(
        age_group=age_group_case("child__date_of_birth", period.end))
    return grouped_counts(qs, "commune_id", distinct="child_id", dims={
        "abuse_type": "abuse_types__code", "sex": "child__sex", "age_group": "age_group", "setting": "abuse_setting"})


def abused_with_case_file_rate(p, period):
    identified = abused_identified(p, period)
    with_file = identified.filter(cases__level__in=[Level.EARLY_SUPPORT, Level.INTERVENTION])
    return rate_cells(grouped_counts(with_file, "commune_id"), grouped_counts(identified, "commune_id"))


def abused_change_yoy(p, period):
    now = {(c.commune_id, c.dimension): c.numerator for c in abused_children(p, period) if c.dimension == ""}
    before = {(c.commune_id, c.dimension): c.numerator
              for c in abused_children(p, period.same_last_year()) if c.dimension == ""}
    cells = []
    for key in set(now) | set(before):
        # Stored as (this − last) over last: the value is the relative change.
        cells.append(Cell(key[0], "", "", now.get(key, Decimal(0)) - before.get(key, Decimal(0)),
                          before.get(key, Decimal(0))))
    return cells


def cases_opened(p, period):
    return grouped_counts(cases_received(p, period), "commune_id", dims={"level": "level"})


def cases_active(p, period):
    end = period.bounds[1]
    qs = Case.objects.filter(commune__province_id=p, received_at__lt=end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=end))
    return grouped_counts(qs, "commune_id", dims={"level": "level"})


def cases_closed(p, period):
    start, end = period.bounds
    qs = Case.objects.filter(commune__province_id=p, closed_at__gte=start, closed_at__lt=end)
    return grouped_counts(qs, "commune_id", dims={"reason": "closure_reason"})


def emergency_cases(p, period):
    return grouped_counts(cases_received(p, period).filter(is_emergency=True), "commune_id")


def emergency_12h_rate(p, period):
    emergencies = cases_received(p, period).filter(is_emergency=True)
    met = emergencies.filter(pk__in=CaseClock.objects.filter(
        code=ClockCode.EMERGENCY_12H, met_at__isnull=False, met_at__lte=F("due_at")).values("case_id"))
    return rate_cells(grouped_counts(met, "commune_id"), grouped_counts(emergencies, "commune_id"))


def plan_on_time_rate(p, period):
    start, end = period.bounds
    approved = Case.objects.filter(commune__province_id=p, approvals__kind="PLAN", approvals__approved=True,
                                   approvals__decided_at__gte=start, approvals__decided_at__lt=end).distinct()
    # A running clock is late once its due time has passed: by the period's end, or by now for the
    # current period (a clock due next week is not late today).
    late_by = min(end, timezone.now())
    late = CaseClock.objects.filter(code__in=[ClockCode.PLAN_DRAFT_5WD, ClockCode.PLAN_APPROVAL_2WD]).filter(
        Q(met_at__gt=F("due_at")) | Q(met_at__isnull=True, cancelled_at__isnull=True, due_at__lt=late_by))
    on_time = approved.exclude(pk__in=late.values("case_id"))
    return rate_cells(grouped_counts(on_time, "commune_id"), grouped_counts(approved, "commune_id"))


def hotline_calls(p, period):
    return grouped_counts(calls(p, period), "child_commune_id", dims={
        "class": "reporting_class", "contact_type": "contact_type", "hotline": "hotline__code"})


def hotline_topics(p, period):
    qs = calls(p, period).filter(reporting_class=ReportingClass.COUNSELLING, categories__isnull=False)
    return grouped_counts(qs, "child_commune_id", dims={"topic": "categories__parent__code"})


def hotline_cases(p, period):
    return grouped_counts(calls(p, period).filter(case__isnull=False), "child_commune_id")


def referrals_made(p, period):
    return grouped_counts(referrals(p, period), "child__commune_id", dims={
        "service_type": "service_type__code", "status": "status"})


def referral_completion_rate(p, period):
    sent = referrals(p, period).exclude(status=ReferralStatus.REVOKED)
    done = sent.filter(status__in=[ReferralStatus.COMPLETED, ReferralStatus.CLOSED], completed_at__isnull=False)
    return rate_cells(grouped_counts(done, "child__commune_id"), grouped_counts(sent, "child__commune_id"))


def services_delivered(p, period):
    qs = ServiceDelivery.objects.filter(case__commune__province_id=p, delivered_on__gte=period.start,
                                        delivered_on__lte=period.end)
    return grouped_counts(qs, "case__commune_id", dims={"service_type": "service_type__code"})


def child_friendly_rate(p, period):
    from geography.models import Commune

    communes = Commune.objects.current().filter(province_id=p)
    assessed = ChildFriendlyAssessment.objects.filter(commune__in=communes, year=period.end.year)
    # Every assessed commune has its cell: 1/1 recognised, 0/1 assessed and not recognised.
    cells = [Cell(commune_id, "", "", Decimal(1 if recognised else 0), Decimal(1))
             for commune_id, recognised in assessed.values_list("commune_id", "recognised")]
    cells.append(Cell(None, "", "", _d(assessed.filter(recognised=True).count()), _d(communes.count())))
    return cells


def fund_raised(p, period):
    qs = FundRecord.objects.filter(commune__province_id=p, recorded_on__gte=period.start, recorded_on__lte=period.end)
    cells = []
    for row in qs.values("commune_id").annotate(amount=Sum("amount_vnd"), helped=Sum("children_helped")):
        cells += [Cell(row["commune_id"], "", "", _d(row["amount"])),
                  Cell(row["commune_id"], "measure", "children_helped", _d(row["helped"]))]
    total = qs.aggregate(amount=Sum("amount_vnd"), helped=Sum("children_helped"))
    return cells + [Cell(None, "", "", _d(total["amount"])),
                    Cell(None, "measure", "children_helped", _d(total["helped"]))]


def communication_events(p, period):
    qs = CommunicationEvent.objects.filter(commune__province_id=p, held_on__gte=period.start,
                                           held_on__lte=period.end)
    cells = grouped_counts(qs, "commune_id", dims={"kind": "kind"})
    for row in qs.values("commune_id").annotate(people=Sum("people_reached")):
        cells.append(Cell(row["commune_id"], "measure", "people_reached", _d(row["people"])))
    cells.append(Cell(None, "measure", "people_reached", _d(qs.aggregate(n=Sum("people_reached"))["n"])))
    return cells


COMPUTE: dict[str, Callable[[int, Period], Iterable[Cell]]] = {
    "CHILDREN_UNDER_16": children_under_16,
    "CSC_TOTAL": csc_total,
    "CSC_SUPPORTED_RATE": csc_supported_rate,
    "CHILDREN_DISABILITY": children_disability,
    "CHILDREN_POOR_HOUSEHOLD": children_poor,
    "CHILDREN_HIV": children_hiv,
    "ABUSED_CHILDREN": abused_children,
    "ABUSED_WITH_CASE_FILE_RATE": abused_with_case_file_rate,
    "ABUSED_CHANGE_YOY": abused_change_yoy,
    "CASES_OPENED": cases_opened,
    "CASES_ACTIVE": cases_active,
    "CASES_CLOSED": cases_closed,
    "EMERGENCY_CASES": emergency_cases,
    "EMERGENCY_12H_MET_RATE": emergency_12h_rate,
    "PLAN_ON_TIME_RATE": plan_on_time_rate,
    "HOTLINE_CALLS": hotline_calls,
    "HOTLINE_COUNSELLING_BY_TOPIC": hotline_topics,
    "HOTLINE_CASES_OPENED": hotline_cases,
    "REFERRALS": referrals_made,
    "REFERRAL_COMPLETION_RATE": referral_completion_rate,
    "SERVICES_DELIVERED": services_delivered,
    "CHILD_FRIENDLY_COMMUNES_RATE": child_friendly_rate,
    "FUND_RAISED": fund_raised,
    "COMMUNICATION_EVENTS": communication_events,
}
