"""Officials and administrators must enrol TOTP before they can use anything else; sessions in
use are kept alive for the idle timeout."""

import time

from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import reverse

# Paths a user without TOTP may still reach: enrolment itself, logout, language, static files.
ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/readyz", "/api/")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.requires_two_factor
            and not request.path.startswith(ALLOWED_PREFIXES)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


REFRESHED_KEY = "_idle_refreshed_at"  # in the session: when it was last written (seconds)


class SessionIdleRefreshMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE, 30 minutes): a session in use is written again, so its
    expiry moves forward, at most once a minute. Saving it on every request (Django's
    SESSION_SAVE_EVERY_REQUEST) cost a database write and commit per page (issue 9). A session
    therefore ends between 29 and 30 minutes after its last use, never later."""

    REFRESH_EVERY = 60  # seconds

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - session.get(REFRESHED_KEY, 0) >= self.REFRESH_EVERY:
                session[REFRESHED_KEY] = now  # marks it modified: SessionMiddleware saves it
        return response
