"""Hotlines and calls. Three separate classifications per call (issue 5): how it ended (set by
the phone system), the contact type (the counsellor), and the reporting class derived from the
contact type by rule, as Child Helpline International counts them and 111 reports them."""

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField
from core.models import BilingualNameMixin, PublicIdModel, TimeStampedModel
from hotline import choices

USER = settings.AUTH_USER_MODEL


class Hotline(TimeStampedModel):
    """The national 111 or a provincial line: configuration, not code."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=150)
    number = models.CharField(_("number"), max_length=20)
    province = models.ForeignKey("geography.Province", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="hotlines", verbose_name=_("province"),
                                 help_text=_("Empty for a national line."))
    hours = models.CharField(_("hours"), max_length=120, default="24/7")
    members = models.ManyToManyField(USER, blank=True, related_name="hotlines", verbose_name=_("counsellors"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("hotline")
        verbose_name_plural = _("hotlines")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class CallCategory(BilingualNameMixin):
    """Child Helpline International categories, with stable codes."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("call category")
        verbose_name_plural = _("call categories")
        ordering = ["position"]


@pghistory.track(exclude=["draft", "updated_at"])
class Call(PublicIdModel):
    hotline = models.ForeignKey(Hotline, on_delete=models.PROTECT, related_name="calls", verbose_name=_("hotline"))
    status = models.CharField(_("status"), max_length=10, choices=choices.CallStatus.choices,
                              default=choices.CallStatus.DRAFT)
    received_at = models.DateTimeField(_("received"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    connection_outcome = models.CharField(_("how the call ended"), max_length=20,
                                          choices=choices.ConnectionOutcome.choices,
                                          default=choices.ConnectionOutcome.ANSWERED)
    contact_type = models.CharField(_("contact type"), max_length=20, blank=True,
                                    choices=choices.ContactType.choices)
    reporting_class = models.CharField(_("reporting class"), max_length=16, choices=choices.ReportingClass.choices,
                                       default=choices.ReportingClass.NON_CONTACT)
    counsellor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="calls",
                                   verbose_name=_("counsellor"))
    # The caller: stored so repeat calls can be matched; shown to hotline staff only.
    caller_phone = models.CharField(_("caller's phone"), max_length=15, blank=True, db_index=True)
    caller_relationship = models.CharField(_("caller"), max_length=32, blank=True,
                                           choices=choices.CallerRelationship.choices)
    caller_anonymous = models.BooleanField(_("anonymous"), default=False)
    caller_name = models.CharField(_("caller's name"), max_length=150, blank=True)
    # The child: a registered child, or described.
    child = models.ForeignKey("beneficiaries.Child", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="calls", verbose_name=_("registered child"))
    child_name = models.CharField(_("child's name (if known)"), max_length=150, blank=True)
    child_sex = models.CharField(_("child's sex"), max_length=1, blank=True)
    child_age = models.PositiveSmallIntegerField(_("child's age (or estimate)"), null=True, blank=True)
    child_commune = models.ForeignKey("geography.Commune", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("child's commune"))
    categories = models.ManyToManyField(CallCategory, blank=True, related_name="calls",
                                        verbose_name=_("reasons for the call"))
    urgency = models.CharField(_("urgency"), max_length=10, blank=True, choices=choices.Urgency.choices)
    summary = EncryptedTextField(_("summary"), blank=True)  # the report of abuse: encrypted at rest
    actions_taken = ArrayField(models.CharField(max_length=32, choices=choices.ActionTaken.choices), default=list,
                               blank=True, verbose_name=_("actions taken"))
    follow_up = models.TextField(_("follow-up"), blank=True)
    do_not_call_back = models.BooleanField(_("do not call back"), default=False)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="calls",
                             verbose_name=_("case"))
    # The form as typed, saved as the counsellor writes (a closed tab loses nothing).
    draft = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("received_at")),
                                   name="call_ends_after_it_starts"),
            models.CheckConstraint(condition=Q(answered_at__isnull=True) | Q(answered_at__gte=models.F("received_at")),
                                   name="call_answered_after_it_starts"),
        ]
        indexes = [
            models.Index(fields=["hotline", "received_at"], name="call_hotline_time_idx"),
            # The call list: a line's calls, newest first, read in index order.
            models.Index(fields=["hotline", "-received_at", "-id"], name="call_hotline_newest_idx"),
            models.Index(fields=["-received_at", "-id"], name="call_newest_idx"),  # for several lines
            models.Index(fields=["counsellor", "status"], name="call_counsellor_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.hotline.code} {self.received_at:%Y-%m-%d %H:%M}"

    @property
    def waiting_seconds(self) -> int | None:
        return int((self.answered_at - self.received_at).total_seconds()) if self.answered_at else None

    @property
    def talk_seconds(self) -> int | None:
        if self.answered_at and self.ended_at:
            return int((self.ended_at - self.answered_at).total_seconds())
        return None


class Callback(TimeStampedModel):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="callbacks")
    due_at = models.DateTimeField(_("call back at"))
    status = models.CharField(_("status"), max_length=10, choices=choices.CallbackStatus.choices,
                              default=choices.CallbackStatus.SCHEDULED)
    assigned_to = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["due_at"]

    def __str__(self) -> str:
        return f"{self.call_id} {self.due_at:%Y-%m-%d %H:%M}"


class CallbackAttempt(models.Model):
    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(_("when"))
    reached = models.BooleanField(_("reached the caller"))
    outcome = models.CharField(_("outcome"), max_length=255, blank=True)
    by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.callback_id} {self.at:%Y-%m-%d %H:%M}"
