"""Writes of the hotline. `open_case_from_call` is the one door from a call into a case; it uses
cases.services.open_case (cases never imports hotline)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries import services as registry
from cases import services as cases
from cases.choices import Channel, Source
from hotline.choices import CONTACT_CLASS, ActionTaken, CallbackStatus, CallStatus, ConnectionOutcome, ReportingClass
from hotline.models import Call, Callback, CallbackAttempt


class HotlineError(Exception):
    """A rule refused the change; the message is for the user."""


def reporting_class_for(connection_outcome: str, contact_type: str) -> str:
    """The CHI reporting class follows from the contact type; an unanswered call is no contact."""
    if connection_outcome != ConnectionOutcome.ANSWERED or not contact_type:
        return ReportingClass.NON_CONTACT
    return CONTACT_CLASS[contact_type]


def _check_times(received_at, answered_at, ended_at) -> None:
    if ended_at and ended_at < received_at:
        raise HotlineError(_("A call cannot end before it starts."))
    if answered_at and answered_at < received_at:
        raise HotlineError(_("A call cannot be answered before it starts."))
    if answered_at and ended_at and ended_at < answered_at:
        raise HotlineError(_("A call cannot end before it was answered."))


@transaction.atomic
def start_call(*, hotline, counsellor, received_at: datetime | None = None, idempotency_key: str | None = None) -> Call:
    """The counsellor picks up: a draft call, answered now. A member of the hotline only. The same
    key (a double click on "New call") returns the first call instead of a second one."""
    if not hotline.members.filter(pk=counsellor.pk).exists():
        raise HotlineError(_("You are not a counsellor of this hotline."))
    if idempotency_key:
        existing = Call.objects.filter(idempotency_key=idempotency_key, counsellor=counsellor).first()
        if existing:
            return existing
    now = timezone.now()
    return Call.objects.create(hotline=hotline, counsellor=counsellor, received_at=received_at or now,
                               answered_at=now, connection_outcome=ConnectionOutcome.ANSWERED,
                               status=CallStatus.DRAFT, created_by=counsellor, idempotency_key=idempotency_key or None)


@transaction.atomic
def quick_log(call: Call, *, contact_type: str, by) -> Call:
    """A silent, hang-up, prank or wrong-number call in one keystroke: complete and ended now."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.status == CallStatus.COMPLETE:
        return call  # a double submit changes nothing
    if CONTACT_CLASS.get(contact_type) == ReportingClass.COUNSELLING:
        raise HotlineError(_("A counselling call needs the full form."))
    call.contact_type = contact_type
    if call.counsellor_id is None:  # an answered call posted by the phone system: whoever logs it
        call.counsellor = by
    call.ended_at = call.ended_at or timezone.now()
    call.reporting_class = reporting_class_for(call.connection_outcome, contact_type)
    call.status = CallStatus.COMPLETE
    call.draft = {}
    call.save()
    return call


@transaction.atomic
def save_draft(call: Call, *, data: dict, by) -> Call:
    """Keep what the counsellor typed so far (autosave); never touches a logged call."""
    updated = Call.objects.filter(pk=call.pk, status=CallStatus.DRAFT).update(draft=data, updated_at=timezone.now())
    if not updated:
        raise HotlineError(_("This call is already logged."))
    call.draft = data
    return call


