"""Who may do what with a referral."""

from accounts.roles import Role

SENDERS = {Role.SOCIAL_WORKER, Role.SUPERVISOR, Role.HOTLINE_COUNSELLOR}


def can_send_referrals(user) -> bool:
    return user.is_authenticated and user.role in SENDERS


def can_override_consent(user) -> bool:
    """Decree 56/2017 art. 33 and PDPL 91/2025: disclosure without consent only to protect life
    or health in an emergency, decided by a supervisor with a written reason."""
    return user.is_authenticated and user.role == Role.SUPERVISOR


def is_partner_of(user, referral) -> bool:
    return user.is_authenticated and user.role == Role.PARTNER and user.agency_id == referral.agency_id
