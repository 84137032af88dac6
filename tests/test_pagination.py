"""Lists count exactly up to the cap and say "more than" beyond it."""

import pytest
from django.core.paginator import EmptyPage

from core.pagination import CappedPaginator
from geography.models import Commune

pytestmark = pytest.mark.django_db


class SmallCap(CappedPaginator):
    cap = 5


def test_below_the_cap_the_count_is_exact():
    pks = Commune.objects.order_by("pk").values_list("pk", flat=True)[:4]
    paginator = SmallCap(Commune.objects.filter(pk__in=list(pks)).order_by("name"), 2)
    assert (paginator.count, paginator.is_capped, paginator.num_pages) == (4, False, 2)


def test_above_the_cap_the_count_stops_at_the_cap_and_says_so():
    assert Commune.objects.count() > 6
    paginator = SmallCap(Commune.objects.order_by("name"), 2)
    assert (paginator.count, paginator.is_capped, paginator.num_pages) == (5, True, 3)


def test_pages_past_the_cap_stay_reachable_until_the_rows_run_out():
    total = Commune.objects.count()
    paginator = SmallCap(Commune.objects.order_by("name", "pk"), 2)
    seen, number = [], 1
    while True:
        page = paginator.page(number)
        seen += [c.pk for c in page.object_list]
        if not page.has_next():
            break
        number = page.next_page_number()
    assert len(seen) == len(set(seen)) == total
    with pytest.raises(EmptyPage):
        paginator.page(number + 1)
    assert paginator.get_page(number + 1).number == paginator.num_pages  # a page too far falls back


def test_exactly_at_the_cap_is_not_capped():
    pks = Commune.objects.order_by("pk").values_list("pk", flat=True)[:5]
    paginator = SmallCap(Commune.objects.filter(pk__in=list(pks)).order_by("name"), 2)
    assert (paginator.count, paginator.is_capped) == (5, False)


def test_the_count_selects_only_the_key_and_keeps_the_filters_on_annotations():
    from django.db import connection
    from django.db.models import F, Value
    from django.db.models.functions import Concat
    from django.test.utils import CaptureQueriesContext

    named = Commune.objects.annotate(label=Concat(F("name"), Value(" ~ ")), twice=F("pk") * 2)
    expected = named.filter(twice__lte=2 * Commune.objects.order_by("pk").values_list("pk", flat=True)[3]).count()
    with CaptureQueriesContext(connection) as queries:
        paginator = SmallCap(named.filter(twice__lte=2 * Commune.objects.order_by("pk").values_list(
            "pk", flat=True)[3]).order_by("name"), 2)
        assert paginator.count == min(expected, 5)
    count_sql = queries.captured_queries[-1]["sql"]
    assert "COUNT(" in count_sql and " ~ " not in count_sql and "label" not in count_sql


def test_a_list_that_fits_on_its_first_page_is_not_counted_again(django_assert_num_queries):
    pks = list(Commune.objects.order_by("pk").values_list("pk", flat=True)[:3])
    with django_assert_num_queries(1):  # the page's rows (and one more) give the count
        page = SmallCap(Commune.objects.filter(pk__in=pks).order_by("pk"), 5).page("1")
        assert ([c.pk for c in page], page.paginator.count, page.has_next()) == (pks, 3, False)
    with django_assert_num_queries(0):  # nothing can match: not even the page is read
        empty = SmallCap(Commune.objects.none().order_by("pk"), 5).get_page(None)  # no page asked: the first
        assert (list(empty), empty.paginator.count, empty.number) == ([], 0, 1)


def test_a_full_first_page_is_read_once_and_counted(django_assert_num_queries):
    pks = list(Commune.objects.order_by("pk").values_list("pk", flat=True)[:4])
    with django_assert_num_queries(2):  # the first page and one more row, then the count
        page = SmallCap(Commune.objects.filter(pk__in=pks).order_by("pk"), 2).page(1)
        assert ([c.pk for c in page], page.paginator.count, page.has_next()) == (pks[:2], 4, True)
    with django_assert_num_queries(2):  # above the cap: "more than", and a next page
        capped = SmallCap(Commune.objects.order_by("pk"), 2).page(1)
        assert (capped.paginator.is_capped, capped.has_next(), len(capped.object_list)) == (True, True, 2)
    second = SmallCap(Commune.objects.filter(pk__in=pks).order_by("pk"), 2).page(2)
    assert [c.pk for c in second] == pks[2:] and not second.has_next()


def test_rows_with_columns_from_other_tables_are_counted_without_their_joins():
    # core.pagination.counted_from (issue 9): the rows show their province's name, the count is the
    # communes' own; pages still read the rows with the column.
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from core.pagination import counted_from

    lao_cai = Commune.objects.filter(province__code="15").values_list("province_id", flat=True).first()
    base = Commune.objects.filter(province_id=lao_cai).order_by("name", "pk")
    rows = counted_from(base.annotate(province_name=F("province__name")), base)
    paginator = SmallCap(rows, 2)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(2)
    assert (paginator.count, paginator.is_capped) == (5, True)
    count, rows_read = [q["sql"] for q in queries.captured_queries]
    assert "COUNT(" in count and "geography_province" not in count
    assert "geography_province" in rows_read and all(c.province_name for c in page.object_list)
    assert [c.pk for c in page.object_list] == [c.pk for c in base[2:4]]
    uncounted = SmallCap(base.annotate(province_name=F("province__name")), 2)  # without it: joined
    with CaptureQueriesContext(connection) as queries:
        assert uncounted.count == 5
    assert "geography_province" in queries.captured_queries[0]["sql"]
