"""gunicorn.conf.py freezes the worker's long-lived objects (issue 9: a full garbage collection
of a Django worker cost ~110 ms and made one request in forty four times slower)."""

import gc
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]


def load_conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_worker_freezes_its_heap_when_ready_and_after_its_first_requests(monkeypatch):
    conf = load_conf()
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append("freeze"))
    conf.post_worker_init(SimpleNamespace(nr=0))
    assert frozen == ["freeze"]
    for nr in range(1, 300):
        conf.post_request(SimpleNamespace(nr=nr), None, {}, None)
    assert len(frozen) == 1 + len(conf.FREEZE_AFTER_REQUESTS)


def test_gunicorn_reads_the_file_from_the_project_root():
    # The hooks only matter if gunicorn, started from the root as everywhere, loads this file.
    out = subprocess.run([str(Path(sys.executable).with_name("gunicorn")), "--print-config", "config.wsgi:application"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    hooks = {name.strip(): value.strip() for name, value in
             (line.split("=", 1) for line in out.splitlines() if line.startswith("post_"))}
    assert hooks["post_worker_init"] == "<post_worker_init()>"  # gunicorn's own is PostWorkerInit's
    assert hooks["post_request"] == "<post_request()>"
