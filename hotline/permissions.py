"""Who sees what of the hotline (issue 5, item 10)."""

from accounts.roles import Role

HOTLINE_STAFF = {Role.HOTLINE_COUNSELLOR, Role.SUPERVISOR}


def is_hotline_staff(user) -> bool:
    """Counsellors and supervisors who are members of at least one hotline."""
    return user.is_authenticated and user.role in HOTLINE_STAFF and user.hotlines.exists()


def can_see_caller_identity(user) -> bool:
    """The caller's name and number are for hotline staff only."""
    return is_hotline_staff(user)


def can_supervise_hotline(user) -> bool:
    return user.is_authenticated and user.role == Role.SUPERVISOR and user.hotlines.exists()


def can_see_hotline_figures(user) -> bool:
    """Aggregates without narratives: hotline supervisors and officials of the area."""
    return user.is_authenticated and (
        can_supervise_hotline(user) or user.role in (Role.PROVINCIAL_OFFICIAL, Role.NATIONAL_OFFICIAL, Role.ADMIN))


def can_log_calls(user) -> bool:
    """The call screen, call list and callbacks: hotline staff (members of a hotline)."""
    return is_hotline_staff(user)


def can_post_calls(user, hotline=None) -> bool:
    """The phone system's API: hotline staff, or an integration account that is a member of the
    hotline (issue 5 item 9). Nobody posts calls to a line they are not a member of."""
    if not user.is_authenticated or not user.is_active:
        return False
    lines = user.hotlines.filter(is_active=True)
    return lines.filter(pk=hotline.pk).exists() if hotline is not None else lines.exists()
