from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The people who use the system (DOMAIN.md, "Who uses it")."""

    SOCIAL_WORKER = "social_worker", _("Social worker")
    SUPERVISOR = "supervisor", _("Supervisor")
    HOTLINE_COUNSELLOR = "hotline_counsellor", _("Hotline counsellor")
    PROVINCIAL_OFFICIAL = "provincial_official", _("Provincial official")
    NATIONAL_OFFICIAL = "national_official", _("National official")
    PARTNER = "partner", _("Partner agency user")
    ADMIN = "admin", _("Administrator")


class ScopeLevel(models.TextChoices):
    """How much of the country a user's work covers."""

    NATIONAL = "national", _("Whole country")
    PROVINCE = "province", _("One province")
    COMMUNES = "communes", _("Selected communes")
