"""Fault drill (issue 8 item 7): a Celery worker killed with SIGKILL in the middle of a statistics
rebuild, and in the middle of a deadline-reminder run. Running the task again must give the same
figures as a clean rebuild, and send no notice or e-mail twice.

A real worker (`celery -A config worker`, prefork as in production) on the machine's Redis, in a
database number of the drill's own (FAULT_REDIS_URL, default redis://127.0.0.1:6379/5, emptied
before and after), and a scratch database on the machine's PostgreSQL (FAULT_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/fault_worker, created and dropped here).

"In the middle" is made exact, not left to timing: the drill holds, in a transaction of its own
left open, a row the worker is about to insert. PostgreSQL makes the worker wait for it inside
its own transaction: in a rebuild, in the middle of swapping Lào Cai's figures (old ones deleted,
new ones half written) after earlier provinces were committed; in a reminder run, between a
deadline's two notices, after a third of the deadlines were reminded. The drill sees the wait in
pg_stat_activity, kills the worker there, then rolls its own row back.

Tasks are acknowledged late, so the killed task stays unacknowledged in Redis; the broker hands
it to a worker again after its visibility timeout (an hour). The drill makes that redelivery
happen now, with kombu's own restore, then starts a new worker, as a restarted container would.

    .venv/bin/python scripts/fault_killed_worker.py      # exit 0: nothing wrong, nothing twice
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from drill import BIN, ROOT, DrillFailed, base_env, check, run, step, wait_for

DATABASE_URL = os.environ.get("FAULT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fault_worker")
REDIS_URL = os.environ.get("FAULT_REDIS_URL", "redis://127.0.0.1:6379/5")
# In Lào Cai: ~150 missed deadlines to remind about, ~2,500 figures. More cases than the default tenth
# of the children, and fewer rows elsewhere, keep each of the 34 provinces' rebuild short.
CHILDREN, CASES = 5000, 2000
STALE = 1_000_000  # added to every stored figure before the killed rebuild, to tell old from new
TASK_TIMEOUT = 120


# --- Scratch database and Redis -------------------------------------------------------------------


def maintenance_url() -> str:
    return urlunsplit(urlsplit(DATABASE_URL)._replace(path="/postgres"))


def database_name() -> str:
    return urlsplit(DATABASE_URL).path.lstrip("/")


def admin_sql(statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(maintenance_url())
    connection.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def drop_database() -> None:
    admin_sql(f'DROP DATABASE IF EXISTS "{database_name()}" WITH (FORCE)')


def empty_redis() -> None:
    """The drill's own Redis database: never the application's (0), which other work uses."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    check(client.connection_pool.connection_kwargs.get("db", 0) != 0,
          f"FAULT_REDIS_URL must name a Redis database other than 0: {REDIS_URL}")
    client.flushdb()


def unacked_count() -> int:
    import redis

    return redis.Redis.from_url(REDIS_URL).zcard("unacked_index")


def redeliver_unacked() -> None:
    """What the Redis transport does for a task whose worker died, once the visibility timeout has
    passed: put it back on its queue. A visibility timeout of 0 makes it due now; no worker is
    alive at this point, so every unacknowledged message is a killed worker's."""
    from kombu import Connection

    with Connection(REDIS_URL, transport_options={"visibility_timeout": 0}) as connection:
        connection.default_channel.qos.restore_visible(num=100, interval=1)


def prepare() -> None:
    """`make setup` and `make run`'s steps, then data at scale; in this process (Django is set up),
    which saves a Python start for each command."""
    from io import StringIO

    from django.core.management import call_command

    drop_database()
    admin_sql(f'CREATE DATABASE "{database_name()}"')
    empty_redis()
    quiet = {"stdout": StringIO(), "verbosity": 0}
    call_command("migrate", interactive=False, **quiet)
    call_command("load_geography", **quiet)
    call_command("seed_demo", **quiet)
    call_command("generate_scale_data", children=CHILDREN, cases=CASES, provinces="15", **quiet)


def drill_env(folder: Path) -> dict:
    """The worker's environment and this process's: e-mail on, written to files that are counted."""
    return base_env(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL, EMAIL_NOTIFICATIONS="1",
                    # django-environ drops the path's first slash: four make it absolute.
                    EMAIL_URL=f"filemail:///{folder / 'mail'}", DEBUG="1")


def setup_django(env: dict) -> None:
    import sys

    import django

    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    django.setup()


# --- Workers --------------------------------------------------------------------------------------


