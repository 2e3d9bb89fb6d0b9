"""Sign-in, cookies with CSRF, logout and roles (throttling: test_auth_throttle.py)."""

from __future__ import annotations

import httpx

from tests.support import ADMIN_EMAIL, ADMIN_PASSWORD, HTTP_TIMEOUT, Workspace


async def test_cookie_session_needs_csrf_header_for_writes(workspace: Workspace) -> None:
    async with httpx.AsyncClient(base_url=workspace.server.url, timeout=HTTP_TIMEOUT) as browser:
        login = await browser.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        assert login.status_code == 200
        set_cookie = login.headers.get_list("set-cookie")
        session_cookie = next(c for c in set_cookie if c.startswith("otklik_session="))
        assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
        csrf = browser.cookies["otklik_csrf"]
        assert csrf == login.json()["csrf_token"]

        me = await browser.get("/api/v1/auth/me")
        assert me.status_code == 200 and me.json()["email"] == ADMIN_EMAIL

        body = {"name": "Support", "channel": "widget"}
        refused = await browser.post("/api/v1/inboxes", json=body)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "csrf_failed"
        wrong = await browser.post("/api/v1/inboxes", json=body, headers={"X-CSRF-Token": "x"})
        assert wrong.status_code == 403
        accepted = await browser.post("/api/v1/inboxes", json=body, headers={"X-CSRF-Token": csrf})
        assert accepted.status_code == 201

        out = await browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 204
    # The token from that sign-in is dead everywhere.
    after = await workspace.api.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['token']}"}
    )
    assert after.status_code == 401


