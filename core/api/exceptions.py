"""Every API error is JSON with a human-readable `detail`; field errors keep DRF's shape."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework.views import exception_handler


def json_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" not in data:
        # Validation errors: {"field": ["message"]} plus one summary line for humans.
        response.data = {"detail": _("Invalid input."), "errors": data}
    elif isinstance(data, list):
        response.data = {"detail": " ".join(str(item) for item in data)}
    return response


def json_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)
