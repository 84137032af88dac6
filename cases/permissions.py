"""Who may see and do what on a case (issue: visible to its assigned worker, the team's
supervisors and the officials of its area)."""

from accounts.roles import Role

CASE_OPENERS = {Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.HOTLINE_COUNSELLOR}
CASE_WORKERS = {Role.SOCIAL_WORKER, Role.SUPERVISOR}


def can_open_case(user) -> bool:
    return user.is_authenticated and user.role in CASE_OPENERS


def can_work_on_case(user, case) -> bool:
    """Record forms, visits, services and move the workflow: the assigned worker and supervisors."""
    if not user.is_authenticated:
        return False
    if user.role == Role.SUPERVISOR:
        return True
    return user.role == Role.SOCIAL_WORKER and case.assigned_worker_id == user.pk


def can_decide(user, case, requested_by_id: int | None) -> bool:
    """Supervisors approve plans and closures, standing in for the commune chair; nobody approves
    what they asked for themselves."""
    return user.is_authenticated and user.role == Role.SUPERVISOR and requested_by_id != user.pk


def can_manage_team(user) -> bool:
    """Reassign cases and transfer them to another commune or province."""
    return user.is_authenticated and user.role == Role.SUPERVISOR


def can_read_narratives(user, case) -> bool:
    """What happened to the child and what the child said: those who work on the case only.
    Officials see the facts (dates, levels, clocks, ratings) but not the narratives."""
    return can_work_on_case(user, case)
