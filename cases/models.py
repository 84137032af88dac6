"""Cases: the protection work done for one child, at one of the three levels of the Law on
Children (arts. 47-50), through the procedure of Decree 56/2017 (arts. 24-33), against its clocks.

Each step's form (Forms 01-07) is a CaseDocument: versions are kept, the latest is current. The
plan's tasks, the approvals, level changes, visits, services, transfers and clocks are tables of
their own so that lists, reminders and statistics can query them.
"""

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import choices
from core.crypto import EncryptedJSONField, EncryptedTextField
from core.models import BilingualNameMixin, ChoiceLabelsMixin, PublicIdModel, TimeStampedModel

USER = settings.AUTH_USER_MODEL


class AbuseType(BilingualNameMixin):
    """Law on Children art. 4(5)-(9); sexual-abuse sub-types from Decree 56/2017 art. 13."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="subtypes")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("abuse type")
        verbose_name_plural = _("abuse types")
        ordering = ["position", "code"]


# The earliest running deadline of a case, kept on the case row by the database itself (see the
# triggers below) so that "what is due first" lists sort with an index instead of aggregating
# every clock of the province on each page view.
NEXT_DUE_SQL = ("(SELECT MIN(due_at) FROM cases_caseclock WHERE case_id = {case} "
                "AND met_at IS NULL AND cancelled_at IS NULL)")


@pghistory.track(exclude=["updated_at", "next_due_at"])
class Case(PublicIdModel):
    case_number = models.CharField(_("case number"), max_length=24, unique=True, editable=False)
    child = models.ForeignKey("beneficiaries.Child", on_delete=models.PROTECT, related_name="cases",
                              verbose_name=_("child"))
    level = models.CharField(_("protection level"), max_length=16, choices=choices.Level.choices)
    category = models.CharField(_("child's category"), max_length=24, choices=choices.ChildCategory.choices)
    abuse_types = models.ManyToManyField(AbuseType, blank=True, related_name="cases", verbose_name=_("abuse types"))
    abuse_setting = models.CharField(_("where the abuse happened"), max_length=12, blank=True,
                                     choices=choices.AbuseSetting.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=choices.Channel.choices)
    source = models.CharField(_("source"), max_length=16, choices=choices.Source.choices)
    received_at = models.DateTimeField(_("information received at"))
    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="cases",
                                verbose_name=_("commune responsible"),
                                help_text=_("Where it happened (Decree 56/2017 art. 25)."))
    is_emergency = models.BooleanField(_("emergency protection needed"), default=False, help_text=_(
        "The child's life, health or dignity is seriously threatened, or the caregiver is the abuser."))
    status = models.CharField(_("status"), max_length=20, choices=choices.Status.choices,
                              default=choices.Status.RECEIVED)
    assigned_worker = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="assigned_cases", verbose_name=_("assigned worker"))
    opened_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("opened by"))
    summary = EncryptedTextField(_("summary"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closure_reason = models.CharField(_("closure reason"), max_length=24, blank=True,
                                      choices=choices.ClosureReason.choices)
    outcome = models.TextField(_("outcome"), blank=True)
    version = models.PositiveIntegerField(default=1)
    # Derived, never written by the app: a trigger recomputes it on every update of the case, and
    # the clock triggers touch the case whenever a clock starts, is met, cancelled or moved.
    next_due_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at"]
        constraints = [
            # A child may have several cases over time, but one open case per level.
            models.UniqueConstraint(fields=["child", "level"], condition=~Q(status="CLOSED"),
                                    name="one_open_case_per_child_and_level"),
        ]
        indexes = [
            models.Index(fields=["assigned_worker", "status"], name="case_worker_status_idx"),
            models.Index(fields=["commune", "status"], name="case_commune_status_idx"),
            models.Index(fields=["received_at"], name="case_received_idx"),
            models.Index(fields=["next_due_at", "-received_at"], name="case_next_due_idx"),
            # The supervisor's caseload per worker counts open cases by commune from this index
            # alone (an index-only scan): 18 ms instead of 130 ms at 100,000 cases (issue 9).
            models.Index(fields=["commune"], include=["assigned_worker", "next_due_at"],
                         condition=Q(status__in=choices.OPEN_STATUSES), name="case_open_caseload_idx"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="case_next_due", when=pgtrigger.Before, operation=pgtrigger.Update,
                func=f"NEW.next_due_at := {NEXT_DUE_SQL.format(case='NEW.id')}; RETURN NEW;",
            ),
        ]

    def __str__(self) -> str:
        return self.case_number

    @property
    def is_open(self) -> bool:
        return self.status != choices.Status.CLOSED


class DocumentKind(models.TextChoices):
    INTAKE = "INTAKE", _("Form 01 — intake report")
    INITIAL_ASSESSMENT = "INITIAL_ASSESSMENT", _("Form 02 — initial risk assessment")
    DETAILED_ASSESSMENT = "DETAILED_ASSESSMENT", _("Form 03 — detailed assessment")
    CONFERENCE = "CONFERENCE", _("Case conference minutes")
    PLAN = "PLAN", _("Form 04 — support and intervention plan")
    APPROVAL = "APPROVAL", _("Form 05 — plan approval decision")
    REVIEW = "REVIEW", _("Form 06 — review after the plan")
    SEPARATION = "SEPARATION", _("Form 07 — emergency protection / temporary separation")
    CLOSURE = "CLOSURE", _("Closure")


class CaseDocument(TimeStampedModel):
    """The content of one step's form. Never edited in place: a new version is a new row."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("form"), max_length=24, choices=DocumentKind.choices)
    # The forms hold what happened to the child: encrypted at rest (core.crypto).
    content = EncryptedJSONField(_("content"), default=dict)
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("case form")
        verbose_name_plural = _("case forms")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["case", "kind", "-created_at"], name="casedoc_latest_idx")]

    def __str__(self) -> str:
        return self.get_kind_display()


