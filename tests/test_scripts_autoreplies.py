"""Auto-replies: a greeting once per conversation, an away message once per closed stretch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from otklik.core import clock
from tests.scripts_support import error, inbox_settings, messages
from tests.support import Workspace

HOURS = {
    "timezone": "Europe/Moscow",
    "days": {d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed")},
}
# Moscow is UTC+3 all year.
SUNDAY_NOON = datetime(2030, 6, 2, 9, 0, tzinfo=UTC)
MONDAY_10 = datetime(2030, 6, 3, 7, 0, tzinfo=UTC)
MONDAY_LUNCH = datetime(2030, 6, 3, 10, 30, tzinfo=UTC)
MONDAY_19 = datetime(2030, 6, 3, 16, 0, tzinfo=UTC)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    clock.freeze(moment)
    try:
        yield
    finally:
        clock.freeze(None)


async def test_greeting_once_per_new_conversation(workspace: Workspace) -> None:
    ws = workspace
    visitor = await ws.visitor(None)
    await visitor.say("no greeting configured yet")
    assert [m["author_type"] for m in await visitor.messages()] == ["contact"]

    settings = await inbox_settings(
        ws,
        greeting_message='Здравствуйте, {{contact.name | default: "гость"}}! Это {{inbox.name}}.',
    )
    assert settings["settings"]["greeting_message"].startswith("Здравствуйте")
    visitor = await ws.visitor("Мария")
    first = await visitor.say("Привет")
    await visitor.say("Ещё вопрос")
    seen = [(m["author_type"], m["text"]) for m in await visitor.messages()]
    assert seen == [
        ("contact", "Привет"),
        ("bot", "Здравствуйте, Мария! Это Site."),
        ("contact", "Ещё вопрос"),
    ]
    # The greeting does not count as an answer.
    listed = await ws.api.get(
        f"/api/v1/conversations/{first['conversation_id']}", headers=ws.auth()
    )
    assert listed.json()["waiting_since"] is not None


async def test_away_message_once_per_closed_stretch(workspace: Workspace) -> None:
    ws = workspace
    await inbox_settings(
        ws, working_hours=HOURS, away_message="Мы работаем пн–ср 9–18 (МСК). Ответим утром."
    )
    with at(SUNDAY_NOON):
        # Made in the frozen week: a visitor token lives 30 days from its issue.
        visitor = await ws.visitor()
        conversation_id = (await visitor.say("кто-нибудь?"))["conversation_id"]
        await visitor.say("ау")
    with at(MONDAY_10):
        await visitor.say("доброе утро")
    with at(MONDAY_LUNCH):
        await visitor.say("обед?")
        await visitor.say("всё ещё обед?")
    with at(MONDAY_19):
        await visitor.say("вечер")
    authors = [(m["author_type"], m["text"][:6]) for m in await messages(ws, conversation_id)]
    assert authors == [
        ("contact", "кто-ни"),
        ("bot", "Мы раб"),
        ("contact", "ау"),
        ("contact", "доброе"),
        ("contact", "обед?"),
        ("bot", "Мы раб"),  # lunch break: a new closed stretch
        ("contact", "всё ещ"),
        ("contact", "вечер"),
        ("bot", "Мы раб"),
    ]


async def test_hours_and_templates_are_validated(workspace: Workspace) -> None:
    ws = workspace
    url = f"/api/v1/inboxes/{ws.inbox_id}"
    bad = [
        ({"working_hours": {"timezone": "Mars/Olympus"}}, "time zone"),
        ({"working_hours": {"days": {"mon": [["25:00", "26:00"]]}}}, "days.mon"),
        ({"working_hours": {"days": {"mon": [["18:00", "09:00"]]}}}, "start before"),
        ({"working_hours": {"days": {"monday": [["09:00", "18:00"]]}}}, "monday"),
        ({"working_hours": {"days": {"mon": [["09:00"]]}}}, "days.mon"),
        ({"greeting_message": "Hi {{ user.name }}"}, "user.name"),
        ({"away_message": "x" * 2001}, "away_message"),
    ]
    for settings, words in bad:
        response = await ws.api.patch(url, headers=ws.auth(), json={"settings": settings})
        assert error(response)[:2] == (422, "validation_error"), (settings, response.text)
        assert words in response.json()["error"]["message"], response.text
    ok = await inbox_settings(ws, working_hours=HOURS)
    assert ok["settings"]["working_hours"]["days"]["mon"] == [
        ["09:00", "13:00"],
        ["14:00", "18:00"],
    ]
    config = await ws.api.get("/api/v1/widget/config", params={"inbox_key": ws.inbox_key})
    assert config.json()["inbox"]["settings"]["working_hours"]["timezone"] == "Europe/Moscow"
