"""Who may do what with a child's record. The area is always beneficiaries.selectors' scope."""

from accounts.roles import Role

REGISTRARS = {Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.ADMIN}
EXPORTERS = {Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.PROVINCIAL_OFFICIAL, Role.NATIONAL_OFFICIAL, Role.ADMIN}


def can_register_children(user) -> bool:
    """Social workers and supervisors keep the registry (administrators may correct it)."""
    return user.is_authenticated and user.role in REGISTRARS


def can_edit_child(user, child) -> bool:
    """Same roles as registering; the child must already be in the user's scope (the caller's queryset)."""
    return can_register_children(user) and child.merged_into_id is None


def can_view_sensitive(user, child) -> bool:
    """Special-category data (Decree 56/2017 art. 33; PDPL 91/2025) only for those who need it:
    supervisors of the area, and the social worker responsible for the child (key worker; the
    cases app widens this to workers assigned to the child's open case)."""
    if not user.is_authenticated:
        return False
    if user.role == Role.SUPERVISOR:
        return True
    if user.role == Role.SOCIAL_WORKER:
        return child.key_worker_id == user.pk or _assigned_on_open_case(user, child)
    return False


def can_view_sensitive_in_lists(user) -> bool:
    """Whether sensitive groups may appear as list filters and columns at all."""
    return user.is_authenticated and user.role == Role.SUPERVISOR


def can_merge_children(user) -> bool:
    """Merging two records changes history: supervisors decide."""
    return user.is_authenticated and user.role == Role.SUPERVISOR


def can_see_viewers(user) -> bool:
    """Supervisors see who opened a child's file (the access log), to catch curiosity early."""
    return user.is_authenticated and user.role == Role.SUPERVISOR


def can_export_children(user) -> bool:
    return user.is_authenticated and user.role in EXPORTERS


def _assigned_on_open_case(user, child) -> bool:
    from cases.choices import OPEN_STATUSES
    from cases.models import Case

    return Case.objects.filter(child=child, assigned_worker=user, status__in=OPEN_STATUSES).exists()
