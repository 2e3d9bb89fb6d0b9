"""Two real server processes on one database: a rule changed through one is obeyed by the
other within a second (PostgreSQL: NOTIFY; SQLite: the ``config_versions`` poll)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from otklik.config import Settings
from tests.processes import start_server
from tests.support import HTTP_TIMEOUT, new_id
from tests.test_processes import login, seed

pytestmark = pytest.mark.slow
WITHIN = 1.0


async def tags_after_message(client: httpx.AsyncClient, inbox_key: str, token: str) -> list[str]:
    """A new visitor's first message through ``client``; the tags it ends up with."""
    started = (await client.post("/api/v1/widget/sessions", json={"inbox_key": inbox_key})).json()
    sent = await client.post(
        "/api/v1/widget/messages",
        headers={"Authorization": f"Bearer {started['visitor_token']}"},
        json={"client_msg_id": new_id(), "text": "hello"},
    )
    assert sent.status_code == 201, sent.text
    conversation = await client.get(
        f"/api/v1/conversations/{sent.json()['conversation_id']}",
        headers={"Authorization": f"Bearer {token}"},
    )
    tags: list[str] = conversation.json()["tags"]
    return tags


async def until_obeyed(
    client: httpx.AsyncClient, inbox_key: str, token: str, expected: list[str], since: float
) -> None:
    """Messages through ``client`` until one gets ``expected``; the first that did must
    have been sent within :data:`WITHIN` of the change."""
    while True:
        sent_at = time.monotonic()
        tags = await tags_after_message(client, inbox_key, token)
        if tags == expected:
            assert sent_at - since < WITHIN
            return
        assert sent_at - since < WITHIN, f"still {tags} {sent_at - since:.2f}s after the change"


async def test_a_rule_changed_through_one_process_is_obeyed_by_the_other(
    settings: Settings, tmp_path: Path
) -> None:
    inbox_key = await seed(settings)
    # A new visitor per try, all from one address: no per-address widget limits here.
    settings = settings.model_copy(
        update={"widget_sessions_per_minute_per_ip": 0, "widget_messages_per_minute_per_ip": 0}
    )
    first = await start_server(settings, tmp_path, "a")
    second = await start_server(settings, tmp_path, "b")
    try:
        token = await login(first.url)
        auth = {"Authorization": f"Bearer {token}"}
        async with (
            httpx.AsyncClient(base_url=first.url, timeout=HTTP_TIMEOUT) as via_a,
            httpx.AsyncClient(base_url=second.url, timeout=HTTP_TIMEOUT) as via_b,
        ):
            # B's caches are warm: "no rules".
            assert await tags_after_message(via_b, inbox_key, token) == []
            created = await via_a.post(
                "/api/v1/automation-rules",
                headers=auth,
                json={
                    "name": "Tag",
                    "trigger": {"type": "message_created"},
                    "actions": [{"type": "add_tags", "tags": ["from-a"]}],
                },
            )
            assert created.status_code == 201, created.text
            await until_obeyed(via_b, inbox_key, token, ["from-a"], since=time.monotonic())
            disabled = await via_a.patch(
                f"/api/v1/automation-rules/{created.json()['id']}",
                headers=auth,
                json={"enabled": False},
            )
            assert disabled.status_code == 200, disabled.text
            await until_obeyed(via_b, inbox_key, token, [], since=time.monotonic())
    finally:
        first.stop()
        second.stop()
