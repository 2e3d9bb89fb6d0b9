"""Two-factor sign-in: enrolment with a QR code and a confirmation code, the second step,
single-use codes, recovery codes, enforcement per role and the admin's reset."""

from __future__ import annotations

from typing import Any

from tests.auth_support import code_now, frozen
from tests.support import ADMIN_EMAIL, ADMIN_PASSWORD, Socket, Workspace

AGENT_PASSWORD = "agent-password"


async def enrol(workspace: Workspace, token: str) -> tuple[str, list[str]]:
    """Turn 2FA on for the token's agent: its secret and recovery codes."""
    setup = await workspace.api.post("/api/v1/auth/2fa/setup", headers=workspace.auth(token))
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    assert setup.json()["otpauth_uri"].startswith("otpauth://totp/Otklik:")
    enabled = await workspace.api.post(
        "/api/v1/auth/2fa/enable", headers=workspace.auth(token), json={"code": code_now(secret)}
    )
    assert enabled.status_code == 200, enabled.text
    return secret, enabled.json()["recovery_codes"]


async def first_step(workspace: Workspace, email: str, password: str) -> dict[str, Any]:
    response = await workspace.api.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    workspace.api.cookies.clear()
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def second_step(workspace: Workspace, challenge: str, code: str) -> Any:
    response = await workspace.api.post(
        "/api/v1/auth/login/2fa", json={"challenge": challenge, "code": code}
    )
    workspace.api.cookies.clear()
    return response


