"""The custom user, from the first migration: a role, an area scope, and maybe an agency."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, ScopeLevel


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.SOCIAL_WORKER)
    scope_level = models.CharField(
        _("area scope"), max_length=16, choices=ScopeLevel.choices, default=ScopeLevel.PROVINCE
    )
    province = models.ForeignKey(
        "geography.Province", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("province"), help_text=_("The province of a province- or commune-scoped user."),
    )
    communes = models.ManyToManyField(
        "geography.Commune", blank=True, related_name="+", verbose_name=_("communes"),
        help_text=_("For a commune-scoped user: the communes they work in."),
    )
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="members",
        verbose_name=_("agency"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def clean(self):
        super().clean()
        if self.scope_level in (ScopeLevel.PROVINCE, ScopeLevel.COMMUNES) and not self.province_id:
            raise ValidationError({"province": _("A province- or commune-scoped user needs a province.")})
        if self.scope_level == ScopeLevel.NATIONAL and self.province_id:
            raise ValidationError({"province": _("A user with national scope has no province.")})
        if self.role == Role.PARTNER and not self.agency_id:
            raise ValidationError({"agency": _("A partner agency user must belong to an agency.")})

    def get_full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    @property
    def requires_two_factor(self) -> bool:
        from django.conf import settings

        return self.role in settings.MFA_REQUIRED_ROLES


def person_name(user) -> str:
    """How pages, messages and documents name a user: the full name, else the username; "" for
    nobody (an account deleted since, the system)."""
    if user is None:
        return ""
    return user.get_full_name() or user.username


def full_name(first_name: str, last_name: str) -> str:
    """Vietnamese order: family and middle names (last_name) first, then the given name."""
    return f"{last_name} {first_name}".strip()
