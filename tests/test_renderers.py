"""The API's JSON is DRF's, written faster (core.api.renderers, issue 9)."""

import datetime
import decimal
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from core.api.renderers import FastJSONRenderer

ODD_VALUES = {
    "text": "Nguyễn Thị Hòa \u2028 dòng \u2029 \"trích\" \\ </script>",
    "aware": datetime.datetime(2026, 11, 26, 23, 10, 5, 123456, tzinfo=datetime.UTC),
    "local": datetime.datetime(2026, 11, 27, 6, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
    "naive": datetime.datetime(2026, 1, 2, 3, 4, 5),
    "day": datetime.date(2015, 3, 14), "time": datetime.time(9, 30), "span": datetime.timedelta(hours=2),
    "money": decimal.Decimal("12.50"), "id": uuid.UUID("8d0f6c43-2a77-4a52-9a39-0bd1f1b9a1c2"),
    "lazy": gettext_lazy("Province"), "nested": [{"a": None, "b": True, "c": 0, "d": -17}, ("x", 1)],
    "empty": {}, "ordered": ReturnDict([("z", 1), ("a", 2)], serializer=None),
}


@pytest.mark.parametrize("data", [ODD_VALUES, [ODD_VALUES, ODD_VALUES], {"count": 0, "results": []}, "", 3])
def test_it_writes_what_drfs_renderer_writes(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


@pytest.mark.parametrize("data", [{"big": 2**70}, {1: "a key that is a number"}, {"set": {1}}])
def test_what_orjson_refuses_goes_through_drf(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_nothing_and_an_indented_answer_are_drfs():
    assert FastJSONRenderer().render(None) == b""
    indented = FastJSONRenderer().render(ODD_VALUES, "application/json; indent=2")
    assert indented == JSONRenderer().render(ODD_VALUES, "application/json; indent=2") and b"\n  " in indented


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/children/", "/api/v1/cases/", "/api/v1/referrals/", "/api/v1/agencies/"])
def test_api_lists_are_written_by_it_as_drf_would(url):
    from rest_framework.test import APIClient

    from accounts.models import User

    client = APIClient()
    client.force_login(User.objects.get(username="supervisor"))
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
    assert response.content == JSONRenderer().render(response.data)
