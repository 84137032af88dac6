"""`make bench` (issue 9 item 2): the app under gunicorn as in production, driven by concurrent
clients on loopback, against the database in DATABASE_URL (fill it first with
generate_scale_data). For every endpoint it prints p50/p95/throughput beside two floors measured
in the same run:

- the framework floor: a trivial Django view and a trivial DRF endpoint under the same server;
- the database floor: the SELECTs the endpoint itself runs (captured from one in-process request)
  replayed as raw SQL on one connection.

Each line is judged against floors measured next to it: the framework floor of its kind (the DRF
endpoint for an API line, the Django view for a page), requested with the line's own session or
token just before its load, and its own SQL just after. Signed in, the trivial view pays what the
framework does for every request of that user (the session, the user, a token's check); the SQL
of those lookups is then the floor's, not the line's. A shared host drifts within a run (the
trivial view's p50 moved 3.5 -> 5 ms between two runs of the same commit, and within runs): a
floor measured once at the start compared a line with a machine that was no longer there.

Budgets (issue 9 item 3) are checked on the spot and the table goes to docs/performance.md,
between the bench markers, with the dataset size and the machine. Bounded: a fixed number of
requests per line, a 60 s timeout per request, every line printed as soon as it is measured."""

import math
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import django
import requests

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "400"))  # fewer made p95 vary more than the budgets allow
# As many clients as cores: the latency of a request on a machine kept busy, not the queue of an
# overloaded one (more clients than cores only lengthen the queue: p95 grows, throughput not).
CLIENTS = int(os.environ.get("BENCH_CLIENTS", str(os.cpu_count() or 2)))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
SQL_REPEATS = int(os.environ.get("BENCH_SQL_REPEATS", "30"))
PROVINCE = os.environ.get("BENCH_PROVINCE", "15")
REBUILD_REPEATS = int(os.environ.get("BENCH_REBUILD_REPEATS", "2"))

SEARCH_P95_MS, LIST_P95_MS, DASHBOARD_P95_MS, REBUILD_S, WORKER_MB = 150, 250, 150, 120, 300
MARK_START, MARK_END = "<!-- bench:start -->", "<!-- bench:end -->"

# The session made here must verify on the server: both sides use this key.
SECRET_KEY = os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 60)


@dataclass
class Line:
    name: str
    p50: float
    p95: float
    rps: float | None = None
    floor: float | None = None  # ms: the database floor of this line (p95 of its raw SQL)
    framework: float | None = None  # ms: p95 of the framework floor of its kind, just before it
    budget: str = ""
    ok: bool | None = None
    notes: list[str] = field(default_factory=list)


def server_env() -> dict:
    return {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": SECRET_KEY, "BENCHMARK_ENDPOINTS": "1",
            "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS") or _dev_key(),
            "ALLOW_DEV_ENCRYPTION_KEY": "1", "LOG_LEVEL": "WARNING"}


def _dev_key() -> str:
    # The data were written with the development key (DEBUG); the server must read them.
    from config.settings import DEV_FIELD_ENCRYPTION_KEY

    return DEV_FIELD_ENCRYPTION_KEY


# The server's errors go to a file: a pipe nobody reads fills up and blocks the workers.
SERVER_LOG = ROOT / ".data" / "bench-gunicorn.log"


def start_server() -> subprocess.Popen:
    # With DEBUG off the pages name hashed static files: the manifest must be collected that way.
    subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=ROOT, env=server_env(), check=True)
    SERVER_LOG.parent.mkdir(exist_ok=True)
    with SERVER_LOG.open("wb") as log:
        process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "-w", str(WORKERS), "-b",
             f"127.0.0.1:{PORT}", "--timeout", "120", "--no-control-socket"], cwd=ROOT, env=server_env(),
            stdout=log, stderr=log)
    for _ in range(100):
        try:
            if requests.get(f"{BASE}/healthz", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.3)
    process.kill()
    sys.exit("gunicorn did not start: " + server_log_tail())


def server_log_tail() -> str:
    return SERVER_LOG.read_text(errors="replace")[-3000:] if SERVER_LOG.exists() else ""


def session_for(username: str, searches: dict | None = None) -> dict:
    """A session cookie made directly (no login round trips), with remembered searches (the
    registry's search text travels as a session key, core.search)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User
    from core import search

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if searches:
        session[search.SESSION_KEY] = searches
    session.create()
    return {"sessionid": session.session_key}


def token_for(username: str) -> dict:
    from knox.models import AuthToken

    from accounts.models import User

    _instance, token = AuthToken.objects.create(User.objects.get(username=username))
    return {"Authorization": f"Token {token}"}


def load(name: str, url: str, *, cookies=None, headers=None) -> Line:
    def one(_n):
        started = time.perf_counter()
        response = requests.get(BASE + url, cookies=cookies, headers=headers, timeout=60, allow_redirects=False)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{name}: {url} answered {response.status_code}\n{server_log_tail()}")
        return elapsed

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(one, range(min(20, REQUESTS))))  # warm up
        started = time.perf_counter()
        timings = list(pool.map(one, range(REQUESTS)))
        wall = time.perf_counter() - started
    return Line(name, *_percentiles(timings), rps=REQUESTS / wall)


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)  # p95 by nearest rank: of two samples, the slower
    return 1000 * statistics.median(ordered), 1000 * ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def captured_selects(username: str, url: str, *, api: bool = False, searches=None) -> list[str]:
    """The SELECTs one request runs, captured in-process (the database floor replays them)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from accounts.models import User
    from core import search

    client = APIClient() if api else Client()
    client.force_login(User.objects.get(username=username))
    if searches:
        session = client.session
        session[search.SESSION_KEY] = searches
        session.save()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HOST="127.0.0.1")
    if response.status_code != 200:
        raise SystemExit(f"in-process {url} answered {response.status_code}")
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]


