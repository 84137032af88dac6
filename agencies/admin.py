from django.contrib import admin

from agencies.models import Agency, PolicyGroup, ServiceType


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "agency_type", "province", "is_active"]
    list_filter = ["agency_type", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["service_types"]
    autocomplete_fields = ["communes"]


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "group"]


@admin.register(PolicyGroup)
class PolicyGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en"]
