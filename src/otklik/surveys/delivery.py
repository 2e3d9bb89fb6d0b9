"""How a survey reaches a contact outside the widget: a bot message in the conversation
that carries one button per score.

The message goes out through the conversation's channel like any bot reply (the delivery
job, retries, channel health): Telegram shows the buttons as an inline keyboard whose
presses come back as ``ButtonPressed`` (``subscribers.on_button_pressed``); email lists one link per
score to the answer page (``surveys/pages.py``). Operators see the message in the
conversation; the token is only in the message's ``channel_data``, never shown to them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.conversations import service as conversations
from otklik.surveys import texts
from otklik.surveys.models import SCALES, SurveyRequest

#: ``survey:<token>:<score>`` in a Telegram button (Telegram allows 64 bytes).
PREFIX = "survey:"


def page_path(token: str, score: int) -> str:
    """The answer page of one score (made absolute with the server's public address)."""
    return f"/surveys/{token}/{score}"


def buttons(survey: SurveyRequest) -> list[dict[str, Any]]:
    low, high = SCALES[survey.kind]
    return [
        {
            "label": str(score),
            "url": page_path(survey.token, score),
            "callback_data": f"{PREFIX}{survey.token}:{score}",
        }
        for score in range(low, high + 1)
    ]


def message_text(survey: SurveyRequest, own_texts: dict[str, Any]) -> str:
    language = texts.language_of(survey.language)
    low, high = SCALES[survey.kind]
    low_label, high_label = texts.LABELS[language][survey.kind]
    question = texts.question(own_texts, language, survey.kind)
    scale = f"{low} — {low_label}, {high} — {high_label}"
    return f"{texts.PHRASES[language]['intro']}\n{question}\n({scale})"


async def post_survey_message(
    session: AsyncSession, *, survey: SurveyRequest, texts: dict[str, Any]
) -> None:
    await conversations.post_automatic_message(
        session,
        conversation_id=survey.conversation_id,
        text=message_text(survey, texts),
        channel_data={"buttons": buttons(survey)},
    )


def parse_button(data: str) -> tuple[str, int] | None:
    """The token and score of a pressed button's data; ``None`` if not a survey's."""
    if not data.startswith(PREFIX):
        return None
    token, _, score = data[len(PREFIX) :].rpartition(":")
    if not token or not score.isdigit() or len(score) > 2:
        return None
    return token, int(score)
