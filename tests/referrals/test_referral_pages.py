"""Referral pages: referring from a case and a child page (consent, shared parts, override), the
staff list and detail, the worker's overdue flag, the partner's inbox and answers, the agency
directory, and the partner's walk through every page of the children, cases and hotline apps (404)."""

import uuid
from datetime import timedelta

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from agencies.models import Agency
from beneficiaries.models import Child, SensitiveInfo
from cases.models import Case
from hotline.models import Call
from referrals import services
from referrals.choices import ReferralStatus
from referrals.models import Referral
from tests.referrals.conftest import SWC, give_consent

pytestmark = pytest.mark.django_db
NEW = reverse("referrals:referral_new")


def detail(referral) -> str:
    return reverse("referrals:referral_detail", args=[referral.public_id])


def form_data(agency, **changes) -> dict:
    return {"agency": str(agency.public_id), "service_type": "PSYCHOLOGICAL_THERAPY", "reason": "Cháu cần tham vấn.",
            "urgency": "NORMAL", "respond_by": (timezone.localdate() + timedelta(days=4)).strftime("%d/%m/%Y"),
            "shared_fields": ["name", "age", "sex", "commune", "reason"], **changes}


# --- referring ---------------------------------------------------------------------------------


def test_the_case_page_and_the_child_page_offer_to_refer(login_as, open_case):
    case = open_case()
    client = login_as("worker")
    page = client.get(reverse("cases:case_detail", args=[case.public_id])).content.decode()
    assert f'{NEW}?case={case.public_id}' in page
    page = client.get(reverse("beneficiaries:child_detail", args=[case.child.public_id])).content.decode()
    assert f'{NEW}?child={case.child.public_id}' in page


def test_the_worker_refers_from_a_case_with_consent(login_as, open_case, worker, swc):
    case = open_case()
    give_consent(case.child, worker)
    client = login_as("worker")
    url = f"{NEW}?case={case.public_id}"
    page = client.get(url + "&service=PSYCHOLOGICAL_THERAPY&province=15")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="consent-any"' in html and SWC in html
    assert 'data-testid="agency-stats"' in html
    rows = {row["agency"].name: row for row in page.context["agencies"]}
    assert SWC in rows and rows[SWC]["stats"]["sent"] >= 1  # the demo's referrals
    assert "Bệnh viện Đa khoa tỉnh Lào Cai" not in rows  # no psychological therapy there
    response = client.post(url, form_data(swc, case=str(case.public_id)))
    referral = Referral.objects.get(child=case.child)
    assert response.status_code == 302 and response["Location"] == detail(referral)
    assert referral.case == case and referral.sent_by == worker and referral.consent is not None
    assert referral.shared_fields == sorted(["name", "age", "sex", "commune", "reason"])
    page = client.get(detail(referral)).content.decode()
    assert 'data-testid="referral-status"' in page and str(ReferralStatus.SENT.label) in page


def test_without_consent_the_referral_is_refused_with_a_message_and_nothing_saved(login_as, open_case, swc):
    case = open_case()
    client = login_as("worker")
    response = client.post(f"{NEW}?case={case.public_id}", form_data(swc))
    assert response.status_code == 400
    assert "consent" in " ".join(str(m) for m in response.context["messages"])
    assert not Referral.objects.filter(child=case.child).exists()
    assert 'data-testid="consent-none"' in response.content.decode()


def test_a_supervisor_may_override_in_an_emergency(login_as, open_case, supervisor, swc):
    case = open_case()
    client = login_as("supervisor")
    page = client.get(f"{NEW}?case={case.public_id}")
    assert "override_reason" in page.context["form"].fields
    assert "override_reason" not in login_as("worker").get(f"{NEW}?case={case.public_id}").context["form"].fields
    client.post(f"{NEW}?case={case.public_id}", form_data(swc, urgency="EMERGENCY",
                                                          override_reason="Cháu đang gặp nguy hiểm."))
    referral = Referral.objects.get(child=case.child)
    assert referral.consent is None and referral.consent_override_by == supervisor


