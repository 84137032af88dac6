"""The statistics API's query and answer. Fields are listed explicitly."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from geography.models import Commune, Province
from reports import periods
from reports.models import Indicator


class StatisticsQuerySerializer(serializers.Serializer):
    """?indicator=&period=&province=&commune= — an unknown indicator, province or commune, or a
    malformed period, is a 400 with the field's error."""

    period = serializers.CharField(required=False, help_text="2026, 2026-H1, 2026-Q3 or 2026-11; the current "
                                                             "year if left out.")
    indicator = serializers.CharField(required=False, help_text="An indicator code, e.g. CSC_SUPPORTED_RATE.")
    province = serializers.CharField(required=False, help_text="A province code, e.g. 15.")
    commune = serializers.CharField(required=False, help_text="A commune code, e.g. 03006.")

    def validate_period(self, value: str) -> periods.Period:
        try:
            return periods.parse(value)
        except periods.BadPeriod as error:
            raise serializers.ValidationError(str(error)) from error

    def validate_indicator(self, value: str) -> Indicator:
        indicator = Indicator.objects.filter(code=value.strip().upper()).first()
        if indicator is None:
            raise serializers.ValidationError(_("Unknown indicator: %(code)s.") % {"code": value})
        return indicator

    def validate_province(self, value: str) -> Province:
        province = Province.objects.current().filter(code=value.strip()).first()
        if province is None:
            raise serializers.ValidationError(_("Unknown province: %(code)s.") % {"code": value})
        return province

    def validate_commune(self, value: str) -> Commune:
        commune = Commune.objects.current().filter(code=value.strip()).first()
        if commune is None:
            raise serializers.ValidationError(_("Unknown commune: %(code)s.") % {"code": value})
        return commune


class StatisticValueSerializer(serializers.Serializer):
    """One snapshot cell as the caller may see it (the small-cell rule applied)."""

    indicator = serializers.CharField(help_text="The indicator's code.")
    kind = serializers.ChoiceField(choices=Indicator.Kind.choices)
    period = serializers.CharField()
    province = serializers.CharField(help_text="The province's code.")
    commune = serializers.CharField(allow_null=True, help_text="The commune's code; null for the province total.")
    dimension = serializers.CharField(allow_blank=True, help_text="The disaggregation; empty for the total.")
    dimension_value = serializers.CharField(allow_blank=True)
    numerator = serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=False, allow_null=True,
                                         help_text="The count or amount (a rate's numerator); null when masked.")
    denominator = serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=False,
                                           allow_null=True, help_text="A rate's denominator; null for counts.")
    value = serializers.DecimalField(max_digits=24, decimal_places=6, coerce_to_string=False, allow_null=True,
                                     help_text="The count, or the rate as a fraction (0.85); null when masked.")
    masked = serializers.BooleanField(help_text="True when the small-cell rule hides a count of 1 to 4.")
    shown = serializers.CharField(help_text="The figure as the dashboard writes it: '<5' when masked.")
