"""One FilterSet for the case list page, the export and the API. Choices come from the user's
scope (communes of their area, workers of their province), never the whole table."""

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from accounts.scoping import area_q
from cases import selectors
from cases.choices import OPEN_STATUSES, Level, Status
from cases.models import AbuseType, Case
from core.filters import LabelColumnChoiceFilter
from geography.models import Commune


class CaseFilter(filters.FilterSet):
    search = filters.CharFilter(label=_("Case number or child's name"), method="filter_search")
    level = filters.ChoiceFilter(label=_("Level"), choices=Level.choices)
    status = filters.ChoiceFilter(label=_("Status"), method="filter_status",
                                  choices=[("open", _("Open")), *Status.choices])
    overdue = filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")
    worker = LabelColumnChoiceFilter(label=_("Worker"), field_name="assigned_worker", label_column="username",
                                     queryset=User.objects.none())
    commune = LabelColumnChoiceFilter(label=_("Commune"), to_field_name="code", label_column="name",
                                      queryset=Commune.objects.none())
    abuse_type = filters.ModelChoiceFilter(label=_("Abuse type"), field_name="abuse_types", to_field_name="code",
                                           queryset=AbuseType.objects.all(), distinct=True)
    opened_from = filters.DateFilter(label=_("Received from"), field_name="received_at", lookup_expr="date__gte")
    opened_to = filters.DateFilter(label=_("Received until"), field_name="received_at", lookup_expr="date__lte")
    emergency = filters.BooleanFilter(label=_("Emergency"), field_name="is_emergency")

    class Meta:
        model = Case
        fields = ["search", "level", "status", "overdue", "worker", "commune", "abuse_type", "opened_from",
                  "opened_to", "emergency"]

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        communes = Commune.objects.current().filter(area_q(user, None))
        if user is not None and user.scope_level == "national" and not (data or {}).get("commune"):
            communes = communes.none()  # 3,321 options is no list for a phone: filter by code instead
        self.filters["commune"].queryset = communes.order_by("name_folded")
        workers = User.objects.filter(role=Role.SOCIAL_WORKER, is_active=True)
        if user is not None and user.scope_level != "national":
            workers = workers.filter(province_id=user.province_id)
        self.filters["worker"].queryset = workers.order_by("last_name", "first_name")

    def filter_search(self, qs, name, value):
        from beneficiaries.selectors import search_children

        value = value.strip()
        if value.upper().startswith("HS-"):
            return qs.filter(case_number__iexact=value)
        return qs.filter(child__in=search_children(selectors_child_base(qs), value).values("pk"))

    def filter_status(self, qs, name, value):
        return qs.filter(status__in=OPEN_STATUSES) if value == "open" else qs.filter(status=value)

    def filter_overdue(self, qs, name, value):
        return qs.filter(selectors.overdue_q()) if value else qs.exclude(selectors.overdue_q())


def selectors_child_base(qs):
    from beneficiaries.models import Child

    return Child.objects.filter(pk__in=qs.values("child_id"))
