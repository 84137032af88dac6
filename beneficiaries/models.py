"""The children registry: every child the service knows, not only children with cases.

A child belongs to a household (siblings are found through it) whose caregivers carry phones.
Special-circumstance groups (Law on Children art. 10; Decree 56/2017 arts. 3-16) are recorded
with the dates they began and ended. Special-category data (HIV status, sexual abuse, drug use,
conflict with the law) live in their own table so that no list or export can load them by
accident. Nothing is ever deleted: a record is deactivated with a reason, or merged.
"""

from datetime import date

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries import choices
from core.crypto import EncryptedTextField
from core.models import BilingualNameMixin, PublicIdModel, TimeStampedModel
from core.text import fold, normalise

CHILD_AGE_LIMIT = 16  # Law on Children 2016 art. 1: a child is a person under 16.
CHILD_CONSENT_AGE = 7  # Law on Children art. 6(11) / PDPL 2025: a child of 7+ consents too.


class CircumstanceGroup(BilingualNameMixin):
    """One of the 14 groups of children in special circumstances (Law on Children art. 10(1))."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    letter = models.CharField(_("letter"), max_length=2)
    decree56_article = models.PositiveSmallIntegerField(_("Decree 56 article"), null=True, blank=True)
    # Membership itself reveals special-category data (HIV, conflict with the law, drugs, sexual
    # abuse): such groups are shown and filtered only for roles allowed to see sensitive fields.
    is_sensitive = models.BooleanField(_("sensitive"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("special-circumstance group")
        verbose_name_plural = _("special-circumstance groups")
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.letter}. {self.name}"


class CircumstanceSubgroup(BilingualNameMixin):
    group = models.ForeignKey(CircumstanceGroup, on_delete=models.PROTECT, related_name="subgroups")
    code = models.CharField(_("code"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("sub-group")
        verbose_name_plural = _("sub-groups")
        ordering = ["code"]


class Household(PublicIdModel):
    commune = models.ForeignKey(
        "geography.Commune", on_delete=models.PROTECT, related_name="households", verbose_name=_("commune")
    )
    village = models.ForeignKey(
        "geography.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="households",
        verbose_name=_("village"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.address or str(self.public_id)[:8]


@pghistory.track()
class Caregiver(TimeStampedModel):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="caregivers")
    full_name = models.CharField(_("full name"), max_length=150)
    relationship = models.CharField(_("relationship to the children"), max_length=20,
                                    choices=choices.Relationship.choices)
    phone = models.CharField(_("phone"), max_length=15, blank=True, help_text=_("Stored as digits: 0912345678."))
    is_legal_guardian = models.BooleanField(_("legal guardian"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("caregiver")
        verbose_name_plural = _("caregivers")
        indexes = [models.Index(fields=["phone"], name="caregiver_phone_idx", condition=~Q(phone=""))]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_relationship_display()})"

    def save(self, *args, **kwargs):
        self.full_name = normalise(self.full_name)
        super().save(*args, **kwargs)


class ChildQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, merged_into__isnull=True)

    def aged_out(self, on: date | None = None):
        return self.filter(date_of_birth__lte=years_before(on or timezone.localdate(), CHILD_AGE_LIMIT))

    def under_age(self, on: date | None = None):
        return self.filter(date_of_birth__gt=years_before(on or timezone.localdate(), CHILD_AGE_LIMIT))


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@pghistory.track(exclude=["name_folded", "updated_at"])
class Child(PublicIdModel):
    registry_number = models.CharField(_("registry number"), max_length=20, unique=True, editable=False)
    full_name = models.CharField(_("full name"), max_length=150)
    name_folded = models.CharField(max_length=150, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=choices.Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    birth_date_estimated = models.BooleanField(
        _("date of birth estimated"), default=False,
        help_text=_("True when only an approximate age was known; the date is then 1 January of the year."),
    )
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=choices.Ethnicity.choices,
                                 default=choices.Ethnicity.KINH)
    personal_id = models.CharField(_("personal identification number"), max_length=12, blank=True)
    birth_registration = models.CharField(_("birth registration"), max_length=20,
                                          choices=choices.BirthRegistration.choices,
                                          default=choices.BirthRegistration.UNKNOWN)
    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="children",
                                verbose_name=_("commune"))
    village = models.ForeignKey("geography.Village", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="children", verbose_name=_("village"))
    address = models.CharField(_("address"), max_length=255, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="children", verbose_name=_("household"))
    schooling = models.CharField(_("schooling"), max_length=20, choices=choices.Schooling.choices,
                                 default=choices.Schooling.UNKNOWN)
    school_name = models.CharField(_("school"), max_length=150, blank=True)
    health_insurance_number = models.CharField(_("health insurance card"), max_length=15, blank=True)
    poverty_status = models.CharField(_("household poverty status"), max_length=10,
                                      choices=choices.PovertyStatus.choices, default=choices.PovertyStatus.NONE)
    disability_type = models.CharField(_("disability"), max_length=20, choices=choices.DisabilityType.choices,
                                       blank=True, default="")
    disability_severity = models.CharField(_("disability severity"), max_length=20,
                                           choices=choices.DisabilitySeverity.choices, blank=True, default="")
    notes = models.TextField(_("notes"), blank=True)
    key_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="key_children",
        verbose_name=_("key worker"), help_text=_("The social worker responsible for the child."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    deactivation_reason = models.CharField(_("reason for deactivation"), max_length=20,
                                           choices=choices.DeactivationReason.choices, blank=True)
    deactivation_note = models.CharField(_("deactivation note"), max_length=255, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_records", verbose_name=_("merged into"))
    # Optimistic locking: an edit names the version it started from; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("registered by"))
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        constraints = [
            models.UniqueConstraint(fields=["personal_id"], condition=~Q(personal_id=""),
                                    name="child_personal_id_unique_when_present"),
            models.CheckConstraint(condition=Q(personal_id="") | Q(personal_id__regex=r"^\d{12}$"),
                                   name="child_personal_id_12_digits"),
        ]
        indexes = [
            GinIndex(fields=["name_folded"], opclasses=["gin_trgm_ops"], name="child_name_trgm"),
            models.Index(fields=["commune", "name_folded"], name="child_commune_name_idx"),
            models.Index(fields=["date_of_birth"], name="child_dob_idx"),
            # The registry lists in name order: walking this index gives a page without sorting
            # a province's million children.
            models.Index(fields=["name_folded", "id"], name="child_name_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.registry_number})"

    def save(self, *args, **kwargs):
        self.full_name = normalise(self.full_name)
        self.name_folded = fold(self.full_name)
        super().save(*args, **kwargs)

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def is_aged_out(self) -> bool:
        """Law on Children art. 1: at 16 a person is no longer a child. The record stays."""
        return self.age >= CHILD_AGE_LIMIT


@pghistory.track()
class SensitiveInfo(TimeStampedModel):
    """Special-category data (Decree 56/2017 art. 33; PDPL 91/2025). Read only through
    beneficiaries.permissions.can_view_sensitive."""

    child = models.OneToOneField(Child, on_delete=models.PROTECT, related_name="sensitive")
    # Encrypted at rest with FIELD_ENCRYPTION_KEYS (core.crypto); never filterable.
    hiv_status = EncryptedTextField(_("HIV status"), choices=choices.HivStatus.choices, blank=True)
    sexual_abuse_history = EncryptedTextField(_("sexual-abuse history"), blank=True)
    drug_use = EncryptedTextField(_("drug use"), blank=True)
    conflict_with_law = EncryptedTextField(_("conflict with the law"), blank=True)

    class Meta:
        verbose_name = _("sensitive information")
        verbose_name_plural = _("sensitive information")

    def __str__(self) -> str:
        return str(_("Sensitive information"))

    @property
    def is_empty(self) -> bool:
        return not any([self.hiv_status, self.sexual_abuse_history, self.drug_use, self.conflict_with_law])


@pghistory.track()
class ChildCircumstance(TimeStampedModel):
    """A child's membership of a special-circumstance group, for the period it lasted."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="circumstances")
    group = models.ForeignKey(CircumstanceGroup, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("group"))
    subgroup = models.ForeignKey(CircumstanceSubgroup, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("sub-group"))
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("special circumstance")
        verbose_name_plural = _("special circumstances")
        ordering = ["-started_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                                   name="circumstance_ends_after_start"),
        ]
        indexes = [models.Index(fields=["group", "child"], name="circumstance_current_idx",
                                condition=Q(ended_on__isnull=True))]

    def __str__(self) -> str:
        return str(self.subgroup or self.group)

    @property
    def is_current(self) -> bool:
        return self.ended_on is None or self.ended_on >= timezone.localdate()


