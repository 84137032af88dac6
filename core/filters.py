"""Filter fields whose options are read as (value, label) pairs.

django-filter's ModelChoiceFilter builds one model object per option to call str() on it: a case
list's worker (~200) and commune (~100) lists built 300 objects on every page (issue 9). Here the
options come from `values_list(value, label_column)` — the same rows, the same order, no objects.
Use it where str() of the model is exactly one column (a commune's name, a user's username);
choosing and validating still go through the queryset, as before.
"""

import django_filters
from django_filters import FilterSet, fields


class LabelColumnIterator(fields.ModelChoiceIterator):
    def __iter__(self):
        field = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        if field.null_label is not None:
            yield (field.null_value, field.null_label)
        yield from self.queryset.values_list(field.to_field_name or "pk", field.label_column)


class LabelColumnChoiceField(fields.ModelChoiceField):
    iterator = LabelColumnIterator

    def __init__(self, *args, label_column: str, **kwargs):
        self.label_column = label_column
        super().__init__(*args, **kwargs)


class LabelColumnChoiceFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter whose options are `label_column` (which must be what str() gives)."""

    field_class = LabelColumnChoiceField


# A list's filter panel is closed unless a filter is in use (or `?filters` asks for it, the
# no-JavaScript way to open it): closed, its fields load when it is opened, so a list does not read
# and write its choice lists on every view (issue 9).
OPEN_PANEL = "filters"


def panel_open(request, filterset, *, outside: tuple[str, ...] = ("search",)) -> bool:
    """Whether the list shows its filter fields itself: asked to, or one of them is in use."""
    return OPEN_PANEL in request.GET or any(request.GET.get(name) for name in filterset.filters
                                            if name not in outside)


def filtered_list(request, filterset_class, data, queryset, **kwargs):
    """A list page's rows, its filter set (None when not built) and whether its filter panel is open.
    The filter set is built only when the request chooses something or asks for the fields: to
    apply nothing it built its form, fields and scoped choice querysets, a millisecond of every
    plain view of the case list (issue 9). Not for a filter set that applies something of its own
    when nothing is chosen (one that overrides `qs`): that one is always built."""
    chosen = any((data or {}).get(name) for name in filterset_class.base_filters)
    if not chosen and OPEN_PANEL not in request.GET and applies_only_what_is_chosen(filterset_class):
        return queryset, None, False
    filterset = filterset_class(data, queryset=queryset, **kwargs)
    return filterset.qs, filterset, panel_open(request, filterset)


def applies_only_what_is_chosen(filterset_class) -> bool:
    """Whether the filter set, given nothing, returns its queryset as it is: it keeps django-filter's
    own `qs` (the registry's does not: active records, name order)."""
    return filterset_class.qs is FilterSet.qs
