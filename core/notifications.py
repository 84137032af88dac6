"""In-app notifications (with an unread count in the navigation) and e-mail when configured.

`notify` is idempotent per (user, key): a reminder job that runs twice sends nothing twice."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from core.models import Notification

logger = logging.getLogger(__name__)


def notify(user, *, key: str, title: str, body: str = "", url: str = "") -> bool:
    """Store the notice once; True if it is new (and then e-mail it when e-mail is set up)."""
    try:
        with transaction.atomic():
            Notification.objects.create(user=user, key=key[:120], title=title[:255], body=body, url=url[:255])
    except IntegrityError:
        return False
    if settings.EMAIL_NOTIFICATIONS and user.email:
        # The message names no child: the e-mail leaves the system, the link needs a login.
        transaction.on_commit(lambda: _send(user.email, title, url))
    return True


def _send(address: str, title: str, url: str) -> None:
    try:
        send_mail(title, f"{settings.SITE_URL}{url}", None, [address], fail_silently=False)
    except Exception:  # noqa: BLE001 - a mail outage must not break the reminder job
        logger.exception("notification e-mail failed")


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
