"""Reads of the registry. Every page, search, export and API starts from `children_visible_to`."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from django.apps import apps
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.roles import Role
from accounts.scoping import NOTHING, area_q
from beneficiaries.models import (
    Caregiver,
    Child,
    ChildCircumstance,
    ChildMerge,
    CircumstanceGroup,
    DuplicateSuspect,
)
from beneficiaries.permissions import can_view_sensitive_in_lists
from core.text import fold
from core.validators import normalise_phone

REGISTRY_NUMBER = re.compile(r"^\d{2}-\d{4}-\d{4,}$")
PHONE = re.compile(r"^0\d{8,10}$")


def children_visible_to(user) -> QuerySet[Child]:
    """Children in the user's area scope. Partner agencies see only children referred to them
    (the referrals issue adds that); until then, none."""
    qs = Child.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.role == Role.PARTNER:
        return qs.filter(NOTHING)
    return qs.filter(area_q(user, "commune"))


def list_queryset(qs: QuerySet[Child]) -> QuerySet[Child]:
    """What a list row shows, joined in one query (no sensitive table is touched)."""
    return qs.select_related("commune", "commune__province", "village").only(
        "public_id", "registry_number", "full_name", "sex", "date_of_birth", "birth_date_estimated",
        "is_active", "merged_into", "poverty_status", "disability_type", "commune__name", "commune__code",
        "commune__province__name", "village__name",
    )


def groups_for(user) -> QuerySet[CircumstanceGroup]:
    """Groups the user may see and filter by: sensitive ones only for those allowed."""
    qs = CircumstanceGroup.objects.all()
    return qs if can_view_sensitive_in_lists(user) else qs.filter(is_sensitive=False)


def groups_to_record(*, can_see_sensitive: bool) -> QuerySet[CircumstanceGroup]:
    """Groups a user may record for a child: sensitive ones for those who see the child's sensitive
    data (supervisors and the key worker), although lists offer them as filters to supervisors only."""
    qs = CircumstanceGroup.objects.all()
    return qs if can_see_sensitive else qs.filter(is_sensitive=False)


def current_circumstances(child: Child, user, *, can_see_sensitive: bool):
    # What the child's page shows of each entry: the group (letter and name), the sub-group, the
    # dates and who recorded it. Every further column of three joined tables was compiled and read
    # on every view of the page (issue 9).
    # "child": the related manager sets each row's child from its child_id, which, deferred, was
    # one more query per row.
    qs = child.circumstances.select_related("group", "subgroup", "recorded_by").only(
        "child", "started_on", "ended_on", "group__letter", "group__name_vi", "group__name_en", "subgroup__name_vi",
        "subgroup__name_en", "recorded_by__username", "recorded_by__first_name", "recorded_by__last_name")
    return qs if can_see_sensitive else qs.filter(group__is_sensitive=False)


# The panels of a child's page that read rows of their own, and where: (app.Model, the condition
# on a row `hint` of its table, the child's row being "beneficiaries_child"). Most children have no
# case, referral, consent, special circumstance or merge; asked as EXISTS columns of the child's own
# query (0.05 ms in PostgreSQL), a panel with nothing to show is not built, compiled and sent as a
# query of its own (0.5-1 ms of Python each, most of a child's page once its SQL was fast: issue 9).
# A hint is about the whole table, not the reader's scope: where it says yes the panel still runs
# its own scoped query, so it can only save a query, never show a row the reader may not see.
PANEL_HINTS = {
    "cases": ("cases.Case", 'hint."child_id" = "beneficiaries_child"."id"'),
    "referrals": ("referrals.Referral", 'hint."child_id" = "beneficiaries_child"."id"'),
    "circumstances": ("beneficiaries.ChildCircumstance", 'hint."child_id" = "beneficiaries_child"."id"'),
    "consents": ("beneficiaries.Consent", 'hint."child_id" = "beneficiaries_child"."id"'),
    "caregivers": ("beneficiaries.Caregiver",
                   'hint."household_id" = "beneficiaries_child"."household_id" AND hint."is_active"'),
    "siblings": ("beneficiaries.Child", 'hint."household_id" = "beneficiaries_child"."household_id" '
                                        'AND hint."id" <> "beneficiaries_child"."id"'),
    "merges": ("beneficiaries.ChildMerge", 'hint."survivor_id" = "beneficiaries_child"."id"'),
}


@cache
def _panel_hint_sql() -> dict[str, str]:
    # Table names from the models, conditions from the constants above: nothing from a request.
    return {panel: f'EXISTS (SELECT 1 FROM "{apps.get_model(model)._meta.db_table}" hint WHERE {condition})'  # noqa: S608
            for panel, (model, condition) in PANEL_HINTS.items()}


def with_panel_hints(qs: QuerySet[Child]) -> QuerySet[Child]:
    """The child's query with a `has_<panel>` column per panel of PANEL_HINTS. Raw SQL: the ORM's
    Exists took longer to build and compile than the query it saves."""
    return qs.annotate(**{f"has_{panel}": RawSQL(sql, (), output_field=BooleanField())  # noqa: S611
                          for panel, sql in _panel_hint_sql().items()})


def panel_has_rows(child: Child, panel: str) -> bool:
    """False only when the child was read with_panel_hints() and the panel's table has no row for it."""
    return getattr(child, f"has_{panel}", True)


def consents_of(child: Child):
    """The child's consents as their panel lists them ("child": see current_circumstances)."""
    return child.consents.select_related("agency").only(
        "child", "purpose", "agency__name", "given_by_name", "child_agreed", "given_on", "withdrawn_on")


def merges_into(child: Child):
    """The merges this record survived, newest first (the panel can undo them)."""
    return ChildMerge.objects.filter(survivor=child).select_related("merged").only(
        "created_at", "reason", "reversed_at", "merged__registry_number")


