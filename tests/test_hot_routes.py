"""The visitor's send served past the router (``core/hot.py``) answers as the routed endpoint.

A request to ``POST /api/v1/widget/messages`` with ``Content-Type: application/json`` is taken
by the hot route; the same request typed ``application/vnd.test+json`` (JSON too, for FastAPI)
goes the long way, through FastAPI's router, to the same endpoint.
Every answer a client can get — a message, a repeat, each kind of bad input — must be the same
both ways, headers included, and nothing may be written by a refused request.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support import Visitor, Workspace, new_id

SEND = "/api/v1/widget/messages"


async def _both_ways(
    ws: Workspace, body: bytes, headers: dict[str, str]
) -> tuple[httpx.Response, httpx.Response]:
    hot = await ws.api.post(
        SEND, content=body, headers={**headers, "content-type": "application/json"}
    )
    routed = await ws.api.post(
        SEND, content=body, headers={**headers, "content-type": "application/vnd.test+json"}
    )
    return hot, routed


def _shape(response: httpx.Response) -> tuple[int, Any, dict[str, str]]:
    kept = ("content-type", "content-security-policy", "x-content-type-options", "retry-after")
    headers = {name: response.headers[name] for name in kept if name in response.headers}
    return response.status_code, response.json(), headers


async def _messages(visitor: Visitor) -> list[str]:
    response = await visitor.ws.api.get(SEND, headers=visitor.headers)
    assert response.status_code == 200, response.text
    return [item["text"] for item in response.json()["items"]]


async def test_bad_input_gets_the_same_answer_both_ways_and_writes_nothing(
    workspace: Workspace,
) -> None:
    visitor = await workspace.visitor("Hot")
    await visitor.say("first")
    before = await _messages(visitor)
    cases: list[tuple[bytes, dict[str, str]]] = [
        (b"{not json", visitor.headers),
        (json.dumps({"client_msg_id": new_id()}).encode(), visitor.headers),  # no text
        (json.dumps({"client_msg_id": new_id(), "text": ""}).encode(), visitor.headers),
        (json.dumps({"client_msg_id": new_id(), "text": "x" * 20_000}).encode(), visitor.headers),
        (
            json.dumps({"client_msg_id": new_id(), "text": "hi", "extra": 1}).encode(),
            visitor.headers,
        ),
        (json.dumps({"client_msg_id": new_id(), "text": "hi"}).encode(), {}),  # no token
        (
            json.dumps({"client_msg_id": new_id(), "text": "hi"}).encode(),
            {"authorization": "Bearer forged"},
        ),
    ]
    for body, headers in cases:
        hot, routed = await _both_ways(workspace, body, headers)
        assert 400 <= hot.status_code < 500, (body, hot.text)
        assert _shape(hot) == _shape(routed), body
        assert set(hot.json()) == {"error"}
    assert await _messages(visitor) == before


async def test_a_message_and_its_repeat_are_answered_alike_both_ways(
    workspace: Workspace,
) -> None:
    visitor = await workspace.visitor("Hot")
    await visitor.say("opens the conversation")
    client_id = new_id()
    body = json.dumps({"client_msg_id": client_id, "text": "where is my order?"}).encode()
    hot, routed = await _both_ways(workspace, body, visitor.headers)
    # The first send creates it (201), the second is a repeat of it (200), same message.
    assert (hot.status_code, routed.status_code) == (201, 200)
    assert hot.json() == routed.json()
    assert hot.json()["client_msg_id"] == client_id
    assert "content-security-policy" in hot.headers
    assert (await _messages(visitor)).count("where is my order?") == 1


async def test_the_api_channel_sends_answer_alike_both_ways(workspace: Workspace) -> None:
    inbox = await workspace.api.post(
        "/api/v1/inboxes",
        headers=workspace.auth(),
        json={"name": "Bridge", "channel": "api", "config": {}},
    )
    assert inbox.status_code == 201, inbox.text
    key = await workspace.api.get(
        f"/api/v1/channels/api/inboxes/{inbox.json()['id']}/key", headers=workspace.auth()
    )
    keyed = {"X-Otklik-Inbox-Key": key.json()["api_key"]}
    path = "/api/v1/channels/api/conversations"

    async def both(body: bytes, headers: dict[str, str]) -> tuple[httpx.Response, httpx.Response]:
        hot = await workspace.api.post(
            path, content=body, headers={**headers, "content-type": "application/json"}
        )
        routed = await workspace.api.post(
            path, content=body, headers={**headers, "content-type": "application/vnd.test+json"}
        )
        return hot, routed

    good = {"external_id": "e1", "sender_id": "79990001122", "text": "Здравствуйте"}
    refused: list[tuple[bytes, dict[str, str]]] = [
        (b"{not json", keyed),
        (json.dumps({"external_id": "e2", "sender_id": "1"}).encode(), keyed),  # no text
        (json.dumps(good).encode(), {}),  # no key
        (json.dumps(good).encode(), {"X-Otklik-Inbox-Key": "otk_wrong"}),
        (json.dumps(good).encode(), {"X-Otklik-Inbox-Key": "k" * 201}),  # over the limit
    ]
    for body, headers in refused:
        hot, routed = await both(body, headers)
        assert 400 <= hot.status_code < 500, (body, hot.text)
        assert _shape(hot) == _shape(routed), body
    # A new conversation (201), then the same send again: a repeat of it (200), alike.
    hot, routed = await both(json.dumps(good).encode(), keyed)
    assert (hot.status_code, routed.status_code) == (201, 200)
    assert hot.json() == {**routed.json(), "created": True}
    listed = await workspace.api.get("/api/v1/conversations", headers=workspace.auth())
    assert [c["id"] for c in listed.json()["items"]].count(hot.json()["conversation_id"]) == 1


def _headers(response: httpx.Response) -> dict[str, str]:
    varying = {"date", "content-length", "server"}
    return {name: value for name, value in response.headers.items() if name not in varying}


async def test_the_door_gives_hot_answers_every_layer_of_the_app(workspace: Workspace) -> None:
    """The hot route is taken at the app's door (``core/front.py``), past FastAPI's entry:
    its answers still pass every middleware of the app's stack — the security headers in
    full, HSTS behind a trusted HTTPS proxy, the body limit — exactly as the routed ones."""
    visitor = await workspace.visitor("Door")
    await visitor.say("opens the conversation")
    for forwarded in ({}, {"X-Forwarded-Proto": "https"}):
        body = json.dumps({"client_msg_id": new_id(), "text": "hello"}).encode()
        hot, routed = await _both_ways(workspace, body, {**visitor.headers, **forwarded})
        assert (hot.status_code, routed.status_code) == (201, 200)
        assert _headers(hot) == _headers(routed)
        assert hot.headers["x-frame-options"] == "DENY"
        assert hot.headers["cache-control"] == "no-store"
        assert ("strict-transport-security" in hot.headers) == bool(forwarded)
    too_large = json.dumps({"client_msg_id": new_id(), "text": "x" * 2_000_000}).encode()
    hot, routed = await _both_ways(workspace, too_large, visitor.headers)
    assert hot.status_code == routed.status_code == 413
    assert _shape(hot) == _shape(routed)
