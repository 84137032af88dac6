"""Working days for the legal clocks of Decree 56/2017 (e.g. art. 28(1): a plan within 5 working
days). A working day is Monday to Friday, not a public holiday, plus any Saturday the government
declared worked. Clock arithmetic happens in Viet Nam's time zone."""

from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.utils import timezone

from core.models import Holiday, WorkingSaturday

CACHE_KEY = "core:working-calendar"


def _calendar() -> tuple[frozenset, frozenset]:
    def load():
        return (frozenset(Holiday.objects.values_list("date", flat=True)),
                frozenset(WorkingSaturday.objects.values_list("date", flat=True)))

    return cache.get_or_set(CACHE_KEY, load, 3600)


def calendar_changed(**kwargs) -> None:
    """Connected to saves and deletes of holidays (core.apps), so every process sees the edit."""
    cache.delete(CACHE_KEY)


def is_working_day(day: date) -> bool:
    holidays, saturdays = _calendar()
    if day in saturdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: datetime, days: int) -> datetime:
    """The end of the `days`-th working day after the day of `start` (the start day itself does
    not count, as the Civil Code art. 147 counts periods from the next day)."""
    local = timezone.localtime(start)
    day, counted = local.date(), 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
