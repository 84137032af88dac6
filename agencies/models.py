"""Agencies: the social work centres, hospitals, police, schools and NGOs children are referred to.

Service types and agency types come from the reference list (services.json, Decree 56/2017
arts. 18-21 support policies), loaded by a data migration so that codes are stable.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BilingualNameMixin, PublicIdModel


class AgencyType(models.TextChoices):
    SOCIAL_WORK_CENTRE = "SOCIAL_WORK_CENTRE", _("Social work centre")
    COMMUNE_PEOPLES_COMMITTEE = "COMMUNE_PEOPLES_COMMITTEE", _("Commune People's Committee")
    HEALTH_DEPARTMENT = "HEALTH_DEPARTMENT", _("Health department")
    HOSPITAL_CLINIC = "HOSPITAL_CLINIC", _("Hospital or clinic")
    POLICE = "POLICE", _("Police")
    COURT = "COURT", _("Court")
    PROCURACY = "PROCURACY", _("Procuracy")
    LEGAL_AID_CENTRE = "LEGAL_AID_CENTRE", _("Legal aid centre")
    SCHOOL = "SCHOOL", _("School")
    SOCIAL_ASSISTANCE_FACILITY = "SOCIAL_ASSISTANCE_FACILITY", _("Social assistance facility")
    SOS_CHILDRENS_VILLAGE = "SOS_CHILDRENS_VILLAGE", _("SOS Children's Village")
    NGO = "NGO", _("Non-governmental organisation")
    WOMENS_UNION = "WOMENS_UNION", _("Women's Union")
    YOUTH_UNION = "YOUTH_UNION", _("Youth Union")
    HOTLINE = "HOTLINE", _("Hotline")
    OTHER = "OTHER", _("Other")


class PolicyGroup(BilingualNameMixin):
    code = models.CharField(_("code"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("policy group")
        verbose_name_plural = _("policy groups")
        ordering = ["code"]


class ServiceType(BilingualNameMixin):
    code = models.CharField(_("code"), max_length=40, unique=True)
    group = models.ForeignKey(
        PolicyGroup, on_delete=models.PROTECT, related_name="service_types", verbose_name=_("policy group")
    )

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["group__code", "code"]


class Agency(PublicIdModel):
    """An agency serves one province (or the whole country when it has none), maybe some communes."""

    name = models.CharField(_("name"), max_length=200)
    agency_type = models.CharField(_("type"), max_length=32, choices=AgencyType.choices)
    province = models.ForeignKey(
        "geography.Province", null=True, blank=True, on_delete=models.PROTECT, related_name="agencies",
        verbose_name=_("province"), help_text=_("Empty for an agency that works nationwide."),
    )
    communes = models.ManyToManyField(
        "geography.Commune", blank=True, related_name="agencies", verbose_name=_("communes served"),
    )
    service_types = models.ManyToManyField(
        ServiceType, blank=True, related_name="agencies", verbose_name=_("services offered")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["province", "name"], name="agency_name_unique_in_province"),
        ]

    def __str__(self) -> str:
        return self.name