def _table_read(sql: str) -> str:
    return sql.split(" FROM ", 1)[1].split(None, 1)[0] if " FROM " in sql else sql


def own_statements(line: list[str], floor: list[str]) -> list[str]:
    """The line's SELECTs without those the framework floor runs for the same user (the session,
    the user): the middleware runs them first, so each is the first unclaimed one reading its table."""
    own = list(line)
    for statement in floor:
        table = _table_read(statement)
        match = next((i for i, mine in enumerate(own) if _table_read(mine) == table), None)
        if match is not None:
            del own[match]
    return own


def sql_floor_ms(statements: list[str], repeats: int = SQL_REPEATS) -> float:
    """p95 over repeats of running all the statements once, raw, on one connection."""
    from django.db import connection

    timings = []
    with connection.cursor() as cursor:
        for _ in range(repeats):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            timings.append(time.perf_counter() - started)
    return _percentiles(timings)[1]


def rebuild_line() -> Line:
    """The statistics rebuild of one province-year, against the raw SQL of the same figures (its
    own SELECTs replayed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from geography.models import Province
    from reports import periods
    from reports.services import build_province

    province = Province.objects.current().get(code=PROVINCE)
    period = periods.parse(str(time.localtime().tm_year))
    with CaptureQueriesContext(connection) as queries:  # a first build: its SQL, and a warm cache
        build_province(period, province.pk)
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    timings = []
    for _ in range(REBUILD_REPEATS):
        started = time.perf_counter()
        build_province(period, province.pk)
        timings.append(time.perf_counter() - started)
    floor_ms = sql_floor_ms(selects, repeats=REBUILD_REPEATS)
    p50, p95 = _percentiles(timings)
    line = Line(f"statistics rebuild, province {PROVINCE}, year {period.code}", p50, p95, floor=floor_ms)
    line.budget = f"< {REBUILD_S} s and ≤ 3× its SQL"
    line.ok = p95 < REBUILD_S * 1000 and p95 <= 3 * floor_ms
    return line


def peak_memory_mb(process: subprocess.Popen) -> float:
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks, default=0.0)


def judge(line: Line, kind: str) -> Line:
    """Issue 9's budgets, checked against the floors measured next to the line."""
    if kind == "search":
        line.budget = f"p95 < {SEARCH_P95_MS} ms and ≤ 3× its SQL"
        line.ok = line.p95 < SEARCH_P95_MS and line.p95 <= 3 * max(line.floor, 1)
    elif kind == "list":
        line.budget = f"p95 < {LIST_P95_MS} ms and ≤ 3× (framework + its SQL)"
        line.ok = line.p95 < LIST_P95_MS and line.p95 <= 3 * (line.framework + line.floor)
    elif kind == "dashboard":
        line.budget = f"p95 < {DASHBOARD_P95_MS} ms"
        line.ok = line.p95 < DASHBOARD_P95_MS
    return line


def emit(line: Line) -> Line:
    verdict = "" if line.ok is None else (" ok" if line.ok else " OVER BUDGET")
    floor = f" sql {line.floor:7.1f}" if line.floor is not None else ""
    floor += f" framework {line.framework:5.1f}" if line.framework is not None else ""
    rps = f" {line.rps:6.1f} req/s" if line.rps else ""
    print(f"{line.name:55s} p50 {line.p50:8.1f}  p95 {line.p95:8.1f}{rps}{floor}{verdict}", flush=True)
    return line


def endpoints(sample) -> list[tuple]:
    """(name, persona, url, api?, kind, searches) — what issue 9 item 2 lists."""
    key = secrets.token_urlsafe(6)
    searches = {key: sample["search"]}
    return [
        ("child search by name", "supervisor", f"/children/?q={key}", False, "search", searches),
        ("child list page", "supervisor", "/children/", False, "list", None),
        ("child detail page", "supervisor", f"/children/{sample['child']}/", False, "list", None),
        ("case list", "supervisor", "/cases/", False, "list", None),
        ("worker's my work page", "worker", "/cases/my-work/", False, "list", None),
        ("supervisor's page", "supervisor", "/", False, "list", None),
        ("API children", "supervisor", "/api/v1/children/", True, "list", None),
        ("API children, name search", "supervisor", f"/api/v1/children/?search={sample['search']}", True,
         "search", None),
        ("API cases", "supervisor", "/api/v1/cases/", True, "list", None),
        ("API calls (111 counsellor)", "hotline", "/api/v1/hotline/calls/", True, "list", None),
        ("API referrals", "supervisor", "/api/v1/referrals/", True, "list", None),
        ("dashboard", "supervisor", "/statistics/", False, "dashboard", None),
    ]


