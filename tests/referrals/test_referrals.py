"""Referral services, selectors and webhooks: consent and its emergency override, what is shared,
the lifecycle and its illegal moves, closing the loop on the case plan, overdue notices, the
per-agency statistics, and signed webhooks retried with back-off."""

import hashlib
import hmac
import json
from datetime import timedelta
from unittest import mock

import pytest
import requests
from celery.exceptions import Retry
from django.utils import timezone

from beneficiaries import services as registry
from beneficiaries.models import SensitiveInfo
from cases.choices import ServiceStatus
from cases.models import ServiceDelivery
from core.models import Notification
from referrals import selectors, services
from referrals.choices import ReferralStatus
from referrals.models import AgencyWebhook, Referral, WebhookDelivery
from referrals.services import ReferralError
from referrals.shared import shared_view
from referrals.tasks import MAX_ATTEMPTS, deliver_webhook
from tests.referrals.conftest import give_consent, service, step

pytestmark = pytest.mark.django_db
S = ReferralStatus


def count():
    return Referral.objects.count()


# --- consent -----------------------------------------------------------------------------------


def test_no_consent_no_referral_and_nothing_is_saved(new_child, refer):
    child, before = new_child(), count()
    with pytest.raises(ReferralError) as refused:
        refer(child)
    assert refused.value.conflict and "consent" in str(refused.value)
    assert count() == before


def test_consent_for_any_partner_or_for_that_agency_allows_the_referral(new_child, refer, worker, swc, legal_aid):
    general, specific = new_child(), new_child()
    give_consent(general, worker)
    give_consent(specific, worker, agency=swc)
    assert refer(general).consent.agency is None
    assert refer(specific).consent.agency == swc
    with pytest.raises(ReferralError):  # the consent covers the Social Work Centre only
        refer(specific, agency=legal_aid, code="LEGAL_AID")


def test_withdrawn_consent_does_not_count(new_child, refer, worker):
    child = new_child()
    consent = give_consent(child, worker)
    registry.withdraw_consent(consent, on=timezone.localdate(), reason="Gia đình rút lại.", by=worker)
    with pytest.raises(ReferralError):
        refer(child)


def test_only_a_supervisor_may_override_consent_in_an_emergency_with_a_reason(new_child, refer, supervisor):
    child, before = new_child(), count()
    with pytest.raises(ReferralError) as refused:
        refer(child, urgency="EMERGENCY", override_reason="Khẩn cấp.")  # the worker
    assert refused.value.forbidden
    with pytest.raises(ReferralError):
        refer(child, by=supervisor, urgency="NORMAL", override_reason="Không khẩn cấp.")
    with pytest.raises(ReferralError) as refused:
        refer(child, by=supervisor, urgency="EMERGENCY", override_reason="   ")
    assert refused.value.conflict
    assert count() == before

    referral = refer(child, by=supervisor, urgency="EMERGENCY", override_reason="Bố là người gây hại, cháu nguy hiểm.")
    assert referral.consent is None
    assert referral.consent_override_by == supervisor
    assert referral.consent_override_reason == "Bố là người gây hại, cháu nguy hiểm."
    assert referral.events.get().note == referral.consent_override_reason  # kept with who and when


def test_sensitive_information_is_shared_only_with_consent(new_child, refer, supervisor, worker):
    child = new_child()
    SensitiveInfo.objects.create(child=child, conflict_with_law="Vi phạm hành chính năm 2025.")
    with pytest.raises(ReferralError) as refused:
        refer(child, by=supervisor, urgency="EMERGENCY", override_reason="Khẩn cấp.",
              shared_fields=["name", "conflict_with_law"])
    assert "Sensitive" in str(refused.value)
    give_consent(child, worker)
    referral = refer(child, shared_fields=["name", "age", "conflict_with_law"])
    assert shared_view(referral)["child"]["conflict_with_law"] == "Vi phạm hành chính năm 2025."


def test_an_unknown_part_of_the_record_is_refused(consented_child, refer):
    with pytest.raises(ReferralError):
        refer(consented_child(), shared_fields=["name", "personal_id"])


