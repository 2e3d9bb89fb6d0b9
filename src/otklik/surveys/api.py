"""Survey routes: inbox settings (admins), a conversation's surveys and sending one by hand
(whoever may see it), the answers (team-scoped), and answering by token (the visitor)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from otklik.accounts.deps import AdminAgent, CurrentAgent
from otklik.channels.widget.api import CurrentVisitor
from otklik.core.clock import utcnow
from otklik.core.deps import DbSession
from otklik.core.errors import invalid
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items
from otklik.surveys import service
from otklik.surveys.schemas import (
    AnswerIn,
    CommentIn,
    Kind,
    PublicSurvey,
    SendSurveyIn,
    SurveyOut,
    SurveySettingsIn,
    SurveySettingsOut,
)

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["surveys"])
#: The token in a survey's link: what ``secrets.token_urlsafe(24)`` makes.
Token = Annotated[str, Path(min_length=20, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/inboxes/{inbox_id}/surveys", response_model=SurveySettingsOut)
async def get_settings(inbox_id: Id, _: AdminAgent, session: DbSession) -> SurveySettingsOut:
    return await service.get_settings(session, inbox_id=inbox_id)


@router.put("/inboxes/{inbox_id}/surveys", response_model=SurveySettingsOut)
async def put_settings(
    inbox_id: Id, body: SurveySettingsIn, _: AdminAgent, session: DbSession
) -> SurveySettingsOut:
    return await service.put_settings(session, inbox_id=inbox_id, data=body)


@router.get("/conversations/{conversation_id}/surveys", response_model=Items[SurveyOut])
async def conversation_surveys(
    conversation_id: Id, _: CurrentAgent, session: DbSession
) -> Items[SurveyOut]:
    items = await service.conversation_surveys(session, conversation_id=conversation_id)
    return Items(items=items)


@router.post("/conversations/{conversation_id}/surveys", response_model=SurveyOut, status_code=201)
async def send_survey(
    conversation_id: Id, body: SendSurveyIn, _: CurrentAgent, session: DbSession
) -> SurveyOut:
    return await service.send_by_hand(session, conversation_id=conversation_id, kind=body.kind)


@router.get("/surveys/responses", response_model=Items[SurveyOut])
async def responses(
    _: CurrentAgent,
    session: DbSession,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: Kind | None = None,
    inbox_id: Annotated[int | None, Query(ge=1)] = None,
    team_id: Annotated[int | None, Query(ge=1)] = None,
    operator_id: Annotated[int | None, Query(ge=1)] = None,
    answered: bool = True,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Items[SurveyOut]:
    """Surveys sent in the period (30 days by default), answered ones unless
    ``answered=false``; only those of conversations the caller may see."""
    end = until or utcnow()
    start = since or end - timedelta(days=30)
    if start.tzinfo is None or end.tzinfo is None:
        raise invalid("since/until: give a time zone")
    if start >= end:
        raise invalid("since must be before until")
    items = await service.responses(
        session,
        since=start,
        until=end,
        kind=kind,
        inbox_id=inbox_id,
        team_id=team_id,
        operator_id=operator_id,
        answered_only=answered,
        limit=limit,
    )
    return Items(items=items)


# --- the visitor's side: the token is the only credential --------------------------------


@router.get("/public/surveys/{token}", response_model=PublicSurvey)
async def public_survey(token: Token, session: DbSession) -> PublicSurvey:
    return await service.public_survey(session, token=token)


@router.post("/public/surveys/{token}/answer", response_model=PublicSurvey)
async def answer(token: Token, body: AnswerIn, session: DbSession) -> PublicSurvey:
    return await service.answer(session, token=token, score=body.score, comment=body.comment)


@router.post("/public/surveys/{token}/comment", response_model=PublicSurvey)
async def comment(token: Token, body: CommentIn, session: DbSession) -> PublicSurvey:
    return await service.add_comment(session, token=token, comment=body.comment)


@router.get("/widget/surveys", response_model=Items[PublicSurvey])
async def widget_surveys(visitor: CurrentVisitor, session: DbSession) -> Items[PublicSurvey]:
    """The visitor's unanswered surveys (the widget shows their cards after a reload)."""
    items = await service.pending_for_contact(
        session, contact_id=visitor.contact_id, inbox_id=visitor.inbox.id
    )
    return Items(items=items)
