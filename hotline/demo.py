"""Demo hotline data for seed_demo: the Lào Cai provincial line beside the national 111, the
`hotline` counsellor on both and the Lào Cai `supervisor` as its supervisor, Đồng Tháp's line
with its counsellor `hotline_b` (no calls), and about 25 calls over the last days with the mix a
line really gets: mostly silent calls, hang-ups and pranks, a few information requests, one call
abandoned in the queue, four counselling calls (one with a callback due, one escalated into an
emergency intervention case for a demo child in Lào Cai).

Every call goes through the services (the phone system's record, then the counsellor's log), as
the pages and the API make them. Idempotent: each call carries a demo Idempotency-Key, and a key
already used means the call exists.
"""

import importlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from beneficiaries.models import Child
from cases.choices import OPEN_STATUSES, ChildCategory, Level
from cases.models import AbuseType, Case
from geography.models import Commune, Province
from hotline import services
from hotline.choices import (
    ActionTaken,
    CallerRelationship,
    ConnectionOutcome,
    ContactType,
    Urgency,
)
from hotline.models import CallCategory, Hotline

LAO_CAI_LINE = "LC-HOTLINE"
DONG_THAP_LINE = "DT-HOTLINE"  # hotline_b's line
NATIONAL_LINE = "111"
KEY_PREFIX = "demo-hotline-"

C = ContactType
O = ConnectionOutcome  # noqa: E741 - short alias in the table below


@dataclass(frozen=True)
class DemoCall:
    key: str
    line: str
    hours_ago: float
    outcome: str
    contact_type: str = ""
    wait_seconds: int = 10
    talk_seconds: int = 20
    phone: str = ""
    counselling: dict = field(default_factory=dict)
    categories: tuple = ()
    escalate: bool = False
    callback_hours: float | None = None  # from now: negative is due already
    callback_done: bool = False


COUNSELLING = [
    # An urgent report to 111 about a child in Lào Cai: escalated into an emergency intervention case.
    DemoCall("01", NATIONAL_LINE, 2.5, O.ANSWERED, C.THIRD_PARTY, 14, 11 * 60, "0358123456", {
        "caller_relationship": CallerRelationship.NEIGHBOUR_COMMUNITY, "caller_name": "Sùng Thị Dua",
        "registered_child": "Trần Minh Khôi", "urgency": Urgency.EMERGENCY,
        "summary": "Hàng xóm báo cháu Khôi (7 tuổi) bị cha dượng đánh nhiều lần, tối nay cháu khóc, có vết bầm ở "
                   "tay và lưng; mẹ cháu đi làm xa. Người gọi sợ cháu bị đánh tiếp trong đêm.",
        "actions_taken": [ActionTaken.COUNSELLED],
        "follow_up": "Chuyển ngay cho đội công tác xã hội tỉnh Lào Cai; gọi lại người báo tin sau khi có kết quả.",
    }, ("VIOLENCE.PHYSICAL_VIOLENCE", "FAMILY.RELATIONSHIP_TO_CAREGIVER"), escalate=True),
    # A girl bullied at school, who does not want to be called back.
    DemoCall("02", LAO_CAI_LINE, 26, O.ANSWERED, C.CHILD_SELF, 6, 18 * 60, "0971234568", {
        "caller_relationship": CallerRelationship.CHILD_SELF, "caller_anonymous": True,
        "child_sex": "F", "child_age": 14, "child_commune": "03006", "urgency": Urgency.MEDIUM,
        "summary": "Em bị một nhóm bạn cùng lớp trêu chọc, chụp ảnh đăng lên mạng. Em không dám nói với cô giáo và "
                   "bố mẹ. Đã trò chuyện, hướng dẫn em cách xin giúp đỡ và số tổng đài.",
        "actions_taken": [ActionTaken.COUNSELLED, ActionTaken.INFORMATION_GIVEN], "do_not_call_back": True,
    }, ("VIOLENCE.BULLYING", "EDUCATION_OCCUPATION.TEACHER_AND_SCHOOL_PROBLEMS")),
    # A mother worried about her son's anxiety: a callback is due.
    DemoCall("03", NATIONAL_LINE, 50, O.ANSWERED, C.THIRD_PARTY, 22, 14 * 60, "0916234567", {
        "caller_relationship": CallerRelationship.PARENT_CAREGIVER, "caller_name": "Hoàng Thị Nga",
        "child_sex": "M", "child_age": 15, "child_commune": "02647", "urgency": Urgency.LOW,
        "summary": "Mẹ gọi vì con trai lớp 9 mất ngủ, lo âu trước kỳ thi vào lớp 10, ít nói chuyện với gia đình.",
        "actions_taken": [ActionTaken.COUNSELLED], "follow_up": "Gọi lại sau buổi tư vấn tâm lý ở trường.",
    }, ("MENTAL_HEALTH.EMOTIONAL_DISTRESS_FEAR_AND_ANXIETY",), callback_hours=-1),
    # A teacher reporting a pupil working at a brick kiln; the callback was made.
    DemoCall("04", LAO_CAI_LINE, 98, O.ANSWERED, C.THIRD_PARTY, 9, 9 * 60, "0204382111", {
        "caller_relationship": CallerRelationship.TEACHER_SCHOOL, "caller_name": "Lò Văn Thắng",
        "child_sex": "M", "child_age": 12, "child_commune": "02701", "urgency": Urgency.HIGH,
        "summary": "Thầy chủ nhiệm báo học sinh lớp 6 nghỉ học hai tuần để làm thuê ở lò gạch.",
        "actions_taken": [ActionTaken.COUNSELLED, ActionTaken.REFERRED],
        "follow_up": "Đã báo cán bộ bảo vệ trẻ em xã Y Tý.",
    }, ("VIOLENCE.CHILD_LABOUR", "EDUCATION_OCCUPATION.ACADEMIC_ISSUES"), callback_hours=-72, callback_done=True),
]