def test_a_response_date_in_the_past_is_refused(consented_child, refer):
    with pytest.raises(ReferralError):
        refer(consented_child(), respond_by=timezone.localdate() - timedelta(days=1))


# --- what is shared ----------------------------------------------------------------------------


def test_by_default_only_name_age_sex_commune_and_reason_are_shared(consented_child, refer):
    child = consented_child()
    view = shared_view(refer(child))
    assert set(view["child"]) == {"name", "age", "sex", "commune"}
    assert view["child"]["name"] == child.full_name and view["child"]["age"] == child.age
    assert view["child"]["commune"]["code"] == "03006"
    assert view["reason"] and view["service_type"]["code"] == "PSYCHOLOGICAL_THERAPY"
    assert set(view) == {"status", "service_type", "urgency", "respond_by", "reason", "shared_fields", "child"}


def test_chosen_parts_are_shared_and_nothing_else(consented_child, refer):
    child = consented_child()
    registry.add_caregiver(household=child.household, data=registry.CaregiverData(
        "Lò Thị Dung", "mother", "0912000222", is_legal_guardian=True))
    SensitiveInfo.objects.create(child=child, hiv_status="positive")
    view = shared_view(refer(child, shared_fields=["name", "date_of_birth", "caregiver", "schooling"]))
    assert set(view["child"]) == {"name", "date_of_birth", "birth_date_estimated", "caregiver", "schooling"}
    assert view["child"]["caregiver"]["phone"] == "0912000222"
    assert "hiv_status" not in view["child"]


def test_stored_sensitive_parts_stay_hidden_without_consent(new_child, refer, supervisor):
    """Defence in depth: even if a sensitive part were stored on an overridden referral, the
    shared view leaves it out."""
    child = new_child()
    SensitiveInfo.objects.create(child=child, drug_use="Có sử dụng.")
    referral = refer(child, by=supervisor, urgency="EMERGENCY", override_reason="Khẩn cấp.")
    Referral.objects.filter(pk=referral.pk).update(shared_fields=["name", "drug_use"])
    referral.refresh_from_db()
    assert "drug_use" not in shared_view(referral)["child"]


def test_a_revoked_referral_shows_nothing_of_the_child(consented_child, refer, worker):
    referral = services.sender_action(refer(consented_child()), action="revoke", by=worker)
    view = shared_view(referral)
    assert view["status"] == S.REVOKED and view["child"] == {} and view["reason"] == ""


# --- the lifecycle -----------------------------------------------------------------------------


def test_accept_start_complete_with_who_and_when(consented_child, refer, partner):
    referral = refer(consented_child())
    referral = services.agency_action(referral, action="accept", by=partner, note="Nhận.")
    assert referral.status == S.ACCEPTED and referral.responded_at
    referral = services.agency_action(referral, action="start", by=partner)
    referral = services.agency_action(referral, action="complete", by=partner, outcome="Đã tham vấn 6 buổi.")
    assert referral.status == S.COMPLETED and referral.outcome == "Đã tham vấn 6 buổi." and referral.completed_at
    events = list(referral.events.all())
    assert [e.action for e in events] == ["send", "accept", "start", "complete"]
    assert [e.to_status for e in events] == [S.SENT, S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED]
    assert all(e.at for e in events) and {e.by.username for e in events[1:]} == {"partner"}
    assert Notification.objects.filter(user=referral.sent_by, key=f"referral:{referral.pk}:complete",
                                       url=f"/referrals/{referral.public_id}/").exists()


def test_declining_needs_a_reason(consented_child, refer, partner):
    referral = refer(consented_child())
    with pytest.raises(ReferralError):
        services.agency_action(referral, action="decline", by=partner, note=" ")
    referral.refresh_from_db()
    assert referral.status == S.SENT
    referral = services.agency_action(referral, action="decline", by=partner, note="Hết chỗ.")
    assert referral.status == S.DECLINED and referral.decline_reason == "Hết chỗ." and referral.responded_at


