from rest_framework import serializers

from geography.models import Commune, Province


class ProvinceSerializer(serializers.ModelSerializer):
    successor = serializers.CharField(source="successor.code", allow_null=True, default=None)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Province
        fields = ["code", "name", "division_type", "valid_from", "valid_until", "is_current", "successor"]


class CommuneSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province.code")
    province_name = serializers.CharField(source="province.name")
    successor = serializers.CharField(source="successor.code", allow_null=True, default=None)

    class Meta:
        model = Commune
        fields = ["code", "name", "division_type", "province", "province_name", "valid_from", "valid_until",
                  "successor"]
