"""GET /api/v1/statistics/ (issue 7 item 9): snapshot values with the dashboards' scoping
(reports.selectors.values_for) and small-cell rule (reports.privacy.mask)."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import PermissionDenied

from cases.api.serializers import ErrorSerializer
from reports import periods, selectors
from reports.api.serializers import StatisticsQuerySerializer, StatisticValueSerializer
from reports.permissions import can_see_statistics
from reports.privacy import mask

PROVINCE_EXAMPLE = OpenApiExample("A province total: Lào Cai's children in special circumstances supported", value={
    "indicator": "CSC_SUPPORTED_RATE", "kind": "rate", "period": "2026", "province": "15", "commune": None,
    "dimension": "", "dimension_value": "", "numerator": 412, "denominator": 498, "value": 0.827309,
    "masked": False, "shown": "82,7 %"}, response_only=True, status_codes=["200"])
MASKED_EXAMPLE = OpenApiExample("A commune's small cell, masked for an official", value={
    "indicator": "CHILDREN_HIV", "kind": "count", "period": "2026", "province": "15", "commune": "02683",
    "dimension": "", "dimension_value": "", "numerator": None, "denominator": None, "value": None,
    "masked": True, "shown": "<5"}, response_only=True, status_codes=["200"])
BAD_PERIOD_EXAMPLE = OpenApiExample("A malformed period", value={
    "detail": "Invalid input.", "errors": {"period": ["Write the period as 2026, 2026-H1, 2026-Q3 or 2026-11."]}},
    response_only=True, status_codes=["400"])


@extend_schema(
    summary="Indicator values of a period (snapshots)",
    description="Values of the statistics snapshots, built by Celery from the source tables. Provincial users "
                "get their province's values, national officials every province's. Counts from 1 to 4 below "
                "province level (a commune's cells, any disaggregation) are masked (`masked`: true, `shown`: "
                "'<5', rates from them hidden) unless the caller may see the records; the sensitive indicator "
                "CHILDREN_HIV is always masked below province level. An unknown indicator, province or commune, "
                "or a malformed period, is a 400 with the field's error.",
    parameters=[StatisticsQuerySerializer],
    responses={200: StatisticValueSerializer(many=True),
               400: OpenApiResponse(ErrorSerializer, description="Bad input: `detail`, and `errors` by field."),
               403: OpenApiResponse(ErrorSerializer, description="Partners and hotline counsellors see none.")},
    examples=[PROVINCE_EXAMPLE, MASKED_EXAMPLE, BAD_PERIOD_EXAMPLE],
)
class StatisticsView(generics.ListAPIView):
    serializer_class = StatisticValueSerializer
    filter_backends = []

    def get_queryset(self):
        user = self.request.user
        if not can_see_statistics(user):
            raise PermissionDenied()
        query = StatisticsQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        period = data.get("period") or periods.current("year")
        return (selectors.values_for(user, period=period, province=data.get("province"),
                                     commune=data.get("commune"), indicator=data.get("indicator"))
                .select_related("province", "commune")
                .order_by("indicator__position", "province__code", "commune__code", "dimension", "dimension_value"))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = []
        for value in page:
            figure = mask(value, request.user)
            rows.append({
                "indicator": figure.code, "kind": figure.indicator.kind, "period": figure.period,
                "province": value.province.code, "commune": value.commune.code if value.commune_id else None,
                "dimension": figure.dimension, "dimension_value": figure.dimension_value,
                "numerator": figure.numerator, "denominator": figure.denominator,
                "value": None if figure.value is None else round(figure.value, 6),
                "masked": figure.masked, "shown": figure.display,
            })
        return self.get_paginated_response(StatisticValueSerializer(rows, many=True).data)
