"""Writes to the registry, each in one transaction. Views, the API and the importer call these."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import ForeignKey, OneToOneField
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.choices import DeactivationReason
from beneficiaries.models import (
    CHILD_CONSENT_AGE,
    Caregiver,
    Child,
    ChildCircumstance,
    ChildMerge,
    Consent,
    DuplicateStatus,
    DuplicateSuspect,
    Household,
    SensitiveInfo,
)
from core.sequences import next_in_sequence
from core.validators import normalise_phone

# Fields a worker edits on the child record (the form and the API share this list).
EDITABLE_FIELDS = [
    "full_name", "sex", "date_of_birth", "birth_date_estimated", "ethnicity", "personal_id", "birth_registration",
    "commune", "village", "address", "schooling", "school_name", "health_insurance_number", "poverty_status",
    "disability_type", "disability_severity", "notes", "key_worker",
]
SENSITIVE_FIELDS = ["hiv_status", "sexual_abuse_history", "drug_use", "conflict_with_law"]


class RegistryError(Exception):
    """A rule of the registry refused the change; the message is for the user."""


class StaleEdit(RegistryError):
    """Someone saved the record after this edit began (optimistic locking)."""

    def __init__(self, current: Child, changed: dict):
        self.current = current
        self.changed = changed  # field -> (value in the database now, value submitted)
        super().__init__(_("Someone else saved this child's record while you were editing it."))


def registry_number_for(commune, on: date) -> str:
    """Province code + year + sequence, e.g. 15-2026-000123: unique even when two workers
    register at the same instant (one counter row per province and year)."""
    province = commune.province.code
    return f"{province}-{on.year}-{next_in_sequence(f'child:{province}:{on.year}'):06d}"


@dataclass
class CaregiverData:
    full_name: str
    relationship: str
    phone: str = ""
    is_legal_guardian: bool = False


@transaction.atomic
def register_child(*, data: dict, by, caregivers: list[CaregiverData] = (), household: Household | None = None,
                   sensitive: dict | None = None, duplicate_of: list[Child] = (), duplicate_reason: str = "") -> Child:
    """Create a child (and its household when none is given). When the worker confirmed a new
    record despite likely matches, each match goes to the duplicate review queue with the reason."""
    if household is None:
        household = Household.objects.create(
            commune=data["commune"], village=data.get("village"), address=data.get("address", "")
        )
    child = Child(household=household, created_by=by, **{k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    child.registry_number = registry_number_for(child.commune, timezone.localdate())
    if child.key_worker is None and by is not None and by.role == "social_worker":
        child.key_worker = by
    child.save()
    for caregiver in caregivers:
        add_caregiver(household=household, data=caregiver)
    if sensitive and any(sensitive.values()):
        SensitiveInfo.objects.create(child=child, **{k: sensitive.get(k) or "" for k in SENSITIVE_FIELDS})
    for other in duplicate_of:
        flag_duplicate(child, other, score=1.0, reasons=["confirmed_new_by_worker"], note=duplicate_reason)
    return child


def add_caregiver(*, household: Household, data: CaregiverData) -> Caregiver:
    return Caregiver.objects.create(
        household=household, full_name=data.full_name, relationship=data.relationship,
        phone=normalise_phone(data.phone), is_legal_guardian=data.is_legal_guardian,
    )


@transaction.atomic
def update_child(child: Child, *, data: dict, expected_version: int, by) -> Child:
    """Save an edit made from `expected_version`. If someone saved in between, refuse and say what
    they changed, so nobody silently overwrites another's work."""
    current = Child.objects.select_for_update().get(pk=child.pk)
    if current.version != expected_version:
        changed = {
            f: (getattr(current, f), data[f]) for f in data
            if f in EDITABLE_FIELDS and getattr(current, f) != data[f]
        }
        raise StaleEdit(current, changed)
    for name, value in data.items():
        if name in EDITABLE_FIELDS:
            setattr(current, name, value)
    current.version += 1
    current.save()
    return current


@transaction.atomic
def update_sensitive(child: Child, *, data: dict, by) -> SensitiveInfo:
    info, _created = SensitiveInfo.objects.select_for_update().get_or_create(child=child)
    for name in SENSITIVE_FIELDS:
        if name in data:
            setattr(info, name, data[name] or "")
    info.save()
    return info


