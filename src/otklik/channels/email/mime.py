"""Walking a mail's whole MIME tree: the text to show, the files to keep, what was forwarded.

* Text parts in the body (not attachments, no file name) are the text, in order; of a
  ``multipart/alternative`` the plain and the HTML alternative (each possibly inside its own
  ``multipart/related``) are taken, the rest of the alternatives' parts are files.
* Every other leaf part, at any depth, is a file (named after its type when it has no name);
  containers (``multipart/*``) never are, and empty parts are not kept.
* ``message/rfc822`` (a forwarded mail) is kept as an ``.eml`` file *and* read: its sender,
  subject, date and text are shown inline.
* ``multipart/signed``: the signed content is read, the signature dropped (not verified);
  so is an opaque ``application/pkcs7-mime; smime-type=signed-data`` (see :mod:`.smime`).
  Encrypted ``application/pkcs7-mime`` and ``multipart/encrypted`` are kept as files (not
  decrypted). A note says which.
* A delivery report's ``message/delivery-status`` and returned headers are collected for the
  bounce, not stored as files.

Depth is limited: :class:`TooDeep` is raised beyond :data:`MAX_DEPTH` nested containers.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

from otklik.channels.email.charsets import decode
from otklik.channels.email.htmltext import html_to_text
from otklik.channels.email.smime import signed_content

MAX_DEPTH = 20
_SIGNATURES = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)
_IDS = frozenset({"message-id", "in-reply-to", "references"})
_PKCS7 = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})


class TooDeep(Exception):
    pass


@dataclass(slots=True)
class FilePart:
    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class Walked:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    files: list[FilePart] = field(default_factory=list)
    #: Forwarded mails, each ``{"from", "subject", "date", "text", "html"?}``.
    forwarded: list[dict[str, Any]] = field(default_factory=list)
    #: ``signed``/``encrypted`` (S/MIME or PGP; neither verified nor decrypted).
    notes: list[str] = field(default_factory=list)
    #: ``message/delivery-status`` texts and returned headers (bounces).
    reports: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    #: The first body charset (a guess for raw 8-bit headers).
    charset: str | None = None

    def note(self, value: str) -> None:
        if value not in self.notes:
            self.notes.append(value)


def header(mail: Message, name: str) -> str:
    """A header's value; ``""`` for one the stdlib's header parser chokes on (it raises
    ``IndexError``/``ValueError`` on some malformed addresses and encoded words)."""
    try:
        return str(mail.get(name, "") or "")
    except Exception:  # noqa: BLE001 — any header parser failure means "unreadable"
        return ""


def _bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def part_text(part: Message) -> str:
    return decode(_bytes(part), part.get_content_charset())


def _filename(part: Message, count: int) -> str:
    try:
        name = part.get_filename()
    except (ValueError, LookupError, IndexError):  # a broken RFC 2231 parameter
        name = None
    if name:
        name = re.sub(r"[\x00-\x1f/\\]", "_", str(name)).strip()
    if name:
        return name[:200]
    content_type = part.get_content_type()
    ext = mimetypes.guess_extension(content_type) or ".bin"
    stem = content_type.split("/")[0] if content_type.startswith(("image/", "audio/")) else "file"
    return f"{stem}{count}{ext}" if count else f"{stem}{ext}"


def _is_body_text(part: Message) -> bool:
    if part.get_content_type() not in ("text/plain", "text/html"):
        return False
    if part.get_content_disposition() == "attachment":
        return False
    try:
        return not part.get_filename()
    except (ValueError, LookupError, IndexError):
        return False


def _add_file(part: Message, out: Walked, content_type: str | None = None) -> None:
    data = _bytes(part)
    if not data:
        return
    out.files.append(
        FilePart(_filename(part, len(out.files)), content_type or part.get_content_type(), data)
    )


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def walk(part: Message, out: Walked, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise TooDeep(f"more than {MAX_DEPTH} nested parts")
    content_type = part.get_content_type()
    if content_type == "message/delivery-status":
        out.reports.append(_raw_text(part))
    elif content_type in ("message/rfc822-headers", "text/rfc822-headers"):
        out.returned.append(_raw_text(part))
    elif content_type == "message/rfc822":
        _forwarded(part, out, depth)
    elif part.is_multipart():
        _walk_multipart(part, content_type, out, depth)
    elif content_type in _SIGNATURES:
        out.note("signed")
    elif content_type in _PKCS7:
        _pkcs7(part, out, depth)
    elif _is_body_text(part):
        text = part_text(part)
        if out.charset is None:
            out.charset = part.get_content_charset()
        (out.plain if content_type == "text/plain" else out.html).append(text)
    else:
        _add_file(part, out)


def _pkcs7(part: Message, out: Walked, depth: int) -> None:
    """Opaque S/MIME: a signed mail's content is read (not verified); an encrypted one is a file."""
    smime = str(part.get_param("smime-type", "") or "").lower()
    content = None if "enveloped" in smime else signed_content(_bytes(part))
    if content is None:
        out.note("signed" if smime == "signed-data" else "encrypted")
        _add_file(part, out)
        return
    out.note("signed")
    walk(message_from_bytes(content, policy=policy.default), out, depth + 1)