@pytest.mark.parametrize("path, action", [
    ([], "complete"), ([], "start"), (["accept"], "accept"), (["decline"], "complete"), (["decline"], "accept"),
    (["accept", "start", "complete"], "decline"),
])
def test_illegal_moves_are_refused_as_conflicts(consented_child, refer, partner, path, action):
    referral = refer(consented_child())
    for move in path:
        referral = services.agency_action(referral, action=move, by=partner, note="Lý do.", outcome="Xong.")
    with pytest.raises(ReferralError) as refused:
        services.agency_action(referral, action=action, by=partner, note="Lý do.", outcome="Xong.")
    assert refused.value.conflict
    referral.refresh_from_db()
    assert referral.events.count() == 1 + len(path)


def test_only_the_addressed_agency_answers(consented_child, refer, partner_b, worker):
    referral = refer(consented_child())
    for user in (partner_b, worker):
        with pytest.raises(ReferralError) as refused:
            services.agency_action(referral, action="accept", by=user)
        assert refused.value.forbidden
    referral.refresh_from_db()
    assert referral.status == S.SENT


@pytest.mark.parametrize("path", [[], ["accept"], ["accept", "start"]])
def test_the_sender_may_revoke_until_completed(consented_child, refer, partner, worker, path):
    referral = refer(consented_child())
    for move in path:
        referral = services.agency_action(referral, action=move, by=partner)
    assert services.sender_action(referral, action="revoke", by=worker, note="Gia đình chuyển đi.").status == S.REVOKED


def test_a_completed_referral_cannot_be_revoked_but_closed(consented_child, refer, partner, worker):
    referral = refer(consented_child())
    for move in ("accept", "complete"):
        referral = services.agency_action(referral, action=move, by=partner, outcome="Xong.")
    with pytest.raises(ReferralError) as refused:
        services.sender_action(referral, action="revoke", by=worker)
    assert refused.value.conflict
    assert services.sender_action(referral, action="close", by=worker).status == S.CLOSED


def test_only_the_sender_or_the_case_workers_revoke(consented_child, refer, partner, persona):
    referral = refer(consented_child())
    for user in (partner, persona("worker_b")):
        with pytest.raises(ReferralError) as refused:
            services.sender_action(referral, action="revoke", by=user)
        assert refused.value.forbidden


def test_completion_records_the_service_as_delivered_on_the_plan_task(open_case, worker, supervisor, partner, swc,
                                                                      refer):
    case = open_case()
    give_consent(case.child, worker)
    for action in ("start_initial_assessment", "start_detailed_assessment", "hold_case_conference", "start_plan"):
        case = step(case, action, by=worker)
    from tests.referrals.conftest import add_task

    task = add_task(case, worker, service_type=service())
    referral = refer(case.child, case=case)
    assert referral.plan_task == task
    task.refresh_from_db()
    assert task.status == ServiceStatus.REFERRED
    for action in ("accept", "start"):
        referral = services.agency_action(referral, action=action, by=partner)
    services.agency_action(referral, action="complete", by=partner, outcome="Đã tham vấn 8 buổi.")
    task.refresh_from_db()
    assert task.status == ServiceStatus.DELIVERED and task.delivered_on == timezone.localdate()
    delivery = ServiceDelivery.objects.get(task=task)
    assert delivery.provider_agency == swc and delivery.outcome == "Đã tham vấn 8 buổi."


def test_a_case_of_another_child_is_refused(open_case, consented_child, refer):
    with pytest.raises(ReferralError):
        refer(consented_child(), case=open_case())


# --- idempotency -------------------------------------------------------------------------------


def test_the_same_idempotency_key_returns_the_first_referral_for_its_user_only(consented_child, worker, supervisor,
                                                                              swc):
    child = consented_child()
    data = {"child": child, "agency": swc, "service_type": service(), "reason": "Tham vấn.",
            "respond_by": timezone.localdate() + timedelta(days=3), "idempotency_key": "abc-1"}
    first, created = services.send_referral(by=worker, **data)
    again, created_again = services.send_referral(by=worker, **data)
    assert created and not created_again and again == first
    # Another user's key is another key: never someone else's referral.
    other, other_created = services.send_referral(by=supervisor, **data)
    assert other_created and other != first and other.sent_by == supervisor