@transaction.atomic
def add_circumstance(child: Child, *, group, subgroup=None, started_on: date, by) -> ChildCircumstance:
    if subgroup is not None and subgroup.group_id != group.pk:
        raise RegistryError(_("The sub-group does not belong to the group."))
    if child.circumstances.filter(group=group, subgroup=subgroup, ended_on__isnull=True).exists():
        raise RegistryError(_("The child is already recorded in this group."))
    return ChildCircumstance.objects.create(child=child, group=group, subgroup=subgroup, started_on=started_on,
                                            recorded_by=by)


@transaction.atomic
def end_circumstance(circumstance: ChildCircumstance, *, ended_on: date, by) -> ChildCircumstance:
    if ended_on < circumstance.started_on:
        raise RegistryError(_("The end date is before the start date."))
    circumstance.ended_on = ended_on
    circumstance.save(update_fields=["ended_on", "updated_at"])
    return circumstance


@transaction.atomic
def record_consent(child: Child, *, purpose: str, given_on: date, by, given_by: Caregiver | None = None,
                   given_by_name: str = "", child_agreed: bool = False, agency=None, notes: str = "") -> Consent:
    """Law on Children art. 6(11) and PDPL 91/2025: the parent or guardian consents, and a child
    aged 7 or more must agree too."""
    if given_by is None and not given_by_name:
        raise RegistryError(_("Say which parent or guardian gave consent."))
    if given_by is not None and given_by.household_id != child.household_id:
        raise RegistryError(_("This caregiver is not in the child's household."))
    if child.age_on(given_on) >= CHILD_CONSENT_AGE and not child_agreed:
        raise RegistryError(_("A child aged 7 or more must agree as well (Law on Children art. 6)."))
    return Consent.objects.create(
        child=child, purpose=purpose, given_on=given_on, recorded_by=by, given_by=given_by,
        given_by_name=given_by_name or (given_by.full_name if given_by else ""), child_agreed=child_agreed,
        agency=agency, notes=notes,
    )


@transaction.atomic
def withdraw_consent(consent: Consent, *, on: date, reason: str, by) -> Consent:
    if consent.withdrawn_on:
        raise RegistryError(_("This consent was already withdrawn."))
    consent.withdrawn_on, consent.withdrawal_reason, consent.withdrawn_by = on, reason, by
    consent.save(update_fields=["withdrawn_on", "withdrawal_reason", "withdrawn_by", "updated_at"])
    return consent


def has_consent(child: Child, purpose: str, *, agency=None) -> bool:
    qs = child.consents.filter(purpose=purpose, withdrawn_on__isnull=True)
    if agency is not None:
        qs = qs.filter(agency__in=[agency]) | qs.filter(agency__isnull=True)
    return qs.exists()


@transaction.atomic
def deactivate_child(child: Child, *, reason: str, note: str = "", by) -> Child:
    """No hard delete: the record stays, out of active lists, with the reason."""
    child = Child.objects.select_for_update().get(pk=child.pk)
    child.is_active, child.deactivation_reason, child.deactivation_note = False, reason, note
    child.version += 1
    child.save()
    return child


@transaction.atomic
def reactivate_child(child: Child, *, by) -> Child:
    child = Child.objects.select_for_update().get(pk=child.pk)
    if child.merged_into_id:
        raise RegistryError(_("A merged record comes back only by undoing the merge."))
    child.is_active, child.deactivation_reason, child.deactivation_note = True, "", ""
    child.version += 1
    child.save()
    return child


def flag_duplicate(child: Child, other: Child, *, score: float, reasons: list[str], note: str = "") -> DuplicateSuspect:
    first, second = sorted([child, other], key=lambda c: c.pk)
    suspect, _created = DuplicateSuspect.objects.get_or_create(
        child=first, other=second, defaults={"score": score, "reasons": reasons, "note": note[:255]}
    )
    return suspect


@transaction.atomic
def dismiss_duplicate(suspect: DuplicateSuspect, *, by) -> DuplicateSuspect:
    suspect.status, suspect.reviewed_by, suspect.reviewed_at = DuplicateStatus.DISMISSED, by, timezone.now()
    suspect.save()
    return suspect


def _attached_relations():
    """Every foreign key from another table to Child, found from the model registry: cases,
    calls and referrals added by later apps move with a merge without changing this code."""
    skip = {(ChildMerge, "survivor"), (ChildMerge, "merged"), (DuplicateSuspect, "child"),
            (DuplicateSuspect, "other"), (Child, "merged_into")}
    for rel in Child._meta.related_objects:
        field = rel.field
        if isinstance(field, ForeignKey) and not isinstance(field, OneToOneField) \
                and (field.model, field.name) not in skip and not field.model._meta.label.endswith("Event"):
            yield field


