"""Endpoints for canned answers, macros and automation rules (thin: services do the work)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from otklik.accounts.deps import AdminAgent, CurrentAgent
from otklik.core.deps import AppSettings, DbSession
from otklik.core.errors import AppError
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items
from otklik.scripts import automation, canned, csvio, macros
from otklik.scripts.schemas import (
    CannedAnswerIn,
    CannedAnswerOut,
    CannedAnswerPatch,
    ImportResult,
    MacroIn,
    MacroOut,
    MacroPatch,
    RuleIn,
    RuleOut,
    RulePatch,
    RuleTestIn,
    RuleTestOut,
    RunIn,
    RunOut,
    UseIn,
    UseOut,
)
from otklik.scripts.scopes import Scope

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["scripts"])
CSV_TYPES = ("text/csv", "text/plain", "application/csv", "application/vnd.ms-excel")


# --- canned answers ----------------------------------------------------------------------


@router.get("/canned-answers", response_model=Items[CannedAnswerOut])
async def list_canned(
    agent: CurrentAgent,
    session: DbSession,
    q: Annotated[str | None, Query(max_length=100)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    scope: Scope | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Items[CannedAnswerOut]:
    found = await canned.list_answers(
        session, agent=agent, q=q, category=category, scope=scope, limit=limit
    )
    return Items(items=[canned.answer_out(a) for a in found])


@router.get("/canned-answers/categories", response_model=Items[str])
async def list_categories(agent: CurrentAgent, session: DbSession) -> Items[str]:
    return Items(items=await canned.categories(session, agent=agent))


@router.get(
    "/canned-answers/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV, UTF-8 with BOM"}},
)
async def export_canned(
    agent: CurrentAgent, session: DbSession, scope: Scope | None = None
) -> Response:
    text = await csvio.export_csv(session, agent=agent, scope=scope)
    return Response(
        content=text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="canned-answers.csv"'},
    )


@router.post(
    "/canned-answers/import",
    response_model=ImportResult,
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def import_canned(
    request: Request,
    agent: CurrentAgent,
    session: DbSession,
    on_conflict: Literal["skip", "update", "fail"] = "skip",
) -> ImportResult:
    content_type = request.headers.get("content-type", "")
    media, _, params = content_type.partition(";")
    if media.strip().lower() not in CSV_TYPES:
        raise AppError(
            415, "unsupported_media_type", "Send the file as text/csv (the raw CSV as the body)."
        )
    charset = None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"')
    text = csvio.decode(await request.body(), charset)
    return await csvio.import_csv(session, agent=agent, text=text, on_conflict=on_conflict)


@router.post("/canned-answers", response_model=CannedAnswerOut, status_code=201)
async def create_canned(
    body: CannedAnswerIn, agent: CurrentAgent, session: DbSession
) -> CannedAnswerOut:
    return canned.answer_out(await canned.create_answer(session, agent=agent, data=body))


@router.get("/canned-answers/{answer_id}", response_model=CannedAnswerOut)
async def get_canned(answer_id: Id, agent: CurrentAgent, session: DbSession) -> CannedAnswerOut:
    return canned.answer_out(await canned.get_answer(session, agent=agent, answer_id=answer_id))


@router.patch("/canned-answers/{answer_id}", response_model=CannedAnswerOut)
async def update_canned(
    answer_id: Id, body: CannedAnswerPatch, agent: CurrentAgent, session: DbSession
) -> CannedAnswerOut:
    answer = await canned.update_answer(session, agent=agent, answer_id=answer_id, data=body)
    return canned.answer_out(answer)


@router.delete("/canned-answers/{answer_id}", status_code=204)
async def delete_canned(answer_id: Id, agent: CurrentAgent, session: DbSession) -> Response:
    await canned.delete_answer(session, agent=agent, answer_id=answer_id)
    return Response(status_code=204)


@router.post("/canned-answers/{answer_id}/use", response_model=UseOut)
async def use_canned(answer_id: Id, body: UseIn, agent: CurrentAgent, session: DbSession) -> UseOut:
    return await canned.use_answer(
        session, agent=agent, answer_id=answer_id, conversation_id=body.conversation_id
    )


# --- macros ------------------------------------------------------------------------------


@router.get("/macros", response_model=Items[MacroOut])
async def list_macros(agent: CurrentAgent, session: DbSession) -> Items[MacroOut]:
    return Items(
        items=[macros.macro_out(m) for m in await macros.list_macros(session, agent=agent)]
    )


@router.post("/macros", response_model=MacroOut, status_code=201)
async def create_macro(body: MacroIn, agent: CurrentAgent, session: DbSession) -> MacroOut:
    return macros.macro_out(await macros.create_macro(session, agent=agent, data=body))


@router.get("/macros/{macro_id}", response_model=MacroOut)
async def get_macro(macro_id: Id, agent: CurrentAgent, session: DbSession) -> MacroOut:
    return macros.macro_out(await macros.get_macro(session, agent=agent, macro_id=macro_id))


@router.patch("/macros/{macro_id}", response_model=MacroOut)
async def update_macro(
    macro_id: Id, body: MacroPatch, agent: CurrentAgent, session: DbSession
) -> MacroOut:
    macro = await macros.update_macro(session, agent=agent, macro_id=macro_id, data=body)
    return macros.macro_out(macro)


@router.delete("/macros/{macro_id}", status_code=204)
async def delete_macro(macro_id: Id, agent: CurrentAgent, session: DbSession) -> Response:
    await macros.delete_macro(session, agent=agent, macro_id=macro_id)
    return Response(status_code=204)


@router.post("/macros/{macro_id}/run", response_model=RunOut)
async def run_macro(
    macro_id: Id, body: RunIn, agent: CurrentAgent, session: DbSession, settings: AppSettings
) -> RunOut:
    results = await macros.run_macro(
        session,
        agent=agent,
        macro_id=macro_id,
        conversation_ids=body.conversation_ids,
        max_chars=settings.max_message_chars,
    )
    return RunOut(results=results)


# --- automation rules (admins) -----------------------------------------------------------


@router.get("/automation-rules", response_model=Items[RuleOut])
async def list_rules(_: AdminAgent, session: DbSession) -> Items[RuleOut]:
    return Items(items=[automation.rule_out(r) for r in await automation.list_rules(session)])


@router.post("/automation-rules", response_model=RuleOut, status_code=201)
async def create_rule(body: RuleIn, admin: AdminAgent, session: DbSession) -> RuleOut:
    return automation.rule_out(await automation.create_rule(session, admin=admin, data=body))


@router.get("/automation-rules/{rule_id}", response_model=RuleOut)
async def get_rule(rule_id: Id, _: AdminAgent, session: DbSession) -> RuleOut:
    return automation.rule_out(await automation.get_rule(session, rule_id))


@router.patch("/automation-rules/{rule_id}", response_model=RuleOut)
async def update_rule(rule_id: Id, body: RulePatch, _: AdminAgent, session: DbSession) -> RuleOut:
    return automation.rule_out(await automation.update_rule(session, rule_id=rule_id, data=body))


@router.delete("/automation-rules/{rule_id}", status_code=204)
async def delete_rule(rule_id: Id, _: AdminAgent, session: DbSession) -> Response:
    await automation.delete_rule(session, rule_id=rule_id)
    return Response(status_code=204)


@router.post("/automation-rules/{rule_id}/test", response_model=RuleTestOut)
async def test_rule(
    rule_id: Id, body: RuleTestIn, _: AdminAgent, session: DbSession
) -> RuleTestOut:
    return await automation.dry_run(session, rule_id=rule_id, conversation_id=body.conversation_id)