# --- overdue -----------------------------------------------------------------------------------


def test_an_unanswered_referral_is_overdue_and_the_sender_is_notified_once(consented_child, refer, worker):
    referral = refer(consented_child())
    assert not referral.is_overdue
    Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.localdate() - timedelta(days=1))
    referral.refresh_from_db()
    assert referral.is_overdue and referral in selectors.overdue_referrals(worker)
    mine = Notification.objects.filter(user=worker, key=f"referral:{referral.pk}:overdue")
    services.notify_overdue()
    services.notify_overdue()
    assert mine.count() == 1 and mine.get().url == f"/referrals/{referral.public_id}/"


def test_an_answered_referral_is_not_overdue(consented_child, refer, partner, worker):
    referral = services.agency_action(refer(consented_child()), action="accept", by=partner)
    Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.localdate() - timedelta(days=1))
    assert referral not in selectors.overdue_referrals(worker)


# --- who sees what -----------------------------------------------------------------------------


def test_a_partner_sees_only_the_referrals_to_its_agency_revoked_ones_as_tombstones(
        consented_child, refer, partner, partner_b, worker, legal_aid):
    mine = refer(consented_child())
    other = refer(consented_child(), agency=legal_aid, code="LEGAL_AID")
    revoked = services.sender_action(refer(consented_child()), action="revoke", by=worker)
    visible = selectors.referrals_visible_to(partner)
    assert mine in visible and revoked in visible and other not in visible
    assert set(selectors.referrals_visible_to(partner_b)) >= {other}
    assert mine not in selectors.referrals_visible_to(partner_b)


def test_staff_of_another_province_see_nothing(consented_child, refer, persona):
    refer(consented_child())
    assert not selectors.referrals_visible_to(persona("worker_b")).filter(child__commune__code="03006").exists()


# --- statistics --------------------------------------------------------------------------------


def test_agency_statistics_count_from_the_timestamps(consented_child, refer, partner, worker, swc):
    referrals = [refer(consented_child()) for _ in range(4)]
    services.agency_action(referrals[0], action="accept", by=partner)
    done = services.agency_action(referrals[1], action="accept", by=partner)
    done = services.agency_action(done, action="complete", by=partner, outcome="Xong.")
    services.sender_action(done, action="close", by=worker)  # still counts as completed
    services.agency_action(referrals[2], action="decline", by=partner, note="Hết chỗ.")
    for r in referrals[:2]:
        Referral.objects.filter(pk=r.pk).update(responded_at=r.sent_at + timedelta(hours=10))
    row, = selectors.agency_statistics(Referral.objects.filter(pk__in=[r.pk for r in referrals]))
    assert (row["sent"], row["accepted"], row["completed"]) == (4, 2, 1)
    assert row["median_hours_to_accept"] == 10.0


# --- webhooks ----------------------------------------------------------------------------------


@pytest.fixture
def webhook(swc):
    return AgencyWebhook.objects.create(agency=swc, url="https://partner.example/hooks/referrals", secret="s3cret")


def test_sending_posts_a_signed_event_to_the_agency(consented_child, refer, webhook,
                                                    django_capture_on_commit_callbacks):
    with mock.patch("referrals.tasks.requests.post") as post, django_capture_on_commit_callbacks(execute=True):
        post.return_value.status_code = 200
        referral = refer(consented_child())
    (url,), kwargs = post.call_args
    body = kwargs["data"]
    assert url == webhook.url
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert kwargs["headers"]["X-Signature"] == expected
    payload = json.loads(body)
    assert payload["event"] == "referral.sent" and payload["referral"]["id"] == str(referral.public_id)
    assert "child" not in payload["referral"]  # ids only: the agency reads the shared view with its token
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert delivery.state == WebhookDelivery.State.DELIVERED and delivery.attempts == 1


