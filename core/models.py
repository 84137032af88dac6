"""Base models with no domain nouns."""

import uuid

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

_choice_labels: dict = {}


class ChoiceLabelsMixin:
    """get_FOO_display() from a dict built once per field. Django rebuilds the dict of a field's
    choices on every call (0.1 ms each for the deadline codes); a list page calls it a hundred
    times (issue 9). Labels stay lazy in the dict, so each call still follows the active language.
    Choices are fixed in the code: nothing here changes them at run time."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        labels = _choice_labels.get(field)
        if labels is None:
            labels = _choice_labels[field] = dict(make_hashable(field.flatchoices))
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class TimeStampedModel(ChoiceLabelsMixin, models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class PublicIdModel(TimeStampedModel):
    """A model exposed outside the system under a random id, never its sequential primary key."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class BilingualNameMixin(models.Model):
    """Reference data named in Vietnamese and English; `name` follows the active language."""

    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi


class Counter(models.Model):
    """The last number handed out in a scope (core.sequences)."""

    scope = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}={self.value}"


class Holiday(models.Model):
    """A public holiday or a government-announced day off (Labour Code 2019 art. 112, and the
    Prime Minister's yearly notice for Tết). Administrators keep the list: the legal clocks count
    working days with it."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class WorkingSaturday(models.Model):
    """A Saturday worked to make up a bridged day off (the government sometimes swaps them)."""

    date = models.DateField(_("date"), unique=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("working Saturday")
        verbose_name_plural = _("working Saturdays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}"


class Notification(models.Model):
    """An in-app notice to one user. `key` makes sending idempotent: the same reminder for the
    same deadline is stored once, however often the job runs."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=120)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")]
        indexes = [models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class OutboxMessage(models.Model):
    """A background task to run, written in the same transaction as the change that needs it.
    If the broker is down when the transaction commits, the row waits and a periodic job sends
    it when Redis is back: no request fails and no work is lost (issue 8 item 7)."""

    task = models.CharField(max_length=120)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="outbox_pending_idx",
                                condition=models.Q(sent_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
