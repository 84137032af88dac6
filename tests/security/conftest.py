"""Fixtures of the security tests. Fixtures of the access matrix start with `matrix_`."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from agencies.models import Agency
from beneficiaries import services as registry
from beneficiaries.choices import ConsentPurpose
from beneficiaries.import_models import ImportBatch, ImportStatus
from beneficiaries.models import (
    Child,
    ChildCircumstance,
    ChildMerge,
    CircumstanceGroup,
    Consent,
    DuplicateSuspect,
)
from cases import services as case_services
from cases.choices import Channel, ChildCategory, Level, Source
from cases.models import Attachment, Case, DocumentKind, PlanTask
from core.models import Notification
from geography.models import Commune, Village
from hotline import services as hotline_services
from hotline.models import Call, Callback, Hotline
from referrals.models import Referral
from reports.models import SnapshotBuild
from tests.cases.conftest import content

PROVINCE_A = "15"  # Lào Cai: worker, supervisor, hotline, official and partner work here
COMMUNE_A = "03006"  # Phường Sa Pa, where the demo registers children
PARTNER_AGENCY = "Trung tâm Công tác xã hội tỉnh Lào Cai"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class MatrixRecords:
    """Records of province A that the access matrix requests; every one is out of worker_b's scope."""

    child: Child
    case: Case
    attachment: Attachment
    call: Call
    callback: Callback
    referral_to_partner: Referral
    referral_elsewhere: Referral
    batch: ImportBatch
    build: SnapshotBuild
    suspect: DuplicateSuspect | None
    partner_agency: Agency
    other_agency: Agency
    commune: Commune
    village: Village | None
    # Records inside a record of province A, named by their own id in the URL: a merge of two of
    # its children, a notice to its worker, a scheduled callback of its line, a circumstance and a
    # consent of its child, a task of its case.
    merge: ChildMerge
    notification: Notification
    circumstance: ChildCircumstance
    consent: Consent
    task: PlanTask


@pytest.fixture
def matrix_private_files(tmp_path, monkeypatch):
    """Attachments go to a temporary folder, not the developer's .data/media."""
    field = Attachment._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=str(tmp_path), base_url=None))
    return tmp_path


@pytest.fixture
def matrix_records(db, matrix_private_files) -> MatrixRecords:
    worker = User.objects.get(username="worker")
    commune = Commune.objects.current().select_related("province").get(code=COMMUNE_A)
    child = Child.objects.filter(commune=commune, is_active=True, merged_into__isnull=True).order_by("pk").first()
    assert child is not None, "the demo registers children in Phường Sa Pa"
    case = case_services.open_case(
        child=child, level=Level.INTERVENTION, category=ChildCategory.ABUSED, channel=Channel.PHONE,
        source=Source.HOTLINE, received_at=timezone.now() - timedelta(hours=1), commune=commune,
        is_emergency=False, by=worker, intake=content(DocumentKind.INTAKE), summary="Hàng xóm báo cháu bị đánh.")
    attachment = case_services.add_attachment(case, upload=SimpleUploadedFile("scan.pdf", PDF, "application/pdf"),
                                              description="", by=worker)
    call = Call.objects.filter(hotline__province__code=PROVINCE_A).order_by("pk").first()
    assert call is not None, "the demo logs calls on Lào Cai's line"
    partner_agency = Agency.objects.get(name=PARTNER_AGENCY)
    provincial = Referral.objects.filter(child__commune__province__code=PROVINCE_A).order_by("pk")
    referral_to_partner = provincial.filter(agency=partner_agency).first()
    referral_elsewhere = provincial.exclude(agency=partner_agency).first()
    assert referral_to_partner is not None and referral_elsewhere is not None
    batch = ImportBatch.objects.create(uploaded_by=worker, original_filename="a.csv", file_format="csv",
                                       status=ImportStatus.VALIDATED, total_rows=1, valid_rows=1)
    build = SnapshotBuild.objects.create(period=str(timezone.localdate().year - 1), province=commune.province,
                                         state=SnapshotBuild.State.DONE, progress=100, requested_by=worker)
    return MatrixRecords(
        child=child, case=case, attachment=attachment, call=call,
        callback=scheduled_callback_of_province_a(),
        referral_to_partner=referral_to_partner, referral_elsewhere=referral_elsewhere, batch=batch, build=build,
        suspect=DuplicateSuspect.objects.filter(child__commune__province__code=PROVINCE_A).first(),
        partner_agency=partner_agency, other_agency=referral_elsewhere.agency, commune=commune,
        village=Village.objects.filter(commune__province__code=PROVINCE_A).first(),
        merge=merge_in_province_a(commune, worker),
        notification=Notification.objects.create(
            user=worker, key=f"matrix:{case.pk}", title="Hạn đánh giá ban đầu",
            url=f"/cases/{case.public_id}/"),
        circumstance=registry.add_circumstance(
            child, group=CircumstanceGroup.objects.filter(is_sensitive=False).exclude(
                pk__in=child.circumstances.filter(ended_on__isnull=True).values("group")).order_by("pk").first(),
            started_on=timezone.localdate() - timedelta(days=30), by=worker),
        consent=registry.record_consent(child, purpose=ConsentPurpose.SHARING, given_on=timezone.localdate(),
                                        by=worker, given_by_name="Mẹ của cháu", child_agreed=True),
        task=PlanTask.objects.create(case=case, title="Tham vấn tâm lý", start_date=timezone.localdate(),
                                     end_date=timezone.localdate() + timedelta(days=30), responsible="Cán bộ xã"),
    )


