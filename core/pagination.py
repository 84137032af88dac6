"""Pagination that stays fast on a province of a million children.

An exact COUNT(*) over every child of a province reads the whole table (0.4 s at a million rows)
on every page view, to print a number nobody pages through. Lists count up to COUNT_CAP rows and
say "more than" beyond it; a search or a filter brings the number back to an exact one. Pages
past the cap stay reachable: each knows whether another follows by reading one row more.
"""

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000
COUNTED_FROM = "counted_from"


def counted_from(rows, base):
    """`rows` (a queryset), to be counted as `base`: the same rows with columns joined from other
    tables only to show them. Their joins stayed in the count and made PostgreSQL join every case of
    a province to count ten thousand (2 -> 37 ms, issue 9). The attribute lives on this queryset
    only: anything built from it is counted as itself."""
    setattr(rows, COUNTED_FROM, base)
    return rows


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def _counted(self) -> int:
        """Rows up to one past the cap. Ordering is dropped: counting needs no sort, and sorting a
        million rows to count ten thousand is the very cost avoided here. Only the key is selected:
        a row's annotations (a case's abuse types, its pending approval) were compiled into the
        count's subquery on every page for nothing (issue 9); those a filter uses stay in WHERE."""
        counted = getattr(self.object_list, COUNTED_FROM, self.object_list)
        return counted.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        """Exact up to the cap, the cap itself above it (then `is_capped` is true)."""
        return min(self._counted, self.cap)

    @cached_property
    def is_capped(self) -> bool:
        return self._counted > self.cap

    def validate_number(self, number) -> int:
        if not self.is_capped:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number  # no upper bound: the last page is not known without counting

    def page(self, number):
        first = self._first_page_rows(number)
        if first is not None and len(first) <= self.per_page:
            # The list fits on its first page: its rows are its count. A search's COUNT ran the
            # whole search a second time (issue 9: half of a name search's SQL).
            self.__dict__.setdefault("_counted", len(first))
        number = self.validate_number(number)
        if first is not None:  # page 1, read once whether or not it was counted
            if not self.is_capped:
                return self._get_page(first[: self.per_page], 1, self)
            return CappedPage(first[: self.per_page], 1, self, more=len(first) > self.per_page)
        if not self.is_capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom: bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def _first_page_rows(self, number) -> list | None:
        """For page 1 (most views, and nearly every search) its rows and one more, read before
        anything is counted; None for any other page."""
        try:
            if int(number) != 1:
                return None
        except (TypeError, ValueError):
            return None
        if "_first_rows" not in self.__dict__:
            self.__dict__["_first_rows"] = list(self.object_list[: self.per_page + 1])
        return self.__dict__["_first_rows"]

    def get_page(self, number):
        """No page number is the first page (read before anything is counted, page()); one that is
        not a number is too; one past the rows (an old link) falls back to the last counted page."""
        try:
            return self.page(1 if number in (None, "") else number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)


class CappedPage(Page):
    """A page past an uncounted total: it knows whether another follows, not how many."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1
