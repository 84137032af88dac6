"""Reads of cases. Every page, API, export and dashboard starts from `cases_visible_to`."""

from datetime import datetime

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, F, OuterRef, Q, QuerySet
from django.db.models.functions import JSONObject
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.scoping import NOTHING, area_q
from cases.choices import OPEN_STATUSES
from cases.models import Approval, Case, CaseClock, CaseDocument
from core.columns import not_shown


def cases_visible_to(user) -> QuerySet[Case]:
    """The assigned worker; supervisors and officials of the case's area; a hotline counsellor
    sees the cases they opened. Partner agencies see referrals, never cases."""
    qs = Case.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.role == Role.SOCIAL_WORKER:
        return qs.filter(assigned_worker=user)
    if user.role == Role.HOTLINE_COUNSELLOR:
        return qs.filter(opened_by=user)
    if user.role in (Role.SUPERVISOR, Role.PROVINCIAL_OFFICIAL, Role.NATIONAL_OFFICIAL, Role.ADMIN):
        return qs.filter(area_q(user, "commune"))
    return qs.filter(NOTHING)


def running_clocks() -> QuerySet[CaseClock]:
    return CaseClock.objects.filter(met_at__isnull=True, cancelled_at__isnull=True)


def with_next_due(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate the next running deadline, for 'what is due first' ordering. Read from
    Case.next_due_at, which database triggers keep equal to the earliest running clock: the
    MIN-over-a-join this replaced made PostgreSQL aggregate every case in scope before it could
    sort and take a page (1.5 s at 100,000 cases)."""
    return qs.annotate(next_due=F("next_due_at"))


def overdue_q(now=None) -> Q:
    """A running clock is past due, i.e. the earliest one is."""
    return Q(next_due_at__isnull=False, next_due_at__lt=now or timezone.now())


# "Overdue first, then the next deadline" is the next deadline ascending with cases without a
# running clock last: an overdue case's earliest deadline is before now, every other is after.
DUE_FIRST = F("next_due_at").asc(nulls_last=True)


# What a case row shows of its child and its worker. The rest of those rows (a child's ID number,
# address and notes; a worker's password hash) is not read for a list: fewer columns and objects
# per page (issue 9), and a list holds nothing it does not show.
CHILD_IN_ROW = {"id", "public_id", "registry_number", "full_name"}
WORKER_IN_ROW = {"id", "username", "first_name", "last_name"}
# Nor the case's own long texts (the summary is encrypted: decrypted for every row of a page) or
# its commune's validity and lineage.
CASE_NOT_IN_ROW = ["summary", "outcome", "closure_reason", "opened_by"]
COMMUNE_IN_ROW = {"id", "code", "name", "province"}


def _people_in_row() -> list[str]:
    return [*not_shown(Case, CHILD_IN_ROW, "child"), *not_shown(Case, WORKER_IN_ROW, "assigned_worker")]


def list_queryset(qs: QuerySet[Case]) -> QuerySet[Case]:
    return with_next_due(qs.select_related("child", "commune", "assigned_worker").defer(
        *_people_in_row(), *CASE_NOT_IN_ROW, *not_shown(Case, COMMUNE_IN_ROW, "commune"),
    )).annotate(is_overdue=overdue_q())


def list_rows(qs: QuerySet[Case]) -> QuerySet[Case]:
    """list_queryset() without the child and the worker as objects: a caller that shows them
    annotates the columns it needs (cases.api.views.ROW_COLUMNS)."""
    return with_next_due(qs.select_related("commune").defer(
        *CASE_NOT_IN_ROW, *not_shown(Case, COMMUNE_IN_ROW, "commune"))).annotate(is_overdue=overdue_q())


LIVE_CLOCK_FIELDS = ("code", "started_at", "due_at", "met_at")


def live_clocks_column() -> ArraySubquery:
    """A case's clocks that are not cancelled, in due order, as one column of the case's row (each
    clock's code and times): a prefetch was one more query and its machinery, about a tenth of the
    case API's time (issue 9). clocks_of() turns the column back into clocks."""
    clocks = CaseClock.objects.filter(case=OuterRef("pk"), cancelled_at__isnull=True).order_by("due_at", "pk")
    return ArraySubquery(clocks.values(row=JSONObject(**{name: name for name in LIVE_CLOCK_FIELDS})))


def clocks_of(rows: list[dict]) -> list[CaseClock]:
    """The clocks of live_clocks_column(), unsaved: PostgreSQL writes their times in ISO 8601 with
    the connection's offset (UTC)."""
    def when(text):
        return None if text is None else datetime.fromisoformat(text)

    return [CaseClock(code=row["code"], started_at=when(row["started_at"]), due_at=when(row["due_at"]),
                      met_at=when(row["met_at"])) for row in rows]


def with_case_in_full(qs: QuerySet[Case]) -> QuerySet[Case]:
    """A list queryset made to show one case: all of the case and its commune (still only the
    child's and the worker's names)."""
    return qs.defer(None).defer(*_people_in_row())


def child_cases(user, child) -> list[Case]:
    """A child's cases the user may see, as rows of the child's page: the child is the page's own
    (not joined again) and a row there names no worker."""
    cases = list(with_next_due(cases_visible_to(user).filter(child=child).select_related("commune").only(
        "public_id", "case_number", "child", "level", "status", "is_emergency", "received_at", "next_due_at",
        "commune__name")).annotate(is_overdue=overdue_q()).order_by("-received_at"))
    for case in cases:
        case.child = child
    return cases


def my_work(user) -> QuerySet[Case]:
    """A worker's open cases, what is due first at the top."""
    qs = list_queryset(cases_visible_to(user).filter(assigned_worker=user, status__in=OPEN_STATUSES))
    return qs.order_by(DUE_FIRST, "-received_at", "-pk")


def team_cases(user) -> QuerySet[Case]:
    return list_queryset(cases_visible_to(user).filter(status__in=OPEN_STATUSES)).order_by(
        DUE_FIRST, "-received_at", "-pk")


def caseload_counts(user) -> QuerySet:
    """Open and overdue cases per worker id of the user's scope, the busiest first.

    Counted by worker id alone, so PostgreSQL answers from the partial index of open cases
    (case_open_caseload_idx) without reading the case rows (commune is never null: counting it
    counts the cases from the index). Grouping by the workers' joined names read every open case
    of the province (130 ms at 100,000 cases, issue 9)."""
    return (cases_visible_to(user).filter(status__in=OPEN_STATUSES).values("assigned_worker_id")
            .annotate(open_cases=Count("commune"), overdue=Count("commune", filter=overdue_q()))
            .order_by("-open_cases", "assigned_worker_id"))


def caseload(user) -> list[dict]:
    """The supervisor's caseload per worker: caseload_counts with each worker's name."""
    rows = list(caseload_counts(user))
    names = {pk: f"{last} {first}".strip() or username for pk, first, last, username in User.objects.filter(
        pk__in=[r["assigned_worker_id"] for r in rows if r["assigned_worker_id"]]).values_list(
        "pk", "first_name", "last_name", "username")}
    for row in rows:
        row["worker_name"] = names.get(row["assigned_worker_id"], "")
    return rows


def pending_approvals(user) -> QuerySet[Approval]:
    return (Approval.objects.filter(case__in=cases_visible_to(user), decided_at__isnull=True)
            .exclude(requested_by=user).select_related("case", "case__child", "requested_by"))


def overdue_clocks(user) -> QuerySet[CaseClock]:
    # Only what the supervisor's list shows: the case's number and link, the clock, the worker's name.
    return (running_clocks().filter(case__in=cases_visible_to(user), due_at__lt=timezone.now())
            .select_related("case", "case__assigned_worker").order_by("due_at")
            .only("code", "due_at", "met_at", "cancelled_at", "case__public_id", "case__case_number",
                  *(f"case__assigned_worker__{f}" for f in WORKER_IN_ROW)))


def latest_document(case: Case, kind: str) -> CaseDocument | None:
    return case.documents.filter(kind=kind).order_by("-created_at", "-pk").first()


def latest_documents(case: Case) -> dict[str, CaseDocument]:
    latest = {}
    for document in case.documents.order_by("kind", "-created_at", "-pk").select_related("author"):
        latest.setdefault(document.kind, document)
    return latest
