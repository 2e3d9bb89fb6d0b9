"""Proving an email address from the widget: a one-time code and link mailed to it.

A visitor who has written to us before (from another device, or by mail) may want that
history in the chat. Typing an email proves nothing (issue 11, defect 1), so:

1. ``request_proof``: the visitor names an address. When another contact has it, a proof
   row is stored and a mail with a six-digit code and a signed link is queued (sent by the
   first active email inbox's SMTP server, ``proof_mail.py``). The answer is the same
   whether or not the address is known, so the widget cannot be used to probe for
   customers, and only customers' addresses ever receive such a mail.
2. ``confirm_code`` (typed into the widget) or ``confirm_link`` (the link, opened in any
   browser): the proof is used once, within :data:`PROOF_MINUTES`, with at most
   :data:`MAX_CODE_ATTEMPTS` wrong codes; the visitor's contact is merged into the oldest
   contact with that address, so the visitor's token now reads that contact's history.

A visitor's older token still names the merged-away contact; ``merged_into`` lets a resume
with it find where that visitor went (the link was opened in another browser).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels.email import outgoing
from otklik.audit import service as audit
from otklik.channels.widget.models import VisitorEmailProof
from otklik.contacts import service as contacts
from otklik.conversations import service as conversations
from otklik.core.clock import utcnow
from otklik.core.errors import AppError
from otklik.core.security import token_digest
from otklik.jobs import registry as jobs

PROOF_MINUTES = 15
MAX_CODE_ATTEMPTS = 5
PROOF_MAIL_JOB = "widget.proof_mail"
CODE_DIGITS = 6


class ProofLinks:
    """Signs what a proof's link carries (its id and code), with the server key."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt="otklik.email-proof")

    def sign(self, proof_id: int, code: str) -> str:
        value: str = self._serializer.dumps([proof_id, code])
        return value

    def read(self, value: str) -> tuple[int, str] | None:
        try:
            data = self._serializer.loads(value)
        except BadSignature:
            return None
        if (
            isinstance(data, list)
            and len(data) == 2
            and isinstance(data[0], int)
            and isinstance(data[1], str)
        ):
            return data[0], data[1]
        return None


@dataclass(frozen=True, slots=True)
class Joined:
    """The proof held: the visitor of ``inbox_id`` is now ``contact_id``."""

    inbox_id: int
    contact_id: int


def _digest(proof_id: int, code: str) -> str:
    return token_digest(f"{proof_id}:{code}")


Refusal = tuple[int, str, str]

EXPIRED: Refusal = (410, "proof_expired", "This code has expired. Ask for a new one.")
USED: Refusal = (410, "proof_used", "This code was used already. Ask for a new one if needed.")
SPENT: Refusal = (
    410,
    "proof_spent",
    "Too many wrong codes. Ask for a new one and check the latest mail.",
)
WRONG: Refusal = (422, "invalid_code", "The code is not right. Check the latest mail from us.")
BAD_LINK: Refusal = (404, "not_found", "This link is not valid.")
NO_MAIL: Refusal = (
    409,
    "email_unavailable",
    "This chat cannot send email yet (no email inbox is set up). Please write to us here.",
)


def refusal(which: Refusal) -> AppError:
    return AppError(*which)


async def mail_inbox_id(session: AsyncSession) -> int | None:
    """The inbox whose SMTP server sends proofs: the first active email inbox."""
    return await outgoing.mail_inbox_id(session)


async def request_proof(
    session: AsyncSession,
    *,
    inbox_id: int,
    visitor_id: int,
    email: str,
    language: Literal["ru", "en"],
    public_url: str,
    links: ProofLinks,
) -> datetime:
    """Mail a code (and link) to ``email`` if another contact has it; when it expires.

    ``public_url``: the server's address for the link (empty: the mail has the code only;
    a link is never built from a request's ``Host``, which the requester chooses)."""
    if await mail_inbox_id(session) is None:
        raise refusal(NO_MAIL)
    expires_at = utcnow() + timedelta(minutes=PROOF_MINUTES)
    address = email.strip().lower()
    if await contacts.oldest_with_email(session, email=address, other_than=visitor_id) is None:
        return expires_at  # the same answer: nobody learns which addresses are customers
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    proof = VisitorEmailProof(
        inbox_id=inbox_id,
        visitor_id=visitor_id,
        email=address,
        code_hash="",
        attempts=0,
        expires_at=expires_at,
    )
    session.add(proof)
    await session.flush()
    proof.code_hash = _digest(proof.id, code)
    link = (
        f"{public_url.rstrip('/')}/widget/verify?t={links.sign(proof.id, code)}"
        if public_url
        else None
    )
    await jobs.enqueue(
        session,
        name=PROOF_MAIL_JOB,
        payload={"proof_id": proof.id, "code": code, "link": link, "language": language},
        max_attempts=5,
    )
    return expires_at


