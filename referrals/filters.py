"""One FilterSet for the staff list, the partner inbox and the API: status, service type, agency
and overdue. The agency choices come from the user's scope (agencies_visible_to)."""

import django_filters as filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, ServiceType
from agencies.selectors import agencies_visible_to
from referrals.choices import ReferralStatus
from referrals.models import Referral


class ReferralFilter(filters.FilterSet):
    status = filters.ChoiceFilter(label=_("Status"), choices=ReferralStatus.choices, empty_label=_("All statuses"))
    service_type = filters.ModelChoiceFilter(label=_("Service"), to_field_name="code",
                                             queryset=ServiceType.objects.select_related("group"),
                                             empty_label=_("All services"))
    agency = filters.ModelChoiceFilter(label=_("Agency"), to_field_name="public_id", queryset=Agency.objects.none(),
                                       empty_label=_("All agencies"))
    overdue = filters.BooleanFilter(label=_("Overdue"), method="filter_overdue",
                                    help_text=_("Not answered by the date the agency should have responded."))

    class Meta:
        model = Referral
        fields = ["status", "service_type", "agency", "overdue"]

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["agency"].queryset = agencies_visible_to(user) if user is not None else Agency.objects.none()

    def filter_overdue(self, qs, name, value):
        overdue = {"status": ReferralStatus.SENT, "respond_by__lt": timezone.localdate()}
        return qs.filter(**overdue) if value else qs.exclude(**overdue)