def scheduled_callback_of_province_a() -> Callback:
    """A callback still to make, on Lào Cai's line (a POST that reached it would record an attempt)."""
    call = (Call.objects.filter(hotline__province__code=PROVINCE_A, do_not_call_back=False)
            .exclude(caller_phone="").order_by("pk").first())
    assert call is not None, "the demo logs calls with a number on Lào Cai's line"
    return hotline_services.schedule_callback(call, due_at=timezone.now() + timedelta(hours=2),
                                              by=User.objects.get(username="hotline"))


def merge_in_province_a(commune: Commune, worker: User) -> ChildMerge:
    """Two records of one child of Phường Sa Pa, merged (a POST that undid it would split them)."""
    twins = [registry.register_child(by=worker, data={
        "full_name": "Giàng Thị Mai", "sex": "F", "date_of_birth": date(2015, 3, 8), "ethnicity": "01",
        "commune": commune}) for _copy in range(2)]
    return registry.merge_children(survivor=twins[0], merged=twins[1], reason="Cùng một trẻ, đăng ký hai lần",
                                   by=User.objects.get(username="supervisor"))


PROVINCE_B = "82"  # Đồng Tháp: worker_b and hotline_b work here
COMMUNE_B = "29869"  # Phường Cao Lãnh
LINE_B = "DT-HOTLINE"


@dataclass
class ProvinceBRecords:
    """Records of province B that worker_b and hotline_b work on: their forms are the pages whose
    choices must hold nothing of province A."""

    child: Child
    case: Case  # assigned to worker_b, its plan being drafted (the task and service forms show)
    draft_call: Call  # hotline_b's call being logged (the counselling form)
    logged_call: Call  # hotline_b's counselling call about the child (escalation, callbacks)
    commune: Commune


@pytest.fixture
def province_b(db, matrix_private_files) -> ProvinceBRecords:
    worker_b, counsellor_b = User.objects.get(username="worker_b"), User.objects.get(username="hotline_b")
    commune = Commune.objects.current().select_related("province").get(code=COMMUNE_B)
    child = registry.register_child(by=worker_b, data={
        "full_name": "Phan Thị Ngọc Hân", "sex": "F", "date_of_birth": date(2014, 9, 1), "ethnicity": "01",
        "commune": commune, "village": commune.villages.filter(is_active=True).first()})
    case = case_services.open_case(
        child=child, level=Level.INTERVENTION, category=ChildCategory.ABUSED, channel=Channel.PHONE,
        source=Source.HOTLINE, received_at=timezone.now() - timedelta(hours=1), commune=commune,
        is_emergency=False, by=worker_b, summary="Cô giáo báo cháu bỏ học.",
        intake=content(DocumentKind.INTAKE, receiving_body="UBND phường Cao Lãnh", place="Khóm 1, phường Cao Lãnh"))
    Case.objects.filter(pk=case.pk).update(status="PLAN_DRAFTED")
    case.refresh_from_db()
    line = Hotline.objects.get(code=LINE_B)
    draft = hotline_services.start_call(hotline=line, counsellor=counsellor_b)
    logged = hotline_services.complete_call(
        hotline_services.start_call(hotline=line, counsellor=counsellor_b), by=counsellor_b, categories=[], data={
            "contact_type": "THIRD_PARTY", "caller_relationship": "TEACHER_SCHOOL", "caller_anonymous": False,
            "caller_name": "Trần Văn Bình", "caller_phone": "0939123456", "child": child,
            "child_name": child.full_name, "child_sex": "F", "child_age": child.age, "child_commune": commune,
            "urgency": "MEDIUM", "summary": "Thầy giáo báo cháu nghỉ học nhiều ngày.",
            "actions_taken": ["COUNSELLED"], "follow_up": "", "do_not_call_back": False})
    # A case hotline_b opened for the child: a later call about the child may join it.
    case_services.open_case(
        child=child, level=Level.EARLY_SUPPORT, category=ChildCategory.AT_RISK, channel=Channel.PHONE,
        source=Source.HOTLINE, received_at=timezone.now() - timedelta(hours=2), commune=commune,
        is_emergency=False, by=counsellor_b, summary="Gọi lại sau khi trao đổi với nhà trường.",
        intake=content(DocumentKind.INTAKE, receiving_body="Tổng đài tỉnh Đồng Tháp", place="Phường Cao Lãnh"))
    return ProvinceBRecords(child=child, case=case, draft_call=draft, logged_call=logged, commune=commune)
