"""The access log: every child view recorded with who and from where, visible to supervisors,
append-only in the database, and an alert when someone opens too many files in an hour."""

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from audit.models import AccessEvent
from beneficiaries.models import Child
from core.models import Notification

pytestmark = pytest.mark.django_db


def lao_cai_child():
    return Child.objects.filter(commune__province__code="15").first()


def test_a_view_is_logged_with_the_address_behind_the_proxy(login_as, settings):
    settings.NUM_PROXIES = 1
    child = lao_cai_child()
    login_as("worker").get(reverse("beneficiaries:child_detail", args=[child.public_id]),
                           HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    event = AccessEvent.objects.filter(object_type="beneficiaries.child", object_id=child.pk).latest("at")
    assert (event.user.username, event.ip_address) == ("worker", "203.0.113.9")


def test_supervisors_see_who_opened_a_file_and_workers_do_not(login_as):
    child = lao_cai_child()
    url = reverse("beneficiaries:child_detail", args=[child.public_id])
    login_as("worker").get(url)
    login_as("supervisor").get(url)
    viewers = reverse("beneficiaries:child_viewers", args=[child.public_id])
    assert 'data-testid="viewers-part"' in login_as("supervisor").get(url).content.decode()
    page = login_as("supervisor").get(viewers)
    assert [e.user.username for e in page.context["viewers"]][:3] == ["supervisor", "supervisor", "worker"]
    assert 'data-testid="viewers-part"' not in login_as("worker").get(url).content.decode()
    assert login_as("worker").get(viewers).status_code == 404


def test_the_log_refuses_updates_and_deletes():
    event = AccessEvent.objects.create(action="view", object_type="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(object_type="y")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()


def test_admins_are_alerted_once_when_one_user_opens_too_many_files(login_as, settings):
    settings.UNUSUAL_CHILD_VIEWS_PER_HOUR = 2
    client = login_as("supervisor")
    for child in Child.objects.filter(commune__province__code="15")[:5]:
        client.get(reverse("beneficiaries:child_detail", args=[child.public_id]))
    alerts = Notification.objects.filter(user__username="admin", key__startswith="unusual-views:")
    assert alerts.count() == 1
    assert "Lê Thị Hoa" in alerts.get().title


def test_opening_a_file_again_within_the_hour_does_not_count_the_hour_again(login_as, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.UNUSUAL_CHILD_VIEWS_PER_HOUR = 2
    client = login_as("supervisor")
    first, second, third = Child.objects.filter(commune__province__code="15")[:3]

    def distinct_counts(child) -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("beneficiaries:child_detail", args=[child.public_id]))
        return sum("DISTINCT" in q["sql"] and "audit_accessevent" in q["sql"] for q in queries.captured_queries)

    assert distinct_counts(first) == 1  # a child new to this hour: counted
    assert distinct_counts(first) == 0  # the same child again: the count made then stands
    assert distinct_counts(second) == 1
    alerts = Notification.objects.filter(user__username="admin", key__startswith="unusual-views:")
    assert not alerts.exists()  # two children: at the limit, not over it
    assert distinct_counts(first) == 0 and not alerts.exists()
    assert distinct_counts(third) == 1 and alerts.count() == 1  # the third child crosses it


def test_normal_work_raises_no_alert(login_as):
    child = lao_cai_child()
    login_as("worker").get(reverse("beneficiaries:child_detail", args=[child.public_id]))
    assert not Notification.objects.filter(key__startswith="unusual-views:").exists()
