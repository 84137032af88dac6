"""Case.next_due_at is kept by the database: it always equals the earliest running clock, however
the clocks change, and a stale case saved afterwards cannot overwrite it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import selectors
from cases.models import Case, CaseClock

pytestmark = pytest.mark.django_db


def earliest_running(case: Case):
    return (CaseClock.objects.filter(case=case, met_at__isnull=True, cancelled_at__isnull=True)
            .order_by("due_at").values_list("due_at", flat=True).first())


def stored(case: Case):
    return Case.objects.values_list("next_due_at", flat=True).get(pk=case.pk)


def test_next_due_follows_clocks_started_moved_met_cancelled_and_deleted(open_case):
    case = open_case(is_emergency=True)
    assert stored(case) is not None and stored(case) == earliest_running(case)
    now = timezone.now()
    extra = CaseClock.objects.create(case=case, code="FOLLOW_UP_VISIT", started_at=now, due_at=now - timedelta(days=1))
    assert stored(case) == extra.due_at
    CaseClock.objects.filter(pk=extra.pk).update(due_at=now + timedelta(days=400))
    assert stored(case) == earliest_running(case)
    for clock in CaseClock.objects.filter(case=case, met_at__isnull=True).exclude(pk=extra.pk):
        clock.met_at = now
        clock.save()
    assert stored(case) == now + timedelta(days=400)
    CaseClock.objects.filter(pk=extra.pk).update(cancelled_at=now)
    assert stored(case) is None
    CaseClock.objects.filter(case=case).delete()
    assert stored(case) is None


def test_a_stale_case_saved_later_keeps_the_database_value(open_case):
    case = open_case(is_emergency=True)
    stale = Case.objects.get(pk=case.pk)
    now = timezone.now()
    CaseClock.objects.create(case=case, code="FOLLOW_UP_VISIT", started_at=now, due_at=now - timedelta(hours=3))
    stale.outcome = "ghi chú"
    stale.save()
    assert stored(case) == now - timedelta(hours=3)


def test_overdue_and_due_first_order_read_the_column(open_case, new_child):
    now = timezone.now()
    late, soon, none = open_case(), open_case(), open_case(level="PREVENTION", category="AT_RISK")
    CaseClock.objects.filter(case__in=[late, soon, none]).delete()
    CaseClock.objects.create(case=late, code="FOLLOW_UP_VISIT", started_at=now, due_at=now - timedelta(hours=1))
    CaseClock.objects.create(case=soon, code="FOLLOW_UP_VISIT", started_at=now, due_at=now + timedelta(hours=1))
    qs = selectors.list_queryset(Case.objects.filter(pk__in=[late.pk, soon.pk, none.pk]))
    assert {c.pk: c.is_overdue for c in qs} == {late.pk: True, soon.pk: False, none.pk: False}
    assert list(qs.order_by(selectors.DUE_FIRST).values_list("pk", flat=True)) == [late.pk, soon.pk, none.pk]
