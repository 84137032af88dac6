"""Writes to cases, each in one transaction with its history rows (CaseTransition, LevelChange,
Reassignment, pghistory events). Views, the API, the hotline and tasks call these."""

from datetime import datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import person_name
from accounts.roles import Role
from cases import clocks, workflow
from cases.choices import OPEN_STATUSES, ClockCode, Level, ServiceStatus
from cases.choices import Status as S
from cases.models import (
    Approval,
    Attachment,
    Case,
    CaseDocument,
    CaseTransition,
    DocumentKind,
    LevelChange,
    PlanTask,
    Reassignment,
    ServiceDelivery,
    Visit,
)
from cases.permissions import can_decide, can_manage_team, can_work_on_case
from core.files import attachment_type
from core.sequences import next_in_sequence

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
EDITABLE_TASK_STATUSES = {S.PLAN_DRAFTED, S.CASE_CONFERENCE}


class CaseError(Exception):
    """A rule refused the change; the message is for the user. `conflict` marks a clash with the
    current state (API 409) rather than bad input (API 400)."""

    def __init__(self, message: str, *, conflict: bool = False):
        super().__init__(message)
        self.conflict = conflict


def case_number_for(commune, on: datetime) -> str:
    """HS-<province>-<year>-<sequence>: unique under concurrency (core.sequences)."""
    province = commune.province.code
    year = timezone.localtime(on).year
    return f"HS-{province}-{year}-{next_in_sequence(f'case:{province}:{year}'):05d}"


def _ensure_no_open_case(child, level, exclude_pk=None) -> None:
    others = Case.objects.filter(child=child, level=level, status__in=OPEN_STATUSES)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise CaseError(_("This child already has an open case at this level (%(number)s).") % {
            "number": others.first().case_number}, conflict=True)


def _log(case: Case, action: str, from_status: str, to_status: str, by, note: str = "") -> None:
    CaseTransition.objects.create(case=case, action=action, from_status=from_status, to_status=to_status,
                                  by=by, note=note)


@transaction.atomic
def open_case(*, child, level: str, category: str, channel: str, source: str, received_at: datetime, commune,
              is_emergency: bool, by, intake: dict, abuse_types=(), abuse_setting: str = "", summary: str = "",
              assigned_worker=None) -> Case:
    """Open a case at one level with its Form 01 intake; the clocks start from `received_at`."""
    if received_at > timezone.now():
        raise CaseError(_("The information cannot have been received in the future."))
    _ensure_no_open_case(child, level)
    if assigned_worker is None and by is not None and by.role == Role.SOCIAL_WORKER:
        assigned_worker = by
    case = Case(child=child, level=level, category=category, channel=channel, source=source,
                received_at=received_at, commune=commune, is_emergency=is_emergency, opened_by=by,
                assigned_worker=assigned_worker, abuse_setting=abuse_setting, summary=summary)
    case.case_number = case_number_for(commune, received_at)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as error:  # a concurrent opening at the same level won the race
        raise CaseError(_("This child already has an open case at this level."), conflict=True) from error
    case.abuse_types.set(abuse_types)
    CaseDocument.objects.create(case=case, kind=DocumentKind.INTAKE, content=intake, author=by)
    _log(case, "open", "", S.RECEIVED, by)
    clocks.start_opening_clocks(case)
    return case


def _ensure_open(case: Case) -> None:
    if not case.is_open:
        raise CaseError(_("The case is closed: reopen it first."), conflict=True)


def _require_worker(by, case: Case) -> None:
    """Services check again what views check (ARCHITECTURE.md: one choke point, checked twice)."""
    if by is None or not can_work_on_case(by, case):
        raise CaseError(_("You are not working on this case."))


def _require_team_manager(by, case: Case) -> None:
    if by is None or not (can_manage_team(by) and can_work_on_case(by, case)):
        raise CaseError(_("Only a supervisor of the case's area may do this."))


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def save_document(case: Case, *, kind: str, content: dict, by) -> CaseDocument:
    """A new version of a step's form. A temporary separation starts its 15-day clock."""
    case = _locked(case)
    _ensure_open(case)
    _require_worker(by, case)
    if kind == DocumentKind.APPROVAL:
        raise CaseError(_("Form 05 is written by the approval itself."))
    document = CaseDocument.objects.create(case=case, kind=kind, content=content, author=by)
    if kind == DocumentKind.SEPARATION and content.get("temporary_separation"):
        clocks.start_clock(case, ClockCode.SEPARATION_MAX_15D, datetime.fromisoformat(content["decided_at"]))
    return document


