"""Who saw what. Changes are kept by django-pghistory (database triggers on the tracked models);
reads, searches and exports are kept here, written in the same request as the read."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import ChoiceLabelsMixin


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    EXPORT = "export", _("Exported")
    API_VIEW = "api_view", _("Viewed through the API")


class AccessEvent(ChoiceLabelsMixin, models.Model):  # 50 actions shown on a child's page
    """Append-only: the database refuses UPDATE and DELETE on this table."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("who"))
    action = models.CharField(_("action"), max_length=10, choices=AccessAction.choices)
    object_type = models.CharField(_("record type"), max_length=40)
    object_id = models.BigIntegerField(_("record"), null=True, blank=True)
    # Search text and export filters may name a child: kept for accountability, shown only to
    # administrators and supervisors.
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="access_object_idx"),
            models.Index(fields=["user", "object_type", "-at"], name="access_user_recent_idx"),
        ]
        triggers = [
            pgtrigger.Protect(name="access_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.object_type}:{self.object_id}"
