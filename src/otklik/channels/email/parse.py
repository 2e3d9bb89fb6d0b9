"""Turning a raw mail into what operators see: text without quotes and signatures, and the rest.

Stdlib ``email`` with ``policy.default`` reads the mail; :mod:`.mime` walks its whole tree,
:mod:`.quotes` finds the new part of the text, :mod:`.automatic` tells auto-replies and bounces.
The operator sees the new part of the mail; the whole text, the sanitised HTML, forwarded mails
and the headers stay in ``channel_data`` (the "show the full original" view).

Parsing is pure CPU: :func:`parse_off_loop` runs it in a worker thread. Mail beyond the limits
(size, header size, number of nested parts) is not parsed: it is kept whole as an ``.eml`` file
with a note, and only its (truncated) header block is read for threading. A mail whose text is
longer than a message keeps is read up to that length and also kept whole (note
``truncated``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr
from typing import Any

import nh3

from otklik.channels.base import InboundFile
from otklik.channels.email.automatic import Bounce, automatic, bounce_of, is_bounce
from otklik.channels.email.charsets import eight_bit_header, encoded_words, raw_header
from otklik.channels.email.htmltext import html_to_text
from otklik.channels.email.mime import TooDeep, Walked, header, walk
from otklik.channels.email.quotes import strip_quotes

log = logging.getLogger(__name__)

__all__ = ["ParsedMail", "channel_data", "html_to_text", "parse_mail", "strip_quotes"]

KEEP_TEXT = 100_000
KEEP_HTML = 200_000
#: Beyond these a mail is kept as a file, not parsed (see the module's docstring).
MAX_MAIL_BYTES = 25 * 1024 * 1024
#: A mail not shown whole is kept whole as ``original.eml`` up to this size, whatever the
#: workspace's attachment limit (mail servers commonly accept 25–50 MB).
KEEP_WHOLE_BYTES = 50 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024
MAX_CONTAINERS = 100

_IDS = re.compile(r"<[^<>\s]+>")
_SUBJECT_PREFIX = re.compile(
    r"^\s*((re|fwd?|aw|wg|sv|antw|ответ|отв|fw)\s*(\[\d+\])?\s*:\s*)+", re.I
)
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_BOUNDARY = re.compile(rb"(?i)boundary\s*=")


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_address: str
    from_name: str | None
    to: list[str]
    cc: list[str]
    date: str | None
    #: What operators see: the new text without the quoted original and the signature.
    text: str
    #: The whole plain text (or the text of the HTML part when there is no plain one).
    full_text: str
    #: The HTML part, sanitised (``None`` when the mail had none).
    html: str | None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    #: The attachments' bytes, for the attachment store.
    files: tuple[InboundFile, ...] = ()
    #: Why this is automatic mail (an auto-reply, a bounce) — ``None`` for a person's mail.
    automatic: str | None = None
    #: Forwarded mails (``message/rfc822`` parts): sender, subject, date, text.
    forwarded: list[dict[str, Any]] = field(default_factory=list)
    #: ``signed``, ``encrypted``, ``over_limit``, ``truncated``: shown with the message.
    notes: list[str] = field(default_factory=list)
    #: What a bounce says (only for bounces).
    bounce: Bounce | None = None
    #: Why the mail was not parsed (it is kept whole as a file).
    over_limit: str | None = None

    @property
    def thread_ids(self) -> list[str]:
        """``In-Reply-To`` first, then ``References`` newest first."""
        seen: list[str] = []
        for value in [*self.in_reply_to, *reversed(self.references)]:
            if value not in seen:
                seen.append(value)
        return seen


def normalise_subject(subject: str) -> str:
    return _SUBJECT_PREFIX.sub("", subject).strip()


def _ids(value: object) -> list[str]:
    return _IDS.findall(str(value)) if value else []


def _head(raw: bytes) -> bytes:
    end = _HEAD_END.search(raw, 0, MAX_HEADER_BYTES * 4)
    return raw[: end.start()] if end is not None else raw[: MAX_HEADER_BYTES * 4]


def _too_big(raw: bytes, head: bytes) -> str | None:
    if len(raw) > MAX_MAIL_BYTES:
        return f"the mail is larger than {MAX_MAIL_BYTES // (1024 * 1024)} MB"
    if len(head) > MAX_HEADER_BYTES:
        return f"its header is larger than {MAX_HEADER_BYTES // 1024} KB"
    if len(_BOUNDARY.findall(raw)) > MAX_CONTAINERS:
        return f"it has more than {MAX_CONTAINERS} nested parts"
    return None


def _header(mail: Message, head: bytes, name: str, charset: str | None) -> str:
    value = header(mail, name)
    if not value:
        raw = raw_header(head, name)
        value = raw.decode("utf-8", "replace") if raw else ""
    if "\ufffd" in value or not value.isascii():
        fixed = eight_bit_header(head, name, charset)
        if fixed is None and "\ufffd" in value:
            raw = raw_header(head, name)
            fixed = encoded_words(raw.decode("ascii", "replace")) if raw else None
        if fixed is not None:
            return fixed
    return value


def _addresses(mail: Message, head: bytes, name: str) -> list[str]:
    return [a.lower() for _, a in getaddresses([_header(mail, head, name, None)]) if a][:100]


def parse_mail(raw: bytes) -> ParsedMail:
    head = _head(raw)
    over_limit = _too_big(raw, head)
    walked = Walked()
    if over_limit is None:
        mail: Message = message_from_bytes(raw, policy=policy.default)
        try:
            walk(mail, walked)
        except (TooDeep, RecursionError) as exc:
            over_limit = str(exc)
        except Exception as exc:  # noqa: BLE001 — never lose a mail to a parser bug
            log.warning("mail not readable (%s); kept whole as a file", exc)
            over_limit = "it could not be read"
    if over_limit is not None:
        mail = BytesHeaderParser(policy=policy.default).parsebytes(head[:MAX_HEADER_BYTES])
        walked = Walked()
    return _assemble(raw, head, mail, walked, over_limit)


async def parse_off_loop(raw: bytes) -> ParsedMail:
    """:func:`parse_mail` in a worker thread: a big or nested mail does not stall the loop."""
    return await asyncio.to_thread(parse_mail, raw)


def _body_texts(mail: Message, walked: Walked) -> tuple[str, str]:
    """The text operators read, and the whole text (with a mailing list's footer)."""
    plain = [t.replace("\r\n", "\n").strip() for t in walked.plain]
    plain = [t for t in plain if t]
    if plain:
        if header(mail, "List-Id") and len(plain) > 1:
            # A list wrapped the sender's mail and added its footer as a part of its own.
            return plain[0], "\n\n".join(plain)
        joined = "\n\n".join(plain)
        return joined, joined
    if walked.html:
        # Only what is kept is read: the HTML beyond KEEP_HTML is in original.eml.
        text = html_to_text("\n".join(walked.html)[:KEEP_HTML])
        return text, text
    return "", ""


def _truncated(walked: Walked, full_text: str) -> bool:
    """Whether the text or the HTML is longer than a message keeps (see :func:`_assemble`)."""
    return len(full_text) > KEEP_TEXT or sum(len(h) for h in walked.html) > KEEP_HTML


def _assemble(
    raw: bytes, head: bytes, mail: Message, walked: Walked, over_limit: str | None
) -> ParsedMail:
    subject = _header(mail, head, "Subject", walked.charset).strip()
    from_value = _header(mail, head, "From", walked.charset)
    name, address = parseaddr(from_value)
    found_ids = _ids(header(mail, "Message-ID"))
    message_id = found_ids[0] if found_ids else None
    if message_id is None:
        # No Message-ID: the mail's own bytes identify it, so a second fetch is still a repeat.
        message_id = f"<sha256.{hashlib.sha256(raw).hexdigest()}@otklik.invalid>"
    body, full_text = _body_texts(mail, walked)
    notes = list(walked.notes)
    files = [(f.filename, f.content_type, f.data) for f in walked.files]
    if over_limit is not None:
        notes.append("over_limit")
        files = [("original.eml", "message/rfc822", raw)]
    elif _truncated(walked, full_text):
        # A message keeps KEEP_TEXT of the text (and the quote rules read no more, a few
        # seconds of CPU saved on a 5 MB text): the rest is not lost, the mail is kept whole.
        notes.append("truncated")
        files.append(("original.eml", "message/rfc822", raw))
        body, full_text = body[:KEEP_TEXT], full_text[:KEEP_TEXT]
    why = automatic(mail, subject)
    bounce = None
    if is_bounce(why):
        bounce = bounce_of(
            reports=walked.reports,
            returned=walked.returned + [f["text"] for f in walked.forwarded],
            text=full_text,
            subject=subject,
        )
    html = "\n".join(walked.html) if walked.html else None
    return ParsedMail(
        message_id=message_id,
        in_reply_to=_ids(header(mail, "In-Reply-To")),
        references=_ids(header(mail, "References"))[-100:],
        subject=subject,
        from_address=address.strip().lower(),
        from_name=name.strip() or None,
        to=_addresses(mail, head, "To"),
        cc=_addresses(mail, head, "Cc"),
        date=header(mail, "Date") or None,
        text=strip_quotes(body) if body else "",
        full_text=full_text,
        html=nh3.clean(html[:KEEP_HTML]) if html else None,
        attachments=[{"filename": n, "content_type": t, "size": len(d)} for n, t, d in files],
        files=tuple(
            InboundFile(
                filename=n,
                data=d,
                # The whole mail, kept because it could not be shown whole: never dropped
                # for the attachment limit.
                max_bytes=KEEP_WHOLE_BYTES if d is raw else None,
            )
            for n, _, d in files
        ),
        automatic=why,
        forwarded=walked.forwarded,
        notes=notes,
        bounce=bounce,
        over_limit=over_limit,
    )


def channel_data(parsed: ParsedMail) -> dict[str, Any]:
    """What a stored mail keeps on its message (threading, the whole original)."""
    data: dict[str, Any] = {
        "direction": "in",
        "message_id": parsed.message_id,
        "subject": parsed.subject,
        "from": parsed.from_address,
        "to": parsed.to,
    }
    if parsed.cc:
        data["cc"] = parsed.cc
    if parsed.date:
        data["date"] = parsed.date
    if parsed.in_reply_to:
        data["in_reply_to"] = parsed.in_reply_to
    if parsed.references:
        data["references"] = parsed.references[-20:]
    if parsed.full_text != parsed.text:
        data["full_text"] = parsed.full_text[:KEEP_TEXT]
    if parsed.html:
        data["html"] = parsed.html
    if parsed.attachments:
        # The files themselves go to the attachment store; the list stays with the headers.
        data["attachments"] = parsed.attachments
    if parsed.forwarded:
        data["forwarded"] = [
            {**f, "text": str(f["text"])[:KEEP_TEXT]} for f in parsed.forwarded[:10]
        ]
    if parsed.notes:
        data["notes"] = parsed.notes
    if parsed.over_limit:
        data["over_limit"] = parsed.over_limit
    if parsed.bounce is not None:
        data["bounce"] = {"reason": parsed.bounce.reason, "failed": parsed.bounce.failed}
    return data