@transaction.atomic
def lift_separation(case: Case, *, by, at: datetime | None = None) -> None:
    """The child goes home or to long-term care: the 15-day separation clock is met."""
    case = _locked(case)
    _require_worker(by, case)
    if not case.clocks.filter(code=ClockCode.SEPARATION_MAX_15D, met_at__isnull=True,
                              cancelled_at__isnull=True).exists():
        raise CaseError(_("No temporary separation is running."), conflict=True)
    clocks.stop_clock(case, ClockCode.SEPARATION_MAX_15D, at=at)
    _log(case, "lift_separation", case.status, case.status, by)


def _require_documents(case: Case, move: workflow.Move) -> None:
    for kind in move.requires:
        if not case.documents.filter(kind=kind).exists():
            raise CaseError(_("Fill in “%(form)s” first.") % {"form": DocumentKind(kind).label})


def _pending_approval(case: Case, kind: str) -> Approval:
    approval = case.approvals.filter(kind=kind, decided_at__isnull=True).first()
    if approval is None:
        raise CaseError(_("Nothing is waiting for approval."), conflict=True)
    return approval


def _decide(case: Case, kind: str, *, by, approved: bool, note: str) -> Approval:
    approval = _pending_approval(case, kind)
    if not can_decide(by, case, approval.requested_by_id):
        if approval.requested_by_id == by.pk:
            raise CaseError(_("Nobody approves what they submitted themselves."), conflict=True)
        raise CaseError(_("Only a supervisor decides this."))
    approval.decided_by, approval.decided_at, approval.approved, approval.comments = by, timezone.now(), \
        approved, note
    approval.save()
    return approval


@transaction.atomic
def apply_transition(case: Case, *, action: str, by, note: str = "") -> Case:
    """Move a case one step along the Decree 56 procedure, or refuse with the reason."""
    case = _locked(case)
    try:
        move = workflow.move_for(action)
    except workflow.IllegalMove as error:
        raise CaseError(str(error)) from error
    if case.status not in move.sources:
        raise CaseError(_("“%(action)s” is not possible while the case is “%(status)s”.") % {
            "action": move.label, "status": case.get_status_display()}, conflict=True)
    if not (can_work_on_case(by, case) or (move.supervisor_only and by.role == Role.SUPERVISOR)):
        raise CaseError(_("You are not working on this case."))
    if move.needs_note and not note.strip():
        raise CaseError(_("Give a reason or comments."))
    _require_documents(case, move)
    now = timezone.now()
    handler = _EFFECTS.get(action)
    if handler:
        handler(case, by=by, note=note, now=now)
    previous = case.status
    case.status = move.target
    case.version += 1
    case.save()
    _log(case, action, previous, move.target, by, note)
    return case


def _effect_emergency(case, *, by, note, now):
    document = case.documents.filter(kind=DocumentKind.SEPARATION).order_by("-created_at").first()
    decided = datetime.fromisoformat(document.content["decided_at"]) if document else now
    clocks.stop_clock(case, ClockCode.EMERGENCY_12H, at=decided)


def _effect_submit_plan(case, *, by, note, now):
    if not case.plan_tasks.exists():
        raise CaseError(_("Add at least one task or service to the plan before submitting it."))
    clocks.stop_clock(case, ClockCode.PLAN_DRAFT_5WD, at=now)
    clocks.start_clock(case, ClockCode.PLAN_APPROVAL_2WD, now)
    Approval.objects.create(case=case, kind=Approval.Kind.PLAN, requested_by=by)


def _effect_approve_plan(case, *, by, note, now):
    approval = _decide(case, Approval.Kind.PLAN, by=by, approved=True, note=note)
    clocks.stop_clock(case, ClockCode.PLAN_APPROVAL_2WD, at=now)
    CaseDocument.objects.create(case=case, kind=DocumentKind.APPROVAL, author=by, content={
        "approved_by": person_name(by), "approved_at": now.isoformat(),
        "submitted_by": approval.requested_by.get_full_name() if approval.requested_by else "",
        "comments": note,
    })
    clocks.start_clock(case, ClockCode.FOLLOW_UP_VISIT, now)


