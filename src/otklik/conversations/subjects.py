"""Subjects of email conversations: the title operators see, and what replies are sent with.

A conversation keeps its subject bare ("Order 42 is late", without "Re:" or "Fwd:"); a reply
goes as "Re: <subject>" unless the operator gives another one, which then becomes the
conversation's subject (the thread is about that now).
"""

from __future__ import annotations

import re
from typing import Any

from otklik.conversations.models import Conversation
from otklik.core.errors import invalid

MAX_CHARS = 300
_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|ответ|отв|пересл)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE
)


def bare(subject: object) -> str | None:
    """``subject`` without reply and forward prefixes; ``None`` when nothing is left."""
    if not isinstance(subject, str):
        return None
    text = " ".join(_PREFIX.sub("", subject).split())[:MAX_CHARS]
    return text or None


def reply_to(subject: str | None) -> str:
    """What a reply is sent with by default."""
    return f"Re: {subject}" if subject else ""


def of_reply(
    conversation: Conversation, subject: str | None, *, private: bool
) -> dict[str, Any] | None:
    """The ``channel_data`` an operator's message starts with: the subject its mail is sent
    with (the delivery job reads it). A given subject renames the conversation."""
    if subject is None:
        return None
    if private or conversation.channel != "email":
        raise invalid("subject: only a reply in an email conversation has a subject.")
    renamed = bare(subject)
    if renamed is None:
        raise invalid("subject: the subject is empty.")
    if renamed != conversation.subject:
        conversation.subject = renamed
    return {"subject": " ".join(subject.split())}
