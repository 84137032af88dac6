from datetime import date, datetime

import pytest
from django.utils import timezone

from core.calendar import add_working_days, is_working_day, working_days_between
from core.models import Holiday, WorkingSaturday

pytestmark = pytest.mark.django_db


def at(*args):
    return timezone.make_aware(datetime(*args))


def test_weekends_and_tet_are_not_working_days():
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 2, 16))  # Tết Bính Ngọ, a Monday
    assert is_working_day(date(2026, 2, 23))


def test_five_working_days_from_the_friday_before_tet_land_after_the_break():
    # Friday 13/02/2026: the break runs 14-22/02, so days 1..5 are 23-27/02.
    due = add_working_days(at(2026, 2, 13, 22, 0), 5)
    assert timezone.localtime(due).date() == date(2026, 2, 27)


def test_a_swapped_saturday_counts_and_the_bridge_day_does_not():
    assert is_working_day(date(2025, 4, 26))
    assert not is_working_day(date(2025, 5, 2))
    assert working_days_between(date(2025, 4, 25), date(2025, 5, 5)) == 4  # 26/4, 28/4, 29/4, 5/5


def test_an_administrators_new_holiday_moves_the_clock_at_once():
    before = add_working_days(at(2026, 11, 23, 9, 0), 2)
    Holiday.objects.create(date=date(2026, 11, 24), name="Ngày nghỉ đột xuất")
    after = add_working_days(at(2026, 11, 23, 9, 0), 2)
    assert timezone.localtime(after).date() > timezone.localtime(before).date()
    WorkingSaturday.objects.create(date=date(2026, 11, 28))
    assert is_working_day(date(2026, 11, 28))
