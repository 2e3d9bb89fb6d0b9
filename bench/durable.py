"""The disk's ceiling for one client that waits for each answer: durable commits, one at a time.

A create through the API channel is answered only once its transaction is on disk
(``synchronous=FULL`` on SQLite, ``synchronous_commit=on`` on PostgreSQL). One client sends its
next create after the previous answer, so no two of its creates can share a commit (group
commit has nobody to group): its rate can never beat the rate at which the database commits
one tiny transaction after another on this disk. This measures that rate in the same run with
the bare driver (one integer row a commit, nothing else), as ``create``'s limit for one client.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bench.server import PG_ADMIN_DSN, OtklikEnv

PROBE_TABLE = "bench_durable_probe"


def _sqlite(directory: Path, seconds: float, synchronous: str) -> float:
    path = directory / "durable-probe.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {PROBE_TABLE} (x INTEGER)")
        done, end = 0, time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < end:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"INSERT INTO {PROBE_TABLE} VALUES (?)", (done,))
            conn.execute("COMMIT")
            done += 1
        return done / (time.perf_counter() - started)
    finally:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _postgres(seconds: float) -> float:
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN_DSN, connect_timeout=5)
    conn.autocommit = True  # every INSERT its own transaction: one WAL flush each
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE TABLE IF NOT EXISTS {PROBE_TABLE} (x integer)")
            done, end = 0, time.perf_counter() + seconds
            started = time.perf_counter()
            while time.perf_counter() < end:
                cur.execute(f"INSERT INTO {PROBE_TABLE} VALUES (%s)", (done,))
                done += 1
            rate = done / (time.perf_counter() - started)
            cur.execute(f"DROP TABLE {PROBE_TABLE}")
        return rate
    finally:
        conn.close()


def commits_per_second(env: OtklikEnv, seconds: float) -> float:
    """Tiny durable transactions one after another, on the disk and database ``env`` uses."""
    if env.database == "sqlite":
        return _sqlite(env.data_dir, seconds, env.env()["OTKLIK_SQLITE_SYNCHRONOUS"])
    return _postgres(seconds)
