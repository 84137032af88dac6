from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferralStatus(models.TextChoices):
    SENT = "SENT", _("Sent")
    ACCEPTED = "ACCEPTED", _("Accepted")
    DECLINED = "DECLINED", _("Declined")
    IN_PROGRESS = "IN_PROGRESS", _("In progress")
    COMPLETED = "COMPLETED", _("Completed")
    CLOSED = "CLOSED", _("Closed")
    REVOKED = "REVOKED", _("Revoked")


OPEN_REFERRAL_STATUSES = [ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS]
# What a partner may see of the child through a referral.
PARTNER_VISIBLE_STATUSES = [ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS,
                            ReferralStatus.COMPLETED, ReferralStatus.DECLINED, ReferralStatus.CLOSED]


class Urgency(models.TextChoices):
    EMERGENCY = "EMERGENCY", _("Emergency")
    HIGH = "HIGH", _("High")
    NORMAL = "NORMAL", _("Normal")


class SharedField(models.TextChoices):
    """Parts of the child's record a worker may share with the agency. The first five are the
    default; the last four are special-category data, shared only when chosen and consented."""

    NAME = "name", _("Full name")
    AGE = "age", _("Age")
    SEX = "sex", _("Sex")
    COMMUNE = "commune", _("Commune")
    REASON = "reason", _("Reason for the referral")
    DATE_OF_BIRTH = "date_of_birth", _("Date of birth")
    ADDRESS = "address", _("Village and address")
    CAREGIVER = "caregiver", _("Caregiver and phone")
    ETHNICITY = "ethnicity", _("Ethnicity")
    SCHOOLING = "schooling", _("Schooling")
    HEALTH_INSURANCE = "health_insurance", _("Health insurance card")
    DISABILITY = "disability", _("Disability")
    CIRCUMSTANCES = "circumstances", _("Special-circumstance groups (non-sensitive)")
    HIV_STATUS = "hiv_status", _("HIV status")
    SEXUAL_ABUSE = "sexual_abuse_history", _("Sexual-abuse history")
    DRUG_USE = "drug_use", _("Drug use")
    CONFLICT_WITH_LAW = "conflict_with_law", _("Conflict with the law")


DEFAULT_SHARED = [SharedField.NAME, SharedField.AGE, SharedField.SEX, SharedField.COMMUNE, SharedField.REASON]
SENSITIVE_SHARED = {SharedField.HIV_STATUS, SharedField.SEXUAL_ABUSE, SharedField.DRUG_USE,
                    SharedField.CONFLICT_WITH_LAW}
