"""The Decree 56/2017 procedure: the table of moves, approvals, one open case per level, levels,
clocks and reminders. "Now" is the machine's clock: cases are opened with explicit `received_at`
in the past and reminders are checked with an explicit `now`."""

import threading
from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from cases import clocks, reminders, services, workflow
from cases.choices import ClockCode, Level, Status
from cases.models import Approval, Case, CaseClock, CaseTransition, DocumentKind, LevelChange
from core.calendar import add_working_days
from core.models import Notification
from tests.cases.conftest import CONTENT, SA_PA, add_task, at, commune, content, fill, step

pytestmark = pytest.mark.django_db

LEGAL = [(move.action, source) for move in workflow.MOVES for source in move.sources]
FULL_PATH = ["start_initial_assessment", "start_detailed_assessment", "hold_case_conference", "start_plan",
             "submit_plan", "approve_plan", "start_implementation", "start_review"]


def local(value: datetime) -> datetime:
    return timezone.localtime(value).replace(tzinfo=None)


def clock_of(case: Case, code: str) -> CaseClock:
    """The current round of a clock (earlier rounds, met before a re-plan or reopening, stay met)."""
    return case.clocks.filter(code=code, cancelled_at__isnull=True).latest("started_at", "pk")


# --- The table of moves -------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "source"), LEGAL, ids=[f"{a}-from-{s}" for a, s in LEGAL])
def test_every_legal_move_of_the_table_works(action, source, open_case, worker, supervisor):
    case = open_case()
    move = workflow.move_for(action)
    Case.objects.filter(pk=case.pk).update(status=source)
    case.refresh_from_db()
    if action in ("approve_plan", "reject_plan"):
        Approval.objects.create(case=case, kind=Approval.Kind.PLAN, requested_by=worker)
    if action in ("approve_closure", "reject_closure"):
        fill(case, DocumentKind.CLOSURE, worker)
        Approval.objects.create(case=case, kind=Approval.Kind.CLOSURE, requested_by=worker)

    case = step(case, action, by=supervisor if move.supervisor_only else worker)

    assert case.status == move.target
    last = CaseTransition.objects.filter(case=case).last()
    assert (last.action, last.from_status, last.to_status) == (action, source, move.target)
    assert last.by == (supervisor if move.supervisor_only else worker)


def test_every_move_the_table_does_not_allow_is_refused_and_changes_nothing(open_case, supervisor):
    case = open_case()
    refused = 0
    for status in Status.values:
        Case.objects.filter(pk=case.pk).update(status=status)
        allowed = {move.action for move in workflow.moves_from(status)}
        for move in workflow.MOVES:
            if move.action in allowed:
                continue
            with pytest.raises(services.CaseError) as error:
                services.apply_transition(case, action=move.action, by=supervisor, note="x")
            assert error.value.conflict and str(error.value)
            refused += 1
        case.refresh_from_db()
        assert case.status == status
    assert refused == len(Status.values) * len(workflow.MOVES) - len(LEGAL)
    assert not CaseTransition.objects.filter(case=case).exclude(action="open").exists()


def test_an_unknown_action_is_refused_with_a_message(open_case, worker):
    with pytest.raises(services.CaseError, match="teleport"):
        services.apply_transition(open_case(), action="teleport", by=worker)


def test_a_move_needs_its_form_first(open_case, worker):
    case = step(open_case(), "start_initial_assessment", by=worker)
    with pytest.raises(services.CaseError, match="02|Mẫu|Form"):
        services.apply_transition(case, action="start_detailed_assessment", by=worker)
    assert Case.objects.get(pk=case.pk).status == Status.INITIAL_ASSESSMENT


def test_another_worker_cannot_move_a_case_they_do_not_work_on(open_case, persona):
    case = open_case()
    other = User.objects.create_user(username="worker_lc2", password="x", role="social_worker",
                                      scope_level="province", province=persona("worker").province)
    with pytest.raises(services.CaseError) as error:
        services.apply_transition(case, action="start_initial_assessment", by=other)
    assert not error.value.conflict