@pghistory.track()
class Consent(TimeStampedModel):
    """Consent for one purpose (Law on Children art. 6(11); PDPL 91/2025 art. 21): the parent or
    guardian, and the child too from the age of 7."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=choices.ConsentPurpose.choices)
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("agency"),
                               help_text=_("For sharing: the agency it covers; empty for any partner agency."))
    given_by = models.ForeignKey(Caregiver, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("given by (parent or guardian)"))
    given_by_name = models.CharField(_("given by (name)"), max_length=150, blank=True)
    child_agreed = models.BooleanField(_("the child agreed"), default=False)
    given_on = models.DateField(_("date given"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("withdrawal recorded by"))
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=255, blank=True)
    notes = models.CharField(_("notes"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-pk"]

    def __str__(self) -> str:
        return self.get_purpose_display()

    @property
    def is_in_force(self) -> bool:
        return self.withdrawn_on is None


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("To review")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Not the same child")


class DuplicateSuspect(TimeStampedModel):
    """A pair of records that may be the same child, waiting for a supervisor's review."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("likeness"))
    reasons = models.JSONField(_("reasons"), default=list)
    note = models.CharField(_("note"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DuplicateStatus.choices,
                              default=DuplicateStatus.OPEN)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("suspected duplicate")
        verbose_name_plural = _("suspected duplicates")
        ordering = ["-score", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["child", "other"], name="duplicate_pair_unique"),
            models.CheckConstraint(condition=Q(child__lt=models.F("other")), name="duplicate_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} ~ {self.other_id}"


class ChildMerge(TimeStampedModel):
    """A merge of `merged` into `survivor`, with every row that moved, so it can be undone."""

    survivor = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="merges_received")
    merged = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="merges_given")
    reason = models.CharField(_("reason"), max_length=255)
    moved = models.JSONField(default=dict, help_text="{'app_label.Model.field': [pk, ...]}")
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.survivor_id}"


from beneficiaries.import_models import ImportBatch  # noqa: E402,F401
