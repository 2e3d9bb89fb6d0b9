"""API tokens for integrations: made by admins, scoped, expiring, revocable, shown once."""

from __future__ import annotations

from typing import Any

from tests.auth_support import frozen
from tests.support import Socket, Workspace


async def make_token(workspace: Workspace, **body: Any) -> dict[str, Any]:
    response = await workspace.api.post(
        "/api/v1/api-tokens", headers=workspace.auth(), json={"name": "CRM bridge", **body}
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_token_is_shown_once_and_acts_within_its_scope(workspace: Workspace) -> None:
    read = await make_token(workspace, scope="read")
    assert read["token"].startswith("otk_") and read["token"].startswith(read["prefix"])
    listed = await workspace.api.get("/api/v1/api-tokens", headers=workspace.auth())
    assert listed.status_code == 200
    assert "token" not in listed.json()["items"][0]
    assert listed.json()["items"][0]["last_used_at"] is None

    as_reader = workspace.auth(read["token"])
    assert (await workspace.api.get("/api/v1/conversations", headers=as_reader)).status_code == 200
    refused = await workspace.api.post(
        "/api/v1/inboxes", headers=as_reader, json={"name": "X", "channel": "widget"}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "token_scope"
    listed = await workspace.api.get("/api/v1/api-tokens", headers=workspace.auth())
    assert listed.json()["items"][0]["last_used_at"] is not None

    write = await make_token(workspace, scope="write")
    visitor = await workspace.visitor()
    said = await visitor.say("Where is my order?")
    reply = await workspace.api.post(
        f"/api/v1/conversations/{said['conversation_id']}/messages",
        headers=workspace.auth(write["token"]),
        json={"client_msg_id": "token-reply-1", "text": "On its way."},
    )
    assert reply.status_code == 201, reply.text
    settings_change = await workspace.api.post(
        "/api/v1/inboxes",
        headers=workspace.auth(write["token"]),
        json={"name": "X", "channel": "widget"},
    )
    assert settings_change.status_code == 403

    admin = await make_token(workspace, scope="admin", expires_in_days=None)
    created = await workspace.api.post(
        "/api/v1/inboxes",
        headers=workspace.auth(admin["token"]),
        json={"name": "Made by a token", "channel": "widget"},
    )
    assert created.status_code == 201 and admin["expires_at"] is None


async def test_tokens_may_not_manage_sign_ins_or_open_sockets(workspace: Workspace) -> None:
    token = (await make_token(workspace, scope="admin"))["token"]
    for method, path, body in (
        ("POST", "/api/v1/api-tokens", {"name": "Another"}),
        ("GET", "/api/v1/auth/sessions", None),
        ("POST", "/api/v1/auth/password", {"current_password": "x", "new_password": "y" * 12}),
        ("POST", "/api/v1/auth/2fa/setup", None),
    ):
        response = await workspace.api.request(
            method, path, headers=workspace.auth(token), json=body
        )
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "session_required"
    sock = await Socket.open(f"{workspace.server.ws_url}/api/v1/ws", token=token)
    assert (await sock.next())["code"] == "unauthorized"
    # A token in the session cookie is not a sign-in either.
    workspace.api.cookies.set("otklik_session", token)
    try:
        assert (await workspace.api.get("/api/v1/auth/me")).status_code == 401
    finally:
        workspace.api.cookies.clear()


async def test_only_admins_make_tokens(workspace: Workspace) -> None:
    _, agent_token = await workspace.agent("pam@example.com")
    refused = await workspace.api.post(
        "/api/v1/api-tokens", headers=workspace.auth(agent_token), json={"name": "Mine"}
    )
    assert refused.status_code == 403
    bad_scope = await workspace.api.post(
        "/api/v1/api-tokens", headers=workspace.auth(), json={"name": "X", "scope": "root"}
    )
    assert bad_scope.status_code == 422


async def test_revoked_and_expired_tokens_stop_working(workspace: Workspace) -> None:
    revoked = await make_token(workspace)
    gone = await workspace.api.delete(
        f"/api/v1/api-tokens/{revoked['id']}", headers=workspace.auth()
    )
    assert gone.status_code == 200 and gone.json()["revoked_at"] is not None
    answer = await workspace.api.get(
        "/api/v1/conversations", headers=workspace.auth(revoked["token"])
    )
    assert answer.status_code == 401
    assert (
        await workspace.api.delete(f"/api/v1/api-tokens/{2**63}", headers=workspace.auth())
    ).status_code == 422
    assert (
        await workspace.api.delete("/api/v1/api-tokens/999999", headers=workspace.auth())
    ).status_code == 404

    expiring = await make_token(workspace, expires_in_days=7)
    with frozen() as clock:
        ok = await workspace.api.get(
            "/api/v1/conversations", headers=workspace.auth(expiring["token"])
        )
        assert ok.status_code == 200
        clock.advance(days=7, seconds=1)
        late = await workspace.api.get(
            "/api/v1/conversations", headers=workspace.auth(expiring["token"])
        )
        assert late.status_code == 401
    log = await workspace.api.get("/api/v1/audit", headers=workspace.auth())
    actions = [e["action"] for e in log.json()["items"]]
    assert "auth.token_created" in actions and "auth.token_revoked" in actions
