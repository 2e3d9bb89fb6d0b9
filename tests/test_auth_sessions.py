"""Sessions that end: password changes, the sessions list, sign-out everywhere, idle and
absolute expiry, Secure cookies behind HTTPS; the password policy; the audit of it all."""

from __future__ import annotations

import httpx

from tests.auth_support import Browser, frozen
from tests.support import ADMIN_EMAIL, ADMIN_PASSWORD, HTTP_TIMEOUT, LiveServer, Workspace

AGENT_PASSWORD = "agent-password"


async def _me(workspace: Workspace, token: str) -> int:
    return (await workspace.api.get("/api/v1/auth/me", headers=workspace.auth(token))).status_code


async def _sign_in(workspace: Workspace, email: str, password: str = AGENT_PASSWORD) -> str:
    login = await workspace.api.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    workspace.api.cookies.clear()
    assert login.status_code == 200, login.text
    return str(login.json()["token"])


async def test_changing_my_password_needs_the_old_one_and_ends_my_other_sessions(
    workspace: Workspace,
) -> None:
    _, laptop = await workspace.agent("ann@example.com")
    phone = await _sign_in(workspace, "ann@example.com")
    url = "/api/v1/auth/password"
    wrong = await workspace.api.post(
        url,
        headers=workspace.auth(laptop),
        json={"current_password": "not-mine", "new_password": "a-much-better-secret"},
    )
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "invalid_credentials"
    weak = await workspace.api.post(
        url,
        headers=workspace.auth(laptop),
        json={"current_password": AGENT_PASSWORD, "new_password": "password1234"},
    )
    assert weak.status_code == 422 and weak.json()["error"]["code"] == "weak_password"
    assert await _me(workspace, phone) == 200  # nothing changed yet
    changed = await workspace.api.post(
        url,
        headers=workspace.auth(laptop),
        json={"current_password": AGENT_PASSWORD, "new_password": "a-much-better-secret"},
    )
    assert changed.status_code == 204, changed.text
    assert await _me(workspace, laptop) == 200  # the session that changed it stays
    assert await _me(workspace, phone) == 401  # every other one ended
    old = await workspace.api.post(
        "/api/v1/auth/login", json={"email": "ann@example.com", "password": AGENT_PASSWORD}
    )
    assert old.status_code == 401
    await _sign_in(workspace, "ann@example.com", "a-much-better-secret")


async def test_an_admin_setting_a_password_ends_every_session_of_the_agent(
    workspace: Workspace,
) -> None:
    agent_id, first = await workspace.agent("bob@example.com")
    second = await _sign_in(workspace, "bob@example.com")
    weak = await workspace.api.patch(
        f"/api/v1/agents/{agent_id}", headers=workspace.auth(), json={"password": "qwertyuiop12"}
    )
    assert weak.status_code == 422 and weak.json()["error"]["code"] == "weak_password"
    reset = await workspace.api.patch(
        f"/api/v1/agents/{agent_id}",
        headers=workspace.auth(),
        json={"password": "handed-over-on-paper"},
    )
    assert reset.status_code == 200, reset.text
    assert await _me(workspace, first) == 401 and await _me(workspace, second) == 401
    assert await _me(workspace, workspace.token) == 200
    # An admin setting their own password here keeps the session they use, ends the rest.
    other_admin_session = await _sign_in(workspace, ADMIN_EMAIL, ADMIN_PASSWORD)
    own = await workspace.api.patch(
        f"/api/v1/agents/{workspace.admin_id}",
        headers=workspace.auth(),
        json={"password": "the-admins-new-secret"},
    )
    assert own.status_code == 200
    assert await _me(workspace, workspace.token) == 200
    assert await _me(workspace, other_admin_session) == 401


async def test_my_sessions_list_revoke_and_sign_out_everywhere_else(
    workspace: Workspace,
) -> None:
    await workspace.agent("cat@example.com")
    laptop, phone, tablet = (
        Browser(workspace.server.url, user_agent=ua) for ua in ("Laptop/1", "Phone/2", "Tablet/3")
    )
    for browser in (laptop, phone, tablet):
        assert (await browser.login("cat@example.com", AGENT_PASSWORD)).status_code == 200
    listed = await laptop.request("GET", "/api/v1/auth/sessions")
    assert listed.status_code == 200
    items = listed.json()["items"]
    by_agent = {s["user_agent"]: s for s in items}
    assert {"Laptop/1", "Phone/2", "Tablet/3"} <= set(by_agent)
    assert by_agent["Laptop/1"]["current"] is True and by_agent["Phone/2"]["current"] is False
    assert by_agent["Phone/2"]["ip"] == "127.0.0.1" and by_agent["Phone/2"]["last_seen_at"]

    revoked = await laptop.request("DELETE", f"/api/v1/auth/sessions/{by_agent['Phone/2']['id']}")
    assert revoked.status_code == 204
    assert (await phone.request("GET", "/api/v1/auth/me")).status_code == 401
    # Someone else's session is not yours to see or end.
    admin_sessions = await workspace.api.get("/api/v1/auth/sessions", headers=workspace.auth())
    admin_session_id = admin_sessions.json()["items"][0]["id"]
    foreign = await laptop.request("DELETE", f"/api/v1/auth/sessions/{admin_session_id}")
    assert foreign.status_code == 404
    huge = await laptop.request("DELETE", f"/api/v1/auth/sessions/{2**64}")
    assert huge.status_code == 422

    everywhere = await laptop.request("POST", "/api/v1/auth/sessions/revoke-others")
    assert everywhere.status_code == 200
    assert [s["user_agent"] for s in everywhere.json()["items"]] == ["Laptop/1"]
    assert (await tablet.request("GET", "/api/v1/auth/me")).status_code == 401
    assert (await laptop.request("GET", "/api/v1/auth/me")).status_code == 200
    for browser in (laptop, phone, tablet):
        await browser.close()