def test_a_full_run_from_received_to_closed_with_a_rejected_plan_and_a_reopening(
        open_case, worker, supervisor):
    case = open_case(is_emergency=True)
    case = step(case, "start_initial_assessment", by=worker)
    case = step(case, "record_emergency_protection", by=worker)
    assert case.status == Status.EMERGENCY_PROTECTION
    for action in ["start_detailed_assessment", "hold_case_conference", "start_plan", "submit_plan"]:
        case = step(case, action, by=worker)
    assert case.status == Status.PLAN_SUBMITTED

    # The supervisor returns the plan with comments: back to drafting, the comments kept.
    with pytest.raises(services.CaseError):
        services.apply_transition(case, action="reject_plan", by=supervisor, note="  ")
    case = services.apply_transition(case, action="reject_plan", by=supervisor,
                                     note="Bổ sung kinh phí cho khám sức khỏe.")
    assert case.status == Status.PLAN_DRAFTED
    rejected = case.approvals.get(kind=Approval.Kind.PLAN)
    assert (rejected.approved, rejected.decided_by, rejected.comments) == (
        False, supervisor, "Bổ sung kinh phí cho khám sức khỏe.")
    assert not case.clocks.filter(code=ClockCode.PLAN_APPROVAL_2WD, cancelled_at__isnull=True).exists()

    add_task(case, worker, title="Khám sức khỏe tại Bệnh viện Đa khoa tỉnh", cost_vnd=1_500_000,
             start_date=date(2026, 3, 3), end_date=date(2026, 3, 3))
    case = step(case, "submit_plan", by=worker)
    case = step(case, "approve_plan", by=supervisor)
    assert case.status == Status.PLAN_APPROVED
    approval = case.documents.get(kind=DocumentKind.APPROVAL)
    assert approval.author == supervisor
    assert clock_of(case, ClockCode.FOLLOW_UP_VISIT).is_running

    case = step(case, "start_implementation", by=worker)
    task = case.plan_tasks.first()
    from agencies.models import ServiceType

    services.record_service(case, by=worker, task=task, service_type=ServiceType.objects.get(code="MEDICAL_EXAM"),
                            delivered_on=date(2026, 3, 3), cost_vnd=1_450_000, outcome="Sức khỏe bình thường.")
    task.refresh_from_db()
    assert task.status == "DELIVERED"
    services.record_visit(case, by=worker, visited_on=date(2026, 3, 10), place="Nhà bà ngoại",
                          present="Cháu, bà ngoại", child_said="Cháu thích ở với bà.")
    assert clock_of(case, ClockCode.FOLLOW_UP_VISIT).met_at is not None

    case = step(case, "start_review", by=worker)
    with pytest.raises(services.CaseError):  # Form 06 before closing after a plan
        fill(case, DocumentKind.CLOSURE, worker)
        services.apply_transition(case, action="request_closure", by=worker)
    case = step(case, "request_closure", by=worker)
    assert case.status == Status.CLOSURE_REQUESTED
    case = step(case, "approve_closure", by=supervisor)
    assert case.status == Status.CLOSED
    assert case.closed_at is not None and case.closure_reason == "GOALS_MET"
    assert not case.clocks.filter(met_at__isnull=True, cancelled_at__isnull=True).exists()

    # Closed: no more forms; reopening needs a reason.
    with pytest.raises(services.CaseError):
        fill(case, DocumentKind.PLAN, worker)
    with pytest.raises(services.CaseError):
        services.apply_transition(case, action="reopen", by=worker, note="")
    case = services.apply_transition(case, action="reopen", by=worker, note="Cha dượng quay lại sống cùng nhà.")
    assert case.status == Status.INITIAL_ASSESSMENT
    assert (case.closed_at, case.closure_reason, case.outcome) == (None, "", "")
    assert clock_of(case, ClockCode.PLAN_DRAFT_5WD).is_running
    actions = list(case.transitions.values_list("action", flat=True))
    assert actions == ["open", "start_initial_assessment", "record_emergency_protection",
                       "start_detailed_assessment", "hold_case_conference", "start_plan", "submit_plan",
                       "reject_plan", "submit_plan", "approve_plan", "start_implementation", "start_review",
                       "request_closure", "approve_closure", "reopen"]
    assert case.transitions.get(action="reopen").note == "Cha dượng quay lại sống cùng nhà."


