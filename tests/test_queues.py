"""The operator's queues (issue 12, items 2 and 3): team queues with counts, within what each
operator may see, and the waiting order kept by ``waiting_since``."""

from __future__ import annotations

from typing import Any

from tests.support import Workspace


async def _list(ws: Workspace, token: str | None = None, **params: Any) -> dict[str, Any]:
    response = await ws.api.get("/api/v1/conversations", headers=ws.auth(token), params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _walk(ws: Workspace, **params: Any) -> list[int]:
    """Every page, one conversation at a time (the cursor keeps the order)."""
    ids: list[int] = []
    cursor = None
    while True:
        page = await _list(ws, limit=1, **params, **({"cursor": cursor} if cursor else {}))
        ids += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


async def _conversation(ws: Workspace, cid: int) -> dict[str, Any]:
    response = await ws.api.get(f"/api/v1/conversations/{cid}", headers=ws.auth())
    body: dict[str, Any] = response.json()
    return body


async def test_queues_sort_by_how_long_the_customer_has_waited(workspace: Workspace) -> None:
    ws = workspace
    first, second, third = [await ws.visitor(name) for name in ("Ольга", "Пётр", "Зоя")]
    a = (await first.say("Здравствуйте, заказ не пришёл"))["conversation_id"]
    b = (await second.say("Где мой заказ?"))["conversation_id"]
    c = (await third.say("Помогите с оплатой"))["conversation_id"]
    since_a = (await _conversation(ws, a))["waiting_since"]
    assert since_a is not None
    # A note does not answer the customer; a reply does, and the next message waits anew.
    await ws.reply(a, "проверяю", private=True)
    assert (await _conversation(ws, a))["waiting_since"] == since_a
    await ws.reply(a, "Сейчас посмотрю")
    assert (await _conversation(ws, a))["waiting_since"] is None
    await first.say("Спасибо, жду")
    assert (await _conversation(ws, a))["waiting_since"] > since_a
    # ``second`` waits longest now, then ``third``, then ``first`` (its new message).
    assert await _walk(ws, view="all", sort="waiting") == [b, c, a]
    assert await _walk(ws, view="all", sort="newest") == [a, c, b]
    await ws.api.post(
        f"/api/v1/conversations/{c}/priority", headers=ws.auth(), json={"priority": "urgent"}
    )
    assert await _walk(ws, view="all", sort="priority") == [c, b, a]
    # Answered conversations come after those that wait, oldest first.
    await ws.reply(b, "Ответили")
    assert await _walk(ws, view="all", sort="waiting") == [c, a, b]


async def test_bad_cursor_and_team_view_without_team_are_refused(workspace: Workspace) -> None:
    ws = workspace
    for name in ("Ольга", "Пётр"):
        await (await ws.visitor(name)).say("Здравствуйте")
    page = await _list(ws, sort="waiting", limit=1)
    cursor = page["next_cursor"]
    assert cursor is not None
    other = await ws.api.get(
        "/api/v1/conversations",
        headers=ws.auth(),
        params={"sort": "newest", "cursor": cursor},
    )
    assert other.status_code == 400
    junk = await ws.api.get(
        "/api/v1/conversations", headers=ws.auth(), params={"cursor": "bm90IG91cnM"}
    )
    assert junk.status_code == 400
    no_team = await ws.api.get("/api/v1/conversations", headers=ws.auth(), params={"view": "team"})
    assert no_team.status_code == 422
    assert no_team.json()["error"]["message"] == "The team view needs a team_id."
    bad_sort = await ws.api.get(
        "/api/v1/conversations", headers=ws.auth(), params={"sort": "loudest"}
    )
    assert bad_sort.status_code == 422


async def test_team_queue_and_counts_within_each_operators_scope(workspace: Workspace) -> None:
    ws = workspace
    second_id, second = await ws.agent("spec@example.com", name="Специалист")
    first_id, first = await ws.agent("junior@example.com", name="Оператор")
    lead_id, lead = await ws.agent("lead@example.com", role="supervisor", name="Старший")
    line1 = await ws.api.post(
        "/api/v1/teams",
        headers=ws.auth(),
        json={"name": "Первая линия", "agent_ids": [first_id]},
    )
    line2 = await ws.api.post(
        "/api/v1/teams",
        headers=ws.auth(),
        json={"name": "Вторая линия", "agent_ids": [second_id], "line": 2},
    )
    t1, t2 = line1.json()["id"], line2.json()["id"]
    waiting = [await ws.visitor(n) for n in ("Ольга", "Пётр", "Зоя")]
    ids = [(await v.say("Нужна помощь"))["conversation_id"] for v in waiting]
    escalated = await ws.api.post(
        f"/api/v1/conversations/{ids[1]}/escalate",
        headers=ws.auth(),
        json={"to_team_id": t2, "reason": "Сложный технический вопрос"},
    )
    assert escalated.status_code == 200, escalated.text

    # The 2nd line sees its queue with its count, and the conversation in it.
    mine = await _list(ws, second, view="team", team_id=t2, sort="waiting")
    assert [c["id"] for c in mine["items"]] == [ids[1]]
    assert {"team_id": t2, "n": 1} in mine["counts"]["teams"]
    # The 1st line's tabs: their own team (empty), not the 2nd line's.
    theirs = await _list(ws, first, view="unassigned")
    assert theirs["counts"]["teams"] == [{"team_id": t1, "n": 0}]
    assert ids[1] not in [c["id"] for c in theirs["items"]]
    # Asking for another team's queue shows only what they may see: nothing.
    peek = await _list(ws, first, view="team", team_id=t2)
    assert peek["items"] == []
    assert peek["counts"]["teams"] == [{"team_id": t1, "n": 0}, {"team_id": t2, "n": 0}]
    # A supervisor of the inbox opens any team's queue.
    watched = await _list(ws, lead, view="team", team_id=t2)
    assert [c["id"] for c in watched["items"]] == [ids[1]]
    assert watched["counts"]["teams"] == [{"team_id": t2, "n": 1}]
    assert lead_id != first_id
    # Admins count everything.
    everything = await _list(ws, view="all")
    assert everything["counts"]["all"] == 3
