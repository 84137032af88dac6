"""Pages with no domain of their own: the home page per role, health checks and error pages."""

import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.api.exceptions import json_error
from core.middleware import database_unavailable, is_database_outage


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own page (templates/home/<role>.html)."""
    role = request.user.role
    return render(request, [f"home/{role}.html", "home/default.html"], {"role": role})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No dependency is checked, so it never flaps."""
    return JsonResponse({"status": "ok"})


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False


def _redis_answers() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        return bool(client.ping())
    except redis.RedisError:
        return False


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 only when the database (and Redis, when configured) answer."""
    checks = {"database": _database_answers()}
    if settings.REDIS_URL:
        checks["redis"] = _redis_answers()
    ready = all(checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": {k: "ok" if v else "fail" for k, v in checks.items()}}
    return JsonResponse(body, status=200 if ready else 503)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_403(request: HttpRequest, exception=None) -> HttpResponse:
    if _wants_json(request):
        return json_error(403, _("You do not have permission to perform this action."))
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    if _wants_json(request):
        return json_error(404, _("Not found."))
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # A database outage met outside a view (the session loaded for a signed-in user by a middleware)
    # never reaches DatabaseUnavailableMiddleware; Django calls this handler inside its `except`,
    # so the exception is still at hand, and the answer is the same 503 (scripts/fault_postgres_restart.py).
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable(request)
    if _wants_json(request):
        return json_error(500, _("Server error. The team has been told; please try again later."))
    # No context processors: the failure may be in one of them.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def error_400(request: HttpRequest, exception=None) -> HttpResponse:
    if _wants_json(request):
        return json_error(400, _("Bad request."))
    return render(request, "errors/400.html", status=400)
