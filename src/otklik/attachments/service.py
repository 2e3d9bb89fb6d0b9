"""Attachments: storing files, attaching them to messages, and deciding who may fetch them.

For channels (email, Telegram, …) that bring files with a customer's message, the simplest
way: put ``InboundFile(filename, data)`` s in ``InboundMessage.files`` and call
``channels.inbound.receive(..., settings=settings)``; it stores them with this function::

    async def store_bytes(
        session: AsyncSession,
        *,
        settings: Settings,
        filename: str,
        data: bytes,
        conversation_id: int | None = None,
        message_id: int | None = None,
        uploader_type: str = "contact",   # "contact" or "agent"
        uploader_id: int | None = None,   # the contact's (or agent's) id
    ) -> Attachment

Store each file first (``message_id=None``, ``uploader_id=`` the contact) and pass the ids as
``attachment_ids=`` to ``channels.inbound.receive`` (or ``conversations.service.
post_visitor_message``): the message and its ``message.created`` events then carry them. A
repeated inbound message (same ``external_id``) leaves the new rows unattached; call
:func:`discard` on them
(``settings=``, ``attachments=``). ``message_id=`` attaches at once but no event tells anybody.
Raises :class:`AttachmentTooLarge` (an ``AppError`` 413) over ``OTKLIK_MAX_ATTACHMENT_BYTES``;
the type is sniffed from ``data``, the name is sanitised.

Files live under ``OTKLIK_DATA_DIR/attachments/<k[:2]>/<k>`` with a random key ``k``, outside
anything the web server serves; :func:`file_path` finds one for a download.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote

import anyio
from anyio import AsyncFile
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.attachments import sniff
from otklik.attachments.models import Attachment
from otklik.attachments.schemas import AttachmentOut
from otklik.config import Settings
from otklik.conversations.models import Conversation, Message
from otklik.core.clock import utcnow
from otklik.core.db import Database
from otklik.core.errors import AppError, invalid, not_found

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

#: At most this many files on one message.
MAX_PER_MESSAGE = 10
#: Room for the multipart envelope (boundaries, part headers) on top of the file itself.
MULTIPART_OVERHEAD = 64 * 1024
FILENAME_CHARS = 200
#: Uploads not sent on a message within this time are deleted.
UNSENT_TTL = timedelta(days=1)


class QuotaExceeded(AppError):
    """413, not 507: the request cannot be stored, and it is the client's to know (a 5xx
    would read as the server's fault, and clients retry those)."""

    def __init__(self) -> None:
        super().__init__(
            413,
            "quota_exceeded",
            "This chat has no room for more files now. Please send a link or write instead.",
        )


#: Two-key advisory lock namespace on PostgreSQL: (this, inbox id) serialises quota checks.
_QUOTA_LOCK = 0x4F544B51  # "OTKQ"


class AttachmentTooLarge(AppError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "too_large", f"The file is larger than the limit of {limit} bytes.")


# --- storage -----------------------------------------------------------------------------


def storage_root(settings: Settings) -> Path:
    return settings.data_dir / "attachments"


def file_path(settings: Settings, attachment: Attachment) -> Path:
    key = attachment.storage_key
    return storage_root(settings) / key[:2] / key


