"""Reporting reads on a read replica (issue 9 item 4: growth).

At national scale the dashboards and exports — long reads over many rows — go to a PostgreSQL
read replica so that they never slow down the social workers' writes on the primary. Views mark
their reads with `@reads_from_replica`; `ReportingReplicaRouter` then sends every read made in
that view (and in the stream it returns) to the `replica` alias, and every write, migration and
read elsewhere to `default`.

Without REPLICA_DATABASE_URL the `replica` alias is a mirror of `default` and REPLICA_ENABLED is
off: one database, nothing changes. Replication lag (seconds) is acceptable for what is routed
there: dashboards read snapshots built by a nightly job, and exports are lists, not workflows.
The access log of an export is a write, so it still goes to the primary.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps

from django.conf import settings

REPLICA = "replica"
_reporting = contextvars.ContextVar("reporting_reads", default=False)


@contextmanager
def replica_reads():
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def reads_from_replica(view):
    """Run the view's reads on the replica; a streamed body keeps reading there as it streams."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with replica_reads():
            response = view(request, *args, **kwargs)
        if getattr(response, "streaming", False):
            response.streaming_content = _on_replica(response.streaming_content)
        return response

    return wrapped


def _on_replica(chunks) -> Iterator:
    iterator = iter(chunks)
    while True:
        with replica_reads():
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


def reporting_db() -> str:
    return REPLICA if _reporting.get() and settings.REPLICA_ENABLED else "default"


class ReportingReplicaRouter:
    def db_for_read(self, model, **hints):
        return reporting_db()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
