"""What a partner agency sees of a child: only the parts of the record the worker chose to share
(issue 6 item 1), with the referral's reason, service, urgency, response date and status. This is
the only way the web inbox and the partner API read a child, so nothing else can leak.

Sensitive parts (HIV status, sexual-abuse history, drug use, conflict with the law) are added only
when they were chosen and the referral went out under recorded consent (Decree 56/2017 art. 33;
PDPL 91/2025). A revoked referral shows nothing of the child any more.
"""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.choices import DisabilitySeverity, DisabilityType, Ethnicity, HivStatus, Relationship, Schooling
from referrals.choices import PARTNER_VISIBLE_STATUSES, SENSITIVE_SHARED, SharedField

F = SharedField
CACHE = "_shared_parts"


def _choice(choices, code: str) -> dict:
    return {"code": code, "label": str(dict(choices.choices).get(code, code))}


def _chosen(referral) -> set[str]:
    chosen = set(referral.shared_fields or [])
    if referral.consent_id is None:
        # Without recorded consent nothing sensitive goes out, whatever was stored.
        chosen -= {str(f) for f in SENSITIVE_SHARED}
    return chosen


def load_shared(referrals: Iterable) -> None:
    """Read the caregivers, circumstances and sensitive rows the given referrals share, one query
    each for the whole page (and only when some referral shares them), so a list is not N+1."""
    from beneficiaries.models import Caregiver, ChildCircumstance, SensitiveInfo

    referrals = [r for r in referrals if not hasattr(r, CACHE)]
    if not referrals:
        return
    wanted = {r.pk: _chosen(r) for r in referrals}
    households = {r.child.household_id for r in referrals if F.CAREGIVER in wanted[r.pk] and r.child.household_id}
    with_groups = {r.child_id for r in referrals if F.CIRCUMSTANCES in wanted[r.pk]}
    with_sensitive = {r.child_id for r in referrals if wanted[r.pk] & {str(f) for f in SENSITIVE_SHARED}}
    caregivers: dict[int, list] = {}
    if households:
        for caregiver in Caregiver.objects.filter(household_id__in=households, is_active=True).order_by(
                "-is_legal_guardian", "pk"):
            caregivers.setdefault(caregiver.household_id, []).append(caregiver)
    circumstances: dict[int, list] = {}
    if with_groups:
        today = timezone.localdate()
        for row in (ChildCircumstance.objects.filter(child_id__in=with_groups, group__is_sensitive=False,
                                                     started_on__lte=today)
                    .exclude(ended_on__lt=today).select_related("group").order_by("group__position", "pk")):
            circumstances.setdefault(row.child_id, []).append(row)
    sensitive = {}
    if with_sensitive:
        sensitive = {s.child_id: s for s in SensitiveInfo.objects.filter(child_id__in=with_sensitive)}
    for referral in referrals:
        setattr(referral, CACHE, {
            "caregivers": caregivers.get(referral.child.household_id, []),
            "circumstances": circumstances.get(referral.child_id, []),
            "sensitive": sensitive.get(referral.child_id),
        })


