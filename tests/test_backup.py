"""Backup and restore (issue 8 item 9): dump the test database, restore it into an empty one,
and find the same row counts and the same sampled records."""

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "backup.py"


def url_for(name: str) -> str:
    db = settings.DATABASES["default"]
    host = db["HOST"].replace("/", "%2F")
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{name}"


@pytest.fixture
def empty_database(db):
    """A new database, created from another connection (CREATE DATABASE cannot run inside the
    test's transaction, and a transactional test would empty the source database afterwards)."""
    name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = url_for("postgres")
    backup_script()._query(admin, f'CREATE DATABASE "{name}"')
    yield name
    backup_script()._query(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def test_a_dump_restores_into_an_empty_database_with_the_same_records(tmp_path, empty_database):
    source = url_for(settings.DATABASES["default"]["NAME"])
    target = url_for(empty_database)
    dump_file = tmp_path / "backup.dump"
    assert run("dump", "--database-url", source, "--file", str(dump_file)).returncode == 0
    assert dump_file.stat().st_size > 10_000
    restored = run("restore", "--file", str(dump_file), "--database-url", target)
    assert restored.returncode == 0, restored.stderr
    checked = run("verify", "--source", source, "--target", target)
    assert checked.returncode == 0, checked.stdout
    assert "matches" in checked.stdout


def test_verify_notices_a_missing_record(tmp_path, empty_database):
    source = url_for(settings.DATABASES["default"]["NAME"])
    target = url_for(empty_database)
    dump_file = tmp_path / "backup.dump"
    run("dump", "--database-url", source, "--file", str(dump_file))
    run("restore", "--file", str(dump_file), "--database-url", target)
    backup_script()._query(target, "DELETE FROM core_holiday WHERE id = (SELECT min(id) FROM core_holiday)")
    checked = run("verify", "--source", source, "--target", target)
    assert checked.returncode == 1
    assert "core_holiday" in checked.stdout


def backup_script():
    sys.path.insert(0, str(ROOT / "scripts"))
    import backup

    return backup
