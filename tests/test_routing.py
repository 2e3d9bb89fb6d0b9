"""Auto-assignment (round robin, balanced, caps, skills, queue), escalation, transfer."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from otklik.core import clock
from otklik.core.db import Database
from otklik.routing import service as routing
from tests.support import Workspace


async def setup_team(
    ws: Workspace,
    agents: list[dict[str, Any]],
    *,
    mode: str,
    online: bool = True,
    **inbox_settings: Any,
) -> tuple[int, list[int], list[str]]:
    """A team of new agents, the inbox routed to it; returns team id, agent ids, tokens."""
    ids, tokens = [], []
    for index, spec in enumerate(agents):
        agent_id, token = await ws.agent(f"agent{index}@example.com", name=f"Agent {index}")
        patch = {k: v for k, v in spec.items() if k in ("max_concurrent", "skills", "languages")}
        if patch:
            response = await ws.api.patch(
                f"/api/v1/agents/{agent_id}", headers=ws.auth(), json=patch
            )
            assert response.status_code == 200, response.text
        ids.append(agent_id)
        tokens.append(token)
    team = await ws.api.post(
        "/api/v1/teams", headers=ws.auth(), json={"name": "1st line", "agent_ids": ids}
    )
    team_id = team.json()["id"]
    response = await ws.api.patch(
        f"/api/v1/inboxes/{ws.inbox_id}",
        headers=ws.auth(),
        json={"team_id": team_id, "settings": {"assignment": mode, **inbox_settings}},
    )
    assert response.status_code == 200, response.text
    if online:
        for token in tokens:
            await set_status(ws, token, "online")
    return team_id, ids, tokens


async def set_status(ws: Workspace, token: str, status: str) -> None:
    response = await ws.api.put(
        "/api/v1/agents/me/status", headers=ws.auth(token), json={"status": status}
    )
    assert response.status_code == 200, response.text


async def conversation(ws: Workspace, conversation_id: int) -> dict[str, Any]:
    response = await ws.api.get(f"/api/v1/conversations/{conversation_id}", headers=ws.auth())
    result: dict[str, Any] = response.json()
    return result


async def new_chat(ws: Workspace, name: str, **session: Any) -> tuple[int, Any]:
    visitor = await ws.visitor(name)
    if session:
        await ws.api.post(
            "/api/v1/widget/sessions",
            json={"inbox_key": ws.inbox_key, "visitor_token": visitor.token, **session},
        )
    sent = await visitor.say(f"hello from {name}")
    return int(sent["conversation_id"]), visitor


async def test_round_robin_gives_conversations_in_turn(workspace: Workspace) -> None:
    _, ids, _ = await setup_team(workspace, [{}, {}, {}], mode="round_robin")
    assignees = []
    for index in range(6):
        conversation_id, _ = await new_chat(workspace, f"V{index}")
        assignees.append((await conversation(workspace, conversation_id))["assignee_id"])
    assert assignees == ids + ids


async def test_balanced_prefers_the_least_loaded_then_the_longest_waiting(
    workspace: Workspace,
) -> None:
    _, ids, _ = await setup_team(workspace, [{}, {}], mode="balanced")
    first, _ = await new_chat(workspace, "A")
    second, _ = await new_chat(workspace, "B")
    assert {(await conversation(workspace, c))["assignee_id"] for c in (first, second)} == set(ids)
    # Resolving frees the first agent: they have fewest open conversations now.
    freed = (await conversation(workspace, first))["assignee_id"]
    await workspace.api.post(
        f"/api/v1/conversations/{first}/status",
        headers=workspace.auth(),
        json={"status": "resolved"},
    )
    third, _ = await new_chat(workspace, "C")
    assert (await conversation(workspace, third))["assignee_id"] == freed
    # Now both have one open: the tie goes to whoever was assigned longest ago.
    other = next(i for i in ids if i != freed)
    fourth, _ = await new_chat(workspace, "D")
    assert (await conversation(workspace, fourth))["assignee_id"] == other


async def test_cap_queue_position_and_assignment_when_capacity_frees(
    workspace: Workspace,
) -> None:
    _, ids, _ = await setup_team(
        workspace, [{"max_concurrent": 1}, {"max_concurrent": 1}], mode="balanced"
    )
    first, _ = await new_chat(workspace, "A")
    await new_chat(workspace, "B")
    third, waiting = await new_chat(workspace, "C")
    fourth, later = await new_chat(workspace, "D")
    assert (await conversation(workspace, third))["assignee_id"] is None
    assert (await conversation(workspace, third))["queued_at"] is not None
    position = await workspace.api.get("/api/v1/widget/queue", headers=waiting.headers)
    assert position.json() == {"position": 1}
    position = await workspace.api.get("/api/v1/widget/queue", headers=later.headers)
    assert position.json() == {"position": 2}

    freed = (await conversation(workspace, first))["assignee_id"]
    await workspace.api.post(
        f"/api/v1/conversations/{first}/status",
        headers=workspace.auth(),
        json={"status": "resolved"},
    )
    # The oldest in the queue gets the free place; the next one moves up.
    assert (await conversation(workspace, third))["assignee_id"] == freed
    assert (await conversation(workspace, fourth))["assignee_id"] is None
    position = await workspace.api.get("/api/v1/widget/queue", headers=later.headers)
    assert position.json() == {"position": 1}
    assert set(ids) >= {freed}


async def test_only_online_agents_receive_and_coming_online_takes_from_queue(
    workspace: Workspace,
) -> None:
    _, ids, tokens = await setup_team(workspace, [{}], mode="round_robin", online=False)
    waiting, _ = await new_chat(workspace, "A")
    assert (await conversation(workspace, waiting))["assignee_id"] is None
    config = await workspace.api.get(
        "/api/v1/widget/config", params={"inbox_key": workspace.inbox_key}
    )
    assert config.json()["agents_online"] is False
    await set_status(workspace, tokens[0], "online")
    assert (await conversation(workspace, waiting))["assignee_id"] == ids[0]


async def test_language_and_skills_route_to_qualified_agents_then_fall_back(
    workspace: Workspace,
) -> None:
    _, ids, tokens = await setup_team(
        workspace,
        [
            {"languages": ["ru"]},
            {"languages": ["ru", "en"], "skills": ["billing"], "max_concurrent": 2},
        ],
        mode="round_robin",
        skill_fallback_minutes=5,
    )
    english, _ = await new_chat(workspace, "John", language="en")
    assert (await conversation(workspace, english))["assignee_id"] == ids[1]
    again, _ = await new_chat(workspace, "Kate", language="en")
    assert (await conversation(workspace, again))["assignee_id"] == ids[1]  # now full

    # A billing question waits for someone with the billing skill...
    await set_status(workspace, tokens[0], "away")
    billing, _ = await new_chat(workspace, "Ivan", language="ru")
    await workspace.api.post(
        f"/api/v1/conversations/{billing}/tags", headers=workspace.auth(), json={"add": ["billing"]}
    )
    await set_status(workspace, tokens[0], "online")
    assert (await conversation(workspace, billing))["assignee_id"] is None
    # ...until the fall-back timeout passes: then anyone on the team may take it.
    db: Database = workspace.server.app.state.db
    clock.freeze(datetime.now(UTC) + timedelta(minutes=6))
    try:
        async with db.session(write=True) as session:
            await routing.drain_all_queues(session)
    finally:
        clock.freeze(None)
    assert (await conversation(workspace, billing))["assignee_id"] == ids[0]


async def test_manual_inbox_never_auto_assigns(workspace: Workspace) -> None:
    await setup_team(workspace, [{}], mode="manual")
    conversation_id, _ = await new_chat(workspace, "A")
    data = await conversation(workspace, conversation_id)
    assert data["assignee_id"] is None and data["queued_at"] is None


async def test_going_offline_requeues_when_the_inbox_says_so(workspace: Workspace) -> None:
    _, ids, tokens = await setup_team(
        workspace, [{}, {}], mode="round_robin", offline_behavior="requeue"
    )
    conversation_id, _ = await new_chat(workspace, "A")
    owner = (await conversation(workspace, conversation_id))["assignee_id"]
    await set_status(workspace, tokens[ids.index(owner)], "offline")
    assert (await conversation(workspace, conversation_id))["assignee_id"] == next(
        i for i in ids if i != owner
    )


async def test_going_offline_keeps_conversations_by_default(workspace: Workspace) -> None:
    _, ids, tokens = await setup_team(workspace, [{}, {}], mode="round_robin")
    conversation_id, _ = await new_chat(workspace, "A")
    owner = (await conversation(workspace, conversation_id))["assignee_id"]
    await set_status(workspace, tokens[ids.index(owner)], "offline")
    assert (await conversation(workspace, conversation_id))["assignee_id"] == owner


async def test_parallel_load_never_double_assigns_or_breaks_caps(workspace: Workspace) -> None:
    _, ids, _ = await setup_team(workspace, [{"max_concurrent": 2}] * 3, mode="balanced")
    sock = await workspace.agent_socket()
    await sock.ready()
    visitors = [await workspace.visitor(f"V{i}") for i in range(12)]
    sent = await asyncio.gather(*(v.say("hi") for v in visitors))
    await workspace.api.get("/api/v1/conversations", headers=workspace.auth())
    results = [await conversation(workspace, s["conversation_id"]) for s in sent]
    load = Counter(r["assignee_id"] for r in results if r["assignee_id"] is not None)
    assert sum(load.values()) == 6 and set(load) == set(ids)
    assert max(load.values()) == 2
    await asyncio.sleep(0.3)
    await sock.quiet(0.3)
    assigned_events = Counter(
        f["data"]["conversation"]["id"]
        for f in sock.events()
        if f["type"] == "conversation.updated" and f["data"]["conversation"]["assignee_id"]
    )
    assert all(count == 1 for count in assigned_events.values()), assigned_events
    await sock.close()


async def test_escalation_with_hand_back(workspace: Workspace) -> None:
    first_line, ids, tokens = await setup_team(workspace, [{}], mode="round_robin")
    specialist, specialist_token = await workspace.agent("expert@example.com", name="Expert")
    second_line = await workspace.api.post(
        "/api/v1/teams",
        headers=workspace.auth(),
        json={"name": "2nd line", "agent_ids": [specialist], "line": 2},
    )
    await workspace.api.patch(
        f"/api/v1/teams/{first_line}",
        headers=workspace.auth(),
        json={"escalates_to_id": second_line.json()["id"]},
    )
    await set_status(workspace, specialist_token, "online")
    conversation_id, visitor = await new_chat(workspace, "A")
    assert (await conversation(workspace, conversation_id))["assignee_id"] == ids[0]

    missing = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/escalate",
        headers=workspace.auth(tokens[0]),
        json={"reason": ""},
    )
    assert missing.status_code == 422
    escalated = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/escalate",
        headers=workspace.auth(tokens[0]),
        json={"reason": "API error 502 on checkout", "hand_back": True},
    )
    assert escalated.status_code == 200, escalated.text
    assert escalated.json()["team_id"] == second_line.json()["id"]
    # The 2nd line's queue hands it straight to its online specialist.
    assert (await conversation(workspace, conversation_id))["assignee_id"] == specialist
    history = await workspace.api.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=workspace.auth()
    )
    note = history.json()["items"][-1]
    assert note["private"] is True and "API error 502 on checkout" in note["text"]
    assert all("502" not in m["text"] for m in await visitor.messages())

    back = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/hand-back",
        headers=workspace.auth(specialist_token),
        json={"note": "Fixed the gateway; tell the customer to retry."},
    )
    assert back.status_code == 200
    assert back.json()["assignee_id"] == ids[0] and back.json()["team_id"] == first_line
    records = await workspace.api.get(
        f"/api/v1/conversations/{conversation_id}/escalations", headers=workspace.auth()
    )
    (record,) = records.json()["items"]
    assert record["from_agent_id"] == ids[0] and record["reason"] == "API error 502 on checkout"
    assert record["handed_back_by_id"] == specialist and record["handed_back_at"] is not None
    # Handed back to the first line, it left the specialist's scope (ADR 0017).
    gone = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/hand-back",
        headers=workspace.auth(specialist_token),
        json={"note": "twice"},
    )
    assert gone.status_code == 404
    again = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/hand-back",
        headers=workspace.auth(),
        json={"note": "twice"},
    )
    assert again.status_code == 422


async def test_escalate_without_a_next_line_is_refused(workspace: Workspace) -> None:
    conversation_id, _ = await new_chat(workspace, "A")
    response = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/escalate",
        headers=workspace.auth(),
        json={"reason": "help"},
    )
    assert response.status_code == 422


async def test_transfer_with_a_note(workspace: Workspace) -> None:
    colleague, _ = await workspace.agent("colleague@example.com", name="Colleague")
    conversation_id, visitor = await new_chat(workspace, "A")
    response = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/transfer",
        headers=workspace.auth(),
        json={"agent_id": colleague, "note": "Knows this customer"},
    )
    assert response.status_code == 200 and response.json()["assignee_id"] == colleague
    history = await workspace.api.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=workspace.auth()
    )
    assert history.json()["items"][-1]["text"] == "Knows this customer"
    assert history.json()["items"][-1]["private"] is True
    assert [m["text"] for m in await visitor.messages()] == ["hello from A"]


async def test_offline_form_creates_a_conversation_with_an_email(workspace: Workspace) -> None:
    missing = await workspace.api.post(
        "/api/v1/widget/offline",
        json={"inbox_key": workspace.inbox_key, "text": "call me", "client_msg_id": "o1"},
    )
    assert missing.status_code == 422
    left = await workspace.api.post(
        "/api/v1/widget/offline",
        json={
            "inbox_key": workspace.inbox_key,
            "email": "Olga@Example.com",
            "name": "Olga",
            "text": "Please call me back",
            "client_msg_id": "o1",
        },
    )
    assert left.status_code == 201, left.text
    data = await conversation(workspace, left.json()["conversation_id"])
    assert data["contact"]["email"] == "olga@example.com"
    assert data["attributes"] == {"left_offline": True}
    assert data["last_message"]["text"] == "Please call me back"


async def test_offline_form_retry_without_token_does_not_duplicate(workspace: Workspace) -> None:
    body = {
        "inbox_key": workspace.inbox_key,
        "email": "retry@example.com",
        "text": "Call me",
        "client_msg_id": "offline-1",
    }
    first = await workspace.api.post("/api/v1/widget/offline", json=body)
    again = await workspace.api.post("/api/v1/widget/offline", json=body)
    assert first.status_code == again.status_code == 201
    assert again.json()["conversation_id"] == first.json()["conversation_id"]
    assert again.json()["contact_id"] == first.json()["contact_id"]
    listed = await workspace.api.get("/api/v1/conversations", headers=workspace.auth())
    assert listed.json()["counts"]["all"] == 1


async def test_resolved_conversation_leaves_the_queue(workspace: Workspace) -> None:
    await setup_team(workspace, [{}], mode="balanced", online=False)
    conversation_id, visitor = await new_chat(workspace, "A")
    position = await workspace.api.get("/api/v1/widget/queue", headers=visitor.headers)
    assert position.json() == {"position": 1}
    await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/status",
        headers=workspace.auth(),
        json={"status": "resolved"},
    )
    position = await workspace.api.get("/api/v1/widget/queue", headers=visitor.headers)
    assert position.json() == {"position": None}
    assert (await conversation(workspace, conversation_id))["queued_at"] is None


async def test_agents_without_languages_take_any_language(workspace: Workspace) -> None:
    _, ids, _ = await setup_team(workspace, [{}], mode="round_robin")
    conversation_id, _ = await new_chat(workspace, "Kate", language="en")
    assert (await conversation(workspace, conversation_id))["assignee_id"] == ids[0]


async def test_assignment_is_announced_to_the_waiting_visitor(workspace: Workspace) -> None:
    _, ids, tokens = await setup_team(workspace, [{}], mode="balanced", online=False)
    conversation_id, visitor = await new_chat(workspace, "A")
    sock = await visitor.socket()
    await sock.ready()
    await set_status(workspace, tokens[0], "online")
    frame = await sock.until(lambda f: f.get("type") == "conversation.updated")
    assert frame["data"]["conversation"] == {"id": conversation_id, "status": "open"}
    await sock.close()


async def test_escalation_lines_cannot_form_a_loop(workspace: Workspace) -> None:
    async def team(name: str, line: int, escalates_to_id: int | None = None) -> int:
        response = await workspace.api.post(
            "/api/v1/teams",
            headers=workspace.auth(),
            json={"name": name, "line": line, "escalates_to_id": escalates_to_id},
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    third = await team("3rd line", 3)
    second = await team("2nd line", 2, third)
    first = await team("1st line", 1, second)

    async def point(team_id: int, target: int | None) -> Any:
        return await workspace.api.patch(
            f"/api/v1/teams/{team_id}", headers=workspace.auth(), json={"escalates_to_id": target}
        )

    itself = await point(first, first)
    assert itself.status_code == 422
    loop = await point(third, first)
    assert loop.status_code == 422
    assert loop.json()["error"]["message"] == (
        "This would make an escalation loop: 3rd line → 1st line → 2nd line → 3rd line."
    )
    teams = {
        t["id"]: t
        for t in (await workspace.api.get("/api/v1/teams", headers=workspace.auth())).json()[
            "items"
        ]
    }
    assert teams[third]["escalates_to_id"] is None  # nothing was changed
    # Re-pointing along the line is fine: 1st line straight to the 3rd.
    assert (await point(first, third)).status_code == 200
    assert (await point(second, None)).status_code == 200
    assert (await point(third, second)).status_code == 200  # 3 → 2 with 2 going nowhere
