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
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL

from core.notification_context import UNREAD

# Raw SQL, not Subquery(...): the ORM took a millisecond of Python to build and compile the subquery
# on every request, more than the separate query it replaces. A correlated COUNT(*) is always a
# number (0 without notices). Constant text: nothing from a request goes into it.
UNREAD_SQL = ('SELECT COUNT(*) FROM "core_notification" unread WHERE unread."user_id" = "accounts_user"."id" '
              'AND unread."read_at" IS NULL')


def with_unread_count(users):
    return users.annotate(**{UNREAD: RawSQL(UNREAD_SQL, (), output_field=IntegerField())})  # noqa: S611


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
