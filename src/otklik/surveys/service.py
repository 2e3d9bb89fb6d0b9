"""Surveys: inbox settings, sending a survey, recording its answer, reading the answers.

Every write is here. A survey is sent on resolve (``subscribers.py``), by an operator, or
by an automation rule, always through :func:`send`; it is answered only through its token
(:func:`answer`), once. Reads for operators go through :func:`visible`, the same role ×
team × inbox rule as conversations (``accounts/access.py``).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.channels import service as channels
from otklik.conversations import queries as conversations
from otklik.conversations.schemas import ConversationOut
from otklik.core.clock import utcnow
from otklik.core.errors import AppError, invalid, not_found
from otklik.core.events import bus
from otklik.surveys import delivery, rollup, texts
from otklik.surveys.events import SurveyResponded, SurveySent
from otklik.surveys.models import SCALES, SurveyHourly, SurveyRequest, SurveySettings
from otklik.surveys.schemas import (
    Kind,
    Origin,
    PublicSurvey,
    QuestionTexts,
    SurveyOut,
    SurveySettingsIn,
    SurveySettingsOut,
)

#: Channels a survey can reach the contact through.
CHANNELS = ("widget", "email", "telegram")


# --- settings ---------------------------------------------------------------------------


def _settings_out(inbox_id: int, row: SurveySettings | None) -> SurveySettingsOut:
    if row is None:
        row = SurveySettings(
            inbox_id=inbox_id,
            csat_enabled=False,
            nps_enabled=False,
            nps_interval_days=90,
            ces_enabled=False,
            expires_hours=168,
            texts={},
        )
    return SurveySettingsOut(
        inbox_id=inbox_id,
        csat_enabled=row.csat_enabled,
        nps_enabled=row.nps_enabled,
        nps_interval_days=row.nps_interval_days,
        ces_enabled=row.ces_enabled,
        expires_hours=row.expires_hours,
        texts={
            language: QuestionTexts.model_validate(row.texts.get(language, {}))
            for language in texts.LANGUAGES
        },
    )


async def get_settings(session: AsyncSession, *, inbox_id: int) -> SurveySettingsOut:
    await channels.get_inbox(session, inbox_id)
    return _settings_out(inbox_id, await session.get(SurveySettings, inbox_id))


async def put_settings(
    session: AsyncSession, *, inbox_id: int, data: SurveySettingsIn
) -> SurveySettingsOut:
    inbox = await channels.get_inbox(session, inbox_id)
    wanted = data.csat_enabled or data.nps_enabled or data.ces_enabled
    if wanted and inbox.channel not in CHANNELS:
        raise invalid(f"surveys reach contacts by widget, email or Telegram, not {inbox.channel}")
    row = await session.get(SurveySettings, inbox_id)
    if row is None:
        row = SurveySettings(inbox_id=inbox_id)
        session.add(row)
    row.csat_enabled = data.csat_enabled
    row.nps_enabled = data.nps_enabled
    row.nps_interval_days = data.nps_interval_days
    row.ces_enabled = data.ces_enabled
    row.expires_hours = data.expires_hours
    row.texts = {language: t.model_dump() for language, t in data.texts.items()}
    row.updated_at = utcnow()
    await session.flush()
    return _settings_out(inbox_id, row)


# --- shapes -----------------------------------------------------------------------------


def survey_out(row: SurveyRequest) -> SurveyOut:
    return SurveyOut.model_validate(row, from_attributes=True)


def public_out(row: SurveyRequest, own_texts: dict[str, Any], *, now: datetime) -> PublicSurvey:
    language = texts.language_of(row.language)
    low, high = SCALES[row.kind]
    low_label, high_label = texts.LABELS[language][row.kind]
    return PublicSurvey(
        token=row.token,
        kind=cast(Kind, row.kind),
        language=language,
        question=texts.question(own_texts, language, row.kind),
        low=low,
        high=high,
        low_label=low_label,
        high_label=high_label,
        score=row.score,
        comment=row.comment,
        expired=row.responded_at is None and row.expires_at <= now,
    )


async def _own_texts(session: AsyncSession, inbox_id: int) -> dict[str, Any]:
    row = await session.get(SurveySettings, inbox_id)
    return row.texts if row is not None else {}


# --- sending ----------------------------------------------------------------------------


async def _nps_due(session: AsyncSession, *, contact_id: int, days: int, now: datetime) -> bool:
    last = await session.scalar(
        select(func.max(SurveyRequest.created_at)).where(
            SurveyRequest.contact_id == contact_id, SurveyRequest.kind == "nps"
        )
    )
    return last is None or last <= now - timedelta(days=days)


async def send(
    session: AsyncSession,
    *,
    conversation: ConversationOut,
    kind: Kind,
    origin: Origin,
    expires_hours: int | None = None,
) -> SurveyOut:
    """Send one survey about ``conversation`` to its contact, through its channel."""
    if conversation.channel not in CHANNELS:
        raise invalid(f"a survey cannot reach a contact of the {conversation.channel} channel")
    settings = await session.get(SurveySettings, conversation.inbox_id)
    if conversation.language:
        language = texts.language_of(conversation.language)
    else:
        customer = await conversations.latest_customer_text(session, conversation.id)
        language = texts.guess_language(customer)
    hours = expires_hours or (settings.expires_hours if settings is not None else 168)
    now = utcnow()
    row = SurveyRequest(
        token=secrets.token_urlsafe(24),
        kind=kind,
        origin=origin,
        conversation_id=conversation.id,
        contact_id=conversation.contact.id,
        inbox_id=conversation.inbox_id,
        team_id=conversation.team_id,
        operator_id=conversation.assignee_id,
        channel=conversation.channel,
        language=language,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(row)
    await session.flush()
    await rollup.count(session, row, rollup.UNANSWERED, 1)
    out = survey_out(row)
    own = settings.texts if settings is not None else {}
    card = None
    if row.channel == "widget":
        card = public_out(row, own, now=now)
    else:
        await delivery.post_survey_message(session, survey=row, texts=own)
    await bus.emit(session, SurveySent(survey=out, card=card))
    return out


async def send_by_hand(session: AsyncSession, *, conversation_id: int, kind: Kind) -> SurveyOut:
    """An operator sends a survey (access: whoever may see the conversation)."""
    conversation = await conversations.describe(session, conversation_id)
    return await send(session, conversation=conversation, kind=kind, origin="agent")


async def on_resolved(session: AsyncSession, *, conversation: ConversationOut) -> list[SurveyOut]:
    """The surveys the inbox sends when a conversation is resolved: CSAT, CES, and NPS if
    the contact was not asked within the interval."""
    settings = await session.get(SurveySettings, conversation.inbox_id)
    if settings is None or conversation.merged_into_id is not None:
        return []
    if conversation.channel not in CHANNELS:
        return []
    sent = []
    if settings.csat_enabled:
        sent.append(await send(session, conversation=conversation, kind="csat", origin="resolved"))
    if settings.ces_enabled:
        sent.append(await send(session, conversation=conversation, kind="ces", origin="resolved"))
    if settings.nps_enabled and await _nps_due(
        session,
        contact_id=conversation.contact.id,
        days=settings.nps_interval_days,
        now=utcnow(),
    ):
        sent.append(await send(session, conversation=conversation, kind="nps", origin="resolved"))
    return sent


# --- answering (by token: the visitor's card, the email page, the Telegram button) --------


async def _by_token(session: AsyncSession, token: str, *, lock: bool = False) -> SurveyRequest:
    query = select(SurveyRequest).where(SurveyRequest.token == token)
    if lock:
        query = query.with_for_update()
    row = await session.scalar(query)
    if row is None:
        raise not_found("Survey", "with this link")
    return row


async def public_survey(session: AsyncSession, *, token: str) -> PublicSurvey:
    row = await _by_token(session, token)
    return public_out(row, await _own_texts(session, row.inbox_id), now=utcnow())


def _answered_differently() -> AppError:
    return AppError(409, "already_answered", "This survey has already been answered.")


async def answer(
    session: AsyncSession, *, token: str, score: int, comment: str | None = None
) -> PublicSurvey:
    """Record the answer, once. The same score again is the same answer (a retried click,
    a second tap on the button): nothing changes; another score is refused (409)."""
    row = await _by_token(session, token, lock=True)
    low, high = SCALES[row.kind]
    if not low <= score <= high:
        raise invalid(f"score: from {low} to {high} for {row.kind.upper()}")
    now = utcnow()
    comment = (comment or "").strip() or None
    if row.responded_at is not None:
        if row.score != score:
            raise _answered_differently()
        if comment is not None and comment != row.comment:
            return await add_comment(session, token=token, comment=comment)
        return public_out(row, await _own_texts(session, row.inbox_id), now=now)
    if row.expires_at <= now:
        raise AppError(410, "expired", "This survey has expired.")
    row.score = score
    row.comment = comment
    row.responded_at = now
    await session.flush()
    await rollup.count(session, row, rollup.UNANSWERED, -1)
    await rollup.count(session, row, score, 1)
    await bus.emit(session, SurveyResponded(survey=survey_out(row)))
    return public_out(row, await _own_texts(session, row.inbox_id), now=now)


async def answer_from_channel(
    session: AsyncSession, *, token: str, score: int, inbox_id: int
) -> tuple[int, str] | None:
    """A score given through a channel's button: recorded if it can be. Returns the
    conversation and what to tell the customer (thanks, or why not); ``None`` for a token
    of another inbox or none at all (nothing is said)."""
    row = await session.scalar(select(SurveyRequest).where(SurveyRequest.token == token))
    if row is None or row.inbox_id != inbox_id:
        return None
    phrases = texts.PHRASES[texts.language_of(row.language)]
    try:
        await answer(session, token=token, score=score)
    except AppError as exc:
        if exc.status not in (409, 410):
            return None
        return row.conversation_id, phrases["expired" if exc.status == 410 else "answered"]
    return row.conversation_id, phrases["thanks"]


async def add_comment(session: AsyncSession, *, token: str, comment: str) -> PublicSurvey:
    """The comment that follows a score (the page and the card ask for it after)."""
    row = await _by_token(session, token, lock=True)
    if row.responded_at is None:
        raise AppError(409, "not_answered", "Give a score first.")
    text = comment.strip()
    if not text:
        raise invalid("comment: empty")
    if text != row.comment:
        row.comment = text
        await session.flush()
        await bus.emit(session, SurveyResponded(survey=survey_out(row), comment_only=True))
    return public_out(row, await _own_texts(session, row.inbox_id), now=utcnow())


async def pending_for_contact(
    session: AsyncSession, *, contact_id: int, inbox_id: int
) -> list[PublicSurvey]:
    """The widget's unanswered, unexpired surveys of this contact (shown after a reload)."""
    now = utcnow()
    rows = await session.scalars(
        select(SurveyRequest)
        .where(
            SurveyRequest.contact_id == contact_id,
            SurveyRequest.inbox_id == inbox_id,
            SurveyRequest.channel == "widget",
            SurveyRequest.responded_at.is_(None),
            SurveyRequest.expires_at > now,
        )
        .order_by(SurveyRequest.id)
        .limit(10)
    )
    own = await _own_texts(session, inbox_id)
    return [public_out(row, own, now=now) for row in rows]