async def test_unknown_email_looks_like_wrong_password(workspace: Workspace) -> None:
    response = await workspace.api.post(
        "/api/v1/auth/login", json={"email": "ghost@example.com", "password": "whatever"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


async def test_roles_are_enforced_server_side(workspace: Workspace) -> None:
    _, agent_token = await workspace.agent("ops@example.com", role="agent")
    headers = {"Authorization": f"Bearer {agent_token}"}
    for method, path, body in (
        ("POST", "/api/v1/agents", {"email": "x@example.com", "name": "X", "password": "12345678"}),
        ("POST", "/api/v1/inboxes", {"name": "X", "channel": "widget"}),
        ("POST", "/api/v1/teams", {"name": "X"}),
        ("PATCH", f"/api/v1/inboxes/{workspace.inbox_id}", {"name": "Mine now"}),
    ):
        response = await workspace.api.request(method, path, headers=headers, json=body)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"
    # Agents still work conversations and see the lists.
    assert (await workspace.api.get("/api/v1/agents", headers=headers)).status_code == 200
    assert (await workspace.api.get("/api/v1/inboxes", headers=headers)).status_code == 200


async def test_deactivated_agent_is_signed_out(workspace: Workspace) -> None:
    agent_id, agent_token = await workspace.agent("leaver@example.com")
    response = await workspace.api.patch(
        f"/api/v1/agents/{agent_id}", headers=workspace.auth(), json={"active": False}
    )
    assert response.status_code == 200 and response.json()["active"] is False
    me = await workspace.api.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {agent_token}"}
    )
    assert me.status_code == 401
    login = await workspace.api.post(
        "/api/v1/auth/login", json={"email": "leaver@example.com", "password": "agent-password"}
    )
    assert login.status_code == 401


async def test_admin_cannot_demote_themselves(workspace: Workspace) -> None:
    response = await workspace.api.patch(
        f"/api/v1/agents/{workspace.admin_id}", headers=workspace.auth(), json={"role": "agent"}
    )
    assert response.status_code == 422


async def test_teams_and_inbox_settings(workspace: Workspace) -> None:
    agent_id, _ = await workspace.agent("t1@example.com")
    team = await workspace.api.post(
        "/api/v1/teams",
        headers=workspace.auth(),
        json={"name": "2nd line", "agent_ids": [agent_id]},
    )
    assert team.status_code == 201 and team.json()["agent_ids"] == [agent_id]
    agents = (await workspace.api.get("/api/v1/agents", headers=workspace.auth())).json()["items"]
    assert next(a for a in agents if a["id"] == agent_id)["team_ids"] == [team.json()["id"]]
    patched = await workspace.api.patch(
        f"/api/v1/inboxes/{workspace.inbox_id}",
        headers=workspace.auth(),
        json={"settings": {"color": "#ff0000", "prechat": {"name": "required", "email": "off"}}},
    )
    assert patched.status_code == 200
    settings = patched.json()["settings"]
    assert settings["color"] == "#ff0000" and settings["position"] == "right"
    bad = await workspace.api.patch(
        f"/api/v1/inboxes/{workspace.inbox_id}",
        headers=workspace.auth(),
        json={"settings": {"color": "red"}},
    )
    assert bad.status_code == 422
    # The widget now asks for a name before a chat starts.
    config = await workspace.api.get(
        "/api/v1/widget/config", params={"inbox_key": workspace.inbox_key}
    )
    assert config.json()["inbox"]["settings"]["prechat"]["name"] == "required"
    nameless = await workspace.api.post(
        "/api/v1/widget/sessions", json={"inbox_key": workspace.inbox_key}
    )
    assert nameless.status_code == 422


async def test_visitor_token_resumes_the_same_visitor(workspace: Workspace) -> None:
    visitor = await workspace.visitor(name=None)
    first = await visitor.say("hello")
    again = await workspace.api.post(
        "/api/v1/widget/sessions",
        json={"inbox_key": workspace.inbox_key, "visitor_token": visitor.token, "name": "Oleg"},
    )
    assert again.status_code == 200
    assert again.json()["contact_id"] == visitor.contact_id
    assert again.json()["conversation_id"] == first["conversation_id"]
    contact = await workspace.api.get(
        f"/api/v1/contacts/{visitor.contact_id}", headers=workspace.auth()
    )
    assert contact.json()["name"] == "Oleg"
    # A token of another inbox does not resume: it starts a new visitor.
    other = await workspace.api.post(
        "/api/v1/inboxes", headers=workspace.auth(), json={"name": "Other", "channel": "widget"}
    )
    fresh = await workspace.api.post(
        "/api/v1/widget/sessions",
        json={"inbox_key": other.json()["public_key"], "visitor_token": visitor.token},
    )
    assert fresh.json()["contact_id"] != visitor.contact_id


async def test_presence_is_stored_and_broadcast(workspace: Workspace) -> None:
    sock = await workspace.agent_socket()
    await sock.ready()
    response = await workspace.api.put(
        "/api/v1/agents/me/status", headers=workspace.auth(), json={"status": "online"}
    )
    assert response.json()["status"] == "online"
    frame = await sock.until(lambda f: f.get("type") == "presence")
    assert frame == {
        "type": "presence",
        "agent_id": workspace.admin_id,
        "status": "online",
        "reason": None,  # (a break's reason)
    }
    config = await workspace.api.get(
        "/api/v1/widget/config", params={"inbox_key": workspace.inbox_key}
    )
    assert config.json()["agents_online"] is True
    await sock.send({"type": "presence", "status": "away"})
    frame = await sock.until(lambda f: f.get("type") == "presence" and f["status"] == "away")
    me = await workspace.api.get("/api/v1/auth/me", headers=workspace.auth())
    assert me.json()["status"] == "away"
    await sock.close()


async def test_audit_log_records_settings_changes_for_admins_only(workspace: Workspace) -> None:
    agent_id, agent_token = await workspace.agent("audited@example.com")
    await workspace.api.patch(
        f"/api/v1/agents/{agent_id}", headers=workspace.auth(), json={"role": "supervisor"}
    )
    log = await workspace.api.get("/api/v1/audit", headers=workspace.auth())
    assert log.status_code == 200
    actions = [(e["action"], e["target_id"]) for e in log.json()["items"]]
    assert actions[0] == ("agent.updated", agent_id)
    assert ("agent.created", agent_id) in actions
    assert log.json()["items"][0]["data"] == {"role": "supervisor"}
    only = await workspace.api.get(
        "/api/v1/audit", headers=workspace.auth(), params={"action": "inbox.created"}
    )
    assert {e["action"] for e in only.json()["items"]} == {"inbox.created"}
    refused = await workspace.api.get(
        "/api/v1/audit", headers={"Authorization": f"Bearer {agent_token}"}
    )
    assert refused.status_code == 403
