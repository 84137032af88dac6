"""/api/v1/children/: list with the page's filters and search, create, retrieve, partial update with
optimistic locking (version -> 409, If-Match -> 412); no PUT, no DELETE; JSON field errors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessEvent
from beneficiaries.models import Child, Household
from geography.services import add_village
from tests.beneficiaries import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/children/"
FIELDS = {
    "id", "registry_number", "full_name", "sex", "date_of_birth", "birth_date_estimated", "age", "is_aged_out",
    "ethnicity", "personal_id", "birth_registration", "province", "commune", "commune_name", "village", "address",
    "schooling", "school_name", "health_insurance_number", "poverty_status", "disability_type",
    "disability_severity", "notes", "is_active", "deactivation_reason", "merged_into", "version", "created_at",
    "updated_at",
}
SENSITIVE = {"hiv_status", "sexual_abuse_history", "drug_use", "conflict_with_law", "sensitive", "circumstances"}


def detail(child) -> str:
    return f"{URL}{child.public_id}/"


def payload(**changes) -> dict:
    data = {"full_name": "Nguyễn Thị Hoà", "sex": "F", "date_of_birth": f.years_ago(11, days=-30).isoformat(),
            "ethnicity": "01", "commune": f.SA_PA, "poverty_status": "poor"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


@pytest.fixture
def village(db):
    """A village of Sa Pa holding only this test's children (the demo data has others)."""
    return add_village(commune=f.commune(f.SA_PA), name="Thôn Thử API", kind="thon", created_by=None)


# --- List ----------------------------------------------------------------------------------------


def test_list_rows_have_the_record_fields_and_nothing_sensitive(api, child_a):
    body = api("supervisor").get(URL, {"search": child_a.registry_number}).json()
    assert set(body) == {"count", "count_capped", "next", "previous", "results"}
    assert body["count"] == 1
    row = body["results"][0]
    assert set(row) == FIELDS and not SENSITIVE & set(row)
    assert (row["id"], row["full_name"], row["province"], row["commune"]) == (
        str(child_a.public_id), "Nguyễn Thị Hòa", "15", f.SA_PA)
    assert row["age"] == child_a.age and row["version"] == 1
    text = str(body)
    assert f.SECRET_ABUSE not in text and f.SECRET_DRUGS not in text and f.SECRET_LAW not in text


@pytest.mark.parametrize("params, expected", [
    ({}, {"lan", "binh", "chi"}),
    ({"sex": "M"}, {"binh"}),
    ({"age_band": "0-5"}, {"lan"}),
    ({"age_band": "11-15"}, {"chi"}),
    ({"poverty_status": "poor"}, {"lan"}),
    ({"disability": "any"}, {"binh"}),
    ({"group": "ORPHAN_BOTH"}, {"chi"}),
    ({"search": "chu chi"}, {"chi"}),
    ({"sort": "-age"}, ["chi", "binh", "lan"]),
    ({"sort": "name"}, ["binh", "chi", "lan"]),
])
def test_list_filters_search_and_sorting(api, village, params, expected):
    from beneficiaries.models import CircumstanceGroup

    kids = {
        "lan": f.ChildFactory(full_name="Vũ Thị Lan", sex="F", date_of_birth=f.years_ago(4), village=village,
                              poverty_status="poor"),
        "binh": f.ChildFactory(full_name="Bùi Văn Bình", sex="M", date_of_birth=f.years_ago(9), village=village,
                               disability_type="intellectual", disability_severity="mild"),
        "chi": f.ChildFactory(full_name="Chu Thị Chi", sex="F", date_of_birth=f.years_ago(12), village=village),
    }
    f.ChildCircumstanceFactory(child=kids["chi"], group=CircumstanceGroup.objects.get(code="ORPHAN_BOTH"))
    by_id = {str(c.public_id): name for name, c in kids.items()}
    body = api("worker").get(URL, {"commune": f.SA_PA, "village": village.pk, **params}).json()
    names = [by_id[row["id"]] for row in body["results"]]
    assert (names if isinstance(expected, list) else set(names)) == expected
    assert body["count"] == len(expected)


def test_invalid_filter_values_are_a_400_with_field_errors(api):
    response = api("worker").get(URL, {"sex": "X", "age_band": "99+", "commune": f.CAO_LANH})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] and {"sex", "age_band", "commune"} <= set(body["errors"])


