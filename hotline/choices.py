"""Stable codes of the hotline (reference: helpline.json). Statistics key on codes, never labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConnectionOutcome(models.TextChoices):
    """How the call ended, set by the phone system (or the counsellor logging by hand)."""

    ANSWERED = "ANSWERED", _("Answered")
    ABANDONED_IN_QUEUE = "ABANDONED_IN_QUEUE", _("Abandoned in queue")
    ABANDONED_SHORT = "ABANDONED_SHORT", _("Abandoned within seconds")
    MISSED_NO_ANSWER = "MISSED_NO_ANSWER", _("Missed, no answer")
    BUSY_OVERFLOW = "BUSY_OVERFLOW", _("Busy / overflow")
    OUT_OF_HOURS = "OUT_OF_HOURS", _("Out of hours")
    VOICEMAIL = "VOICEMAIL", _("Voicemail")
    TRANSFERRED = "TRANSFERRED", _("Transferred")
    CALLBACK_REQUESTED = "CALLBACK_REQUESTED", _("Callback requested")


class ReportingClass(models.TextChoices):
    COUNSELLING = "COUNSELLING", _("Counselling contact")
    NON_COUNSELLING = "NON_COUNSELLING", _("Non-counselling contact")
    NON_CONTACT = "NON_CONTACT", _("Non-contact")


class ContactType(models.TextChoices):
    """Chosen by the counsellor; the reporting class follows from it (CONTACT_CLASS)."""

    CHILD_SELF = "CHILD_SELF", _("Child about themself")
    THIRD_PARTY = "THIRD_PARTY", _("Someone about a child")
    FOLLOW_UP = "FOLLOW_UP", _("Follow-up of an existing case")
    INFORMATION_REQUEST = "INFORMATION_REQUEST", _("Information request")
    THANKS = "THANKS", _("Thanks")
    COMPLAINT = "COMPLAINT", _("Complaint about the hotline")
    SILENT = "SILENT", _("Silent")
    HANG_UP = "HANG_UP", _("Hang-up")
    PRANK = "PRANK", _("Prank or joke")
    ABUSIVE = "ABUSIVE", _("Abusive to the counsellor")
    WRONG_NUMBER = "WRONG_NUMBER", _("Wrong number")
    TEST = "TEST", _("Test call")


CONTACT_CLASS = {
    ContactType.CHILD_SELF: ReportingClass.COUNSELLING,
    ContactType.THIRD_PARTY: ReportingClass.COUNSELLING,
    ContactType.FOLLOW_UP: ReportingClass.COUNSELLING,
    ContactType.INFORMATION_REQUEST: ReportingClass.NON_COUNSELLING,
    ContactType.THANKS: ReportingClass.NON_COUNSELLING,
    ContactType.COMPLAINT: ReportingClass.NON_COUNSELLING,
    ContactType.SILENT: ReportingClass.NON_CONTACT,
    ContactType.HANG_UP: ReportingClass.NON_CONTACT,
    ContactType.PRANK: ReportingClass.NON_CONTACT,
    ContactType.ABUSIVE: ReportingClass.NON_CONTACT,
    ContactType.WRONG_NUMBER: ReportingClass.NON_CONTACT,
    ContactType.TEST: ReportingClass.NON_CONTACT,
}
# One keystroke each on the call screen (issue: "logged with one click or one keystroke").
QUICK_CONTACT_KEYS = {
    "s": ContactType.SILENT, "h": ContactType.HANG_UP, "p": ContactType.PRANK, "w": ContactType.WRONG_NUMBER,
    "a": ContactType.ABUSIVE, "t": ContactType.TEST, "i": ContactType.INFORMATION_REQUEST, "k": ContactType.THANKS,
}


class CallerRelationship(models.TextChoices):
    CHILD_SELF = "CHILD_SELF", _("The child")
    CHILD_ON_BEHALF_OF_ANOTHER = "CHILD_ON_BEHALF_OF_ANOTHER", _("A child, for another child")
    PARENT_CAREGIVER = "PARENT_CAREGIVER", _("Parent or caregiver")
    SIBLING = "SIBLING", _("Sibling")
    OTHER_RELATIVE = "OTHER_RELATIVE", _("Other relative")
    TEACHER_SCHOOL = "TEACHER_SCHOOL", _("Teacher or school")
    NEIGHBOUR_COMMUNITY = "NEIGHBOUR_COMMUNITY", _("Neighbour or community member")
    PROFESSIONAL_AGENCY = "PROFESSIONAL_AGENCY", _("Professional or agency")
    STRANGER = "STRANGER", _("Stranger")
    ANONYMOUS = "ANONYMOUS", _("Anonymous")
    OTHER = "OTHER", _("Other")


class Urgency(models.TextChoices):
    EMERGENCY = "EMERGENCY", _("Emergency")
    HIGH = "HIGH", _("High")
    MEDIUM = "MEDIUM", _("Medium")
    LOW = "LOW", _("Low")


class ActionTaken(models.TextChoices):
    COUNSELLED = "COUNSELLED", _("Counselled")
    INFORMATION_GIVEN = "INFORMATION_GIVEN", _("Information given")
    REFERRED = "REFERRED", _("Referred")
    CASE_OPENED = "CASE_OPENED", _("Case opened")
    ADDED_TO_EXISTING_CASE = "ADDED_TO_EXISTING_CASE", _("Added to an existing case")
    EMERGENCY_SERVICES_CALLED = "EMERGENCY_SERVICES_CALLED", _("Emergency services called")
    CALLBACK_SCHEDULED = "CALLBACK_SCHEDULED", _("Callback scheduled")
    NO_ACTION = "NO_ACTION", _("No action")


class CallStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Being logged")
    COMPLETE = "COMPLETE", _("Logged")


class CallbackStatus(models.TextChoices):
    SCHEDULED = "SCHEDULED", _("Scheduled")
    DONE = "DONE", _("Done")
    CANCELLED = "CANCELLED", _("Cancelled")
