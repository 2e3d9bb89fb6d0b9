"""Importing companies from a CSV or XLSX file: a name, domains, an external id and
attributes per row, upserted.

A row finds its company by external id, else by one of its domains, else by its name
(case-insensitive); it sets the name and external id it gives, adds its domains to the
company's and sets its attributes. Importing the same file again therefore changes
nothing. A domain another company has, or a public mail service's, is the row's error; a
new company needs a name. Contacts at a domain a company is given join it (those with no
company yet), as when an admin sets the domain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.contacts.companies import WEBMAIL, announce_company
from otklik.contacts.import_mapping import ATTRIBUTE, MappingRules, check
from otklik.contacts.importing import Outcome, claim_keys, split_list
from otklik.contacts.models import Company, CompanyDomain, Contact
from otklik.contacts.schemas import RowError
from otklik.core.clock import utcnow

FIELDS = ("name", "domains", "external_id")
_DOMAIN = re.compile(r"^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_companies = cast(Table, Company.__table__)


_MAPPING = MappingRules(
    fields=FIELDS,
    attribute_key=re.compile(r"^[a-z0-9_][a-z0-9_.-]{0,63}$"),
    attribute_example="attribute:industry",
    noun="company field",
    identifying=frozenset(FIELDS),
    identifying_message="Map a column to name, domains or external_id.",
)


def check_mapping(header: Sequence[str], mapping: dict[str, str]) -> None:
    """422 unless every mapped column is in the header and maps to a company field, once."""
    check(header, mapping, _MAPPING)


@dataclass(slots=True)
class CompanyRow:
    number: int
    name: str | None = None
    domains: list[str] = field(default_factory=list)
    external_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def _domain(text: str) -> str:
    """``https://www.Acme.example/`` → ``acme.example``; ``ValueError`` if it is none."""
    value = text.strip().lower()
    value = re.sub(r"^[a-z]+://", "", value).split("/", 1)[0].removeprefix("www.")
    value = value.rsplit("@", 1)[-1]
    if len(value) > 253 or not _DOMAIN.match(value):
        raise ValueError(f"{text.strip()!r} is not a domain (e.g. acme.example).")
    if value in WEBMAIL:
        raise ValueError(f"{value} is a public mail service, not a company's domain.")
    return value


def parse_row(
    number: int, values: list[str], header: Sequence[str], mapping: dict[str, str]
) -> tuple[CompanyRow | None, list[RowError]]:
    """The row's fields, or its errors (each names its column)."""
    cells = dict(zip(header, values, strict=False))
    row = CompanyRow(number=number)
    errors: list[RowError] = []
    for column, target in mapping.items():
        text = (cells.get(column) or "").strip()
        if not text:
            continue
        if target.startswith(ATTRIBUTE):
            row.attributes[target[len(ATTRIBUTE) :]] = text[:1000]
        elif target == "domains":
            for part in split_list(text):
                try:
                    domain = _domain(part)
                except ValueError as exc:
                    errors.append(RowError(row=number, column=column, message=str(exc)))
                    continue
                if domain not in row.domains:
                    row.domains.append(domain)
        elif len(text) > (200 if target == "name" else 255):
            errors.append(RowError(row=number, column=column, message="Too long."))
        else:
            setattr(row, target, text)
    return (None, errors) if errors else (row, [])


@dataclass(slots=True)
class CompanySeen:
    """The row that first gave each external id, domain and (for a row with neither) name:
    a later row giving it again is an error."""

    rows: dict[str, int] = field(default_factory=dict)

    def claim(self, row: CompanyRow) -> RowError | None:
        keys = [("external id", f"x:{row.external_id}")] if row.external_id else []
        keys += [("domain", f"d:{d}") for d in row.domains]
        if not keys and row.name:
            keys = [("name", f"n:{row.name.lower()}")]
        return claim_keys(self.rows, row.number, keys)


async def _owners(session: AsyncSession, rows: list[CompanyRow]) -> dict[str, int]:
    """``x:<external id>``, ``d:<domain>``, ``n:<lower-case name>`` → the company."""
    owners: dict[str, int] = {}
    external = [r.external_id for r in rows if r.external_id]
    if external:
        for company_id, value in await session.execute(
            select(Company.id, Company.external_id).where(Company.external_id.in_(external))
        ):
            owners[f"x:{value}"] = company_id
    domains = [d for r in rows for d in r.domains]
    if domains:
        for domain, company_id in await session.execute(
            select(CompanyDomain.domain, CompanyDomain.company_id).where(
                CompanyDomain.domain.in_(domains)
            )
        ):
            owners[f"d:{domain}"] = company_id
    names = {r.name.lower() for r in rows if r.name}
    if names:
        for company_id, name in await session.execute(
            select(Company.id, Company.name)
            .where(func.lower(Company.name).in_(names))
            .order_by(Company.id.desc())
        ):
            owners[f"n:{name.lower()}"] = company_id  # the oldest of a name wins
    return owners


