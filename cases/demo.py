"""Demo cases for seed_demo: six cases on demo children of Lào Cai and Đồng Tháp, each stopped at
a different step of the Decree 56/2017 procedure, made through the services as a worker would make
them (so the forms, history and clocks are all real).

Idempotent: a case is skipped when its child already has a case at that level, open or closed.
Nguyễn Thị Hòa and her brother are left without cases, free for a newcomer to try opening one.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from agencies.models import ServiceType
from beneficiaries.models import Child
from cases import services
from cases.choices import AbuseSetting, Channel, ChildCategory, ClosureReason, Level, Source
from cases.documents import DOCUMENT_FORMS
from cases.models import AbuseType, Case, DocumentKind
from geography.models import Commune

D = DocumentKind


@dataclass(frozen=True)
class DemoCase:
    child: str  # full name of a demo child (beneficiaries.demo)
    level: str
    category: str
    channel: str
    source: str
    received_hours_ago: float
    summary: str
    intake: dict
    opened_by: str = "worker"
    assigned_to: str = ""
    is_emergency: bool = False
    abuse_types: tuple = ()
    abuse_setting: str = ""
    steps: tuple = ()  # ("form", kind, content) | ("move", action, actor, note) | ("task", data) | ...
    notes: dict = field(default_factory=dict)


def _day(days_ago: int) -> str:
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


def _moment(hours_ago: float) -> str:
    return (timezone.localtime() - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def _content(kind: str, data: dict) -> dict:
    """Demo forms go through the forms of the pages, so they hold what a worker could enter."""
    form = DOCUMENT_FORMS[kind](data=data)
    if not form.is_valid():
        raise ValueError(f"Demo {kind} form is invalid: {form.errors.as_json()}")
    return form.content()


def _form(kind: str, **data):
    return ("form", kind, data)


def _move(action: str, actor: str = "worker", note: str = ""):
    return ("move", action, actor, note)


def _task(**data):
    return ("task", data)


def demo_cases() -> list[DemoCase]:
    """Built at seeding time: dates count back from today."""
    return [
        # 1. An emergency at the intervention level: the father is the abuser; the child was taken
        #    to the provincial Social Work Centre within the 12 hours (Form 07).
        DemoCase(
            "Lý Thị Mai", Level.INTERVENTION, ChildCategory.ABUSED, Channel.PHONE, Source.HOTLINE, 7,
            "Hàng xóm gọi Tổng đài 111: cháu Mai (khuyết tật nghe nói) bị bố đánh bằng roi khi bố say rượu, "
            "tối qua cháu bỏ chạy sang nhà hàng xóm.",
            {"receiving_body": "Tổng đài điện thoại quốc gia bảo vệ trẻ em 111", "place": "Thôn Cốc Phương, xã Bát Xát",
             "child_condition": "Nhiều vết bầm ở lưng và chân; cháu sợ hãi, không dám về nhà.",
             "likely_consequence": "Tiếp tục bị bạo lực nếu ở lại với bố.",
             "family_circumstances": "Mẹ mất năm 2022; bố làm nương, thường xuyên say rượu. Hộ cận nghèo.",
             "father": "Lý Văn Sình, 41 tuổi, làm nương", "current_caregiver": "Bố (người gây hại)",
             "reporter_agrees": True, "reporter_name": "Sần Thị Lở", "reporter_phone": "0386555123",
             "reporter_address": "Thôn Cốc Phương, xã Bát Xát", "reporter_notes": "Hàng xóm sát vách."},
            opened_by="hotline", assigned_to="worker", is_emergency=True, abuse_types=("VIOLENCE",),
            abuse_setting=AbuseSetting.FAMILY,
            steps=(
                _move("start_initial_assessment"),
                _form(D.INITIAL_ASSESSMENT, assessed_on=_day(0), risk_level="HIGH", emergency_needed=True,
                      harm="Bạo lực thể chất lặp lại; người chăm sóc duy nhất là người gây hại.",
                      notes="Cháu giao tiếp bằng ký hiệu, cần phiên dịch ngôn ngữ ký hiệu."),
                _form(D.SEPARATION, decided_at=_moment(3), decided_by="Chủ tịch UBND xã Bát Xát",
                      temporary_separation=True, place_of_care="Trung tâm Công tác xã hội tỉnh Lào Cai",
                      reason="Người chăm sóc là người gây hại; tính mạng, sức khỏe của cháu bị đe dọa."),
                _move("record_emergency_protection", note="Đã đưa cháu đến Trung tâm CTXH tỉnh lúc rạng sáng."),
            ),
        ),
        # 2. Early support for an orphan who dropped out of school: the plan waits for approval.
        DemoCase(
            "Giàng A Páo", Level.EARLY_SUPPORT, ChildCategory.SPECIAL_CIRCUMSTANCES, Channel.IN_PERSON,
            Source.COLLABORATOR, 72,
            "Cộng tác viên thôn Bản Vai báo cháu Páo mồ côi cả cha lẫn mẹ, bỏ học từ đầu năm học để đi làm thuê.",
            {"receiving_body": "UBND xã Bát Xát", "place": "Thôn Bản Vai, xã Bát Xát",
             "child_condition": "Cháu bỏ học, đi phụ hồ và chăn trâu thuê; sức khỏe bình thường.",
             "family_circumstances": "Mồ côi cả cha lẫn mẹ, sống với bà nội 72 tuổi; hộ nghèo.",
             "current_caregiver": "Giàng Thị Mỷ (bà nội)", "reporter_agrees": True,
             "reporter_name": "Giàng A Chứ", "reporter_phone": "0979333444",
             "reporter_notes": "Cộng tác viên bảo vệ trẻ em thôn Bản Vai."},
            steps=(
                _form(D.INITIAL_ASSESSMENT, assessed_on=_day(2), risk_level="MEDIUM",
                      harm="Nguy cơ bị bóc lột sức lao động; không được đi học."),
                _move("start_initial_assessment"),
                _move("start_detailed_assessment"),
                _form(D.DETAILED_ASSESSMENT, assessed_on=_day(1), needs=["social_assistance", "education"],
                      physical_psychological="Khỏe mạnh; buồn vì phải nghỉ học.",
                      family_situation="Bà nội già yếu, không có thu nhập ổn định.",
                      schooling_self_protection="Đã học hết lớp 6; biết đọc viết tiếng Việt.",
                      child_views="Cháu muốn đi học lại và được ở với bà.",
                      parents_views="Bà nội đồng ý cho cháu đi học nếu có hỗ trợ."),
                _move("hold_case_conference"),
                _form(D.CONFERENCE, held_on=_day(0), chaired_by="Phó Chủ tịch UBND xã Bát Xát",
                      participants="Cán bộ bảo vệ trẻ em xã, hiệu trưởng trường PTDTBT THCS, bà nội, cộng tác viên",
                      caregivers_attended=True, decisions="Đưa cháu trở lại trường; đề nghị trợ cấp xã hội."),
                _move("start_plan"),
                _form(D.PLAN, goals="Cháu đi học trở lại ngay học kỳ này và gia đình có trợ cấp hằng tháng."),
                _task(title="Đưa cháu trở lại trường, hỗ trợ sách vở và đồng phục", code="SCHOOL_SUPPORT", start=1,
                      end=30, responsible="Trường PTDTBT THCS Bát Xát", cost_vnd=1_200_000),
                _task(title="Lập hồ sơ trợ cấp xã hội hằng tháng (Nghị định 20/2021)", code="SOCIAL_ALLOWANCE",
                      start=1, end=45, responsible="Cán bộ LĐ-TB&XH xã Bát Xát", cost_vnd=0),
                _move("submit_plan"),
            ),
        ),
        # 3. In progress: a girl taken out of school to work is back home and at school.
        DemoCase(
            "Vàng Thị Dợ", Level.INTERVENTION, ChildCategory.ABUSED, Channel.REPORTED_BY_OTHER, Source.SCHOOL, 96,
            "Giáo viên chủ nhiệm báo cháu Dợ nghỉ học để làm thuê tại xưởng chế biến chè, làm 10 tiếng mỗi ngày.",
            {"receiving_body": "UBND xã Y Tý", "place": "Xưởng chè, xã Y Tý",
             "child_condition": "Mệt mỏi, sụt cân; nghỉ học ba tuần.",
             "likely_consequence": "Bỏ học hẳn, bị bóc lột sức lao động kéo dài.",
             "family_circumstances": "Hộ nghèo, bố làm nương, mẹ đi làm ăn xa.",
             "father": "Vàng A Chư, 39 tuổi, làm nương", "reporter_agrees": False},
            abuse_types=("EXPLOITATION",), abuse_setting=AbuseSetting.WORKPLACE,
            steps=(
                _move("start_initial_assessment"),
                _form(D.INITIAL_ASSESSMENT, assessed_on=_day(3), risk_level="HIGH",
                      harm="Lao động quá sức, trái quy định với trẻ dưới 15 tuổi."),
                _move("start_detailed_assessment"),
                _form(D.DETAILED_ASSESSMENT, assessed_on=_day(3), needs=["education", "social_assistance"],
                      physical_psychological="Sụt 3 kg, hay đau lưng; tâm lý ổn định.",
                      family_situation="Bố hợp tác, đồng ý cho cháu nghỉ làm nếu có hỗ trợ sinh kế.",
                      child_views="Cháu muốn đi học, không muốn quay lại xưởng."),
                _move("hold_case_conference"),
                _form(D.CONFERENCE, held_on=_day(2), chaired_by="Chủ tịch UBND xã Y Tý",
                      participants="Cán bộ bảo vệ trẻ em, công an xã, giáo viên chủ nhiệm, bố của cháu",
                      caregivers_attended=True,
                      decisions="Cháu thôi việc ngay; hỗ trợ học tập; hỗ trợ sinh kế cho gia đình; "
                                "xử lý chủ xưởng theo quy định."),
                _move("start_plan"),
                _form(D.PLAN, goals="Cháu đi học đều, gia đình có thu nhập thay thế trong 3 tháng."),
                _task(title="Khám sức khỏe tổng quát", code="MEDICAL_EXAM", start=0, end=0,
                      responsible="Trạm Y tế xã Y Tý", cost_vnd=300_000),
                _task(title="Hỗ trợ giống lợn và vốn chăn nuôi cho gia đình", code="LIVELIHOOD", start=0, end=60,
                      responsible="Hội Nông dân xã Y Tý", providers="Hội Nông dân, Trung tâm CTXH tỉnh",
                      cost_vnd=8_000_000),
                _move("submit_plan"),
                _move("approve_plan", actor="supervisor", note="Đồng ý; ưu tiên khám sức khỏe trong tuần."),
                _move("start_implementation"),
                ("service", "MEDICAL_EXAM", 0, "Trạm Y tế xã Y Tý", 280_000,
                 "Thiếu cân nhẹ; được tư vấn dinh dưỡng."),
                ("visit", 0, "Nhà cháu, xã Y Tý", "Cháu, bố, cán bộ bảo vệ trẻ em xã",
                 "Cháu đã đi học lại được hai ngày, rất vui khi gặp lại bạn.",
                 "Bố cam kết không cho cháu đi làm thuê."),
            ),
        ),
        # 4. Overdue: received ten days ago and still in the detailed assessment (the 5-working-day
        #    plan deadline has passed: red on the worker's and the supervisor's pages).
        DemoCase(
            "Hoàng Đức Anh", Level.EARLY_SUPPORT, ChildCategory.AT_RISK, Channel.WRITTEN, Source.POLICE, 24 * 10,
            "Công an phường Lào Cai thông báo cháu Đức Anh tụ tập cùng nhóm thanh niên đua xe, có nguy cơ vi phạm "
            "pháp luật lần nữa.",
            {"receiving_body": "UBND phường Lào Cai", "place": "Phường Lào Cai",
             "child_condition": "Thường xuyên bỏ học buổi chiều, về nhà muộn.",
             "family_circumstances": "Bố làm lái xe đường dài, ít ở nhà; mẹ buôn bán ở chợ.",
             "father": "Hoàng Văn Tùng, 44 tuổi, lái xe", "reporter_agrees": True,
             "reporter_name": "Đại úy Nguyễn Văn Thành", "reporter_phone": "0214382011",
             "reporter_notes": "Cán bộ Công an phường Lào Cai."},
            steps=(
                _form(D.INITIAL_ASSESSMENT, assessed_on=_day(9), risk_level="MEDIUM",
                      harm="Nguy cơ tái vi phạm pháp luật; bị lôi kéo vào nhóm xấu."),
                _move("start_initial_assessment"),
                _move("start_detailed_assessment", note="Đã hẹn gặp gia đình nhưng bố đi vắng, chờ lịch."),
            ),
        ),
        # 5. Closed: a neglected preschooler whose mother came home; the plan met its goals.
        DemoCase(
            "Trần Minh Khôi", Level.EARLY_SUPPORT, ChildCategory.AT_RISK, Channel.IN_PERSON, Source.COMMUNITY,
            24 * 75,
            "Tổ trưởng tổ dân phố báo cháu Khôi 7 tuổi thường ở nhà một mình cả ngày, không được ăn trưa.",
            {"receiving_body": "UBND phường Cam Đường", "place": "Phường Cam Đường",
             "child_condition": "Gầy, quần áo bẩn; thường ở một mình đến tối.",
             "family_circumstances": "Mẹ đơn thân, làm công nhân ca kíp.", "mother": "Trần Thị Thu, 29 tuổi, "
             "công nhân", "reporter_agrees": False},
            abuse_types=("NEGLECT",), abuse_setting=AbuseSetting.FAMILY,
            steps=(
                _move("start_initial_assessment"),
                _form(D.INITIAL_ASSESSMENT, assessed_on=_day(74), risk_level="MEDIUM",
                      harm="Bị bỏ mặc, thiếu dinh dưỡng và sự chăm sóc."),
                _move("start_detailed_assessment"),
                _form(D.DETAILED_ASSESSMENT, assessed_on=_day(72), needs=["social_assistance", "counselling"],
                      physical_psychological="Suy dinh dưỡng nhẹ; nhút nhát.",
                      family_situation="Mẹ thương con nhưng làm ca đêm, không có người trông.",
                      child_views="Cháu muốn mẹ ở nhà buổi tối và được ăn trưa ở trường."),
                _move("hold_case_conference"),
                _form(D.CONFERENCE, held_on=_day(71), chaired_by="Chủ tịch UBND phường Cam Đường",
                      participants="Cán bộ bảo vệ trẻ em, Hội Liên hiệp Phụ nữ phường, mẹ của cháu",
                      caregivers_attended=True,
                      decisions="Bán trú ở trường; tư vấn cho mẹ; kết nối việc làm ca ngày."),
                _move("start_plan"),
                _form(D.PLAN, goals="Cháu có người chăm sóc cả ngày và đủ dinh dưỡng trong 2 tháng."),
                _task(title="Hỗ trợ tiền ăn bán trú", code="SCHOOL_SUPPORT", start=0, end=0,
                      responsible="Trường Tiểu học Cam Đường", cost_vnd=1_800_000),
                _task(title="Tư vấn kỹ năng làm cha mẹ cho mẹ", code="FAMILY_COUNSELLING", start=0, end=0,
                      responsible="Trung tâm Công tác xã hội tỉnh Lào Cai", cost_vnd=0),
                _move("submit_plan"),
                _move("approve_plan", actor="supervisor"),
                _move("start_implementation"),
                ("service", "SCHOOL_SUPPORT", 0, "Trường Tiểu học Cam Đường", 1_800_000,
                 "Cháu ăn bán trú từ đầu tháng."),
                ("visit", 0, "Nhà cháu, tổ dân phố 5", "Cháu, mẹ",
                 "Cháu khoe được ăn trưa cùng các bạn.", "Mẹ đã chuyển sang làm ca ngày."),
                _move("start_review"),
                _form(D.REVIEW, reviewed_on=_day(0), remaining_harm="LOW", abuser_access="LOW",
                      environment_obstacles="LOW", child_capacity="MEDIUM",
                      conclusion="Cháu được chăm sóc đầy đủ; đề nghị kết thúc trường hợp."),
                _form(D.CLOSURE, closure_reason=ClosureReason.GOALS_MET,
                      outcome="Mẹ làm ca ngày, cháu ăn bán trú; cân nặng đã về mức bình thường."),
                _move("request_closure"),
                _move("approve_closure", actor="supervisor", note="Đồng ý kết thúc; thăm lại sau 3 tháng."),
            ),
        ),
        # 6. Đồng Tháp, worker_b: a boy with a serious illness in a poor household.
        DemoCase(
            "Võ Thành Đạt", Level.EARLY_SUPPORT, ChildCategory.SPECIAL_CIRCUMSTANCES, Channel.PHONE, Source.HEALTH,
            30,
            "Bệnh viện Đa khoa Đồng Tháp báo cháu Đạt bị suy thận mạn, gia đình nghèo không đủ tiền chạy thận.",
            {"receiving_body": "UBND phường Cao Lãnh", "place": "Ấp Tịnh Thới, phường Cao Lãnh",
             "child_condition": "Suy thận mạn, chạy thận 3 lần mỗi tuần.",
             "family_circumstances": "Hộ nghèo; mẹ bán vé số, một mình nuôi hai con.",
             "mother": "Võ Thị Bé, 38 tuổi, bán vé số", "reporter_agrees": True,
             "reporter_name": "Công tác xã hội Bệnh viện Đa khoa Đồng Tháp", "reporter_phone": "02773851111"},
            opened_by="worker_b",
            steps=(
                _move("start_initial_assessment"),
                _form(D.INITIAL_ASSESSMENT, assessed_on=_day(0), risk_level="HIGH",
                      harm="Nguy cơ gián đoạn điều trị vì thiếu chi phí đi lại và ăn uống."),
            ),
        ),
    ]


def _child(name: str) -> Child | None:
    return Child.objects.filter(full_name=name, merged_into__isnull=True).order_by("pk").first()


def _run_step(case: Case, spec: tuple, users: dict) -> Case:
    worker = case.assigned_worker or users["worker"]
    kind = spec[0]
    if kind == "form":
        services.save_document(case, kind=spec[1], content=_content(spec[1], spec[2]), by=worker)
    elif kind == "move":
        _, action, actor, note = spec
        case = services.apply_transition(case, action=action, by=worker if actor == "worker" else users[actor],
                                         note=note)
    elif kind == "task":
        data = dict(spec[1])
        today = timezone.localdate()
        services.add_plan_task(case, by=worker, title=data["title"],
                               service_type=ServiceType.objects.filter(code=data["code"]).first(),
                               start_date=today + timedelta(days=data["start"]),
                               end_date=today + timedelta(days=data["end"]),
                               responsible=data["responsible"], providers=data.get("providers", ""),
                               cost_vnd=data["cost_vnd"])
    elif kind == "service":
        _, code, days_ago, provider, cost, outcome = spec
        service_type = ServiceType.objects.filter(code=code).first()
        if service_type is not None:
            task = case.plan_tasks.filter(service_type=service_type).first()
            services.record_service(case, by=worker, task=task, service_type=service_type,
                                    delivered_on=timezone.localdate() - timedelta(days=days_ago),
                                    provider_name=provider, cost_vnd=cost, outcome=outcome)
    elif kind == "visit":
        _, days_ago, place, present, child_said, notes = spec
        services.record_visit(case, by=worker, visited_on=timezone.localdate() - timedelta(days=days_ago),
                              place=place, present=present, child_said=child_said, notes=notes)
    return case


def seed_case(demo: DemoCase, users: dict) -> Case | None:
    child = _child(demo.child)
    if child is None or Case.objects.filter(child=child, level=demo.level).exists():
        return None
    received: datetime = timezone.now() - timedelta(hours=demo.received_hours_ago)
    case = services.open_case(
        child=child, level=demo.level, category=demo.category, channel=demo.channel, source=demo.source,
        received_at=received, commune=Commune.objects.current().select_related("province").get(pk=child.commune_id),
        is_emergency=demo.is_emergency, by=users[demo.opened_by], intake=_content(D.INTAKE, demo.intake),
        abuse_types=AbuseType.objects.filter(code__in=demo.abuse_types), abuse_setting=demo.abuse_setting,
        summary=demo.summary, assigned_worker=users[demo.assigned_to] if demo.assigned_to else None,
    )
    for spec in demo.steps:
        case = _run_step(case, spec, users)
    return case


def seed_cases(users: dict) -> list[Case]:
    """Open the demo cases that are not there yet (users: username -> demo User)."""
    return [case for demo in demo_cases() if (case := seed_case(demo, users)) is not None]