async def test_enrol_then_sign_in_with_a_code_or_a_recovery_code(workspace: Workspace) -> None:
    _, token = await workspace.agent("ivy@example.com")
    setup = await workspace.api.post("/api/v1/auth/2fa/setup", headers=workspace.auth(token))
    secret = setup.json()["secret"]
    qr = await workspace.api.get("/api/v1/auth/2fa/qr.svg", headers=workspace.auth(token))
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in qr.text and "<script" not in qr.text
    wrong = await workspace.api.post(
        "/api/v1/auth/2fa/enable", headers=workspace.auth(token), json={"code": "000000"}
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_code"
    status = await workspace.api.get("/api/v1/auth/2fa", headers=workspace.auth(token))
    assert status.json()["enabled"] is False  # not on until a code is confirmed
    enabled = await workspace.api.post(
        "/api/v1/auth/2fa/enable", headers=workspace.auth(token), json={"code": code_now(secret)}
    )
    codes = enabled.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    status = await workspace.api.get("/api/v1/auth/2fa", headers=workspace.auth(token))
    assert status.json()["enabled"] is True and status.json()["recovery_codes_left"] == 10

    # The password alone no longer signs in: it yields a challenge for the second step.
    step = await first_step(workspace, "ivy@example.com", AGENT_PASSWORD)
    assert step["two_factor_required"] is True and "token" not in step
    bad = await second_step(workspace, step["challenge"], "123456")
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "invalid_code"
    code = code_now(secret, ahead=1)  # the enrolment used this step's code already
    good = await second_step(workspace, step["challenge"], code)
    assert good.status_code == 200, good.text
    assert good.json()["agent"]["two_factor_enabled"] is True
    replay = await second_step(workspace, step["challenge"], code)
    assert replay.status_code == 401  # a code signs in once

    recovery = await second_step(workspace, step["challenge"], codes[0].upper())
    assert recovery.status_code == 200
    again = await second_step(workspace, step["challenge"], codes[0])
    assert again.status_code == 401  # single use
    status = await workspace.api.get("/api/v1/auth/2fa", headers=workspace.auth(token))
    assert status.json()["recovery_codes_left"] == 9

    tampered = await second_step(workspace, step["challenge"] + "x", code_now(secret))
    assert tampered.status_code == 401
    assert tampered.json()["error"]["code"] == "challenge_expired"


async def test_the_challenge_expires_and_dies_with_a_password_change(
    workspace: Workspace,
) -> None:
    agent_id, token = await workspace.agent("jon@example.com")
    secret, _ = await enrol(workspace, token)
    step = await first_step(workspace, "jon@example.com", AGENT_PASSWORD)
    await workspace.api.patch(
        f"/api/v1/agents/{agent_id}",
        headers=workspace.auth(),
        json={"password": "reset-by-the-admin"},
    )
    stale = await second_step(workspace, step["challenge"], code_now(secret, ahead=1))
    assert stale.status_code == 401 and stale.json()["error"]["code"] == "challenge_expired"


async def test_wrong_codes_are_throttled_like_passwords(workspace: Workspace) -> None:
    _, token = await workspace.agent("kim@example.com")
    secret, _ = await enrol(workspace, token)
    step = await first_step(workspace, "kim@example.com", AGENT_PASSWORD)
    for n in range(5):
        assert (await second_step(workspace, step["challenge"], f"00000{n}")).status_code == 401
    limited = await second_step(workspace, step["challenge"], code_now(secret, ahead=1))
    assert limited.status_code == 429 and "retry-after" in limited.headers


async def test_a_role_that_must_use_2fa_can_only_set_it_up(workspace: Workspace) -> None:
    _, agent_token = await workspace.agent("lea@example.com")
    workspace.server.settings.require_2fa_roles = ["admin"]
    refused = await workspace.api.get("/api/v1/conversations", headers=workspace.auth())
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "two_factor_setup_required"
    me = await workspace.api.get("/api/v1/auth/me", headers=workspace.auth())
    assert me.status_code == 200 and me.json()["two_factor_setup_required"] is True
    sock = await Socket.open(f"{workspace.server.ws_url}/api/v1/ws", token=workspace.token)
    assert (await sock.next())["code"] == "unauthorized"
    # Agents are not concerned.
    assert (
        await workspace.api.get("/api/v1/conversations", headers=workspace.auth(agent_token))
    ).status_code == 200
    # Agents may turn it off again; an admin may not, their role requires it.
    secret, _ = await enrol(workspace, workspace.token)
    assert (
        await workspace.api.get("/api/v1/conversations", headers=workspace.auth())
    ).status_code == 200
    off = await workspace.api.post(
        "/api/v1/auth/2fa/disable", headers=workspace.auth(), json={"password": ADMIN_PASSWORD}
    )
    assert off.status_code == 403 and off.json()["error"]["code"] == "two_factor_required"


async def test_disabling_needs_the_password(workspace: Workspace) -> None:
    _, token = await workspace.agent("max@example.com")
    await enrol(workspace, token)
    wrong = await workspace.api.post(
        "/api/v1/auth/2fa/disable", headers=workspace.auth(token), json={"password": "nope"}
    )
    assert wrong.status_code == 403
    off = await workspace.api.post(
        "/api/v1/auth/2fa/disable", headers=workspace.auth(token), json={"password": AGENT_PASSWORD}
    )
    assert off.status_code == 204
    step = await first_step(workspace, "max@example.com", AGENT_PASSWORD)
    assert "token" in step


async def test_an_admin_resets_a_lost_second_factor(workspace: Workspace) -> None:
    agent_id, token = await workspace.agent("ned@example.com")
    await enrol(workspace, token)
    refused = await workspace.api.delete(
        f"/api/v1/agents/{workspace.admin_id}/2fa", headers=workspace.auth(token)
    )
    assert refused.status_code == 403
    reset = await workspace.api.delete(f"/api/v1/agents/{agent_id}/2fa", headers=workspace.auth())
    assert reset.status_code == 200 and reset.json()["two_factor_enabled"] is False
    me = await workspace.api.get("/api/v1/auth/me", headers=workspace.auth(token))
    assert me.status_code == 401  # their sessions ended with it
    step = await first_step(workspace, "ned@example.com", AGENT_PASSWORD)
    assert "token" in step
    log = await workspace.api.get(
        "/api/v1/audit", headers=workspace.auth(), params={"action": "auth.2fa_reset"}
    )
    entry = log.json()["items"][0]
    assert entry["target_id"] == agent_id and entry["actor_id"] == workspace.admin_id
    actions = {
        e["action"]
        for e in (await workspace.api.get("/api/v1/audit", headers=workspace.auth())).json()[
            "items"
        ]
    }
    assert "auth.2fa_enabled" in actions


async def test_codes_follow_the_clock(workspace: Workspace) -> None:
    """A code is good for its 30 seconds and one step either side, not later."""
    _, token = await workspace.agent("ola@example.com")
    with frozen() as clock:
        secret, _ = await enrol(workspace, token)
        step = await first_step(workspace, ADMIN_EMAIL, ADMIN_PASSWORD)
        assert "token" in step  # the admin has no 2FA: one step
        step = await first_step(workspace, "ola@example.com", AGENT_PASSWORD)
        old = code_now(secret, ahead=1)
        clock.advance(seconds=120)
        late = await second_step(workspace, step["challenge"], old)
        assert late.status_code == 401
        fresh = await second_step(workspace, step["challenge"], code_now(secret))
        assert fresh.status_code == 200
