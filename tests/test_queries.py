"""Hot endpoints run a fixed number of queries, whatever the page size (no N+1)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.support import Workspace


def _in_a_request() -> bool:
    """Whether the statement runs in an HTTP request's task (uvicorn's), not in a task of
    the app's own (the job runner, the broker, presence…)."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no event loop in this thread
        return False
    return task is not None and task.get_coro().__qualname__ == "RequestResponseCycle.run_asgi"


@contextmanager
def count_selects(workspace: Workspace) -> Iterator[list[str]]:
    db = workspace.server.app.state.db
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The job runner (a scheduled report's minute, the SLA sweeper, routing's drain) and
        # the broker's configuration poll run on their own: only the request's queries count.
        # Their statements were once told apart by their text, and a job added later (the
        # report schedules) slipped through and failed a count on CI; the task a statement
        # runs in tells them apart whatever they read.
        if statement.lstrip().upper().startswith("SELECT") and _in_a_request():
            statements.append(statement)

    engines = {db.read_engine.sync_engine, db.write_engine.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


async def test_conversation_list_query_count_is_flat(workspace: Workspace) -> None:
    for index in range(30):
        visitor = await workspace.visitor(f"Visitor {index}")
        await visitor.say(f"question {index}")
    for limit in (5, 25):
        with count_selects(workspace) as statements:
            response = await workspace.api.get(
                "/api/v1/conversations", headers=workspace.auth(), params={"limit": limit}
            )
        assert response.status_code == 200
        assert len(response.json()["items"]) == limit
        # sign-in lookup, view counts, the page with contacts and last messages
        assert len(statements) == 3, statements


async def test_message_list_query_count_is_flat(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    first = await visitor.say("start")
    for index in range(20):
        await visitor.say(f"line {index}")
    url = f"/api/v1/conversations/{first['conversation_id']}/messages"
    with count_selects(workspace) as statements:
        response = await workspace.api.get(url, headers=workspace.auth(), params={"limit": 20})
    assert len(response.json()["items"]) == 20 and response.json()["has_more"] is True
    # sign-in, conversation exists, the page, and the page's attachments (one query for all
    # messages; see test_attachments.py for a page that has some)
    assert len(statements) == 4, statements
    earlier = await workspace.api.get(
        url,
        headers=workspace.auth(),
        params={"before": response.json()["items"][0]["id"], "limit": 20},
    )
    assert [m["text"] for m in earlier.json()["items"]] == ["start"]
    assert earlier.json()["has_more"] is False
