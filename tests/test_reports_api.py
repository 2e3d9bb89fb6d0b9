"""The reports API on the day of ``test_reports_metrics``: the overview with its comparison,
volumes, the heatmap, the backlog, the per-operator table, the drill-down, the CSV export;
who may ask (supervisors see their scope, agents are refused) and bad input (4xx)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.auth_support import frozen
from tests.support import Workspace
from tests.test_reports_metrics import DAY, a_day_of_work

PERIOD = {"since": DAY.isoformat(), "until": (DAY + timedelta(days=1)).isoformat()}


async def get(ws: Workspace, path: str, token: str | None = None, **params: Any) -> Any:
    got = await ws.api.get(
        f"/api/v1/reports/{path}", headers=ws.auth(token), params={**PERIOD, **params}
    )
    assert got.status_code == 200, got.text
    return got.json() if got.headers["content-type"].startswith("application/json") else got.text


async def test_overview_volumes_heatmap_backlog_table_and_drill(workspace: Workspace) -> None:
    ids = await a_day_of_work(workspace)
    tagged = await workspace.api.post(
        f"/api/v1/conversations/{ids['a']}/tags",
        headers=workspace.auth(),
        json={"add": ["billing"]},
    )
    assert tagged.status_code == 200, tagged.text

    overview = await get(workspace, "overview")
    now, before = overview["current"], overview["previous"]
    assert (now["created"], now["resolved"], now["reopened"]) == (4, 4, 1)
    assert now["first_response"]["calendar"]["median"] == 300
    assert now["fcr"] == {"numerator": 1, "denominator": 3, "percent": 1 / 3 * 100}
    assert before["created"] == 0 and before["first_response"]["calendar"]["count"] == 0
    billing = await get(workspace, "overview", tag="billing")
    assert (billing["current"]["created"], billing["current"]["resolved"]) == (1, 1)

    # Whole hours: from the rollups; a period cut mid-hour: from the facts. Same answer.
    by_channel = await get(workspace, "volume", by="channel")
    widget = {"key": "widget", "created": 4, "resolved": 4, "reopened": 1}
    assert by_channel["items"] == [widget]
    cut = {"since": (DAY + timedelta(minutes=1)).isoformat(), "until": PERIOD["until"]}
    assert (await get(workspace, "volume", by="channel", **cut))["items"] == [widget]
    by_tag = await get(workspace, "volume", by="tag")
    assert by_tag["items"] == [{"key": "billing", "created": 1, "resolved": 1, "reopened": 0}]

    heat = await get(workspace, "heatmap", timezone="Europe/Moscow")
    assert heat["items"] == [  # a Wednesday: 10:00, 12:50, 16:00 and 16:00:30
        {"weekday": 2, "hour": 10, "n": 1},
        {"weekday": 2, "hour": 12, "n": 1},
        {"weekday": 2, "hour": 16, "n": 2},
    ]
    backlog = await get(workspace, "backlog", step="hour")
    levels = [point["open"] for point in backlog["items"]]
    assert len(levels) == 24 and levels[-1] == 1  # D is still open
    # By the hour: A (10:00–10:30) nets out; B is open from 12:50 to 14:20.
    assert levels[10:16] == [0, 0, 1, 1, 0, 0]

    table = await get(workspace, "table", by="agent")
    assert [(r["key"], r["resolved"], r["responses"]) for r in table["items"]] == [
        (workspace.admin_id, 4, 6)
    ]
    drill = await get(workspace, "drill", metric="reopened")
    assert [item["conversation_id"] for item in drill["items"]] == [ids["b"]]

    csv = await get(workspace, "overview", format="csv")
    assert "first_response,business,p90,1200.0" in csv.splitlines()
    rows = (await get(workspace, "table", by="agent", format="csv")).splitlines()
    assert rows[0].startswith("agent,resolved,responses") and len(rows) == 2
    xlsx = await workspace.api.get(
        "/api/v1/reports/overview", headers=workspace.auth(), params={**PERIOD, "format": "xlsx"}
    )
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "first_response" in strings and "business" in strings
    assert "<v>1200</v>" in sheet  # the business p90 of first responses


async def test_supervisors_see_their_scope_agents_are_refused(workspace: Workspace) -> None:
    await a_day_of_work(workspace)
    outsider_id, outsider = await workspace.agent("lead@example.com", role="supervisor")
    member_id, member = await workspace.agent("lead2@example.com", role="supervisor")
    _, agent = await workspace.agent("agent@example.com")
    joined = await workspace.api.put(
        f"/api/v1/inboxes/{workspace.inbox_id}/members",
        headers=workspace.auth(),
        json={"agent_ids": [member_id]},
    )
    assert joined.status_code == 200, joined.text

    assert (await get(workspace, "overview", member))["current"]["created"] == 4
    foreign = await get(workspace, "overview", outsider)
    assert foreign["current"]["created"] == 0
    assert (await get(workspace, "drill", outsider, metric="created"))["items"] == []
    assert (await get(workspace, "volume", outsider))["items"] == []
    assert (await get(workspace, "table", outsider))["items"] == []
    # Filtering by the inbox they may not see does not open it either.
    asked = await get(workspace, "overview", outsider, inbox_id=workspace.inbox_id)
    assert asked["current"]["created"] == 0

    paths = ("overview", "volume", "table", "backlog", "heatmap", "drill?metric=created", "live")
    for path in paths:
        refused = await workspace.api.get(f"/api/v1/reports/{path}", headers=workspace.auth(agent))
        assert refused.status_code == 403, (path, refused.text)
        anonymous = await workspace.api.get(f"/api/v1/reports/{path}")
        assert anonymous.status_code == 401, (path, anonymous.text)
    assert outsider_id != member_id


async def test_bad_input_is_a_clear_4xx(workspace: Workspace) -> None:
    bad = [
        ("overview", {"since": PERIOD["until"], "until": PERIOD["since"]}),
        ("overview", {"since": "2025-10-29T00:00:00", "until": "2025-10-30T00:00:00"}),
        ("overview", {"since": "2020-01-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"}),
        ("overview", {"since": "yesterday"}),
        ("volume", {"by": "colour"}),
        ("heatmap", {"timezone": "Mars/Olympus"}),
        (
            "backlog",
            {"step": "hour", "since": "2024-01-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"},
        ),
        ("drill", {"metric": "everything"}),
        ("drill", {"metric": "created", "limit": 0}),
        ("overview", {"inbox_id": "one"}),
    ]
    for path, params in bad:
        got = await workspace.api.get(
            f"/api/v1/reports/{path}", headers=workspace.auth(), params=params
        )
        assert got.status_code == 422, (path, params, got.text)
        assert "error" in got.json()


async def test_the_live_board(workspace: Workspace) -> None:
    ws = workspace
    policy = await ws.api.post(
        "/api/v1/sla/policies",
        headers=ws.auth(),
        json={"name": "Fast", "targets": {"normal": {"first_response": 10}}},
    )
    assert policy.status_code == 201, policy.text
    with frozen(datetime(2025, 10, 29, 9, 0, tzinfo=UTC)) as clock:
        lead_id, lead = await ws.agent("lead@example.com", role="supervisor", name="Lead")
        first = int((await (await ws.visitor()).say("help"))["conversation_id"])
        clock.advance(minutes=3)
        second = int((await (await ws.visitor()).say("help too"))["conversation_id"])
        online = await ws.api.put(
            "/api/v1/agents/me/status", headers=ws.auth(), json={"status": "online"}
        )
        assert online.status_code == 200, online.text
        assigned = await ws.api.post(
            f"/api/v1/conversations/{first}/assign",
            headers=ws.auth(),
            json={"agent_id": ws.admin_id},
        )
        assert assigned.status_code == 200, assigned.text
        clock.advance(minutes=5)  # 9:08: the first is due at 9:10, the second at 9:13
        board = await ws.api.get("/api/v1/reports/live", headers=ws.auth())
        assert board.status_code == 200, board.text
        got = board.json()
        admin = next(o for o in got["operators"] if o["id"] == ws.admin_id)
        assert (admin["status"], admin["open"]) == ("online", 1)
        assert got["queue"] == 1
        assert datetime.fromisoformat(got["waiting_since"]) == datetime(
            2025, 10, 29, 9, 0, tzinfo=UTC
        )
        assert [n["conversation_id"] for n in got["near_breach"]] == [first, second]

        # A supervisor of no team and (now) no inbox sees only themselves, nothing waiting.
        left = await ws.api.put(
            f"/api/v1/inboxes/{ws.inbox_id}/members",
            headers=ws.auth(),
            json={"agent_ids": [ws.admin_id]},
        )
        assert left.status_code == 200, left.text
        theirs = (await ws.api.get("/api/v1/reports/live", headers=ws.auth(lead))).json()
        assert [o["id"] for o in theirs["operators"]] == [lead_id]
        assert (theirs["queue"], theirs["waiting_since"], theirs["near_breach"]) == (0, None, [])


async def test_todays_csat_on_the_live_board_counts_from_local_midnight(
    workspace: Workspace,
) -> None:
    """Ratings 5 and 2 at 23:30 Moscow time (20:30 UTC) and 4 at 00:30 (21:30 UTC): a lead
    in Moscow sees one answer today, at 100 %; a lead in UTC all three, at 2 of 3."""
    ws = workspace
    enabled = await ws.api.put(
        f"/api/v1/inboxes/{ws.inbox_id}/surveys", headers=ws.auth(), json={"csat_enabled": True}
    )
    assert enabled.status_code == 200, enabled.text

    async def rated(score: int) -> None:
        visitor = await ws.visitor()
        conversation_id = int((await visitor.say("help"))["conversation_id"])
        await ws.reply(conversation_id, "done")
        resolved = await ws.api.post(
            f"/api/v1/conversations/{conversation_id}/status",
            headers=ws.auth(),
            json={"status": "resolved"},
        )
        assert resolved.status_code == 200, resolved.text
        cards = await ws.api.get("/api/v1/widget/surveys", headers=visitor.headers)
        [card] = cards.json()["items"]
        answered = await ws.api.post(
            f"/api/v1/public/surveys/{card['token']}/answer", json={"score": score}
        )
        assert answered.status_code == 200, answered.text

    async def board(timezone: str) -> Any:
        got = await ws.api.get(
            "/api/v1/reports/live", headers=ws.auth(), params={"timezone": timezone}
        )
        assert got.status_code == 200, got.text
        return got.json()["csat_today"]

    with frozen(datetime(2025, 10, 29, 20, 30, tzinfo=UTC)) as clock:
        empty = await board("Europe/Moscow")
        assert (empty["answered"], empty["score"]) == (0, None)
        await rated(5)
        await rated(2)
        clock.advance(hours=1)
        await rated(4)
        moscow = await board("Europe/Moscow")
        assert (moscow["answered"], moscow["score"]) == (1, 100.0)
        assert datetime.fromisoformat(moscow["since"]) == datetime(2025, 10, 29, 21, tzinfo=UTC)
        utc = await board("UTC")
        assert utc["answered"] == 3 and utc["score"] == 2 / 3 * 100
    bad = await ws.api.get(
        "/api/v1/reports/live", headers=ws.auth(), params={"timezone": "Mars/Olympus"}
    )
    assert bad.status_code == 422, bad.text
