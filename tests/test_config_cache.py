"""Configuration caches: a committed change is obeyed by the next event, a rolled-back one
changes nothing, and a warm visitor message reads no configuration from the database."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.config import Settings
from otklik.core import config_cache
from otklik.core.db import Database
from otklik.scripts.engine import RULES
from tests.receivers import Receiver
from tests.scripts_support import canned, conversation, rule, team
from tests.support import Workspace
from tests.test_queries import count_selects

URL = "/api/v1/automation-rules"
CONFIG_TABLES = ("automation_rules", "webhook_endpoints")


@pytest.fixture(autouse=True)
def allow_test_receivers(settings: Settings) -> None:
    settings.webhook_allow_hosts = ["127.0.0.2/32"]


async def tags_of_new_chat(ws: Workspace, text: str = "hello") -> list[str]:
    said = await (await ws.visitor()).say(text)
    tags: list[str] = (await conversation(ws, said["conversation_id"]))["tags"]
    return tags


async def test_rule_changes_are_obeyed_by_the_next_message(workspace: Workspace) -> None:
    ws = workspace
    assert await tags_of_new_chat(ws) == []  # warm: the cache holds "no rules"
    created = await rule(
        ws, trigger={"type": "message_created"}, actions=[{"type": "add_tags", "tags": ["one"]}]
    )
    assert await tags_of_new_chat(ws) == ["one"]
    path = f"{URL}/{created['id']}"
    changed = await ws.api.patch(
        path, headers=ws.auth(), json={"actions": [{"type": "add_tags", "tags": ["two"]}]}
    )
    assert changed.status_code == 200, changed.text
    assert await tags_of_new_chat(ws) == ["two"]
    assert (await ws.api.patch(path, headers=ws.auth(), json={"enabled": False})).is_success
    assert await tags_of_new_chat(ws) == []
    assert (await ws.api.patch(path, headers=ws.auth(), json={"enabled": True})).is_success
    assert await tags_of_new_chat(ws) == ["two"]
    assert (await ws.api.delete(path, headers=ws.auth())).status_code == 204
    assert await tags_of_new_chat(ws) == []


async def _delivery_events(ws: Workspace, endpoint_id: int) -> list[str]:
    response = await ws.api.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", headers=ws.auth())
    assert response.status_code == 200, response.text
    return [item["event"] for item in response.json()["items"]]


async def test_endpoint_changes_are_obeyed_by_the_next_event(
    workspace: Workspace, receiver: Receiver
) -> None:
    ws = workspace
    visitor = await ws.visitor()
    await visitor.say("warm the caches")
    created = await ws.api.post(
        "/api/v1/webhooks",
        headers=ws.auth(),
        json={"url": receiver.url, "events": ["message.created"]},
    )
    assert created.status_code == 201, created.text
    endpoint_id = created.json()["id"]
    path = f"/api/v1/webhooks/{endpoint_id}"
    # Deliveries are written in the message's transaction: listed as soon as it is answered.
    await visitor.say("one")
    assert await _delivery_events(ws, endpoint_id) == ["message.created"]
    patch = {"events": ["conversation.assigned"]}
    assert (await ws.api.patch(path, headers=ws.auth(), json=patch)).is_success
    await visitor.say("two")
    assert len(await _delivery_events(ws, endpoint_id)) == 1
    patch = {"events": ["message.created"], "active": False}
    assert (await ws.api.patch(path, headers=ws.auth(), json=patch)).is_success
    await visitor.say("three")
    assert len(await _delivery_events(ws, endpoint_id)) == 1
    assert (await ws.api.patch(path, headers=ws.auth(), json={"active": True})).is_success
    await visitor.say("four")
    assert len(await _delivery_events(ws, endpoint_id)) == 2
    assert (await ws.api.delete(path, headers=ws.auth())).status_code == 204
    # A stale cache would write a delivery for the deleted endpoint (a foreign-key error).
    await visitor.say("five")


async def test_inbox_changes_are_obeyed_by_the_next_request(workspace: Workspace) -> None:
    ws = workspace
    config = await ws.api.get("/api/v1/widget/config", params={"inbox_key": ws.inbox_key})
    assert config.status_code == 200, config.text
    path = f"/api/v1/inboxes/{ws.inbox_id}"
    patch = {"settings": {"title": "Help"}}
    assert (await ws.api.patch(path, headers=ws.auth(), json=patch)).is_success
    config = await ws.api.get("/api/v1/widget/config", params={"inbox_key": ws.inbox_key})
    assert config.json()["inbox"]["settings"]["title"] == "Help"
    assert (await ws.api.patch(path, headers=ws.auth(), json={"active": False})).is_success
    refused = await ws.api.post("/api/v1/widget/sessions", json={"inbox_key": ws.inbox_key})
    assert refused.status_code == 403


async def test_a_warm_visitor_message_reads_no_rules_or_endpoints(
    workspace: Workspace, receiver: Receiver
) -> None:
    ws = workspace
    await rule(
        ws,
        trigger={"type": "message_created"},
        conditions=[{"field": "text", "op": "matches", "value": "never-said"}],
        actions=[{"type": "add_tags", "tags": ["x"]}],
    )
    hook = {"url": receiver.url, "events": ["message.created"]}
    assert (await ws.api.post("/api/v1/webhooks", headers=ws.auth(), json=hook)).is_success
    visitor = await ws.visitor()
    await visitor.say("first")
    with count_selects(ws) as statements:
        await visitor.say("second")
        await (await ws.visitor()).say("a new conversation")
    read = [s for s in statements if any(f"FROM {table}" in s for table in CONFIG_TABLES)]
    assert read == []


async def test_a_warm_widget_session_reads_no_inbox(workspace: Workspace) -> None:
    ws = workspace
    await ws.visitor()
    with count_selects(ws) as statements:
        await ws.visitor()
    assert [s for s in statements if "FROM inboxes" in s] == []


async def test_a_warm_visitor_message_reads_no_inbox(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    await visitor.say("first")
    with count_selects(workspace) as statements:
        await visitor.say("second")
    assert [s for s in statements if "FROM inboxes" in s] == []


# --- the cache itself --------------------------------------------------------------------

_gate: dict[str, Any] = {}


async def _slow_load(session: AsyncSession) -> int:
    value: int = _gate["value"]  # "read" now; answered once released
    _gate["started"].set()
    await _gate["release"].wait()
    return value


SLOW = config_cache.entry("tests.slow", _slow_load)


@pytest.fixture
async def cached_db(db: Database) -> Database:
    config_cache.attach(db)
    return db


async def test_a_rolled_back_change_keeps_the_cache_and_a_committed_one_drops_it(
    cached_db: Database,
) -> None:
    db = cached_db
    cache = config_cache.cache_for_db(db)
    async with db.session(write=False) as session:
        assert await config_cache.get(session, RULES) == ()
    loads = cache.loads
    with pytest.raises(RuntimeError):
        async with db.session(write=True) as session:
            await config_cache.changed(session, RULES)
            raise RuntimeError("rolled back")
    async with db.session(write=False) as session:
        await config_cache.get(session, RULES)
    assert cache.loads == loads
    async with db.session(write=True) as session:
        await config_cache.changed(session, RULES)
        # The changing transaction reads its own view, uncached.
        await config_cache.get(session, RULES)
        assert cache.loads == loads
    async with db.session(write=False) as session:
        await config_cache.get(session, RULES)
    assert cache.loads == loads + 1


async def test_a_load_overtaken_by_a_change_is_not_kept(cached_db: Database) -> None:
    db = cached_db
    _gate.update(started=asyncio.Event(), release=asyncio.Event(), value=1)

    async def read() -> int:
        async with db.session(write=False) as session:
            return await config_cache.get(session, SLOW)

    loading = asyncio.create_task(read())
    await _gate["started"].wait()
    async with db.session(write=True) as session:
        await config_cache.changed(session, SLOW)
    _gate["value"] = 2  # what the database holds once the change committed
    _gate["release"].set()
    assert await loading == 1  # read before the commit: that caller may see the old value
    assert await read() == 2  # but it was not kept


async def test_team_membership_changes_are_obeyed_at_once(workspace: Workspace) -> None:
    """Team items are visible through the cached team directory; joining or leaving a team
    is obeyed by the very next request."""
    ws = workspace
    created = await ws.api.post(
        "/api/v1/agents",
        headers=ws.auth(),
        json={
            "email": "ann@example.com",
            "name": "Ann",
            "password": "long-password-1",
            "role": "agent",
        },
    )
    assert created.status_code == 201, created.text
    ann = created.json()["id"]
    login = await ws.api.post(
        "/api/v1/auth/login", json={"email": "ann@example.com", "password": "long-password-1"}
    )
    ann_token = login.json()["token"]
    ws.api.cookies.clear()
    team_id = await team(ws, "Billing")
    answer = await canned(ws, shortcut="refund", scope="team", team_id=team_id)
    path = f"/api/v1/canned-answers/{answer['id']}"
    assert (await ws.api.get(path, headers=ws.auth(ann_token))).status_code == 404
    join = {"agent_ids": [ann]}
    assert (await ws.api.patch(f"/api/v1/teams/{team_id}", headers=ws.auth(), json=join)).is_success
    assert (await ws.api.get(path, headers=ws.auth(ann_token))).status_code == 200
    leave = {"agent_ids": []}
    assert (
        await ws.api.patch(f"/api/v1/teams/{team_id}", headers=ws.auth(), json=leave)
    ).is_success
    assert (await ws.api.get(path, headers=ws.auth(ann_token))).status_code == 404