class Workers:
    """Celery workers started by the drill, each in its own process group (main process and pool
    child die together, as when the container or the machine is killed)."""

    def __init__(self, env: dict, folder: Path):
        self.env, self.folder, self.started = env, folder, []

    def start(self) -> subprocess.Popen:
        number = len(self.started) + 1
        command = [str(BIN / "celery"), "-A", "config", "worker", "-l", "warning", "--concurrency", "1",
                   "--without-gossip", "--without-mingle", "--without-heartbeat",
                   "-n", f"fault-drill-{os.getpid()}-{number}@%h"]
        with (self.folder / f"worker-{number}.log").open("wb") as log:
            worker = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        self.started.append(worker)
        return worker

    @staticmethod
    def kill(worker: subprocess.Popen) -> None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def stop_all(self) -> None:
        for worker in self.started:
            if worker.poll() is None:
                self.kill(worker)

    def last_log(self) -> str:
        logs = sorted(self.folder.glob("worker-*.log"))
        return logs[-1].read_text(errors="replace")[-3000:] if logs else ""


class Blocker:
    """The drill's own transaction, left open, holding rows the worker will insert too: the unique
    index makes the worker wait for it, inside the worker's transaction, at exactly that row."""

    def __init__(self, sql: str, rows: list[tuple]):
        import psycopg2
        from psycopg2.extras import execute_values

        self.connection = psycopg2.connect(DATABASE_URL)  # not autocommit: the transaction stays open
        with self.connection.cursor() as cursor:
            execute_values(cursor, sql, rows)

    def release(self) -> None:
        self.connection.rollback()
        self.connection.close()


def worker_waits_for_lock() -> bool:
    """True while another session of the scratch database (the worker's) waits for a lock."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")
        return cursor.fetchone() is not None


def kill_when(condition, worker: subprocess.Popen, what: str) -> None:
    """Poll the database and SIGKILL the worker (main process and pool child) once `condition()` holds."""
    deadline = time.monotonic() + TASK_TIMEOUT
    while time.monotonic() < deadline:
        check(worker.poll() is None, f"the worker exited by itself before {what}")
        if condition():
            Workers.kill(worker)
            return
        time.sleep(0.005)
    raise DrillFailed(f"never reached {what} in {TASK_TIMEOUT} s")


def kill_and_redeliver(workers: Workers, worker: subprocess.Popen, blocker: Blocker, what: str) -> None:
    """Kill the worker while it waits for the drill's row, let its transaction end (PostgreSQL rolls
    it back once it finds the worker gone), then hand the unacknowledged task to a new worker."""
    try:
        kill_when(worker_waits_for_lock, worker, what)
    finally:
        blocker.release()
    check(unacked_count() == 1, f"after the kill Redis holds {unacked_count()} unacknowledged tasks, not 1: "
                                "the killed task would be lost (is acks_late on?)")
    redeliver_unacked()
    check(unacked_count() == 0, "the killed task was not put back on its queue")
    workers.start()


# --- Statistics rebuild ---------------------------------------------------------------------------


def figures(period_code: str) -> dict:
    from reports.models import IndicatorValue

    rows = IndicatorValue.objects.filter(period=period_code).values_list(
        "indicator_id", "province_id", "commune_id", "dimension", "dimension_value", "numerator", "denominator")
    return {row[:5]: row[5:] for row in rows}


def wait_for_build(build_id: int):
    from reports.models import SnapshotBuild

    finished = (SnapshotBuild.State.DONE, SnapshotBuild.State.FAILED)
    wait_for(lambda: SnapshotBuild.objects.get(pk=build_id).state in finished, TASK_TIMEOUT,
             f"build {build_id} did not finish")
    build = SnapshotBuild.objects.get(pk=build_id)
    check(build.state == SnapshotBuild.State.DONE, f"build {build_id} failed: {build.error}")
    return build


def seconds(build) -> str:
    return f"{(build.finished_at - build.started_at).total_seconds():.0f} s in the worker"


def provinces_of(period_code: str, build) -> int:
    from reports.models import IndicatorValue

    return IndicatorValue.objects.filter(period=period_code, build=build).values("province").distinct().count()


CELL = ("period", "period_kind", "indicator_id", "province_id", "commune_id", "dimension", "dimension_value",
        "numerator", "denominator")


def hold_last_cell(period: str, province_id: int) -> Blocker:
    """Take the province's last figure out of the stored snapshot and hold it, uncommitted: the
    rebuild then deletes the province's old figures, writes new ones and waits at that last one.
    The builds write a province's rows in the same order, so the clean build's last id is it."""
    from reports.models import IndicatorValue

    last = IndicatorValue.objects.filter(period=period, province_id=province_id).order_by("-id").first()
    row = tuple(getattr(last, field) for field in CELL)
    last.delete()
    return Blocker("INSERT INTO reports_indicatorvalue (period, period_kind, indicator_id, province_id, commune_id, "
                   "dimension, dimension_value, numerator, denominator) VALUES %s", [row])


def rebuild_drill(workers: Workers) -> None:
    """A national rebuild swaps province after province, each in its own transaction. Killed in
    the middle of Lào Cai's swap, it must leave Lào Cai's old figures whole, the provinces before
    it new, the rest old; and the rerun must end with a clean rebuild's figures."""
    from django.db.models import F

    from geography.models import Province
    from reports import periods
    from reports.models import IndicatorValue
    from reports.services import request_rebuild

    period = periods.current("year").previous().code  # a closed year: its figures cannot move
    worker = workers.start()
    clean = wait_for_build(request_rebuild(period_code=period, province=None).pk)
    expected, provinces = figures(period), provinces_of(period, clean)
    step(f"clean national rebuild of {period}: {len(expected)} figures in {provinces} provinces, {seconds(clean)}")

    lao_cai = Province.objects.current().get(code="15").pk
    old_lao_cai = IndicatorValue.objects.filter(period=period, province_id=lao_cai).count()
    IndicatorValue.objects.filter(period=period).update(numerator=F("numerator") + STALE)
    blocker = hold_last_cell(period, lao_cai)
    killed = request_rebuild(period_code=period, province=None)
    kill_and_redeliver(workers, worker, blocker, "the rebuild waiting inside Lào Cai's swap")
    fresh, old = provinces_of(period, killed), provinces_of(period, clean)
    check(fresh > 0 and old > 0, f"the kill did not land in the middle: {fresh} provinces new, {old} old")
    kept = IndicatorValue.objects.filter(period=period, province_id=lao_cai, build=clean).count()
    check(kept == old_lao_cai - 1, f"Lào Cai's swap was half applied: {kept} of {old_lao_cai - 1} old figures left")
    step(f"worker killed in the middle of Lào Cai's swap: its {kept} old figures are whole, {fresh} of "
         f"{fresh + old} provinces rebuilt, the others old; task redelivered")

    rebuilt = wait_for_build(killed.pk)
    after = figures(period)
    wrong = [cell for cell in expected.keys() | after.keys() if expected.get(cell) != after.get(cell)]
    check(not wrong, f"{len(wrong)} figures differ from the clean rebuild after the rerun, e.g. {wrong[:3]}")
    check(provinces_of(period, clean) == 0 and rebuilt.rows == len(after),
          "figures of the earlier build are left over after the rerun")
    step(f"rerun done ({seconds(rebuilt)}): all {len(after)} figures equal the clean rebuild's")


