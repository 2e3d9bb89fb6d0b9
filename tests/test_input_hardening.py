"""Issue 11, defect 8: what fuzzing turned into 500s is a 4xx in the error shape.

Each case is what a user (or an attacker) would send: an id too large for any column, an
explicit ``null`` in an update, a team name that differs only in Cyrillic case, a macro that
unassigns, a webhook URL that cannot be parsed. Nothing is half-written either.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.scripts_support import conversation, create, team
from tests.support import Workspace
from tests.test_errors import error_code

HUGE = 2**63
HUGER = 2**80


def assert_4xx(response: httpx.Response) -> str:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    return error_code(response)


@pytest.mark.parametrize("number", [HUGE, HUGER, -HUGE])
async def test_ids_too_large_for_a_column_are_422(workspace: Workspace, number: int) -> None:
    ws = workspace
    visitor = await ws.visitor()
    conversation_id = (await visitor.say("hi"))["conversation_id"]
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/api/v1/conversations/{number}", {"headers": ws.auth()}),
        ("POST", f"/api/v1/conversations/{number}/read", {"headers": ws.auth()}),
        # routing's route declares a plain int: the exception net answers for it
        (
            "POST",
            f"/api/v1/conversations/{number}/escalate",
            {"headers": ws.auth(), "json": {"reason": "why"}},
        ),
        (
            "PATCH",
            f"/api/v1/agents/{number}",
            {"headers": ws.auth(), "json": {"name": "X"}},
        ),
        (
            "POST",
            "/api/v1/teams",
            {"headers": ws.auth(), "json": {"name": "Big", "agent_ids": [number]}},
        ),
        (
            "POST",
            f"/api/v1/conversations/{conversation_id}/merge",
            {"headers": ws.auth(), "json": {"other_id": number}},
        ),
        (
            "POST",
            "/api/v1/macros",
            {
                "headers": ws.auth(),
                "json": {"name": "M", "actions": [{"type": "assign_team", "team_id": number}]},
            },
        ),
        # unauthenticated routes too
        ("POST", f"/api/v1/channels/telegram/{number}/webhook", {"json": {"update_id": 1}}),
        (
            "GET",
            "/api/v1/widget/messages",
            {"headers": visitor.headers, "params": {"after": number}},
        ),
    ]
    for method, url, extra in calls:
        response = await ws.api.request(method, url, **extra)
        assert_4xx(response)
    teams = await ws.api.get("/api/v1/teams", headers=ws.auth())
    assert teams.json()["items"] == []  # nothing half-written


async def test_negative_and_zero_ids_are_4xx(workspace: Workspace) -> None:
    for url in ("/api/v1/conversations/-1", "/api/v1/conversations/0", "/api/v1/webhooks/-5"):
        response = await workspace.api.get(url, headers=workspace.auth())
        assert_4xx(response)


async def test_explicit_nulls_in_agent_updates_are_422(workspace: Workspace) -> None:
    ws = workspace
    agent_id, _ = await ws.agent("nina@example.com", name="Нина")
    for field in ("name", "role", "languages", "active", "password", "max_concurrent", "skills"):
        response = await ws.api.patch(
            f"/api/v1/agents/{agent_id}", headers=ws.auth(), json={field: None}
        )
        assert response.status_code == 422, (field, response.text)
        assert error_code(response) == "validation_error"
        assert field in response.json()["error"]["message"]
    agents = (await ws.api.get("/api/v1/agents", headers=ws.auth())).json()["items"]
    nina = next(a for a in agents if a["id"] == agent_id)
    assert (nina["name"], nina["role"], nina["active"]) == ("Нина", "agent", True)
    # Leaving a field out still keeps it; a team's escalation target may be cleared with null.
    ok = await ws.api.patch(f"/api/v1/agents/{agent_id}", headers=ws.auth(), json={"name": "Н."})
    assert ok.status_code == 200 and ok.json()["role"] == "agent"


async def test_team_names_are_unique_ignoring_case_in_any_alphabet(workspace: Workspace) -> None:
    ws = workspace
    first = await team(ws, "Первая линия")
    for name in ("ПЕРВАЯ ЛИНИЯ", "первая  линия", " Первая Линия "):
        response = await ws.api.post("/api/v1/teams", headers=ws.auth(), json={"name": name})
        assert response.status_code == 409, (name, response.text)
        assert error_code(response) == "conflict"
    second = await team(ws, "Вторая линия")
    renamed = await ws.api.patch(
        f"/api/v1/teams/{second}", headers=ws.auth(), json={"name": "первая линия"}
    )
    assert renamed.status_code == 409 and error_code(renamed) == "conflict"
    # A team may change the case of its own name; Ё is its own letter, not Е.
    own = await ws.api.patch(
        f"/api/v1/teams/{first}", headers=ws.auth(), json={"name": "ПЕРВАЯ ЛИНИЯ"}
    )
    assert own.status_code == 200 and own.json()["name"] == "ПЕРВАЯ ЛИНИЯ"
    assert await team(ws, "Ёлка") and await team(ws, "Елка")
    cleared = await ws.api.patch(
        f"/api/v1/teams/{second}", headers=ws.auth(), json={"escalates_to_id": None}
    )
    assert cleared.status_code == 200, cleared.text
    refused = await ws.api.patch(f"/api/v1/teams/{second}", headers=ws.auth(), json={"line": None})
    assert refused.status_code == 422


async def test_null_targets_unassign_in_macros_and_rules(workspace: Workspace) -> None:
    ws = workspace
    billing = await team(ws, "Billing", [ws.admin_id])
    macro = await create(
        ws,
        "macros",
        {
            "name": "Back to the queue",
            "actions": [
                {"type": "assign_agent", "agent_id": None},
                {"type": "assign_team", "team_id": None},
            ],
        },
    )
    assert macro["actions"] == [
        {"type": "assign_agent", "agent_id": None},
        {"type": "assign_team", "team_id": None},
    ]
    listed = await ws.api.get("/api/v1/macros", headers=ws.auth())
    assert listed.status_code == 200, listed.text
    rule = await create(
        ws,
        "automation-rules",
        {
            "name": "Unassign on resolve",
            "trigger": {"type": "message_created"},
            "actions": [{"type": "assign_agent", "agent_id": None}],
        },
    )
    assert rule["actions"] == [{"type": "assign_agent", "agent_id": None}]
    disabled = await ws.api.patch(
        f"/api/v1/automation-rules/{rule['id']}", headers=ws.auth(), json={"enabled": False}
    )
    assert disabled.status_code == 200, disabled.text

    visitor = await ws.visitor()
    conversation_id = (await visitor.say("hi"))["conversation_id"]
    assigned = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/assign",
        headers=ws.auth(),
        json={"agent_id": ws.admin_id, "team_id": billing},
    )
    assert assigned.status_code == 200, assigned.text
    run = await ws.api.post(
        f"/api/v1/macros/{macro['id']}/run",
        headers=ws.auth(),
        json={"conversation_ids": [conversation_id]},
    )
    assert run.status_code == 200 and run.json()["results"][0]["ok"] is True, run.text
    after = await conversation(ws, conversation_id)
    assert after["assignee_id"] is None and after["team_id"] is None


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://exa mple.com/", "https://", "http://host:99999/", "http:///x"]
)
async def test_unparseable_webhook_urls_are_422(workspace: Workspace, url: str) -> None:
    ws = workspace
    response = await ws.api.post(
        "/api/v1/webhooks",
        headers=ws.auth(),
        json={"url": url, "events": ["message.created"]},
    )
    assert response.status_code == 422, response.text
    assert error_code(response) == "validation_error"
    assert (await ws.api.get("/api/v1/webhooks", headers=ws.auth())).json()["items"] == []


@pytest.mark.parametrize(
    "body", ["\r\x8c\xed\x9e\xa6ÛC", 'shortcut,title,text\rhi,"Hi",x\r\n"a\rb', "\x00,\x00\n\x00"]
)
async def test_broken_csv_imports_are_422(workspace: Workspace, body: str) -> None:
    ws = workspace
    response = await ws.api.post(
        "/api/v1/canned-answers/import",
        params={"on_conflict": "skip"},
        headers={**ws.auth(), "Content-Type": "text/csv"},
        content=body.encode(),
    )
    assert response.status_code == 422, response.text
    assert error_code(response) == "validation_error"
    listed = await ws.api.get("/api/v1/canned-answers", headers=ws.auth())
    assert listed.json()["items"] == []


async def test_nul_characters_are_422_on_both_databases(workspace: Workspace) -> None:
    ws = workspace
    macro = await ws.api.post(
        "/api/v1/macros",
        headers=ws.auth(),
        json={"name": "a\x00b", "actions": [{"type": "add_tags", "tags": ["x"]}]},
    )
    assert macro.status_code == 422 and error_code(macro) == "validation_error", macro.text
    nested = await ws.api.post(
        "/api/v1/macros",
        headers=ws.auth(),
        json={"name": "M", "actions": [{"type": "add_note", "text": "note\x00"}]},
    )
    assert nested.status_code == 422, nested.text
    visitor = await ws.visitor()
    said = await ws.api.post(
        "/api/v1/widget/messages",
        headers=visitor.headers,
        json={"client_msg_id": "nul", "text": "hi\x00"},
    )
    assert said.status_code == 422 and error_code(said) == "validation_error", said.text
    assert await visitor.messages() == []
