"""Mail nobody wrote by hand: auto-replies, bounces — and what a bounce says about our reply.

A bounce of one of our replies rarely threads by ``In-Reply-To``: MTAs return the original's
headers inside the body or a ``message/rfc822-headers`` part. :func:`bounce_of` collects every
Message-ID it finds there (the ingest keeps those that are our valid reply tokens) and the
reason from the delivery-status report (``Diagnostic-Code``) or, failing that, the first
SMTP-looking line of the text.

``Precedence: list`` alone does not make mail automatic: support addresses are often group
lists, and a person's mail through one carries it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.utils import parseaddr

from otklik.channels.email.mime import header

_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autoreply-From")
_BOUNCE_SENDERS = frozenset({"mailerdaemon", "postmaster", "mailerdeamon"})
_AUTO_SUBJECT = re.compile(
    r"^\s*(Auto(matic)?[ -]?reply|Autoreply|Auto-Response|Out of (the )?office( reply)?|"
    r"Автоответ|Автоматический ответ)\s*:",
    re.I,
)
_MESSAGE_ID = re.compile(
    r"(?im)^\s*(?:Message-ID|In-Reply-To|References)\s*:\s*((?:<[^<>\s]+>\s*)+)"
)
_ID = re.compile(r"<[^<>\s]+>")
_DIAGNOSTIC = re.compile(r"(?im)^Diagnostic-Code\s*:\s*(?:[\w-]+\s*;)?\s*(.+(?:\n[ \t].+)*)")
_ACTION = re.compile(r"(?im)^Action\s*:\s*(\w+)")
_STATUS = re.compile(r"(?im)^Status\s*:\s*([245]\.\d{1,3}\.\d{1,3})")
_SMTP_LINE = re.compile(r"(?m)^.*\b(5\d\d[ -]\d\.\d{1,3}\.\d{1,3}|5\d\d\s+\S).*$")
REASON_CHARS = 300


@dataclass(frozen=True, slots=True)
class Bounce:
    #: What the returning server said (the DSN's diagnostic, else a line of its text).
    reason: str
    #: Message-IDs of the returned mail (its headers in the report or the text).
    returned_ids: tuple[str, ...]
    #: ``False`` for a "delayed, still trying" report: the reply is not lost yet.
    failed: bool


def automatic(mail: Message, subject: str) -> str | None:
    """Why ``mail`` is automatic (``None`` for a person's mail)."""
    auto = header(mail, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto.split(';')[0]}"
    for name in _AUTO_HEADERS:
        if header(mail, name):
            return name
    precedence = header(mail, "Precedence").strip().lower()
    if precedence in ("bulk", "auto_reply", "junk"):
        return f"Precedence: {precedence}"
    if mail.get_content_type() == "multipart/report":
        return "delivery report"
    sender = parseaddr(header(mail, "From"))[1].lower()
    local = re.sub(r"[-_.]", "", sender.split("@")[0])
    if local in _BOUNCE_SENDERS:
        return "bounce"
    if header(mail, "Return-Path").strip() == "<>":
        return "bounce"
    if _AUTO_SUBJECT.match(subject):
        return "auto-reply"
    return None


def is_bounce(reason: str | None) -> bool:
    return reason in ("bounce", "delivery report")


def bounce_of(*, reports: list[str], returned: list[str], text: str, subject: str) -> Bounce:
    """What a bounce says: its reason, the returned mail's ids, whether it gave up."""
    ids: list[str] = []
    for chunk in [*returned, text]:
        for match in _MESSAGE_ID.finditer(chunk):
            for value in _ID.findall(match[1]):
                if value not in ids:
                    ids.append(value)
    report = "\n".join(reports)
    actions = {a.lower() for a in _ACTION.findall(report)}
    failed = not actions or bool(actions - {"delayed", "delivered", "relayed", "expanded"})
    reason = ""
    diagnostic = _DIAGNOSTIC.search(report)
    if diagnostic is not None:
        reason = re.sub(r"\s+", " ", diagnostic[1]).strip()
    if not reason:
        line = _SMTP_LINE.search(text)
        if line is not None:
            reason = line[0].strip()
    if not reason:
        status = _STATUS.search(report)
        reason = f"status {status[1]}" if status is not None else subject.strip()
    return Bounce(
        reason=reason[:REASON_CHARS] or "returned by the recipient's server",
        returned_ids=tuple(ids[:50]),
        failed=failed,
    )