# --- Deadline reminders ---------------------------------------------------------------------------


def sent_mail(folder: Path) -> list[tuple[str, str]]:
    """(recipient, subject) of every e-mail the file backend wrote."""
    sent = []
    for path in (folder / "mail").glob("*.log"):
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if raw.strip():
                message = email.message_from_bytes(raw, policy=email.policy.default)
                sent.append((str(message["To"]), str(message["Subject"])))
    return sent


def reminder_notices(since) -> Counter:
    from core.models import Notification

    rows = Notification.objects.filter(key__startswith="clock:", created_at__gte=since).values_list("user_id", "key")
    return Counter(rows)


def check_each_deadline_reminded_once(due_ids: list[int]) -> None:
    """Every deadline missed at the first run is claimed, and its notice reached each recipient once."""
    from cases.models import CaseClock
    from cases.reminders import recipients
    from core.models import Notification

    clocks = CaseClock.objects.filter(pk__in=due_ids).select_related("case", "case__commune",
                                                                      "case__assigned_worker")
    for clock in clocks:
        check(clock.missed_notified_at is not None, f"deadline {clock.pk} was never reminded")
        people = {user.pk for user in recipients(clock)}
        got = Counter(Notification.objects.filter(key=f"clock:{clock.pk}:missed").values_list("user_id", flat=True))
        check(set(got) == people and max(got.values(), default=1) == 1,
              f"deadline {clock.pk}: notices {dict(got)} for recipients {sorted(people)}")


