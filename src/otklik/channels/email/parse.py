"""Turning a raw mail into what operators see: text without quotes and signatures, and the rest.

Stdlib ``email`` with ``policy.default``. The operator sees the new part of the mail; the
whole text, the sanitised HTML and the headers stay in ``channel_data``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Any

import nh3

from otklik.channels.base import InboundFile

KEEP_TEXT = 100_000
KEEP_HTML = 200_000

_IDS = re.compile(r"<[^<>\s]+>")
_SUBJECT_PREFIX = re.compile(
    r"^\s*((re|fwd?|aw|wg|sv|antw|ответ|отв|fw)\s*(\[\d+\])?\s*:\s*)+", re.I
)

# Lines that start the quoted original of a reply, in the common clients (EN/RU).
_QUOTE_HEADERS = [
    re.compile(r"^\s*On .{1,300}wrote:\s*$", re.I),
    re.compile(r"^.{0,300}(wrote|пишет|написал|написала|написал\(а\)):\s*$", re.I),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Исходное сообщение|Forwarded message)\s*-{2,}", re.I
    ),
    re.compile(r"^\s*_{10,}\s*$"),
]
# Lines that start a signature.
_SIGNATURES = [
    re.compile(r"^-- ?$"),
    re.compile(r"^\s*(Sent from my|Отправлено с|Отправлено из|Get Outlook for)\b", re.I),
]


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

    @property
    def thread_ids(self) -> list[str]:
        """``In-Reply-To`` first, then ``References`` newest first."""
        seen: list[str] = []
        for value in [*self.in_reply_to, *reversed(self.references)]:
            if value not in seen:
                seen.append(value)
        return seen


class _TextOfHtml(HTMLParser):
    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
    )
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        if tag == "blockquote":
            self._quote_depth += 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        if tag == "blockquote" and self._quote_depth:
            self._quote_depth -= 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        text = re.sub(r"\s+", " ", data)
        if self._quote_depth:
            # Quoted HTML becomes "> " lines, so the quote stripper treats it like plain text.
            text = "\n".join("> " + line for line in text.split("\n"))
        self.parts.append(text)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quotes(text: str) -> str:
    """The new part of a reply: up to the quoted original or the signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    end = len(lines)
    for index, line in enumerate(lines):
        if any(p.match(line) for p in _SIGNATURES) or any(p.match(line) for p in _QUOTE_HEADERS):
            end = index
            break
        if line.startswith(">"):
            # A quote block: the rest is the original unless the writer answers below it.
            rest = lines[index:]
            if all(not r.strip() or r.startswith(">") for r in rest):
                end = index
                break
    kept = [line for line in lines[:end] if not line.startswith(">")]
    result = "\n".join(kept).strip()
    return result or text.strip()


def normalise_subject(subject: str) -> str:
    return _SUBJECT_PREFIX.sub("", subject).strip()


def _ids(value: object) -> list[str]:
    return _IDS.findall(str(value)) if value else []


def _automatic(mail: Message) -> str | None:
    auto = str(mail.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if mail.get(header) is not None:
            return header
    precedence = str(mail.get("Precedence", "")).strip().lower()
    if precedence in ("bulk", "auto_reply", "list", "junk"):
        return f"Precedence: {precedence}"
    if mail.get_content_type() == "multipart/report":
        return "delivery report"
    sender = parseaddr(str(mail.get("From", "")))[1].lower()
    if sender.split("@")[0] in ("mailer-daemon", "postmaster"):
        return "bounce"
    if str(mail.get("Return-Path", "")).strip() == "<>":
        return "bounce"
    return None


def _part_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def parse_mail(raw: bytes) -> ParsedMail:
    mail = message_from_bytes(raw, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    plain = mail.get_body(preferencelist=("plain",))
    html_part = mail.get_body(preferencelist=("html",))
    html = _part_text(html_part) if html_part is not None else None
    if plain is not None:
        full_text = _part_text(plain)
    elif html is not None:
        full_text = html_to_text(html)
    else:
        full_text = ""
    full_text = full_text.replace("\r\n", "\n").strip()
    attachments: list[dict[str, Any]] = []
    files: list[InboundFile] = []
    for part in mail.iter_attachments():
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename() or "attachment"
        attachments.append(
            {"filename": filename, "content_type": part.get_content_type(), "size": len(data)}
        )
        if data:
            files.append(InboundFile(filename=filename, data=data))
    name, address = parseaddr(str(mail.get("From", "")))
    found_ids = _ids(mail.get("Message-ID"))
    message_id = found_ids[0] if found_ids else None
    if message_id is None:
        # No Message-ID: the mail's own bytes identify it, so a second fetch is still a repeat.
        message_id = f"<sha256.{hashlib.sha256(raw).hexdigest()}@otklik.invalid>"
    return ParsedMail(
        message_id=message_id,
        in_reply_to=_ids(mail.get("In-Reply-To")),
        references=_ids(mail.get("References")),
        subject=str(mail.get("Subject", "")).strip(),
        from_address=address.strip().lower(),
        from_name=name.strip() or None,
        to=[a.lower() for _, a in getaddresses([str(v) for v in mail.get_all("To", [])]) if a],
        cc=[a.lower() for _, a in getaddresses([str(v) for v in mail.get_all("Cc", [])]) if a],
        date=str(mail["Date"]) if mail.get("Date") else None,
        text=strip_quotes(full_text) if full_text else "",
        full_text=full_text,
        html=nh3.clean(html[:KEEP_HTML]) if html else None,
        attachments=attachments,
        files=tuple(files),
        automatic=_automatic(mail),
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
    return data
