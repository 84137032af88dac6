"""Bulk loading with PostgreSQL COPY: the only way a million children load in minutes."""

import csv
import io
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction


def copy_rows(table: str, columns: list[str], rows) -> int:
    """COPY an iterable of tuples into `table`. Values are written as CSV (None -> NULL)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    count = 0
    for row in rows:
        writer.writerow(["\\N" if value is None else value for value in row])
        count += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(  # noqa: S608 - our table and column names
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)
    return count


def next_ids(table: str, count: int) -> range:
    """Reserve a block of `count` ids from the table's sequence, so related rows can point at
    them before they are loaded."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")  # noqa: S608 - our table names
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return range(first, first + count)


def secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the tables' indexes that back no constraint (not primary keys,
    not unique constraints), so they can be dropped during a load and rebuilt after it."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT i.relname, pg_get_indexdef(x.indexrelid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            ORDER BY i.relname""", [tables])
        return cursor.fetchall()


def _try(cursor, sql: str) -> bool:
    """Run a setting that needs rights the loading role may lack; a refusal only makes it slower."""
    try:
        with transaction.atomic():
            cursor.execute(sql)
        return True
    except DatabaseError:
        return False


@contextmanager
def fast_load(tables: list[str]):
    """One transaction in which the tables' secondary indexes are dropped, rows are COPYed in, and
    the indexes are built once at the end: maintaining a GIN trigram index row by row is what made
    a million children slow (each insert touches dozens of trigram posting lists). Foreign-key and
    history triggers are skipped when the role may (session_replication_role needs a superuser):
    the generator writes consistent rows by construction. A failure rolls everything back,
    indexes included."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        _try(cursor, "SET LOCAL maintenance_work_mem = '1GB'")
        replica = _try(cursor, "SET LOCAL session_replication_role = replica")
        indexes = secondary_indexes(tables)
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        yield
        for _name, definition in indexes:
            cursor.execute(definition)
        if replica:
            cursor.execute("SET LOCAL session_replication_role = origin")
