"""Writes and checks on accounts."""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP


def verify_totp(user, code: str) -> bool:
    """True when `code` is the user's current TOTP code (allauth's own check, replay-protected)."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit():
        return False
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return authenticator is not None and TOTP(authenticator).validate_code(code)


def current_totp_code(secret: str) -> str:
    """The code an authenticator app shows now for `secret` (demo accounts and tests)."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))