def sanitise_filename(name: str | None) -> str:
    """The last path segment, without control or format characters, at most 200 characters."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    cleaned = "".join(
        ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C"
    ).strip(" .")
    if len(cleaned) > FILENAME_CHARS:
        _, dot, ext = cleaned.rpartition(".")
        keep = ext if dot and 0 < len(ext) <= 10 else ""
        cleaned = cleaned[: FILENAME_CHARS - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return cleaned or "file"


@dataclass
class _Sink:
    """A new file under a random name, written as the bytes come, hashed and sniffed on the way.

    Over ``limit`` bytes it raises and the caller :meth:`discard` s the partial file."""

    root: Path
    limit: int
    key: str = field(default_factory=lambda: secrets.token_hex(16))
    size: int = 0
    head: bytes = b""
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)
    handle: AsyncFile[bytes] | None = None

    @property
    def path(self) -> Path:
        return self.root / self.key[:2] / self.key

    async def open(self) -> None:
        await anyio.Path(self.path.parent).mkdir(parents=True, exist_ok=True)
        self.handle = await anyio.open_file(self.path, "xb")

    async def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise AttachmentTooLarge(self.limit)
        if len(self.head) < sniff.HEAD_BYTES:
            self.head += data[: sniff.HEAD_BYTES - len(self.head)]
        self.digest.update(data)
        if self.handle is not None:
            await self.handle.write(data)

    async def close(self) -> None:
        if self.handle is not None:
            handle, self.handle = self.handle, None
            await handle.aclose()

    async def discard(self) -> None:
        await self.close()
        await anyio.Path(self.path).unlink(missing_ok=True)


def _row(
    sink: _Sink,
    *,
    filename: str | None,
    conversation_id: int | None,
    message_id: int | None,
    uploader_type: str,
    uploader_id: int | None,
) -> Attachment:
    return Attachment(
        message_id=message_id,
        conversation_id=conversation_id,
        uploader_type=uploader_type,
        uploader_id=uploader_id,
        filename=sanitise_filename(filename),
        content_type=sniff.sniff(sink.head),
        size=sink.size,
        sha256=sink.digest.hexdigest(),
        storage_key=sink.key,
    )


async def store_bytes(
    session: AsyncSession,
    *,
    settings: Settings,
    filename: str,
    data: bytes,
    conversation_id: int | None = None,
    message_id: int | None = None,
    uploader_type: str = "contact",
    uploader_id: int | None = None,
    max_bytes: int | None = None,
) -> Attachment:
    """Store a file a channel received (see the module's docstring); ``max_bytes``: a bound
    of its own instead of the workspace's attachment limit."""
    limit = max_bytes or settings.max_attachment_bytes
    if len(data) > limit:
        raise AttachmentTooLarge(limit)
    sink = _Sink(storage_root(settings), limit)
    try:
        await sink.open()
        await sink.write(data)
        await sink.close()
        row = _row(
            sink,
            filename=filename,
            conversation_id=conversation_id,
            message_id=message_id,
            uploader_type=uploader_type,
            uploader_id=uploader_id,
        )
        session.add(row)
        await session.flush()
    except BaseException:
        await sink.discard()
        raise
    return row


async def discard(
    session: AsyncSession, *, settings: Settings, attachments: Iterable[Attachment]
) -> None:
    """Delete rows (and their files) that no message will use."""
    for attachment in attachments:
        await session.delete(attachment)
        await session.flush()
        await anyio.Path(file_path(settings, attachment)).unlink(missing_ok=True)


async def prune_unsent(
    session: AsyncSession, *, settings: Settings, older_than: timedelta = UNSENT_TTL
) -> int:
    """Forget uploads that no message took within ``older_than`` (housekeeping job)."""
    rows = (
        await session.scalars(
            select(Attachment)
            .where(
                Attachment.message_id.is_(None),
                Attachment.kb_article_id.is_(None),
                Attachment.created_at < utcnow() - older_than,
            )
            .limit(1000)
        )
    ).all()
    await discard(session, settings=settings, attachments=rows)
    return len(rows)


# --- uploads -----------------------------------------------------------------------------


def _boundary(content_type: str | None) -> bytes:
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data" or not params.get(b"boundary"):
        raise AppError(
            415, "unsupported_media_type", "Send the file as multipart/form-data, field 'file'."
        )
    return params[b"boundary"]


async def _read_file_part(
    body: AsyncIterator[bytes], *, boundary: bytes, sink: _Sink
) -> str | None:
    """Write the first part named ``file`` into ``sink``; its file name (None: no such part).

    The parser's callbacks only note what they saw; the writes happen between chunks, so at
    most one network chunk is ever held in memory."""
    seen: list[tuple[str, bytes]] = []

    callbacks: MultipartCallbacks = {
        "on_part_begin": lambda: seen.append(("begin", b"")),
        "on_header_field": lambda d, s, e: seen.append(("field", d[s:e])),
        "on_header_value": lambda d, s, e: seen.append(("value", d[s:e])),
        "on_header_end": lambda: seen.append(("header", b"")),
        "on_headers_finished": lambda: seen.append(("headers", b"")),
        "on_part_data": lambda d, s, e: seen.append(("data", d[s:e])),
        "on_part_end": lambda: seen.append(("end", b"")),
    }
    parser = MultipartParser(boundary, callbacks)
    header_name = b""
    header_value = b""
    headers: dict[bytes, bytes] = {}
    filename: str | None = None
    writing = False
    done = False
    async for chunk in body:
        try:
            parser.write(chunk)
        except MultipartParseError as exc:
            raise AppError(400, "bad_request", "The multipart body is malformed.") from exc
        for kind, data in seen:
            if done:
                break
            if kind == "begin":
                headers, header_name, header_value = {}, b"", b""
            elif kind == "field":
                header_name += data
            elif kind == "value":
                header_value += data
            elif kind == "header":
                headers[header_name.lower()] = header_value
                header_name, header_value = b"", b""
            elif kind == "headers":
                _, params = parse_options_header(headers.get(b"content-disposition"))
                if params.get(b"name") == b"file" and b"filename" in params:
                    filename = params[b"filename"].decode("utf-8", "replace")
                    writing = True
                    await sink.open()
            elif kind == "data" and writing:
                await sink.write(data)
            elif kind == "end" and writing:
                writing, done = False, True
        seen.clear()
        if done:
            break  # the rest of the body is other fields or the closing boundary
    await sink.close()
    if writing:
        raise AppError(400, "bad_request", "The multipart body ended in the middle of the file.")
    return filename if done else None


async def visitor_bytes(session: AsyncSession, *, inbox_id: int) -> int:
    """What visitors' files of a widget inbox take now (sent and not yet sent)."""
    used = await session.scalar(
        select(func.coalesce(func.sum(Attachment.size), 0)).where(Attachment.inbox_id == inbox_id)
    )
    return int(used or 0)


async def check_quota(session: AsyncSession, *, inbox_id: int, quota: int, adding: int) -> None:
    """Refuse a visitor's file that would take the inbox past ``quota`` bytes (0: no quota).

    Counted in the database, so it holds across worker processes: SQLite writes one
    transaction at a time, and on PostgreSQL a transaction-scoped advisory lock per inbox
    makes two uploads' check-and-insert take turns."""
    if quota <= 0:
        return
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :key)"),
            {"ns": _QUOTA_LOCK, "key": inbox_id % 2_147_483_647},
        )
    if await visitor_bytes(session, inbox_id=inbox_id) + adding > quota:
        raise QuotaExceeded()


