"""SLA clocks on a live server, on SQLite and PostgreSQL, with a frozen clock: due times
across weekends, holidays, a transferred working day and a DST change; pausing while
pending; next response after each customer message; the 2nd line's OLA; breaches once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from otklik import frames
from otklik.core.db import Database
from otklik.sla.jobs import sweep
from tests.auth_support import frozen
from tests.support import Workspace

MSK = ZoneInfo("Europe/Moscow")
OFFICE = {str(d): [[540, 780], [840, 1080]] for d in range(5)}  # 9–13, 14–18


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


async def calendar(ws: Workspace, **body: Any) -> int:
    body = {"name": "Office", "timezone": "Europe/Moscow", "weekly": OFFICE, **body}
    made = await ws.api.post("/api/v1/sla/calendars", headers=ws.auth(), json=body)
    assert made.status_code == 201, made.text
    linked = await ws.api.put(
        f"/api/v1/sla/calendars/{made.json()['id']}/links",
        headers=ws.auth(),
        json={"inbox_ids": [ws.inbox_id]},
    )
    assert linked.status_code == 200, linked.text
    return int(made.json()["id"])


async def policy(ws: Workspace, **body: Any) -> int:
    targets = {"first_response": 60, "next_response": 30, "resolution": 480}
    body = {"name": "Standard", "targets": {"normal": targets}, **body}
    made = await ws.api.post("/api/v1/sla/policies", headers=ws.auth(), json=body)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def clocks(ws: Workspace, conversation_id: int) -> dict[str, dict[str, Any]]:
    got = await ws.api.get(f"/api/v1/conversations/{conversation_id}/sla", headers=ws.auth())
    assert got.status_code == 200, got.text
    return {item["target"]: item for item in got.json()["items"]}


def at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


async def chat(ws: Workspace) -> tuple[int, Any]:
    visitor = await ws.visitor()
    sent = await visitor.say("hello")
    return int(sent["conversation_id"]), visitor


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Friday evening → Saturday 1 Nov 2025, a transferred working day.
        (msk(2025, 10, 31, 17, 30), msk(2025, 11, 1, 9, 30)),
        # Friday evening → Monday: an ordinary weekend.
        (msk(2025, 10, 24, 17, 30), msk(2025, 10, 27, 9, 30)),
        # Mon 3 Nov (a day off moved from Saturday) and Tue 4 Nov (Unity Day) → Wednesday.
        (msk(2025, 11, 3, 10, 0), msk(2025, 11, 5, 10, 0)),
    ],
)
async def test_first_response_due_over_weekends_holidays_and_transfers(
    workspace: Workspace, start: datetime, due: datetime
) -> None:
    await calendar(workspace, country="RU")
    await policy(workspace)
    with frozen(start):
        conversation_id, _ = await chat(workspace)
        got = await clocks(workspace, conversation_id)
    assert got["first_response"]["state"] == "running"
    assert at(got["first_response"]["due_at"]) == due
    assert got["first_response"]["policy_name"] == "Standard"


async def test_due_time_over_a_dst_change(workspace: Workspace) -> None:
    await calendar(workspace, timezone="Europe/Berlin")
    await policy(workspace, targets={"normal": {"first_response": 120}})
    berlin = ZoneInfo("Europe/Berlin")
    # Friday 17:00 CET; 1 h left that day, the clocks go forward on Sunday: Monday 10:00 CEST.
    with frozen(datetime(2025, 3, 28, 17, 0, tzinfo=berlin)):
        conversation_id, _ = await chat(workspace)
        got = await clocks(workspace, conversation_id)
    assert at(got["first_response"]["due_at"]) == datetime(2025, 3, 31, 8, 0, tzinfo=UTC)


async def test_pending_pauses_and_the_customers_reply_resumes(workspace: Workspace) -> None:
    await calendar(workspace)
    await policy(workspace)
    with frozen(msk(2025, 10, 29, 10, 0)) as clock:
        conversation_id, visitor = await chat(workspace)
        clock.advance(minutes=10)
        pending = await workspace.api.post(
            f"/api/v1/conversations/{conversation_id}/status",
            headers=workspace.auth(),
            json={"status": "pending"},
        )
        assert pending.status_code == 200, pending.text
        paused = await clocks(workspace, conversation_id)
        assert paused["first_response"]["state"] == "paused"
        assert paused["first_response"]["remaining_s"] == 50 * 60
        assert paused["first_response"]["due_at"] is None
        assert paused["resolution"]["state"] == "paused"
        clock.advance(hours=2, minutes=20)  # 12:30: the customer answers
        await visitor.say("here is the order number")
        resumed = await clocks(workspace, conversation_id)
    assert resumed["first_response"]["state"] == "running"
    # 50 minutes from 12:30: 30 before the 13–14 lunch break, 20 after it: 14:20.
    assert at(resumed["first_response"]["due_at"]) == msk(2025, 10, 29, 14, 20)


async def test_next_response_after_each_customer_message(workspace: Workspace) -> None:
    await calendar(workspace)
    await policy(workspace)
    with frozen(msk(2025, 10, 29, 10, 0)) as clock:
        conversation_id, visitor = await chat(workspace)
        assert "next_response" not in await clocks(workspace, conversation_id)
        clock.advance(minutes=20)
        await workspace.reply(conversation_id, "Looking into it")
        answered = await clocks(workspace, conversation_id)
        assert answered["first_response"]["state"] == "met"
        assert answered["next_response"]["state"] == "met"
        clock.advance(minutes=10)  # 10:30
        await visitor.say("any news?")
        first = (await clocks(workspace, conversation_id))["next_response"]
        assert first["state"] == "running"
        assert at(first["due_at"]) == msk(2025, 10, 29, 11, 0)
        clock.advance(minutes=10)  # 10:40: a second message does not move the deadline
        await visitor.say("hello?")
        assert at((await clocks(workspace, conversation_id))["next_response"]["due_at"]) == msk(
            2025, 10, 29, 11, 0
        )
        clock.advance(minutes=10)
        await workspace.reply(conversation_id, "Done")
        assert (await clocks(workspace, conversation_id))["next_response"]["state"] == "met"
        clock.advance(minutes=20)  # 11:10
        await visitor.say("thanks, one more thing")
        again = (await clocks(workspace, conversation_id))["next_response"]
    assert again["state"] == "running"
    assert at(again["due_at"]) == msk(2025, 10, 29, 11, 40)


async def test_ola_starts_with_the_escalation_and_stops_with_the_hand_back(
    workspace: Workspace,
) -> None:
    api, auth = workspace.api, workspace.auth()
    second = await api.post("/api/v1/teams", headers=auth, json={"name": "2nd", "line": 2})
    first = await api.post(
        "/api/v1/teams",
        headers=auth,
        json={"name": "1st", "escalates_to_id": second.json()["id"]},
    )
    await policy(workspace)
    ola = {"name": "2nd line", "kind": "ola", "conditions": {"team_ids": [second.json()["id"]]}}
    await policy(workspace, **ola, targets={"normal": {"response": 30, "resolution": 120}})
    with frozen(datetime(2025, 10, 29, 10, 0, tzinfo=UTC)) as clock:
        conversation_id, _ = await chat(workspace)
        assigned = await api.post(
            f"/api/v1/conversations/{conversation_id}/assign",
            headers=auth,
            json={"team_id": first.json()["id"]},
        )
        assert assigned.status_code == 200, assigned.text
        assert not {"ola_response", "ola_resolution"} & set(
            await clocks(workspace, conversation_id)
        )
        clock.advance(minutes=5)
        escalated = await api.post(
            f"/api/v1/conversations/{conversation_id}/escalate",
            headers=auth,
            json={"reason": "Payment gateway", "hand_back": True},
        )
        assert escalated.status_code == 200, escalated.text
        started = await clocks(workspace, conversation_id)
        assert started["ola_response"]["state"] == "running"
        assert at(started["ola_response"]["due_at"]) == datetime(2025, 10, 29, 10, 35, tzinfo=UTC)
        assert at(started["ola_resolution"]["due_at"]) == datetime(2025, 10, 29, 12, 5, tzinfo=UTC)
        # The customer-facing first response keeps counting from the first message.
        assert at(started["first_response"]["due_at"]) == datetime(2025, 10, 29, 11, tzinfo=UTC)
        clock.advance(minutes=40)
        back = await api.post(
            f"/api/v1/conversations/{conversation_id}/hand-back",
            headers=auth,
            json={"note": "Fixed"},
        )
        assert back.status_code == 200, back.text
        stopped = await clocks(workspace, conversation_id)
    assert stopped["ola_resolution"]["state"] == "met"
    assert stopped["ola_response"]["state"] == "stopped"


async def test_a_breach_is_announced_once(workspace: Workspace) -> None:
    db: Database = workspace.server.app.state.db  # the server's: its hub hears the commits
    await policy(workspace, targets={"normal": {"first_response": 15}})
    socket = await workspace.agent_socket()
    await socket.ready()
    with frozen(datetime(2025, 10, 29, 10, 0, tzinfo=UTC)) as clock:
        conversation_id, _ = await chat(workspace)
        clock.advance(minutes=6)
        # Due in 9 minutes: warned (by this pass, or the server's own sweeper, whichever
        # claims it first).
        async with db.session(write=True) as session:
            await sweep(session, now=clock.now)
        warning = await socket.until(lambda f: f.get("type") == "sla.warning")
        assert warning["data"]["conversation_id"] == conversation_id
        clock.advance(minutes=10)
        for _ in range(2):
            async with db.session(write=True) as session:
                await sweep(session, now=clock.now)
        frame = await socket.until(lambda f: f.get("type") == "sla.breached")
        assert frame["data"] == {
            "conversation_id": conversation_id,
            "target": "first_response",
            "policy_id": frame["data"]["policy_id"],
            "due_at": frame["data"]["due_at"],
            "assignee_id": None,
        }
        for seen in (warning, frame):
            adapter = frames.catalogue("agents").adapter()
            assert adapter.dump_python(adapter.validate_python(seen), mode="json") == seen
        later = await socket.quiet(0.5)
        assert not [f for f in later if f.get("type") == "sla.breached"]
        got = await clocks(workspace, conversation_id)
        assert got["first_response"]["state"] == "breached"
        clock.advance(minutes=5)
        await workspace.reply(conversation_id, "Sorry for the wait")
        late = (await clocks(workspace, conversation_id))["first_response"]
        assert late["state"] == "met" and late["breached_at"] is not None
        report = await workspace.api.get(
            "/api/v1/sla/compliance",
            headers=workspace.auth(),
            params={
                "by": "target",
                "since": "2025-10-01T00:00:00Z",
                "until": "2025-11-01T00:00:00Z",
            },
        )
    assert report.status_code == 200, report.text
    rows = {row["key"]: row for row in report.json()["items"]}
    assert rows["first_response"]["breached"] == 1
    assert rows["first_response"]["compliance"] == 0.0
    await socket.close()


async def test_settings_refuse_bad_input(workspace: Workspace) -> None:
    api, auth = workspace.api, workspace.auth()
    bad_zone = await api.post(
        "/api/v1/sla/calendars", headers=auth, json={"name": "X", "timezone": "Mars/Base"}
    )
    assert bad_zone.status_code == 422
    overlap = await api.post(
        "/api/v1/sla/calendars",
        headers=auth,
        json={"name": "X", "weekly": {"0": [[540, 800], [780, 900]]}},
    )
    assert overlap.status_code == 422
    ola_with_sla_target = await api.post(
        "/api/v1/sla/policies",
        headers=auth,
        json={"name": "X", "kind": "ola", "targets": {"normal": {"first_response": 5}}},
    )
    assert ola_with_sla_target.status_code == 422
    missing = await api.post(
        "/api/v1/sla/policies",
        headers=auth,
        json={"name": "X", "calendar_id": 999, "targets": {"normal": {"resolution": 5}}},
    )
    assert missing.status_code == 404
    calendar_id = await calendar(workspace, country="RU")
    year = await api.get(f"/api/v1/sla/calendars/{calendar_id}/years/2026", headers=auth)
    assert year.status_code == 200, year.text
    body = year.json()
    assert (body["working_days"], body["working_minutes"]) == (247, 1972 * 60)
    kinds = {day["date"]: day["kind"] for day in body["days"]}
    assert kinds["2026-01-09"] == "closed" and kinds["2026-04-30"] == "shortened"
    agent_id, agent_token = await workspace.agent("a@example.com")
    assert agent_id
    refused = await api.get("/api/v1/sla/policies", headers=workspace.auth(agent_token))
    assert refused.status_code == 403
    # A supervisor reads them (their SLA report names the policies) but changes none.
    _, lead_token = await workspace.agent("lead@example.com", role="supervisor")
    listed = await api.get("/api/v1/sla/policies", headers=workspace.auth(lead_token))
    assert listed.status_code == 200 and listed.json()["items"] == []
    changed = await api.post(
        "/api/v1/sla/policies", headers=workspace.auth(lead_token), json={"name": "Mine"}
    )
    assert changed.status_code == 403


async def test_due_soonest_lists_the_nearest_deadlines(workspace: Workspace) -> None:
    await policy(workspace, targets={"normal": {"first_response": 30, "resolution": 600}})
    with frozen(datetime(2025, 10, 29, 10, 0, tzinfo=UTC)) as clock:
        older, _ = await chat(workspace)
        clock.advance(minutes=5)
        newer, _ = await chat(workspace)
        due = await workspace.api.get("/api/v1/sla/due", headers=workspace.auth())
        assert due.status_code == 200, due.text
        assert [(i["conversation_id"], i["target"]) for i in due.json()["items"]] == [
            (older, "first_response"),
            (newer, "first_response"),
        ]
        one = await workspace.api.get(
            "/api/v1/sla/due", headers=workspace.auth(), params={"conversation_ids": f"{newer}"}
        )
    assert [i["conversation_id"] for i in one.json()["items"]] == [newer]
    bad = await workspace.api.get(
        "/api/v1/sla/due", headers=workspace.auth(), params={"conversation_ids": "1;drop"}
    )
    assert bad.status_code == 422


async def test_a_breach_fires_automation_rules(workspace: Workspace) -> None:
    db: Database = workspace.server.app.state.db
    await policy(workspace, targets={"normal": {"first_response": 15}})
    rule = await workspace.api.post(
        "/api/v1/automation-rules",
        headers=workspace.auth(),
        json={
            "name": "Escalate missed first responses",
            "trigger": {"type": "sla_breached"},
            "actions": [
                {"type": "add_tags", "tags": ["sla-missed"]},
                {"type": "set_priority", "priority": "urgent"},
            ],
        },
    )
    assert rule.status_code == 201, rule.text
    with frozen(datetime(2025, 10, 29, 10, 0, tzinfo=UTC)) as clock:
        conversation_id, _ = await chat(workspace)
        clock.advance(minutes=16)
        async with db.session(write=True) as session:
            await sweep(session, now=clock.now)
        # (The server's own sweeper may have claimed it first: wait for its commit.)
        for _ in range(50):
            got = await workspace.api.get(
                f"/api/v1/conversations/{conversation_id}", headers=workspace.auth()
            )
            if "sla-missed" in got.json()["tags"]:
                break
            await asyncio.sleep(0.1)
    assert "sla-missed" in got.json()["tags"]
    assert got.json()["priority"] == "urgent"


async def test_a_contact_attribute_chooses_the_policy(workspace: Workspace) -> None:
    api, auth = workspace.api, workspace.auth()
    made = await api.post(
        "/api/v1/attribute-definitions",
        headers=auth,
        json={"entity": "contact", "key": "plan", "label": "Plan", "type": "text"},
    )
    assert made.status_code == 201, made.text
    await policy(
        workspace,
        name="Enterprise",
        position=0,
        conditions={"contact_attribute": {"key": "plan", "value": "enterprise"}},
        targets={"normal": {"first_response": 15}},
    )
    await policy(workspace, position=1, targets={"normal": {"first_response": 60}})
    listed = await api.get("/api/v1/sla/policies", headers=auth)
    assert listed.json()["items"][0]["conditions"]["contact_attribute"] == {
        "key": "plan",
        "value": "enterprise",
    }
    start = datetime(2025, 10, 29, 10, 0, tzinfo=UTC)
    with frozen(start):
        big = await workspace.visitor("Big customer")
        marked = await api.put(
            f"/api/v1/contacts/{big.contact_id}/attributes",
            headers=auth,
            json={"values": {"plan": "enterprise"}},
        )
        assert marked.status_code == 200, marked.text
        big_id = int((await big.say("hello"))["conversation_id"])
        small_id, _ = await chat(workspace)
        got_big = await clocks(workspace, big_id)
        got_small = await clocks(workspace, small_id)
    assert got_big["first_response"]["policy_name"] == "Enterprise"
    assert at(got_big["first_response"]["due_at"]) == datetime(2025, 10, 29, 10, 15, tzinfo=UTC)
    assert got_small["first_response"]["policy_name"] == "Standard"
    assert at(got_small["first_response"]["due_at"]) == datetime(2025, 10, 29, 11, 0, tzinfo=UTC)


async def test_a_policy_may_keep_counting_while_pending(workspace: Workspace) -> None:
    pid = await policy(workspace, pause_on=["snoozed"])
    listed = await workspace.api.get("/api/v1/sla/policies", headers=workspace.auth())
    assert [p["pause_on"] for p in listed.json()["items"] if p["id"] == pid] == [["snoozed"]]
    with frozen(datetime(2025, 10, 29, 10, 0, tzinfo=UTC)):
        conversation_id, _ = await chat(workspace)
        pending = await workspace.api.post(
            f"/api/v1/conversations/{conversation_id}/status",
            headers=workspace.auth(),
            json={"status": "pending"},
        )
        assert pending.status_code == 200, pending.text
        got = await clocks(workspace, conversation_id)
    assert got["first_response"]["state"] == "running"
    assert at(got["first_response"]["due_at"]) == datetime(2025, 10, 29, 11, 0, tzinfo=UTC)
    bad = await workspace.api.post(
        "/api/v1/sla/policies",
        headers=workspace.auth(),
        json={"name": "X", "pause_on": ["resolved"], "targets": {"normal": {"resolution": 5}}},
    )
    assert bad.status_code == 422


async def _listed(ws: Workspace, **params: Any) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        query = {"view": "all", "limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        got = await ws.api.get("/api/v1/conversations", headers=ws.auth(), params=query)
        assert got.status_code == 200, got.text
        ids += [item["id"] for item in got.json()["items"]]
        cursor = got.json()["next_cursor"]
        if cursor is None:
            return ids


async def test_the_list_sorts_by_due_soonest_and_filters_missed_and_nearly_due(
    workspace: Workspace,
) -> None:
    db: Database = workspace.server.app.state.db
    await policy(
        workspace,
        targets={"normal": {"first_response": 30}, "high": {"first_response": 5}},
    )
    with frozen(datetime(2025, 10, 29, 10, 0, tzinfo=UTC)) as clock:
        calm, _ = await chat(workspace)  # due 10:30
        clock.advance(minutes=5)
        later, _ = await chat(workspace)  # due 10:35
        clock.advance(minutes=1)
        hurried, _ = await chat(workspace)
        raised = await workspace.api.post(
            f"/api/v1/conversations/{hurried}/priority",
            headers=workspace.auth(),
            json={"priority": "high"},
        )
        assert raised.status_code == 200, raised.text  # due 10:11
        answered, _ = await chat(workspace)
        await workspace.reply(answered, "Hello!")  # no running target: last
        assert await _listed(workspace, sort="due") == [hurried, calm, later, answered]
        assert await _listed(workspace, sort="due", sla="due_soon") == [hurried]
        assert await _listed(workspace, sla="breached") == []
        clock.advance(minutes=6)  # 10:12: the high-priority one is missed
        async with db.session(write=True) as session:
            await sweep(session, now=clock.now)
        assert await _listed(workspace, sort="due", sla="breached") == [hurried]
        assert await _listed(workspace, sla="due_soon") == []
    bad = await workspace.api.get(
        "/api/v1/conversations", headers=workspace.auth(), params={"sla": "late"}
    )
    assert bad.status_code == 422
    foreign = await workspace.api.get(
        "/api/v1/conversations",
        headers=workspace.auth(),
        params={"sort": "newest", "cursor": "bm90IG91cnM"},
    )
    assert foreign.status_code == 400


async def test_breaches_keep_their_reason_and_supervisors_see_their_teams(
    workspace: Workspace,
) -> None:
    db: Database = workspace.server.app.state.db
    api, auth = workspace.api, workspace.auth()
    lead_id, lead = await workspace.agent("lead@example.com", role="supervisor")
    _, operator = await workspace.agent("op@example.com")
    ours = await api.post(
        "/api/v1/teams", headers=auth, json={"name": "Ours", "agent_ids": [lead_id]}
    )
    theirs = await api.post("/api/v1/teams", headers=auth, json={"name": "Theirs"})
    ours_id, theirs_id = int(ours.json()["id"]), int(theirs.json()["id"])
    policy_id = await policy(workspace, targets={"normal": {"first_response": 15}})
    start = datetime(2025, 10, 29, 10, 0, tzinfo=UTC)
    with frozen(start) as clock:
        mine, _ = await chat(workspace)
        other, _ = await chat(workspace)
        for conversation_id, team_id in ((mine, ours_id), (other, theirs_id)):
            moved = await api.post(
                f"/api/v1/conversations/{conversation_id}/assign",
                headers=auth,
                json={"team_id": team_id},
            )
            assert moved.status_code == 200, moved.text
        clock.advance(minutes=20)
        async with db.session(write=True) as session:
            await sweep(session, now=clock.now)
        clock.advance(minutes=1)
        # The policy is renamed afterwards: the record keeps what applied then.
        renamed = await api.put(
            f"/api/v1/sla/policies/{policy_id}",
            headers=auth,
            json={"name": "Renamed", "targets": {"normal": {"first_response": 60}}},
        )
        assert renamed.status_code == 200, renamed.text
        await workspace.reply(mine, "Sorry for the wait")
        everything = await api.get("/api/v1/sla/breaches", headers=auth)
        scoped = await api.get("/api/v1/sla/breaches", headers=workspace.auth(lead))
        figures = await api.get(
            "/api/v1/sla/compliance", headers=workspace.auth(lead), params={"by": "team"}
        )
        all_figures = await api.get("/api/v1/sla/compliance", headers=auth, params={"by": "team"})
        foreign = await api.get(
            "/api/v1/sla/breaches", headers=workspace.auth(lead), params={"team_id": theirs_id}
        )
        refused = [
            await api.get(path, headers=workspace.auth(operator))
            for path in ("/api/v1/sla/breaches", "/api/v1/sla/compliance")
        ]
    assert everything.status_code == 200, everything.text
    by_conversation = {b["conversation_id"]: b for b in everything.json()["items"]}
    assert set(by_conversation) == {mine, other}
    record = by_conversation[mine]
    assert record["reason"] == "no operator reply within 15 business minutes"
    assert (record["target"], record["policy_name"], record["team_id"]) == (
        "first_response",
        "Standard",
        ours_id,
    )
    assert (record["target_minutes"], record["priority"]) == (15, "normal")
    assert at(record["due_at"]) == datetime(2025, 10, 29, 10, 15, tzinfo=UTC)
    assert at(record["breached_at"]) == datetime(2025, 10, 29, 10, 20, tzinfo=UTC)
    assert record["met_at"] is not None and by_conversation[other]["met_at"] is None
    assert [b["conversation_id"] for b in scoped.json()["items"]] == [mine]
    assert {row["key"] for row in figures.json()["items"]} == {str(ours_id)}
    assert {row["key"] for row in all_figures.json()["items"]} >= {str(ours_id), str(theirs_id)}
    assert foreign.status_code == 403
    assert [r.status_code for r in refused] == [403, 403]