class CaseTransition(models.Model):
    """Every workflow step, with who and when (the case's history of the procedure)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions")
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=20, choices=choices.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=choices.Status.choices)
    by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} -> {self.to_status}"


class LevelChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="level_changes")
    from_level = models.CharField(_("from"), max_length=16, choices=choices.Level.choices)
    to_level = models.CharField(_("to"), max_length=16, choices=choices.Level.choices)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_level} -> {self.to_level}"


class Approval(models.Model):
    """A request for a supervisor's decision on a plan or a closure (standing in for the commune
    chair's decision, Decree 56/2017 art. 28(4) and art. 30)."""

    class Kind(models.TextChoices):
        PLAN = "PLAN", _("Plan")
        CLOSURE = "CLOSURE", _("Closure")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="approvals")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    requested_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)
    comments = models.TextField(_("comments"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], condition=Q(decided_at__isnull=True),
                                               name="one_pending_approval_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id}"


class PlanTask(TimeStampedModel):
    """One task or service of the plan (Form 04): dates, who is responsible, providers, cost."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plan_tasks")
    title = models.CharField(_("task or service"), max_length=255)
    service_type = models.ForeignKey("agencies.ServiceType", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("service type"))
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("expected end"))
    responsible = models.CharField(_("responsible person or agency"), max_length=255)
    responsible_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+", verbose_name=_("responsible agency"))
    providers = models.CharField(_("service providers mobilised"), max_length=255, blank=True)
    cost_vnd = models.PositiveBigIntegerField(_("estimated cost (VND)"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=choices.ServiceStatus.choices,
                              default=choices.ServiceStatus.PLANNED)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        ordering = ["start_date", "pk"]
        constraints = [models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                              name="plan_task_ends_after_start")]

    def __str__(self) -> str:
        return self.title


class Visit(TimeStampedModel):
    """A home visit or case note."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=255)
    present = models.CharField(_("who was present"), max_length=255, blank=True)
    child_said = EncryptedTextField(_("what the child said"), blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("visit or note")
        verbose_name_plural = _("visits and notes")
        ordering = ["-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.place}"


class ServiceDelivery(TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="services")
    task = models.ForeignKey(PlanTask, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries",
                             verbose_name=_("plan task"))
    service_type = models.ForeignKey("agencies.ServiceType", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("service"))
    provider_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("provider"))
    provider_name = models.CharField(_("provider (if not an agency)"), max_length=255, blank=True)
    delivered_on = models.DateField(_("date"))
    cost_vnd = models.PositiveBigIntegerField(_("cost (VND)"), default=0)
    outcome = models.TextField(_("outcome"), blank=True)
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("service delivered")
        verbose_name_plural = _("services delivered")
        ordering = ["-delivered_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.service_type_id} {self.delivered_on}"


def private_storage():
    from django.core.files.storage import storages

    return storages["private"]


def attachment_path(instance, filename: str) -> str:
    # A random name: the original is kept in the row, never in a guessable path.
    import uuid

    return f"cases/{instance.case.public_id}/{uuid.uuid4().hex}"


class Attachment(TimeStampedModel):
    """Scanned signed forms and photos, stored outside the static and media URLs and served only
    through a view that checks the case's permissions."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    description = models.CharField(_("description"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name


class Reassignment(models.Model):
    """A case handed to another worker, or transferred to another commune/province."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reassignments")
    from_worker = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_worker = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_commune = models.ForeignKey("geography.Commune", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    to_commune = models.ForeignKey("geography.Commune", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.at:%Y-%m-%d}"


class CaseClock(ChoiceLabelsMixin, models.Model):
    """A legal deadline of one case: when it started, when it is due, when it was met."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    code = models.CharField(_("deadline"), max_length=24, choices=choices.ClockCode.choices)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(_("due"))
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    near_notified_at = models.DateTimeField(null=True, blank=True)
    missed_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        # One running clock per code; rounds met earlier (before a re-plan or a reopening) stay met.
        constraints = [models.UniqueConstraint(fields=["case", "code"],
                                               condition=Q(cancelled_at__isnull=True, met_at__isnull=True),
                                               name="one_running_clock_per_code")]
        indexes = [models.Index(fields=["due_at"], name="clock_running_idx",
                                condition=Q(met_at__isnull=True, cancelled_at__isnull=True))]
        triggers = [
            # Touching the case fires its case_next_due trigger, which recomputes the column.
            pgtrigger.Trigger(
                name="clock_touches_case", when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func="IF TG_OP = 'UPDATE' AND OLD.due_at IS NOT DISTINCT FROM NEW.due_at "
                     "AND OLD.met_at IS NOT DISTINCT FROM NEW.met_at "
                     "AND OLD.cancelled_at IS NOT DISTINCT FROM NEW.cancelled_at THEN RETURN NULL; END IF; "
                     "UPDATE cases_case SET next_due_at = NULL "
                     "WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.case_id ELSE NEW.case_id END; RETURN NULL;",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_running(self) -> bool:
        return self.met_at is None and self.cancelled_at is None

    def is_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.met_at or now) > self.due_at if self.cancelled_at is None else False

    @property
    def state(self) -> str:
        if self.cancelled_at:
            return "cancelled"
        if self.met_at:
            return "met_late" if self.met_at > self.due_at else "met"
        return "overdue" if timezone.now() > self.due_at else "running"