async def receive_upload(
    db: Database,
    *,
    settings: Settings,
    body: AsyncIterator[bytes],
    content_type: str | None,
    conversation_id: int | None,
    uploader_type: str,
    uploader_id: int,
    inbox_id: int | None = None,
    quota: int = 0,
    kb_article_id: int | None = None,
) -> AttachmentOut:
    """Stream a multipart upload to disk, then record it in a short write transaction.

    The body is read outside any transaction: a slow upload must not hold the write turn
    that every other request waits for (ADR 6). A visitor's upload names its widget
    ``inbox_id`` and that inbox's ``quota`` in bytes (see :func:`check_quota`)."""
    boundary = _boundary(content_type)
    sink = _Sink(storage_root(settings), settings.max_attachment_bytes)
    try:
        filename = await _read_file_part(body, boundary=boundary, sink=sink)
        if filename is None:
            raise invalid("Send the file in the multipart field 'file'.")
        if sink.size == 0:
            raise invalid("The file is empty.")
        async with db.session(write=True) as session:
            if conversation_id is not None:
                if await session.get(Conversation, conversation_id) is None:
                    raise not_found("Conversation", conversation_id)
            if inbox_id is not None:
                await check_quota(session, inbox_id=inbox_id, quota=quota, adding=sink.size)
            row = _row(
                sink,
                filename=filename,
                conversation_id=conversation_id,
                message_id=None,
                uploader_type=uploader_type,
                uploader_id=uploader_id,
            )
            row.inbox_id = inbox_id
            row.kb_article_id = kb_article_id
            session.add(row)
            await session.flush()
            out = attachment_out(row)
    except BaseException:
        await sink.discard()
        raise
    return out


# --- messages ----------------------------------------------------------------------------


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        url=f"/api/v1/attachments/{attachment.id}",
        inline=sniff.is_inline(attachment.content_type),
    )


async def for_messages(
    session: AsyncSession, message_ids: Sequence[int]
) -> dict[int, list[AttachmentOut]]:
    """The attachments of many messages in one query, by message id."""
    if not message_ids:
        return {}
    rows = (
        await session.scalars(
            select(Attachment)
            .where(Attachment.message_id.in_(list(dict.fromkeys(message_ids))))
            .order_by(Attachment.id)
        )
    ).all()
    found: dict[int, list[AttachmentOut]] = {}
    for row in rows:
        if row.message_id is not None:
            found.setdefault(row.message_id, []).append(attachment_out(row))
    return found


