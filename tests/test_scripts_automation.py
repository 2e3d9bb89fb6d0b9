"""Automation rules on events: triggers, typed conditions, actions, loop guard, isolation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from otklik.contacts.models import Contact
from otklik.conversations.models import Conversation
from otklik.core.db import Database
from tests.scripts_support import canned, conversation, create, error, messages, rule, team
from tests.support import Socket, Workspace

URL = "/api/v1/automation-rules"


async def test_only_admins_manage_rules_and_bad_rules_are_422(workspace: Workspace) -> None:
    ws = workspace
    _sup_id, supervisor = await ws.agent("sup@example.com", role="supervisor")
    good = {
        "name": "Tag refunds",
        "trigger": {"type": "message_created"},
        "conditions": [{"field": "text", "op": "contains", "value": "refund"}],
        "actions": [{"type": "add_tags", "tags": ["refund"]}],
    }
    response = await ws.api.post(URL, headers=ws.auth(supervisor), json=good)
    assert error(response)[:2] == (403, "forbidden")
    assert (await ws.api.get(URL, headers=ws.auth(supervisor))).status_code == 403
    personal_macro = await create(
        ws, "macros", {"name": "Mine", "actions": [{"type": "add_tags", "tags": ["x"]}]}
    )
    bad: list[tuple[dict[str, Any], str]] = [
        ({"trigger": {"type": "message_created", "minutes": 5}}, "minutes"),
        ({"trigger": {"type": "no_operator_reply"}}, "minutes"),
        ({"trigger": {"type": "on_full_moon"}}, "trigger.type"),
        ({"conditions": [{"field": "text", "op": "matches", "value": "(unclosed"}]}, "regular"),
        ({"conditions": [{"field": "sql", "op": "=", "value": "1; DROP TABLE"}]}, "sql"),
        ({"conditions": [{"field": "text", "op": "like", "value": "%"}]}, "op"),
        ({"conditions": [{"field": "contact_attribute", "key": "Bad Key", "op": "is_set"}]}, "key"),
        ({"conditions": [{"field": "contact_attribute", "key": "plan", "op": "equals"}]}, "value"),
        ({"actions": [{"type": "run_macro", "macro_id": personal_macro["id"]}]}, "not global"),
        ({"actions": [{"type": "send_message", "text": "{{ contact.phone }}"}]}, "contact.phone"),
        ({"actions": []}, "actions"),
    ]
    for change, words in bad:
        response = await ws.api.post(URL, headers=ws.auth(), json={**good, **change})
        assert error(response)[:2] == (422, "validation_error"), (change, response.text)
        assert words in response.json()["error"]["message"], response.text

    created = await rule(ws, **good)
    assert created["trigger"] == {"type": "message_created", "minutes": None}
    assert created["conditions"] == [{"field": "text", "op": "contains", "value": "refund"}]
    response = await ws.api.patch(
        f"{URL}/{created['id']}", headers=ws.auth(), json={"enabled": False, "position": 3}
    )
    assert response.json()["enabled"] is False and response.json()["position"] == 3
    response = await ws.api.patch(f"{URL}/{created['id']}", headers=ws.auth(), json={"name": None})
    assert error(response)[:2] == (422, "validation_error")
    assert [r["id"] for r in (await ws.api.get(URL, headers=ws.auth())).json()["items"]] == [
        created["id"]
    ]
    assert (await ws.api.delete(f"{URL}/{created['id']}", headers=ws.auth())).status_code == 204
    assert (await ws.api.get(f"{URL}/{created['id']}", headers=ws.auth())).status_code == 404


async def test_customer_message_rule_tags_prioritises_and_answers(workspace: Workspace) -> None:
    ws = workspace
    await rule(
        ws,
        name="Refunds",
        trigger={"type": "message_created"},
        conditions=[
            {"field": "text", "op": "matches", "value": r"возврат|refund"},
            {"field": "inbox", "value": [ws.inbox_id]},
            {"field": "priority", "op": "not_in", "value": ["urgent"]},
        ],
        actions=[
            {"type": "add_tags", "tags": ["refund"]},
            {"type": "set_priority", "priority": "high"},
            {"type": "send_message", "text": "{{contact.name|default:'Клиент'}}, заявка принята."},
        ],
    )
    await rule(
        ws,
        name="Disabled",
        enabled=False,
        trigger={"type": "message_created"},
        actions=[{"type": "add_tags", "tags": ["never"]}],
    )
    visitor = await ws.visitor("Анна")
    first = await visitor.say("Добрый день")
    conversation_id = first["conversation_id"]
    assert (await conversation(ws, conversation_id))["tags"] == []
    await visitor.say("Хочу ВОЗВРАТ денег")
    after = await conversation(ws, conversation_id)
    assert after["tags"] == ["refund"] and after["priority"] == "high"
    seen = await visitor.messages()
    assert [(m["author_type"], m["text"]) for m in seen][-1] == ("bot", "Анна, заявка принята.")
    # The bot's answer is not an operator's: the customer is still waiting.
    assert after["waiting_since"] is not None and after["unread_count"] == 2


async def test_rules_never_trigger_rules(workspace: Workspace) -> None:
    """Rule 1 reacts to a status change by assigning a team; rule 2 reacts to an assignment
    by changing the status. Each would trigger the other forever; neither triggers anything."""
    ws = workspace
    agent_id, _token = await ws.agent("agent@example.com")
    support = await team(ws, "Support")
    await rule(
        ws,
        name="On status",
        trigger={"type": "status_changed"},
        conditions=[{"field": "status", "value": ["resolved"]}],
        actions=[
            {"type": "assign_team", "team_id": support},
            {"type": "add_note", "text": "status rule ran"},
        ],
    )
    await rule(
        ws,
        name="On assignment",
        trigger={"type": "assigned"},
        actions=[
            {"type": "set_status", "status": "pending"},
            {"type": "add_note", "text": "assignment rule ran"},
        ],
    )
    visitor = await ws.visitor()
    conversation_id = (await visitor.say("hi"))["conversation_id"]
    response = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/status",
        headers=ws.auth(),
        json={"status": "resolved"},
    )
    assert response.status_code == 200
    after = await conversation(ws, conversation_id)
    assert after["status"] == "resolved" and after["team_id"] == support
    notes = [m["text"] for m in await messages(ws, conversation_id) if m["private"]]
    assert notes == ["status rule ran"]

    response = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/assign",
        headers=ws.auth(),
        json={"agent_id": agent_id},
    )
    assert response.status_code == 200
    after = await conversation(ws, conversation_id)
    assert after["status"] == "pending" and after["assignee_id"] == agent_id
    notes = [m["text"] for m in await messages(ws, conversation_id) if m["private"]]
    assert notes == ["status rule ran", "assignment rule ran"]


async def test_a_failing_rule_is_skipped_and_leaves_no_trace(workspace: Workspace) -> None:
    ws = workspace
    answer = await canned(ws, shortcut="soon-gone", scope="global", text="Ответ")
    await rule(
        ws,
        name="Broken later",
        position=1,
        trigger={"type": "conversation_created"},
        actions=[
            {"type": "add_tags", "tags": ["half-done"]},
            {"type": "send_canned", "canned_answer_id": answer["id"]},
        ],
    )
    await rule(
        ws,
        name="Fine",
        position=2,
        trigger={"type": "conversation_created"},
        actions=[{"type": "add_tags", "tags": ["seen"]}],
    )
    await ws.api.delete(f"/api/v1/canned-answers/{answer['id']}", headers=ws.auth())
    sock = await ws.agent_socket()
    start = await sock.ready()
    visitor = await ws.visitor()
    sent = await visitor.say("hello")
    conversation_id = sent["conversation_id"]
    after = await conversation(ws, conversation_id)
    assert after["tags"] == ["seen"]  # the broken rule's first step was undone
    assert [m["text"] for m in await messages(ws, conversation_id)] == ["hello"]
    await sock.until(
        lambda f: (
            f.get("type") == "conversation.updated"
            and f["data"]["conversation"]["tags"] == ["seen"]
        )
    )
    await sock.quiet(0.3)
    live = [f["id"] for f in sock.events()]
    await sock.close()
    # Every event sent live is in the log (nothing from the rolled-back rule was published).
    replay = await Socket.open(f"{ws.server.ws_url}/api/v1/ws", token=ws.token, last_event_id=start)
    await replay.ready()
    assert [f["id"] for f in replay.events()] == live
    assert all("half-done" not in str(f) for f in replay.events())
    await replay.close()


async def test_conditions_on_contact_language_tags_and_hours(
    workspace: Workspace, db: Database
) -> None:
    ws = workspace
    macro = await create(
        ws,
        "macros",
        {
            "name": "VIP",
            "scope": "global",
            "actions": [{"type": "set_priority", "priority": "urgent"}],
        },
    )
    vip = await rule(
        ws,
        name="VIP",
        trigger={"type": "message_created"},
        match="all",
        conditions=[
            {"field": "contact_attribute", "key": "plan", "op": "equals", "value": "GOLD"},
            {"field": "channel", "value": ["widget"]},
            {"field": "tag", "op": "has_not", "value": "ignored"},
            {"field": "business_hours", "op": "inside"},
        ],
        actions=[{"type": "run_macro", "macro_id": macro["id"]}],
    )
    visitor = await ws.visitor("Gold")
    conversation_id = (await visitor.say("one"))["conversation_id"]
    assert (await conversation(ws, conversation_id))["priority"] == "normal"
    async with db.session(write=True) as session:
        await session.execute(
            update(Contact)
            .where(Contact.id == visitor.contact_id)
            .values(attributes={"plan": "gold"})
        )

    async def dry_run() -> dict[str, Any]:
        response = await ws.api.post(
            f"{URL}/{vip['id']}/test", headers=ws.auth(), json={"conversation_id": conversation_id}
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    assert await dry_run() == {"matches": True, "conditions": [True, True, True, True]}
    # Closed all week: the hours condition fails, and the dry run says which one.
    await ws.api.patch(
        f"/api/v1/inboxes/{ws.inbox_id}",
        headers=ws.auth(),
        json={"settings": {"working_hours": {"timezone": "Europe/Moscow", "days": {}}}},
    )
    assert await dry_run() == {"matches": False, "conditions": [True, True, True, False]}
    await visitor.say("two")
    assert (await conversation(ws, conversation_id))["priority"] == "normal"
    await ws.api.patch(
        f"/api/v1/inboxes/{ws.inbox_id}",
        headers=ws.auth(),
        json={"settings": {"working_hours": {"enabled": False}}},
    )
    await visitor.say("three")
    assert (await conversation(ws, conversation_id))["priority"] == "urgent"
    response = await ws.api.post(
        f"{URL}/{vip['id']}/test", headers=ws.auth(), json={"conversation_id": 999}
    )
    assert error(response)[:2] == (404, "not_found")
    # Language (detected by routing; set directly here).
    english = await rule(
        ws,
        name="English",
        enabled=False,
        trigger={"type": "message_created"},
        conditions=[
            {"field": "language", "value": ["en"]},
            {"field": "language", "op": "not_in", "value": ["ru"]},
        ],
        actions=[{"type": "add_tags", "tags": ["en"]}],
    )
    async with db.session(write=True) as session:
        await session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(language="ru")
        )
    response = await ws.api.post(
        f"{URL}/{english['id']}/test", headers=ws.auth(), json={"conversation_id": conversation_id}
    )
    assert response.json() == {"matches": False, "conditions": [False, False]}


async def test_any_match_and_escalation(workspace: Workspace) -> None:
    ws = workspace
    second = await team(ws, "Second line")
    await rule(
        ws,
        name="Angry",
        trigger={"type": "message_created"},
        match="any",
        conditions=[
            {"field": "text", "op": "contains", "value": "жалоба"},
            {"field": "text", "op": "contains", "value": "complaint"},
        ],
        actions=[{"type": "escalate", "to_team_id": second, "reason": "Жалоба клиента"}],
    )
    visitor = await ws.visitor()
    conversation_id = (await visitor.say("I have a COMPLAINT"))["conversation_id"]
    after = await conversation(ws, conversation_id)
    assert after["team_id"] == second and after["assignee_id"] is None
    escalations = await ws.api.get(
        f"/api/v1/conversations/{conversation_id}/escalations", headers=ws.auth()
    )
    assert [e["reason"] for e in escalations.json()["items"]] == ["Жалоба клиента"]
