"""Operator endpoints for conversations and messages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from otklik.accounts.deps import CurrentAgent
from otklik.conversations import mentions, service
from otklik.conversations.schemas import (
    AssignIn,
    BulkIn,
    BulkOut,
    ConversationOut,
    ConversationPage,
    MentionPage,
    MentionsReadIn,
    MentionsUnread,
    MergeIn,
    MessageIn,
    MessageOut,
    MessagePage,
    PriorityIn,
    Sort,
    Status,
    StatusIn,
    TagsIn,
    View,
)
from otklik.core.deps import AppSettings, DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id
from otklik.sla.listing import SlaFilter

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["conversations"])


@router.get("/conversations", response_model=ConversationPage)
async def list_conversations(
    agent: CurrentAgent,
    session: DbSession,
    view: View = "all",
    status: Status = "open",
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    q: Annotated[str | None, Query(max_length=200, description="Words in a message")] = None,
    sort: Sort = "newest",
    team_id: Annotated[Id | None, Query(description="The team whose queue view=team lists")] = None,
    sla: Annotated[
        SlaFilter | None, Query(description="Only those with a missed / nearly due SLA target")
    ] = None,
) -> ConversationPage:
    """A view's page in the order asked for, with the counts of every view the operator has
    (their teams' queues included); all of it within what they may see."""
    return await service.list_conversations(
        session,
        agent_id=agent.id,
        view=view,
        status=status,
        cursor=cursor,
        limit=limit,
        sort=sort,
        team_id=team_id,
        q=q,
        sla=sla,
    )


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
async def get_conversation(
    conversation_id: Id, _: CurrentAgent, session: DbSession
) -> ConversationOut:
    return await service.describe(session, conversation_id)


@router.get("/conversations/{conversation_id}/messages", response_model=MessagePage)
async def list_messages(
    conversation_id: Id,
    _: CurrentAgent,
    session: DbSession,
    before: Annotated[Id | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessagePage:
    return await service.list_messages(
        session, conversation_id=conversation_id, before=before, limit=limit
    )


@router.post(
    "/conversations/{conversation_id}/messages",
    response_model=MessageOut,
    status_code=201,
    responses={200: {"model": MessageOut, "description": "A repeat of an earlier send"}},
)
async def post_message(
    conversation_id: Id,
    body: MessageIn,
    agent: CurrentAgent,
    session: DbSession,
    settings: AppSettings,
    response: Response,
) -> MessageOut:
    posted = await service.post_agent_message(
        session,
        agent=agent,
        conversation_id=conversation_id,
        client_msg_id=body.client_msg_id,
        text=body.text,
        private=body.private,
        max_chars=settings.max_message_chars,
        attachment_ids=body.attachment_ids,
        subject=body.subject,
    )
    if not posted.created:
        response.status_code = 200
    return posted.message


@router.post(
    "/conversations/{conversation_id}/messages/{message_id}/retry",
    response_model=MessageOut,
    responses={409: {"description": "The message's delivery has not failed"}},
)
async def retry_message(
    conversation_id: Id, message_id: Id, _: CurrentAgent, session: DbSession
) -> MessageOut:
    """Send a reply whose delivery failed through its channel again."""
    return await service.retry_delivery(
        session, conversation_id=conversation_id, message_id=message_id
    )


@router.post("/conversations/{conversation_id}/assign", response_model=ConversationOut)
async def assign(
    conversation_id: Id, body: AssignIn, _: CurrentAgent, session: DbSession
) -> ConversationOut:
    return await service.assign(
        session,
        conversation_id=conversation_id,
        agent_id=body.agent_id,
        team_id=body.team_id,
        fields=set(body.model_fields_set),
    )


@router.post("/conversations/{conversation_id}/status", response_model=ConversationOut)
async def change_status(
    conversation_id: Id, body: StatusIn, _: CurrentAgent, session: DbSession
) -> ConversationOut:
    return await service.change_status(
        session, conversation_id=conversation_id, status=body.status, snooze_until=body.snooze_until
    )


@router.post("/conversations/{conversation_id}/read", response_model=ConversationOut)
async def mark_read(conversation_id: Id, _: CurrentAgent, session: DbSession) -> ConversationOut:
    return await service.mark_read(session, conversation_id=conversation_id)


@router.post("/conversations/{conversation_id}/tags", response_model=ConversationOut)
async def set_tags(
    conversation_id: Id, body: TagsIn, _: CurrentAgent, session: DbSession
) -> ConversationOut:
    return await service.set_tags(
        session, conversation_id=conversation_id, add=body.add, remove=body.remove
    )


@router.post("/conversations/{conversation_id}/priority", response_model=ConversationOut)
async def set_priority(
    conversation_id: Id, body: PriorityIn, _: CurrentAgent, session: DbSession
) -> ConversationOut:
    return await service.set_priority(
        session, conversation_id=conversation_id, priority=body.priority
    )


@router.post("/conversations/{conversation_id}/merge", response_model=ConversationOut)
async def merge(
    conversation_id: Id, body: MergeIn, _: CurrentAgent, session: DbSession
) -> ConversationOut:
    return await service.merge(session, conversation_id=conversation_id, other_id=body.other_id)


@router.post("/conversations/bulk", response_model=BulkOut)
async def bulk(body: BulkIn, _: CurrentAgent, session: DbSession) -> BulkOut:
    return BulkOut(items=await service.bulk(session, data=body))


@router.get("/mentions", response_model=MentionPage)
async def list_mentions(
    agent: CurrentAgent,
    session: DbSession,
    unread: bool = False,
    before: Annotated[Id | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> MentionPage:
    """Notes that mention you, newest first (``unread=true``: only those not read yet)."""
    return await mentions.list_mentions(
        session, agent_id=agent.id, unread_only=unread, before=before, limit=limit
    )


@router.post("/mentions/read", response_model=MentionsUnread)
async def mark_mentions_read(
    data: MentionsReadIn, agent: CurrentAgent, session: DbSession
) -> MentionsUnread:
    return await mentions.mark_read(session, agent_id=agent.id, ids=data.ids)


@router.post("/mentions/{mention_id}/read", response_model=MentionsUnread)
async def mark_mention_read(
    mention_id: Id, agent: CurrentAgent, session: DbSession
) -> MentionsUnread:
    return await mentions.mark_read(session, agent_id=agent.id, ids=[mention_id])
