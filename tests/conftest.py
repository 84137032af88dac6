"""Shared fixtures: the official geography and the demo personas in every test database.

The geography (34 provinces, 3,321 communes) and demo data are loaded once per test session;
tests run in transactions that roll back, so each starts from the same state. Browser tests
(transactional, run last by pytest-django) reload them, since their database is flushed.
"""

import os

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from accounts.services import current_totp_code
from core.demo import DEMO_TOTP_SECRET, seed_demo
from geography.services import load_official_units

PERSONAS = ["worker", "worker_b", "supervisor", "hotline", "hotline_b", "official", "national", "partner", "admin"]


def load_reference_and_demo() -> None:
    import importlib

    from django.apps import apps

    from agencies.models import PolicyGroup, ServiceType
    from agencies.reference import sync_service_types

    sync_service_types(PolicyGroup, ServiceType)
    # Reference rows that a data migration loads are gone after a transactional test's flush too.
    for migration in ("beneficiaries.migrations.0002_circumstance_groups", "cases.migrations.0002_abuse_types",
                      "hotline.migrations.0002_reference_data", "core.migrations.0004_holidays_2025_2027",
                      "reports.migrations.0002_indicator_catalogue"):
        importlib.import_module(migration).load(apps, None)
    load_official_units()
    seed_demo()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_and_demo()


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_tasks_in_process():
    """Tests run tasks in-process even when REDIS_URL is set (CI sets it): only the real-worker
    test, which turns this off for itself, needs a worker."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _clear_cache():
    # Login lockout and API throttling count in the cache (Redis in CI): start each test clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def persona(db):
    """persona("worker") -> the demo user of that name."""
    return lambda username: User.objects.get(username=username)


@pytest.fixture
def login_as(db, client):
    """A Django test client logged in as a persona (force_login skips the login form and its 2FA step)."""

    def _login(username: str) -> Client:
        c = Client()
        user = User.objects.get(username=username)
        c.force_login(user)
        return c

    return _login


def search_page(client: Client, list_url: str, text: str = "", **filters):
    """A list page's search as its form makes it: the text goes by POST, then the page the redirect
    names, which carries a key instead of the text (core.search: a name never travels in a URL)."""
    response = client.post(list_url, {"search": text, **filters})
    assert response.status_code == 302, f"POST {list_url}: {response.status_code}"
    return client.get(response["Location"])


@pytest.fixture
def totp_code():
    return lambda: current_totp_code(DEMO_TOTP_SECRET)


def pytest_configure(config):
    # Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the
    # same thread are still synchronous, which is what this flag allows.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _runs_in_a_transaction(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    fixtures = getattr(item, "fixturenames", [])
    return "transactional_db" in fixtures or "live_server" in fixtures


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests last, again. pytest-django sorts them last first thing, but pytest then
    regroups tests by session-scoped parameters (Playwright's browser), which put the browser tests
    in the middle of the run: each one's flush emptied the demo data under the tests after it. A
    stable sort keeps pytest's grouping inside each half."""
    items.sort(key=_runs_in_a_transaction)