def _target(
    row: CompanyRow, owners: dict[str, int], external_of: dict[int, str | None]
) -> tuple[int | None, RowError | None]:
    """The company the row is about (``None``: a new one), or why it cannot be told."""
    target = owners.get(f"x:{row.external_id}") if row.external_id else None
    if target is None:
        target = next((owners[f"d:{d}"] for d in row.domains if f"d:{d}" in owners), None)
    if target is None and row.name:
        target = owners.get(f"n:{row.name.lower()}")
    if target is None:
        return None, None
    theirs = external_of.get(target)
    if row.external_id and theirs and theirs != row.external_id:
        return None, RowError(
            row=row.number,
            column=None,
            message=f"Company {target} has the external id {theirs}, not {row.external_id}.",
        )
    for domain in row.domains:
        owner = owners.get(f"d:{domain}")
        if owner is not None and owner != target:
            return None, RowError(
                row=row.number,
                column=None,
                message=f"The domain {domain} belongs to company {owner}; "
                f"this row is about company {target}.",
            )
    return target, None


def _changes(
    company: Company, domains: list[str], row: CompanyRow
) -> tuple[dict[str, Any], list[str]]:
    """What the row changes on a company, and the domains it adds."""
    changes: dict[str, Any] = {}
    for name in ("name", "external_id"):
        value = getattr(row, name)
        if value is not None and value != getattr(company, name):
            changes[name] = value
    attributes = {**company.attributes, **row.attributes}
    if attributes != company.attributes:
        changes["attributes"] = attributes
    return changes, [d for d in row.domains if d not in domains]


async def _add_domains(session: AsyncSession, company_id: int, domains: list[str]) -> None:
    if not domains:
        return
    await session.execute(
        insert(CompanyDomain), [{"domain": d, "company_id": company_id} for d in domains]
    )
    for domain in domains:
        await session.execute(
            update(Contact)
            .where(Contact.company_id.is_(None), Contact.email.like(f"%@{domain}"))
            .values(company_id=company_id)
        )


async def _existing(
    session: AsyncSession, ids: set[int]
) -> tuple[dict[int, Company], dict[int, list[str]]]:
    found = {c.id: c for c in (await session.scalars(select(Company).where(Company.id.in_(ids))))}
    domains: dict[int, list[str]] = {i: [] for i in ids}
    for company_id, domain in await session.execute(
        select(CompanyDomain.company_id, CompanyDomain.domain).where(
            CompanyDomain.company_id.in_(ids)
        )
    ):
        domains[company_id].append(domain)
    return found, domains


async def apply_batch(
    session: AsyncSession, rows: list[CompanyRow], seen: CompanySeen, *, write: bool
) -> Outcome:
    """Upsert a batch of checked rows (``write=False``: only count what would change)."""
    outcome = Outcome()
    owners = await _owners(session, rows)
    found, domains = await _existing(session, set(owners.values()))
    external_of = {i: c.external_id for i, c in found.items()}
    new: list[CompanyRow] = []
    for row in rows:
        error = seen.claim(row)
        target = None
        if error is None:
            target, error = _target(row, owners, external_of)
        if error is None and target is None and not row.name:
            error = RowError(row=row.number, column=None, message="A new company needs a name.")
        if error is not None:
            outcome.errors.append(error)
        elif target is None:
            new.append(row)
        else:
            changes, added = _changes(found[target], domains[target], row)
            if not changes and not added:
                outcome.unchanged += 1
                continue
            outcome.updated += 1
            if write:
                company = found[target]
                for name, value in changes.items():
                    setattr(company, name, value)
                company.updated_at = utcnow()
                await session.flush()
                await _add_domains(session, target, added)
                await announce_company(session, target)
            domains[target] += added
    outcome.created = len(new)
    if write and new:
        now = utcnow()
        ids = (
            await session.scalars(
                insert(_companies).returning(_companies.c.id, sort_by_parameter_order=True),
                [
                    {
                        "name": row.name,
                        "external_id": row.external_id,
                        "attributes": row.attributes,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for row in new
                ],
            )
        ).all()
        for company_id, row in zip(ids, new, strict=True):
            await _add_domains(session, company_id, row.domains)
            await announce_company(session, company_id)
    return outcome
