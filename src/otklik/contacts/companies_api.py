"""Operator endpoints for companies. Every operator reads them (a company's name and
domains are the workspace's, not a customer's conversation; its contact count counts only
the contacts the operator may see); supervisors and admins change them, admins delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from otklik.accounts.deps import AdminAgent, CurrentAgent
from otklik.contacts import companies
from otklik.contacts.schemas import CompanyIn, CompanyOut, CompanyUpdate
from otklik.core.deps import DbSession
from otklik.core.errors import forbidden
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["companies"])


class CompanyPage(BaseModel):
    items: list[CompanyOut]
    next_before: int | None = None


def _may_edit(role: str) -> None:
    if role not in ("admin", "supervisor"):
        raise forbidden("Only supervisors and admins change companies.")


@router.get("/companies", response_model=CompanyPage)
async def list_companies(
    _: CurrentAgent,
    session: DbSession,
    q: Annotated[str | None, Query(max_length=200)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> CompanyPage:
    items, next_before = await companies.list_companies(session, q=q, before=before, limit=limit)
    return CompanyPage(items=items, next_before=next_before)


@router.post("/companies", response_model=CompanyOut, status_code=201)
async def create_company(body: CompanyIn, agent: CurrentAgent, session: DbSession) -> CompanyOut:
    _may_edit(agent.role)
    return await companies.company_out(session, await companies.create_company(session, body))


@router.get("/companies/{company_id}", response_model=CompanyOut)
async def get_company(company_id: Id, _: CurrentAgent, session: DbSession) -> CompanyOut:
    return await companies.company_out(session, await companies.get_company(session, company_id))


@router.patch("/companies/{company_id}", response_model=CompanyOut)
async def update_company(
    company_id: Id, body: CompanyUpdate, agent: CurrentAgent, session: DbSession
) -> CompanyOut:
    _may_edit(agent.role)
    company = await companies.update_company(session, company_id, body)
    return await companies.company_out(session, company)


@router.delete("/companies/{company_id}", status_code=204)
async def delete_company(company_id: Id, _: AdminAgent, session: DbSession) -> Response:
    await companies.delete_company(session, company_id)
    return Response(status_code=204)
