"""`make bench` (issue 9 item 2): the app under gunicorn as in production, driven by concurrent
clients, against the database in DATABASE_URL (fill it first with generate_scale_data). Prints
p50/p95/throughput per endpoint beside the framework floor (trivial Django and DRF views) and
the database floor (raw SQL of the same search), peak memory per worker, and writes
docs/performance.md. Bounded: a fixed number of requests per endpoint, loopback only."""

import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import django
import requests

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))


# The session made here must verify on the server: both sides use this key.
SECRET_KEY = os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 60)


def server_env() -> dict:
    return {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": SECRET_KEY, "BENCHMARK_ENDPOINTS": "1",
            "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS") or _dev_key(),
            "ALLOW_DEV_ENCRYPTION_KEY": "1",
            "LOG_LEVEL": "WARNING"}


def _dev_key() -> str:
    # The data were written with the development key (DEBUG); the server must read them.
    from config.settings import DEV_FIELD_ENCRYPTION_KEY

    return DEV_FIELD_ENCRYPTION_KEY


def start_server() -> subprocess.Popen:
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "-w", str(WORKERS), "-b", f"127.0.0.1:{PORT}",
         "--timeout", "120"], cwd=ROOT, env=server_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            if requests.get(f"{BASE}/healthz", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.3)
    process.kill()
    sys.exit("gunicorn did not start: " + process.stderr.read().decode()[-2000:])


def credentials() -> tuple[dict, dict]:
    """A session cookie for pages and a token for the API, made directly (no login round trips)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from knox.models import AuthToken

    from accounts.models import User

    user = User.objects.get(username="supervisor")
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    _instance, token = AuthToken.objects.create(user)
    return {"sessionid": session.session_key}, {"Authorization": f"Token {token}"}


def measure(name: str, url: str, *, cookies=None, headers=None) -> dict:
    def one(_n):
        started = time.perf_counter()
        response = requests.get(BASE + url, cookies=cookies, headers=headers, timeout=60, allow_redirects=False)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{name}: {url} answered {response.status_code}")
        return elapsed

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(one, range(min(20, REQUESTS))))  # warm up
        started = time.perf_counter()
        timings = list(pool.map(one, range(REQUESTS)))
        wall = time.perf_counter() - started
    return row(name, timings, REQUESTS / wall)


def row(name, timings, throughput=None) -> dict:
    timings = sorted(timings)
    return {"name": name, "p50": 1000 * statistics.median(timings),
            "p95": 1000 * timings[int(0.95 * (len(timings) - 1))], "rps": throughput}


def sql_floor(name: str, sql: str, params, repeats: int = 50) -> dict:
    from django.db import connection

    timings = []
    with connection.cursor() as cursor:
        for _ in range(repeats):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            timings.append(time.perf_counter() - started)
    return row(name, timings)


def rebuild_timing(province_code: str) -> dict:
    from geography.models import Province
    from reports import periods
    from reports.services import build_province

    province = Province.objects.current().get(code=province_code)
    started = time.perf_counter()
    build_province(periods.parse(str(time.localtime().tm_year)), province.pk)
    return row(f"statistics rebuild, province {province_code}, one year", [time.perf_counter() - started])


def peak_memory_mb(process: subprocess.Popen) -> float:
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks, default=0.0)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from beneficiaries.models import Child
    from cases.models import Case
    from hotline.models import Call

    sizes = {"children": Child.objects.count(), "cases": Case.objects.count(), "calls": Call.objects.count()}
    if sizes["children"] < 1000:
        sys.exit("Generate data first: python manage.py generate_scale_data --children 1000000")
    cookies, headers = credentials()
    some = Child.objects.filter(commune__province__code="15").order_by("pk").first()
    child_name = " ".join(reversed(some.full_name.split()[-2:]))
    server = start_server()
    try:
        rows = [
            measure("framework floor: trivial Django view", "/bench/floor/"),
            measure("framework floor: trivial DRF endpoint", "/bench/drf-floor/"),
            measure("child search by name", f"/children/?search={child_name}", cookies=cookies),
            measure("child list page", "/children/", cookies=cookies),
            measure("child detail page", f"/children/{some.public_id}/", cookies=cookies),
            measure("case list", "/cases/", cookies=cookies),
            measure("supervisor's page", "/", cookies=cookies),
            measure("API children", "/api/v1/children/", headers=headers),
            measure("API cases", "/api/v1/cases/", headers=headers),
            measure("API referrals", "/api/v1/referrals/", headers=headers),
            measure("dashboard", "/statistics/", cookies=cookies),
        ]
        words = child_name.lower().split()
        from core.text import fold

        rows.append(sql_floor("database floor: raw SQL of the name search",
                              "SELECT id FROM beneficiaries_child WHERE " + " AND ".join(
                                  ["name_folded LIKE %s"] * len(words)) + " ORDER BY name_folded LIMIT 25",
                              [f"%{fold(w)}%" for w in words]))
        rows.append(rebuild_timing("15"))
        memory = peak_memory_mb(server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(rows, sizes, memory)


def report(rows, sizes, memory) -> None:
    lines = [f"| {r['name']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['rps']:.0f} |" if r["rps"] else
             f"| {r['name']} | {r['p50']:.1f} | {r['p95']:.1f} | — |" for r in rows]
    table = "\n".join(["| measure | p50 ms | p95 ms | req/s |", "|---|---|---|---|", *lines])
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = (f"# Performance\n\nMeasured by `make bench` on {time.strftime('%Y-%m-%d %H:%M')} ({machine}), "
            f"gunicorn with {WORKERS} workers, {CLIENTS} concurrent clients, {REQUESTS} requests per line.\n\n"
            f"Dataset: {sizes['children']:,} children, {sizes['cases']:,} cases, {sizes['calls']:,} calls.\n\n"
            f"{table}\n\nPeak memory of a web worker: {memory:.0f} MB.\n")
    print(text)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "performance.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
