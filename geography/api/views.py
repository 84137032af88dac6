from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound

from geography import selectors
from geography.api.serializers import CommuneSerializer, ProvinceSerializer
from geography.models import Commune, Province

HISTORIC = OpenApiParameter(
    "historic", OpenApiTypes.BOOL,
    description="Include units no longer in force (the provinces merged on 1 July 2025).",
)


def _wants_historic(request) -> bool:
    return request.query_params.get("historic", "").lower() in {"1", "true", "yes"}


class UnitFilter(filters.FilterSet):
    search = filters.CharFilter(method="filter_search", label=_("Name, ignoring case and diacritics"))

    def filter_search(self, qs, name, value):
        return qs.search(value)


class ProvinceFilter(UnitFilter):
    class Meta:
        model = Province
        fields = ["search"]


class CommuneFilter(UnitFilter):
    province = filters.CharFilter(method="filter_province", label=_("Province code"))

    class Meta:
        model = Commune
        fields = ["province", "search"]

    def filter_province(self, qs, name, value):
        if not selectors.provinces(historic=True).filter(code=value).exists():
            raise serializers.ValidationError({"province": [_("Unknown province code: %(code)s") % {"code": value}]})
        return qs.filter(province__code=value)


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"

    def get_object(self):
        # With ?historic=true a code can name a former unit and its successor (Yen Bai's 15 is
        # now Lao Cai's): the unit in force wins, then the most recent.
        unit = (
            self.filter_queryset(self.get_queryset())
            .filter(code=self.kwargs["code"])
            .order_by(F("valid_until").desc(nulls_first=True))
            .first()
        )
        if unit is None:
            raise NotFound(_("No unit has the code %(code)s.") % {"code": self.kwargs["code"]})
        return unit


@extend_schema_view(list=extend_schema(parameters=[HISTORIC]), retrieve=extend_schema(parameters=[HISTORIC]))
class ProvinceViewSet(UnitViewSet):
    """The 34 provinces in force since 1 July 2025 (Resolution 202/2025/QH15); `?historic=true` adds the former ones."""

    serializer_class = ProvinceSerializer
    filterset_class = ProvinceFilter

    def get_queryset(self):
        return selectors.provinces(historic=_wants_historic(self.request)).order_by("code", "valid_until")


@extend_schema_view(list=extend_schema(parameters=[HISTORIC]), retrieve=extend_schema(parameters=[HISTORIC]))
class CommuneViewSet(UnitViewSet):
    """Communes, wards and special zones (3,321 since 1 July 2025)."""

    serializer_class = CommuneSerializer
    filterset_class = CommuneFilter

    def get_queryset(self):
        return selectors.communes(historic=_wants_historic(self.request)).select_related("successor").order_by(
            "code", "valid_until"
        )
