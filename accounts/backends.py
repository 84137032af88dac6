"""The sign-in backends: Django's (username) and allauth's (e-mail), each reading the session's
user together with their unread-notification count.

Every signed-in page shows that count in its navigation (core.notification_context); read on its
own it was a query on every page, about a millisecond of a page's time on the 2-core server
(issue 9). As a column of the user's own row it costs a subquery on an index (notification_unread)
and is exactly as current: both are read when the request starts. Django reads the session's user
through the backend that signed them in (its path is stored in the session), so both backends
read it the same way."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import backends, get_user_model
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from core.models import Notification
from core.notification_context import UNREAD


def with_unread_count(users):
    unread = (Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True).order_by()
              .values("user").annotate(n=Count("pk")).values("n"))
    return users.annotate(**{UNREAD: Coalesce(Subquery(unread, output_field=IntegerField()), Value(0))})


class UnreadCountOnUser:
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = with_unread_count(model._default_manager).get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(UnreadCountOnUser, backends.ModelBackend):
    pass


class AccountBackend(UnreadCountOnUser, AuthenticationBackend):
    pass
