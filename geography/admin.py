from django.contrib import admin

from geography.models import Commune, Province, Village


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type", "valid_from", "valid_until", "successor"]
    search_fields = ["name", "name_folded", "code"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type", "province", "valid_until"]
    list_filter = ["division_type"]
    search_fields = ["name", "name_folded", "code"]
    list_select_related = ["province"]


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "commune", "is_active"]
    search_fields = ["name", "name_folded"]
    autocomplete_fields = ["commune"]