FLOORS = {False: "/bench/floor/", True: "/bench/drf-floor/"}  # api? -> the framework floor of its kind


def pick_sample() -> dict:
    """A child of the benchmark province and the way a worker would search for it: the full name,
    given name first (any order works; diacritics as typed)."""
    from beneficiaries.models import Child

    first = list(Child.objects.filter(commune__province__code=PROVINCE).order_by("pk")[:1001])
    if not first:
        sys.exit(f"No child in province {PROVINCE}: generate data with --provinces {PROVINCE}.")
    child = first[-1]  # the 1,001st, or the last of a smaller province
    words = child.full_name.split()
    return {"child": child.public_id, "search": " ".join([words[-1], *words[:-1]])}


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["BENCHMARK_ENDPOINTS"] = "1"  # the floors' SQL is captured in-process too
    django.setup()
    from beneficiaries.models import Child
    from cases.models import Case
    from hotline.models import Call
    from referrals.models import Referral

    sizes = {"children": Child.objects.count(), "cases": Case.objects.count(), "calls": Call.objects.count(),
             "referrals": Referral.objects.count()}
    if sizes["children"] < 1000:
        sys.exit("Generate data first: python manage.py generate_scale_data --children 1000000")
    sample = pick_sample()
    plan = endpoints(sample)
    statements = {name: own_statements(captured_selects(persona, url, api=api, searches=searches),
                                       captured_selects(persona, FLOORS[api], api=api))
                  for name, persona, url, api, _kind, searches in plan}
    print(f"Dataset: {sizes}. Search sample: {sample['search']!r}. {CLIENTS} clients, {WORKERS} workers.", flush=True)
    server = start_server()
    try:
        lines = [emit(load("framework floor: trivial Django view", FLOORS[False])),
                 emit(load("framework floor: trivial DRF endpoint", FLOORS[True]))]
        for name, persona, url, api, kind, searches in plan:
            auth = {"headers": token_for(persona)} if api else {"cookies": session_for(persona, searches)}
            framework = load("framework floor", FLOORS[api], **auth).p95  # the machine as the line meets it
            line = load(name, url, **auth)
            line.framework, line.floor = framework, sql_floor_ms(statements[name])
            lines.append(emit(judge(line, kind)))
        memory = peak_memory_mb(server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines.append(emit(rebuild_line()))
    memory_ok = memory < WORKER_MB
    print(f"Peak memory of a web worker: {memory:.0f} MB ({'ok' if memory_ok else 'OVER BUDGET'}, < {WORKER_MB} MB)")
    report(lines, sizes, memory, sample)
    over = [line.name for line in lines if line.ok is False] + ([] if memory_ok else ["worker memory"])
    if over:
        print("Over budget: " + "; ".join(over))
    sys.exit(1 if over and os.environ.get("BENCH_STRICT") else 0)


def report(lines, sizes, memory, sample) -> None:
    def cell(value):
        return "—" if value is None else f"{value:.1f}"

    rows = [f"| {x.name} | {cell(x.p50)} | {cell(x.p95)} | {'—' if not x.rps else f'{x.rps:.0f}'} | {cell(x.floor)} "
            f"| {cell(x.framework)} | {x.budget or '—'} | {'—' if x.ok is None else ('ok' if x.ok else '**over**')} |"
            for x in lines]
    table = "\n".join(["| measure | p50 ms | p95 ms | req/s | its SQL ms (p95) | framework floor ms (p95) | budget | |",
                       "|---|---|---|---|---|---|---|---|", *rows])
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    measured = (
        f"{MARK_START}\nMeasured by `make bench` on {time.strftime('%Y-%m-%d %H:%M %Z')} ({machine}; PostgreSQL on "
        f"the same machine), gunicorn with {WORKERS} workers, {CLIENTS} concurrent clients, {REQUESTS} requests "
        f"per line after 20 to warm up.\n\nDataset: {sizes['children']:,} children, {sizes['cases']:,} cases, "
        f"{sizes['calls']:,} calls, {sizes['referrals']:,} referrals. The search is for {sample['search']!r}.\n\n"
        f"{table}\n\nPeak memory of a web worker: {memory:.0f} MB (budget {WORKER_MB} MB).\n{MARK_END}")
    print(measured)
    path = ROOT / "docs" / "performance.md"
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Performance\n\n{MARK_START}\n{MARK_END}\n"
    if MARK_START not in text:
        text += f"\n{MARK_START}\n{MARK_END}\n"
    head, rest = text.split(MARK_START, 1)
    tail = rest.split(MARK_END, 1)[1] if MARK_END in rest else ""
    path.write_text(head + measured + tail, encoding="utf-8")


if __name__ == "__main__":
    main()
