"""A website visitor for browser tests: the widget API over HTTP, and its socket."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.e2e.conftest import E2EServer
from tests.support import HTTP_TIMEOUT


class Visitor:
    """A website visitor over the widget API."""

    def __init__(
        self, server: E2EServer, name: str | None = None, email: str | None = None
    ) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=HTTP_TIMEOUT)
        body: dict[str, Any] = {"inbox_key": server.inbox_key}
        if name is not None:
            body["name"] = name
        if email is not None:
            body["email"] = email
        response = self.http.post("/api/v1/widget/sessions", json=body)
        assert response.status_code in (200, 201), response.text
        self.token: str = response.json()["visitor_token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"
        self.conversation_id: int | None = None

    def close(self) -> None:
        self.http.close()

    def say(self, text: str) -> dict[str, Any]:
        response = self.http.post(
            "/api/v1/widget/messages", json={"client_msg_id": uuid.uuid4().hex, "text": text}
        )
        assert response.status_code in (200, 201), response.text
        message: dict[str, Any] = response.json()
        self.conversation_id = message["conversation_id"]
        return message

    def texts(self) -> list[str]:
        response = self.http.get("/api/v1/widget/messages")
        assert response.status_code == 200, response.text
        return [m["text"] for m in response.json()["items"]]

    @contextmanager
    def socket(self) -> Iterator[ClientConnection]:
        ws_url = self.server.url.replace("http://", "ws://")
        with connect(f"{ws_url}/api/v1/widget/ws") as conn:
            conn.send(json.dumps({"type": "hello", "last_event_id": None, "token": self.token}))
            while json.loads(conn.recv(5)).get("type") != "ready":
                pass
            yield conn


def new_visitor(
    server: E2EServer, made: list[Visitor], name: str | None = None, email: str | None = None
) -> Visitor:
    """A visitor closed when the test ends (``made`` is the ``visitors`` fixture)."""
    v = Visitor(server, name, email)
    made.append(v)
    return v
