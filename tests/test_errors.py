"""Every documented 4xx: clear code and message, never a 500 or a stack trace."""

from __future__ import annotations

import pytest

from tests.support import Workspace


def error_code(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert "Traceback" not in body["error"]["message"]
    code: str = body["error"]["code"]
    return code


async def test_unknown_ids_are_404(workspace: Workspace) -> None:
    for path in (
        "/api/v1/conversations/999999",
        "/api/v1/conversations/999999/messages",
        "/api/v1/contacts/999999",
        "/api/v1/nothing-here",
    ):
        response = await workspace.api.get(path, headers=workspace.auth())
        assert response.status_code == 404, path
        assert error_code(response) == "not_found"
    posted = await workspace.api.post(
        "/api/v1/conversations/999999/messages",
        headers=workspace.auth(),
        json={"client_msg_id": "x", "text": "hi"},
    )
    assert posted.status_code == 404 and error_code(posted) == "not_found"


async def test_unknown_inbox_key_is_404(workspace: Workspace) -> None:
    response = await workspace.api.post("/api/v1/widget/sessions", json={"inbox_key": "nope"})
    assert response.status_code == 404 and error_code(response) == "not_found"
    config = await workspace.api.get("/api/v1/widget/config", params={"inbox_key": "nope"})
    assert config.status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"client_msg_id": "a"}, 422, "validation_error"),
        ({"client_msg_id": "a", "text": 5}, 422, "validation_error"),
        ({"client_msg_id": "a", "text": "   "}, 422, "validation_error"),
        ({"client_msg_id": "", "text": "hi"}, 422, "validation_error"),
        ({"client_msg_id": "a" * 65, "text": "hi"}, 422, "validation_error"),
        ({"client_msg_id": "a", "text": "hi", "extra": 1}, 422, "validation_error"),
        ({"client_msg_id": "a", "text": "x" * 10_001}, 413, "too_large"),
    ],
)
async def test_bad_visitor_messages(
    workspace: Workspace, body: dict[str, object], status: int, code: str
) -> None:
    visitor = await workspace.visitor()
    response = await workspace.api.post(
        "/api/v1/widget/messages", headers=visitor.headers, json=body
    )
    assert response.status_code == status, response.text
    assert error_code(response) == code
    assert await visitor.messages() == []  # nothing half-written


async def test_exactly_the_limit_is_accepted(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    sent = await visitor.say("x" * 10_000)
    assert len(sent["text"]) == 10_000


async def test_malformed_json_is_400(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    response = await workspace.api.post(
        "/api/v1/widget/messages",
        headers={**visitor.headers, "content-type": "application/json"},
        content=b"{not json",
    )
    assert response.status_code == 400 and error_code(response) == "bad_request"


async def test_oversized_body_is_413(workspace: Workspace) -> None:
    response = await workspace.api.post(
        "/api/v1/widget/sessions",
        headers={"content-type": "application/json"},
        content=b'{"inbox_key": "' + b"x" * 2_000_000 + b'"}',
    )
    assert response.status_code == 413 and error_code(response) == "too_large"


async def test_bad_tokens_are_401(workspace: Workspace) -> None:
    for headers in ({}, {"Authorization": "Bearer forged"}, {"Authorization": "Basic abc"}):
        response = await workspace.api.get("/api/v1/conversations", headers=headers)
        assert response.status_code == 401 and error_code(response) == "unauthorized"
    forged = await workspace.api.post(
        "/api/v1/widget/messages",
        headers={"Authorization": "Bearer WzEsIDFd.forged"},
        json={"client_msg_id": "a", "text": "hi"},
    )
    assert forged.status_code == 401 and error_code(forged) == "unauthorized"
    # An operator token is not a visitor token and vice versa.
    as_visitor = await workspace.api.get("/api/v1/widget/messages", headers=workspace.auth())
    assert as_visitor.status_code == 401
    visitor = await workspace.visitor()
    as_agent = await workspace.api.get("/api/v1/conversations", headers=visitor.headers)
    assert as_agent.status_code == 401


async def test_wrong_query_values_are_422(workspace: Workspace) -> None:
    for params in ({"view": "everything"}, {"status": "closed"}, {"limit": "0"}, {"limit": "x"}):
        response = await workspace.api.get(
            "/api/v1/conversations", headers=workspace.auth(), params=params
        )
        assert response.status_code == 422, params
        assert error_code(response) == "validation_error"
    cursor = await workspace.api.get(
        "/api/v1/conversations", headers=workspace.auth(), params={"cursor": "garbage!"}
    )
    assert cursor.status_code == 400 and error_code(cursor) == "bad_request"
    path = await workspace.api.get("/api/v1/conversations/abc", headers=workspace.auth())
    assert path.status_code == 422


async def test_status_rules(workspace: Workspace) -> None:
    conversation_id = (await (await workspace.visitor()).say("hi"))["conversation_id"]
    url = f"/api/v1/conversations/{conversation_id}/status"
    cases = [
        ({"status": "snoozed"}, 422),
        ({"status": "snoozed", "snooze_until": "2000-01-01T00:00:00Z"}, 422),
        ({"status": "snoozed", "snooze_until": "2099-01-01T00:00:00"}, 422),
        ({"status": "open", "snooze_until": "2099-01-01T00:00:00Z"}, 422),
        ({"status": "closed"}, 422),
    ]
    for body, status in cases:
        response = await workspace.api.post(url, headers=workspace.auth(), json=body)
        assert response.status_code == status, (body, response.text)
        assert error_code(response) == "validation_error"
    still = await workspace.api.get(
        f"/api/v1/conversations/{conversation_id}", headers=workspace.auth()
    )
    assert still.json()["status"] == "open"


async def test_assign_to_unknown_agent_or_team_is_422(workspace: Workspace) -> None:
    conversation_id = (await (await workspace.visitor()).say("hi"))["conversation_id"]
    url = f"/api/v1/conversations/{conversation_id}/assign"
    for body in ({"agent_id": 9999}, {"team_id": 9999}, {}):
        response = await workspace.api.post(url, headers=workspace.auth(), json=body)
        assert response.status_code == 422, body
        assert error_code(response) == "validation_error"


async def test_duplicate_agent_email_is_409(workspace: Workspace) -> None:
    body = {"email": "admin@example.com", "name": "Twin", "password": "password-123"}
    response = await workspace.api.post("/api/v1/agents", headers=workspace.auth(), json=body)
    assert response.status_code == 409 and error_code(response) == "conflict"


async def test_widget_config_is_readable_cross_origin(workspace: Workspace) -> None:
    response = await workspace.api.get(
        "/api/v1/widget/config",
        params={"inbox_key": workspace.inbox_key},
        headers={"Origin": "https://shop.example"},
    )
    assert response.headers["access-control-allow-origin"] == "*"
    # The operator API stays same-origin only.
    private = await workspace.api.get(
        "/api/v1/conversations", headers={**workspace.auth(), "Origin": "https://shop.example"}
    )
    assert "access-control-allow-origin" not in private.headers


async def test_health_and_openapi(workspace: Workspace) -> None:
    health = await workspace.api.get("/healthz")
    assert health.json()["status"] == "ok"
    spec = await workspace.api.get("/api/openapi.json")
    assert "/api/v1/widget/messages" in spec.json()["paths"]
    docs = await workspace.api.get("/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