def _effect_reject_plan(case, *, by, note, now):
    _decide(case, Approval.Kind.PLAN, by=by, approved=False, note=note)
    clocks.stop_clock(case, ClockCode.PLAN_APPROVAL_2WD, cancel=True)


def _effect_replan(case, *, by, note, now):
    if case.level != Level.PREVENTION:
        clocks.start_clock(case, ClockCode.PLAN_DRAFT_5WD, now)


def _effect_request_closure(case, *, by, note, now):
    if case.status == S.REVIEW and not case.documents.filter(kind=DocumentKind.REVIEW).exists():
        raise CaseError(_("Fill in “%(form)s” first.") % {"form": DocumentKind.REVIEW.label})
    Approval.objects.create(case=case, kind=Approval.Kind.CLOSURE, requested_by=by)


def _effect_approve_closure(case, *, by, note, now):
    _decide(case, Approval.Kind.CLOSURE, by=by, approved=True, note=note)
    closure = case.documents.filter(kind=DocumentKind.CLOSURE).order_by("-created_at").first()
    case.closed_at = now
    case.closure_reason = closure.content.get("closure_reason", "")
    case.outcome = closure.content.get("outcome", "")
    clocks.cancel_all(case)


def _effect_reject_closure(case, *, by, note, now):
    _decide(case, Approval.Kind.CLOSURE, by=by, approved=False, note=note)


def _effect_reopen(case, *, by, note, now):
    _ensure_no_open_case(case.child, case.level, exclude_pk=case.pk)
    case.closed_at, case.closure_reason, case.outcome = None, "", ""
    if case.level != Level.PREVENTION:
        clocks.start_clock(case, ClockCode.PLAN_DRAFT_5WD, now)


_EFFECTS = {
    "record_emergency_protection": _effect_emergency,
    "submit_plan": _effect_submit_plan,
    "approve_plan": _effect_approve_plan,
    "reject_plan": _effect_reject_plan,
    "replan": _effect_replan,
    "request_closure": _effect_request_closure,
    "approve_closure": _effect_approve_closure,
    "reject_closure": _effect_reject_closure,
    "reopen": _effect_reopen,
}


@transaction.atomic
def change_level(case: Case, *, to_level: str, reason: str, by) -> Case:
    """Escalate or de-escalate (Law on Children art. 47): recorded with the reason."""
    case = _locked(case)
    _ensure_open(case)
    _require_worker(by, case)
    if to_level == case.level:
        raise CaseError(_("The case is already at this level."))
    if not reason.strip():
        raise CaseError(_("Give the reason for the change of level."))
    _ensure_no_open_case(case.child, to_level, exclude_pk=case.pk)
    LevelChange.objects.create(case=case, from_level=case.level, to_level=to_level, reason=reason, by=by)
    case.level = to_level
    case.version += 1
    case.save()
    before_plan = case.status in {S.RECEIVED, S.INITIAL_ASSESSMENT, S.EMERGENCY_PROTECTION, S.DETAILED_ASSESSMENT,
                                  S.CASE_CONFERENCE, S.PLAN_DRAFTED}
    has_plan_clock = case.clocks.filter(code=ClockCode.PLAN_DRAFT_5WD, cancelled_at__isnull=True).exists()
    if to_level != Level.PREVENTION and before_plan and not has_plan_clock:
        clocks.start_clock(case, ClockCode.PLAN_DRAFT_5WD, timezone.now())
    if to_level == Level.PREVENTION:  # prevention work follows no Decree 56 plan deadline
        clocks.stop_clock(case, ClockCode.PLAN_DRAFT_5WD, cancel=True)
    return case


def _check_task_dates(start, end) -> None:
    if start and end and end < start:
        raise CaseError(_("A task cannot end before it starts."))


@transaction.atomic
def add_plan_task(case: Case, *, by, **data) -> PlanTask:
    case = _locked(case)
    _require_worker(by, case)
    if case.status not in EDITABLE_TASK_STATUSES:
        raise CaseError(_("Tasks are added while the plan is being drafted."), conflict=True)
    _check_task_dates(data.get("start_date"), data.get("end_date"))
    if (data.get("cost_vnd") or 0) < 0:
        raise CaseError(_("A cost cannot be negative."))
    return PlanTask.objects.create(case=case, **data)


