"""Dashboards and exports read from the replica; writes, and every other read, stay on the primary
(issue 9 item 4). The test's `replica` alias mirrors the test database on a second connection,
which is how Django tests a primary/replica set-up."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from audit.models import AccessEvent

# The mirror is a second connection: it reads what is committed (the reference and demo data of
# the session), not the test's own transaction, like a replica a moment behind.
pytestmark = pytest.mark.django_db(databases=["default", "replica"])


@pytest.fixture
def signed_in(client):
    client.force_login(User.objects.get(username="supervisor"))
    return client


def tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


def test_with_a_replica_the_dashboard_reads_there(settings, signed_in):
    settings.REPLICA_ENABLED = True
    with CaptureQueriesContext(connections["replica"]) as replica, \
            CaptureQueriesContext(connections["default"]) as primary:
        assert signed_in.get(reverse("reports:dashboard")).status_code == 200
    assert "reports_indicator" in tables(replica.captured_queries)
    assert "reports_indicator" not in tables(primary.captured_queries)
    assert "django_session" in tables(primary.captured_queries)  # signing in is not a report


def test_a_streamed_export_reads_from_the_replica_and_logs_on_the_primary(settings, signed_in):
    settings.REPLICA_ENABLED = True
    before = AccessEvent.objects.count()
    with CaptureQueriesContext(connections["replica"]) as replica, \
            CaptureQueriesContext(connections["default"]) as primary:
        response = signed_in.get(reverse("beneficiaries:child_export", args=["csv"]))
        body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body
    assert "beneficiaries_child" in tables(replica.captured_queries)
    assert "beneficiaries_child" not in tables(primary.captured_queries)
    assert AccessEvent.objects.using("default").count() == before + 1


def test_without_a_replica_everything_stays_on_the_primary(settings, signed_in):
    settings.REPLICA_ENABLED = False
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert signed_in.get(reverse("reports:dashboard")).status_code == 200
    assert replica.captured_queries == []


def test_outside_reports_reads_stay_on_the_primary(settings, signed_in):
    settings.REPLICA_ENABLED = True
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert signed_in.get(reverse("beneficiaries:child_list")).status_code == 200
    assert replica.captured_queries == []
