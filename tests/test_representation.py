"""core.api.representation.DateTimes gives what DRF's DateTimeField gives, in any time zone (the
list serializers' fast rows rely on it, issue 9)."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone
from rest_framework import serializers

from core.api.representation import DateTimes

MOMENTS = [datetime(2026, 2, 13, 22, 5, 7, tzinfo=UTC), datetime(2026, 11, 26, 0, 0, 0, 123456, tzinfo=UTC)]


@pytest.mark.parametrize("zone", ["Asia/Ho_Chi_Minh", "UTC"])
def test_date_times_are_written_as_drf_writes_them(zone):
    with timezone.override(zone):
        drf, fast = serializers.DateTimeField(), DateTimes()
        for moment in MOMENTS:
            assert fast(moment) == drf.to_representation(moment)
        assert fast(None) is None
    with timezone.override("UTC"):
        assert DateTimes()(MOMENTS[0]) == "2026-02-13T22:05:07Z"
