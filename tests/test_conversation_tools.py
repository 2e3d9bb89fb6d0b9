"""Tags, priority, custom attributes, merge and bulk actions."""

from __future__ import annotations

from tests.support import Workspace


async def test_tags_and_priority_show_in_the_list_and_live(workspace: Workspace) -> None:
    sock = await workspace.agent_socket()
    await sock.ready()
    conversation_id = (await (await workspace.visitor()).say("refund please"))["conversation_id"]
    tagged = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/tags",
        headers=workspace.auth(),
        json={"add": ["Refund", "vip", "refund"]},
    )
    assert tagged.json()["tags"] == ["refund", "vip"]
    untagged = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/tags",
        headers=workspace.auth(),
        json={"remove": ["vip"]},
    )
    assert untagged.json()["tags"] == ["refund"]
    urgent = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/priority",
        headers=workspace.auth(),
        json={"priority": "urgent"},
    )
    assert urgent.json()["priority"] == "urgent"
    bad = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/priority",
        headers=workspace.auth(),
        json={"priority": "asap"},
    )
    assert bad.status_code == 422
    frame = await sock.until(
        lambda f: (
            f.get("type") == "conversation.updated"
            and f["data"]["conversation"]["priority"] == "urgent"
        )
    )
    assert frame["data"]["conversation"]["tags"] == ["refund"]
    await sock.close()


