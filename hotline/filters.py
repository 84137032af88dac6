"""One FilterSet for the call list page and the calls API. Its choices come from the user's
hotlines (the lines, their counsellors), never the whole table."""

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from hotline import selectors
from hotline.choices import CallStatus, ConnectionOutcome, ContactType, ReportingClass
from hotline.models import Call, CallCategory, Hotline

DATE = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})


class CallFilter(filters.FilterSet):
    received_from = filters.DateFilter(label=_("Received from"), field_name="received_at", lookup_expr="date__gte",
                                       widget=DATE)
    received_to = filters.DateFilter(label=_("Received until"), field_name="received_at", lookup_expr="date__lte",
                                     widget=DATE)
    hotline = filters.ModelChoiceFilter(label=_("Hotline"), to_field_name="code", queryset=Hotline.objects.none())
    reporting_class = filters.ChoiceFilter(label=_("Reporting class"), choices=ReportingClass.choices)
    contact_type = filters.ChoiceFilter(label=_("Contact type"), choices=ContactType.choices)
    connection_outcome = filters.ChoiceFilter(label=_("How the call ended"), choices=ConnectionOutcome.choices)
    status = filters.ChoiceFilter(label=_("Status"), choices=CallStatus.choices)
    counsellor = filters.ModelChoiceFilter(label=_("Counsellor"), to_field_name="username",
                                           queryset=User.objects.none())
    category = filters.ModelChoiceFilter(label=_("Reason (category)"), field_name="categories", to_field_name="code",
                                         queryset=CallCategory.objects.none(), distinct=True)

    class Meta:
        model = Call
        fields = ["received_from", "received_to", "hotline", "reporting_class", "contact_type",
                  "connection_outcome", "status", "counsellor", "category"]

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        lines = selectors.hotlines_of(user) if user is not None else Hotline.objects.none()
        self.filters["hotline"].queryset = lines
        self.filters["counsellor"].queryset = (User.objects.filter(hotlines__in=lines).distinct()
                                               .order_by("last_name", "first_name", "username"))
        self.filters["category"].queryset = CallCategory.objects.select_related("parent").order_by("position")
