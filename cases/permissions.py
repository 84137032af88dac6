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
        return _in_area(user, case)
    return user.role == Role.SOCIAL_WORKER and case.assigned_worker_id == user.pk


def _in_area(user, case) -> bool:
    """A supervisor acts on the cases of their own area only (the scoped queryset also hides the
    others; this is the check again before a change, ARCHITECTURE.md "one choke point")."""
    from accounts.roles import ScopeLevel

    if user.scope_level == ScopeLevel.NATIONAL:
        return True
    if user.scope_level == ScopeLevel.COMMUNES:
        return case.commune_id in _area_commune_ids(user)
    return user.province_id == case.commune.province_id


def _area_commune_ids(user) -> set[int]:
    # Read once per user object (a request's): a list asks this for every row, and one query per
    # row of the case API was what it cost a commune-scoped supervisor.
    ids = getattr(user, "_area_commune_ids", None)
    if ids is None:
        ids = user._area_commune_ids = set(user.communes.values_list("pk", flat=True))
    return ids


def can_decide(user, case, requested_by_id: int | None) -> bool:
    """Supervisors approve plans and closures, standing in for the commune chair; nobody approves
    what they asked for themselves."""
    return (user.is_authenticated and user.role == Role.SUPERVISOR and requested_by_id != user.pk
            and _in_area(user, case))


def can_manage_team(user) -> bool:
    """Reassign cases and transfer them to another commune or province."""
    return user.is_authenticated and user.role == Role.SUPERVISOR


def can_read_narratives(user, case) -> bool:
    """What happened to the child and what the child said: those who work on the case, and the
    hotline counsellor who took the report. Officials see the facts (dates, levels, clocks,
    ratings) but not the narratives."""
    return can_work_on_case(user, case) or (user.is_authenticated and case.opened_by_id == user.pk)