QUICK = [
    # (key, line, hours ago, contact type, talk seconds, phone)
    ("10", NATIONAL_LINE, 0.3, C.SILENT, 15, ""), ("11", NATIONAL_LINE, 0.8, C.HANG_UP, 4, ""),
    ("12", LAO_CAI_LINE, 1.2, C.PRANK, 40, "0387000111"), ("13", NATIONAL_LINE, 3.1, C.SILENT, 22, ""),
    ("14", NATIONAL_LINE, 5.0, C.INFORMATION_REQUEST, 3 * 60, "0912555777"),
    ("15", LAO_CAI_LINE, 7.5, C.WRONG_NUMBER, 12, "0368111222"), ("16", NATIONAL_LINE, 20, C.SILENT, 30, ""),
    ("17", NATIONAL_LINE, 23, C.HANG_UP, 3, ""), ("18", LAO_CAI_LINE, 28, C.INFORMATION_REQUEST, 4 * 60, ""),
    ("19", NATIONAL_LINE, 30, C.PRANK, 25, "0387000111"), ("20", NATIONAL_LINE, 45, C.ABUSIVE, 35, ""),
    ("21", NATIONAL_LINE, 47, C.SILENT, 10, ""), ("22", LAO_CAI_LINE, 52, C.TEST, 20, ""),
    ("23", NATIONAL_LINE, 70, C.HANG_UP, 5, ""), ("24", NATIONAL_LINE, 74, C.THANKS, 60, "0916234567"),
    ("25", LAO_CAI_LINE, 100, C.SILENT, 18, ""), ("26", NATIONAL_LINE, 120, C.PRANK, 30, ""),
    ("27", NATIONAL_LINE, 126, C.WRONG_NUMBER, 8, ""), ("28", LAO_CAI_LINE, 140, C.INFORMATION_REQUEST, 150, ""),
    ("29", NATIONAL_LINE, 145, C.HANG_UP, 2, ""), ("30", NATIONAL_LINE, 150, C.SILENT, 12, ""),
]
# (key, line, hours ago, outcome, wait seconds, phone): counted without a form.
UNANSWERED = [("40", NATIONAL_LINE, 4.2, O.ABANDONED_IN_QUEUE, 95, "0945123123")]


def ensure_reference_data() -> None:
    """The CHI categories, the 111 line and the abuse types an escalated call needs come from data
    migrations; a flushed test database (browser tests) has lost them, so load them again
    (update_or_create: idempotent)."""
    importlib.import_module("hotline.migrations.0002_reference_data").load(apps, None)
    importlib.import_module("cases.migrations.0002_abuse_types").load(apps, None)