def withheld_circumstance_count(child: Child) -> int:
    return child.circumstances.filter(group__is_sensitive=True).count()


def in_group_now(group_code: str) -> Exists:
    today = timezone.localdate()
    return Exists(ChildCircumstance.objects.filter(
        child=OuterRef("pk"), group__code=group_code, started_on__lte=today,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today)))


def resolve_registry_number(qs: QuerySet[Child], number: str) -> Child | None:
    """The child with this registry number, following merges to the surviving record."""
    child = qs.filter(registry_number=number).first()
    seen = set()
    while child is not None and child.merged_into_id and child.pk not in seen:
        seen.add(child.pk)
        child = qs.filter(pk=child.merged_into_id).first()
    return child


def search_children(qs: QuerySet[Child], text: str) -> QuerySet[Child]:
    """One box: registry number, 12-digit ID, a caregiver's phone, or a name in any order,
    ignoring case and diacritics; best name matches first."""
    text = (text or "").strip()
    if not text:
        return qs
    compact = re.sub(r"[\s.]", "", text)
    if REGISTRY_NUMBER.match(text):
        child = resolve_registry_number(qs, text)
        return qs.filter(pk=child.pk).order_by("pk") if child else qs.none()
    if re.fullmatch(r"\d{12}", compact):
        return qs.filter(personal_id=compact).order_by("pk")
    phone = normalise_phone(text)
    if PHONE.match(phone):
        with_phone = Caregiver.objects.filter(phone=phone, is_active=True).values("household_id")
        # A caregiver recorded only on a record merged since still finds the surviving child.
        found = Q(household_id__in=with_phone) | Q(merged_records__household_id__in=with_phone)
        return qs.filter(found).distinct().order_by("name_folded", "pk")
    folded = fold(text)
    words = folded.split()
    if not words:
        return qs.none()
    for word in words:
        qs = qs.filter(name_folded__contains=word)
    return qs.annotate(rank=TrigramSimilarity("name_folded", Value(folded))).order_by("-rank", "name_folded", "pk")


@dataclass
class DuplicateCandidate:
    child: Child
    score: float
    reasons: list[str] = field(default_factory=list)


NAME_SIMILARITY_FLOOR = 0.45
DUPLICATE_SCORE_FLOOR = 0.6


def likely_duplicates(
    qs: QuerySet[Child], *, full_name: str, date_of_birth: date | None, commune_id: int | None,
    phones: list[str] = (), exclude_pk: int | None = None, limit: int = 5,
) -> list[DuplicateCandidate]:
    """Records that may be the same child: a similar name with the same or a close date of birth
    or the same commune, or a caregiver with the same phone. Scored 0..1, best first."""
    folded = fold(full_name)
    phones = [normalise_phone(p) for p in phones if p]
    same_phone = Exists(Caregiver.objects.filter(household=OuterRef("household"), phone__in=phones or ["-"]))
    candidates = qs.active().annotate(similarity=TrigramSimilarity("name_folded", Value(folded)),
                                      same_phone=same_phone)
    near = Q(similarity__gte=NAME_SIMILARITY_FLOOR)
    if phones:
        near |= Q(same_phone=True)
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    candidates = candidates.filter(near).select_related("commune").order_by("-similarity")[:50]
    found = []
    for child in candidates:
        score, reasons = 0.0, []
        if child.similarity >= NAME_SIMILARITY_FLOOR:
            score += 0.5 * child.similarity
            reasons.append("similar_name" if child.similarity < 0.99 else "same_name")
        if date_of_birth:
            gap = abs((child.date_of_birth - date_of_birth).days)
            if gap == 0:
                score += 0.3
                reasons.append("same_birth_date")
            elif gap <= 366:
                score += 0.15
                reasons.append("close_birth_date")
        if commune_id and child.commune_id == commune_id:
            score += 0.15
            reasons.append("same_commune")
        if child.same_phone:
            score += 0.35
            reasons.append("same_caregiver_phone")
        if score >= DUPLICATE_SCORE_FLOOR:
            found.append(DuplicateCandidate(child, round(min(score, 1.0), 2), reasons))
    found.sort(key=lambda c: -c.score)
    return found[:limit]


def duplicate_queue(user) -> QuerySet[DuplicateSuspect]:
    visible = children_visible_to(user)
    return (
        DuplicateSuspect.objects.filter(status="open", child__in=visible, other__in=visible)
        .select_related("child", "other", "child__commune", "other__commune")
    )


def siblings_of(child: Child, visible: QuerySet[Child]) -> QuerySet[Child]:
    """The child's brothers and sisters the reader may open (`visible`: children_visible_to): a
    sibling registered in another area is not named on the page, as it is in no list of theirs."""
    if not child.household_id:
        return Child.objects.none()
    # By the household's id: the child's page does not load the household row itself.
    return visible.filter(household_id=child.household_id).active().exclude(pk=child.pk).only(
        "public_id", "full_name", "date_of_birth", "registry_number", "sex", "birth_date_estimated",
    )


def age_band_q(band: str, today: date | None = None) -> Q:
    """Age bands used by filters and statistics: 0-5, 6-10, 11-15, 16+ (aged out)."""
    today = today or timezone.localdate()
    bands = {"0-5": (0, 5), "6-10": (6, 10), "11-15": (11, 15), "16+": (16, 200)}
    if band not in bands:
        return Q()
    low, high = bands[band]
    from beneficiaries.models import years_before

    youngest_dob = years_before(today, low)  # born on or before this date -> at least `low`
    oldest_dob = years_before(today, high + 1) + timedelta(days=1)
    return Q(date_of_birth__lte=youngest_dob, date_of_birth__gte=oldest_dob)
