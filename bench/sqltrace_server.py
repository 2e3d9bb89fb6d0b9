"""Run ``otklik ARGS`` and record every SQL statement it sends to the driver.

``python bench/sqltrace_server.py OUT.pickle run --host 127.0.0.1 --port 8300``. The big-data
benchmark starts the server this way once, makes each kind of call once, and replays exactly
the statements recorded in that call's time window, raw through the driver: its baseline
follows whatever SQL the server runs today, without a copy of that SQL to keep up to date.
The write-turn limit (``turnlimit.py``) records one visitor message's write turn the same way.

Each record is a pickled ``(time.time(), statement, parameters, connection)``: ``connection``
tells the pooled connections apart (the same number for every statement of one connection).
Commits and rollbacks are recorded too, as the statements ``COMMIT`` and ``ROLLBACK`` with no
parameters: the drivers run them as calls (``connection.commit()``), not as SQL text.
"""

from __future__ import annotations

import pickle
import signal
import sys
import time
from types import FrameType
from typing import Any


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _connection_id(conn: Any) -> int:
    try:
        return id(conn.connection.dbapi_connection)
    except Exception:  # noqa: BLE001 - an invalidated connection: still record the statement
        return 0


class _TracedHandle:
    """The write connection's own ``sqlite3`` handle (``otklik.core.sqlite_raw``), whose
    statements SQLAlchemy never sees: each is recorded as if it had gone through it."""

    def __init__(self, raw: Any, conn: Any, dump: Any) -> None:
        self._raw, self._conn, self._dump = raw, conn, dump

    def execute(self, statement: str, parameters: Any = ()) -> Any:
        self._dump(self._conn, statement, tuple(parameters))  # a list means executemany here
        return self._raw.execute(statement, parameters)


def _trace_raw_sqlite(dump: Any) -> None:
    from otklik.core import sqlite_raw

    untraced = sqlite_raw.handle

    def traced(conn: Any) -> Any:
        raw = untraced(conn)
        return None if raw is None else _TracedHandle(raw, conn, dump)

    sqlite_raw.handle = traced  # type: ignore[assignment]


def main() -> None:
    out, args = sys.argv[1], sys.argv[2:]
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    sink = open(out, "ab")  # noqa: SIM115 - open for the life of the process

    def dump(conn: Any, statement: str, parameters: Any) -> None:
        pickle.dump((time.time(), statement, parameters, _connection_id(conn)), sink)
        sink.flush()

    def record(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        dump(conn, statement, parameters)

    event.listen(Engine, "before_cursor_execute", record)
    event.listen(Engine, "commit", lambda conn: dump(conn, "COMMIT", ()))
    event.listen(Engine, "rollback", lambda conn: dump(conn, "ROLLBACK", ()))
    _trace_raw_sqlite(dump)
    from otklik.cli import app

    try:
        app(args)
    except SystemExit:
        pass
    finally:
        sink.close()


if __name__ == "__main__":
    main()
