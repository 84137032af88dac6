"""Retention (issue 8 item 8; PDPL 91/2025: personal data kept no longer than needed). A child
whose cases have all been closed for longer than RETENTION_YEARS, who has aged out and has no
open work, is anonymised: what identifies the child, the family and what happened is erased,
with its change history; what statistics count (sex, year of birth, commune, groups, case facts
and dates) stays, and the statistics snapshots keep their numbers."""

from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from beneficiaries.models import CHILD_AGE_LIMIT, Child, SensitiveInfo, years_before

ANONYMOUS = "Đã ẩn danh"


@dataclass
class Due:
    child: Child
    last_closed: date | None


def due_for_anonymisation(today: date | None = None) -> QuerySet[Child]:
    """Aged-out children, not yet anonymised, with no open case or referral, whose last case
    closed (or whose record was last touched, when they never had a case) before the cutoff."""
    from cases.choices import OPEN_STATUSES
    from referrals.choices import OPEN_REFERRAL_STATUSES

    today = today or timezone.localdate()
    cutoff = years_before(today, settings.RETENTION_YEARS)
    open_work = Q(cases__status__in=OPEN_STATUSES) | Q(referrals__status__in=OPEN_REFERRAL_STATUSES)
    return (Child.objects.filter(anonymised_at__isnull=True, date_of_birth__lte=years_before(today, CHILD_AGE_LIMIT))
            .exclude(pk__in=Child.objects.filter(open_work).values("pk"))
            .annotate(last_closed=Max("cases__closed_at"))
            .filter(Q(last_closed__date__lt=cutoff) | Q(last_closed__isnull=True, updated_at__date__lt=cutoff))
            .order_by("pk"))


def _clear(model_label: str, filters: dict, **values) -> None:
    apps.get_model(model_label).objects.filter(**filters).update(**values)


def _forget_history(model_label: str, object_ids) -> None:
    """pghistory keeps snapshots of every version: those of an anonymised record go too."""
    events = apps.get_model(*model_label.split(".")).pgh_event_model
    events.objects.filter(pgh_obj_id__in=list(object_ids)).delete()


@transaction.atomic
def anonymise(child: Child) -> None:
    child = Child.objects.select_for_update().get(pk=child.pk)
    case_ids = list(child.cases.values_list("pk", flat=True))
    call_ids = list(apps.get_model("hotline", "Call").objects.filter(child=child).values_list("pk", flat=True))
    household_children = Child.objects.filter(household_id=child.household_id).exclude(pk=child.pk)
    # Caregivers are erased only when no other child of the household still needs them.
    if child.household_id and not household_children.filter(anonymised_at__isnull=True).exists():
        caregivers = list(child.household.caregivers.values_list("pk", flat=True))
        _clear("beneficiaries.Caregiver", {"pk__in": caregivers}, full_name=ANONYMOUS, phone="")
        _forget_history("beneficiaries.Caregiver", caregivers)
        _clear("beneficiaries.Household", {"pk": child.household_id}, address="")
    _clear("beneficiaries.SensitiveInfo", {"child": child}, hiv_status="", sexual_abuse_history="", drug_use="",
           conflict_with_law="")
    sensitive_ids = SensitiveInfo.objects.filter(child=child).values_list("pk", flat=True)
    _forget_history("beneficiaries.SensitiveInfo", sensitive_ids)
    _clear("beneficiaries.Consent", {"child": child}, given_by_name="", notes="", withdrawal_reason="")
    _forget_history("beneficiaries.Consent", child.consents.values_list("pk", flat=True))
    _clear("cases.Case", {"pk__in": case_ids}, summary="", outcome="")
    _clear("cases.CaseDocument", {"case_id__in": case_ids}, content={"anonymised": True})
    _clear("cases.Visit", {"case_id__in": case_ids}, place="", present="", child_said="", notes="")
    _clear("cases.ServiceDelivery", {"case_id__in": case_ids}, outcome="")
    _forget_history("cases.Case", case_ids)
    _clear("hotline.Call", {"pk__in": call_ids}, caller_name="", caller_phone="", child_name="", summary="",
           follow_up="", draft={})
    _forget_history("hotline.Call", call_ids)
    _clear("referrals.Referral", {"child": child}, reason="", outcome="", decline_reason="",
           consent_override_reason="")
    Child.objects.filter(pk=child.pk).update(
        full_name=ANONYMOUS, name_folded="da an danh", personal_id="", address="", school_name="",
        health_insurance_number="", notes="", deactivation_note="", village=None, is_active=False,
        date_of_birth=date(child.date_of_birth.year, 1, 1), anonymised_at=timezone.now(),
    )
    _forget_history("beneficiaries.Child", [child.pk])


def apply_retention(*, dry_run: bool, today: date | None = None, limit: int = 10_000) -> list[Child]:
    due = list(due_for_anonymisation(today)[:limit])
    if not dry_run:
        for child in due:
            anonymise(child)
    return due
