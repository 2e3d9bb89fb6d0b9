"""Surveys outside the widget, through the real channel stand-ins on both databases: a
Telegram survey as an inline keyboard whose button press (``callback_query``) records the
score; an email survey with one link per score to the answer page (SMTP sink)."""

from __future__ import annotations

import re
from typing import Any

import aiosmtplib
import pytest

from otklik.config import Settings
from tests.fake_telegram import FakeBotApi
from tests.mailservers import Dovecot, SmtpSink
from tests.support import Workspace, free_socket
from tests.test_channel_email import email_inbox, mail, messages_of, wait_messages
from tests.test_surveys import status, surveys_of
from tests.test_telegram import conversations_of, eventually, telegram_inbox, text_message

PUBLIC_URL = "https://support.example"


@pytest.fixture(autouse=True)
def local_servers_and_public_url(settings: Settings) -> None:
    settings.webhook_allow_hosts = [*settings.webhook_allow_hosts, "127.0.0.1/32"]
    settings.public_url = PUBLIC_URL


async def enable(ws: Workspace, inbox_id: int, **body: Any) -> None:
    saved = await ws.api.put(f"/api/v1/inboxes/{inbox_id}/surveys", headers=ws.auth(), json=body)
    assert saved.status_code == 200, saved.text


async def test_telegram_survey_buttons_record_the_score(
    bot_api: FakeBotApi, workspace: Workspace
) -> None:
    ws = workspace
    inbox = await telegram_inbox(ws, bot_api)
    await enable(ws, inbox["id"], csat_enabled=True)
    bot_api.push(text_message(1, "Привет, где мой заказ?"))
    [conversation] = await eventually(lambda: conversations_of(ws, inbox["id"]))
    await status(ws, conversation["id"], "resolved")
    survey_message = await eventually(
        lambda: next((m for m in bot_api.sent if "reply_markup" in m), None)
    )
    keyboard = survey_message["reply_markup"]["inline_keyboard"]
    buttons = [button for row in keyboard for button in row]
    assert [b["text"] for b in buttons] == ["1", "2", "3", "4", "5"]
    assert "Как вы оцениваете помощь" in survey_message["text"]  # asked in Russian

    pressed = bot_api.press(survey_message, buttons[0]["callback_data"])
    await eventually(lambda: pressed in bot_api.answered_callbacks)
    answered = await eventually(
        lambda: _answered(ws, conversation["id"])  # recorded in the press's transaction
    )
    assert (answered["score"], answered["channel"]) == (1, "telegram")
    thanked = "Спасибо за оценку!"
    thanks = await eventually(lambda: [m for m in bot_api.sent if m["text"] == thanked])
    assert len(thanks) == 1
    # Another button later: refused politely, the first answer stays.
    again = bot_api.press(survey_message, buttons[4]["callback_data"])
    await eventually(lambda: again in bot_api.answered_callbacks)
    await eventually(
        lambda: [m for m in bot_api.sent if m["text"] == "Вы уже ответили на этот опрос."]
    )
    [survey] = await surveys_of(ws, conversation["id"])
    assert survey["score"] == 1
    # A forged token from the customer's app is ignored (nothing recorded, nothing said).
    forged = bot_api.press(survey_message, "survey:" + "A" * 32 + ":5")
    await eventually(lambda: forged in bot_api.answered_callbacks)


async def _answered(ws: Workspace, conversation_id: int) -> dict[str, Any] | None:
    surveys = await surveys_of(ws, conversation_id)
    return surveys[0] if surveys and surveys[0]["score"] is not None else None


async def test_email_survey_links_open_the_answer_page(
    workspace: Workspace, dovecot: Dovecot, sink: SmtpSink
) -> None:
    ws = workspace
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    inbox = await email_inbox(
        ws,
        dovecot,
        sink,
        config={"imap_enabled": False, "ingress_enabled": True, "ingress_port": port},
    )
    await enable(ws, inbox["id"], csat_enabled=True)
    await aiosmtplib.send(
        mail("The parcel never came"), hostname="127.0.0.1", port=port, start_tls=False
    )
    (stored,) = await messages_of(ws.server.app.state.db, inbox["id"])
    await status(ws, stored.conversation_id, "resolved")
    await wait_messages(ws.server.app.state.db, inbox["id"], 2)
    await eventually(lambda: sink.received)
    body = sink.received[-1].get_content()
    assert "How would you rate the help you received?" in body
    links = dict(re.findall(r"^(\d): (https://\S+)\s*$", body, flags=re.M))
    assert sorted(links) == ["1", "2", "3", "4", "5"]
    assert all(url.startswith(f"{PUBLIC_URL}/surveys/") for url in links.values())

    path = links["4"].removeprefix(PUBLIC_URL)
    page = await ws.api.get(path)
    assert page.status_code == 200 and 'value="4" checked' in page.text
    [survey] = await surveys_of(ws, stored.conversation_id)
    assert survey["score"] is None  # opening the link (a mail scanner too) records nothing

    token = path.split("/")[2]
    sent = await ws.api.post(f"/surveys/{token}", data={"score": "4", "comment": "Quick, thanks"})
    assert sent.status_code == 200 and 'data-testid="survey-thanks"' in sent.text
    [survey] = await surveys_of(ws, stored.conversation_id)
    assert (survey["score"], survey["comment"], survey["channel"]) == (4, "Quick, thanks", "email")
    other = await ws.api.post(f"/surveys/{token}", data={"score": "1"})
    assert other.status_code == 200 and 'data-testid="survey-answered"' in other.text
    assert (await surveys_of(ws, stored.conversation_id))[0]["score"] == 4
    unknown = await ws.api.get("/surveys/" + "x" * 32 + "/3")
    assert unknown.status_code == 404
