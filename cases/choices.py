"""Stable codes for cases (Law on Children arts. 47-50; Decree 56/2017 arts. 24-33)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The three protection levels, Law on Children art. 47."""

    PREVENTION = "PREVENTION", _("Prevention")
    EARLY_SUPPORT = "EARLY_SUPPORT", _("Early support")
    INTERVENTION = "INTERVENTION", _("Intervention")


LEVEL_ORDER = {Level.PREVENTION: 1, Level.EARLY_SUPPORT: 2, Level.INTERVENTION: 3}


class ChildCategory(models.TextChoices):
    """Form 01 header: the child's category."""

    ABUSED = "ABUSED", _("Abused")
    AT_RISK = "AT_RISK", _("At risk of violence, exploitation or abandonment")
    SPECIAL_CIRCUMSTANCES = "SPECIAL_CIRCUMSTANCES", _("In special circumstances")


class Channel(models.TextChoices):
    """Form 01 'source': how the information arrived."""

    PHONE = "PHONE", _("Phone")
    IN_PERSON = "IN_PERSON", _("In person")
    REPORTED_BY_OTHER = "REPORTED_BY_OTHER", _("Reported by someone else")
    WRITTEN = "WRITTEN", _("In writing / online")


class Source(models.TextChoices):
    HOTLINE = "HOTLINE", _("Hotline")
    POLICE = "POLICE", _("Police")
    SCHOOL = "SCHOOL", _("School")
    HEALTH = "HEALTH", _("Health facility")
    COMMUNITY = "COMMUNITY", _("Community member")
    COLLABORATOR = "COLLABORATOR", _("Village collaborator")
    FAMILY = "FAMILY", _("Family member")
    SELF = "SELF", _("The child (self-referral)")
    OTHER = "OTHER", _("Other")


class AbuseSetting(models.TextChoices):
    """Circular 13/2021: where the abuse happened."""

    NONE = "", _("Not applicable")
    FAMILY = "FAMILY", _("Family")
    SCHOOL = "SCHOOL", _("School")
    COMMUNITY = "COMMUNITY", _("Community")
    ONLINE = "ONLINE", _("Online")
    WORKPLACE = "WORKPLACE", _("Workplace")
    OTHER = "OTHER", _("Other")


class Status(models.TextChoices):
    """The Decree 56/2017 procedure (arts. 24-33), as the states of a case."""

    RECEIVED = "RECEIVED", _("Information received")
    INITIAL_ASSESSMENT = "INITIAL_ASSESSMENT", _("Initial assessment")
    EMERGENCY_PROTECTION = "EMERGENCY_PROTECTION", _("Emergency protection")
    DETAILED_ASSESSMENT = "DETAILED_ASSESSMENT", _("Detailed assessment")
    CASE_CONFERENCE = "CASE_CONFERENCE", _("Case conference")
    PLAN_DRAFTED = "PLAN_DRAFTED", _("Plan being drafted")
    PLAN_SUBMITTED = "PLAN_SUBMITTED", _("Plan awaiting approval")
    PLAN_APPROVED = "PLAN_APPROVED", _("Plan approved")
    IN_PROGRESS = "IN_PROGRESS", _("Plan in progress")
    REVIEW = "REVIEW", _("Review")
    CLOSURE_REQUESTED = "CLOSURE_REQUESTED", _("Closure awaiting approval")
    CLOSED = "CLOSED", _("Closed")


OPEN_STATUSES = [s for s in Status.values if s != Status.CLOSED]


class Rating(models.TextChoices):
    """Form 06 scale."""

    HIGH = "HIGH", _("High")
    MEDIUM = "MEDIUM", _("Medium")
    LOW = "LOW", _("Low")


class ClosureReason(models.TextChoices):
    GOALS_MET = "GOALS_MET", _("Plan goals met; the child is safe")
    MOVED = "MOVED", _("The child moved away (transferred)")
    AGED_OUT = "AGED_OUT", _("The child turned 16")
    REFERRED = "REFERRED", _("Handed to another agency")
    DECEASED = "DECEASED", _("The child died")
    NO_PROTECTION_NEED = "NO_PROTECTION_NEED", _("No protection need found")
    OTHER = "OTHER", _("Other")


class ClockCode(models.TextChoices):
    """The legal clocks of decree56_workflow.json."""

    EMERGENCY_12H = "EMERGENCY_12H", _("Emergency protection within 12 hours")
    PLAN_DRAFT_5WD = "PLAN_DRAFT_5WD", _("Plan drafted within 5 working days")
    PLAN_APPROVAL_2WD = "PLAN_APPROVAL_2WD", _("Plan approved within 2 working days")
    SEPARATION_MAX_15D = "SEPARATION_MAX_15D", _("Temporary separation at most 15 days")
    FOLLOW_UP_VISIT = "FOLLOW_UP_VISIT", _("Follow-up visit")


class ServiceStatus(models.TextChoices):
    PLANNED = "PLANNED", _("Planned")
    REFERRED = "REFERRED", _("Referred")
    DELIVERED = "DELIVERED", _("Delivered")
    NOT_DELIVERED = "NOT_DELIVERED", _("Not delivered")
