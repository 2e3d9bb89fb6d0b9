"""Run ``otklik ARGS`` and record every SQL statement it sends to the driver.

``python bench/sqltrace_server.py OUT.pickle run --host 127.0.0.1 --port 8300``. The big-data
benchmark starts the server this way once, makes each kind of call once, and replays exactly
the statements recorded in that call's time window, raw through the driver: its baseline
follows whatever SQL the server runs today, without a copy of that SQL to keep up to date.
Each record is a pickled ``(time.time(), statement, parameters)``.
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


def main() -> None:
    out, args = sys.argv[1], sys.argv[2:]
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    sink = open(out, "ab")  # noqa: SIM115 - open for the life of the process

    def record(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        pickle.dump((time.time(), statement, parameters), sink)
        sink.flush()

    event.listen(Engine, "before_cursor_execute", record)
    from otklik.cli import app

    try:
        app(args)
    except SystemExit:
        pass
    finally:
        sink.close()


if __name__ == "__main__":
    main()
