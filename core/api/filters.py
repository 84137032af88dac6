"""The API's filter backend."""

from django_filters.rest_framework import DjangoFilterBackend

from core.api.pagination import StandardPagination
from core.filters import applies_only_what_is_chosen

# Query parameters that choose a page or a format, never a row.
NOT_FILTERS = frozenset({StandardPagination.page_query_param, StandardPagination.page_size_query_param, "format"})


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, not run when the request filters nothing: building the filter set
    (its form, its fields, their scoped choice querysets) to apply no filter was a millisecond of
    every unfiltered page of an API list, a sixteenth of the case API's (issue 9). With any other
    parameter, known or not, it runs as ever (and ignores what it does not know); so does a filter
    set that applies something of its own when nothing is chosen (one that overrides `qs`, as the
    registry's does: active records, name order)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or nothing_to_filter(request, filterset_class):
            return queryset
        return super().filter_queryset(request, queryset, view)


def nothing_to_filter(request, filterset_class) -> bool:
    """The request only chooses a page or a format, and the filter set applies nothing unasked."""
    return NOT_FILTERS.issuperset(request.query_params) and applies_only_what_is_chosen(filterset_class)
