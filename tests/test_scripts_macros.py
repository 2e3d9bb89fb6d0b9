"""Macros: typed actions, run on one conversation or many, checked references, scopes."""

from __future__ import annotations

from tests.scripts_support import canned, conversation, create, error, messages, team
from tests.support import Workspace

URL = "/api/v1/macros"


async def test_a_macro_does_everything_it_lists_as_the_agent(workspace: Workspace) -> None:
    ws = workspace
    agent_id, agent = await ws.agent("olga@example.com", name="Ольга Смирнова")
    billing = await team(ws, "Billing", [agent_id])
    answer = await canned(
        ws, agent, shortcut="refund", text="{{contact.first_name|default:'Клиент'}}, деньги вернём."
    )
    macro = await create(
        ws,
        "macros",
        {
            "name": "Refund",
            "actions": [
                {"type": "add_tags", "tags": ["Refund", "billing"]},
                {"type": "set_priority", "priority": "high"},
                {"type": "assign_team", "team_id": billing},
                {"type": "assign_agent", "agent_id": agent_id},
                {"type": "send_canned", "canned_answer_id": answer["id"]},
                {"type": "add_note", "text": "Refund for {{contact.email|default:'?'}}"},
                {"type": "set_status", "status": "pending"},
            ],
        },
        agent,
    )
    assert macro["scope"] == "personal" and macro["actions"][0]["tags"] == ["refund", "billing"]
    visitor = await ws.visitor("Пётр Иванов")
    conversation_id = (await visitor.say("верните деньги"))["conversation_id"]
    sock = await ws.agent_socket()
    await sock.ready()

    response = await ws.api.post(
        f"{URL}/{macro['id']}/run",
        headers=ws.auth(agent),
        json={"conversation_ids": [conversation_id]},
    )
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert result["ok"] is True and result["error"] is None
    after = result["conversation"]
    assert after == await conversation(ws, conversation_id)
    assert after["tags"] == ["refund", "billing"] and after["priority"] == "high"
    assert after["team_id"] == billing and after["assignee_id"] == agent_id
    assert after["status"] == "pending" and after["waiting_since"] is None
    history = await messages(ws, conversation_id)
    reply, note = history[-2], history[-1]
    assert (reply["author_type"], reply["author_id"], reply["private"]) == (
        "agent",
        agent_id,
        False,
    )
    assert reply["text"] == "Пётр, деньги вернём."
    assert note["private"] is True and note["text"] == "Refund for ?"
    assert [m["text"] for m in await visitor.messages()][-1] == "Пётр, деньги вернём."
    used = await ws.api.get(f"/api/v1/canned-answers/{answer['id']}", headers=ws.auth(agent))
    assert used.json()["usage_count"] == 1
    # Operators hear each change live, like any other change.
    await sock.until(
        lambda f: (
            f.get("type") == "conversation.updated"
            and f["data"]["conversation"]["status"] == "pending"
        )
    )
    await sock.close()


async def test_bulk_run_reports_each_conversation_and_undoes_only_failures(
    workspace: Workspace,
) -> None:
    ws = workspace
    answer = await canned(ws, shortcut="bye", text="До свидания!", scope="global")
    macro = await create(
        ws,
        "macros",
        {
            "name": "Close",
            "scope": "global",
            "actions": [
                {"type": "add_tags", "tags": ["closed-by-macro"]},
                {"type": "send_canned", "canned_answer_id": answer["id"]},
                {"type": "set_status", "status": "resolved"},
            ],
        },
    )
    ids = []
    for index in range(3):
        visitor = await ws.visitor(f"V{index}")
        ids.append((await visitor.say("hi"))["conversation_id"])
    response = await ws.api.post(
        f"{URL}/{macro['id']}/run",
        headers=ws.auth(),
        json={"conversation_ids": [ids[0], 999_999, ids[1], ids[0]]},
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["conversation_id"], r["ok"]) for r in results] == [
        (ids[0], True),
        (999_999, False),
        (ids[1], True),
    ]
    assert results[1]["error"]["code"] == "not_found"
    for conversation_id in ids[:2]:
        assert (await conversation(ws, conversation_id))["status"] == "resolved"
    assert (await conversation(ws, ids[2]))["status"] == "open"

    # The canned answer is deleted: running now fails on each conversation, and the tag
    # added before the failing step is rolled back with it.
    await ws.api.delete(f"/api/v1/canned-answers/{answer['id']}", headers=ws.auth())
    response = await ws.api.post(
        f"{URL}/{macro['id']}/run", headers=ws.auth(), json={"conversation_ids": [ids[2]]}
    )
    [result] = response.json()["results"]
    assert result["ok"] is False and "no longer exists" in result["error"]["message"]
    unchanged = await conversation(ws, ids[2])
    assert unchanged["tags"] == [] and unchanged["status"] == "open"
    assert [m["author_type"] for m in await messages(ws, ids[2])] == ["contact"]