def test_revoking_is_announced_too(consented_child, refer, worker, webhook, django_capture_on_commit_callbacks):
    with mock.patch("referrals.tasks.requests.post") as post, django_capture_on_commit_callbacks(execute=True):
        post.return_value.status_code = 204
        services.sender_action(refer(consented_child()), action="revoke", by=worker)
    assert [json.loads(c.kwargs["data"])["event"] for c in post.call_args_list] == ["referral.sent",
                                                                                    "referral.revoked"]


def test_a_delivery_goes_through_the_outbox_so_a_broker_outage_loses_nothing(consented_child, refer, webhook):
    from core.models import OutboxMessage

    with mock.patch("core.outbox.transaction.on_commit"):  # the broker is "down": nothing sent yet
        refer(consented_child())
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    message = OutboxMessage.objects.get(task="referrals.tasks.deliver_webhook")
    assert message.args == [delivery.pk] and message.sent_at is None

def test_a_failed_delivery_is_retried_with_back_off_then_marked_failed(consented_child, refer, webhook):
    with mock.patch("core.outbox.transaction.on_commit"):  # deliver by hand below
        refer(consented_child())
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    countdowns = []

    def retry(countdown):
        countdowns.append(countdown)
        return Retry()

    with mock.patch("referrals.tasks.requests.post", side_effect=requests.ConnectionError("refused")), \
            mock.patch.object(deliver_webhook, "retry", side_effect=retry):
        for _attempt in range(MAX_ATTEMPTS - 1):
            with pytest.raises(Retry):
                deliver_webhook(delivery.pk)
        assert deliver_webhook(delivery.pk) == WebhookDelivery.State.FAILED
    delivery.refresh_from_db()
    assert countdowns == [60, 120, 240, 480, 960]
    assert delivery.attempts == MAX_ATTEMPTS and "refused" in delivery.last_error


def test_a_delivery_already_made_is_not_sent_twice(consented_child, refer, webhook,
                                                   django_capture_on_commit_callbacks):
    with mock.patch("referrals.tasks.requests.post") as post, django_capture_on_commit_callbacks(execute=True):
        post.return_value.status_code = 200
        refer(consented_child())
        deliver_webhook(WebhookDelivery.objects.get(webhook=webhook).pk)
    assert post.call_count == 1


# --- demo --------------------------------------------------------------------------------------


def test_the_demo_has_referrals_in_every_state_and_seeding_again_changes_nothing(persona):
    from referrals.demo import seed_referrals

    demo = Referral.objects.filter(child__full_name__in=["Vàng Thị Dợ", "Lý Thị Mai", "Giàng A Páo",
                                                         "Hoàng Đức Anh"])
    statuses = set(demo.values_list("status", flat=True))
    assert {S.SENT, S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED} <= statuses
    assert any(r.is_overdue for r in demo)
    assert {r.agency.name for r in demo} == {"Trung tâm Công tác xã hội tỉnh Lào Cai",
                                             "Trung tâm Trợ giúp pháp lý nhà nước tỉnh Lào Cai"}
    before = Referral.objects.count()
    users = {u: persona(u) for u in ("worker", "supervisor", "partner")}
    assert seed_referrals(users) == [] and Referral.objects.count() == before



def test_directory_counts_only_referrals_of_the_users_area(persona):
    """A nationwide agency serves every province: worker_b must not count Lào Cai's referrals."""
    from datetime import timedelta

    from django.utils import timezone

    from agencies.models import Agency, ServiceType
    from beneficiaries.models import Child
    from referrals import selectors, services

    sos = Agency.objects.get(name="Làng trẻ em SOS Việt Nam")
    child = Child.objects.filter(commune__province__code="15").first()
    services.send_referral(child=child, agency=sos, service_type=ServiceType.objects.get(code="EMERGENCY_SHELTER"),
                           reason="Cần nơi ở an toàn", respond_by=timezone.localdate() + timedelta(days=3),
                           by=persona("supervisor"), urgency="EMERGENCY", override_reason="Nguy hiểm tính mạng")
    assert selectors.agency_statistics_for([sos], persona("worker"))[sos.public_id]["sent"] >= 1
    assert sos.public_id not in selectors.agency_statistics_for([sos], persona("worker_b"))
