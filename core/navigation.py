"""The navigation each role sees. Later apps add their entries here, with the roles that use them."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: Promise
    url_name: str
    roles: frozenset[str]


STAFF = frozenset({Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.HOTLINE_COUNSELLOR, Role.ADMIN})
OFFICIALS = frozenset({Role.PROVINCIAL_OFFICIAL, Role.NATIONAL_OFFICIAL})
ALL_ROLES = frozenset(Role.values)

NAV_ITEMS = [
    NavItem(_("Home"), "home", ALL_ROLES),
    NavItem(_("My work"), "cases:my_work", frozenset({Role.SOCIAL_WORKER})),
    NavItem(_("Team"), "cases:team", frozenset({Role.SUPERVISOR})),
    NavItem(_("Cases"), "cases:case_list", STAFF | OFFICIALS),
    NavItem(_("Children"), "beneficiaries:child_list", STAFF | OFFICIALS),
    NavItem(_("Referrals"), "referrals:referral_list", STAFF | OFFICIALS),
    NavItem(_("Inbox"), "referrals:inbox", frozenset({Role.PARTNER})),
    NavItem(_("Hotline calls"), "hotline:call_screen", frozenset({Role.HOTLINE_COUNSELLOR})),
    NavItem(_("Hotline figures"), "hotline:figures", frozenset({Role.SUPERVISOR, Role.ADMIN}) | OFFICIALS),
    NavItem(_("Possible duplicates"), "beneficiaries:duplicate_queue",
            frozenset({Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.ADMIN})),
    NavItem(_("Statistics"), "reports:dashboard", frozenset({Role.SUPERVISOR, Role.ADMIN}) | OFFICIALS),
    NavItem(_("Child-friendly communes"), "reports:assessment_list",
            frozenset({Role.SUPERVISOR, Role.ADMIN}) | OFFICIALS),
    NavItem(_("Communes and villages"), "geography:commune_list", STAFF | OFFICIALS),
    NavItem(_("Agencies"), "agencies:agency_list", STAFF | OFFICIALS),
    NavItem(_("API documentation"), "api-docs", frozenset({Role.PARTNER, Role.ADMIN})),
    NavItem(_("Administration"), "admin:index", frozenset({Role.ADMIN})),
]


def items_for(role: str) -> list[NavItem]:
    return [item for item in NAV_ITEMS if role in item.roles]