def _raw_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # the parser made messages of the header blocks
        return "\n".join(str(p) for p in payload if isinstance(p, Message))
    return decode(_bytes(part), part.get_content_charset()) if _bytes(part) else str(payload)


def _walk_multipart(part: Message, content_type: str, out: Walked, depth: int) -> None:
    children = _subparts(part)
    if content_type == "multipart/alternative":
        subs = []
        for child in children:
            sub = Walked()
            walk(child, sub, depth + 1)
            subs.append(sub)
        plain = next((s.plain for s in subs if s.plain), [])
        html = next((s.html for s in reversed(subs) if s.html), [])
        out.plain.extend(plain)
        out.html.extend(html)
        for sub in subs:
            _merge(out, sub, text=False)
        return
    if content_type == "multipart/signed":
        out.note("signed")
        for child in children[:1]:
            walk(child, out, depth + 1)
        return
    if content_type == "multipart/encrypted":
        out.note("encrypted")
        for child in children[1:]:
            _add_file(child, out, "application/pgp-encrypted")
        return
    for child in children:
        walk(child, out, depth + 1)


def _merge(out: Walked, sub: Walked, *, text: bool) -> None:
    if text:
        out.plain.extend(sub.plain)
        out.html.extend(sub.html)
    out.files.extend(sub.files)
    out.forwarded.extend(sub.forwarded)
    out.reports.extend(sub.reports)
    out.returned.extend(sub.returned)
    for note in sub.notes:
        out.note(note)
    out.charset = out.charset or sub.charset


def _forwarded(part: Message, out: Walked, depth: int) -> None:
    inner = next(iter(_subparts(part)), None)
    if inner is None:
        _add_file(part, out)
        return
    try:
        data = inner.as_bytes()
    except (LookupError, ValueError, UnicodeError, TypeError):
        data = _bytes(part)
    sub = Walked()
    walk(inner, sub, depth + 1)
    text = "\n\n".join(t.strip() for t in sub.plain if t.strip())
    if not text and sub.html:
        text = html_to_text("\n".join(sub.html))
    subject = header(inner, "Subject").strip()
    # A bounce returns the original this way: its headers are where our Message-ID is.
    out.returned.append(
        "".join(f"{k}: {header(inner, k)}\n" for k in inner.keys() if k.lower() in _IDS)
    )
    out.forwarded.append(
        {
            "from": header(inner, "From").strip()[:300],
            "subject": subject[:300],
            "date": header(inner, "Date").strip()[:100] or None,
            "text": text.replace("\r\n", "\n").strip(),
        }
    )
    for note in sub.notes:
        out.note(note)
    stem = re.sub(r"[\x00-\x1f/\\:*?\"<>|]", "_", subject)[:80].strip() or "forwarded"
    if data:
        out.files.append(FilePart(f"{stem}.eml", "message/rfc822", data))
