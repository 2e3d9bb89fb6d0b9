"""SQLite's WAL checkpoints in the background, off the write path.

In WAL mode every commit appends to the ``-wal`` file, and by default the connection that
commits past 1,000 pages (~4 MB) copies them back into the database file and, with
``synchronous=FULL``, waits for that file's fsync too — inside the commit of whoever happened
to cross the line. Under a steady stream of chat messages that is a stall of the single
writer every few thousand messages, which every message queued behind it feels.

Here a background thread runs ``PRAGMA wal_checkpoint(PASSIVE)`` every second on a connection
of its own: a passive checkpoint copies what it can without waiting for, or blocking, the
writer or any reader (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html). The writer's own
automatic checkpoint stays, with a much higher threshold (:data:`WRITER_CHECKPOINT_PAGES`),
only as a bound on the WAL's size should the background ever fall behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading

log = logging.getLogger(__name__)

#: The writer's automatic checkpoint threshold in pages (~256 MB): a safety bound only.
WRITER_CHECKPOINT_PAGES = 65_536
INTERVAL_SECONDS = 1.0


class WalCheckpointer:
    def __init__(self, path: str, *, interval: float = INTERVAL_SECONDS) -> None:
        self.path = path
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._conn: sqlite3.Connection | None = None
        #: A round still running in its thread when the loop stops finishes before the close.
        self._lock = threading.Lock()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="wal-checkpoint")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await asyncio.to_thread(self._checkpoint)
            except sqlite3.Error:  # busy or closing: the next round tries again
                log.debug("background WAL checkpoint failed", exc_info=True)

    def _checkpoint(self) -> None:
        with self._lock:
            if self._conn is None:
                # Its own connection, used from the worker thread of each round in turn.
                self._conn = sqlite3.connect(self.path, timeout=1, check_same_thread=False)
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