def test_sensitive_groups_cannot_be_filtered_on_by_a_worker(api, child_a):
    response = api("worker").get(URL, {"group": "HIV"})
    assert response.status_code == 400 and "group" in response.json()["errors"]
    ids = [row["id"] for row in api("supervisor").get(URL, {"group": "HIV", "page_size": 200}).json()["results"]]
    assert str(child_a.public_id) in ids


def test_rows_written_out_are_what_drfs_own_fields_write(api, child_a, village):
    """The serializer writes its rows itself (issue 9): on every kind of record, the same keys in
    the same order and the same values as DRF's field-by-field path (which the schema documents)."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from beneficiaries.api.serializers import ChildSerializer
    from beneficiaries.api.views import ChildViewSet
    from core.api.representation import generic_representation

    estimated = f.ChildFactory(village=village, date_of_birth=f.years_ago(7), birth_date_estimated=True,
                               address="Tổ 3", notes="Ghi chú", school_name="Trường Sa Pa")
    aged_out = f.ChildFactory(date_of_birth=f.years_ago(17), disability_type="physical",
                              disability_severity="severe")
    merged = f.ChildFactory()
    Child.objects.filter(pk=merged.pk).update(merged_into=child_a, is_active=False, deactivation_reason="duplicate")
    Child.objects.filter(pk=aged_out.pk).update(is_active=False, deactivation_reason="aged_out")
    request = Request(APIRequestFactory().get(URL))
    request.user = f.user("supervisor")
    view = ChildViewSet(request=request, action="list", format_kwarg=None)
    rows = {c.pk: c for c in view.get_queryset()}
    assert {child_a.pk, estimated.pk, aged_out.pk, merged.pk} <= set(rows)
    serializer = ChildSerializer(context={"request": request})
    for child in rows.values():
        fast, generic = serializer.to_representation(child), generic_representation(serializer, child)
        assert list(fast) == list(generic) and fast == generic, child.full_name
    assert serializer.to_representation(rows[merged.pk])["merged_into"] == str(child_a.public_id)
    assert serializer.to_representation(rows[aged_out.pk])["is_aged_out"] is True
    assert serializer.to_representation(rows[estimated.pk])["village"] == village.pk


# session (read; save x3: the first request after sign-in stamps it), user, 4 filter choice lists, rows
# (they fit on the first page, which is then their count: core.pagination); the group filter's
# choices are read only when a group is chosen
API_LIST_QUERIES = 8


@pytest.mark.parametrize("how_many", [3, 13])
def test_api_list_query_count_does_not_grow_with_the_children(api, village, django_assert_num_queries, how_many):
    for _ in range(how_many):
        child = f.ChildFactory(village=village)
        f.ChildCircumstanceFactory(child=child)
        f.SensitiveInfoFactory(child=child)
    client = api("supervisor")
    with django_assert_num_queries(API_LIST_QUERIES):
        response = client.get(URL, {"commune": f.SA_PA, "village": village.pk})
    assert response.json()["count"] == how_many and len(response.json()["results"]) == how_many


def test_api_search_query_count_does_not_grow_with_the_matches(api, village):
    client = api("worker")
    client.get(URL)  # the first request after sign-in stamps the session (accounts.middleware)
    measured = []
    for batch in (3, 10):
        f.ChildFactory.create_batch(batch, full_name="Nguyễn Thị Hoa", village=village)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(URL, {"search": "hoa nguyen", "commune": f.SA_PA, "village": village.pk}).json()
        assert len(body["results"]) == 3 + 10 * len(measured)
        measured.append(len(queries))
    assert measured[0] == measured[1]


# --- Create --------------------------------------------------------------------------------------


def test_create_registers_a_child_with_a_number_and_an_etag(api):
    response = api("worker").post(URL, payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    child = Child.objects.get(public_id=body["id"])
    assert body["registry_number"] == child.registry_number and child.registry_number.startswith("15-")
    assert response["ETag"] == f'"{child.public_id}-1"'
    assert (child.full_name, child.sex, child.poverty_status, child.commune.code) == (
        "Nguyễn Thị Hoà", "F", "poor", f.SA_PA)
    assert child.key_worker == f.user("worker") and child.created_by == f.user("worker")
    assert child.household is not None and child.household.commune == child.commune
    assert child.birth_registration == "unknown" and child.schooling == "unknown"  # defaults when not sent


def test_create_with_an_estimated_age(api):
    response = api("worker").post(URL, payload(date_of_birth=..., estimated_age=6), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["birth_date_estimated"] is True and body["age"] == 6
    assert body["date_of_birth"] == f"{timezone.localdate().year - 6}-01-01"


@pytest.mark.parametrize("changes, field", [
    ({"date_of_birth": "__future__"}, "date_of_birth"),
    ({"date_of_birth": "__19_years__"}, "date_of_birth"),
    ({"date_of_birth": "14/13/2015"}, "date_of_birth"),
    ({"date_of_birth": ...}, "date_of_birth"),
    ({"date_of_birth": ..., "estimated_age": 19}, "estimated_age"),
    ({"estimated_age": 5}, "estimated_age"),
    ({"personal_id": "123"}, "personal_id"),
    ({"personal_id": "000315000123"}, "personal_id"),
    ({"commune": "99999"}, "commune"),
    ({"commune": f.CAO_LANH}, "commune"),  # real, but outside the worker's area
    ({"commune": ...}, "commune"),
    ({"full_name": "Nguyễn " + "a" * 10_000}, "full_name"),
    ({"full_name": "<script>alert(1)</script>"}, "full_name"),
    ({"full_name": ""}, "full_name"),
    ({"full_name": ...}, "full_name"),
    ({"sex": ...}, "sex"),
    ({"sex": "Z"}, "sex"),
    ({"ethnicity": "00"}, "ethnicity"),
    ({"village": 999999999}, "village"),
    ({"disability_type": "vision"}, "disability_severity"),
    ({"hiv_status": "positive"}, "hiv_status"),  # sensitive fields are not writable here, nor unknown ones
    ({"registry_numbr": "x"}, "registry_numbr"),
])
def test_bad_input_is_a_400_with_field_errors_and_saves_nothing(api, changes, field):
    special = {"__future__": (timezone.localdate() + timezone.timedelta(days=1)).isoformat(),
               "__19_years__": f.years_ago(19).isoformat()}
    changes = {k: special.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    before = (Child.objects.count(), Household.objects.count())
    response = api("worker").post(URL, payload(**changes), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] and body["errors"][field] and isinstance(body["errors"][field], list)
    assert all(isinstance(message, str) and message for message in body["errors"][field])
    assert (Child.objects.count(), Household.objects.count()) == before


def test_other_village_and_duplicate_personal_id_are_refused(api):
    other_commune_village = f.commune(f.BAT_XAT).villages.first()
    response = api("worker").post(URL, payload(village=other_commune_village.pk), format="json")
    assert response.status_code == 400 and "village" in response.json()["errors"]
    dob = f.years_ago(8)
    pid = f.personal_id_for(dob, "F")
    f.ChildFactory(personal_id=pid, date_of_birth=dob, sex="F")
    response = api("worker").post(URL, payload(personal_id=pid, date_of_birth=dob.isoformat()), format="json")
    assert response.status_code == 400 and "personal_id" in response.json()["errors"]


@pytest.mark.parametrize("body, content_type", [
    ("[1, 2]", "application/json"), ('"text"', "application/json"), ("{not json", "application/json"),
    ("full_name=x", "application/x-www-form-urlencoded"),
])
def test_a_body_that_is_not_a_json_object_is_a_clear_4xx(api, body, content_type):
    before = Child.objects.count()
    response = api("worker").post(URL, data=body, content_type=content_type)
    assert response.status_code in (400, 415)
    assert response.json()["detail"]
    assert Child.objects.count() == before


def test_roles_that_do_not_register_get_403(api):
    for persona in ["official", "hotline", "partner", "national"]:
        response = api(persona).post(URL, payload(), format="json")
        assert response.status_code == 403, persona
        assert response.json()["detail"]
    assert not Child.objects.filter(full_name="Nguyễn Thị Hoà").exists()


# --- Retrieve and update --------------------------------------------------------------------------


def test_retrieve_has_an_etag_and_is_logged(api, child_a):
    response = api("official").get(detail(child_a))
    assert response.status_code == 200
    assert response["ETag"] == f'"{child_a.public_id}-1"'
    assert not SENSITIVE & set(response.json())
    event = AccessEvent.objects.get(action="api_view")
    assert (event.user.username, event.object_type, event.object_id, event.ip_address) == (
        "official", "beneficiaries.child", child_a.pk, "127.0.0.1")


def test_patch_changes_only_what_is_sent_and_bumps_the_version(api, child_a):
    client = api("worker")
    response = client.patch(detail(child_a), {"address": "Tổ 7", "schooling": "primary", "version": 1},
                            format="json")
    assert response.status_code == 200, response.content
    child_a.refresh_from_db()
    assert (child_a.address, child_a.schooling, child_a.version) == ("Tổ 7", "primary", 2)
    assert child_a.full_name == "Nguyễn Thị Hòa" and child_a.personal_id  # untouched
    assert child_a.sensitive.sexual_abuse_history == f.SECRET_ABUSE  # sensitive data untouched
    assert response.json()["version"] == 2 and response["ETag"] == f'"{child_a.public_id}-2"'
    # without a version the edit is applied to the current record
    assert client.patch(detail(child_a), {"school_name": "Trường Kim Đồng"}, format="json").status_code == 200
    child_a.refresh_from_db()
    assert (child_a.school_name, child_a.version) == ("Trường Kim Đồng", 3)


def test_patch_switches_between_exact_and_estimated_birth_dates(api):
    child = f.ChildFactory(date_of_birth=f.years_ago(9, days=-100))
    client = api("worker")
    response = client.patch(detail(child), {"estimated_age": 8}, format="json")
    assert response.status_code == 200, response.content
    child.refresh_from_db()
    assert child.birth_date_estimated and child.date_of_birth == timezone.localdate().replace(
        year=timezone.localdate().year - 8, month=1, day=1)
    exact = f.years_ago(8, days=-5)
    assert client.patch(detail(child), {"date_of_birth": exact.isoformat()}, format="json").status_code == 200
    child.refresh_from_db()
    assert not child.birth_date_estimated and child.date_of_birth == exact


def test_patch_with_a_stale_version_is_409_and_saves_nothing(api, child_a):
    api("supervisor").patch(detail(child_a), {"address": "Tổ 1"}, format="json")  # now version 2
    response = api("worker").patch(detail(child_a), {"address": "Tổ 9", "version": 1}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["detail"] and body["changed"] == ["address"] and body["current"]["address"] == "Tổ 1"
    assert body["current"]["version"] == 2
    child_a.refresh_from_db()
    assert (child_a.address, child_a.version) == ("Tổ 1", 2)


def test_patch_with_a_stale_if_match_is_412_and_saves_nothing(api, child_a):
    client = api("worker")
    etag = client.get(detail(child_a))["ETag"]
    api("supervisor").patch(detail(child_a), {"notes": "đã thăm nhà"}, format="json")
    response = client.patch(detail(child_a), {"notes": "ghi đè"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert response.json()["detail"] and response.json()["current"]["notes"] == "đã thăm nhà"
    child_a.refresh_from_db()
    assert (child_a.notes, child_a.version) == ("đã thăm nhà", 2)
    fresh = client.get(detail(child_a))["ETag"]
    response = client.patch(detail(child_a), {"notes": "cập nhật"}, format="json", HTTP_IF_MATCH=fresh)
    assert response.status_code == 200 and response["ETag"] != fresh


@pytest.mark.parametrize("changes, field", [
    ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
    ({"full_name": "   "}, "full_name"),
    ({"commune": "00000"}, "commune"),
    ({"version": "abc"}, "version"),
    ({"personal_id": "12345678901"}, "personal_id"),
    ({"drug_use": "x"}, "drug_use"),
])
def test_patch_with_bad_input_is_400_and_keeps_the_record(api, child_a, changes, field):
    response = api("worker").patch(detail(child_a), changes, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    child_a.refresh_from_db()
    assert child_a.version == 1 and child_a.full_name == "Nguyễn Thị Hòa" and child_a.commune.code == f.SA_PA


def test_put_and_delete_are_not_allowed(api, child_a):
    client = api("supervisor")
    assert client.put(detail(child_a), payload(), format="json").status_code == 405
    assert client.delete(detail(child_a)).status_code == 405
    assert client.delete(URL).status_code == 405
    child_a.refresh_from_db()
    assert child_a.is_active and child_a.full_name == "Nguyễn Thị Hòa" and child_a.version == 1


def test_roles_that_do_not_edit_get_403_on_patch(api, child_a):
    for persona in ["official", "hotline", "national"]:
        response = api(persona).patch(detail(child_a), {"address": "X"}, format="json")
        assert response.status_code == 403, persona
    child_a.refresh_from_db()
    assert child_a.address != "X"


def test_the_api_needs_a_login(client, child_a):
    assert client.get(URL).status_code == 401
    assert client.get(detail(child_a)).status_code == 401
    assert client.post(URL, payload(), content_type="application/json").status_code == 401
