"""Start and stop the server under test (``otklik run`` or the echo baseline) and watch it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import psutil  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

Database = Literal["sqlite", "postgres"]

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
PORT_RANGE = range(8300, 8400)  # the ports this harness may use on the shared machine
PG_ADMIN_DSN = os.environ.get("BENCH_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "otklik_bench"


def free_port() -> int:
    for port in PORT_RANGE:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8300-8399")


def otklik_exe() -> str:
    beside = Path(sys.executable).parent / "otklik"
    if beside.exists():
        return str(beside)
    found = shutil.which("otklik")
    if found is None:
        raise RuntimeError("the `otklik` command is not installed in this environment")
    return found


@dataclass
class Usage:
    """CPU seconds and resident memory of a process tree at one instant."""

    at: float
    cpu_s: float
    rss: int
    #: CPU seconds of the main threads (the event loops) alone; the rest is other threads
    #: (aiosqlite's connection threads, anyio's thread pool).
    main_thread_cpu_s: float = 0.0


@dataclass
class Server:
    """A running server under test; ``stop()`` ends it (and only it)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 90.0) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.env.get("BENCH_CWD", str(REPO_DIR)),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"{self.name} did not answer /healthz in {timeout:.0f} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: the server and its workers
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def processes(self) -> list[psutil.Process]:
        root = psutil.Process(self.pid)
        return [root, *root.children(recursive=True)]

    def usage(self) -> Usage:
        cpu = 0.0
        main = 0.0
        rss = 0
        for proc in self.processes():
            try:
                times = proc.cpu_times()
                cpu += times.user + times.system
                rss += proc.memory_info().rss
                main += sum(t.user_time + t.system_time for t in proc.threads() if t.id == proc.pid)
            except psutil.NoSuchProcess:
                continue
        return Usage(at=time.monotonic(), cpu_s=cpu, rss=rss, main_thread_cpu_s=main)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def machine_busy() -> tuple[float, float]:
    """(monotonic time, CPU seconds all cores spent busy so far): for the machine's load."""
    times = psutil.cpu_times()
    return time.monotonic(), float(
        times.user + times.nice + times.system + times.irq + times.softirq + times.steal
    )


def machine_percent(before: tuple[float, float], after: tuple[float, float]) -> float:
    """Busy CPU of the whole machine between two readings, in % of one core."""
    wall = after[0] - before[0]
    return round((after[1] - before[1]) / wall * 100, 1) if wall > 0 else float("nan")


def cpu_percent(before: Usage, after: Usage, *, main_thread: bool = False) -> float:
    """CPU used between two readings, in % of one core (only the event-loop threads if asked)."""
    wall = after.at - before.at
    if wall <= 0:
        return float("nan")
    if main_thread:
        return (after.main_thread_cpu_s - before.main_thread_cpu_s) / wall * 100
    return (after.cpu_s - before.cpu_s) / wall * 100


def echo_server(workdir: Path) -> Server:
    """The baseline with the uvicorn settings ``otklik run`` uses (src/otklik/cli.py): no
    ping frames (the protocol has heartbeats), no permessage-deflate. The harness warns when
    the two negotiate different socket extensions."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.echo_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--ws-ping-interval",
        "0",
        "--ws-per-message-deflate",
        "false",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO_DIR)}
    return Server("echo", argv, env, port, workdir / "echo.log")


WIDGET_LIMITS = (
    "SESSIONS_PER_MINUTE_PER_IP",
    "SESSIONS_PER_MINUTE",
    "MESSAGES_PER_MINUTE",
    "MESSAGES_PER_MINUTE_PER_IP",
    "UPLOADS_PER_HOUR",
    "UPLOADS_PER_HOUR_PER_IP",
)


@dataclass
class OtklikEnv:
    """A fresh data directory and database for one ``otklik`` under test."""

    database: Database
    data_dir: Path
    url: str

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "OTKLIK_DATABASE_URL": self.url,
            "OTKLIK_DATA_DIR": str(self.data_dir),
            "OTKLIK_SQLITE_SYNCHRONOUS": "FULL",
            "COLUMNS": "200",
            # Thousands of visitors from one address, as fast as they can: limits far above
            # the load, so that checking them is measured but never refuses.
            **{f"OTKLIK_WIDGET_{name}": "1000000000" for name in WIDGET_LIMITS},
        }
        env["BENCH_CWD"] = str(self.data_dir)
        return env

    def cli(self, *args: str, timeout: float = 3600.0) -> str:
        """Run ``otklik ARGS`` against this environment; returns its output."""
        done = subprocess.run(
            [otklik_exe(), *args],
            env=self.env(),
            cwd=self.data_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"otklik {' '.join(args)} failed ({done.returncode}):\n"
                + "\n".join((done.stdout + done.stderr).splitlines()[-25:])
            )
        return done.stdout + done.stderr

    def server(self, workers: int = 1) -> Server:
        port = free_port()
        argv = [otklik_exe(), "run", "--host", "127.0.0.1", "--port", str(port)]
        if workers != 1:
            argv += ["--workers", str(workers)]
        return Server(
            f"otklik[{self.database}]", argv, self.env(), port, self.data_dir / "server.log"
        )


def fresh_otklik(database: Database, workdir: Path) -> OtklikEnv:
    """A new empty data dir (and, for PostgreSQL, a new empty ``otklik_bench`` database)."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"otklik-{database}-", dir=workdir))
    if database == "sqlite":
        url = f"sqlite+aiosqlite:///{data_dir / 'otklik.db'}"
    else:
        recreate_pg_database()
        url = pg_url()
    return OtklikEnv(database, data_dir, url)


