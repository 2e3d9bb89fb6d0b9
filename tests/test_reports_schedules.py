"""Scheduled email reports: the mail reaches a real SMTP server (``tests/mailservers.py``)
with the day's figures and the export attached, once however many workers look; the
schedule's own time zone decides when (daylight saving included) and which period; who may
manage which schedule, and bad input (4xx)."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from otklik.config import Settings
from otklik.core.db import Database
from otklik.jobs.models import Job
from otklik.jobs.runner import JobRunner
from otklik.reports import periods, scheduling
from tests.auth_support import frozen
from tests.mailservers import SmtpSink
from tests.support import Workspace
from tests.test_email_proof import mail_inbox
from tests.test_reports_metrics import DAY, a_day_of_work, msk

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def mail_settings(settings: Settings) -> None:
    # The sink listens on 127.0.0.1: allowed as an admin would allow a LAN mail server.
    settings.webhook_allow_hosts = [*settings.webhook_allow_hosts, "127.0.0.1/32"]


async def create(ws: Workspace, token: str | None = None, **body: Any) -> Any:
    made = await ws.api.post("/api/v1/reports/schedules", headers=ws.auth(token), json=body)
    assert made.status_code == 201, made.text
    return made.json()


async def sweep_now(db: Database, now: datetime) -> int:
    """What the every-minute ``reports.schedules`` job does (one worker's turn)."""
    async with db.session(write=True) as session:
        return await scheduling.enqueue_due(session, now=now)


async def send_jobs(db: Database) -> list[Job]:
    async with db.session(write=False) as session:
        found = await session.scalars(select(Job).where(Job.name == scheduling.SEND_JOB))
        return list(found)


async def all_sent(db: Database, settings: Settings) -> list[Job]:
    """Run the queued mail jobs (the app's own runner may take some): all finished."""
    await JobRunner(db, settings).run_due()
    for _ in range(200):
        jobs = await send_jobs(db)
        if all(job.state in ("done", "failed") for job in jobs):
            return jobs
        await asyncio.sleep(0.05)
    raise AssertionError("the mail jobs did not finish")


def html_of(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def line(html: str, metric: str) -> str:
    start = html.index(f'data-metric="{metric}"')
    return html[start : html.index("</tr>", start)]


async def test_a_daily_report_arrives_once_with_the_days_figures(
    workspace: Workspace, db: Database, sink: SmtpSink, settings: Settings
) -> None:
    ws = workspace
    await a_day_of_work(ws)  # Wednesday 29 Oct 2025, Moscow time
    await mail_inbox(ws, sink)
    with frozen(msk(20)) as clock:
        schedule = await create(
            ws,
            name="Поддержка: день",
            frequency="daily",
            time="09:00",
            timezone="Europe/Moscow",
            recipient_agent_ids=[ws.admin_id],
            recipient_emails=["Boss@Example.com"],
            language="ru",
            format="xlsx",
        )
        assert schedule["next_send_at"] == "2025-10-30T06:00:00Z"
        clock.now = msk(8, 59) + timedelta(days=1)
        clock.advance()
        assert await sweep_now(db, clock.now) == 0  # 08:59 in Moscow: not yet
        clock.now = msk(9) + timedelta(days=1)
        clock.advance()
        # Two workers (and the app's own runner) find it due at once: one mail job.
        twice = await asyncio.gather(sweep_now(db, clock.now), sweep_now(db, clock.now))
        assert sum(twice) <= 1
        jobs = await all_sent(db, settings)
        assert [job.state for job in jobs] == ["done"]
        [mail] = await sink.wait_for(1)
        clock.advance(minutes=5)
        assert await sweep_now(db, clock.now) == 0  # sent already: a restart changes nothing
        # A worker that died after the mail went out, before the job was marked done: the
        # job runs again and sends nothing.
        async with db.session(write=True) as session:
            await session.execute(
                update(Job)
                .where(Job.name == scheduling.SEND_JOB)
                .values(state="queued", run_at=clock.now)
            )
        assert [job.state for job in await all_sent(db, settings)] == ["done"]
        assert len(sink.received) == 1
        # Read while the clock is still frozen: past it, the real date makes the schedule due
        # again, and the app's own job runner may send the next day's report meanwhile.
        got = await ws.api.get(f"/api/v1/reports/schedules/{schedule['id']}", headers=ws.auth())

    assert mail["Subject"] == "Ежедневный отчёт «Поддержка: день»: 29.10.2025"
    assert sorted(sink.envelopes[0][1]) == ["admin@example.com", "boss@example.com"]
    html = html_of(mail)
    assert "<strong>4</strong>" in line(html, "created")  # four chats that Wednesday
    assert "<strong>1</strong>" in line(html, "reopened")
    assert "<strong>5 мин 0 с</strong>" in line(html, "first_response")  # median 300 s
    assert "<strong>33.3 %</strong>" in line(html, "fcr")  # 1 of 3
    assert "ответили 0 из 0" in line(html, "csat")
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None and "Создано: 4 (0)" in str(text.get_content())
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "report-2025-10-29.xlsx"
    with zipfile.ZipFile(io.BytesIO(attachment.get_content())) as book:
        overview = book.read("xl/worksheets/sheet1.xml").decode()
        operators = book.read("xl/worksheets/sheet2.xml").decode()
    assert "<v>1200</v>" in overview  # the business p90 of first responses
    assert f"<v>{ws.admin_id}</v>" in operators

    shown = got.json()
    assert datetime.fromisoformat(shown["last_since"]) == DAY
    assert datetime.fromisoformat(shown["last_until"]) == DAY + timedelta(days=1)
    assert shown["last_sent_at"] is not None and shown["last_error"] is None


async def test_the_schedules_time_zone_and_daylight_saving(
    workspace: Workspace, db: Database, sink: SmtpSink, settings: Settings
) -> None:
    """Berlin leaves summer time on Sunday 26 Oct 2025 (03:00 CEST → 02:00 CET): 08:00 is
    06:00 UTC on Saturday and 07:00 UTC from Sunday; Sunday is 25 hours long."""
    ws = workspace
    await mail_inbox(ws, sink)
    with frozen(datetime(2025, 10, 25, 12, 0, tzinfo=UTC)) as clock:
        await create(
            ws,
            name="Berlin daily",
            frequency="daily",
            time="08:00",
            timezone="Europe/Berlin",
            recipient_emails=["lead@example.com"],
            format="csv",
        )
        clock.now = datetime(2025, 10, 26, 6, 30, tzinfo=UTC)  # 07:30 in Berlin (CET)
        clock.advance()
        assert await sweep_now(db, clock.now) == 0
        clock.advance(minutes=30)  # 08:00 CET
        await sweep_now(db, clock.now)  # (or the app's runner did: one job either way)
        assert len(await send_jobs(db)) == 1
        await all_sent(db, settings)  # (before the clock jumps past the runner's lease)
        # The last minutes of the 25-hour Sunday: 23:30 CET is 22:30 UTC.
        clock.now = datetime(2025, 10, 26, 22, 30, tzinfo=UTC)
        clock.advance()
        await (await ws.visitor()).say("late on Sunday")
        clock.now = datetime(2025, 10, 27, 7, 0, tzinfo=UTC)  # Monday 08:00 CET
        clock.advance()
        await sweep_now(db, clock.now)
        assert len(await send_jobs(db)) == 2
        jobs = await all_sent(db, settings)
    periods_sent = sorted((job.payload["since"], job.payload["until"]) for job in jobs)
    assert periods_sent == [
        ("2025-10-24T22:00:00+00:00", "2025-10-25T22:00:00+00:00"),  # Saturday, 24 h
        ("2025-10-25T22:00:00+00:00", "2025-10-26T23:00:00+00:00"),  # Sunday, 25 h
    ]
    mails = sorted(await sink.wait_for(2), key=lambda m: str(m["Subject"]))
    assert [str(m["Subject"]) for m in mails] == [
        "Daily report “Berlin daily”: 2025-10-25",
        "Daily report “Berlin daily”: 2025-10-26",
    ]
    assert "<strong>0</strong>" in line(html_of(mails[0]), "created")
    assert "<strong>1</strong>" in line(html_of(mails[1]), "created")
    names = [a.get_filename() for a in mails[1].iter_attachments()]
    assert names == ["report-2025-10-26-overview.csv", "report-2025-10-26-operators.csv"]


def test_weekly_periods_are_last_calendar_week() -> None:
    # Wednesday 29 Oct 2025, a schedule for Mondays at 09:00 in Berlin: last sent Monday
    # 27 Oct 09:00 CET, for the week of 20–26 Oct (which ended with the 25-hour Sunday).
    now = datetime(2025, 10, 29, 12, 0, tzinfo=UTC)
    slot = periods.latest(
        frequency="weekly", weekday=0, send_time="09:00", timezone="Europe/Berlin", now=now
    )
    assert slot.due_at == datetime(2025, 10, 27, 8, 0, tzinfo=UTC)
    assert (slot.since, slot.until) == (
        datetime(2025, 10, 20, tzinfo=BERLIN),
        datetime(2025, 10, 27, tzinfo=BERLIN),
    )
    assert slot.until - slot.since == timedelta(days=7, hours=1)
    following = periods.following(
        frequency="weekly", weekday=0, send_time="09:00", timezone="Europe/Berlin", now=now
    )
    assert following.due_at == datetime(2025, 11, 3, 8, 0, tzinfo=UTC)


async def test_without_a_mail_server_the_schedule_says_why(
    workspace: Workspace, db: Database, settings: Settings
) -> None:
    ws = workspace
    with frozen(datetime(2025, 10, 29, 12, 0, tzinfo=UTC)) as clock:
        schedule = await create(
            ws,
            name="Weekly",
            frequency="weekly",
            weekday=3,
            time="09:00",
            timezone="UTC",
            recipient_emails=["lead@example.com"],
        )
        clock.advance(days=1)  # Thursday 12:00
        await sweep_now(db, clock.now)
        assert len(await send_jobs(db)) == 1
        await all_sent(db, settings)
    got = await ws.api.get(f"/api/v1/reports/schedules/{schedule['id']}", headers=ws.auth())
    assert "No active email inbox" in got.json()["last_error"]
    assert got.json()["last_sent_at"] is None


VALID: dict[str, Any] = {
    "name": "Daily",
    "frequency": "daily",
    "time": "08:30",
    "timezone": "Europe/Moscow",
    "recipient_emails": ["lead@example.com"],
}


async def test_who_manages_which_schedule_and_bad_input(workspace: Workspace) -> None:
    ws = workspace
    team = await ws.api.post("/api/v1/teams", headers=ws.auth(), json={"name": "Billing"})
    assert team.status_code == 201, team.text
    team_id = team.json()["id"]
    lead_id, lead = await ws.agent("lead@example.com", role="supervisor", name="Lead")
    _, other_lead = await ws.agent("lead2@example.com", role="supervisor")
    _, agent = await ws.agent("agent@example.com")

    bad = [
        {**VALID, "frequency": "weekly"},  # no weekday
        {**VALID, "weekday": 2},  # a weekday on a daily schedule
        {**VALID, "time": "24:00"},
        {**VALID, "time": "8:30"},
        {**VALID, "timezone": "Mars/Olympus"},
        {**VALID, "recipient_emails": []},  # nobody to send to
        {**VALID, "recipient_emails": ["not-an-address"]},
        {**VALID, "recipient_agent_ids": [999999]},
        {**VALID, "name": ""},
        {**VALID, "language": "de"},
        {**VALID, "format": "pdf"},
        {**VALID, "colour": "red"},
        {**VALID, "filters": {"team_ids": [999999]}},
    ]
    for body in bad:
        got = await ws.api.post("/api/v1/reports/schedules", headers=ws.auth(), json=body)
        assert got.status_code == 422, (body, got.text)
        assert "error" in got.json()
    # A supervisor may only report on their own teams.
    foreign = {**VALID, "filters": {"team_ids": [team_id]}}
    got = await ws.api.post("/api/v1/reports/schedules", headers=ws.auth(lead), json=foreign)
    assert got.status_code == 422, got.text

    mine = await create(ws, lead, **{**VALID, "recipient_agent_ids": [lead_id]})
    admins = await create(ws, **VALID)
    assert mine["owner_id"] == lead_id
    listed = await ws.api.get("/api/v1/reports/schedules", headers=ws.auth(lead))
    assert [s["id"] for s in listed.json()["items"]] == [mine["id"]]
    everything = await ws.api.get("/api/v1/reports/schedules", headers=ws.auth())
    assert [s["id"] for s in everything.json()["items"]] == [mine["id"], admins["id"]]
    theirs = await ws.api.get("/api/v1/reports/schedules", headers=ws.auth(other_lead))
    assert theirs.json()["items"] == []

    path = f"/api/v1/reports/schedules/{mine['id']}"
    for method, body in (("GET", None), ("PUT", VALID), ("DELETE", None)):
        got = await ws.api.request(method, path, headers=ws.auth(other_lead), json=body)
        assert got.status_code == 404, (method, got.text)
        got = await ws.api.request(method, path, headers=ws.auth(agent), json=body)
        assert got.status_code == 403, (method, got.text)
        got = await ws.api.request(method, path, json=body)
        assert got.status_code == 401, (method, got.text)
    for method in ("GET", "POST"):
        got = await ws.api.request(
            method, "/api/v1/reports/schedules", headers=ws.auth(agent), json=VALID
        )
        assert got.status_code == 403, (method, got.text)

    weekly = {**VALID, "frequency": "weekly", "weekday": 0, "language": "ru", "format": "csv"}
    changed = await ws.api.put(path, headers=ws.auth(lead), json=weekly)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["frequency"], changed.json()["weekday"]) == ("weekly", 0)
    bad_change = await ws.api.put(path, headers=ws.auth(lead), json={**weekly, "weekday": 7})
    assert bad_change.status_code == 422
    kept = await ws.api.get(path, headers=ws.auth(lead))
    assert kept.json()["weekday"] == 0  # nothing half-written
    gone = await ws.api.delete(path, headers=ws.auth(lead))
    assert gone.status_code == 204, gone.text
    assert (await ws.api.get(path, headers=ws.auth(lead))).status_code == 404


async def test_a_supervisors_mail_holds_their_scope_only(
    workspace: Workspace, db: Database, sink: SmtpSink, settings: Settings
) -> None:
    """Two supervisors schedule the same report: the one in the chats' inbox gets its two
    chats, the other (no inbox, no team) gets none; a deactivated owner gets an error."""
    ws = workspace
    await mail_inbox(ws, sink)
    member_id, member = await ws.agent("member@example.com", role="supervisor")
    _, outsider = await ws.agent("outsider@example.com", role="supervisor")
    gone_id, gone = await ws.agent("gone@example.com", role="supervisor")
    joined = await ws.api.put(
        f"/api/v1/inboxes/{ws.inbox_id}/members",
        headers=ws.auth(),
        json={"agent_ids": [member_id]},
    )
    assert joined.status_code == 200, joined.text
    with frozen(datetime(2025, 10, 29, 10, 0, tzinfo=UTC)) as clock:
        for text in ("one", "two"):
            await (await ws.visitor()).say(text)
        made = {}
        for who, token in (("member", member), ("outsider", outsider), ("gone", gone)):
            schedule = await create(ws, token, **{**VALID, "timezone": "UTC", "name": who})
            made[who] = schedule["id"]
        off = await ws.api.patch(
            f"/api/v1/agents/{gone_id}", headers=ws.auth(), json={"active": False}
        )
        assert off.status_code == 200, off.text
        clock.now = datetime(2025, 10, 30, 8, 30, tzinfo=UTC)
        clock.advance()
        await sweep_now(db, clock.now)
        await all_sent(db, settings)
        # Within the frozen day: past it the schedules are due again by the real date.
        arrived = await sink.wait_for(2)
    mails = {str(m["Subject"]).split("“")[1].split("”")[0]: m for m in arrived}
    assert sorted(mails) == ["member", "outsider"]
    assert "<strong>2</strong>" in line(html_of(mails["member"]), "created")
    assert "<strong>0</strong>" in line(html_of(mails["outsider"]), "created")
    got = await ws.api.get(f"/api/v1/reports/schedules/{made['gone']}", headers=ws.auth())
    assert "owner" in got.json()["last_error"]
