"""The area a user may see, as a filter every scoped queryset applies (the one choke point).

A scoped queryset names the path from its model to a commune (for a child: "commune") and gets a
Q object: everything for national scope, the user's province, or the user's communes.
"""

from django.db.models import Q

from accounts.roles import ScopeLevel

NOTHING = Q(pk__in=[])


def area_q(user, commune_path: str | None) -> Q:
    """Rows whose commune (reached by `commune_path`; None for the Commune table) lies in scope."""
    prefix = f"{commune_path}__" if commune_path else ""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.scope_level == ScopeLevel.NATIONAL:
        return Q()
    if user.scope_level == ScopeLevel.PROVINCE and user.province_id:
        return Q(**{f"{prefix}province_id": user.province_id})
    if user.scope_level == ScopeLevel.COMMUNES:
        return Q(**{f"{commune_path or 'pk'}__in": user.communes.all()})
    return NOTHING


def province_q(user, province_path: str) -> Q:
    """Rows whose province (reached by `province_path`) lies in the user's area scope."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.scope_level == ScopeLevel.NATIONAL:
        return Q()
    if user.province_id:
        return Q(**{province_path: user.province_id})
    return NOTHING
