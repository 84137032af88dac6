"""Human-readable numbers (registry numbers, case numbers) that stay unique under concurrency.

One counter row per scope (e.g. "child:15:2026"), bumped with a single INSERT ... ON CONFLICT
statement: two registrations at the same instant get two different numbers, with no lock held
longer than that statement and no gap-free guarantee needed.
"""

from django.db import connection


def next_in_sequence(scope: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO core_counter (scope, value) VALUES (%s, 1)
            ON CONFLICT (scope) DO UPDATE SET value = core_counter.value + 1
            RETURNING value
            """,
            [scope],
        )
        return cursor.fetchone()[0]
