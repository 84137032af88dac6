"""GET /api/v1/statistics/ (issue 7 item 9): the dashboards' scoping and small-cell rule, a 400
with the field's error for bad input, documented in the OpenAPI schema."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from tests.reports.conftest import CAO_LANH, DONG_THAP, LAO_CAI, SA_PA, YEAR

URL = "/api/v1/statistics/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def _api(username: str) -> APIClient:
        client = APIClient()
        client.force_login(User.objects.get(username=username))
        return client

    return _api


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_official_gets_their_province_with_small_cells_masked(figures, api):
    rows = results(api("official").get(URL, {"indicator": "CASES_OPENED", "period": YEAR, "page_size": 200}))
    assert {row["province"] for row in rows} == {LAO_CAI}
    total = next(r for r in rows if r["commune"] is None and r["dimension"] == "")
    assert total["numerator"] == 12 and total["shown"] == "12" and not total["masked"]
    sa_pa = next(r for r in rows if r["commune"] == SA_PA and r["dimension"] == "")
    assert sa_pa["masked"] and sa_pa["numerator"] is None and sa_pa["value"] is None and sa_pa["shown"] == "<5"


def test_a_supervisor_gets_the_small_cells_but_never_the_sensitive_ones(figures, api):
    rows = results(api("supervisor").get(URL, {"period": YEAR, "commune": SA_PA, "page_size": 200}))
    by_code = {(r["indicator"], r["dimension"]): r for r in rows}
    assert by_code[("CASES_OPENED", "")]["numerator"] == 3
    assert by_code[("CSC_SUPPORTED_RATE", "")]["value"] == pytest.approx(0.2)
    assert by_code[("CHILDREN_HIV", "")]["masked"] is True


def test_the_national_official_gets_every_province(figures, api):
    rows = results(api("national").get(URL, {"indicator": "CASES_OPENED", "page_size": 200}))
    assert {row["province"] for row in rows} == {LAO_CAI, DONG_THAP}
    only = results(api("national").get(URL, {"indicator": "CASES_OPENED", "province": DONG_THAP}))
    assert {row["province"] for row in only} == {DONG_THAP}


def test_another_province_is_empty_for_a_provincial_user(figures, api):
    assert results(api("official").get(URL, {"province": DONG_THAP})) == []
    assert results(api("official").get(URL, {"commune": CAO_LANH})) == []


@pytest.mark.parametrize("username", ["partner", "hotline"])
def test_partners_and_counsellors_are_refused(figures, api, username):
    assert api(username).get(URL).status_code == 403


def test_anonymous_callers_are_refused(figures):
    assert APIClient().get(URL).status_code in (401, 403)


@pytest.mark.parametrize(("params", "field"), [
    ({"indicator": "NOT_AN_INDICATOR"}, "indicator"), ({"period": "2026-13"}, "period"),
    ({"period": "2026-Q0"}, "period"), ({"period": "0000"}, "period"), ({"province": "99"}, "province"),
    ({"commune": "00000"}, "commune"),
])
def test_bad_input_is_a_400_with_the_fields_error(db, api, params, field):
    response = api("official").get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_list_is_paginated_in_a_fixed_number_of_queries(figures, api, django_assert_num_queries):
    client = api("national")
    client.get(URL)
    with django_assert_num_queries(3):  # session, user, page (one page: its count; the session is not written)
        rows = results(client.get(URL, {"period": YEAR}))
    assert len(rows) >= 10


def test_the_endpoint_is_documented_with_an_example(db, api):
    schema = api("admin").get("/api/schema/", HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    assert schema.status_code == 200 and "/api/v1/statistics/" in text
    assert "CSC_SUPPORTED_RATE" in text and "masked" in text
