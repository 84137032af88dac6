"""Writes of referrals: send (with consent or a supervisor's emergency override), the agency's
answers, completion that closes the loop on the case plan, revocation, and overdue notices."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.choices import ConsentPurpose
from cases.choices import ServiceStatus
from core.notifications import notify
from referrals import webhooks
from referrals.choices import DEFAULT_SHARED, SENSITIVE_SHARED, ReferralStatus, SharedField
from referrals.models import Referral, ReferralEvent
from referrals.permissions import can_override_consent, can_send_referrals, is_partner_of

S = ReferralStatus
# The lifecycle (issue 6 item 3): who moves a referral from where to where.
PARTNER_MOVES = {
    "accept": ({S.SENT}, S.ACCEPTED),
    "decline": ({S.SENT}, S.DECLINED),
    "start": ({S.ACCEPTED}, S.IN_PROGRESS),
    "complete": ({S.ACCEPTED, S.IN_PROGRESS}, S.COMPLETED),
}
SENDER_MOVES = {
    "revoke": ({S.SENT, S.ACCEPTED, S.IN_PROGRESS}, S.REVOKED),
    "close": ({S.DECLINED, S.COMPLETED}, S.CLOSED),
}


class ReferralError(Exception):
    def __init__(self, message: str, *, conflict: bool = False, forbidden: bool = False):
        super().__init__(message)
        self.conflict = conflict
        self.forbidden = forbidden


def sharing_consent(child, agency):
    """The consent in force for sharing with this agency (or with any partner agency)."""
    return (child.consents.filter(purpose=ConsentPurpose.SHARING, withdrawn_on__isnull=True)
            .filter(agency__isnull=True).first()
            or child.consents.filter(purpose=ConsentPurpose.SHARING, withdrawn_on__isnull=True,
                                     agency=agency).first())


def _log(referral, action, from_status, to_status, by, note="") -> None:
    ReferralEvent.objects.create(referral=referral, action=action, from_status=from_status, to_status=to_status,
                                 by=by, note=note)


@transaction.atomic
def send_referral(*, child, agency, service_type, reason: str, respond_by: date, by, case=None, call=None,
                  urgency: str = "NORMAL", shared_fields=None, override_reason: str = "",
                  idempotency_key: str | None = None) -> tuple[Referral, bool]:
    """Send a referral. Refused without sharing consent unless a supervisor overrides it in an
    emergency with a written reason. Sensitive parts are shared only when chosen and consented.
    Returns (referral, created); the same Idempotency-Key returns the first referral."""
    if idempotency_key:
        # Keys are the caller's own: another user's retry with the same key must not get this one.
        idempotency_key = f"{by.pk}:{idempotency_key}"
        existing = Referral.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing, False
    if not can_send_referrals(by):
        raise ReferralError(_("Your role cannot send referrals."), forbidden=True)
    if not reason.strip():
        raise ReferralError(_("Give the reason for the referral."))
    if respond_by < timezone.localdate():
        raise ReferralError(_("The response date cannot be in the past."))
    if not agency.is_active:
        raise ReferralError(_("This agency is no longer active."))
    if case is not None and case.child_id != child.pk:
        raise ReferralError(_("The case is about another child."))
    shared = sorted(set(shared_fields or DEFAULT_SHARED) | {SharedField.NAME, SharedField.REASON})
    unknown = set(shared) - set(SharedField.values)
    if unknown:
        raise ReferralError(_("Unknown information to share: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    consent = sharing_consent(child, agency)
    if consent is None:
        if not override_reason.strip():
            raise ReferralError(_("There is no consent to share with this agency. Record it first, or a "
                                  "supervisor may override it in an emergency with a reason."), conflict=True)
        if not can_override_consent(by):
            raise ReferralError(_("Only a supervisor may send a referral without consent."), forbidden=True)
        if urgency != "EMERGENCY":
            raise ReferralError(_("Consent may be overridden only in an emergency."))
    if SENSITIVE_SHARED & set(shared) and consent is None:
        raise ReferralError(_("Sensitive information is shared only with recorded consent."))
    referral = Referral(
        child=child, case=case, call=call, agency=agency, service_type=service_type, reason=reason,
        urgency=urgency, respond_by=respond_by, shared_fields=shared, consent=consent,
        consent_override_reason=override_reason if consent is None else "",
        consent_override_by=by if consent is None else None, sent_by=by, idempotency_key=idempotency_key or None,
    )
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:
        return Referral.objects.get(idempotency_key=idempotency_key), False
    _log(referral, "send", "", S.SENT, by, override_reason)
    _link_plan_task(referral)
    webhooks.announce(referral, "referral.sent")
    return referral, True


def _link_plan_task(referral: Referral) -> None:
    """The plan's task for the same service, if any, is the one this referral delivers."""
    if referral.case_id is None:
        return
    task = referral.case.plan_tasks.filter(service_type=referral.service_type).exclude(
        status=ServiceStatus.DELIVERED).order_by("start_date", "pk").first()
    if task:
        referral.plan_task = task
        referral.save(update_fields=["plan_task", "updated_at"])
        if task.status == ServiceStatus.PLANNED:
            task.status = ServiceStatus.REFERRED
            task.save(update_fields=["status", "updated_at"])


