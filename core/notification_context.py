"""The unread-notification count for the navigation badge (core.notifications)."""

from functools import cache

from django.http import HttpRequest

from core.notifications import unread_count


def notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    # Counted once per page, and only if the page shows it (templates call callables).
    return {"unread_notifications": cache(lambda: unread_count(user))}
