"""Who may see the statistics, rebuild them, drill down to records and record a commune's inputs.

The area is always reports.selectors' scope (a provincial user sees their province only); these
functions say what a role may do within it."""

from accounts.roles import Role, ScopeLevel

STATISTICS_READERS = {Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.PROVINCIAL_OFFICIAL, Role.NATIONAL_OFFICIAL,
                      Role.ADMIN}
NATIONWIDE_READERS = {Role.NATIONAL_OFFICIAL, Role.ADMIN}
REBUILDERS = {Role.PROVINCIAL_OFFICIAL, Role.NATIONAL_OFFICIAL, Role.ADMIN}
COMMUNE_RECORDERS = {Role.SUPERVISOR, Role.PROVINCIAL_OFFICIAL}


def can_see_statistics(user) -> bool:
    """Staff and officials see the snapshot figures of their area; partner agencies and hotline
    counsellors see none (a partner sees its referrals, a counsellor the hotline's own figures)."""
    return bool(user.is_authenticated and user.is_active and user.role in STATISTICS_READERS)


def sees_all_provinces(user) -> bool:
    """National officials and administrators see every province; everyone else their own."""
    return (can_see_statistics(user) and user.role in NATIONWIDE_READERS
            and user.scope_level == ScopeLevel.NATIONAL)


def can_request_rebuild(user) -> bool:
    """Officials trigger a rebuild: a provincial official for their province, a national official
    (or an administrator) for one province or all of them."""
    return can_see_statistics(user) and user.role in REBUILDERS and (
        sees_all_provinces(user) or bool(user.province_id))


def can_rebuild_province(user, province) -> bool:
    """`province` None is the whole country."""
    if not can_request_rebuild(user):
        return False
    if sees_all_provinces(user):
        return True
    return province is not None and province.pk == user.province_id


def can_drill_down(user) -> bool:
    """The list of records behind a figure is linked only for those whose lists show all of the
    province's cases: supervisors (cases.selectors.cases_visible_to). A social worker's list holds
    only their own cases, so it would not add up to the figure; officials and administrators work
    from the figures, not from children's records."""
    return can_see_statistics(user) and user.role == Role.SUPERVISOR


def can_record_commune_data(user) -> bool:
    """Child-friendly assessments, the fund and communication events are recorded by the
    supervisors and the provincial officials of the province, for the communes of their area
    (geography.selectors.communes_managed_by)."""
    return bool(user.is_authenticated and user.is_active and user.role in COMMUNE_RECORDERS
                and user.province_id)


def can_record_for_commune(user, commune) -> bool:
    from geography.selectors import communes_managed_by

    return can_record_commune_data(user) and communes_managed_by(user).filter(pk=commune.pk).exists()
