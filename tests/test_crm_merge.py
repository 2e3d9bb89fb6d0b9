"""Merging contacts (issue 15): everything of the other contact moves to the target; where
both have a value the target keeps its own and the other's is kept in the merge record (the
audit log); duplicates are suggested by a shared email or phone, also a channel identity's."""

from __future__ import annotations

from typing import Any

from otklik.contacts.models import Contact
from tests.support import Workspace


async def _define(ws: Workspace, key: str) -> None:
    response = await ws.api.post(
        "/api/v1/attribute-definitions",
        headers=ws.auth(),
        json={"entity": "contact", "key": key, "label": key, "type": "text"},
    )
    assert response.status_code == 201, response.text


async def _get(ws: Workspace, path: str) -> Any:
    response = await ws.api.get(path, headers=ws.auth())
    assert response.status_code == 200, response.text
    return response.json()


async def test_merge_moves_everything_and_records_the_conflicts(workspace: Workspace) -> None:
    ws = workspace
    for key in ("plan", "order", "city"):
        await _define(ws, key)
    target = await ws.visitor("Anna")
    await target.say("first question")
    other = await ws.visitor("Anna P.")
    said = await other.say("second question")
    for visitor, body, values in (
        (
            target,
            {"emails": ["anna@shop.example"], "tags": ["vip"], "timezone": "Europe/Moscow"},
            {"plan": "pro", "city": "Kazan"},
        ),
        (
            other,
            {
                "emails": ["anna.p@home.example"],
                "phones": ["+7 912 345-67-89"],
                "tags": ["b2b"],
                "language": "ru",
                "timezone": "Asia/Omsk",
            },
            {"plan": "free", "order": "A-1"},
        ),
    ):
        patched = await ws.api.patch(
            f"/api/v1/contacts/{visitor.contact_id}", headers=ws.auth(), json=body
        )
        assert patched.status_code == 200, patched.text
        put = await ws.api.put(
            f"/api/v1/contacts/{visitor.contact_id}/attributes",
            headers=ws.auth(),
            json={"values": values},
        )
        assert put.status_code == 200, put.text
    note = await ws.api.post(
        f"/api/v1/contacts/{other.contact_id}/notes", headers=ws.auth(), json={"text": "Calls"}
    )
    assert note.status_code == 201
    sock = await ws.agent_socket()
    await sock.ready()

    response = await ws.api.post(
        f"/api/v1/contacts/{target.contact_id}/merge",
        headers=ws.auth(),
        json={"other_id": other.contact_id},
    )
    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["emails"] == ["anna@shop.example", "anna.p@home.example"]
    assert merged["phones"] == ["+79123456789"]
    assert merged["tags"] == ["b2b", "vip"]
    # Conflicts: the target keeps its own; what it lacked moves.
    assert merged["attributes"]["plan"] == "pro"
    assert merged["attributes"]["city"] == "Kazan"
    assert merged["attributes"]["order"] == "A-1"
    assert (merged["name"], merged["timezone"], merged["language"]) == (
        "Anna",
        "Europe/Moscow",
        "ru",
    )
    await sock.until(
        lambda f: (
            f.get("type") == "contact.merged"
            and f["data"] == {"from_id": other.contact_id, "into_id": target.contact_id}
        )
    )

    # The other contact is gone; its conversation and note are the target's.
    gone = await ws.api.get(f"/api/v1/contacts/{other.contact_id}", headers=ws.auth())
    assert gone.status_code == 404
    conversations = await _get(ws, f"/api/v1/contacts/{target.contact_id}/conversations")
    assert said["conversation_id"] in {c["id"] for c in conversations["items"]}
    assert len(conversations["items"]) == 2
    notes = await _get(ws, f"/api/v1/contacts/{target.contact_id}/notes")
    assert [n["text"] for n in notes["items"]] == ["Calls"]
    # Its addresses are the target's now: found by them, and nobody else may take them.
    found = await _get(ws, "/api/v1/contacts?q=%2B79123456789")
    assert [c["id"] for c in found["items"]] == [target.contact_id]
    clash = await ws.api.post(
        "/api/v1/contacts", headers=ws.auth(), json={"emails": ["anna.p@home.example"]}
    )
    assert clash.status_code == 409

    # The merge record: who, when, what moved, what the target kept over the other's.
    entries = await _get(ws, "/api/v1/audit?action=contact.merged")
    [entry] = entries["items"]
    assert (entry["actor_id"], entry["target_id"]) == (ws.admin_id, target.contact_id)
    assert entry["created_at"]
    data = entry["data"]
    assert data["from_id"] == other.contact_id
    assert data["moved"]["conversations"] == 1
    assert data["moved"]["notes"] == 1
    assert data["moved"]["emails"] == ["anna.p@home.example"]
    assert data["moved"]["attributes"] == ["order"]
    assert data["kept"]["attributes"] == {"plan": "free"}
    assert data["kept"]["timezone"] == "Asia/Omsk"


async def test_a_merge_needs_two_contacts_the_caller_sees(workspace: Workspace) -> None:
    ws = workspace
    visitor = await ws.visitor("Seen")
    await visitor.say("hi")
    hidden = await ws.api.post("/api/v1/contacts", headers=ws.auth(), json={"name": "Hidden"})
    agent_id, token = await ws.agent("merger@example.com")
    await ws.api.put(
        f"/api/v1/inboxes/{ws.inbox_id}/members",
        headers=ws.auth(),
        json={"agent_ids": [ws.admin_id, agent_id]},
    )
    path = f"/api/v1/contacts/{visitor.contact_id}/merge"
    for body, status in (
        ({"other_id": hidden.json()["id"]}, 404),
        ({"other_id": visitor.contact_id}, 422),
        ({"other_id": 0}, 422),
        ({}, 422),
    ):
        response = await ws.api.post(path, headers=ws.auth(token), json=body)
        assert response.status_code == status, (body, response.text)
    still = await ws.api.get(f"/api/v1/contacts/{hidden.json()['id']}", headers=ws.auth())
    assert still.status_code == 200


async def test_duplicates_are_suggested_by_shared_email_or_phone(workspace: Workspace) -> None:
    ws = workspace
    one = await ws.visitor("Ivan")
    await one.say("hi")
    await ws.api.patch(
        f"/api/v1/contacts/{one.contact_id}",
        headers=ws.auth(),
        json={"emails": ["ivan@corp.example"], "phones": ["+7 903 111 22 33"]},
    )
    # A channel-made contact with the same email (as a mail sender or a pre-chat form makes
    # it), another with nothing in common.
    two = await ws.visitor("Ivan S.")
    await two.say("hello")
    async with ws.server.app.state.db.session(write=True) as session:
        contact = await session.get_one(Contact, two.contact_id)
        contact.email = "ivan@corp.example"
    three = await ws.visitor("Someone else")
    await three.say("hey")
    found = await _get(ws, f"/api/v1/contacts/{one.contact_id}/duplicates")
    assert [(d["contact"]["id"], d["shared"]) for d in found["items"]] == [
        (two.contact_id, ["ivan@corp.example"])
    ]
    back = await _get(ws, f"/api/v1/contacts/{two.contact_id}/duplicates")
    assert [d["contact"]["id"] for d in back["items"]] == [one.contact_id]
    assert (await _get(ws, f"/api/v1/contacts/{three.contact_id}/duplicates"))["items"] == []
