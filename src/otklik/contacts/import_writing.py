"""Writing a checked batch of an import: each row's contact found (by external id, email or
phone), new contacts inserted together (``COPY`` on PostgreSQL), existing ones updated and
announced together, companies named in the file found or made."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.contacts import addresses, bulk_copy, companies
from otklik.contacts.importing import Outcome, Row, Seen
from otklik.contacts.models import (
    Company,
    CompanyDomain,
    Contact,
    ContactAddress,
    ContactTag,
)
from otklik.contacts.schemas import RowError
from otklik.contacts.service import announce_contacts
from otklik.core.chunks import chunks
from otklik.core.clock import utcnow

_contacts = cast(Table, Contact.__table__)
_addresses = cast(Table, ContactAddress.__table__)
_tags = cast(Table, ContactTag.__table__)


async def _owners(session: AsyncSession, rows: list[Row]) -> dict[str, int]:
    """``x:<external id>``, ``e:<email>``, ``p:<phone>`` → the contact that has it."""
    owners: dict[str, int] = {}
    external = [r.external_id for r in rows if r.external_id]
    if external:
        for contact_id, value in await session.execute(
            select(Contact.id, Contact.external_id).where(Contact.external_id.in_(external))
        ):
            owners[f"x:{value}"] = contact_id
    emails = [e for r in rows for e in r.emails]
    phones = [p for r in rows for p in r.phones]
    for kind, values in (("email", emails), ("phone", phones)):
        if values:
            for contact_id, value in await session.execute(
                select(ContactAddress.contact_id, ContactAddress.value).where(
                    ContactAddress.kind == kind, ContactAddress.value.in_(values)
                )
            ):
                owners.setdefault(f"{kind[0]}:{value}", contact_id)
    if emails:  # a channel's contact may have its email only on the contact row
        for contact_id, value in await session.execute(
            select(Contact.id, Contact.email).where(Contact.email.in_(emails)).order_by(Contact.id)
        ):
            owners.setdefault(f"e:{value}", contact_id)
    return owners


def _target(row: Row, owners: dict[str, int]) -> tuple[int | None, RowError | None]:
    """The contact the row is about (``None``: a new one), or why it cannot be told."""
    keys = [f"x:{row.external_id}"] if row.external_id else []
    keys += [f"e:{e}" for e in row.emails] + [f"p:{p}" for p in row.phones]
    target = next((owners[k] for k in keys if k in owners), None)
    if target is None:
        return None, None
    for key in keys[1:] if row.external_id else keys:
        owner = owners.get(key)
        if owner is not None and owner != target:
            kind, value = key.split(":", 1)
            what = {"e": "email", "p": "phone", "x": "external id"}[kind]
            return None, RowError(
                row=row.number,
                column=None,
                message=f"Contact {owner} already has the {what} {value}; "
                f"this row is about contact {target}.",
            )
    return target, None


def _looks_like_domain(value: str) -> bool:
    return "." in value and " " not in value and "@" not in value


async def _companies(session: AsyncSession, rows: list[Row], *, write: bool) -> dict[str, int]:
    """A row's company (lower-case) → its id: a company one of whose domains it is (the
    column may give ``acme.example``), else one of that name; a name no company has is
    created (not in a dry run: id 0)."""
    names = {r.company for r in rows if r.company}
    if not names:
        return {}
    lowered = {n.lower() for n in names}
    found = {
        name.lower(): company_id
        for company_id, name in await session.execute(
            select(Company.id, Company.name)
            .where(func.lower(Company.name).in_(lowered))
            .order_by(Company.id.desc())
        )
    }
    domains = [n for n in lowered if _looks_like_domain(n)]
    if domains:
        result = await session.execute(
            select(CompanyDomain.domain, CompanyDomain.company_id).where(
                CompanyDomain.domain.in_(domains)
            )
        )
        found.update({domain: company_id for domain, company_id in result})
    for name in sorted(names):
        if name.lower() not in found:
            if not write:
                found[name.lower()] = 0
                continue
            company = Company(name=name, attributes={})
            session.add(company)
            await session.flush()
            found[name.lower()] = company.id
    return found


async def _domains(session: AsyncSession, rows: list[Row]) -> dict[str, int]:
    domains = {d for r in rows for e in r.emails if (d := companies.domain_of(e))}
    if not domains:
        return {}
    result = await session.execute(
        select(CompanyDomain.domain, CompanyDomain.company_id).where(
            CompanyDomain.domain.in_(domains)
        )
    )
    return {domain: company_id for domain, company_id in result}


def _company_id(row: Row, named: dict[str, int], domains: dict[str, int]) -> int | None:
    if row.company:
        return named[row.company.lower()] or None
    for email in row.emails:
        domain = companies.domain_of(email)
        if domain in domains:
            return domains[domain]
    return None


def _merged(contact: Contact, row: Row, company_id: int | None) -> dict[str, Any]:
    """What the row changes on an existing contact (empty: nothing)."""
    changes: dict[str, Any] = {}
    emails = addresses.distinct(
        [e for e in [contact.email, *contact.other_emails, *row.emails] if e]
    )
    if emails != [e for e in [contact.email, *contact.other_emails] if e]:
        changes["email"], changes["other_emails"] = emails[0], emails[1:]
    phones = addresses.distinct([*contact.phones, *row.phones])
    if phones != contact.phones:
        changes["phones"] = phones
    tags = sorted(set(contact.tags) | set(row.tags))
    if tags != contact.tags:
        changes["tags"] = tags
    for name in ("name", "language", "timezone", "external_id"):
        value = getattr(row, name)
        if value is not None and value != getattr(contact, name):
            changes[name] = value
    if row.company and company_id != contact.company_id:
        changes["company_id"] = company_id
    elif contact.company_id is None and company_id is not None:
        changes["company_id"] = company_id
    attributes = {**contact.attributes, **row.attributes}
    if attributes != contact.attributes:
        changes["attributes"] = attributes
    return changes


async def _insert(session: AsyncSession, rows: list[tuple[Row, int | None]]) -> None:
    now = utcnow()
    values = [
        {
            "name": row.name,
            "email": row.emails[0] if row.emails else None,
            "other_emails": row.emails[1:],
            "phones": row.phones,
            "tags": row.tags,
            "language": row.language,
            "timezone": row.timezone,
            "company_id": company_id,
            "external_id": row.external_id,
            "attributes": {"source": "import", **row.attributes},
            "visitor": {},
            "consent": {},
            "created_at": now,
            "updated_at": now,
            "search_terms": row.search_terms,
        }
        for row, company_id in rows
    ]
    copying = bulk_copy.available(session)
    if copying:
        ids: Sequence[int] = await bulk_copy.next_ids(session, _contacts, len(values))
        await bulk_copy.copy(
            session, _contacts, [{"id": i, **v} for i, v in zip(ids, values, strict=True)]
        )
    else:
        ids = (
            await session.scalars(
                insert(_contacts).returning(_contacts.c.id, sort_by_parameter_order=True), values
            )
        ).all()
    address_rows = [
        {"contact_id": contact_id, "kind": kind, "value": value}
        for contact_id, (row, _) in zip(ids, rows, strict=True)
        for kind, values_ in (("email", row.emails), ("phone", row.phones))
        for value in values_
    ]
    if copying:
        await bulk_copy.copy(session, _addresses, address_rows)
    elif address_rows:
        await session.execute(insert(ContactAddress), address_rows)
    tag_rows = [
        {"contact_id": contact_id, "tag": tag}
        for contact_id, (row, _) in zip(ids, rows, strict=True)
        for tag in row.tags
    ]
    if copying:
        await bulk_copy.copy(session, _tags, tag_rows)
    elif tag_rows:
        await session.execute(insert(ContactTag), tag_rows)


async def _update(
    session: AsyncSession, contact: Contact, changes: dict[str, Any], tags: set[str]
) -> None:
    """Apply a row's changes to ``contact``; ``tags`` are the contact's tag rows (kept up to
    date here). The batch announces its changed contacts together (``apply_batch``)."""
    for name, value in changes.items():
        setattr(contact, name, value)
    contact.updated_at = utcnow()
    if {"email", "other_emails", "phones"} & changes.keys():
        await addresses.store(session, contact)
    added = set(changes.get("tags", ())) - tags
    if added:
        await session.execute(
            insert(ContactTag), [{"contact_id": contact.id, "tag": t} for t in sorted(added)]
        )
        tags |= added


async def _tag_rows(session: AsyncSession, contact_ids: Sequence[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {contact_id: set() for contact_id in contact_ids}
    for piece in chunks(contact_ids):
        for contact_id, tag in await session.execute(
            select(ContactTag.contact_id, ContactTag.tag).where(ContactTag.contact_id.in_(piece))
        ):
            found[contact_id].add(tag)
    return found


async def apply_batch(
    session: AsyncSession, rows: list[Row], seen: Seen, *, write: bool
) -> Outcome:
    """Upsert a batch of checked rows (``write=False``: only count what would change)."""
    outcome = Outcome()
    owners = await _owners(session, rows)
    named = await _companies(session, rows, write=write)
    domains = await _domains(session, rows)
    targets: dict[int, list[Row]] = {}
    new: list[tuple[Row, int | None]] = []
    for row in rows:
        error = seen.claim(row)
        target = None
        if error is None:
            target, error = _target(row, owners)
        if error is not None:
            outcome.errors.append(error)
        elif target is None:
            new.append((row, _company_id(row, named, domains)))
        else:
            targets.setdefault(target, []).append(row)
    outcome.created = len(new)
    if write and new:
        await _insert(session, new)
    if targets:
        found = {
            c.id: c
            for c in (await session.scalars(select(Contact).where(Contact.id.in_(targets)))).all()
        }
        tags = await _tag_rows(session, list(targets)) if write else {}
        changed: dict[int, Contact] = {}
        for contact_id, contact_rows in targets.items():
            contact = found[contact_id]
            for row in contact_rows:
                changes = _merged(contact, row, _company_id(row, named, domains))
                if not changes:
                    outcome.unchanged += 1
                    continue
                outcome.updated += 1
                if write:
                    await _update(session, contact, changes, tags[contact_id])
                    changed[contact_id] = contact
        await announce_contacts(session, list(changed.values()))
    return outcome