def _ensure_cases_can_merge(survivor: Child, merged: Child) -> None:
    """Two open cases at the same level cannot belong to one child (cases' own rule)."""
    from cases.choices import OPEN_STATUSES
    from cases.models import Case

    levels = set(Case.objects.filter(child=survivor, status__in=OPEN_STATUSES).values_list("level", flat=True))
    if Case.objects.filter(child=merged, status__in=OPEN_STATUSES, level__in=levels).exists():
        raise RegistryError(_("Both records have an open case at the same level: close or transfer one first."))


def _merge_sensitive(survivor: Child, merged: Child) -> dict:
    """Special-category data must not be left on the inactive record where nobody sees it: the
    survivor gets the merged record's table, or the fields it lacks (texts appended). What the
    survivor had before is kept in the merge for the undo."""
    theirs = SensitiveInfo.objects.filter(child=merged).first()
    if theirs is None:
        return {}
    ours = SensitiveInfo.objects.filter(child=survivor).first()
    if ours is None:
        theirs.child = survivor
        theirs.save(update_fields=["child", "updated_at"])
        return {"beneficiaries.SensitiveInfo.child": [theirs.pk]}
    before = {name: getattr(ours, name) for name in SENSITIVE_FIELDS}
    for name in SENSITIVE_FIELDS:
        mine, other = getattr(ours, name), getattr(theirs, name)
        if other and not mine:
            setattr(ours, name, other)
        elif other and other != mine and name != "hiv_status":
            setattr(ours, name, f"{mine}\n— {merged.registry_number}: {other}")
    ours.save()
    return {"sensitive_before": before}


@transaction.atomic
def merge_children(*, survivor: Child, merged: Child, reason: str, by) -> ChildMerge:
    """Move everything attached to `merged` onto `survivor`; the merged record stays, inactive,
    pointing at the survivor so that its registry number still resolves. Reversible."""
    if survivor.pk == merged.pk:
        raise RegistryError(_("A record cannot be merged into itself."))
    survivor, merged = (Child.objects.select_for_update().get(pk=c.pk) for c in (survivor, merged))
    if survivor.merged_into_id or merged.merged_into_id:
        raise RegistryError(_("One of these records has already been merged."))
    if not reason.strip():
        raise RegistryError(_("Give a reason for the merge."))
    _ensure_cases_can_merge(survivor, merged)
    moved = {}
    for field in _attached_relations():
        rows = field.model._default_manager.filter(**{field.name: merged})
        ids = list(rows.values_list("pk", flat=True))
        if ids:
            rows.update(**{field.name: survivor})
            moved[f"{field.model._meta.label}.{field.name}"] = ids
    moved.update(_merge_sensitive(survivor, merged))
    merged.merged_into, merged.is_active = survivor, False
    merged.deactivation_reason = DeactivationReason.MERGED
    merged.version += 1
    merged.save()
    survivor.version += 1
    survivor.save()
    first, second = sorted([survivor.pk, merged.pk])
    DuplicateSuspect.objects.filter(child_id=first, other_id=second).update(
        status=DuplicateStatus.MERGED, reviewed_by=by, reviewed_at=timezone.now()
    )
    return ChildMerge.objects.create(survivor=survivor, merged=merged, reason=reason, moved=moved, performed_by=by)


@transaction.atomic
def reverse_merge(merge: ChildMerge, *, by) -> ChildMerge:
    """Undo a merge: the rows that moved go back, the merged record is active again."""
    merge = ChildMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.reversed_at:
        raise RegistryError(_("This merge was already undone."))
    from django.apps import apps

    for key, ids in merge.moved.items():
        if key == "sensitive_before":
            SensitiveInfo.objects.filter(child_id=merge.survivor_id).update(**ids)
            continue
        label, field_name = key.rsplit(".", 1)
        apps.get_model(label)._default_manager.filter(pk__in=ids).update(**{field_name: merge.merged_id})
    merged = Child.objects.select_for_update().get(pk=merge.merged_id)
    merged.merged_into, merged.is_active, merged.deactivation_reason = None, True, ""
    merged.version += 1
    merged.save()
    merge.reversed_at, merge.reversed_by = timezone.now(), by
    merge.save()
    first, second = sorted([merge.survivor_id, merge.merged_id])
    DuplicateSuspect.objects.filter(child_id=first, other_id=second).update(status=DuplicateStatus.OPEN)
    return merge