async def test_an_admin_signs_an_agent_out_everywhere(workspace: Workspace) -> None:
    agent_id, token = await workspace.agent("dan@example.com")
    out = await workspace.api.post(f"/api/v1/agents/{agent_id}/sign-out", headers=workspace.auth())
    assert out.status_code == 204
    assert await _me(workspace, token) == 401
    refused = await workspace.api.post(
        f"/api/v1/agents/{workspace.admin_id}/sign-out", headers=workspace.auth(token)
    )
    assert refused.status_code == 401


async def test_idle_sessions_and_old_ones_end(workspace: Workspace) -> None:
    await workspace.agent("eve@example.com")
    with frozen() as clock:
        idle = await _sign_in(workspace, "eve@example.com")
        busy = await _sign_in(workspace, "eve@example.com")
        for _ in range(3):  # 33 hours of work, never 12 idle hours in a row
            clock.advance(hours=11)
            assert await _me(workspace, busy) == 200
        assert await _me(workspace, idle) == 401  # 12 hours without a request
        workspace.server.settings.session_idle_hours = 24 * 60
        clock.advance(days=30)
        assert await _me(workspace, busy) == 401  # past the absolute lifetime


async def test_cookies_are_secure_over_https_from_a_trusted_proxy(workspace: Workspace) -> None:
    body = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}

    def secure_flags(response: httpx.Response) -> set[bool]:
        return {"Secure" in c for c in response.headers.get_list("set-cookie")}

    async with httpx.AsyncClient(base_url=workspace.server.url, timeout=HTTP_TIMEOUT) as client:
        plain = await client.post("/api/v1/auth/login", json=body)
        assert secure_flags(plain) == {False}
        proxied = await client.post(
            "/api/v1/auth/login", json=body, headers={"X-Forwarded-Proto": "https"}
        )
        assert proxied.status_code == 200 and secure_flags(proxied) == {True}
    # A peer that is not a configured proxy cannot claim HTTPS (or another address).
    untrusted = LiveServer(workspace.server.settings.model_copy(update={"trusted_proxies": []}))
    await untrusted.start()
    try:
        async with httpx.AsyncClient(base_url=untrusted.url, timeout=HTTP_TIMEOUT) as client:
            claimed = await client.post(
                "/api/v1/auth/login",
                json=body,
                headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
            )
            assert claimed.status_code == 200 and secure_flags(claimed) == {False}
            sessions = await client.get(
                "/api/v1/auth/sessions",
                headers={"Authorization": f"Bearer {claimed.json()['token']}"},
            )
            assert {s["ip"] for s in sessions.json()["items"]} == {"127.0.0.1"}
    finally:
        await untrusted.stop()
    # Forced on (or off) by the setting, whatever the scheme.
    workspace.server.settings.secure_cookies = True
    async with httpx.AsyncClient(base_url=workspace.server.url, timeout=HTTP_TIMEOUT) as client:
        assert secure_flags(await client.post("/api/v1/auth/login", json=body)) == {True}


async def test_weak_passwords_are_refused_where_agents_are_made(workspace: Workspace) -> None:
    for password, reason in (
        ("12345678", "common"),
        ("password", "common"),
        ("Password123!", "common"),
        ("short-pw9", "at least 12"),
        ("frank@example.com", "guess"),
    ):
        response = await workspace.api.post(
            "/api/v1/agents",
            headers=workspace.auth(),
            json={"email": "frank@example.com", "name": "Frank", "password": password},
        )
        assert response.status_code == 422, password
        error = response.json()["error"]
        assert error["code"] in ("weak_password", "validation_error"), password
        assert reason in error["message"], (password, error)


async def test_every_authentication_event_is_audited(workspace: Workspace) -> None:
    agent_id, token = await workspace.agent("gus@example.com")
    await workspace.api.post(
        "/api/v1/auth/login", json={"email": "gus@example.com", "password": "wrong-one"}
    )
    await workspace.api.post(
        "/api/v1/auth/login", json={"email": "ghost@example.com", "password": "wrong-one"}
    )
    await _sign_in(workspace, "gus@example.com")
    sessions = await workspace.api.get("/api/v1/auth/sessions", headers=workspace.auth(token))
    other_id = next(s["id"] for s in sessions.json()["items"] if not s["current"])
    await workspace.api.delete(f"/api/v1/auth/sessions/{other_id}", headers=workspace.auth(token))
    await workspace.api.post(
        "/api/v1/auth/password",
        headers=workspace.auth(token),
        json={"current_password": AGENT_PASSWORD, "new_password": "gus-has-a-new-secret"},
    )
    await workspace.api.post("/api/v1/auth/logout", headers=workspace.auth(token))
    log = await workspace.api.get("/api/v1/audit", headers=workspace.auth(), params={"limit": 200})
    entries = [e for e in log.json()["items"] if e["target_id"] == agent_id or not e["actor_id"]]
    actions = [e["action"] for e in reversed(entries)]
    for expected in (
        "auth.login_failed",
        "auth.login",
        "auth.session_revoked",
        "auth.password_changed",
        "auth.logout",
    ):
        assert expected in actions, (expected, actions)
    failed = [e for e in entries if e["action"] == "auth.login_failed"]
    assert {e["data"]["email"] for e in failed} == {"gus@example.com", "ghost@example.com"}
    assert all(e["ip"] == "127.0.0.1" for e in failed)
    revoked = next(e for e in entries if e["action"] == "auth.session_revoked")
    assert revoked["data"] == {"session_id": other_id}