def test_sensitive_parts_are_offered_to_those_who_see_them_and_enabled_with_consent(login_as, open_case, worker,
                                                                                     swc):
    case = open_case()
    SensitiveInfo.objects.create(child=case.child, hiv_status="positive")
    url = f"{NEW}?case={case.public_id}"
    choices = {c["value"]: c for c in login_as("worker").get(url).context["shared_choices"]}
    assert choices["hiv_status"]["disabled"]  # shown to the key worker, but no consent yet
    assert choices["name"]["checked"] and choices["commune"]["checked"] and not choices["ethnicity"]["checked"]
    give_consent(case.child, worker)
    choices = {c["value"]: c for c in login_as("worker").get(url).context["shared_choices"]}
    assert not choices["hiv_status"]["disabled"]
    login_as("worker").post(url, form_data(swc, shared_fields=["name", "hiv_status"]))
    assert "hiv_status" in Referral.objects.get(child=case.child).shared_fields


def test_sensitive_parts_are_not_offered_to_those_who_may_not_see_them(login_as, new_child, worker, swc):
    child = new_child()
    give_consent(child, worker)
    url = f"{NEW}?child={child.public_id}"
    client = login_as("hotline")  # sends referrals, never sees sensitive data
    values = {c["value"] for c in client.get(url).context["shared_choices"]}
    assert "hiv_status" not in values and "name" in values
    response = client.post(url, form_data(swc, shared_fields=["name", "drug_use"]))
    assert response.status_code == 400 and not Referral.objects.filter(child=child).exists()


def test_the_default_response_date_is_three_working_days_ahead(login_as, new_child):
    from core.calendar import add_working_days

    child = new_child()
    form = login_as("worker").get(f"{NEW}?child={child.public_id}").context["form"]
    assert form.initial["respond_by"] == add_working_days(timezone.now(), 3).date()


def test_a_child_of_another_province_cannot_be_referred(login_as, new_child):
    child = new_child()
    assert login_as("worker_b").get(f"{NEW}?child={child.public_id}").status_code == 404
    assert login_as("worker").get(f"{NEW}?child=not-a-uuid").status_code == 404
    assert login_as("official").get(f"{NEW}?child={child.public_id}").status_code == 404  # officials do not refer



def test_a_counsellor_refers_from_a_call_that_has_a_child(login_as, persona, swc):
    from hotline.selectors import calls_visible_to

    counsellor = persona("hotline")
    call = calls_visible_to(counsellor).filter(child__isnull=False).select_related("child").first()
    assert call is not None, "the demo has a call about a registered child"
    give_consent(call.child, persona("worker"))
    client = login_as("hotline")
    url = f"{NEW}?call={call.public_id}"
    assert url in client.get(reverse("hotline:call_detail", args=[call.public_id])).content.decode()
    assert client.get(url).status_code == 200
    client.post(url, form_data(swc))
    referral = Referral.objects.get(call=call)
    assert referral.child == call.child and referral.sent_by == counsellor
    assert login_as("worker_b").get(url).status_code == 404

# --- the staff's list and detail ---------------------------------------------------------------


def test_the_list_filters_by_status_service_agency_and_overdue(login_as, consented_child, refer, legal_aid, partner):
    sent = refer(consented_child())
    legal = refer(consented_child(), agency=legal_aid, code="LEGAL_AID")
    accepted = services.agency_action(refer(consented_child()), action="accept", by=partner)
    Referral.objects.filter(pk=sent.pk).update(respond_by=timezone.localdate() - timedelta(days=1))
    client = login_as("worker")
    url = reverse("referrals:referral_list")

    def listed(**params):
        return set(client.get(url, params).context["page"].object_list)

    assert {sent, legal, accepted} <= listed()
    assert accepted in listed(status="ACCEPTED") and sent not in listed(status="ACCEPTED")
    assert listed(service_type="LEGAL_AID") >= {legal} and sent not in listed(service_type="LEGAL_AID")
    assert legal in listed(agency=str(legal_aid.public_id)) and sent not in listed(agency=str(legal_aid.public_id))
    overdue = listed(overdue="true")
    assert sent in overdue and legal not in overdue
    assert 'data-testid="overdue"' in client.get(url, {"overdue": "true"}).content.decode()


def test_the_list_is_scoped(login_as, consented_child, refer):
    referral = refer(consented_child())
    assert referral not in login_as("worker_b").get(reverse("referrals:referral_list")).context["page"].object_list
    assert login_as("worker_b").get(detail(referral)).status_code == 404
    assert login_as("partner").get(reverse("referrals:referral_list")).status_code == 404


