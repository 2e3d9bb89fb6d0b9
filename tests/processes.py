"""Start ``otklik run`` as a real server process (for multi-process and crash tests)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from otklik.config import Settings
from tests.support import free_socket


def server_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")}
    env["OTKLIK_DATA_DIR"] = str(settings.data_dir)
    env["OTKLIK_SECRET_KEY"] = settings.resolved_secret_key()
    if settings.database_url:
        env["OTKLIK_DATABASE_URL"] = settings.database_url
    if hashing := os.environ.get("OTKLIK_PASSWORD_HASHING"):
        env["OTKLIK_PASSWORD_HASHING"] = hashing  # tests/conftest.py: argon2 at its cheapest
    if settings.webhook_allow_hosts:
        env["OTKLIK_WEBHOOK_ALLOW_HOSTS"] = ",".join(settings.webhook_allow_hosts)
    env["OTKLIK_PRESENCE_GRACE_SECONDS"] = str(settings.presence_grace_seconds)
    env["OTKLIK_PRESENCE_AWAY_MINUTES"] = str(settings.presence_away_minutes)
    if not settings.run_jobs_in_app:
        env["OTKLIK_RUN_JOBS_IN_APP"] = "false"
    # Every test visitor comes from 127.0.0.1: a test that makes many sets these to 0.
    env["OTKLIK_WIDGET_SESSIONS_PER_MINUTE_PER_IP"] = str(
        settings.widget_sessions_per_minute_per_ip
    )
    env["OTKLIK_WIDGET_MESSAGES_PER_MINUTE_PER_IP"] = str(
        settings.widget_messages_per_minute_per_ip
    )
    return env


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def _spawn(settings: Settings, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "otklik.cli", "run", "--port", str(port), "--no-migrate"],
            env=server_env(settings),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


class PortTaken(RuntimeError):
    """Another process took the port between its choice and the server's bind."""


async def start_server(
    settings: Settings, log_dir: Path, name: str, *, port: int | None = None
) -> ServerProcess:
    """``otklik run`` on ``port`` (else a free one), once it serves.

    A free port is chosen by binding to port 0 and letting it go, and the server binds it
    seconds later, once imported: meanwhile another test process on the machine (the suites
    run in several) may take it, and a health check would then reach that other server. So
    the check also asks that the port's listener is this process, and a server that found
    its port taken is started again on another one."""
    log_path = log_dir / f"{name}.log"
    for attempt in range(3):
        chosen = port
        if chosen is None:
            sock = free_socket()
            chosen = sock.getsockname()[1]
            sock.close()
        server = ServerProcess(_spawn(settings, chosen, log_path), chosen, log_path)
        try:
            await _until_serving(server)
        except PortTaken:
            if port is not None or attempt == 2:
                raise
            continue
        return server
    raise AssertionError("unreachable")


def _listens(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds the listening socket of ``port``."""
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections)


async def _until_serving(server: ServerProcess) -> None:
    process, log_path = server.process, server.log_path
    # A generous deadline: on a busy machine the imports alone can take several seconds.
    deadline = asyncio.get_running_loop().time() + 90
    async with httpx.AsyncClient() as client:
        while asyncio.get_running_loop().time() < deadline:
            if process.poll() is not None:
                log = log_path.read_text()
                if "address already in use" in log.lower():
                    raise PortTaken(log)
                raise RuntimeError(f"server exited: {log}")
            try:
                if _listens(process.pid, server.port) and (
                    (await client.get(f"{server.url}/healthz")).status_code == 200
                ):
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    server.stop()
    raise RuntimeError(f"server did not start: {log_path.read_text()}")
