"""Closed-loop referrals to partner agencies, sharing only the parts of the child's record the
worker chose. A separate app so that it can point at both cases and hotline calls while cases
never imports hotline (ARCHITECTURE.md: dependencies point one way)."""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import PublicIdModel
from referrals.choices import ReferralStatus, SharedField, Urgency

USER = settings.AUTH_USER_MODEL


AREA_COMMUNE_SQL = ("NEW.area_commune_id := COALESCE("
                    "(SELECT commune_id FROM cases_case WHERE id = NEW.case_id), "
                    "(SELECT commune_id FROM beneficiaries_child WHERE id = NEW.child_id)); RETURN NEW;")


class Referral(PublicIdModel):
    child = models.ForeignKey("beneficiaries.Child", on_delete=models.PROTECT, related_name="referrals",
                              verbose_name=_("child"))
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="referrals", verbose_name=_("case"))
    call = models.ForeignKey("hotline.Call", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="referrals", verbose_name=_("call"))
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="referrals",
                               verbose_name=_("agency"))
    service_type = models.ForeignKey("agencies.ServiceType", on_delete=models.PROTECT, related_name="referrals",
                                     verbose_name=_("service"))
    reason = models.TextField(_("reason"))
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    respond_by = models.DateField(_("respond by"))
    shared_fields = ArrayField(models.CharField(max_length=32, choices=SharedField.choices), default=list,
                               verbose_name=_("information shared"))
    consent = models.ForeignKey("beneficiaries.Consent", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="referrals", verbose_name=_("consent"))
    consent_override_reason = models.TextField(_("emergency override of consent"), blank=True)
    consent_override_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+", verbose_name=_("override by"))
    status = models.CharField(_("status"), max_length=12, choices=ReferralStatus.choices,
                              default=ReferralStatus.SENT, db_index=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    sent_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("sent by"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    plan_task = models.ForeignKey("cases.PlanTask", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="referrals", verbose_name=_("plan task"))
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # The commune whose area the referral belongs to: its case's commune, else its child's. Kept by
    # the database (the trigger below, and migration 0003's triggers on cases and children that
    # follow a transfer or a move), so that staff lists scope on one indexed column instead of
    # checking the case and the child of every row (issue 9: 40 ms of every referrals page).
    area_commune = models.ForeignKey("geography.Commune", null=True, blank=True, editable=False,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at"]
        triggers = [
            pgtrigger.Trigger(
                name="referral_area", when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("case_id", "child_id", "area_commune_id"),
                func=AREA_COMMUNE_SQL,
            ),
        ]
        indexes = [
            # Partner sync: ?updated_since= walks (updated_at, id) in order.
            models.Index(fields=["agency", "updated_at", "id"], name="referral_agency_sync_idx"),
            # Lists show the newest first.
            models.Index(fields=["-sent_at", "-id"], name="referral_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service_type_id} → {self.agency_id}"

    @property
    def is_overdue(self) -> bool:
        return self.status == ReferralStatus.SENT and timezone.localdate() > self.respond_by


class ReferralEvent(models.Model):
    """Every change, with who and when."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.action}"


class AgencyWebhook(models.Model):
    """Optional per agency: events are POSTed to this URL, signed with HMAC-SHA256 of the body."""

    agency = models.OneToOneField("agencies.Agency", on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(_("URL"))
    secret = models.CharField(_("signing secret"), max_length=128)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class State(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        DELIVERED = "DELIVERED", _("Delivered")
        FAILED = "FAILED", _("Failed")

    webhook = models.ForeignKey(AgencyWebhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.UUIDField(unique=True)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event} {self.state}"
