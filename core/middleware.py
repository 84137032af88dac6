from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# Everything is served from the project (no CDN), so the policy can be strict: no inline script,
# no third-party origin. `data:` images are Bootstrap's icons and the TOTP QR code.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", getattr(settings, "CSP", CONTENT_SECURITY_POLICY))
        # Pages about children must not linger in shared browsers or proxies.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.setdefault("Cache-Control", "no-store, private")
        return response


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose English with the language switch.

    The browser's Accept-Language is ignored on purpose: phones and shared computers in communes
    are often set to English, yet the service works in Vietnamese.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def is_database_outage(exception) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(exception, (OperationalError, InterfaceError))


def database_unavailable(request):
    """503 with Retry-After: the client (or the proxy) should try again, nothing is lost."""
    from django.http import HttpResponse, JsonResponse

    message = "Hệ thống tạm thời không kết nối được cơ sở dữ liệu; vui lòng thử lại sau ít phút. " \
              "The database is briefly unavailable; please try again in a minute."
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "30"
    return response


class DatabaseUnavailableMiddleware:
    """While PostgreSQL restarts, answer 503 with a clear message instead of a 500; Django's
    CONN_HEALTH_CHECKS reconnect on the next request, so the app recovers by itself. This catches
    the views' errors; core.views.error_500 catches those of other middleware (the session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_unavailable(request) if is_database_outage(exception) else None
