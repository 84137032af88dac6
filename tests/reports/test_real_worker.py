"""Issue 7 item 10: a real Celery worker against Redis. An official asks for a rebuild through the
web; a worker process (not this test's) builds the snapshot from the committed tables; the
dashboard then shows its figures.

Needs REDIS_URL (CI sets it and REQUIRE_SERVICES=1): without it the test is skipped, or fails when
services are required. The worker reads the test database, so the data is committed
(transactional_db) and the worker is given the test database's name."""

import importlib
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases import services as case_services
from cases.choices import ChildCategory, Level
from cases.models import Case
from reports import periods
from reports.models import IndicatorValue, SnapshotBuild
from tests.conftest import load_reference_and_demo

ROOT = Path(__file__).resolve().parents[2]
CELERY = ROOT / ".venv" / "bin" / "celery"
BUILD_TIMEOUT = 60
STOP_TIMEOUT = 10


def require_redis() -> str:
    url = os.environ.get("REDIS_URL") or settings.REDIS_URL
    if url:
        return url
    reason = "REDIS_URL is not set: a real Celery worker needs Redis"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def worker_database_url() -> str:
    """DATABASE_URL of this run, pointing at pytest-django's test database."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path="/" + settings.DATABASES["default"]["NAME"]))


def start_worker(redis_url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": worker_database_url(), "REDIS_URL": redis_url,
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [str(CELERY) if CELERY.exists() else sys.executable, *([] if CELERY.exists() else ["-m", "celery"]),
               "-A", "config", "worker", "--pool=solo", "-l", "warning", "--without-gossip", "--without-mingle",
               "--without-heartbeat", "-n", f"reports-test-{os.getpid()}@%h"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603


def stop(worker: subprocess.Popen) -> str:
    worker.terminate()
    try:
        output, _ = worker.communicate(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate(timeout=STOP_TIMEOUT)
    return output.decode(errors="replace")[-3000:]


def load_catalogue() -> None:
    """The indicators come from a data migration, which a transactional test's flush empties."""
    importlib.import_module("reports.migrations.0002_indicator_catalogue").load(apps, None)


@contextmanager
def real_broker():
    """Tasks go to Redis inside this block only (tests/conftest.py runs them in-process otherwise)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        app.conf.task_always_eager = previous


def test_a_rebuild_requested_on_the_web_is_built_by_a_real_worker(transactional_db):
    redis_url = require_redis()
    with real_broker() as app:
        check_the_worker_builds(app, redis_url)


def check_the_worker_builds(app, redis_url: str) -> None:
    assert app.conf.broker_url.startswith("redis"), app.conf.broker_url
    load_reference_and_demo()
    load_catalogue()
    period = periods.current("month")
    worker_user = User.objects.get(username="worker")
    # Two new cases in Sa Pa this month, committed where the worker can read them.
    from tests.beneficiaries import factories as f

    for _n in range(2):
        child = f.ChildFactory(created_by=worker_user)
        case_services.open_case(
            child=child, level=Level.EARLY_SUPPORT, category=ChildCategory.AT_RISK, channel="PHONE",
            source="SCHOOL", received_at=max(timezone.now() - timedelta(hours=1), period.bounds[0]),
            commune=child.commune, is_emergency=False, by=worker_user,
            intake={"receiving_body": "UBND phường Sa Pa", "place": "Sa Pa", "child_condition": "Cháu sợ hãi.",
                    "family_circumstances": "", "reporter_agrees": False})
    IndicatorValue.objects.filter(period=period.code).delete()
    expected = Case.objects.filter(commune__province__code="15", received_at__gte=period.bounds[0],
                                   received_at__lt=period.bounds[1]).count()
    assert expected >= 2

    app.control.purge()  # nothing left over from another run is waiting in the queue
    worker = start_worker(redis_url)
    output = ""
    try:
        official = Client()
        official.force_login(User.objects.get(username="official"))
        response = official.post(reverse("reports:rebuild"), {"period": period.code})
        assert response.status_code == 302
        build = SnapshotBuild.objects.get(period=period.code, province__code="15")
        deadline = time.monotonic() + BUILD_TIMEOUT
        while time.monotonic() < deadline:
            build.refresh_from_db()
            if build.state in (SnapshotBuild.State.DONE, SnapshotBuild.State.FAILED) or worker.poll() is not None:
                break
            time.sleep(0.5)
    finally:
        output = stop(worker)
    assert build.state == SnapshotBuild.State.DONE, f"build {build.state} {build.error}; worker said:\n{output}"
    assert build.progress == 100 and build.rows > 0

    page = official.get(reverse("reports:dashboard"), {"period": period.code})
    lines = {line.indicator.code: line for line in page.context["lines"]}
    assert lines["CASES_OPENED"].display == str(expected)
    assert 'data-code="CASES_OPENED"' in page.content.decode()
