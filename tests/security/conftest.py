"""Fixtures of the security tests. Fixtures of the access matrix start with `matrix_`."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from agencies.models import Agency
from beneficiaries.import_models import ImportBatch, ImportStatus
from beneficiaries.models import Child, DuplicateSuspect
from cases import services as case_services
from cases.choices import Channel, ChildCategory, Level, Source
from cases.models import Attachment, Case, DocumentKind
from geography.models import Commune, Village
from hotline.models import Call, Callback
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
    callback: Callback | None
    referral_to_partner: Referral
    referral_elsewhere: Referral
    batch: ImportBatch
    build: SnapshotBuild
    suspect: DuplicateSuspect | None
    partner_agency: Agency
    other_agency: Agency
    commune: Commune
    village: Village | None


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
        callback=Callback.objects.filter(call__hotline__province__code=PROVINCE_A).first(),
        referral_to_partner=referral_to_partner, referral_elsewhere=referral_elsewhere, batch=batch, build=build,
        suspect=DuplicateSuspect.objects.filter(child__commune__province__code=PROVINCE_A).first(),
        partner_agency=partner_agency, other_agency=referral_elsewhere.agency, commune=commune,
        village=Village.objects.filter(commune__province__code=PROVINCE_A).first(),
    )