def test_a_second_round_of_planning_restarts_the_clocks_and_keeps_the_first_round(open_case, worker, supervisor):
    case = open_case()
    for action in FULL_PATH[:-1]:
        case = step(case, action, by=supervisor if action == "approve_plan" else worker)
    services.record_visit(case, by=worker, visited_on=timezone.localdate(), place="Nhà cháu")
    case = step(case, "start_review", by=worker)
    case = services.apply_transition(case, action="replan", by=worker, note="Cháu chuyển trường, cần kế hoạch mới.")
    assert case.status == Status.PLAN_DRAFTED
    assert clock_of(case, ClockCode.PLAN_DRAFT_5WD).is_running
    for action in ["submit_plan", "approve_plan", "start_implementation"]:
        case = step(case, action, by=supervisor if action == "approve_plan" else worker)
    assert case.status == Status.IN_PROGRESS
    assert clock_of(case, ClockCode.FOLLOW_UP_VISIT).is_running
    # The first round's deadlines still say when they were met.
    assert case.clocks.filter(code=ClockCode.PLAN_DRAFT_5WD, met_at__isnull=False).count() == 2
    assert case.clocks.filter(code=ClockCode.FOLLOW_UP_VISIT, met_at__isnull=False).count() == 1


# --- Approvals ----------------------------------------------------------------------------------


def test_nobody_approves_their_own_plan(open_case, supervisor, supervisor_2):
    case = open_case(by=supervisor)
    for action in FULL_PATH[:5]:
        case = step(case, action, by=supervisor)
    with pytest.raises(services.CaseError) as error:
        services.apply_transition(case, action="approve_plan", by=supervisor)
    assert error.value.conflict
    assert Case.objects.get(pk=case.pk).status == Status.PLAN_SUBMITTED
    case = services.apply_transition(case, action="approve_plan", by=supervisor_2)
    assert case.status == Status.PLAN_APPROVED
    assert case.approvals.get().decided_by == supervisor_2


def test_a_worker_cannot_approve_the_plan_they_submitted(open_case, worker):
    case = open_case()
    for action in FULL_PATH[:5]:
        case = step(case, action, by=worker)
    with pytest.raises(services.CaseError) as error:
        services.apply_transition(case, action="approve_plan", by=worker)
    assert error.value.conflict
    assert case.approvals.get().decided_at is None


def test_nobody_approves_their_own_closure_and_a_refusal_returns_to_review(
        open_case, worker, supervisor, supervisor_2):
    case = open_case(level=Level.EARLY_SUPPORT, by=supervisor)
    case = step(case, "start_initial_assessment", by=supervisor)
    case = step(case, "request_closure", by=supervisor)
    with pytest.raises(services.CaseError) as error:
        services.apply_transition(case, action="approve_closure", by=supervisor)
    assert error.value.conflict
    case = services.apply_transition(case, action="reject_closure", by=supervisor_2, note="Cần đánh giá chi tiết.")
    assert case.status == Status.REVIEW
    with pytest.raises(services.CaseError):  # Form 06 is needed to close from review
        services.apply_transition(case, action="request_closure", by=supervisor)
    fill(case, DocumentKind.REVIEW, supervisor)
    case = services.apply_transition(case, action="request_closure", by=supervisor)
    case = services.apply_transition(case, action="approve_closure", by=supervisor_2)
    assert case.status == Status.CLOSED


# --- One open case per child and level ----------------------------------------------------------


def test_one_open_case_per_child_and_level(open_case, new_child, worker, supervisor):
    child = new_child()
    first = open_case(child)
    with pytest.raises(services.CaseError) as error:
        open_case(child)
    assert error.value.conflict and first.case_number in str(error.value)
    assert open_case(child, level=Level.EARLY_SUPPORT).level == Level.EARLY_SUPPORT
    # Closed, the level is free again; and then the old one cannot be reopened.
    for action, by in [("start_initial_assessment", worker), ("request_closure", worker),
                       ("approve_closure", supervisor)]:
        first = step(first, action, by=by)
    second = open_case(child)
    assert second.case_number != first.case_number
    with pytest.raises(services.CaseError) as error:
        services.apply_transition(first, action="reopen", by=worker, note="Có báo cáo mới.")
    assert error.value.conflict
    assert Case.objects.filter(child=child, level=Level.INTERVENTION).exclude(status=Status.CLOSED).count() == 1


