"""The partner API with knox tokens (journey 3): only our agency's referrals and only the shared
fields, the answers, a sync with updated_since that misses and repeats nothing, the errors
(404 for another agency's referral, 409, 400), staff referring with an Idempotency-Key, the rate
limit (429 with Retry-After), and tokens issued and revoked by an administrator."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from referrals import services
from referrals.choices import ReferralStatus
from referrals.models import Referral
from tests.referrals.conftest import SWC, give_consent

pytestmark = pytest.mark.django_db
URL = "/api/v1/referrals/"


def token_client(user) -> APIClient:
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def partner_api(partner):
    return token_client(partner)


def one(referral) -> str:
    return f"{URL}{referral.public_id}/"


def ids(body) -> set[str]:
    return {row["id"] for row in body["results"]}


# --- reading -----------------------------------------------------------------------------------


def test_the_list_holds_only_our_agency_referrals(partner_api, consented_child, refer, legal_aid):
    mine, other = refer(consented_child()), refer(consented_child(), agency=legal_aid, code="LEGAL_AID")
    body = partner_api.get(URL, {"page_size": 200}).json()
    assert str(mine.public_id) in ids(body) and str(other.public_id) not in ids(body)
    assert {row["agency"]["name"] for row in body["results"]} == {SWC}
    assert body["count"] == Referral.objects.filter(agency__name=SWC).count()


def test_only_the_shared_fields_are_sent(partner_api, consented_child, refer):
    child = consented_child()
    body = partner_api.get(one(refer(child))).json()
    assert set(body["child"]) == {"name", "age", "sex", "commune"}
    assert body["child"]["name"] == child.full_name and body["reason"]
    text = str(body)
    for hidden in (str(child.public_id), child.registry_number, "date_of_birth", "sent_by", "case", "events",
                   "consent"):
        assert hidden not in text


def test_chosen_parts_appear_as_documented(partner_api, consented_child, refer):
    body = partner_api.get(one(refer(consented_child(), shared_fields=["name", "ethnicity", "disability"]))).json()
    assert body["child"]["ethnicity"] == {"code": "01", "label": "Kinh"}
    assert body["child"]["disability"] is None
    assert body["shared_fields"] == ["name", "reason", "ethnicity", "disability"]


def test_filters_by_status_and_service_type(partner_api, consented_child, refer, partner):
    sent = refer(consented_child())
    accepted = services.agency_action(refer(consented_child(), code="EMERGENCY_SHELTER"), action="accept", by=partner)
    by_status = ids(partner_api.get(URL, {"status": "ACCEPTED", "page_size": 200}).json())
    assert str(accepted.public_id) in by_status and str(sent.public_id) not in by_status
    by_service = ids(partner_api.get(URL, {"service_type": "EMERGENCY_SHELTER", "page_size": 200}).json())
    assert str(accepted.public_id) in by_service and str(sent.public_id) not in by_service


def test_staff_see_what_they_may_see_with_the_child_reference(consented_child, refer, worker, persona):
    referral = refer(consented_child())
    body = token_client(worker).get(one(referral)).json()
    assert body["child"]["registry_number"] == referral.child.registry_number
    assert [e["action"] for e in body["events"]] == ["send"] and body["consent_given"] is True
    assert token_client(persona("worker_b")).get(one(referral)).status_code == 404


def test_the_detail_is_in_the_access_log(partner_api, consented_child, refer):
    from audit.models import AccessEvent

    referral = refer(consented_child())
    partner_api.get(one(referral))
    assert AccessEvent.objects.filter(object_type="referrals.referral", object_id=referral.pk).exists()


# --- answering ---------------------------------------------------------------------------------


def test_accept_start_and_complete_with_an_outcome(partner_api, consented_child, refer):
    referral = refer(consented_child())
    response = partner_api.post(f"{one(referral)}accept/", {"note": "Luật sư An phụ trách."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "ACCEPTED"
    assert partner_api.post(f"{one(referral)}start/", {}, format="json").json()["status"] == "IN_PROGRESS"
    body = partner_api.post(f"{one(referral)}complete/", {"outcome": "Đã tham vấn 6 buổi."}, format="json").json()
    assert body["status"] == "COMPLETED" and body["outcome"] == "Đã tham vấn 6 buổi." and body["completed_at"]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED


def test_decline_needs_a_reason_and_completing_a_declined_referral_is_409(partner_api, consented_child, refer):
    referral = refer(consented_child())
    response = partner_api.post(f"{one(referral)}decline/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert partner_api.post(f"{one(referral)}decline/", {"reason": "Hết chỗ."}, format="json").status_code == 200
    response = partner_api.post(f"{one(referral)}complete/", {"outcome": "Xong."}, format="json")
    assert response.status_code == 409 and response.json()["detail"]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED and referral.outcome == ""


def test_another_agency_referral_is_404_like_a_missing_one(partner_api, consented_child, refer, legal_aid):
    other = refer(consented_child(), agency=legal_aid, code="LEGAL_AID")
    missing = partner_api.get(f"{URL}00000000-0000-4000-8000-000000000000/")
    theirs = partner_api.get(one(other))
    assert missing.status_code == theirs.status_code == 404 and missing.json() == theirs.json()
    assert partner_api.post(f"{one(other)}accept/", {}, format="json").status_code == 404
    assert partner_api.get(f"{URL}not-a-uuid/").status_code == 404
    other.refresh_from_db()
    assert other.status == ReferralStatus.SENT


def test_a_token_of_another_agency_touches_nothing_of_ours(partner_b, consented_child, refer):
    referral = refer(consented_child())
    client = token_client(partner_b)
    assert client.post(f"{one(referral)}accept/", {}, format="json").status_code == 404
    assert str(referral.public_id) not in ids(client.get(URL, {"page_size": 200}).json())


def test_a_partner_may_not_revoke_or_create(partner_api, consented_child, refer, swc):
    referral = refer(consented_child())
    assert partner_api.post(f"{one(referral)}revoke/", {}, format="json").status_code == 403
    assert partner_api.post(URL, {}, format="json").status_code == 403


def test_staff_may_not_answer_for_the_agency(consented_child, refer, worker):
    referral = refer(consented_child())
    assert token_client(worker).post(f"{one(referral)}accept/", {}, format="json").status_code == 403


def test_the_sender_revokes_over_the_api_and_the_partner_sees_a_tombstone(partner_api, consented_child, refer,
                                                                          worker):
    referral = refer(consented_child())
    response = token_client(worker).post(f"{one(referral)}revoke/", {"note": "Gia đình chuyển đi."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "REVOKED"
    body = partner_api.get(one(referral)).json()
    assert body["status"] == "REVOKED" and body["child"] == {} and body["reason"] == ""


# --- sync --------------------------------------------------------------------------------------


def sync(client, since: str, page_size: int = 2) -> list[dict]:
    """Follow `next` as a partner system would."""
    rows, url, params = [], URL, {"updated_since": since, "page_size": page_size}
    while url:
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        url, params = body["next"], None
    return rows


def test_sync_with_updated_since_misses_nothing_and_repeats_nothing(partner_api, consented_child, refer, partner,
                                                                   worker):
    start = timezone.now()
    created = [refer(consented_child()) for _ in range(5)]
    first = sync(partner_api, start.isoformat())
    assert [r["id"] for r in first] == [str(r.public_id) for r in created]  # oldest change first
    stamps = [(r["updated_at"], r["id"]) for r in first]
    assert stamps == sorted(stamps)
    last_seen = first[-1]["updated_at"]

    # More changes: two answers, a revocation and a new referral.
    services.agency_action(created[0], action="accept", by=partner)
    services.agency_action(created[3], action="decline", by=partner, note="Hết chỗ.")
    services.sender_action(created[1], action="revoke", by=worker)
    new = refer(consented_child())
    second = sync(partner_api, last_seen)
    assert [r["id"] for r in second] == [str(r.public_id) for r in (created[0], created[3], created[1], new)]
    assert [r["status"] for r in second] == ["ACCEPTED", "DECLINED", "REVOKED", "SENT"]
    assert sync(partner_api, second[-1]["updated_at"]) == []  # nothing new: nothing repeated


def test_a_change_during_the_sync_moves_the_referral_to_the_end_and_skips_nothing(partner_api, consented_child,
                                                                                refer, partner):
    start = timezone.now()
    created = [refer(consented_child()) for _ in range(5)]
    page = partner_api.get(URL, {"updated_since": start.isoformat(), "page_size": 2}).json()
    services.agency_action(created[0], action="accept", by=partner)  # already received, changes now
    rest = sync_from(partner_api, page["next"])
    seen = [r["id"] for r in page["results"] + rest]
    assert set(seen) == {str(r.public_id) for r in created}
    versions = [(r["id"], r["updated_at"]) for r in page["results"] + rest]
    assert len(versions) == len(set(versions))  # every version once
    assert rest[-1]["id"] == str(created[0].public_id) and rest[-1]["status"] == "ACCEPTED"


def sync_from(client, url) -> list[dict]:
    rows = []
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url = body["next"]
    return rows


def test_ties_on_updated_at_are_ordered_by_id_and_paged_without_loss(partner_api, consented_child, refer):
    created = [refer(consented_child()) for _ in range(5)]
    moment = timezone.now() + timedelta(hours=1)  # after anything else of the test database
    Referral.objects.filter(pk__in=[r.pk for r in created]).update(updated_at=moment)
    rows = sync(partner_api, (moment - timedelta(seconds=1)).isoformat())
    assert [r["id"] for r in rows] == [str(r.public_id) for r in sorted(created, key=lambda r: r.pk)]


@pytest.mark.parametrize("value", ["yesterday", "2026-13-45T00:00:00", "1700000000", ""])
def test_updated_since_that_is_not_a_timestamp_is_400(partner_api, value):
    response = partner_api.get(URL, {"updated_since": value})
    assert response.status_code == 400 and "updated_since" in response.json()["errors"]


def test_an_unencoded_plus_of_the_offset_is_understood(partner_api):
    response = partner_api.get(f"{URL}?updated_since=2026-03-02T08:00:00+07:00")
    assert response.status_code == 200


def test_an_unknown_service_type_is_400(partner_api):
    response = partner_api.get(URL, {"service_type": "SPACE_TRAVEL"})
    assert response.status_code == 400 and "service_type" in response.json()["errors"]


# --- staff create ------------------------------------------------------------------------------


def create_body(child, agency, **changes) -> dict:
    return {"child": str(child.public_id), "agency": str(agency.public_id), "service_type": "LEGAL_AID",
            "reason": "Cháu cần luật sư đồng hành.", "urgency": "HIGH", **changes}


def test_staff_refer_with_an_idempotency_key(consented_child, worker, legal_aid):
    child = consented_child()
    client = token_client(worker)
    first = client.post(URL, create_body(child, legal_aid), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == 201, first.content
    again = client.post(URL, create_body(child, legal_aid), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = client.post(URL, create_body(child, legal_aid), format="json", HTTP_IDEMPOTENCY_KEY="key-2")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert Referral.objects.filter(child=child).count() == 2
    referral = Referral.objects.get(public_id=first.json()["id"])
    assert referral.respond_by > timezone.localdate() and referral.shared_fields == sorted(
        ["name", "age", "sex", "commune", "reason"])


def test_create_refuses_bad_input(consented_child, new_child, worker, legal_aid):
    client = token_client(worker)
    child = consented_child()
    response = client.post(URL, create_body(child, legal_aid, service_type="SPACE_TRAVEL"), format="json")
    assert response.status_code == 400 and "service_type" in response.json()["errors"]
    response = client.post(URL, create_body(new_child(), legal_aid), format="json")  # no consent
    assert response.status_code == 409 and "consent" in response.json()["detail"]
    response = client.post(URL, create_body(child, legal_aid), format="json", HTTP_IDEMPOTENCY_KEY="x" * 81)
    assert response.status_code == 400
    assert not Referral.objects.filter(child=child).exists()


def test_a_child_out_of_scope_cannot_be_referred_over_the_api(consented_child, persona, legal_aid):
    response = token_client(persona("worker_b")).post(URL, create_body(consented_child(), legal_aid), format="json")
    assert response.status_code == 400 and "child" in response.json()["errors"]


def test_sensitive_parts_need_the_right_to_see_them(consented_child, persona, legal_aid):
    response = token_client(persona("hotline")).post(
        URL, create_body(consented_child(), legal_aid, shared_fields=["name", "hiv_status"]), format="json")
    assert response.status_code == 400 and "shared_fields" in response.json()["errors"]


def test_a_supervisor_overrides_consent_in_an_emergency_over_the_api(new_child, supervisor, legal_aid):
    child = new_child()
    response = token_client(supervisor).post(URL, create_body(
        child, legal_aid, urgency="EMERGENCY", override_reason="Cháu đang gặp nguy hiểm."), format="json")
    assert response.status_code == 201 and response.json()["consent_given"] is False


# --- rate limit and tokens ---------------------------------------------------------------------


def test_over_the_rate_limit_is_429_with_retry_after(partner, consented_child, refer):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "partner": "3/min"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        client, other_token = token_client(partner), token_client(partner)
        assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
        response = client.get(URL)
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert response.json()["detail"]
        assert other_token.get(URL).status_code == 200  # per token


def test_the_default_partner_rate_is_configured():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["partner"]


def test_a_revoked_token_is_401(partner):
    instance, token = AuthToken.objects.create(user=partner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(URL).status_code == 200
    instance.delete()
    assert client.get(URL).status_code == 401


def test_an_expired_token_is_401(partner):
    instance, token = AuthToken.objects.create(user=partner, expiry=timedelta(seconds=-1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(URL).status_code == 401


def test_an_administrator_issues_a_token_shown_once_and_revokes_it_in_the_admin(login_as, partner, persona):
    admin = login_as("admin")
    response = admin.post(reverse("admin:accounts_user_changelist"), {
        "action": "issue_api_token", "_selected_action": [partner.pk, persona("worker").pk]}, follow=True)
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    issued = next(t for t in texts if "partner" in t and "API token" in t)
    assert any("worker" in t and "partner agency users only" in t for t in texts)
    token = issued.rsplit(" ", 1)[-1]
    stored = AuthToken.objects.get(user=partner)
    assert token not in (stored.digest, stored.token_key) and token.startswith(stored.token_key)  # only a hash kept
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(URL).status_code == 200
    assert not AuthToken.objects.filter(user=persona("worker")).exists()

    # Revoking: delete the token under "Auth tokens" (knox's admin).
    page = admin.get(reverse("admin:knox_authtoken_changelist"))
    assert page.status_code == 200 and partner.username in page.content.decode()
    delete = reverse("admin:knox_authtoken_delete", args=[stored.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 302
    assert not AuthToken.objects.filter(pk=stored.pk).exists()
    assert client.get(URL).status_code == 401


# --- query count and schema --------------------------------------------------------------------


# knox's token and user, one page (joins; on one page: the count), the caregivers of those sharing them
API_LIST_QUERIES = 4


@pytest.mark.parametrize("how_many", [2, 6])
def test_the_list_query_count_does_not_grow(partner_api, consented_child, refer, how_many,
                                            django_assert_num_queries):
    for _ in range(how_many):
        refer(consented_child(), shared_fields=["name", "caregiver"])
    partner_api.get(URL)
    with django_assert_num_queries(API_LIST_QUERIES):
        body = partner_api.get(URL, {"page_size": 200}).json()
    assert len(body["results"]) == body["count"]


def test_the_schema_documents_the_partner_api(login_as):
    schema = login_as("admin").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in ("/api/v1/referrals/", "/api/v1/referrals/{id}/", "/api/v1/referrals/{id}/accept/",
                 "/api/v1/referrals/{id}/decline/", "/api/v1/referrals/{id}/start/",
                 "/api/v1/referrals/{id}/complete/", "/api/v1/referrals/{id}/revoke/"):
        assert path in paths, path
    listing = paths["/api/v1/referrals/"]
    assert {"updated_since", "status", "service_type"} <= {p["name"] for p in listing["get"]["parameters"]}
    assert "Idempotency-Key" in {p["name"] for p in listing["post"]["parameters"]}
    assert "examples" in str(listing["post"]) and "examples" in str(paths["/api/v1/referrals/{id}/complete/"])
    assert {"409", "429"} <= set(paths["/api/v1/referrals/{id}/complete/"]["post"]["responses"])


def test_consent_for_another_agency_is_409_over_the_api(new_child, worker, swc, legal_aid):
    child = new_child()
    give_consent(child, worker, agency=swc)
    response = token_client(worker).post(URL, create_body(child, legal_aid), format="json")
    assert response.status_code == 409


def _json_schema(node):
    """OpenAPI 3.0 (`nullable`) to JSON Schema, for jsonschema."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def test_responses_conform_to_the_schema(login_as, partner_api, consented_child, refer, worker, partner):
    import jsonschema

    document = login_as("admin").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = _json_schema(document["components"])

    def check(path: str, method: str, code: str, body):
        content = document["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
        jsonschema.validate(body, {**_json_schema(content), "components": components})

    child = consented_child()
    registry_child = refer(child, shared_fields=["name", "age", "sex", "commune", "date_of_birth", "address",
                                                 "caregiver", "ethnicity", "schooling", "health_insurance",
                                                 "disability", "circumstances", "hiv_status", "drug_use"])
    check("/api/v1/referrals/{id}/", "get", "200", partner_api.get(one(registry_child)).json())
    check("/api/v1/referrals/{id}/", "get", "200", token_client(worker).get(one(registry_child)).json())
    check("/api/v1/referrals/", "get", "200", partner_api.get(URL).json())
    check("/api/v1/referrals/", "get", "200", token_client(worker).get(URL).json())
    check("/api/v1/referrals/", "get", "200", partner_api.get(URL, {"updated_since": "2020-01-01T00:00:00Z",
                                                                    "page_size": 2}).json())
    check("/api/v1/referrals/{id}/accept/", "post", "200",
          partner_api.post(f"{one(registry_child)}accept/", {}, format="json").json())
    check("/api/v1/referrals/{id}/accept/", "post", "409",
          partner_api.post(f"{one(registry_child)}accept/", {}, format="json").json())
    check("/api/v1/referrals/", "get", "400", partner_api.get(URL, {"updated_since": "nope"}).json())
    services.sender_action(registry_child, action="revoke", by=worker)
    check("/api/v1/referrals/{id}/", "get", "200", partner_api.get(one(registry_child)).json())
    with pytest.raises(jsonschema.ValidationError):  # the check is real
        check("/api/v1/referrals/{id}/", "get", "200", {"id": "x", "status": "LOST"})