async def test_custom_attributes_are_typed(workspace: Workspace) -> None:
    definitions = [
        {"entity": "conversation", "key": "order_id", "label": "Order", "type": "number"},
        {
            "entity": "conversation",
            "key": "plan",
            "label": "Plan",
            "type": "list",
            "options": ["free", "pro"],
        },
        {"entity": "conversation", "key": "due", "label": "Due", "type": "date"},
        {"entity": "contact", "key": "vip", "label": "VIP", "type": "boolean"},
    ]
    for body in definitions:
        created = await workspace.api.post(
            "/api/v1/attribute-definitions", headers=workspace.auth(), json=body
        )
        assert created.status_code == 201, created.text
    duplicate = await workspace.api.post(
        "/api/v1/attribute-definitions", headers=workspace.auth(), json=definitions[0]
    )
    assert duplicate.status_code == 409
    visitor = await workspace.visitor()
    conversation_id = (await visitor.say("hi"))["conversation_id"]
    url = f"/api/v1/conversations/{conversation_id}/attributes"
    ok = await workspace.api.put(
        url,
        headers=workspace.auth(),
        json={"values": {"order_id": 48213, "plan": "pro", "due": "2026-12-31"}},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["attributes"] == {"order_id": 48213, "plan": "pro", "due": "2026-12-31"}
    for values in ({"order_id": "many"}, {"plan": "gold"}, {"due": "tomorrow"}, {"nope": 1}):
        refused = await workspace.api.put(url, headers=workspace.auth(), json={"values": values})
        assert refused.status_code == 422, values
    cleared = await workspace.api.put(
        url, headers=workspace.auth(), json={"values": {"plan": None}}
    )
    assert cleared.json()["attributes"] == {"order_id": 48213, "due": "2026-12-31"}
    contact = await workspace.api.put(
        f"/api/v1/contacts/{visitor.contact_id}/attributes",
        headers=workspace.auth(),
        json={"values": {"vip": True}},
    )
    assert contact.json()["attributes"]["vip"] is True


async def test_contacts_and_attribute_definitions_change_live(workspace: Workspace) -> None:
    sock = await workspace.agent_socket()
    await sock.ready()
    created = await workspace.api.post(
        "/api/v1/attribute-definitions",
        headers=workspace.auth(),
        json={"entity": "contact", "key": "tier", "label": "Tier", "type": "text"},
    )
    assert created.status_code == 201, created.text
    definition = created.json()
    heard = await sock.until(lambda f: f.get("type") == "attribute_definition.changed")
    assert heard["data"] == {"id": definition["id"], "entity": "contact", "deleted": False}

    visitor = await workspace.visitor(name=None)
    await visitor.say("hello")
    changed = await workspace.api.put(
        f"/api/v1/contacts/{visitor.contact_id}/attributes",
        headers=workspace.auth(),
        json={"values": {"tier": "gold"}},
    )
    assert changed.status_code == 200, changed.text
    update = await sock.until(lambda f: f.get("type") == "contact.updated")
    assert update["data"]["contact"]["id"] == visitor.contact_id
    assert update["data"]["contact"]["attributes"]["tier"] == "gold"
    refused = await workspace.api.put(
        f"/api/v1/contacts/{visitor.contact_id}/attributes",
        headers=workspace.auth(),
        json={"values": {"tier": 5}},
    )
    assert refused.status_code == 422
    gone = await workspace.api.delete(
        f"/api/v1/attribute-definitions/{definition['id']}", headers=workspace.auth()
    )
    assert gone.status_code == 204, gone.text
    deleted = await sock.until(lambda f: f.get("type") == "attribute_definition.changed")
    assert deleted["data"]["deleted"] is True
    # The refused write announced nothing.
    updates = [f for f in sock.frames if f.get("type") == "contact.updated"]
    assert len(updates) == 1
    await sock.close()


async def test_merge_interleaves_messages_and_closes_the_other(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    first = await visitor.say("first conversation, message 1", client_msg_id="same")
    first_id = first["conversation_id"]
    await workspace.api.post(
        f"/api/v1/conversations/{first_id}/status",
        headers=workspace.auth(),
        json={"status": "resolved"},
    )
    # A second conversation of the same contact (created directly: widget reopens the first).
    from otklik.conversations.models import Conversation

    db = workspace.server.app.state.db
    async with db.session(write=True) as session:
        second = Conversation(
            inbox_id=workspace.inbox_id, contact_id=visitor.contact_id, channel="widget"
        )
        session.add(second)
    second_id = second.id
    await workspace.reply(second_id, "reply in the second")
    await workspace.reply(first_id, "back in the first")

    merged = await workspace.api.post(
        f"/api/v1/conversations/{first_id}/merge",
        headers=workspace.auth(),
        json={"other_id": second_id},
    )
    assert merged.status_code == 200, merged.text
    page = await workspace.api.get(
        f"/api/v1/conversations/{first_id}/messages", headers=workspace.auth()
    )
    assert [m["text"] for m in page.json()["items"]] == [
        "first conversation, message 1",
        "reply in the second",
        "back in the first",
    ]
    other = await workspace.api.get(f"/api/v1/conversations/{second_id}", headers=workspace.auth())
    assert other.json()["status"] == "resolved"
    again = await workspace.api.post(
        f"/api/v1/conversations/{first_id}/merge",
        headers=workspace.auth(),
        json={"other_id": second_id},
    )
    assert again.status_code == 422
    stranger = (await (await workspace.visitor("Other")).say("x"))["conversation_id"]
    refused = await workspace.api.post(
        f"/api/v1/conversations/{first_id}/merge",
        headers=workspace.auth(),
        json={"other_id": stranger},
    )
    assert refused.status_code == 422


async def test_bulk_actions_apply_to_all_or_none(workspace: Workspace) -> None:
    ids = [
        (await (await workspace.visitor(f"V{i}")).say("hi"))["conversation_id"] for i in range(3)
    ]
    tagged = await workspace.api.post(
        "/api/v1/conversations/bulk",
        headers=workspace.auth(),
        json={"ids": ids, "action": "tag", "add_tags": ["spam"]},
    )
    assert [c["tags"] for c in tagged.json()["items"]] == [["spam"]] * 3
    resolved = await workspace.api.post(
        "/api/v1/conversations/bulk",
        headers=workspace.auth(),
        json={"ids": ids, "action": "status", "status": "resolved"},
    )
    assert {c["status"] for c in resolved.json()["items"]} == {"resolved"}
    failing = await workspace.api.post(
        "/api/v1/conversations/bulk",
        headers=workspace.auth(),
        json={"ids": [*ids, 999999], "action": "priority", "priority": "high"},
    )
    assert failing.status_code == 404
    for conversation_id in ids:
        current = await workspace.api.get(
            f"/api/v1/conversations/{conversation_id}", headers=workspace.auth()
        )
        assert current.json()["priority"] == "normal"  # rolled back with the failure
    assigned = await workspace.api.post(
        "/api/v1/conversations/bulk",
        headers=workspace.auth(),
        json={"ids": ids, "action": "assign", "agent_id": workspace.admin_id},
    )
    assert {c["assignee_id"] for c in assigned.json()["items"]} == {workspace.admin_id}


async def test_view_counts_match_the_conversations_after_every_kind_of_change(
    workspace: Workspace,
) -> None:
    other_agent, _ = await workspace.agent("counted@example.com")
    visitors = [await workspace.visitor(f"C{i}") for i in range(6)]
    ids = [(await v.say("hi"))["conversation_id"] for v in visitors]
    auth = workspace.auth()
    await workspace.reply(ids[0], "mine now")  # replying assigns to me
    await workspace.api.post(
        f"/api/v1/conversations/{ids[1]}/assign", headers=auth, json={"agent_id": other_agent}
    )
    await workspace.api.post(
        f"/api/v1/conversations/{ids[2]}/status", headers=auth, json={"status": "pending"}
    )
    await workspace.api.post(
        "/api/v1/conversations/bulk",
        headers=auth,
        json={"ids": ids[3:5], "action": "status", "status": "resolved"},
    )
    await visitors[3].say("reopening")  # a customer writing again reopens
    await workspace.api.post(
        f"/api/v1/conversations/{ids[1]}/assign", headers=auth, json={"agent_id": None}
    )

    for status in ("open", "pending", "snoozed", "resolved"):
        everything = (
            await workspace.api.get(
                "/api/v1/conversations", headers=auth, params={"status": status, "limit": 100}
            )
        ).json()
        items = everything["items"]
        expected = {
            "all": len(items),
            "mine": sum(c["assignee_id"] == workspace.admin_id for c in items),
            "unassigned": sum(c["assignee_id"] is None for c in items),
            "teams": [],  # the admin is in no team
        }
        assert everything["counts"] == expected, status
