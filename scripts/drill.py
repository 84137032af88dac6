"""Shared pieces of the fault drills (scripts/fault_*.py): run management commands with a given
environment, find a free port, wait for a server, and report progress and failure the same way."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
STARTED = time.monotonic()


class DrillFailed(Exception):
    """The application misbehaved under the fault; the message says how."""


def step(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise DrillFailed(message)


def python() -> str:
    return str(BIN / "python") if (BIN / "python").exists() else sys.executable


def manage(*args: str, env: dict, timeout: float = 300) -> str:
    """Run manage.py and return its standard output; a failure stops the drill with its output."""
    result = subprocess.run([python(), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise DrillFailed(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
    return result.stdout


def shell(code: str, env: dict) -> str:
    """The last line `manage.py shell -c` prints (the shell prints a banner line before it)."""
    return manage("shell", "-c", code, env=env).strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2) -> float:
    """Poll until predicate() is true; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(interval)
    raise DrillFailed(f"{what}: not within {timeout:.0f} s")


def fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def base_env(**overrides: str) -> dict:
    """This process's environment without the CI's database and broker, plus the drill's values."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"})
    env.update(overrides)
    return env


def run(main) -> None:
    """Exit 0 when the drill passed, 1 with a one-line reason when the application misbehaved."""
    try:
        main()
    except DrillFailed as failure:
        step(f"FAILED: {failure}")
        sys.exit(1)
    step("passed")