# --- reading (operators, reports) -------------------------------------------------------


def visible(session: AsyncSession) -> ColumnElement[bool]:
    """Surveys the session's operator may see: those of conversations in their scope, by the
    inbox, team and operator the survey was sent with."""
    return access.visible(
        access.scope_in(session),
        inbox_id=SurveyRequest.inbox_id,
        team_id=SurveyRequest.team_id,
        assignee_id=SurveyRequest.operator_id,
    )


async def conversation_surveys(session: AsyncSession, *, conversation_id: int) -> list[SurveyOut]:
    await conversations.get_conversation(session, conversation_id)
    rows = await session.scalars(
        select(SurveyRequest)
        .where(SurveyRequest.conversation_id == conversation_id)
        .order_by(SurveyRequest.id)
    )
    return [survey_out(row) for row in rows]


async def responses(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    kind: Kind | None = None,
    inbox_id: int | None = None,
    team_id: int | None = None,
    operator_id: int | None = None,
    answered_only: bool = True,
    limit: int = 1000,
) -> list[SurveyOut]:
    """Surveys sent in ``[since, until)`` (answered only, unless asked), newest first, as
    the session's operator may see them: what reports count CSAT, NPS, CES and the response
    rate from."""
    query = select(SurveyRequest).where(
        visible(session),
        SurveyRequest.created_at >= since,
        SurveyRequest.created_at < until,
    )
    if answered_only:
        query = query.where(SurveyRequest.responded_at.is_not(None))
    if kind is not None:
        query = query.where(SurveyRequest.kind == kind)
    if inbox_id is not None:
        query = query.where(SurveyRequest.inbox_id == inbox_id)
    if team_id is not None:
        query = query.where(SurveyRequest.team_id == team_id)
    if operator_id is not None:
        query = query.where(SurveyRequest.operator_id == operator_id)
    rows = await session.scalars(query.order_by(SurveyRequest.id.desc()).limit(limit))
    return [survey_out(row) for row in rows]


