"""One FilterSet for the HTML list, the export and the API, so they always agree.

Choices of communes, villages and groups come from the user's scope, never from the whole table,
or a filter would leak what exists elsewhere."""

import re
from functools import cache

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beneficiaries import choices, selectors
from beneficiaries.models import Child
from core.filters import LabelColumnChoiceFilter
from geography.models import Commune, Province, Village

AGE_BANDS = [("0-5", _("0-5 years")), ("6-10", _("6-10 years")), ("11-15", _("11-15 years")),
             ("16+", _("16 and over (aged out)"))]
SORTS = {
    "name": ("name_folded", "pk"), "-name": ("-name_folded", "-pk"),
    "age": ("-date_of_birth", "pk"), "-age": ("date_of_birth", "pk"),
    "registered": ("created_at", "pk"), "-registered": ("-created_at", "-pk"),
    "commune": ("commune__name_folded", "name_folded", "pk"),
}


AREA_CODE = re.compile(r"\d{1,5}")  # a province's (2 digits) or a commune's (5) code


def _code(data, name: str) -> str:
    value = (data or {}).get(name) or ""
    return value if isinstance(value, str) and AREA_CODE.fullmatch(value) else ""


class ChildFilter(filters.FilterSet):
    search = filters.CharFilter(label=_("Name, registry number, ID or caregiver's phone"), method="filter_search")
    province = LabelColumnChoiceFilter(label=_("Province"), field_name="commune__province", to_field_name="code",
                                       label_column="name", queryset=Province.objects.none())
    commune = LabelColumnChoiceFilter(label=_("Commune"), to_field_name="code", label_column="name",
                                      queryset=Commune.objects.none())
    village = LabelColumnChoiceFilter(label=_("Village"), label_column="name", queryset=Village.objects.none())
    sex = filters.ChoiceFilter(label=_("Sex"), choices=choices.Sex.choices)
    age_band = filters.ChoiceFilter(label=_("Age"), choices=AGE_BANDS, method="filter_age_band")
    group = filters.ChoiceFilter(label=_("Special-circumstance group"), choices=[], method="filter_group")
    disability = filters.ChoiceFilter(
        label=_("Disability"), method="filter_disability",
        choices=[("any", _("Any disability")), *choices.DisabilityType.choices[1:]],
    )
    poverty_status = filters.ChoiceFilter(label=_("Household poverty status"), choices=choices.PovertyStatus.choices)
    status = filters.ChoiceFilter(label=_("Status"), method="filter_status", empty_label=_("Active"),
                                  choices=[("inactive", _("Inactive")), ("all", _("All"))])
    sort = filters.ChoiceFilter(
        label=_("Sort by"), method="filter_sort", empty_label=_("Best match / name"),
        choices=[("name", _("Name A-Z")), ("-name", _("Name Z-A")), ("age", _("Youngest first")),
                 ("-age", _("Oldest first")), ("-registered", _("Newest records")),
                 ("registered", _("Oldest records")), ("commune", _("Commune"))],
    )

    class Meta:
        model = Child
        fields = ["search", "province", "commune", "village", "sex", "age_band", "group", "disability",
                  "poverty_status", "status", "sort"]

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.user = user
        communes = Commune.objects.filter(area_filter(user))
        self.filters["province"].queryset = Province.objects.current().filter(
            pk__in=communes.values("province_id"))
        # Keep the choice lists short on a phone: communes of the chosen (or the user's only)
        # province, villages of the chosen commune.
        # Only a value shaped like a code narrows them: anything else typed into the URL (a NUL byte
        # made PostgreSQL refuse the query while the options were written: a 500) is left to the
        # field, which says it is not a valid choice.
        province, commune = _code(data, "province"), _code(data, "commune")
        if province:
            communes = communes.filter(province__code=province)
        elif commune:
            communes = communes.filter(code=commune)
        elif user.scope_level == "national":
            communes = communes.none()
        self.filters["commune"].queryset = communes.current().order_by("name_folded")
        self.filters["village"].queryset = Village.objects.filter(
            commune__in=communes, commune__code=commune or "-").order_by("name_folded")
        # Read only when used: to check a chosen group, or to write the options (a query on every
        # list, search and API list otherwise, issue 9); once per filter at most.
        self.filters["group"].extra["choices"] = cache(lambda: [(g.code, str(g)) for g in selectors.groups_for(user)])

    @property
    def qs(self):
        qs = super().qs
        chosen = getattr(self.form, "cleaned_data", None) or {}
        if not chosen.get("status"):
            qs = qs.active()
        if not chosen.get("sort") and not chosen.get("search"):
            qs = qs.order_by("name_folded", "pk")
        return qs

    def filter_search(self, qs, name, value):
        return selectors.search_children(qs, value)

    def filter_age_band(self, qs, name, value):
        return qs.filter(selectors.age_band_q(value))

    def filter_group(self, qs, name, value):
        return qs.filter(selectors.in_group_now(value))

    def filter_disability(self, qs, name, value):
        return qs.exclude(disability_type="") if value == "any" else qs.filter(disability_type=value)

    def filter_status(self, qs, name, value):
        if value == "inactive":
            return qs.filter(Q(is_active=False) & Q(merged_into__isnull=True))
        return qs.filter(merged_into__isnull=True)

    def filter_sort(self, qs, name, value):
        return qs.order_by(*SORTS[value])


def area_filter(user) -> Q:
    from accounts.scoping import area_q

    return area_q(user, None)