async def attach(
    session: AsyncSession,
    *,
    message: Message,
    attachment_ids: Sequence[int],
    uploader_type: str,
    uploader_id: int | None,
) -> list[AttachmentOut]:
    """Put uploads on a new message. Each must be unused and this uploader's: an agent's for
    this conversation (any agent's), a visitor's their own."""
    wanted = list(dict.fromkeys(attachment_ids))
    if not wanted:
        return []
    if len(wanted) > MAX_PER_MESSAGE:
        raise invalid(f"At most {MAX_PER_MESSAGE} attachments fit on one message.")
    rows = {
        row.id: row
        for row in (
            await session.scalars(
                select(Attachment).where(Attachment.id.in_(wanted)).with_for_update()
            )
        ).all()
    }
    for ident in wanted:
        row = rows.get(ident)
        usable = (
            row is not None
            and row.message_id is None
            and row.uploader_type == uploader_type
            and row.conversation_id in (None, message.conversation_id)
            and (uploader_type == "agent" or row.uploader_id == uploader_id)
        )
        if not usable:
            raise invalid(f"Attachment {ident} does not exist or is not yours to send.")
    for ident in wanted:
        rows[ident].message_id = message.id
        rows[ident].conversation_id = message.conversation_id
    await session.flush()
    # In upload order, as every later read lists them (``for_messages`` sorts by id).
    return [attachment_out(rows[ident]) for ident in sorted(wanted)]


async def move_to_conversation(
    session: AsyncSession, *, from_conversation_id: int, to_conversation_id: int
) -> None:
    """A merge moved a conversation's messages: their attachments follow them."""
    await session.execute(
        update(Attachment)
        .where(Attachment.conversation_id == from_conversation_id)
        .values(conversation_id=to_conversation_id)
    )


# --- downloads ---------------------------------------------------------------------------


async def of_article(
    session: AsyncSession, *, attachment_id: int, article_id: int | None = None
) -> Attachment:
    """A knowledge-base article's file (of ``article_id`` when given); "not found" else."""
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None or attachment.kb_article_id is None:
        raise not_found("File", attachment_id)
    if article_id is not None and attachment.kb_article_id != article_id:
        raise not_found("File", attachment_id)
    return attachment


async def discard_article_files(
    session: AsyncSession, *, settings: Settings, article_id: int
) -> None:
    """Before an article is deleted: its files go with it, from the disk too."""
    rows = (
        await session.scalars(select(Attachment).where(Attachment.kb_article_id == article_id))
    ).all()
    await discard(session, settings=settings, attachments=rows)


async def for_agent(session: AsyncSession, *, attachment_id: int) -> Attachment:
    """Files of conversations the session's operator may see (``accounts/access.py``), and
    their own uploads; anything else is "not found" (no hint that it exists)."""
    scope = access.scope_in(session)
    allowed = access.visible(
        scope,
        inbox_id=Conversation.inbox_id,
        team_id=Conversation.team_id,
        assignee_id=Conversation.assignee_id,
    )
    own = and_(Attachment.uploader_type == "agent", Attachment.uploader_id == scope.agent_id)
    attachment = await session.scalar(
        select(Attachment)
        .outerjoin(Conversation, Conversation.id == Attachment.conversation_id)
        .where(Attachment.id == attachment_id, or_(allowed, own))
    )
    if attachment is None:
        raise not_found("Attachment", attachment_id)
    return attachment


async def for_visitor(
    session: AsyncSession, *, attachment_id: int, contact_id: int, inbox_id: int
) -> Attachment:
    """Attachments of public messages in the visitor's own conversations of this inbox, and
    the visitor's own uploads not sent yet; anything else is "not found" (no hint that it
    exists)."""
    on_public_message = (
        select(Attachment)
        .join(Message, Message.id == Attachment.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Attachment.id == attachment_id,
            Message.private.is_(False),
            Conversation.contact_id == contact_id,
            Conversation.inbox_id == inbox_id,
        )
    )
    attachment = await session.scalar(on_public_message)
    if attachment is None:
        own = await session.get(Attachment, attachment_id)
        if (
            own is not None
            and own.message_id is None
            and own.uploader_type == "contact"
            and own.uploader_id == contact_id
        ):
            attachment = own
    if attachment is None:
        raise not_found("Attachment", attachment_id)
    return attachment


def download_headers(attachment: Attachment) -> dict[str, str]:
    """Safe images inline, everything else as a download; the browser must not guess types,
    and the file may not run anything even if opened directly."""
    disposition = "inline" if sniff.is_inline(attachment.content_type) else "attachment"
    name = attachment.filename
    fallback = "".join(ch if ch.isascii() and ch not in '"\\' else "_" for ch in name)
    return {
        "Content-Disposition": (
            f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=3600",
    }
