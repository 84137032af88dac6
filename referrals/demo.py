"""Demo referrals for seed_demo: sharing consent for a few demo children of Lào Cai, and referrals
from their cases to the province's Social Work Centre (the demo partner's agency) and to the legal
aid centre, one in each state: sent, accepted, in progress, completed, and one overdue. Made
through the services as a worker, a supervisor and the partner would make them, then dated back
so the statistics and the overdue flag show.

Idempotent: a referral is skipped when the child already has one to that agency for that service;
consent is recorded only when the child has none in force for sharing.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from agencies.models import Agency, ServiceType
from beneficiaries import services as registry
from beneficiaries.choices import ConsentPurpose
from beneficiaries.models import Child
from cases.choices import OPEN_STATUSES
from referrals import services
from referrals.models import Referral, ReferralEvent

SOCIAL_WORK_CENTRE = "Trung tâm Công tác xã hội tỉnh Lào Cai"
LEGAL_AID_CENTRE = "Trung tâm Trợ giúp pháp lý nhà nước tỉnh Lào Cai"
# Children whose family agreed to share with partner agencies (any of them).
CONSENTING = ["Nguyễn Thị Hòa", "Giàng A Páo", "Vàng Thị Dợ", "Hoàng Đức Anh"]


@dataclass(frozen=True)
class DemoReferral:
    child: str
    agency: str
    service: str
    reason: str
    urgency: str = "NORMAL"
    sender: str = "worker"
    override_reason: str = ""
    answers: tuple = ()  # (action, note or outcome)
    sent_days_ago: int = 0
    respond_in_days: int = 3  # from the day it was sent
    answered_after_hours: float = 20


DEMO_REFERRALS = [
    DemoReferral("Vàng Thị Dợ", SOCIAL_WORK_CENTRE, "PSYCHOLOGICAL_THERAPY",
                 "Cháu hay giật mình, khó ngủ sau thời gian làm việc quá sức ở xưởng chè; cần tham vấn tâm lý.",
                 answers=(("accept", "Chuyên viên tâm lý Lò Thị Hương phụ trách."), ("start", ""),
                          ("complete", "Đã tham vấn 6 buổi; cháu ngủ ngon hơn, tự tin khi đi học lại.")),
                 sent_days_ago=21, answered_after_hours=6),
    DemoReferral("Lý Thị Mai", SOCIAL_WORK_CENTRE, "EMERGENCY_SHELTER",
                 "Cháu cần nơi ở an toàn ngay; người chăm sóc duy nhất là người gây hại.", urgency="EMERGENCY",
                 sender="supervisor",
                 override_reason="Khẩn cấp: bố là người gây hại và là người giám hộ duy nhất, không thể xin đồng ý.",
                 answers=(("accept", "Tiếp nhận ngay trong đêm."), ("start", "Cháu đã ở nhà tạm lánh của Trung tâm.")),
                 sent_days_ago=0, respond_in_days=1, answered_after_hours=1),
    DemoReferral("Giàng A Páo", SOCIAL_WORK_CENTRE, "PSYCHOLOGICAL_THERAPY",
                 "Cháu buồn, thu mình từ khi mất cả cha lẫn mẹ; cần tham vấn tâm lý để trở lại trường.",
                 answers=(("accept", ""),), sent_days_ago=2, answered_after_hours=30),
    DemoReferral("Giàng A Páo", LEGAL_AID_CENTRE, "LEGAL_AID",
                 "Hỗ trợ bà nội làm thủ tục giám hộ và giấy tờ để cháu hưởng trợ cấp xã hội.", sent_days_ago=1),
    DemoReferral("Hoàng Đức Anh", LEGAL_AID_CENTRE, "LEGAL_AID", urgency="HIGH",
                 reason="Cháu bị mời làm việc lần nữa về việc đua xe; cần người trợ giúp pháp lý đi cùng.",
                 sent_days_ago=8),
]


def _child(name: str) -> Child | None:
    return Child.objects.filter(full_name=name, merged_into__isnull=True).order_by("pk").first()


def _record_consent(child: Child, worker) -> None:
    if child.consents.filter(purpose=ConsentPurpose.SHARING, withdrawn_on__isnull=True).exists():
        return
    caregiver = child.household.caregivers.first() if child.household_id else None
    if caregiver is None:
        return
    registry.record_consent(child, purpose=ConsentPurpose.SHARING, given_on=timezone.localdate(), by=worker,
                            given_by=caregiver, child_agreed=True,
                            notes="Đồng ý chia sẻ thông tin cần thiết với cơ quan, tổ chức tiếp nhận chuyển gửi.")


def _date_back(referral: Referral, demo: DemoReferral) -> None:
    """Move the referral's clock back to when it was sent, keeping the order of its events."""
    sent_at = timezone.now() - timedelta(days=demo.sent_days_ago, hours=2)
    answered = sent_at + timedelta(hours=demo.answered_after_hours)
    changes = {"sent_at": sent_at, "respond_by": timezone.localtime(sent_at).date() + timedelta(
        days=demo.respond_in_days)}
    if referral.responded_at:
        changes["responded_at"] = answered
    if referral.completed_at:
        changes["completed_at"] = answered + timedelta(days=max(demo.sent_days_ago - 3, 1))
    Referral.objects.filter(pk=referral.pk).update(**changes)
    for step, event in enumerate(referral.events.order_by("pk")):
        at = sent_at if step == 0 else min(answered + timedelta(days=step - 1), timezone.now())
        ReferralEvent.objects.filter(pk=event.pk).update(at=at)


def seed_referral(demo: DemoReferral, users: dict) -> Referral | None:
    child = _child(demo.child)
    agency = Agency.objects.filter(name=demo.agency).first()
    service_type = ServiceType.objects.filter(code=demo.service).first()
    if None in (child, agency, service_type) or Referral.objects.filter(
            child=child, agency=agency, service_type=service_type).exists():
        return None
    case = child.cases.filter(status__in=OPEN_STATUSES).order_by("-received_at").first()
    referral, _created = services.send_referral(
        child=child, case=case, agency=agency, service_type=service_type, reason=demo.reason, urgency=demo.urgency,
        respond_by=timezone.localdate() + timedelta(days=demo.respond_in_days), by=users[demo.sender],
        override_reason=demo.override_reason)
    partner = agency.members.filter(role="partner", is_active=True).order_by("pk").first()
    for action, text in demo.answers:
        if partner is None:
            break
        outcome = text if action == "complete" else ""
        referral = services.agency_action(referral, action=action, by=partner, note="" if outcome else text,
                                          outcome=outcome)
    _date_back(referral, demo)
    return referral


def seed_referrals(users: dict) -> list[Referral]:
    """users: username -> demo User (core.demo)."""
    legal_aid = Agency.objects.filter(name=LEGAL_AID_CENTRE).first()
    if legal_aid is not None:
        legal_aid.service_types.add(*ServiceType.objects.filter(code="LEGAL_AID"))
    for name in CONSENTING:
        child = _child(name)
        if child is not None:
            _record_consent(child, users["worker"])
    return [r for demo in DEMO_REFERRALS if (r := seed_referral(demo, users)) is not None]
