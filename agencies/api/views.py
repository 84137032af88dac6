from django_filters import rest_framework as filters
from rest_framework import viewsets

from agencies.api.serializers import AgencySerializer, ServiceTypeSerializer
from agencies.models import Agency, AgencyType
from agencies.selectors import agencies_visible_to, search_agencies, service_types


class AgencyFilter(filters.FilterSet):
    agency_type = filters.ChoiceFilter(choices=AgencyType.choices)
    province = filters.CharFilter(field_name="province__code")
    service_type = filters.CharFilter(field_name="service_types__code", distinct=True)
    search = filters.CharFilter(method="filter_search")

    class Meta:
        model = Agency
        fields = ["agency_type", "province", "service_type", "is_active"]

    def filter_search(self, qs, name, value):
        return search_agencies(qs, text=value)


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    """Agencies the caller may see: a partner sees only its own."""

    serializer_class = AgencySerializer
    filterset_class = AgencyFilter
    lookup_field = "public_id"

    def get_queryset(self):
        return agencies_visible_to(self.request.user).prefetch_related("service_types").order_by("name", "pk")


class ServiceTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The service types referrals are made for (Decree 56/2017 arts. 18-21)."""

    serializer_class = ServiceTypeSerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return service_types()
