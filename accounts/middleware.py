"""Officials and administrators must enrol TOTP before they can use anything else."""

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
