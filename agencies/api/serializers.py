from rest_framework import serializers

from agencies.models import Agency, ServiceType


class ServiceTypeSerializer(serializers.ModelSerializer):
    group = serializers.CharField(source="group.code")

    class Meta:
        model = ServiceType
        fields = ["code", "group", "name_vi", "name_en"]


class AgencySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    province = serializers.CharField(source="province.code", allow_null=True, default=None)
    service_types = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "name", "agency_type", "province", "service_types", "address", "phone", "email", "is_active"]
