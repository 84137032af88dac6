"""What each role may do, in one place; the area it may do it in is accounts.scoping."""

from accounts.roles import Role

VILLAGE_KEEPERS = {Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.ADMIN}


def can_manage_villages(user) -> bool:
    """Villages have no national code: the people who work in a commune keep its list."""
    return user.is_authenticated and user.role in VILLAGE_KEEPERS
