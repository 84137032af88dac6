"""Indicators as data, their snapshot values built by Celery, and the inputs that have no other
home: child-friendly commune assessments, the child protection fund, communication events."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BilingualNameMixin, TimeStampedModel


class Indicator(BilingualNameMixin):
    """Circular 13/2021 structure: code, name, definition, method, disaggregations, period, target."""

    class Kind(models.TextChoices):
        COUNT = "count", _("Count")
        RATE = "rate", _("Rate")
        CHANGE = "change", _("Change on last year")
        AMOUNT = "amount", _("Amount (VND)")

    code = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    group = models.CharField(_("group"), max_length=20)
    definition_vi = models.TextField(_("definition (Vietnamese)"), blank=True)
    definition_en = models.TextField(_("definition (English)"), blank=True)
    method = models.TextField(_("method of calculation"), blank=True)
    disaggregations = models.CharField(_("disaggregations"), max_length=255, blank=True)
    periods = models.CharField(_("periods"), max_length=60, default="month, quarter, half-year, year")
    target = models.DecimalField(_("target"), max_digits=8, decimal_places=4, null=True, blank=True)
    target_is_maximum = models.BooleanField(default=False, help_text=_("Met when the value is at most the target."))
    sensitive = models.BooleanField(_("sensitive"), default=False)
    additive = models.BooleanField(_("communes add up to the province"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["position"]

    @property
    def definition(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "vi").startswith("en") and self.definition_en:
            return self.definition_en
        return self.definition_vi or self.definition_en


class SnapshotBuild(models.Model):
    """One rebuild of one period for one province (or the country when province is empty)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    period = models.CharField(_("period"), max_length=8)
    province = models.ForeignKey("geography.Province", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            # Two rebuilds of the same period and province at once: the second is refused.
            models.UniqueConstraint(fields=["period", "province"], condition=Q(state__in=["queued", "running"]),
                                    name="one_live_build_per_period_province", nulls_distinct=False),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.province_id} {self.state}"


class IndicatorValue(models.Model):
    """A snapshot value: one indicator, one period, one area, one disaggregation cell."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    period = models.CharField(max_length=8)
    period_kind = models.CharField(max_length=8)
    province = models.ForeignKey("geography.Province", on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey("geography.Commune", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    dimension = models.CharField(max_length=20, blank=True)  # "" for the total
    dimension_value = models.CharField(max_length=60, blank=True)
    numerator = models.DecimalField(max_digits=20, decimal_places=2)
    denominator = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    build = models.ForeignKey(SnapshotBuild, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["period", "province", "indicator"], name="value_lookup_idx")]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period", "province", "commune", "dimension",
                                            "dimension_value"], name="one_value_per_cell", nulls_distinct=False),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period} {self.province_id}/{self.commune_id}"

    @property
    def value(self):
        if self.denominator is None:
            return self.numerator
        return None if not self.denominator else self.numerator / self.denominator


class ChildFriendlyAssessment(TimeStampedModel):
    """A commune's yearly assessment against the 13 criteria of Decision 06/QĐ-TTg."""

    class Area(models.TextChoices):
        URBAN_WARD = "urban_ward", _("Urban ward of a centrally-run city (900 points)")
        DISADVANTAGED = "disadvantaged", _("Mountain, island or extremely disadvantaged (800 points)")
        OTHER = "other", _("Other communes (850 points)")

    THRESHOLDS = {"urban_ward": 900, "disadvantaged": 800, "other": 850}

    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    area_type = models.CharField(_("commune type"), max_length=16, choices=Area.choices, default=Area.OTHER)
    scores = models.JSONField(_("scores by criterion"), default=dict)
    total = models.PositiveSmallIntegerField(_("total"), default=0)
    recognised = models.BooleanField(_("recognised as child-friendly"), default=False)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("child-friendly commune assessment")
        verbose_name_plural = _("child-friendly commune assessments")
        constraints = [models.UniqueConstraint(fields=["commune", "year"], name="one_assessment_per_commune_year")]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.year}"


class FundRecord(TimeStampedModel):
    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="+")
    recorded_on = models.DateField(_("date"))
    amount_vnd = models.PositiveBigIntegerField(_("amount raised (VND)"))
    children_helped = models.PositiveIntegerField(_("children helped"), default=0)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("child protection fund record")
        verbose_name_plural = _("child protection fund records")

    def __str__(self) -> str:
        return f"{self.commune_id} {self.recorded_on} {self.amount_vnd}"


class CommunicationEvent(TimeStampedModel):
    class Kind(models.TextChoices):
        COMMUNICATION = "communication", _("Communication")
        TRAINING = "training", _("Training")
        CLUB = "club", _("Children's club session")

    commune = models.ForeignKey("geography.Commune", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    people_reached = models.PositiveIntegerField(_("people reached"), validators=[MinValueValidator(0)])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("communication or training event")
        verbose_name_plural = _("communication and training events")

    def __str__(self) -> str:
        return self.title