def seed_lines(users: dict) -> dict[str, Hotline]:
    ensure_reference_data()
    lao_cai = Province.objects.current().get(code="15")
    provincial, _ = Hotline.objects.get_or_create(code=LAO_CAI_LINE, defaults={
        "name": "Đường dây nóng bảo vệ trẻ em tỉnh Lào Cai", "number": "02143840111", "province": lao_cai,
        "hours": "07:00-22:00"})
    national = Hotline.objects.get(code=NATIONAL_LINE)
    national.members.add(users["hotline"])
    provincial.members.add(users["hotline"], users["supervisor"])
    lines = {LAO_CAI_LINE: provincial, NATIONAL_LINE: national}
    if "hotline_b" in users:
        dong_thap, _ = Hotline.objects.get_or_create(code=DONG_THAP_LINE, defaults={
            "name": "Đường dây nóng bảo vệ trẻ em tỉnh Đồng Tháp", "number": "02773851111",
            "province": Province.objects.current().get(code="82"), "hours": "07:00-21:00"})
        dong_thap.members.add(users["hotline_b"])
        lines[DONG_THAP_LINE] = dong_thap
    return lines


def _times(hours_ago: float, wait: int, talk: int):
    received = timezone.now() - timedelta(hours=hours_ago)
    answered = received + timedelta(seconds=wait)
    return received, answered, answered + timedelta(seconds=talk)


def _record(line: Hotline, key: str, hours_ago: float, *, outcome: str, wait: int, talk: int, phone: str,
            counsellor=None):
    received, answered, ended = _times(hours_ago, wait, talk)
    answered_call = outcome == ConnectionOutcome.ANSWERED
    return services.record_from_phone_system(
        hotline=line, idempotency_key=KEY_PREFIX + key, received_at=received,
        answered_at=answered if answered_call else None, ended_at=ended if answered_call else answered,
        connection_outcome=outcome, caller_phone=phone, counsellor=counsellor)


def _counselling_data(demo: DemoCall) -> dict:
    details = dict(demo.counselling)
    data = {"contact_type": demo.contact_type, "caller_phone": demo.phone}
    child_name = details.pop("registered_child", None)
    if child_name:
        child = Child.objects.filter(full_name=child_name, merged_into__isnull=True).select_related("commune").first()
        if child is not None:
            data.update({"child": child, "child_name": child.full_name, "child_sex": child.sex,
                         "child_age": child.age, "child_commune": child.commune})
    commune = details.pop("child_commune", None)
    if commune:
        data["child_commune"] = Commune.objects.current().get(code=commune)
    data.update(details)
    return data


def _escalate(call, counsellor) -> None:
    """Skipped when the child already has an open intervention case (a rerun, or a case opened
    by hand since): the demo never fails on a rule of the procedure."""
    if call.child_id and Case.objects.filter(child_id=call.child_id, level=Level.INTERVENTION,
                                             status__in=OPEN_STATUSES).exists():
        return
    services.open_case_from_call(call, level=Level.INTERVENTION, category=ChildCategory.ABUSED, is_emergency=True,
                                 by=counsellor, abuse_types=list(AbuseType.objects.filter(code="VIOLENCE")))


def seed_hotline(users: dict) -> None:
    lines = seed_lines(users)
    counsellor = users["hotline"]
    for demo in COUNSELLING:
        call, created = _record(lines[demo.line], demo.key, demo.hours_ago, outcome=demo.outcome,
                                wait=demo.wait_seconds, talk=demo.talk_seconds, phone=demo.phone, counsellor=counsellor)
        if not created:
            continue
        categories = list(CallCategory.objects.filter(code__in=demo.categories))
        call = services.complete_call(call, data=_counselling_data(demo), categories=categories, by=counsellor)
        if demo.escalate:
            _escalate(call, counsellor)
        if demo.callback_hours is not None:
            callback = services.schedule_callback(
                call, due_at=timezone.now() + timedelta(hours=demo.callback_hours), by=counsellor)
            if demo.callback_done:
                services.record_callback_attempt(callback, reached=True, by=counsellor,
                                                 outcome="Thầy cho biết em đã đi học lại.")
    for key, line, hours_ago, contact_type, talk, phone in QUICK:
        call, created = _record(lines[line], key, hours_ago, outcome=ConnectionOutcome.ANSWERED, wait=8, talk=talk,
                                phone=phone, counsellor=counsellor)
        if created:
            services.quick_log(call, contact_type=contact_type, by=counsellor)
    for key, line, hours_ago, outcome, wait, phone in UNANSWERED:
        _record(lines[line], key, hours_ago, outcome=outcome, wait=wait, talk=0, phone=phone)
