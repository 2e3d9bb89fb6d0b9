"""The roles that must use two-factor sign-in, as an admin sets them in the app: stored in
the database, honoured by every request and socket, audited; the environment variable is
the value until an admin saves one."""

from __future__ import annotations

from typing import Any

from tests.support import Socket, Workspace
from tests.test_auth_2fa import enrol

URL = "/api/v1/security-settings"


async def put_roles(ws: Workspace, roles: list[str], token: str | None = None) -> Any:
    return await ws.api.put(URL, headers=ws.auth(token), json={"require_2fa_roles": roles})


async def test_the_environment_is_the_default_until_an_admin_saves_roles(
    workspace: Workspace,
) -> None:
    workspace.server.settings.require_2fa_roles = ["supervisor"]
    shown = await workspace.api.get(URL, headers=workspace.auth())
    assert shown.status_code == 200, shown.text
    assert shown.json() == {
        "require_2fa_roles": ["supervisor"],
        "require_2fa_roles_source": "environment",
    }
    saved = await put_roles(workspace, ["agent", "supervisor", "agent"])
    assert saved.status_code == 200, saved.text
    assert saved.json() == {
        "require_2fa_roles": ["supervisor", "agent"],
        "require_2fa_roles_source": "workspace",
    }
    # An empty list saved by an admin is a choice too: the environment no longer applies.
    cleared = await put_roles(workspace, [])
    assert cleared.json() == {"require_2fa_roles": [], "require_2fa_roles_source": "workspace"}
    _, supervisor = await workspace.agent("sue@example.com", role="supervisor")
    assert (
        await workspace.api.get("/api/v1/conversations", headers=workspace.auth(supervisor))
    ).status_code == 200


async def test_an_enforced_role_without_2fa_is_sent_to_enrol(workspace: Workspace) -> None:
    _, agent = await workspace.agent("lea@example.com")
    _, supervisor = await workspace.agent("sam@example.com", role="supervisor")
    assert (await put_roles(workspace, ["agent"])).status_code == 200

    refused = await workspace.api.get("/api/v1/conversations", headers=workspace.auth(agent))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "two_factor_setup_required"
    me = await workspace.api.get("/api/v1/auth/me", headers=workspace.auth(agent))
    assert me.status_code == 200 and me.json()["two_factor_setup_required"] is True
    sock = await Socket.open(f"{workspace.server.ws_url}/api/v1/ws", token=agent)
    assert (await sock.next())["code"] == "unauthorized"
    # Other roles are not concerned.
    assert (
        await workspace.api.get("/api/v1/conversations", headers=workspace.auth(supervisor))
    ).status_code == 200

    await enrol(workspace, agent)
    assert (
        await workspace.api.get("/api/v1/conversations", headers=workspace.auth(agent))
    ).status_code == 200
    off = await workspace.api.post(
        "/api/v1/auth/2fa/disable",
        headers=workspace.auth(agent),
        json={"password": "agent-password"},
    )
    assert off.status_code == 403 and off.json()["error"]["code"] == "two_factor_required"

    # Lifted: the role may work without 2FA again.
    _, other = await workspace.agent("olga@example.com")
    assert (await put_roles(workspace, [])).status_code == 200
    assert (
        await workspace.api.get("/api/v1/conversations", headers=workspace.auth(other))
    ).status_code == 200


async def test_changes_are_audited(workspace: Workspace) -> None:
    workspace.server.settings.require_2fa_roles = ["admin"]
    await enrol(workspace, workspace.token)
    assert (await put_roles(workspace, ["admin", "supervisor"])).status_code == 200
    log = await workspace.api.get(
        "/api/v1/audit", headers=workspace.auth(), params={"action": "settings.2fa_roles_changed"}
    )
    assert log.status_code == 200
    [entry] = log.json()["items"]
    assert entry["data"] == {"before": ["admin"], "after": ["admin", "supervisor"]}
    assert entry["actor_id"] == workspace.admin_id


async def test_only_an_admin_signed_in_as_a_person_may_change_it(workspace: Workspace) -> None:
    _, agent = await workspace.agent("lea@example.com")
    assert (await workspace.api.get(URL, headers=workspace.auth(agent))).status_code == 403
    assert (await put_roles(workspace, [], token=agent)).status_code == 403
    made = await workspace.api.post(
        "/api/v1/api-tokens",
        headers=workspace.auth(),
        json={"name": "Ops", "scope": "admin", "expires_in_days": 1},
    )
    assert made.status_code == 201, made.text
    by_token = await put_roles(workspace, [], token=made.json()["token"])
    assert by_token.status_code == 403
    assert by_token.json()["error"]["code"] == "session_required"
    # An admin without 2FA may not require it of admins (they would lock themselves out).
    own = await put_roles(workspace, ["admin"])
    assert own.status_code == 409 and own.json()["error"]["code"] == "two_factor_first"
    bad = await put_roles(workspace, ["owner"])
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