@transaction.atomic
def complete_call(call: Call, *, data: dict, categories=(), by) -> Call:
    """Log the call from the counselling form's cleaned data. Idempotent: a second submit of the
    same call returns it unchanged."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.status == CallStatus.COMPLETE:
        return call
    contact_type = data.get("contact_type") or ""
    if not contact_type:
        raise HotlineError(_("Choose the contact type."))
    ended_at = data.pop("ended_at", None) or call.ended_at or timezone.now()
    _check_times(call.received_at, call.answered_at, ended_at)
    for name, value in data.items():
        setattr(call, name, value)
    if call.counsellor_id is None:  # an answered call posted by the phone system: whoever logs it
        call.counsellor = by
    call.ended_at = ended_at
    call.reporting_class = reporting_class_for(call.connection_outcome, contact_type)
    call.status = CallStatus.COMPLETE
    call.draft = {}
    call.save()
    call.categories.set(categories)
    return call


@transaction.atomic
def record_from_phone_system(*, hotline, idempotency_key: str | None, received_at, answered_at=None, ended_at=None,
                             connection_outcome: str, caller_phone: str = "", counsellor=None) -> tuple[Call, bool]:
    """A call posted by the phone system. Unanswered calls are complete at once (counted without a
    form); an answered one waits for its counsellor. The same Idempotency-Key returns the first."""
    if idempotency_key:
        existing = Call.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            if existing.hotline_id != hotline.pk:  # never hand out another line's call
                raise HotlineError(_("This Idempotency-Key was already used for a call to another hotline."))
            return existing, False
    _check_times(received_at, answered_at, ended_at)
    answered = connection_outcome == ConnectionOutcome.ANSWERED
    call = Call(hotline=hotline, idempotency_key=idempotency_key or None, received_at=received_at,
                answered_at=answered_at, ended_at=ended_at, connection_outcome=connection_outcome,
                caller_phone=caller_phone, counsellor=counsellor,
                status=CallStatus.DRAFT if answered else CallStatus.COMPLETE,
                reporting_class=ReportingClass.NON_CONTACT)
    try:
        with transaction.atomic():
            call.save()
    except IntegrityError:  # the same key posted twice at the same instant
        existing = Call.objects.get(idempotency_key=idempotency_key)
        if existing.hotline_id != hotline.pk:
            raise HotlineError(_("This Idempotency-Key was already used for a call to another hotline.")) from None
        return existing, False
    return call, True


def _intake_from_call(call: Call) -> dict:
    """Form 01 pre-filled from the call; the caller is named only if they agreed (Decree 56 art. 24)."""
    named = not call.caller_anonymous and bool(call.caller_name)
    return {
        "receiving_body": call.hotline.name, "place": str(call.child_commune or ""),
        "child_condition": call.summary, "likely_consequence": "", "father": "", "mother": "",
        "family_circumstances": "", "current_caregiver": "", "support_before": "",
        "reporter_agrees": named, "reporter_name": call.caller_name if named else "",
        "reporter_phone": call.caller_phone if named else "", "reporter_address": "",
        "reporter_notes": call.get_caller_relationship_display() if named else "",
    }


def _child_for(call: Call, by):
    if call.child_id:
        return call.child
    if not call.child_commune_id:
        raise HotlineError(_("Say which commune the child is in, or find the child in the registry."))
    if call.child_age is None:
        raise HotlineError(_("Give the child's age or an estimate."))
    birth = timezone.localdate().replace(month=1, day=1)
    data = {
        "full_name": call.child_name or _("Unknown name"), "sex": call.child_sex or "U",
        "date_of_birth": birth.replace(year=birth.year - call.child_age), "birth_date_estimated": True,
        "commune": call.child_commune,
    }
    child = registry.register_child(data=data, by=by)
    call.child = child
    return child


@transaction.atomic
def open_case_from_call(call: Call, *, level: str, category: str, is_emergency: bool, by, abuse_types=()):
    """Escalate a call: find or register the child, open a case with the intake from the call and
    the 12-hour clock when it is an emergency, routed to the child's commune (a 111 call about a
    child in Lào Cai lands with Lào Cai's team: no worker assigned, the province's supervisors see it)."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.case_id:
        raise HotlineError(_("This call is already linked to a case."))
    if call.reporting_class != ReportingClass.COUNSELLING:
        raise HotlineError(_("Only a logged counselling call can become a case."))
    child = _child_for(call, by)
    try:
        case = cases.open_case(
            child=child, level=level, category=category, channel=Channel.PHONE, source=Source.HOTLINE,
            received_at=call.received_at, commune=call.child_commune or child.commune, is_emergency=is_emergency,
            by=by, intake=_intake_from_call(call), abuse_types=abuse_types, summary=call.summary,
            assigned_worker=None,
        )
    except cases.CaseError as error:
        raise HotlineError(str(error)) from error
    call.case = case
    call.actions_taken = sorted({*call.actions_taken, ActionTaken.CASE_OPENED})
    call.save()
    return case


@transaction.atomic
def add_to_case(call: Call, *, case, by) -> Call:
    """A follow-up call joins an existing case."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.case_id and call.case_id != case.pk:
        raise HotlineError(_("This call is already linked to another case."))
    call.case, call.child = case, case.child
    call.actions_taken = sorted({*call.actions_taken, ActionTaken.ADDED_TO_EXISTING_CASE})
    call.save()
    return call


@transaction.atomic
def schedule_callback(call: Call, *, due_at: datetime, by, assigned_to=None) -> Callback:
    if call.do_not_call_back:
        raise HotlineError(_("The caller asked not to be called back."))
    if not call.caller_phone:
        raise HotlineError(_("There is no number to call back."))
    callback = Callback.objects.create(call=call, due_at=due_at, created_by=by, assigned_to=assigned_to or by)
    call.actions_taken = sorted({*call.actions_taken, ActionTaken.CALLBACK_SCHEDULED})
    call.save(update_fields=["actions_taken", "updated_at"])
    return callback


@transaction.atomic
def record_callback_attempt(callback: Callback, *, reached: bool, outcome: str, by) -> CallbackAttempt:
    callback = Callback.objects.select_for_update().get(pk=callback.pk)
    if callback.status != CallbackStatus.SCHEDULED:
        raise HotlineError(_("This callback is no longer scheduled."))
    if callback.call.do_not_call_back:
        raise HotlineError(_("The caller asked not to be called back."))
    attempt = CallbackAttempt.objects.create(callback=callback, at=timezone.now(), reached=reached,
                                             outcome=outcome, by=by)
    if reached:
        callback.status = CallbackStatus.DONE
        callback.save(update_fields=["status", "updated_at"])
    return attempt
