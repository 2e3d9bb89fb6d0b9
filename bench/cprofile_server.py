"""Run ``otklik ARGS`` under cProfile and write the stats when it stops (SIGTERM or SIGINT).

``python bench/cprofile_server.py OUT.prof run --host 127.0.0.1 --port 8300``. Only for
``python -m bench.run --profile cprofile``: deterministic counts (SQL statements, driver
thread round trips per request), at a large cost in speed, so its figures are not results.
"""

from __future__ import annotations

import cProfile
import signal
import sys
from types import FrameType


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main() -> None:
    out, args = sys.argv[1], sys.argv[2:]
    # uvicorn restores these handlers after its graceful shutdown and re-raises the signal:
    # ending in SystemExit (not death by signal) lets the stats be written.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    from otklik.cli import app

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        app(args)
    except SystemExit:
        pass
    finally:
        profiler.disable()
        profiler.dump_stats(out)


if __name__ == "__main__":
    main()