def test_the_database_refuses_a_second_open_case_at_a_level(open_case):
    case = open_case()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(case_number="HS-15-2026-X", child=case.child, level=case.level, category=case.category,
                            channel=case.channel, source=case.source, received_at=case.received_at,
                            commune=case.commune)


def test_case_numbers_carry_province_and_year_of_receipt(open_case):
    case = open_case(received_at=at(2026, 2, 13, 22, 0))
    assert case.case_number.startswith("HS-15-2026-")


def test_information_received_in_the_future_is_refused(open_case):
    with pytest.raises(services.CaseError):
        open_case(received_at=timezone.now() + timedelta(hours=1))
    assert not Case.objects.filter(received_at__gt=timezone.now()).exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_openings_at_one_level_give_one_case(transactional_db):
    """Two workers open the same child's case at the same instant, each on its own connection,
    and the application's check is skipped: the database constraint alone keeps one open case."""
    from beneficiaries import services as registry
    from geography.models import Commune
    from geography.services import load_official_units

    if not Commune.objects.filter(code=SA_PA).exists():  # a previous transactional test flushed it
        load_official_units()
    place = commune(SA_PA)
    worker = User.objects.create_user(username="race_worker", password="x", role="social_worker",
                                      scope_level="province", province=place.province)
    child = registry.register_child(by=worker, data={"full_name": "Hà Thị Đua", "sex": "F",
                                                     "date_of_birth": date(2015, 1, 1), "commune": place})
    barrier = threading.Barrier(2)
    opened, refused, unexpected = [], [], []

    def open_one():
        try:
            barrier.wait(timeout=10)
            opened.append(services.open_case(
                child=child, level=Level.INTERVENTION, category="ABUSED", channel="PHONE", source="HOTLINE",
                received_at=timezone.now() - timedelta(minutes=5), commune=place, is_emergency=True, by=worker,
                intake=content(DocumentKind.INTAKE)))
        except services.CaseError as error:
            refused.append(error)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            unexpected.append(error)
        finally:
            connection.close()

    with mock.patch.object(services, "_ensure_no_open_case"):
        threads = [threading.Thread(target=open_one) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert unexpected == []
    assert len(opened) == 1 and len(refused) == 1 and refused[0].conflict
    assert Case.objects.filter(child=child, level=Level.INTERVENTION).count() == 1
    # The loser left nothing behind: no orphan form or clock.
    assert CaseClock.objects.filter(case__child=child).count() == 2


# --- Levels -------------------------------------------------------------------------------------


def test_level_changes_are_recorded_with_their_reason(open_case, worker):
    case = open_case(level=Level.PREVENTION)
    assert not case.clocks.exists()  # prevention work has no Decree 56 plan deadline
    case = services.change_level(case, to_level=Level.EARLY_SUPPORT, reason="Phát hiện nguy cơ bị bỏ mặc.",
                                 by=worker)
    assert clock_of(case, ClockCode.PLAN_DRAFT_5WD).is_running
    case = services.change_level(case, to_level=Level.INTERVENTION, reason="Cháu bị đánh, có thương tích.",
                                 by=worker)
    case = services.change_level(case, to_level=Level.EARLY_SUPPORT, reason="Đã an toàn, chuyển sang hỗ trợ.",
                                 by=worker)
    history = list(LevelChange.objects.filter(case=case).values_list("from_level", "to_level", "reason"))
    assert history == [
        (Level.PREVENTION, Level.EARLY_SUPPORT, "Phát hiện nguy cơ bị bỏ mặc."),
        (Level.EARLY_SUPPORT, Level.INTERVENTION, "Cháu bị đánh, có thương tích."),
        (Level.INTERVENTION, Level.EARLY_SUPPORT, "Đã an toàn, chuyển sang hỗ trợ."),
    ]
    assert Case.objects.get(pk=case.pk).level == Level.EARLY_SUPPORT
    assert case.clocks.filter(code=ClockCode.PLAN_DRAFT_5WD, cancelled_at__isnull=True).count() == 1


def test_a_level_change_is_refused_without_reason_to_the_same_level_or_onto_another_open_case(
        open_case, new_child, worker):
    child = new_child()
    case = open_case(child, level=Level.EARLY_SUPPORT)
    open_case(child, level=Level.INTERVENTION)
    with pytest.raises(services.CaseError):
        services.change_level(case, to_level=Level.PREVENTION, reason=" ", by=worker)
    with pytest.raises(services.CaseError):
        services.change_level(case, to_level=Level.EARLY_SUPPORT, reason="Không đổi.", by=worker)
    with pytest.raises(services.CaseError) as error:
        services.change_level(case, to_level=Level.INTERVENTION, reason="Leo thang.", by=worker)
    assert error.value.conflict
    assert not LevelChange.objects.filter(case=case).exists()


def test_de_escalating_to_prevention_stops_the_plan_deadline(open_case, worker):
    case = open_case(level=Level.EARLY_SUPPORT)
    services.change_level(case, to_level=Level.PREVENTION, reason="Chỉ cần truyền thông, giáo dục kỹ năng.",
                          by=worker)
    assert not case.clocks.filter(code=ClockCode.PLAN_DRAFT_5WD, met_at__isnull=True,
                                  cancelled_at__isnull=True).exists()


# --- Clocks -------------------------------------------------------------------------------------


def test_an_emergency_on_the_friday_before_tet_gets_its_clocks_on_the_right_dates(open_case):
    # Friday 13/02/2026 22:00; the Tết break runs 14-22/02/2026 (core migration 0004).
    case = open_case(is_emergency=True, received_at=at(2026, 2, 13, 22, 0))
    emergency = clock_of(case, ClockCode.EMERGENCY_12H)
    plan = clock_of(case, ClockCode.PLAN_DRAFT_5WD)
    assert local(emergency.due_at) == datetime(2026, 2, 14, 10, 0)  # 12 calendar hours, holidays or not
    assert timezone.localtime(plan.due_at).date() == date(2026, 2, 27)  # working days 23, 24, 25, 26, 27/02
    assert local(plan.due_at) == datetime(2026, 2, 27, 23, 59, 59)  # the end of the fifth working day
    assert emergency.started_at == plan.started_at == at(2026, 2, 13, 22, 0)


def test_emergency_protection_recorded_in_time_meets_the_12_hour_clock(open_case, worker):
    case = open_case(is_emergency=True, received_at=at(2026, 2, 13, 22, 0))
    fill(case, DocumentKind.SEPARATION, worker, decided_at="2026-02-14T08:00")
    case = step(case, "record_emergency_protection", by=worker)
    emergency = case.clocks.get(code=ClockCode.EMERGENCY_12H)
    assert local(emergency.met_at) == datetime(2026, 2, 14, 8, 0)
    assert emergency.state == "met" and not emergency.is_overdue()
    # Separated on 14/02 08:00: at most 15 calendar days, until 01/03 08:00.
    separation = clock_of(case, ClockCode.SEPARATION_MAX_15D)
    assert local(separation.due_at) == datetime(2026, 3, 1, 8, 0)
    services.lift_separation(case, by=worker, at=at(2026, 2, 27, 9, 0))
    separation.refresh_from_db()
    assert separation.state == "met"


def test_emergency_protection_recorded_late_is_met_late_and_a_forgotten_clock_is_overdue(open_case, worker):
    case = open_case(is_emergency=True, received_at=at(2026, 2, 13, 22, 0))
    plan = clock_of(case, ClockCode.PLAN_DRAFT_5WD)
    assert plan.state == "overdue"
    assert plan.is_overdue(now=at(2026, 2, 28, 0, 0)) and not plan.is_overdue(now=at(2026, 2, 27, 23, 0))
    fill(case, DocumentKind.SEPARATION, worker, decided_at="2026-02-14T11:30")
    step(case, "record_emergency_protection", by=worker)
    emergency = case.clocks.get(code=ClockCode.EMERGENCY_12H)
    assert emergency.state == "met_late" and emergency.is_overdue()


def test_a_fresh_case_has_running_clocks(open_case):
    case = open_case(is_emergency=True)
    assert {c.state for c in case.clocks.all()} == {"running"}


def test_plan_approval_has_two_working_days_from_submission(open_case, worker):
    case = open_case()
    for action in FULL_PATH[:5]:
        case = step(case, action, by=worker)
    approval = clock_of(case, ClockCode.PLAN_APPROVAL_2WD)
    assert approval.due_at == add_working_days(approval.started_at, 2)
    assert case.clocks.get(code=ClockCode.PLAN_DRAFT_5WD).met_at is not None
    # Submitted on Thursday 12/02/2026: Friday 13/02 is the first working day, the Tết break
    # (14-22/02) is skipped, and Monday 23/02 is the second.
    assert local(clocks.due_for(ClockCode.PLAN_APPROVAL_2WD, at(2026, 2, 12, 10, 0))) == datetime(
        2026, 2, 23, 23, 59, 59)


def test_separation_lasts_at_most_15_calendar_days(open_case, worker):
    case = open_case(is_emergency=True, received_at=at(2026, 4, 24, 9, 0))
    fill(case, DocumentKind.SEPARATION, worker, decided_at="2026-04-24T15:00")
    separation = clock_of(case, ClockCode.SEPARATION_MAX_15D)
    # 30/04 and 01/05 are holidays; calendar days count anyway.
    assert local(separation.due_at) == datetime(2026, 5, 9, 15, 0)
    assert fill(case, DocumentKind.SEPARATION, worker, temporary_separation=False).content[
        "temporary_separation"] is False
    assert clock_of(case, ClockCode.SEPARATION_MAX_15D).pk == separation.pk  # not restarted without separation


# --- Reminders ----------------------------------------------------------------------------------


def persona_province(code: str):
    from geography.models import Province

    return Province.objects.current().get(code=code)


def reminder_count(clock: CaseClock, kind: str) -> int:
    return Notification.objects.filter(key=f"clock:{clock.pk}:{kind}").count()


def test_a_missed_deadline_notifies_the_worker_and_the_supervisors_once(open_case, worker, supervisor,
                                                                          supervisor_2):
    case = open_case(received_at=at(2026, 2, 13, 22, 0))
    plan = clock_of(case, ClockCode.PLAN_DRAFT_5WD)
    now = at(2026, 3, 2, 9, 0)
    reminders.check_deadlines(now=now)
    reminders.check_deadlines(now=now + timedelta(minutes=5))
    assert reminder_count(plan, "missed") == 3
    assert set(Notification.objects.filter(key=f"clock:{plan.pk}:missed").values_list("user__username", flat=True)) \
        == {worker.username, supervisor.username, supervisor_2.username}
    notice = Notification.objects.get(user=worker, key=f"clock:{plan.pk}:missed")
    assert case.case_number in notice.title
    assert str(case.public_id) in notice.url
    assert reminder_count(plan, "near") == 0
    plan.refresh_from_db()
    assert plan.missed_notified_at == now


def test_a_near_deadline_notifies_once_and_then_once_more_when_missed(open_case, worker, supervisor):
    received = timezone.now() - timedelta(hours=11)
    case = open_case(is_emergency=True, received_at=received)
    emergency = clock_of(case, ClockCode.EMERGENCY_12H)
    elsewhere = User.objects.create_user(username="supervisor_dt", password="x", role="supervisor",
                                         scope_level="province", province=persona_province("82"))
    now = received + timedelta(hours=10)  # two hours left of twelve: inside the warning window
    first = reminders.check_deadlines(now=now)
    reminders.check_deadlines(now=now + timedelta(minutes=5))
    assert first["near"] >= 2
    assert reminder_count(emergency, "near") == 2  # the worker and the supervisor, once
    assert reminder_count(clock_of(case, ClockCode.PLAN_DRAFT_5WD), "near") == 0
    assert not Notification.objects.filter(user=elsewhere).exists()
    reminders.check_deadlines(now=received + timedelta(hours=13))
    reminders.check_deadlines(now=received + timedelta(hours=14))
    assert reminder_count(emergency, "missed") == 2


def test_a_met_or_cancelled_clock_sends_nothing(open_case, worker):
    case = open_case(is_emergency=True, received_at=at(2026, 2, 13, 22, 0))
    fill(case, DocumentKind.SEPARATION, worker, decided_at="2026-02-14T08:00")
    step(case, "record_emergency_protection", by=worker)
    reminders.check_deadlines(now=at(2026, 3, 2, 9, 0))
    assert reminder_count(case.clocks.get(code=ClockCode.EMERGENCY_12H), "missed") == 0


def test_a_reminder_run_that_fails_halfway_is_sent_by_the_next_run(open_case, worker):
    case = open_case(received_at=at(2026, 2, 13, 22, 0))
    plan = clock_of(case, ClockCode.PLAN_DRAFT_5WD)
    real_notify = reminders.notify

    def failing_for_this_clock(user, *, key, **kwargs):
        if key.startswith(f"clock:{plan.pk}:") and user == worker:
            raise RuntimeError("mail server down")
        return real_notify(user, key=key, **kwargs)

    with mock.patch.object(reminders, "notify", side_effect=failing_for_this_clock), pytest.raises(RuntimeError):
        reminders.check_deadlines(now=at(2026, 3, 2, 9, 0))
    plan.refresh_from_db()
    assert plan.missed_notified_at is None  # the claim was undone with the failed send
    reminders.check_deadlines(now=at(2026, 3, 2, 9, 5))
    assert reminder_count(plan, "missed") == 2  # the supervisor and the worker, each once
    assert Notification.objects.filter(user=worker, key=f"clock:{plan.pk}:missed").exists()


def test_document_content_is_stored_as_validated(open_case, worker):
    case = open_case()
    document = fill(case, DocumentKind.INITIAL_ASSESSMENT, worker)
    assert document.content["assessed_on"] == "2026-02-14"
    assert document.content["risk_level"] == CONTENT[DocumentKind.INITIAL_ASSESSMENT]["risk_level"]
    with pytest.raises(services.CaseError):
        services.save_document(case, kind=DocumentKind.APPROVAL, content={}, by=worker)


# --- Services check permissions again, whatever the caller ---------------------------------------


def test_services_refuse_someone_not_working_on_the_case(open_case, persona):
    case = open_case()
    stranger = persona("worker_b")
    with pytest.raises(services.CaseError):
        services.save_document(case, kind="INITIAL_ASSESSMENT", content=content("INITIAL_ASSESSMENT"), by=stranger)
    with pytest.raises(services.CaseError):
        services.record_visit(case, by=stranger, visited_on=date(2026, 1, 5), place="Nhà trẻ")
    with pytest.raises(services.CaseError):
        services.reassign(case, to_worker=persona("worker"), reason="thử", by=persona("worker"))
    assert not case.documents.filter(kind="INITIAL_ASSESSMENT").exists()
    assert not case.visits.exists()


def test_a_renamed_program_is_refused_by_the_service_itself(open_case, worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = open_case()
    fake_pdf = SimpleUploadedFile("bien-ban.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(services.CaseError):
        services.add_attachment(case, upload=fake_pdf, description="", by=worker)
    real_pdf = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.7 signed", content_type="application/octet-stream")
    assert services.add_attachment(case, upload=real_pdf, description="", by=worker).content_type == "application/pdf"


def test_lifting_a_separation_that_is_not_running_is_refused(open_case, worker):
    case = open_case()
    with pytest.raises(services.CaseError):
        services.lift_separation(case, by=worker)
    assert not case.transitions.filter(action="lift_separation").exists()


def test_the_assigned_worker_sees_the_childs_sensitive_data(open_case, persona):
    from beneficiaries.permissions import can_view_sensitive

    other_worker = persona("worker")
    case = open_case()
    child = case.child
    child.key_worker = None
    child.save()
    assert case.assigned_worker == other_worker
    assert can_view_sensitive(other_worker, child)
    case.assigned_worker = None
    case.save()
    assert not can_view_sensitive(other_worker, child)


def test_the_counsellor_who_took_the_report_reads_its_narratives(open_case, persona):
    from cases.permissions import can_read_narratives

    case = open_case()
    hotline = persona("hotline")
    assert not can_read_narratives(hotline, case)
    case.opened_by = hotline
    case.save()
    assert can_read_narratives(hotline, case)
    assert not can_read_narratives(persona("official"), case)


def test_full_names_are_in_vietnamese_order(persona):
    assert persona("worker").get_full_name() == "Nguyễn Thị Lan"