def test_the_detail_shows_the_events_and_lets_the_sender_revoke(login_as, consented_child, refer):
    referral = refer(consented_child())
    client = login_as("worker")
    page = client.get(detail(referral)).content.decode()
    assert 'data-testid="sender-revoke"' in page and 'data-testid="event"' in page
    response = client.post(reverse("referrals:sender_action", args=[referral.public_id]),
                           {"action": "revoke", "note": "Gia đình chuyển đi."})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REVOKED
    assert "sender-revoke" not in client.get(detail(referral)).content.decode()


def test_the_worker_home_flags_overdue_referrals(login_as, consented_child, refer):
    referral = refer(consented_child())
    client = login_as("worker")
    assert str(referral.public_id) not in client.get("/").content.decode().split('data-testid="my-work"')[0]
    Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.localdate() - timedelta(days=2))
    page = client.get("/").content.decode()
    assert 'data-testid="overdue-referrals"' in page and detail(referral) in page


LIST_QUERIES = 5  # session, user (with unread notices), service and agency choices, page (on one page: the count)


@pytest.mark.parametrize("how_many", [2, 6])
def test_the_staff_list_query_count_does_not_grow(login_as, consented_child, refer, how_many,
                                                  django_assert_num_queries):
    for _ in range(how_many):
        refer(consented_child())
    client = login_as("worker")
    client.get(reverse("referrals:referral_list"))
    with django_assert_num_queries(LIST_QUERIES):
        client.get(reverse("referrals:referral_list"))


# --- the partner -------------------------------------------------------------------------------


def test_the_partner_home_and_inbox_show_the_agency_referrals_only(login_as, consented_child, refer, legal_aid):
    mine, other = refer(consented_child()), refer(consented_child(), agency=legal_aid, code="LEGAL_AID")
    client = login_as("partner")
    home = client.get("/").content.decode()
    assert 'data-testid="partner-inbox"' in home and detail(mine) in home and detail(other) not in home
    inbox = client.get(reverse("referrals:inbox"))
    listed = set(inbox.context["page"].object_list)
    assert mine in listed and other not in listed
    assert all(r.agency.name == SWC for r in listed)
    assert client.get(detail(other)).status_code == 404


def test_the_partner_sees_only_the_shared_information(login_as, consented_child, refer, worker):
    child = consented_child()
    SensitiveInfo.objects.create(child=child, drug_use="Có sử dụng ma túy.")
    referral = refer(child)
    page = login_as("partner").get(detail(referral)).content.decode()
    assert child.full_name in page and "Cháu cần tham vấn tâm lý" in page
    for hidden in (child.registry_number, child.date_of_birth.strftime("%d/%m/%Y"), "Có sử dụng ma túy.",
                   reverse("beneficiaries:child_detail", args=[child.public_id]), worker.get_full_name()):
        assert hidden not in page


def test_the_partner_accepts_starts_and_completes(login_as, consented_child, refer):
    referral = refer(consented_child())
    client = login_as("partner")
    answer = reverse("referrals:partner_action", args=[referral.public_id])
    assert 'data-testid="partner-accept"' in client.get(detail(referral)).content.decode()
    client.post(answer, {"action": "accept", "note": "Nhận."})
    client.post(answer, {"action": "start"})
    response = client.post(answer, {"action": "complete", "outcome": ""}, follow=True)  # an outcome is required
    assert "outcome" in " ".join(str(m) for m in response.context["messages"])
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.IN_PROGRESS
    response = client.post(answer, {"action": "complete", "outcome": "Đã tham vấn 6 buổi."})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED and referral.outcome == "Đã tham vấn 6 buổi."
    page = login_as("worker").get(detail(referral)).content.decode()
    assert 'data-testid="outcome"' in page and "Đã tham vấn 6 buổi." in page


def test_the_partner_cannot_complete_a_declined_referral(login_as, consented_child, refer):
    referral = refer(consented_child())
    client = login_as("partner")
    answer = reverse("referrals:partner_action", args=[referral.public_id])
    client.post(answer, {"action": "decline", "note": "Hết chỗ."})
    client.post(answer, {"action": "complete", "outcome": "Xong."})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED


def test_staff_cannot_answer_for_the_agency(login_as, consented_child, refer):
    referral = refer(consented_child())
    response = login_as("worker").post(reverse("referrals:partner_action", args=[referral.public_id]),
                                       {"action": "accept"})
    assert response.status_code == 404
    assert login_as("worker").get(reverse("referrals:inbox")).status_code == 404


def test_a_revoked_referral_is_a_tombstone_for_the_partner(login_as, consented_child, refer, worker):
    child = consented_child()
    referral = services.sender_action(refer(child), action="revoke", by=worker)
    page = login_as("partner").get(detail(referral)).content.decode()
    assert 'data-testid="revoked"' in page and child.full_name not in page


INBOX_QUERIES = 4  # session, user (with unread notices), service choices, page (on one page: the count)


@pytest.mark.parametrize("how_many", [2, 6])
def test_the_inbox_query_count_does_not_grow(login_as, consented_child, refer, how_many, django_assert_num_queries):
    for _ in range(how_many):
        refer(consented_child())
    client = login_as("partner")
    client.get(reverse("referrals:inbox"))
    with django_assert_num_queries(INBOX_QUERIES):
        client.get(reverse("referrals:inbox"))


# Pages a partner may open there: its own notifications, and a commune's village names (reference
# geography for forms, no child in them).
PARTNER_ALLOWED = {"cases:notifications", "cases:notifications_read_all", "beneficiaries:village_options"}


def _walk(namespace: str, real_id) -> list[tuple[str, str]]:
    _prefix, resolver = get_resolver().namespace_dict[namespace]
    urls = []
    for pattern in resolver.url_patterns:
        args = []
        for converter in pattern.pattern.converters.values():
            kind = type(converter).__name__
            args.append(real_id if kind == "UUIDConverter" else 1 if kind == "IntConverter" else "x")
        urls.append((f"{namespace}:{pattern.name}", reverse(f"{namespace}:{pattern.name}", args=args)))
    return urls


@pytest.mark.parametrize("namespace, model", [("beneficiaries", Child), ("cases", Case), ("hotline", Call)])
def test_a_partner_gets_404_on_every_page_of_children_cases_and_hotline(login_as, namespace, model, consented_child,
                                                                         refer):
    referral = refer(consented_child())  # even the child of a referral to the partner's own agency
    real = {"beneficiaries": referral.child.public_id,
            "cases": getattr(Case.objects.first(), "public_id", uuid.uuid4()),
            "hotline": getattr(Call.objects.first(), "public_id", uuid.uuid4())}[namespace]
    client = login_as("partner")
    walked = _walk(namespace, real)
    assert len(walked) >= 5
    for name, url in walked:
        if name in PARTNER_ALLOWED:
            continue
        got, posted = client.get(url).status_code, client.post(url).status_code
        assert got in (404, 405), f"GET {name} {url}: {got}"
        assert posted == 404, f"POST {name} {url}: {posted}"


# --- the agency directory ----------------------------------------------------------------------


def test_the_directory_filters_by_service_and_province_and_shows_statistics(login_as, consented_child, refer, partner):
    referral = services.agency_action(refer(consented_child()), action="accept", by=partner)
    client = login_as("national")
    page = client.get(reverse("agencies:agency_list"), {"service": "PSYCHOLOGICAL_THERAPY", "province": "15"})
    names = {a.name for a in page.context["page"]}
    assert SWC in names and "Trung tâm Công tác xã hội tỉnh Đồng Tháp" not in names
    assert "Tổng đài điện thoại quốc gia bảo vệ trẻ em 111" in names  # nationwide serves every province
    stats = page.context["stats"][referral.agency.public_id]
    assert stats["sent"] >= 1 and stats["accepted"] >= 1
    html = page.content.decode()
    assert 'data-testid="agency-stats"' in html
    detail_page = client.get(reverse("agencies:agency_detail", args=[referral.agency.public_id]))
    assert detail_page.context["stats"]["sent"] >= 1


def test_the_directory_of_a_worker_is_still_scoped(login_as):
    names = {a.name for a in login_as("worker_b").get(reverse("agencies:agency_list")).context["page"]}
    assert SWC not in names and all(
        a.province is None or a.province.code == "82" for a in Agency.objects.filter(name__in=names))

