"""Fixtures of the cases tests: fresh children (so no demo case is in the way), valid step forms,
a second supervisor, and `step` which runs one move of the workflow table with what it needs."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from beneficiaries import services as registry
from cases import services, workflow
from cases.choices import Channel, ChildCategory, Level, Source
from cases.documents import DOCUMENT_FORMS
from cases.models import Case, DocumentKind
from geography.models import Commune

SA_PA = "03006"  # Phường Sa Pa, Lào Cai (15)
CAO_LANH = "29869"  # Phường Cao Lãnh, Đồng Tháp (82)


def at(*args) -> datetime:
    """An aware datetime in Viet Nam's time zone."""
    return timezone.make_aware(datetime(*args))


def commune(code: str = SA_PA) -> Commune:
    return Commune.objects.current().select_related("province").get(code=code)


CONTENT = {
    DocumentKind.INTAKE: {
        "receiving_body": "UBND phường Sa Pa", "place": "Tổ dân phố 1, phường Sa Pa",
        "child_condition": "Cháu có vết bầm ở tay, sợ hãi, không muốn về nhà.",
        "family_circumstances": "Bố mẹ ly hôn, cháu sống với mẹ và cha dượng.",
        "reporter_agrees": True, "reporter_name": "Trần Văn Bình", "reporter_phone": "0912000111",
    },
    DocumentKind.INITIAL_ASSESSMENT: {
        "assessed_on": "2026-02-14", "risk_level": "HIGH", "emergency_needed": True,
        "harm": "Bị đánh nhiều lần; người gây hại sống cùng nhà.",
    },
    DocumentKind.DETAILED_ASSESSMENT: {
        "assessed_on": "2026-02-24", "physical_psychological": "Vết thương đã lành; cháu hay giật mình.",
        "family_situation": "Mẹ muốn bảo vệ cháu nhưng phụ thuộc kinh tế vào cha dượng.",
        "needs": ["medical", "counselling"], "child_views": "Cháu muốn ở với bà ngoại và tiếp tục đi học.",
    },
    DocumentKind.CONFERENCE: {
        "held_on": "2026-02-25", "chaired_by": "Chủ tịch UBND phường Sa Pa",
        "participants": "Cán bộ bảo vệ trẻ em, công an phường, giáo viên chủ nhiệm, mẹ của cháu",
        "caregivers_attended": True, "discussion": "Thống nhất cho cháu ở với bà ngoại.",
        "decisions": "Khám sức khỏe, tham vấn tâm lý, trợ giúp pháp lý cho mẹ.",
    },
    DocumentKind.PLAN: {"goals": "Cháu an toàn, ổn định tâm lý và đi học đều trong 3 tháng."},
    DocumentKind.REVIEW: {
        "reviewed_on": "2026-05-29", "remaining_harm": "LOW", "abuser_access": "LOW",
        "environment_obstacles": "MEDIUM", "child_capacity": "HIGH",
        "conclusion": "Cháu ổn định, đi học đều; đề nghị kết thúc.",
    },
    DocumentKind.SEPARATION: {
        "decided_at": "2026-02-14T08:00", "decided_by": "Chủ tịch UBND phường Sa Pa", "temporary_separation": True,
        "place_of_care": "Trung tâm Công tác xã hội tỉnh Lào Cai", "reason": "Người chăm sóc là người gây hại.",
    },
    DocumentKind.CLOSURE: {"closure_reason": "GOALS_MET", "outcome": "Cháu an toàn, sống với bà ngoại."},
}


def content(kind: str, **changes) -> dict:
    """A step's form content, validated by the form the pages and the API use."""
    form = DOCUMENT_FORMS[kind](data={**CONTENT[kind], **changes})
    assert form.is_valid(), form.errors
    return form.content()


def fill(case: Case, kind: str, by, **changes):
    return services.save_document(case, kind=kind, content=content(kind, **changes), by=by)


def add_task(case: Case, by, **changes):
    data = {"title": "Tham vấn tâm lý 8 buổi", "start_date": date(2026, 3, 2), "end_date": date(2026, 4, 30),
            "responsible": "Trung tâm Công tác xã hội tỉnh Lào Cai", "cost_vnd": 4_000_000, **changes}
    return services.add_plan_task(case, by=by, **data)


def step(case: Case, action: str, *, by, note: str = "") -> Case:
    """Run one move after filling in the forms it needs (and a plan task before a submission)."""
    move = workflow.move_for(action)
    for kind in move.requires:
        if not case.documents.filter(kind=kind).exists():
            fill(case, kind, by)
    if action == "submit_plan" and not case.plan_tasks.exists():
        add_task(case, by)
    if action == "request_closure" and case.status == "REVIEW" and not case.documents.filter(kind="REVIEW").exists():
        fill(case, DocumentKind.REVIEW, by)
    if move.needs_note and not note:
        note = "Lý do: cần bổ sung."
    return services.apply_transition(case, action=action, by=by, note=note)


@pytest.fixture
def worker(persona):
    return persona("worker")


@pytest.fixture
def supervisor(persona):
    return persona("supervisor")


@pytest.fixture
def supervisor_2(db, supervisor):
    """A second supervisor of Lào Cai, to decide what the first one submitted."""
    return User.objects.create_user(username="supervisor_lc2", password="x-not-used-x", first_name="Quang",
                                    last_name="Đặng Văn", role="supervisor", scope_level="province",
                                    province=supervisor.province)


_names = iter(range(1, 10_000))


@pytest.fixture
def new_child(db, worker):
    """new_child() -> a child of Phường Sa Pa registered by `worker`, with no case yet."""

    def _child(code: str = SA_PA, by=None, name: str = ""):
        return registry.register_child(by=by or worker, data={
            "full_name": name or f"Lò Thị Mỷ {next(_names)}", "sex": "F", "date_of_birth": date(2014, 4, 4),
            "ethnicity": "01", "commune": commune(code)})

    return _child


@pytest.fixture
def open_case(db, worker, new_child):
    """open_case(child=None, level=INTERVENTION, received_at=now - 1h, ...) -> a case opened by `worker`."""

    def _open(child=None, *, by=None, code: str = SA_PA, **changes):
        data = {"level": Level.INTERVENTION, "category": ChildCategory.ABUSED, "channel": Channel.PHONE,
                "source": Source.HOTLINE, "received_at": timezone.now() - timedelta(hours=1), "is_emergency": False,
                "intake": content(DocumentKind.INTAKE), "summary": "Hàng xóm báo cháu bị đánh.", **changes}
        return services.open_case(child=child or new_child(code, by=by), commune=commune(code), by=by or worker,
                                  **data)

    return _open


@pytest.fixture
def api(db):
    """api("worker") -> a DRF client signed in (session) as that persona."""

    def _api(username: str) -> APIClient:
        client = APIClient()
        client.force_login(User.objects.get(username=username))
        return client

    return _api
