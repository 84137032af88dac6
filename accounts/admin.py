from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from accounts.models import User
from accounts.roles import Role


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "scope_level", "province", "agency", "is_active"]
    list_filter = ["role", "scope_level", "is_active"]
    autocomplete_fields = ["communes"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Role and area"), {"fields": ("role", "scope_level", "province", "communes", "agency", "phone")}),
    )
    actions = ["issue_api_token"]

    @admin.action(description=_("Issue an API token (partner agency users)"), permissions=["change"])
    def issue_api_token(self, request, queryset):
        """Issue 6 item 5: an administrator issues a token for an agency's integration user. Only
        the hash is stored, so the token is shown once, here; it expires (REST_KNOX TOKEN_TTL) and
        is revoked by deleting it under "Auth tokens"."""
        for user in queryset.order_by("username"):
            if user.role != Role.PARTNER or not user.is_active or not user.agency_id:
                self.message_user(request, _("%(user)s: tokens are issued to active partner agency users only.") % {
                    "user": user.username}, messages.WARNING)
                continue
            instance, token = AuthToken.objects.create(user=user)
            self.message_user(request, _(
                "API token for %(user)s (%(agency)s), valid until %(expiry)s. Copy it now: it is not shown "
                "again. %(token)s") % {"user": user.username, "agency": user.agency.name,
                                       "expiry": instance.expiry.strftime("%d/%m/%Y") if instance.expiry else "—",
                                       "token": token}, messages.SUCCESS)
