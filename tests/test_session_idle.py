"""The idle timeout with sessions written at most once a minute (issue 9: one write and commit per
page was the largest fixed cost of a signed-in page)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import middleware

pytestmark = pytest.mark.django_db


def session_writes(client, url="/"):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q for q in queries.captured_queries if q["sql"].startswith(("UPDATE \"django_session\"",
                                                                      "INSERT INTO \"django_session\""))]


def expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


@pytest.fixture
def signed_in(client, persona):
    client.force_login(persona("worker"))
    client.get("/")  # the first request after sign-in stamps the session
    return client


def test_pages_within_the_minute_do_not_write_the_session(signed_in):
    assert session_writes(signed_in) == []
    assert session_writes(signed_in) == []


def test_a_session_in_use_is_extended_once_a_minute(signed_in, monkeypatch, settings):
    before = expiry(signed_in)
    later = middleware.time.time() + 61
    monkeypatch.setattr(middleware.time, "time", lambda: later)
    Session.objects.filter(session_key=signed_in.session.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=10))  # nearly idle for 30 minutes
    assert len(session_writes(signed_in)) == 1
    assert expiry(signed_in) > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    assert expiry(signed_in) >= before


def test_an_idle_session_ends(signed_in):
    Session.objects.filter(session_key=signed_in.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    response = signed_in.get("/cases/my-work/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_anonymous_visit_creates_no_session(client):
    client.get("/accounts/login/")
    assert not Session.objects.exists()
