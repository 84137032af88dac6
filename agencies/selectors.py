"""Reads of agencies. Every view and API starts from `agencies_visible_to`."""

from django.db.models import Q, QuerySet

from accounts.roles import Role, ScopeLevel
from agencies.models import Agency, ServiceType
from core.text import fold


def agencies_visible_to(user) -> QuerySet[Agency]:
    """A partner user sees only their own agency; staff see their province's and national agencies."""
    qs = Agency.objects.select_related("province")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.role == Role.PARTNER:
        return qs.filter(pk=user.agency_id) if user.agency_id else qs.none()
    if user.scope_level == ScopeLevel.NATIONAL:
        return qs
    if user.province_id:
        return qs.filter(Q(province_id=user.province_id) | Q(province__isnull=True))
    return qs.none()


def search_agencies(qs: QuerySet[Agency], *, text: str = "", agency_type: str = "", service: str = ""):
    for word in fold(text).split():
        qs = qs.filter(name__unaccent__icontains=word)
    if agency_type:
        qs = qs.filter(agency_type=agency_type)
    if service:
        qs = qs.filter(service_types__code=service)
    return qs.distinct() if service else qs


def service_types() -> QuerySet[ServiceType]:
    return ServiceType.objects.select_related("group")