@transaction.atomic
def remove_plan_task(task: PlanTask, *, by) -> None:
    _require_worker(by, task.case)
    if task.case.status not in EDITABLE_TASK_STATUSES or task.deliveries.exists():
        raise CaseError(_("Only tasks of a plan being drafted, with nothing delivered, can be removed."),
                        conflict=True)
    task.delete()


@transaction.atomic
def record_visit(case: Case, *, by, **data) -> Visit:
    _ensure_open(case)
    _require_worker(by, case)
    if data["visited_on"] > timezone.localdate():
        raise CaseError(_("A visit cannot be dated in the future."))
    visit = Visit.objects.create(case=case, author=by, **data)
    # The follow-up clock is met on the day of the visit, not the day it was typed in.
    visited = timezone.make_aware(datetime.combine(data["visited_on"], time(12)))
    clocks.stop_clock(case, ClockCode.FOLLOW_UP_VISIT, at=min(visited, timezone.now()))
    return visit


@transaction.atomic
def record_service(case: Case, *, by, task: PlanTask | None = None, **data) -> ServiceDelivery:
    """A service delivered; against a plan task, it marks the task delivered."""
    _ensure_open(case)
    _require_worker(by, case)
    if data["delivered_on"] > timezone.localdate():
        raise CaseError(_("A service cannot be delivered in the future."))
    if (data.get("cost_vnd") or 0) < 0:
        raise CaseError(_("A cost cannot be negative."))
    if task is not None and task.case_id != case.pk:
        raise CaseError(_("This task belongs to another case."))
    delivery = ServiceDelivery.objects.create(case=case, task=task, recorded_by=by, **data)
    if task is not None:
        task.status, task.delivered_on = ServiceStatus.DELIVERED, data["delivered_on"]
        task.save(update_fields=["status", "delivered_on", "updated_at"])
    return delivery


@transaction.atomic
def add_attachment(case: Case, *, upload, description: str, by) -> Attachment:
    _require_worker(by, case)
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise CaseError(_("A file may be at most 10 MB."))
    # The bytes decide, not the name or what the browser claimed (a renamed .exe is refused).
    content_type = attachment_type(upload)
    if not content_type:
        raise CaseError(_("Attach a PDF or a photo (JPEG, PNG, HEIC, WebP)."))
    return Attachment.objects.create(case=case, file=upload, original_name=upload.name[:255],
                                     content_type=content_type, size=upload.size, description=description,
                                     uploaded_by=by)


@transaction.atomic
def reassign(case: Case, *, to_worker, reason: str, by) -> Case:
    case = _locked(case)
    _require_team_manager(by, case)
    if to_worker.role != Role.SOCIAL_WORKER or not to_worker.is_active:
        raise CaseError(_("Choose an active social worker."))
    if to_worker.province_id and to_worker.province_id != case.commune.province_id:
        raise CaseError(_("This worker does not work in the case's province; transfer the case instead."))
    if not reason.strip():
        raise CaseError(_("Give the reason for the reassignment."))
    Reassignment.objects.create(case=case, from_worker=case.assigned_worker, to_worker=to_worker, reason=reason,
                                by=by)
    case.assigned_worker = to_worker
    case.version += 1
    case.save()
    return case


@transaction.atomic
def transfer(case: Case, *, to_commune, reason: str, by, to_worker=None) -> Case:
    """The child moved: the case goes to the commune (and province) where the child now lives."""
    case = _locked(case)
    _require_team_manager(by, case)
    if to_commune.pk == case.commune_id:
        raise CaseError(_("The case is already in this commune."))
    if not reason.strip():
        raise CaseError(_("Give the reason for the transfer."))
    if to_worker is not None and to_worker.province_id not in (None, to_commune.province_id):
        raise CaseError(_("The new worker must work in the province the case moves to."))
    Reassignment.objects.create(case=case, from_worker=case.assigned_worker, to_worker=to_worker,
                                from_commune=case.commune, to_commune=to_commune, reason=reason, by=by)
    case.commune, case.assigned_worker = to_commune, to_worker
    case.version += 1
    case.save()
    return case
