"""Team- and inbox-scoped access (ADR 0017): who sees which conversation, in lists, counts,
sockets and their catch-up, and what changes when an admin changes memberships."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

from otklik.accounts.access import Scope, visible
from otklik.core.events import Reach
from tests.support import Socket, Workspace

# --- the rule's two forms agree -------------------------------------------------------

_REACHES = [
    Reach(inbox, team, assignee)
    for inbox, team, assignee in itertools.product((1, 2), (None, 1, 2), (None, 7, 8))
]


@pytest.mark.parametrize("role", ["admin", "supervisor", "agent"])
def test_the_sql_rule_and_the_socket_rule_select_the_same_conversations(role: str) -> None:
    """Lists filter in SQL and sockets in Python: both must let through the same ones."""
    scope = Scope(agent_id=7, role=role, inbox_ids=frozenset({1}), team_ids=frozenset({1}))
    table = Table(
        "c",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("inbox_id", Integer),
        Column("team_id", Integer),
        Column("assignee_id", Integer),
    )
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(table),
            [
                {
                    "id": i,
                    "inbox_id": r.inbox_id,
                    "team_id": r.team_id,
                    "assignee_id": r.assignee_id,
                }
                for i, r in enumerate(_REACHES)
            ],
        )
        condition = visible(
            scope,
            inbox_id=table.c.inbox_id,
            team_id=table.c.team_id,
            assignee_id=table.c.assignee_id,
        )
        by_sql = set(conn.execute(select(table.c.id).where(condition)).scalars())
    by_python = {i for i, r in enumerate(_REACHES) if scope.sees(r)}
    assert by_sql == by_python
    seen = {_REACHES[i] for i in by_python}
    # What each role is promised in docs/security.md:
    assert Reach(2, 2, 7) in seen  # assigned to me: anywhere
    if role == "admin":
        assert seen == set(_REACHES)
    elif role == "supervisor":
        assert Reach(1, 2, 8) in seen  # my inbox, another team
        assert Reach(2, 1, None) in seen  # my team, another inbox
        assert Reach(2, None, 8) not in seen and Reach(2, 2, None) not in seen
    else:
        assert Reach(1, None, 8) in seen and Reach(1, 1, None) in seen
        assert Reach(1, 2, None) not in seen  # my inbox, another team
        assert Reach(2, 1, None) not in seen  # my team, another inbox


# --- what operators notice --------------------------------------------------------------


async def _inbox(ws: Workspace, name: str) -> tuple[int, str]:
    response = await ws.api.post(
        "/api/v1/inboxes", headers=ws.auth(), json={"name": name, "channel": "widget"}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"]), str(response.json()["public_key"])


async def _set_members(ws: Workspace, inbox_id: int, agent_ids: list[int]) -> None:
    response = await ws.api.put(
        f"/api/v1/inboxes/{inbox_id}/members", headers=ws.auth(), json={"agent_ids": agent_ids}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"agent_ids": sorted(agent_ids)}


async def _listed(ws: Workspace, token: str) -> tuple[set[int], dict[str, int]]:
    response = await ws.api.get("/api/v1/conversations", headers=ws.auth(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return {c["id"] for c in body["items"]}, body["counts"]


def _about(frame: dict[str, Any]) -> int | None:
    data = frame.get("data") or {}
    conversation = data.get("conversation") or {}
    ident = conversation.get("id")
    return int(ident) if ident is not None else None


async def test_an_agent_sees_only_their_inboxes_live_in_lists_counts_and_catch_up(
    workspace: Workspace,
) -> None:
    ws = workspace
    agent_id, agent_token = await ws.agent("scoped@example.com")
    other_inbox, other_key = await _inbox(ws, "Billing site")
    # Both inboxes were given to every operator; billing is narrowed to the admin.
    assert (await ws.api.get(f"/api/v1/inboxes/{other_inbox}/members", headers=ws.auth())).json()[
        "agent_ids"
    ] == [ws.admin_id, agent_id]
    await _set_members(ws, other_inbox, [ws.admin_id])

    sock = await ws.agent_socket(token=agent_token)
    await sock.ready()
    mine = await ws.visitor("Mine")
    theirs = await ws.visitor("Theirs", inbox_key=other_key)
    first = await mine.say("hello from my inbox")
    second = await theirs.say("hello from billing")
    mine_id, theirs_id = int(first["conversation_id"]), int(second["conversation_id"])

    # Live: the frame of the billing conversation never reaches the agent's socket, though
    # it was committed after the one that did.
    await sock.until(lambda f: f.get("type") == "message.created" and _about(f) == mine_id)
    admin_sock = await ws.agent_socket()
    await admin_sock.ready()
    await theirs.say("more from billing")
    await admin_sock.until(lambda f: f.get("type") == "message.created" and _about(f) == theirs_id)
    await mine.say("more from mine")
    await sock.until(
        lambda f: (
            f.get("type") == "message.created" and f["data"]["message"]["text"] == "more from mine"
        )
    )
    assert theirs_id not in {_about(f) for f in sock.events()}
    last_seen = max(int(f["id"]) for f in sock.events())
    await sock.close()
    await admin_sock.close()

    # Lists, counts and reads.
    listed, counts = await _listed(ws, agent_token)
    assert listed == {mine_id}
    assert counts["all"] == 1 and counts["unassigned"] == 1
    admin_listed, admin_counts = await _listed(ws, ws.token)
    assert admin_listed == {mine_id, theirs_id} and admin_counts["all"] == 2
    for path in ("", "/messages"):
        hidden = await ws.api.get(
            f"/api/v1/conversations/{theirs_id}{path}", headers=ws.auth(agent_token)
        )
        assert hidden.status_code == 404, hidden.text
    reply = await ws.api.post(
        f"/api/v1/conversations/{theirs_id}/messages",
        headers=ws.auth(agent_token),
        json={"client_msg_id": "x1", "text": "not mine", "private": True},
    )
    assert reply.status_code == 404

    # Catch-up after a reconnect filters the same way.
    await theirs.say("while the agent was away")
    await mine.say("while the agent was away, mine")
    back = await ws.agent_socket(token=agent_token, last_event_id=0)
    await back.ready()
    replayed = {_about(f) for f in back.events()}
    assert mine_id in replayed and theirs_id not in replayed
    await back.close()

    # The admin adds the agent to billing: an open socket is told to refetch, then hears it.
    live = await ws.agent_socket(token=agent_token, last_event_id=last_seen)
    await live.ready()
    await _set_members(ws, other_inbox, [ws.admin_id, agent_id])
    await live.until(lambda f: f.get("type") == "resync")
    await theirs.say("now you see me")
    await live.until(lambda f: f.get("type") == "message.created" and _about(f) == theirs_id)
    await live.close()
    listed, counts = await _listed(ws, agent_token)
    assert listed == {mine_id, theirs_id} and counts["all"] == 2


async def test_agents_see_their_teams_and_supervisors_their_inboxes(workspace: Workspace) -> None:
    ws = workspace
    agent_id, agent_token = await ws.agent("first-line@example.com")
    _, lead_token = await ws.agent("lead@example.com", role="supervisor")
    teams = []
    for name, members in (("First line", [agent_id]), ("Billing", [])):
        response = await ws.api.post(
            "/api/v1/teams", headers=ws.auth(), json={"name": name, "agent_ids": members}
        )
        assert response.status_code == 201, response.text
        teams.append(int(response.json()["id"]))
    first_line, billing = teams
    ids = []
    for team in (None, first_line, billing):
        said = await (await ws.visitor()).say("help")
        conversation_id = int(said["conversation_id"])
        ids.append(conversation_id)
        if team is not None:
            moved = await ws.api.post(
                f"/api/v1/conversations/{conversation_id}/assign",
                headers=ws.auth(),
                json={"team_id": team},
            )
            assert moved.status_code == 200, moved.text
    no_team, first, other = ids
    assert (await _listed(ws, agent_token))[0] == {no_team, first}
    assert (await _listed(ws, lead_token))[0] == {no_team, first, other}
    # Assigned to the agent, the other team's conversation becomes theirs to see.
    given = await ws.api.post(
        f"/api/v1/conversations/{other}/assign",
        headers=ws.auth(lead_token),
        json={"agent_id": agent_id},
    )
    assert given.status_code == 200, given.text
    listed, counts = await _listed(ws, agent_token)
    assert listed == {no_team, first, other}
    teams = counts.pop("teams")
    assert counts == {"all": 3, "mine": 1, "unassigned": 2}
    # Their team's queue: its one open conversation (the other team's is not theirs).
    assert [entry["n"] for entry in teams] == [1]


async def test_an_agent_transfers_a_conversation_out_of_their_scope(workspace: Workspace) -> None:
    """The write that takes it away succeeds; from then on it is out of their sight."""
    ws = workspace
    agent_id, agent_token = await ws.agent("mover@example.com")
    team = await ws.api.post("/api/v1/teams", headers=ws.auth(), json={"name": "Tech"})
    said = await (await ws.visitor()).say("my router is broken")
    conversation_id = int(said["conversation_id"])
    moved = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/assign",
        headers=ws.auth(agent_token),
        json={"team_id": team.json()["id"], "agent_id": None},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["team_id"] == team.json()["id"]
    gone = await ws.api.get(
        f"/api/v1/conversations/{conversation_id}", headers=ws.auth(agent_token)
    )
    assert gone.status_code == 404
    listed, counts = await _listed(ws, agent_token)
    assert conversation_id not in listed and counts["all"] == 0
    assert moved.json()["assignee_id"] != agent_id


async def test_an_agent_socket_gets_no_typing_of_hidden_conversations(workspace: Workspace) -> None:
    ws = workspace
    _, agent_token = await ws.agent("typist@example.com")
    other_inbox, other_key = await _inbox(ws, "Hidden")
    await _set_members(ws, other_inbox, [ws.admin_id])
    hidden = int((await (await ws.visitor(inbox_key=other_key)).say("psst"))["conversation_id"])
    shown = int((await (await ws.visitor()).say("hello"))["conversation_id"])
    sock: Socket = await ws.agent_socket(token=agent_token)
    await sock.ready()
    await sock.send({"type": "typing", "conversation_id": hidden, "typing": True})
    error = await sock.until(lambda f: f.get("type") == "error")
    assert error["code"] == "not_found"
    admin_sock = await ws.agent_socket()
    await admin_sock.ready()
    # One socket's frames are published in order: once the second notice arrived, the
    # first would have.
    await admin_sock.send({"type": "typing", "conversation_id": hidden, "typing": True})
    await admin_sock.send({"type": "typing", "conversation_id": shown, "typing": True})
    await sock.until(lambda f: f.get("type") == "typing" and f["conversation_id"] == shown)
    assert [f["conversation_id"] for f in sock.frames if f.get("type") == "typing"] == [shown]
    await sock.close()
    await admin_sock.close()


async def test_contact_updates_reach_only_operators_who_see_one_of_its_conversations(
    workspace: Workspace,
) -> None:
    ws = workspace
    _, agent_token = await ws.agent("cards@example.com")
    other_inbox, other_key = await _inbox(ws, "Billing site")
    await _set_members(ws, other_inbox, [ws.admin_id])
    created = await ws.api.post(
        "/api/v1/attribute-definitions",
        headers=ws.auth(),
        json={"entity": "contact", "key": "tier", "label": "Tier", "type": "text"},
    )
    assert created.status_code == 201, created.text
    mine = await ws.visitor("Mine")
    await mine.say("hello")
    theirs = await ws.visitor("Theirs", inbox_key=other_key)
    await theirs.say("hello from billing")
    sock = await ws.agent_socket(token=agent_token)
    await sock.ready()
    admin_sock = await ws.agent_socket()
    await admin_sock.ready()

    def updated(contact_id: int) -> Any:
        return lambda f: (
            f.get("type") == "contact.updated" and f["data"]["contact"]["id"] == contact_id
        )

    # The billing customer first, then the agent's own: when the second reaches the agent's
    # socket, the first would have arrived before it.
    for visitor, tier in ((theirs, "gold"), (mine, "silver")):
        changed = await ws.api.put(
            f"/api/v1/contacts/{visitor.contact_id}/attributes",
            headers=ws.auth(),
            json={"values": {"tier": tier}},
        )
        assert changed.status_code == 200, changed.text
    await admin_sock.until(updated(theirs.contact_id))
    heard = await sock.until(updated(mine.contact_id))
    assert heard["data"]["contact"]["attributes"]["tier"] == "silver"
    assert not any(updated(theirs.contact_id)(f) for f in sock.events())
    await sock.close()
    await admin_sock.close()


async def test_only_admins_read_the_channels_configuration(workspace: Workspace) -> None:
    ws = workspace
    _, agent_token = await ws.agent("lists@example.com")
    created = await ws.api.post(
        "/api/v1/inboxes", headers=ws.auth(), json={"name": "Bridge", "channel": "api"}
    )
    assert created.status_code == 201, created.text
    bridge = created.json()["id"]

    async def config_seen_by(token: str) -> dict[str, Any]:
        response = await ws.api.get("/api/v1/inboxes", headers=ws.auth(token))
        assert response.status_code == 200, response.text
        by_id = {item["id"]: item for item in response.json()["items"]}
        assert by_id[bridge]["name"] == "Bridge"  # operators still see the inbox itself
        config: dict[str, Any] = by_id[bridge]["config"]
        return config

    assert "api_key" in await config_seen_by(ws.token)
    assert await config_seen_by(agent_token) == {}
