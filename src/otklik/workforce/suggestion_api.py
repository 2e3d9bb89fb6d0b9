"""The schedule suggestion's route, outside any transaction: the solver runs for up to
``time_limit_seconds`` (about a second for a week), and a POST of the transactional routers
would hold the database's write turn all that time. It reads in a read-only session, then
computes in a worker thread."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from otklik.accounts.deps import current_caller
from otklik.core.db import Database
from otklik.core.errors import forbidden, invalid
from otklik.workforce import suggestion
from otklik.workforce.schemas import SuggestionIn, SuggestionOut

#: Included by ``workforce/api.py``'s router (its ``/api/v1`` prefix).
router = APIRouter(tags=["workforce"])


@router.post("/workforce/schedule-suggestion", response_model=SuggestionOut)
async def suggest_schedule(body: SuggestionIn, request: Request) -> SuggestionOut:
    """Shift starts per day and template covering a week's requirement (OR-Tools CP-SAT);
    supervisors and admins."""
    db: Database = request.app.state.db
    async with db.session(write=False) as session:
        caller = await current_caller(request, session)
        if caller.agent.role not in ("admin", "supervisor"):
            raise forbidden("Only supervisors and admins plan staffing.")
        inputs = await suggestion.read_inputs(session, body)
    try:
        return await asyncio.to_thread(suggestion.suggest, body, inputs)
    except ValueError as exc:
        raise invalid(str(exc)) from exc
