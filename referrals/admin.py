from django.contrib import admin

from referrals.models import AgencyWebhook, Referral, WebhookDelivery


@admin.register(AgencyWebhook)
class AgencyWebhookAdmin(admin.ModelAdmin):
    list_display = ["agency", "url", "is_active"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log administrators read (issue 6 item 6)."""

    list_display = ["created_at", "webhook", "event", "state", "attempts", "last_status_code", "last_error"]
    list_filter = ["state", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["public_id", "agency", "service_type", "status", "sent_at"]
    list_filter = ["status"]
    # No child data in the admin list: administrators manage, they do not read files.
    fields = ["agency", "service_type", "status", "sent_at", "respond_by"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False
