"""The calls API (issue 5 item 9): a phone system posts calls with a token, retries safely with
an Idempotency-Key, gets 400 for bad input; listing and reading calls is scoped like the web,
caller identity is for hotline staff only, and every read of a call is logged."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role, ScopeLevel
from audit.models import AccessEvent
from geography.models import Province
from hotline import selectors
from hotline.choices import CallStatus, ReportingClass
from hotline.models import Call
from tests.hotline.conftest import logged_call

pytestmark = pytest.mark.django_db
URL = "/api/v1/hotline/calls/"


def api(username: str) -> APIClient:
    client = APIClient()
    client.force_login(User.objects.get(username=username))
    return client


def body(**changes) -> dict:
    received = timezone.now() - timedelta(minutes=10)
    data = {"hotline": "LC-HOTLINE", "received_at": received.isoformat(),
            "answered_at": (received + timedelta(seconds=15)).isoformat(),
            "ended_at": (received + timedelta(minutes=4)).isoformat(), "connection_outcome": "ANSWERED",
            "caller_phone": "+84 912 345 001", "counsellor": "hotline"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def phone_system(lao_cai_line):
    """An integration account of the Lào Cai line, signed in with a token as a phone system is."""
    user = User(username="tongdai-lc", role=Role.PARTNER, scope_level=ScopeLevel.PROVINCE,
                province=Province.objects.current().get(code="15"))
    user.set_password(settings.DEMO_PASSWORD)
    user.save()
    lao_cai_line.members.add(user)
    token = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": settings.DEMO_PASSWORD},
                             format="json").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_phone_system_posts_a_call_and_a_retry_returns_the_first(phone_system, counsellor):
    before = Call.objects.count()
    first = phone_system.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="pbx-0001")
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["status"] == CallStatus.DRAFT and data["hotline"] == "LC-HOTLINE" and data["counsellor"] == "hotline"
    assert "summary" not in data and "caller_phone" not in data  # a receipt, no narrative
    call = Call.objects.get(public_id=data["id"])
    assert call.caller_phone == "0912345001" and call.idempotency_key == "pbx-0001"
    assert call in selectors.my_drafts(counsellor)  # waiting on the counsellor's screen
    again = phone_system.post(URL, body(connection_outcome="MISSED_NO_ANSWER", answered_at=None), format="json",
                              HTTP_IDEMPOTENCY_KEY="pbx-0001")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Call.objects.count() == before + 1
    # The counsellor logs it meanwhile: a late retry still says nothing of what was said.
    call.summary = "Nội dung tư vấn"
    call.status = CallStatus.COMPLETE
    call.save()
    late = phone_system.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="pbx-0001")
    assert late.status_code == 200 and "summary" not in late.json()


def test_an_abandoned_call_is_counted_without_a_form(phone_system):
    received = timezone.now() - timedelta(minutes=5)
    response = phone_system.post(URL, body(connection_outcome="ABANDONED_IN_QUEUE", answered_at=None, counsellor=None,
                                           ended_at=(received + timedelta(seconds=80)).isoformat(),
                                           received_at=received.isoformat()), format="json",
                                 HTTP_IDEMPOTENCY_KEY="pbx-0002")
    assert response.status_code == 201
    call = Call.objects.get(public_id=response.json()["id"])
    assert call.status == CallStatus.COMPLETE and call.reporting_class == ReportingClass.NON_CONTACT


@pytest.mark.parametrize(("changes", "field"), [
    ({"ended_at": (timezone.now() - timedelta(hours=1)).isoformat()}, "ended_at"),  # ends before it starts
    ({"caller_phone": "12-34"}, "caller_phone"),
    ({"hotline": "NO-SUCH-LINE"}, "hotline"),
    ({"hotline": "111"}, "hotline"),  # a line the phone system is not on
    ({"connection_outcome": "HUNG"}, "connection_outcome"),
    ({"counsellor": "worker"}, "counsellor"),
    ({"connection_outcome": "ABANDONED_IN_QUEUE"}, "answered_at"),  # an answer time for an unanswered call
    ({"received_at": (timezone.now() + timedelta(hours=2)).isoformat()}, "received_at"),
])
def test_bad_input_is_a_400_with_the_field_and_nothing_is_created(phone_system, changes, field):
    before = Call.objects.count()
    response = phone_system.post(URL, body(**changes), format="json", HTTP_IDEMPOTENCY_KEY=f"bad-{field}")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"] and response.json()["detail"]
    assert Call.objects.count() == before


def test_a_call_ending_before_it_starts_says_so(phone_system):
    received = timezone.now() - timedelta(minutes=10)
    response = phone_system.post(URL, body(received_at=received.isoformat(), answered_at=None,
                                           ended_at=(received - timedelta(minutes=1)).isoformat()), format="json")
    assert response.status_code == 400
    assert "end before it starts" in str(response.json()["errors"]["ended_at"]) or response.json()["errors"]["ended_at"]


def test_a_key_used_on_another_line_is_a_conflict(phone_system, national, counsellor):
    other = api("hotline").post(URL, body(hotline="111"), format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert other.status_code == 201
    response = phone_system.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert response.status_code == 409 and other.json()["id"] not in response.content.decode()
    too_long = phone_system.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert too_long.status_code == 400


@pytest.mark.parametrize("username", ["worker", "worker_b", "official", "national", "partner", "admin"])
def test_only_hotline_staff_and_a_line_s_phone_system_post_calls(username):
    response = api(username).post(URL, body(), format="json")
    assert response.status_code == 403
    assert not Call.objects.filter(caller_phone="0912345001").exists()


def test_listing_is_scoped_like_the_web_and_caller_identity_is_for_staff(national, lao_cai_line, counsellor,
                                                                          phone_system):
    on_111 = logged_call(national, counsellor, "CHILD_SELF", caller_phone="0912000999")
    on_lc = logged_call(lao_cai_line, counsellor, "CHILD_SELF", caller_phone="0912000998")
    ids = {r["id"] for r in api("hotline").get(URL, {"page_size": 200}).json()["results"]}
    assert {str(on_111.public_id), str(on_lc.public_id)} <= ids
    supervisor_rows = api("supervisor").get(URL, {"page_size": 200}).json()["results"]
    assert str(on_lc.public_id) in {r["id"] for r in supervisor_rows}
    assert str(on_111.public_id) not in {r["id"] for r in supervisor_rows}
    row = next(r for r in supervisor_rows if r["id"] == str(on_lc.public_id))
    assert row["caller_phone"] == "0912000998" and "summary" not in row
    for username in ("worker", "worker_b", "official", "national", "partner"):
        assert api(username).get(URL).json()["count"] == 0, username
    assert phone_system.get(URL).json()["count"] == 0  # it posts calls; it does not read them
    filtered = api("hotline").get(URL, {"reporting_class": "COUNSELLING", "hotline": "111", "page_size": 200})
    assert all(r["reporting_class"] == "COUNSELLING" and r["hotline"] == "111" for r in filtered.json()["results"])
    assert api("hotline").get(URL, {"received_from": "not a date"}).status_code == 400


def test_reading_a_call_is_logged_and_outside_the_scope_is_404(national, counsellor):
    call = logged_call(national, counsellor, "THIRD_PARTY", summary="Nội dung", caller_phone="0912000997")
    response = api("hotline").get(f"{URL}{call.public_id}/")
    assert response.status_code == 200
    data = response.json()
    assert data["summary"] == "Nội dung" and data["caller_phone"] == "0912000997" and data["child_commune"] == "03006"
    assert AccessEvent.objects.filter(action="api_view", object_type="hotline.call", object_id=call.pk).exists()
    for username in ("supervisor", "worker", "official", "partner"):
        assert api(username).get(f"{URL}{call.public_id}/").status_code == 404, username


def test_the_list_s_query_count_is_pinned(national, counsellor, django_assert_num_queries):
    client = api("hotline")
    client.get(URL)
    # session, user, the user's lines (selectors.calls_visible_to), one page with its categories as
    # codes (core.columns.codes_of; the calls fit on it: it is their count), whether the user is on
    # any line (hotline.permissions)
    with django_assert_num_queries(5):
        client.get(URL)
    for _i in range(10):
        logged_call(national, counsellor, "SILENT")
    with django_assert_num_queries(5):
        client.get(URL)


def test_a_list_row_is_what_drfs_own_field_by_field_path_gives(national, counsellor, phone_system):
    # CallListSerializer writes its rows out (issue 9); this keeps them equal to its declared fields,
    # which the OpenAPI schema documents: every kind of row, key order included.
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from core.api.representation import generic_representation
    from hotline.api.serializers import CallListSerializer
    from hotline.api.views import CallViewSet
    from hotline.models import CallCategory

    categories = list(CallCategory.objects.all()[:2])
    logged_call(national, counsellor, "CHILD_SELF", cats=categories, caller_phone="0912000996")
    assert phone_system.post(URL, body(connection_outcome="ABANDONED_IN_QUEUE", answered_at=None, counsellor=None),
                             format="json").status_code == 201
    for username in ("hotline", "supervisor"):  # the caller's identity is for hotline staff only
        request = Request(APIRequestFactory().get(URL))
        request.user = User.objects.get(username=username)
        view = CallViewSet(request=request, action="list", format_kwarg=None)
        serializer = CallListSerializer(context={"request": request})
        rows = list(view.get_queryset())
        assert any(c.category_codes for c in rows) and any(c.counsellor_id is None for c in rows)
        for call in rows:
            fast, generic = serializer.row(call), generic_representation(serializer, call)
            assert list(fast) == list(generic) and fast == generic, call.public_id
            assert serializer.to_representation(call).keys() <= fast.keys()


def test_the_schema_documents_the_idempotency_key_and_examples():
    schema = api("admin").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content.decode()
    assert "/api/v1/hotline/calls/" in schema and "Idempotency-Key" in schema
    assert "A call abandoned in the queue" in schema and "A call ending before it starts" in schema


@pytest.mark.parametrize("query, built", [("", False), ("?page=1", False), ("?contact_type=CHILD_SELF", True)])
def test_the_filters_are_built_only_when_the_request_may_filter(national, counsellor, monkeypatch, query, built):
    # core.api.filters.nothing_to_filter, as for the case API: a page read as it is builds no filter set.
    from hotline.filters import CallFilter

    child_self = logged_call(national, counsellor, "CHILD_SELF")
    third_party = logged_call(national, counsellor, "THIRD_PARTY")
    made = []
    original = CallFilter.__init__
    monkeypatch.setattr(CallFilter, "__init__", lambda self, *a, **k: made.append(1) or original(self, *a, **k))
    response = api("hotline").get(f"{URL}{query}")
    assert response.status_code == 200 and bool(made) is built
    ids = {row["id"] for row in response.json()["results"]}
    assert str(child_self.public_id) in ids and (str(third_party.public_id) in ids) is not built