def _child_parts(referral) -> dict:
    child, chosen = referral.child, _chosen(referral)
    load_shared([referral])
    parts = getattr(referral, CACHE)
    data: dict = {}
    if F.NAME in chosen:
        data["name"] = child.full_name
    if F.AGE in chosen:
        data["age"] = child.age
    if F.SEX in chosen:
        data["sex"] = child.sex
    if F.COMMUNE in chosen:
        data["commune"] = {"code": child.commune.code, "name": child.commune.name,
                           "province": child.commune.province.name}
    if F.DATE_OF_BIRTH in chosen:
        data["date_of_birth"] = child.date_of_birth
        data["birth_date_estimated"] = child.birth_date_estimated
    if F.ADDRESS in chosen:
        data["village"] = child.village.name if child.village_id else ""
        data["address"] = child.address
    if F.CAREGIVER in chosen:
        first = parts["caregivers"][0] if parts["caregivers"] else None
        data["caregiver"] = ({"name": first.full_name, "relationship": _choice(Relationship, first.relationship),
                              "phone": first.phone} if first else None)
    if F.ETHNICITY in chosen:
        data["ethnicity"] = _choice(Ethnicity, child.ethnicity)
    if F.SCHOOLING in chosen:
        data["schooling"] = {**_choice(Schooling, child.schooling), "school": child.school_name}
    if F.HEALTH_INSURANCE in chosen:
        data["health_insurance_number"] = child.health_insurance_number
    if F.DISABILITY in chosen:
        data["disability"] = ({**_choice(DisabilityType, child.disability_type),
                               "severity": _choice(DisabilitySeverity, child.disability_severity)}
                              if child.disability_type else None)
    if F.CIRCUMSTANCES in chosen:
        data["circumstances"] = [{"code": c.group.code, "label": c.group.name} for c in parts["circumstances"]]
    sensitive = parts["sensitive"]
    if F.HIV_STATUS in chosen:
        data["hiv_status"] = _choice(HivStatus, sensitive.hiv_status if sensitive else "")
    if F.SEXUAL_ABUSE in chosen:
        data["sexual_abuse_history"] = sensitive.sexual_abuse_history if sensitive else ""
    if F.DRUG_USE in chosen:
        data["drug_use"] = sensitive.drug_use if sensitive else ""
    if F.CONFLICT_WITH_LAW in chosen:
        data["conflict_with_law"] = sensitive.conflict_with_law if sensitive else ""
    return data


def shared_view(referral) -> dict:
    """All a partner ever sees of a child: the chosen parts of the record, and the referral's
    reason, service, urgency, response date and status. Nothing of the child once revoked."""
    visible = referral.status in PARTNER_VISIBLE_STATUSES
    return {
        "status": referral.status,
        "service_type": {"code": referral.service_type.code, "name": referral.service_type.name},
        "urgency": referral.urgency,
        "respond_by": referral.respond_by,
        "reason": referral.reason if visible else "",
        "shared_fields": [f for f in SharedField.values if f in _chosen(referral)] if visible else [],
        "child": _child_parts(referral) if visible else {},
    }


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        if {"code", "label"} <= set(value):
            extra = [_text(v) for k, v in value.items() if k not in ("code", "label") and v not in ("", None)]
            return " · ".join([value["label"], *extra])
        return ", ".join(_text(v) for v in value.values() if v not in ("", None))
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


ROW_LABELS = {
    "name": F.NAME.label, "age": F.AGE.label, "sex": F.SEX.label, "commune": F.COMMUNE.label,
    "date_of_birth": F.DATE_OF_BIRTH.label, "village": F.ADDRESS.label, "caregiver": F.CAREGIVER.label,
    "ethnicity": F.ETHNICITY.label, "schooling": F.SCHOOLING.label, "health_insurance_number":
    F.HEALTH_INSURANCE.label, "disability": F.DISABILITY.label, "circumstances": F.CIRCUMSTANCES.label,
    "hiv_status": F.HIV_STATUS.label, "sexual_abuse_history": F.SEXUAL_ABUSE.label, "drug_use": F.DRUG_USE.label,
    "conflict_with_law": F.CONFLICT_WITH_LAW.label,
}


def shared_rows(view: dict) -> list[tuple[str, str]]:
    """The shared child information as (label, text) rows for the partner's page."""
    from beneficiaries.choices import Sex

    child = dict(view["child"])
    rows = []
    if "date_of_birth" in child:
        estimated = child.pop("birth_date_estimated", False)
        child["date_of_birth"] = _text(child["date_of_birth"]) + (f" ({_('estimated')})" if estimated else "")
    if "village" in child:
        child["village"] = ", ".join(p for p in [child.pop("address", ""), child["village"]] if p)
    if "commune" in child:
        child["commune"] = f"{child['commune']['name']}, {child['commune']['province']}"
    if "sex" in child:
        child["sex"] = str(dict(Sex.choices).get(child["sex"], child["sex"]))
    for key, value in child.items():
        if key in ROW_LABELS:
            rows.append((str(ROW_LABELS[key]), _text(value)))
    return rows