def last_notice_of_each(due_ids: list[int]) -> dict[int, tuple]:
    """For each deadline with two recipients or more, a notice row for its last one: held by the
    drill, it makes the worker wait after the deadline's claim and first notice."""
    from django.utils import timezone

    from cases.models import CaseClock
    from cases.reminders import recipients

    rows = {}
    for clock in CaseClock.objects.filter(pk__in=due_ids).select_related("case", "case__commune",
                                                                         "case__assigned_worker"):
        people = recipients(clock)
        if len(people) >= 2:
            rows[clock.pk] = (people[-1].pk, f"clock:{clock.pk}:missed", "drill", "", "", timezone.now())
    check(len(rows) >= 20, f"only {len(rows)} deadlines have two recipients")
    return rows


def reminder_drill(workers: Workers, folder: Path) -> None:
    from django.utils import timezone

    from cases.selectors import running_clocks
    from cases.tasks import check_case_deadlines

    started = timezone.now()
    due_ids = list(running_clocks().filter(due_at__lt=started, missed_notified_at__isnull=True)
                   .values_list("pk", flat=True))
    check(len(due_ids) >= 50, f"only {len(due_ids)} missed deadlines: too few to stop a run in the middle")
    claimed = running_clocks().filter(pk__in=due_ids, missed_notified_at__isnull=False)

    last_notices = last_notice_of_each(due_ids)
    first = check_case_deadlines.delay()
    wait_for(lambda: claimed.count() >= len(due_ids) // 3, TASK_TIMEOUT, "a third of the deadlines reminded",
             interval=0.005)
    waiting = set(due_ids) - set(claimed.values_list("pk", flat=True))
    blocker = Blocker("INSERT INTO core_notification (user_id, key, title, body, url, created_at) VALUES %s "
                      "ON CONFLICT DO NOTHING", [row for pk, row in last_notices.items() if pk in waiting])
    kill_and_redeliver(workers, workers.started[-1], blocker, "a reminder waiting between two notices")
    at_kill = claimed.count()
    check(0 < at_kill < len(due_ids), f"the kill did not land in the middle: {at_kill}/{len(due_ids)} reminded")
    step(f"worker killed between a deadline's two notices (claimed, one notice stored, not committed): "
         f"{at_kill} of {len(due_ids)} missed deadlines reminded before; task redelivered")

    rerun = first.get(timeout=TASK_TIMEOUT)
    step(f"rerun (the same task, redelivered) sent {rerun}")
    again = check_case_deadlines.delay().get(timeout=TASK_TIMEOUT)
    step(f"next scheduled run sent {again}")

    check_each_deadline_reminded_once(due_ids)
    notices = reminder_notices(started)
    check(all(n == 1 for n in notices.values()), "a reminder notice was stored twice")
    mail = Counter(sent_mail(folder))
    twice = [item for item, n in mail.items() if n > 1]
    check(not twice, f"{len(twice)} e-mails sent twice, e.g. {twice[:2]}")
    check(len(mail) > 0, "no reminder e-mail was written: the drill does not see e-mail (drill broken?)")
    lost = sum(notices.values()) - sum(mail.values())
    step(f"{sum(notices.values())} notices, {sum(mail.values())} e-mails, none twice"
         + (f" ({lost} e-mails not sent: the worker died between commit and sending)" if lost else ""))


# --- Main -----------------------------------------------------------------------------------------


def give_users_addresses() -> None:
    """Demo users have no e-mail; give them one so that reminders are e-mailed and counted."""
    from django.db.models import Value
    from django.db.models.functions import Concat

    from accounts.models import User

    User.objects.update(email=Concat("username", Value("@drill.invalid")))


def drill(folder: Path, workers_holder: list) -> None:
    (folder / "mail").mkdir()
    env = drill_env(folder)
    step(f"scratch database {database_name()}, Redis {REDIS_URL}: migrate, geography, demo data, "
         f"{CHILDREN:,} children, {CASES:,} cases")
    setup_django(env)
    prepare()
    step("data ready")
    give_users_addresses()
    workers = Workers(env, folder)
    workers_holder.append(workers)
    rebuild_drill(workers)
    reminder_drill(workers, folder)


def cleanup(folder: Path, workers_holder: list) -> None:
    for workers in workers_holder:
        workers.stop_all()
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: BLE001, S110 - Django may not be set up yet; the drop below forces it
        pass
    for action in (drop_database, empty_redis):
        try:
            action()
        except Exception as error:  # noqa: BLE001 - clean up the rest, then say what was left
            step(f"cleanup: {action.__name__} failed: {error}")
    shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="fault-worker-"))
    holder: list = []
    try:
        drill(folder, holder)
    except DrillFailed:
        if holder:
            print(holder[0].last_log())
        raise
    finally:
        cleanup(folder, holder)


if __name__ == "__main__":
    run(main)