def _check(proof: VisitorEmailProof, code: str) -> Refusal | None:
    """Why ``code`` does not open ``proof`` (counting a wrong code), or ``None``."""
    if proof.used_at is not None:
        return USED
    if utcnow() >= proof.expires_at:
        return EXPIRED
    if proof.attempts >= MAX_CODE_ATTEMPTS:
        return SPENT
    if not secrets.compare_digest(proof.code_hash, _digest(proof.id, code)):
        proof.attempts += 1
        return SPENT if proof.attempts >= MAX_CODE_ATTEMPTS else WRONG
    return None


async def confirm_code(
    session: AsyncSession, *, inbox_id: int, visitor_id: int, code: str, ip: str | None
) -> Joined | Refusal:
    """The code the visitor typed, against their latest proof.

    A refusal is returned, not raised: a wrong code is counted, and the request's
    transaction must commit that count."""
    proof = await session.scalar(
        select(VisitorEmailProof)
        .where(VisitorEmailProof.inbox_id == inbox_id, VisitorEmailProof.visitor_id == visitor_id)
        .order_by(VisitorEmailProof.id.desc())
        .limit(1)
        .with_for_update()
    )
    if proof is None:
        return WRONG  # as for an address we do not know: no mail was sent
    return await _use(session, proof, code.strip(), ip=ip)


async def confirm_link(
    session: AsyncSession, *, value: str, links: ProofLinks, ip: str | None
) -> Joined | Refusal:
    """The link from the mail, opened in any browser (returned refusals, as above)."""
    read = links.read(value)
    if read is None:
        return BAD_LINK
    proof_id, code = read
    proof = await session.get(VisitorEmailProof, proof_id, with_for_update=True)
    if proof is None:
        return BAD_LINK
    return await _use(session, proof, code, ip=ip)


async def peek_link(session: AsyncSession, *, value: str, links: ProofLinks) -> str | Refusal:
    """The address a link proves, if it would still work; nothing is used or counted
    (mail scanners open links: only the page's button uses it)."""
    read = links.read(value)
    proof = await session.get(VisitorEmailProof, read[0]) if read is not None else None
    if (
        read is None
        or proof is None
        or not secrets.compare_digest(proof.code_hash, _digest(proof.id, read[1]))
    ):
        return BAD_LINK
    if proof.used_at is not None:
        return USED
    if utcnow() >= proof.expires_at:
        return EXPIRED
    if proof.attempts >= MAX_CODE_ATTEMPTS:
        return SPENT
    return proof.email


async def _use(
    session: AsyncSession, proof: VisitorEmailProof, code: str, *, ip: str | None
) -> Joined | Refusal:
    refused = _check(proof, code)
    if refused is not None:
        await session.flush()
        return refused
    target = await contacts.oldest_with_email(
        session, email=proof.email, other_than=proof.visitor_id
    )
    proof.used_at = utcnow()
    if target is None:  # the customer was deleted meanwhile: nothing to join
        await session.flush()
        return Joined(inbox_id=proof.inbox_id, contact_id=proof.visitor_id)
    await conversations.move_to_contact(
        session, from_contact_id=proof.visitor_id, to_contact_id=target.id
    )
    await contacts.absorb(session, into=target, source_id=proof.visitor_id)
    proof.merged_into_id = target.id
    audit.record(
        session,
        actor_type="visitor",
        actor_id=proof.visitor_id,
        action="contact.joined_by_email_proof",
        target_type="contact",
        target_id=target.id,
        data={"email": proof.email, "inbox_id": proof.inbox_id, "proof_id": proof.id},
        ip=ip,
    )
    await session.flush()
    return Joined(inbox_id=proof.inbox_id, contact_id=target.id)


async def merged_into(session: AsyncSession, *, inbox_id: int, visitor_id: int) -> int | None:
    """Where a visitor who proved an email went (their contact is gone), if they did."""
    return await session.scalar(
        select(VisitorEmailProof.merged_into_id)
        .where(
            VisitorEmailProof.inbox_id == inbox_id,
            VisitorEmailProof.visitor_id == visitor_id,
            VisitorEmailProof.merged_into_id.is_not(None),
        )
        .order_by(VisitorEmailProof.id.desc())
        .limit(1)
    )
