"""The API skeleton: tokens, JSON errors, pagination, geography and agencies."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from core.pagination import CappedPaginator
from geography.models import Commune, Province

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


def token_for(username, **extra):
    response = APIClient().post(
        TOKEN_URL, {"username": username, "password": settings.DEMO_PASSWORD, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def api():
    def _api(username):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(username)['token']}")
        return client

    return _api


def test_token_is_issued_for_a_username_and_password_with_an_expiry():
    body = token_for("partner")
    assert set(body) == {"token", "expiry"}
    assert len(body["token"]) >= 32


def test_token_is_refused_for_a_wrong_password_with_a_json_message():
    response = APIClient().post(TOKEN_URL, {"username": "partner", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_official_needs_a_totp_code_for_a_token(totp_code):
    response = APIClient().post(TOKEN_URL, {"username": "official", "password": settings.DEMO_PASSWORD}, format="json")
    assert response.status_code == 400
    assert "otp" in response.json()["errors"]
    assert token_for("official", otp=totp_code())["token"]


def test_malformed_json_is_a_400_with_a_message():
    response = APIClient().post(TOKEN_URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_no_token_is_401_json(client):
    response = client.get("/api/v1/provinces/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_a_bad_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert client.get("/api/v1/provinces/").status_code == 401


def test_logout_revokes_the_token(api):
    client = api("worker")
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/provinces/").status_code == 401


def test_provinces_in_force_are_the_34_of_the_2025_reform(api):
    body = api("worker").get("/api/v1/provinces/").json()
    assert body["count"] == 34
    assert set(body) == {"count", "count_capped", "next", "previous", "results"}
    assert body["count_capped"] is False


def test_historic_provinces_include_the_merged_ones_with_their_successor(api):
    client = api("worker")
    body = client.get("/api/v1/provinces/?historic=true&page_size=100").json()
    assert body["count"] == 34 + 9
    yen_bai = next(p for p in body["results"] if p["name"] == "Yên Bái")
    assert yen_bai == {**yen_bai, "code": "15", "valid_until": "2025-06-30", "successor": "15", "is_current": False}
    # Code 15 is now Lào Cai's: the unit in force wins a lookup by code.
    assert client.get("/api/v1/provinces/15/?historic=true").json()["name"] == "Lào Cai"
    assert client.get("/api/v1/provinces/87/?historic=true").json()["successor"] == "82"
    assert client.get("/api/v1/provinces/87/").status_code == 404


def test_communes_of_lao_cai_are_99_and_paginated(api):
    body = api("worker").get("/api/v1/communes/?province=15").json()
    assert body["count"] == 99 == Commune.objects.current().filter(province__code="15").count()
    assert len(body["results"]) == 50
    assert "page=2" in body["next"]


def test_a_count_above_the_cap_says_it_is_capped_and_every_row_stays_reachable(api, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 40)
    client = api("worker")
    body = client.get("/api/v1/communes/?province=15&page_size=30").json()
    assert (body["count"], body["count_capped"]) == (40, True)
    codes = [c["code"] for c in body["results"]]
    while body["next"]:
        body = client.get(body["next"]).json()
        codes += [c["code"] for c in body["results"]]
    assert len(set(codes)) == len(codes) == 99
    exact = client.get("/api/v1/communes/?province=15&page_size=30&search=sa pa").json()
    assert exact["count_capped"] is False and 0 < exact["count"] < 40


def test_page_size_is_capped_at_200(api):
    body = api("worker").get("/api/v1/communes/?page_size=5000").json()
    assert len(body["results"]) == 200


def test_unknown_province_filter_is_a_400_with_the_field(api):
    response = api("worker").get("/api/v1/communes/?province=99")
    assert response.status_code == 400
    assert "province" in response.json()["errors"]


def test_search_ignores_case_and_diacritics(api):
    client = api("worker")
    names = [c["name"] for c in client.get("/api/v1/communes/?search=sa pa").json()["results"]]
    assert "Phường Sa Pa" in names
    provinces = [p["name"] for p in client.get("/api/v1/provinces/?search=DONG THAP").json()["results"]]
    assert provinces == ["Đồng Tháp"]


def test_unknown_code_is_a_json_404(api):
    response = api("worker").get("/api/v1/communes/99999/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_partner_sees_only_its_own_agency(api, persona):
    body = api("partner").get("/api/v1/agencies/").json()
    assert [a["id"] for a in body["results"]] == [str(persona("partner").agency.public_id)]


def test_workers_see_their_province_and_nationwide_agencies_only(api):
    lao_cai = {a["province"] for a in api("worker").get("/api/v1/agencies/").json()["results"]}
    dong_thap = api("worker_b").get("/api/v1/agencies/").json()["results"]
    assert lao_cai == {"15", None}
    assert {a["province"] for a in dong_thap} == {"82", None}


def test_an_agency_of_another_province_is_404(api):
    lao_cai_agency = api("worker").get("/api/v1/agencies/?province=15").json()["results"][0]["id"]
    assert api("worker_b").get(f"/api/v1/agencies/{lao_cai_agency}/").status_code == 404


def test_agencies_filter_by_service_type(api):
    results = api("supervisor").get("/api/v1/agencies/?service_type=EMERGENCY_SHELTER").json()["results"]
    assert results and all("EMERGENCY_SHELTER" in a["service_types"] for a in results)


def test_service_types_come_from_the_reference_list(api):
    codes = {s["code"] for s in api("partner").get("/api/v1/service-types/").json()}
    assert len(codes) == 22
    assert {"EMERGENCY_SHELTER", "PSYCHOLOGICAL_THERAPY", "MEDICAL_EXAM"} <= codes


def test_schema_and_docs_need_a_login(client):
    assert client.get("/api/schema/").status_code == 401
    assert client.get("/api/docs/").status_code == 401


def test_schema_and_docs_are_served_without_a_cdn(login_as):
    client = login_as("partner")
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/communes/" in schema.content
    docs = client.get("/api/docs/")
    assert b"unpkg" not in docs.content and b"jsdelivr" not in docs.content


def test_list_queries_are_pinned(api, django_assert_num_queries):
    client = api("worker")
    # knox's two token reads, the province-code check, count, one page (joins, no N+1)
    with django_assert_num_queries(5):
        client.get("/api/v1/communes/?province=15")
    with django_assert_num_queries(3):  # 34 provinces fit on one page: the page is the count
        client.get("/api/v1/provinces/")


def test_former_province_successors_point_to_units_in_force():
    former = Province.objects.filter(valid_until__isnull=False)
    assert former.count() == 9
    assert all(p.successor.valid_until is None for p in former)
