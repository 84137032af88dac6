"""Faults (issue 8 item 7): Redis down does not take pages down, and work enqueued while it is
down runs when it returns."""

import io

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from config.celery import app
from core import outbox
from core.models import OutboxMessage

pytestmark = pytest.mark.django_db
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down():
    """Cache and broker both pointing at a port where nothing listens."""
    cache_settings = {"default": {
        "BACKEND": "core.cache.FailOpenRedisCache", "LOCATION": DEAD_REDIS,
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }}
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = DEAD_REDIS
    drop_broker_connections()  # a pool opened by an earlier test would still reach the old broker
    with override_settings(CACHES=cache_settings):
        yield
    app.conf.task_always_eager, app.conf.broker_url = eager, broker
    drop_broker_connections()


def drop_broker_connections():
    """Forget Celery's (and kombu's global) connection and producer pools so the next send opens
    fresh ones."""
    from kombu import pools

    pools.reset()
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


def test_login_still_works_when_redis_is_down(client, redis_down):
    response = client.post("/accounts/login/", {"login": "worker", "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_an_upload_while_the_broker_is_down_is_kept_and_runs_when_it_returns(login_as, redis_down,
                                                                             django_capture_on_commit_callbacks):
    from beneficiaries.import_models import ImportBatch

    csv = "full_name,sex,date_of_birth,commune_code\nLò Thị Nga,F,01/02/2016,03006\n".encode()
    upload = io.BytesIO(csv)
    upload.name = "danh-sach.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = login_as("worker").post(reverse("beneficiaries:import_upload"), {"file": upload})
    assert response.status_code in (200, 302)
    waiting = OutboxMessage.objects.get(task="beneficiaries.tasks.validate_import")
    assert waiting.sent_at is None and waiting.last_error
    batch = ImportBatch.objects.get()
    assert batch.status == "uploaded"

    app.conf.task_always_eager = True  # Redis is back (in tests: run in-process)
    OutboxMessage.objects.filter(pk=waiting.pk).update(created_at=waiting.created_at.replace(year=2000))
    assert outbox.drain() == 1
    batch.refresh_from_db()
    assert batch.status != "uploaded"
    assert outbox.drain() == 0  # sent once, never twice


def test_a_database_outage_is_a_clean_503_and_the_next_request_recovers(login_as, monkeypatch):
    from django.db import OperationalError

    from beneficiaries import selectors

    client = login_as("worker")
    working = selectors.children_visible_to

    def outage(user):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "children_visible_to", outage)
    page = client.get(reverse("beneficiaries:child_list"))
    api = client.get("/api/v1/children/")
    assert (page.status_code, page["Retry-After"]) == (503, "30")
    assert api.status_code == 503 and "database" in api.json()["detail"]

    monkeypatch.setattr(selectors, "children_visible_to", working)  # PostgreSQL is back
    assert client.get(reverse("beneficiaries:child_list")).status_code == 200


def test_a_database_outage_met_before_the_view_is_a_503_too(login_as, monkeypatch):
    """A signed-in user's session is loaded by middleware, before any view runs, so the outage
    never reaches DatabaseUnavailableMiddleware; the 500 handler must answer the same 503.
    scripts/fault_postgres_restart.py shows it against a real PostgreSQL restart."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    client = login_as("worker")
    client.raise_request_exception = False  # answer as a server does, instead of re-raising

    def outage(self):
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr(SessionStore, "load", outage)
    page = client.get(reverse("beneficiaries:child_list"))
    api = client.get("/api/v1/children/")
    assert (page.status_code, page["Retry-After"]) == (503, "30")
    assert "database" in page.content.decode()
    assert (api.status_code, api["Retry-After"]) == (503, "30") and "database" in api.json()["detail"]

    monkeypatch.undo()  # PostgreSQL is back
    assert client.get(reverse("beneficiaries:child_list")).status_code == 200
