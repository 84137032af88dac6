from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "scope_level", "province", "agency", "is_active"]
    list_filter = ["role", "scope_level", "is_active"]
    autocomplete_fields = ["communes"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Role and area"), {"fields": ("role", "scope_level", "province", "communes", "agency", "phone")}),
    )
