"""Administrative units: province -> commune (since 1 July 2025), with villages under communes.

Units carry validity dates and a successor link, so an address recorded before the 2025 reform
(63 provinces, with districts) still resolves to the unit that replaced it. Codes follow
Decision 19/2025/QD-TTg; a code can be reused by a successor (Yen Bai's 15 is now Lao Cai's), so a
code is unique only among the units in force.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.text import fold, normalise


class DivisionType(models.TextChoices):
    PROVINCE = "tinh", _("Province")
    CENTRAL_CITY = "thanh_pho_trung_uong", _("Centrally-run city")
    COMMUNE = "xa", _("Commune")
    WARD = "phuong", _("Ward")
    SPECIAL_ZONE = "dac_khu", _("Special zone")


class UnitQuerySet(models.QuerySet):
    def current(self, on=None):
        """Units in force on a date (today by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )

    def search(self, text: str):
        """Every word must appear, ignoring case and diacritics ("dong thap" finds Dong Thap)."""
        qs = self
        for word in fold(text).split():
            qs = qs.filter(name_folded__contains=word)
        return qs


class AdministrativeUnit(TimeStampedModel):
    code = models.CharField(_("code"), max_length=5)
    name = models.CharField(_("name"), max_length=120)
    name_folded = models.CharField(max_length=120, editable=False)
    division_type = models.CharField(_("type"), max_length=24, choices=DivisionType.choices)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.valid_until is None or self.valid_until >= timezone.localdate()

    def save(self, *args, **kwargs):
        self.name = normalise(self.name)
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class Province(AdministrativeUnit):
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="predecessors",
        verbose_name=_("successor"),
    )

    class Meta(AdministrativeUnit.Meta):
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_until__isnull=True), name="province_code_unique_in_force"
            ),
            models.UniqueConstraint(fields=["code", "valid_until"], name="province_code_valid_until_unique"),
        ]


class Commune(AdministrativeUnit):
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="communes", verbose_name=_("province")
    )
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="predecessors",
        verbose_name=_("successor"),
    )

    class Meta(AdministrativeUnit.Meta):
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_until__isnull=True), name="commune_code_unique_in_force"
            ),
            models.UniqueConstraint(fields=["code", "valid_until"], name="commune_code_valid_until_unique"),
        ]
        indexes = [
            models.Index(fields=["province", "code"], name="commune_province_code_idx"),
            GinIndex(fields=["name_folded"], opclasses=["gin_trgm_ops"], name="commune_name_trgm"),
        ]


class VillageKind(models.TextChoices):
    THON = "thon", _("Hamlet (thôn)")
    TO_DAN_PHO = "to_dan_pho", _("Residential group (tổ dân phố)")
    AP = "ap", _("Hamlet (ấp)")
    BAN = "ban", _("Village (bản)")
    BUON = "buon", _("Village (buôn)")
    KHOM = "khom", _("Quarter (khóm)")
    OTHER = "other", _("Other")


class Village(TimeStampedModel):
    """Villages have no national code: the people who work in a commune keep the list."""

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="villages", verbose_name=_("commune"))
    name = models.CharField(_("name"), max_length=120)
    name_folded = models.CharField(max_length=120, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=VillageKind.choices, default=VillageKind.THON)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["name_folded"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "name_folded"], name="village_name_unique_in_commune"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = normalise(self.name)
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)
