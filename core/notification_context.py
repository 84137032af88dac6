"""The unread-notification count for the navigation badge (core.notifications)."""

from functools import cache

from django.http import HttpRequest

from core.notifications import unread_count

# Read with the session's user by the sign-in backends (accounts.backends); a user loaded another
# way (an API token, a test's own object) is counted here, once per page.
UNREAD = "unread_notification_count"


def notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    known = getattr(user, UNREAD, None)
    if known is not None:
        return {"unread_notifications": known}
    # Counted once per page, and only if the page shows it (templates call callables).
    return {"unread_notifications": cache(lambda: unread_count(user))}