def _move(referral: Referral, table: dict, action: str, by, note: str) -> tuple[Referral, str]:
    if action not in table:
        raise ReferralError(_("Unknown action: %(action)s") % {"action": action})
    sources, target = table[action]
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status not in sources:
        raise ReferralError(_("A referral that is “%(status)s” cannot be changed this way.") % {
            "status": referral.get_status_display()}, conflict=True)
    previous = referral.status
    referral.status = target
    return referral, previous


@transaction.atomic
def agency_action(referral: Referral, *, action: str, by, note: str = "", outcome: str = "") -> Referral:
    """The partner agency's answers: accept, decline (with a reason), start, complete (with the
    outcome). A completed referral records the service as delivered on the plan's task."""
    if not is_partner_of(by, referral):
        raise ReferralError(_("Only the agency the referral is addressed to may answer it."), forbidden=True)
    referral, previous = _move(referral, PARTNER_MOVES, action, by, note)
    now = timezone.now()
    if action == "decline":
        if not note.strip():
            raise ReferralError(_("Give the reason for declining."))
        referral.decline_reason = note
    if action in ("accept", "decline"):
        referral.responded_at = now
    if action == "complete":
        if not outcome.strip():
            raise ReferralError(_("Describe the outcome."))
        referral.outcome, referral.completed_at = outcome, now
        _deliver_on_plan(referral, by)
    referral.save()
    _log(referral, action, previous, referral.status, by, note or outcome)
    if referral.sent_by_id:
        notify(referral.sent_by, key=f"referral:{referral.pk}:{action}",
               title=_("Referral %(action)s by %(agency)s") % {"action": referral.get_status_display(),
                                                               "agency": referral.agency.name},
               url=f"/referrals/{referral.public_id}/")
    return referral


def _deliver_on_plan(referral: Referral, by) -> None:
    if referral.case_id is None:
        return
    from cases.models import ServiceDelivery

    task = referral.plan_task
    ServiceDelivery.objects.create(
        case=referral.case, task=task, service_type=referral.service_type, provider_agency=referral.agency,
        delivered_on=timezone.localdate(), outcome=referral.outcome, recorded_by=by)
    if task is not None:
        task.status, task.delivered_on = ServiceStatus.DELIVERED, timezone.localdate()
        task.save(update_fields=["status", "delivered_on", "updated_at"])


@transaction.atomic
def sender_action(referral: Referral, *, action: str, by, note: str = "") -> Referral:
    """The sender (or a supervisor of the case) revokes until completion, or closes the loop."""
    from cases.permissions import can_work_on_case

    allowed = referral.sent_by_id == by.pk or (referral.case_id and can_work_on_case(by, referral.case))
    if not allowed:
        raise ReferralError(_("Only the sender or the case's workers may do this."), forbidden=True)
    referral, previous = _move(referral, SENDER_MOVES, action, by, note)
    referral.save()
    _log(referral, action, previous, referral.status, by, note)
    if action == "revoke":
        webhooks.announce(referral, "referral.revoked")
    return referral


def notify_overdue(now=None) -> int:
    """Once per referral: the sender hears that the agency has not answered by the date."""
    today = timezone.localdate(now)
    sent = 0
    for referral in Referral.objects.filter(status=S.SENT, respond_by__lt=today, overdue_notified_at__isnull=True,
                                            sent_by__isnull=False).select_related("agency", "sent_by"):
        with transaction.atomic():
            if Referral.objects.filter(pk=referral.pk, overdue_notified_at__isnull=True).update(
                    overdue_notified_at=timezone.now()):
                sent += notify(referral.sent_by, key=f"referral:{referral.pk}:overdue",
                               title=_("No answer from %(agency)s by %(date)s") % {
                                   "agency": referral.agency.name, "date": referral.respond_by.strftime("%d/%m/%Y")},
                               url=f"/referrals/{referral.public_id}/")
    return sent
