"""The JSON Schema of realtime frames (``otklik.frames``) describes what the sockets send.

The front ends' frame types are generated from that schema, so every frame a real server
sends must validate against the very models the schema is made of — and say nothing more.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import pkgutil
from typing import Any

import pytest

import otklik
from otklik import frames
from otklik.core.events import DomainEvent, FeedEntry
from tests.support import Socket, Workspace


def _domain_events() -> set[type[DomainEvent]]:
    for module in pkgutil.walk_packages(otklik.__path__, "otklik."):
        if module.name.endswith(".events"):
            importlib.import_module(module.name)
    found: set[type[DomainEvent]] = set()
    todo = list(DomainEvent.__subclasses__())
    while todo:
        event = todo.pop()
        todo.extend(event.__subclasses__())
        if event.__module__.startswith("otklik."):
            found.add(event)
    return found


def test_every_event_that_feeds_clients_declares_its_frames() -> None:
    feeding = {e for e in _domain_events() if e.feed is not DomainEvent.feed}
    assert feeding == set(frames.EVENTS)
    assert all(event.frames for event in feeding)


def test_the_schema_document() -> None:
    document = frames.schema()
    assert json.loads(frames.dumps(document)) == document  # plain JSON, stable text
    assert frames.dumps(frames.schema()) == frames.dumps(document)
    defs = document["$defs"]
    for audience, prefix in frames.PREFIX.items():
        assert document["properties"][audience] == {"$ref": f"#/$defs/{prefix}Frame"}
        events = [ref["$ref"].rsplit("/", 1)[1] for ref in defs[f"{prefix}EventFrame"]["oneOf"]]
        for name in events:
            frame = defs[name]
            assert frame["required"] == ["id", "type", "data"]
            assert frame["additionalProperties"] is False
            assert frame["properties"]["id"] == {"type": "integer"}
    agent_types = {frames.frame_type(m) for m in frames.catalogue("agents").all}
    assert {"message.created", "contact.updated", "typing", "presence", "ready"} <= agent_types
    visitor_types = {frames.frame_type(m) for m in frames.catalogue("visitor").all}
    assert visitor_types == {
        "agents_online",
        "conversation.updated",
        "message.created",
        "survey.requested",
        "typing",
        "ready",
        "resync",
        "heartbeat",
        "pong",
        "error",
    }
    # The widget's own document holds nothing of the operators'.
    visitor_only = frames.schema(["visitor"])
    assert list(visitor_only["properties"]) == ["visitor"]
    assert "ConversationOut" not in visitor_only["$defs"]
    # Fields with defaults are always sent, so the generated types do not make them optional.
    message = defs["MessageOut"]
    assert set(message["required"]) == set(message["properties"])


def test_payloads_are_built_from_the_frame_models_only() -> None:
    from otklik.conversations.events import CONVERSATION_MERGED_FRAME, ConversationMergedData
    from otklik.routing.events import EscalationData

    data = ConversationMergedData(from_id=1, into_id=2)
    assert CONVERSATION_MERGED_FRAME.entry("agents", data) == FeedEntry(
        "agents", "conversation.merged", '{"from_id":1,"into_id":2}'
    )
    with pytest.raises(TypeError):
        CONVERSATION_MERGED_FRAME.payload(EscalationData.model_construct())  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        CONVERSATION_MERGED_FRAME.entry("contact:1", data)


def check(frame: dict[str, Any], audience: frames.Audience) -> str:
    """``frame`` is one the schema allows, exactly as its model would write it."""
    adapter = frames.catalogue(audience).adapter()
    model = adapter.validate_python(frame)
    assert adapter.dump_python(model, mode="json") == frame, frame
    return frames.frame_type(type(model))


async def drain(sock: Socket) -> list[dict[str, Any]]:
    await sock.quiet(0.5)
    return sock.frames


async def test_every_frame_the_sockets_send_validates(workspace: Workspace) -> None:
    api, auth = workspace.api, workspace.auth()
    agents = await workspace.agent_socket()
    await agents.ready()
    visitor = await workspace.visitor("Vera")
    first = await visitor.say("hello")  # conversation.created, message.created
    conversation_id = first["conversation_id"]
    widget = await visitor.socket()
    await widget.ready()

    # Typing, both ways; presence.
    await agents.send({"type": "typing", "conversation_id": conversation_id, "typing": True})
    await widget.until(lambda f: f.get("type") == "typing")
    await widget.send({"type": "typing", "typing": True})
    await agents.until(lambda f: f.get("type") == "typing" and f["author_type"] == "contact")
    await agents.send({"type": "presence", "status": "away"})
    await agents.until(lambda f: f.get("type") == "presence")
    await agents.send({"type": "nonsense"})  # an error frame
    await agents.until(lambda f: f.get("type") == "error")
    await agents.send({"type": "ping"})
    await agents.until(lambda f: f.get("type") == "pong")

    # Replies, a private note, resolved and reopened (the visitor hears the status).
    await workspace.reply(conversation_id, "hi, how can I help?")
    await workspace.reply(conversation_id, "a note", private=True)
    resolved = await api.post(
        f"/api/v1/conversations/{conversation_id}/status", headers=auth, json={"status": "resolved"}
    )
    assert resolved.status_code == 200, resolved.text
    await visitor.say("one more thing")
    await widget.until(lambda f: f.get("type") == "conversation.updated")

    # Contacts and attribute definitions.
    created = await api.post(
        "/api/v1/attribute-definitions",
        headers=auth,
        json={"entity": "contact", "key": "vip", "label": "VIP", "type": "boolean"},
    )
    assert created.status_code == 201, created.text
    changed = await api.put(
        f"/api/v1/contacts/{visitor.contact_id}/attributes",
        headers=auth,
        json={"values": {"vip": True}},
    )
    assert changed.status_code == 200, changed.text
    # CRM: a company, a note on the contact, and a duplicate merged into it.
    company = await api.post("/api/v1/companies", headers=auth, json={"name": "ACME"})
    assert company.status_code == 201, company.text
    note = await api.post(
        f"/api/v1/contacts/{visitor.contact_id}/notes", headers=auth, json={"text": "VIP"}
    )
    assert note.status_code == 201, note.text
    twin = await api.post("/api/v1/contacts", headers=auth, json={"name": "Vera"})
    merged_contact = await api.post(
        f"/api/v1/contacts/{visitor.contact_id}/merge",
        headers=auth,
        json={"other_id": twin.json()["id"]},
    )
    assert merged_contact.status_code == 200, merged_contact.text

    # Scripts: a canned answer, a macro, an automation rule, a CSV import.
    for path, body in (
        ("canned-answers", {"shortcut": "hi", "title": "Hi", "text": "Hello!", "scope": "global"}),
        (
            "macros",
            {"name": "Tag", "scope": "global", "actions": [{"type": "add_tags", "tags": ["x"]}]},
        ),
        (
            "automation-rules",
            {
                "name": "Rule",
                "trigger": {"type": "message_created"},
                "conditions": [{"field": "text", "op": "contains", "value": "refund"}],
                "actions": [{"type": "add_tags", "tags": ["refund"]}],
            },
        ),
    ):
        response = await api.post(f"/api/v1/{path}", headers=auth, json=body)
        assert response.status_code == 201, (path, response.text)
    exported = await api.get("/api/v1/canned-answers/export", headers=auth)
    imported = await api.post(
        "/api/v1/canned-answers/import?on_conflict=update",
        headers=auth | {"Content-Type": "text/csv"},
        content=exported.content.replace(b"Hello!", b"Hello again!"),
    )
    assert imported.status_code == 200 and imported.json()["updated"] == 1, imported.text

    # Escalation to a second line and back.
    line_one = await api.post(
        "/api/v1/teams", headers=auth, json={"name": "1st", "agent_ids": [workspace.admin_id]}
    )
    line_two = await api.post(
        "/api/v1/teams",
        headers=auth,
        json={"name": "2nd", "agent_ids": [workspace.admin_id], "line": 2},
    )
    await api.patch(
        f"/api/v1/teams/{line_one.json()['id']}",
        headers=auth,
        json={"escalates_to_id": line_two.json()["id"]},
    )
    await api.patch(
        f"/api/v1/inboxes/{workspace.inbox_id}",
        headers=auth,
        json={"team_id": line_one.json()["id"]},
    )
    second = await (await workspace.visitor("Second")).say("needs a specialist")
    escalated = await api.post(
        f"/api/v1/conversations/{second['conversation_id']}/escalate",
        headers=auth,
        json={"reason": "API error 502", "hand_back": True},
    )
    assert escalated.status_code == 200, escalated.text
    back = await api.post(
        f"/api/v1/conversations/{second['conversation_id']}/hand-back",
        headers=auth,
        json={"note": "fixed"},
    )
    assert back.status_code == 200, back.text

    # A merge: a second conversation of the same contact (made directly, as the widget
    # would reopen the first).
    from otklik.conversations.models import Conversation

    async with workspace.server.app.state.db.session(write=True) as session:
        other = Conversation(
            inbox_id=workspace.inbox_id, contact_id=visitor.contact_id, channel="widget"
        )
        session.add(other)
    await workspace.reply(other.id, "in the other one")
    merged = await api.post(
        f"/api/v1/conversations/{conversation_id}/merge", headers=auth, json={"other_id": other.id}
    )
    assert merged.status_code == 200, merged.text

    # Channel health: an inbox turned off and on again (admins hear its state).
    for active in (False, True):
        toggled = await api.patch(
            f"/api/v1/inboxes/{workspace.inbox_id}", headers=auth, json={"active": active}
        )
        assert toggled.status_code == 200, toggled.text
    # A note that mentions a colleague, and the colleague reading it.
    _, mira_token = await workspace.agent("mira@example.com", name="Мира")
    await workspace.reply(conversation_id, "@Мира, посмотри", private=True)
    read = await api.post("/api/v1/mentions/read", headers=workspace.auth(mira_token), json={})
    assert read.status_code == 200 and read.json() == {"unread": 0}, read.text

    # Workforce: a shift placed in the team calendar, and a time-off request.
    placed = await api.post(
        "/api/v1/workforce/shifts",
        headers=auth,
        json={
            "agent_id": workspace.admin_id,
            "starts_at": "2030-01-07T09:00:00+00:00",
            "ends_at": "2030-01-07T17:00:00+00:00",
        },
    )
    assert placed.status_code == 201, placed.text
    time_off = await api.post(
        "/api/v1/workforce/requests/time-off",
        headers=auth,
        json={"date_from": "2030-01-08", "date_to": "2030-01-09", "reason": "dentist"},
    )
    assert time_off.status_code == 201, time_off.text

    # Everything again, replayed from the log to a socket that resumes.
    replayed = await workspace.agent_socket(last_event_id=0)
    await replayed.ready()
    await asyncio.sleep(0.1)

    seen: dict[frames.Audience, set[str]] = {"agents": set(), "visitor": set()}
    sockets: list[tuple[Socket, frames.Audience]] = [
        (agents, "agents"),
        (replayed, "agents"),
        (widget, "visitor"),
    ]
    for sock, audience in sockets:
        for frame in await drain(sock):
            seen[audience].add(check(frame, audience))
        await sock.close()
    assert seen["visitor"] == {"ready", "typing", "message.created", "conversation.updated"}
    unsent = {frames.frame_type(m) for m in frames.catalogue("agents").all} - seen["agents"]
    # Delivery states need an outgoing channel; resync and heartbeat need time or a backlog;
    # SLA alerts a policy and its due time passing (tests/test_sla.py validates those),
    # surveys an inbox that sends them (tests/test_surveys.py validates those).
    assert unsent == {
        "message.updated",
        "resync",
        "heartbeat",
        "sla.breached",
        "sla.warning",
        "survey.sent",
        "survey.responded",
    }, unsent


async def test_a_frame_outside_the_schema_is_refused() -> None:
    from pydantic import ValidationError

    good = {"id": 1, "type": "conversation.merged", "data": {"from_id": 1, "into_id": 2}}
    assert check(good, "agents") == "conversation.merged"
    for bad in (
        {**good, "type": "agent.updated"},
        {**good, "data": {"from_id": 1}},
        {**good, "extra": True},
        {"type": "typing", "conversation_id": 1, "typing": True},
    ):
        with pytest.raises(ValidationError):
            check(bad, "agents")
    # A visitor's frames are not an operator's.
    with pytest.raises(ValidationError):
        check({"type": "typing", "author_type": "agent", "name": "A", "typing": True}, "agents")