def _whole_hours(since: datetime, until: datetime) -> tuple[datetime, datetime] | None:
    start, end = rollup.hour_of(since), rollup.hour_of(until)
    if start < since:
        start += timedelta(hours=1)
    return (start, end) if start < end else None


async def score_counts(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    inbox_ids: tuple[int, ...] = (),
    team_ids: tuple[int, ...] = (),
    operator_ids: tuple[int, ...] = (),
    channels: tuple[str, ...] = (),
) -> dict[str, tuple[int, dict[int, int]]]:
    """Per kind: surveys sent in ``[since, until)`` and their answers counted by score, as
    the session's operator may see them (what reports compute CSAT, NPS, CES and the
    response rate from, ``docs/metrics.md``): the whole hours from ``survey_hourly``, the
    parts of an hour at the ends from the surveys (one GROUP BY each)."""
    s, h = SurveyRequest, SurveyHourly
    hours = _whole_hours(since, until)

    def narrowed(columns: tuple[Any, Any, Any, Any]) -> list[Any]:
        """The filters on the inbox, team, operator and channel columns given."""
        wanted: tuple[Any, ...] = (inbox_ids, team_ids, operator_ids, channels)
        return [
            column.in_(values) for column, values in zip(columns, wanted, strict=True) if values
        ]

    parts = [(since, until)] if hours is None else [(since, hours[0]), (hours[1], until)]
    queries: list[Any] = []
    for start, end in parts:
        if start >= end:
            continue
        conditions = [
            visible(session),
            s.created_at >= start,
            s.created_at < end,
            *narrowed((s.inbox_id, s.team_id, s.operator_id, s.channel)),
        ]
        score = func.coalesce(s.score, rollup.UNANSWERED)
        queries.append(
            select(s.kind, score, func.count()).where(*conditions).group_by(s.kind, score)
        )
    if hours is not None:
        scope = access.scope_in(session)
        conditions = [
            access.visible(
                scope, inbox_id=h.inbox_id, team_id=h.team_key, assignee_id=h.operator_key
            ),
            h.hour >= hours[0],
            h.hour < hours[1],
            *narrowed((h.inbox_id, h.team_key, h.operator_key, h.channel)),
        ]
        queries.append(
            select(h.kind, h.score_key, func.sum(h.n))
            .where(*conditions)
            .group_by(h.kind, h.score_key)
        )
    found: dict[str, tuple[int, dict[int, int]]] = {}
    for query in queries:
        for kind, score, n in await session.execute(query):
            sent, scores = found.get(kind, (0, {}))
            if int(score) != rollup.UNANSWERED:
                scores[int(score)] = scores.get(int(score), 0) + int(n)
            found[kind] = (sent + int(n or 0), scores)
    return found


async def answered_since(session: AsyncSession, *, kind: str, since: datetime) -> dict[int, int]:
    """Answers of ``kind`` given since ``since`` counted by score, as the session's operator
    may see them (the live board's "CSAT today"; by the answer's time, not the sending's,
    unlike :func:`score_counts`)."""
    s = SurveyRequest
    rows = await session.execute(
        select(s.score, func.count())
        .where(visible(session), s.kind == kind, s.responded_at >= since, s.score.is_not(None))
        .group_by(s.score)
    )
    return {int(score or 0): int(n) for score, n in rows}