def pg_available() -> str | None:
    """None when the PostgreSQL server for the benchmarks answers, else why not."""
    try:
        import psycopg2  # type: ignore[import-untyped]

        psycopg2.connect(PG_ADMIN_DSN, connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"{type(exc).__name__}: {str(exc).strip()}"
    return None


def pg_settings() -> dict[str, str]:
    """The server settings that shape the figures (durability, autovacuum, version)."""
    import psycopg2

    names = ("server_version", "fsync", "synchronous_commit", "autovacuum", "shared_buffers")
    conn = psycopg2.connect(PG_ADMIN_DSN, connect_timeout=3)
    try:
        with conn.cursor() as cur:
            out = {}
            for name in names:
                cur.execute(f"SHOW {name}")
                out[name] = str(cur.fetchone()[0])
            return out
    finally:
        conn.close()


def _bench_database(drivername: str) -> str:
    """The bench database on the server ``BENCH_PG_ADMIN_DSN`` names (a private cluster
    with ``pg_stat_statements``, say), for ``drivername``."""
    url = make_url(PG_ADMIN_DSN).set(drivername=drivername, database=PG_DATABASE)
    return url.render_as_string(hide_password=False)


def pg_url() -> str:
    """:func:`_bench_database` for the app's driver."""
    return _bench_database("postgresql+asyncpg")


def analyze_pg() -> None:
    """``ANALYZE`` the bench database, as autovacuum does on a live one.

    The app's write connections keep their statements prepared. PostgreSQL plans a prepared
    statement for its parameters five times, then keeps one generic plan when that looks no
    dearer, and plans it anew when ``ANALYZE`` changes what it knows about a table. A run
    starts on empty tables that nobody analysed (this machine's server runs with autovacuum
    off; elsewhere its first pass comes within a minute), and a generic plan made for them
    can walk a whole index that has grown since: the lookup of a visitor's conversation took
    0.53 ms a message that way (``bench/RESULTS.md``, 5 Dec, eighth session)."""
    import psycopg2

    conn = psycopg2.connect(_bench_database("postgresql"))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("ANALYZE")
    finally:
        conn.close()


def recreate_pg_database() -> None:
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN_DSN)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {PG_DATABASE}")
    conn.close()


def machine_info() -> dict[str, object]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": sys.version.split()[0],
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


class PgWaits:
    """Samples what the benchmark database's backends wait on (pg_stat_activity), 20 times a
    second, while the block runs: lock contention and commit flushes show up here, not in a
    Python profile of the server."""

    QUERY = (
        "SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, 'running') "
        "FROM pg_stat_activity WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()"
    )

    def __init__(self) -> None:
        import threading
        from collections import Counter

        self.counts: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg2

        conn = psycopg2.connect(PG_ADMIN_DSN)
        conn.autocommit = True
        with conn.cursor() as cur:
            while not self._stop.wait(0.05):
                cur.execute(self.QUERY, (PG_DATABASE,))
                self.samples += 1
                for (what,) in cur.fetchall():
                    self.counts[what] += 1
        conn.close()

    def __enter__(self) -> PgWaits:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def summary(self) -> dict[str, float]:
        """Average number of active backends in each wait state (top 6)."""
        n = max(1, self.samples)
        return {what: round(c / n, 2) for what, c in self.counts.most_common(6)}
