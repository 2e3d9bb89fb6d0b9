"""Companies: a customer's organisation, its email domains, and the contacts at them.

A contact whose email is at one of a company's domains joins it (when it has no company
yet): when the contact's emails are set, and when the company is given the domain. Public
webmail domains are nobody's company: they are refused as a company's domain.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.contacts import events
from otklik.contacts.models import Company, CompanyDomain, Contact
from otklik.contacts.schemas import CompanyIn, CompanyOut, CompanyUpdate
from otklik.contacts.visibility import visible_ids
from otklik.core.clock import utcnow
from otklik.core.errors import conflict, invalid, not_found
from otklik.realtime import log
from otklik.realtime.protocol import STREAM_AGENTS

#: Mail services anyone may have an address at: an address there says nothing of a company.
WEBMAIL = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com",
        "gmx.com", "gmx.de", "zoho.com", "mail.com",
        "mail.ru", "bk.ru", "inbox.ru", "list.ru", "internet.ru", "mail.ua",
        "yandex.ru", "ya.ru", "yandex.com", "yandex.by", "yandex.kz", "yandex.ua",
        "rambler.ru", "lenta.ru", "autorambler.ru", "ro.ru", "ukr.net", "tut.by",
    }
)  # fmt: skip


def domain_of(email: str | None) -> str | None:
    """The company-worthy domain of an address; ``None`` for webmail (or no address)."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].lower()
    return None if domain in WEBMAIL else domain


async def company_for(session: AsyncSession, emails: list[str]) -> int | None:
    """The company owning the domain of the first of ``emails`` that has one."""
    for email in emails:
        domain = domain_of(email)
        if domain is not None:
            found = await session.scalar(
                select(CompanyDomain.company_id).where(CompanyDomain.domain == domain)
            )
            if found is not None:
                return found
    return None


async def get_company(session: AsyncSession, company_id: int) -> Company:
    company = await session.get(Company, company_id)
    if company is None:
        raise not_found("Company", company_id)
    return company


async def _domains(session: AsyncSession, company_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in company_ids}
    rows = await session.execute(
        select(CompanyDomain.company_id, CompanyDomain.domain)
        .where(CompanyDomain.company_id.in_(company_ids))
        .order_by(CompanyDomain.domain)
    )
    for company_id, domain in rows:
        found[company_id].append(domain)
    return found


async def _counts(session: AsyncSession, company_ids: list[int]) -> dict[int, int]:
    query = (
        select(Contact.company_id, func.count())
        .where(Contact.company_id.in_(company_ids))
        .group_by(Contact.company_id)
    )
    seen = visible_ids(access.scope_in(session))
    if seen is not None:
        query = query.where(Contact.id.in_(seen))
    return {cid: count for cid, count in await session.execute(query) if cid is not None}


async def companies_out(session: AsyncSession, companies: list[Company]) -> list[CompanyOut]:
    ids = [c.id for c in companies]
    domains = await _domains(session, ids)
    counts = await _counts(session, ids)
    return [
        CompanyOut(
            id=c.id,
            name=c.name,
            external_id=c.external_id,
            domains=domains[c.id],
            attributes=c.attributes,
            contacts=counts.get(c.id, 0),
            created_at=c.created_at,
        )
        for c in companies
    ]


async def company_out(session: AsyncSession, company: Company) -> CompanyOut:
    return (await companies_out(session, [company]))[0]


async def list_companies(
    session: AsyncSession, *, q: str | None, before: int | None, limit: int
) -> tuple[list[CompanyOut], int | None]:
    """Newest first; ``q`` finds a company by a part of its name or one of its domains."""
    query = select(Company).order_by(Company.id.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(Company.id < before)
    if q:
        pattern = f"%{q.lower()}%"
        by_domain = select(CompanyDomain.company_id).where(CompanyDomain.domain.like(pattern))
        query = query.where(or_(func.lower(Company.name).like(pattern), Company.id.in_(by_domain)))
    rows = list((await session.scalars(query)).all())
    page = rows[:limit]
    return await companies_out(session, page), (page[-1].id if len(rows) > limit else None)


async def _set_domains(session: AsyncSession, company: Company, domains: list[str]) -> None:
    wanted = list(dict.fromkeys(domains))
    for domain in wanted:
        if domain in WEBMAIL:
            raise invalid(f"{domain} is a public mail service, not a company's domain.")
        owner = await session.scalar(
            select(CompanyDomain.company_id).where(
                CompanyDomain.domain == domain, CompanyDomain.company_id != company.id
            )
        )
        if owner is not None:
            raise conflict(f"The domain {domain} belongs to company {owner}.")
    await session.execute(delete(CompanyDomain).where(CompanyDomain.company_id == company.id))
    try:
        async with session.begin_nested():
            session.add_all(CompanyDomain(domain=d, company_id=company.id) for d in wanted)
    except IntegrityError as exc:
        raise conflict("Another company was given one of these domains just now.") from exc
    for domain in wanted:
        # Contacts at the domain with no company join it (an index on the email's domain
        # would make this cheaper; it runs only when an admin sets domains).
        await session.execute(
            update(Contact)
            .where(Contact.company_id.is_(None), Contact.email.like(f"%@{domain}"))
            .values(company_id=company.id)
        )


def _attributes(current: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    result = dict(current)
    for key, value in values.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


async def create_company(session: AsyncSession, data: CompanyIn) -> Company:
    company = Company(name=data.name, attributes=_attributes({}, data.attributes or {}))
    session.add(company)
    await session.flush()
    if data.domains:
        await _set_domains(session, company, data.domains)
    await announce_company(session, company.id)
    return company


async def update_company(session: AsyncSession, company_id: int, data: CompanyUpdate) -> Company:
    company = await get_company(session, company_id)
    if data.name is not None:
        company.name = data.name
    if data.attributes is not None:
        company.attributes = _attributes(company.attributes, data.attributes)
    if data.domains is not None:
        await _set_domains(session, company, data.domains)
    company.updated_at = utcnow()
    await announce_company(session, company.id)
    return company


async def delete_company(session: AsyncSession, company_id: int) -> None:
    company = await get_company(session, company_id)
    await session.execute(
        update(Contact).where(Contact.company_id == company_id).values(company_id=None)
    )
    await session.delete(company)
    await announce_company(session, company_id, deleted=True)


async def announce_company(
    session: AsyncSession, company_id: int, *, deleted: bool = False
) -> None:
    """Every operator hears of it (a company is no customer's conversation); lists refetch."""
    await session.flush()
    await log.append(
        session,
        stream=STREAM_AGENTS,
        type=events.COMPANY_CHANGED,
        payload=events.COMPANY_CHANGED_FRAME.payload(
            events.CompanyChangedData(id=company_id, deleted=deleted)
        ),
    )
