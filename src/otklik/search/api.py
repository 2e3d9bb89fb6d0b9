"""``GET /api/v1/search``: one search box over every kind the operator may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from otklik.accounts.deps import CurrentAgent
from otklik.conversations.schemas import Status
from otklik.core.deps import DbSession
from otklik.core.errors import invalid
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id
from otklik.search import service
from otklik.search.schemas import Filters, SearchResults

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["search"])


@router.get("/search", response_model=SearchResults)
async def search(
    _: CurrentAgent,
    session: DbSession,
    q: Annotated[str, Query(max_length=200)],
    kinds: Annotated[str | None, Query(max_length=200, description="Comma-separated")] = None,
    status: Status | None = None,
    inbox: Id | None = None,
    team: Id | None = None,
    assignee: Id | None = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    channel: Annotated[str | None, Query(max_length=30)] = None,
    date_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    date_to: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchResults:
    """Matches grouped by kind (messages, contacts, canned answers, …), best first; each
    message hit names its conversation and message. The conversation filters, when given,
    leave only the kinds they apply to (messages)."""
    if date_from is not None and date_to is not None and date_to <= date_from:
        raise invalid("'to' must be after 'from'.")
    wanted = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None
    filters = Filters(
        status=status,
        inbox_id=inbox,
        team_id=team,
        assignee_id=assignee,
        tag=tag,
        channel=channel,
        date_from=date_from,
        date_to=date_to,
    )
    return await service.search(session, q, kinds=wanted, filters=filters, limit=limit)