async def test_actions_and_references_are_validated(workspace: Workspace) -> None:
    ws = workspace
    agent_id, agent = await ws.agent("agent@example.com")
    personal = await canned(ws, agent, shortcut="mine")
    cases = [
        ({"name": "M", "actions": []}, "actions"),
        ({"name": "M", "actions": [{"type": "drop_table"}]}, "drop_table"),
        ({"name": "M", "actions": [{"type": "set_priority", "priority": "asap"}]}, "priority"),
        ({"name": "M", "actions": [{"type": "assign_team", "team_id": 999}]}, "Teams [999]"),
        ({"name": "M", "actions": [{"type": "assign_agent", "agent_id": 999}]}, "Agents [999]"),
        ({"name": "M", "actions": [{"type": "set_status", "status": "snoozed"}]}, "snooze"),
        ({"name": "M", "actions": [{"type": "add_note", "text": "{{ x.y }}"}]}, "x.y"),
        ({"name": "M", "actions": [{"type": "run_macro", "macro_id": 1}]}, "another macro"),
        (
            {"name": "M", "actions": [{"type": "send_canned", "canned_answer_id": personal["id"]}]},
            "not visible",
        ),
    ]
    for body, words in cases:
        response = await ws.api.post(URL, headers=ws.auth(), json=body)
        assert error(response)[:2] == (422, "validation_error"), (body, response.text)
        assert words in response.json()["error"]["message"], response.text
    # The owner of the personal answer may use it in their own macro.
    own = {
        "name": "Mine",
        "actions": [{"type": "send_canned", "canned_answer_id": personal["id"]}],
    }
    mine = await create(ws, "macros", own, agent)
    response = await ws.api.post(URL, headers=ws.auth(agent), json=own)
    assert error(response)[:2] == (409, "conflict")
    response = await ws.api.post(
        URL, headers=ws.auth(agent), json={**own, "name": "G", "scope": "global"}
    )
    assert error(response)[:2] == (403, "forbidden")
    # Others do not see it, cannot run it, and it is not listed for them.
    for path in (f"{URL}/{mine['id']}",):
        assert (await ws.api.get(path, headers=ws.auth())).status_code == 404
    response = await ws.api.post(
        f"{URL}/{mine['id']}/run", headers=ws.auth(), json={"conversation_ids": [1]}
    )
    assert error(response)[:2] == (404, "not_found")
    assert (await ws.api.get(URL, headers=ws.auth())).json() == {"items": []}
    response = await ws.api.post(
        f"{URL}/{mine['id']}/run", headers=ws.auth(agent), json={"conversation_ids": []}
    )
    assert error(response)[:2] == (422, "validation_error")
    renamed = await ws.api.patch(
        f"{URL}/{mine['id']}", headers=ws.auth(agent), json={"name": "Renamed"}
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Renamed"
    assert renamed.json()["owner_id"] == agent_id
    assert (await ws.api.delete(f"{URL}/{mine['id']}", headers=ws.auth(agent))).status_code == 204


async def test_escalate_action(workspace: Workspace) -> None:
    ws = workspace
    second_line = await team(ws, "Second line")
    macro = await create(
        ws,
        "macros",
        {
            "name": "Escalate",
            "actions": [{"type": "escalate", "to_team_id": second_line, "reason": "Сложный"}],
        },
    )
    visitor = await ws.visitor()
    conversation_id = (await visitor.say("help"))["conversation_id"]
    response = await ws.api.post(
        f"{URL}/{macro['id']}/run", headers=ws.auth(), json={"conversation_ids": [conversation_id]}
    )
    [result] = response.json()["results"]
    assert result["ok"] is True, result
    assert result["conversation"]["team_id"] == second_line
    escalations = await ws.api.get(
        f"/api/v1/conversations/{conversation_id}/escalations", headers=ws.auth()
    )
    assert [e["reason"] for e in escalations.json()["items"]] == ["Сложный"]
