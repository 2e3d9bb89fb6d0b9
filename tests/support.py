"""Helpers shared by the tests: a real server in the test's event loop, clients for it."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
import websockets
from fastapi import FastAPI

from otklik.app import create_app
from otklik.config import Settings

#: Seconds a test's HTTP call may take before it fails: generous, because a test must pass on
#: a machine busy with other suites (a login's password hash took over 10 s at load 8 there).
#: Tests wait for a state, never for a short fixed time.
HTTP_TIMEOUT = 60.0
#: Seconds a test waits for a state it expects (a frame, a mail, a request): it only ends a
#: test that already failed, so it is as generous as the HTTP timeout.
WAIT = 60.0

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct-horse-battery"


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class LiveServer:
    """Otklik served by uvicorn on a random port, in the test's own event loop."""

    settings: Settings
    app: FastAPI = field(init=False)
    port: int = 0
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.app = create_app(self.settings)
        sock = free_socket()
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            ws="websockets-sansio",
            lifespan="on",
            ws_ping_interval=None,
            proxy_headers=False,  # as `otklik run`: the app trusts OTKLIK_TRUSTED_PROXIES
            # A socket a test left open must not hold the teardown (and the suite) forever.
            timeout_graceful_shutdown=10,
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task

    def connections(self) -> list[Any]:
        """The server's open connections (uvicorn protocol objects)."""
        assert self._server is not None
        return list(self._server.server_state.connections)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


class Socket:
    """A protocol client: collects frames and waits for the ones a test expects."""

    def __init__(self, conn: websockets.ClientConnection) -> None:
        self.conn = conn
        self.frames: list[dict[str, Any]] = []

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        token: str | None = None,
        last_event_id: int | None = None,
        hello: bool = True,
    ) -> Socket:
        """Connect and say ``hello`` (with ``token``: credentials go in the first frame)."""
        conn = await websockets.connect(url, max_size=2**22)
        sock = cls(conn)
        if hello:
            frame: dict[str, Any] = {"type": "hello", "last_event_id": last_event_id}
            if token is not None:
                frame["token"] = token
            await sock.send(frame)
        return sock

    async def send(self, frame: dict[str, Any]) -> None:
        await self.conn.send(json.dumps(frame))

    async def next(self, within: float = WAIT) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.conn.recv(), within))
        self.frames.append(frame)
        return frame

    async def until(
        self, predicate: Callable[[dict[str, Any]], bool], within: float = WAIT
    ) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + within
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no matching frame; got {[f.get('type') for f in self.frames]}")
            frame = await self.next(remaining)
            if predicate(frame):
                return frame

    async def ready(self) -> int:
        frame = await self.until(lambda f: f.get("type") in ("ready", "resync"))
        assert frame["type"] == "ready", frame
        return int(frame["last_event_id"])

    async def quiet(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        """Frames that arrive within ``seconds`` (expecting none, usually)."""
        got = []
        try:
            while True:
                got.append(await self.next(seconds))
        except TimeoutError:
            return got

    def events(self) -> list[dict[str, Any]]:
        return [f for f in self.frames if "id" in f]

    async def close(self) -> None:
        await self.conn.close()


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Workspace:
    """An admin signed in, a widget inbox, and clients for the API."""

    server: LiveServer
    api: httpx.AsyncClient
    token: str
    admin_id: int
    inbox_key: str
    inbox_id: int

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    async def visitor(self, name: str | None = "Visitor", inbox_key: str | None = None) -> Visitor:
        response = await self.api.post(
            "/api/v1/widget/sessions", json={"inbox_key": inbox_key or self.inbox_key, "name": name}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return Visitor(self, body["visitor_token"], body["contact_id"])

    async def agent_socket(
        self, last_event_id: int | None = None, token: str | None = None
    ) -> Socket:
        return await Socket.open(
            f"{self.server.ws_url}/api/v1/ws",
            token=token or self.token,
            last_event_id=last_event_id,
        )

    async def agent(self, email: str, role: str = "agent", name: str = "Agent") -> tuple[int, str]:
        response = await self.api.post(
            "/api/v1/agents",
            headers=self.auth(),
            json={"email": email, "name": name, "password": "agent-password", "role": role},
        )
        assert response.status_code == 201, response.text
        login = await self.api.post(
            "/api/v1/auth/login", json={"email": email, "password": "agent-password"}
        )
        self.api.cookies.clear()
        return int(response.json()["id"]), str(login.json()["token"])

    async def reply(
        self,
        conversation_id: int,
        text: str,
        *,
        private: bool = False,
        attachment_ids: list[int] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"client_msg_id": new_id(), "text": text, "private": private}
        if attachment_ids:
            body["attachment_ids"] = attachment_ids
        response = await self.api.post(
            f"/api/v1/conversations/{conversation_id}/messages", headers=self.auth(), json=body
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


@dataclass
class Visitor:
    ws: Workspace
    token: str
    contact_id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def say(self, text: str, client_msg_id: str | None = None) -> dict[str, Any]:
        response = await self.ws.api.post(
            "/api/v1/widget/messages",
            headers=self.headers,
            json={"client_msg_id": client_msg_id or new_id(), "text": text},
        )
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    async def socket(self, last_event_id: int | None = None) -> Socket:
        return await Socket.open(
            f"{self.ws.server.ws_url}/api/v1/widget/ws",
            token=self.token,
            last_event_id=last_event_id,
        )

    async def messages(self) -> list[dict[str, Any]]:
        response = await self.ws.api.get("/api/v1/widget/messages", headers=self.headers)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items
