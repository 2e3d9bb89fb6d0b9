"""Sending an operator's (or a bot's) reply as a mail, threaded under the customer's mails."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

import aiosmtplib

from otklik.channels.base import ChannelFailure, DeliveryError, DeliveryResult, OutboundMessage
from otklik.channels.email.config import EmailConfig
from otklik.channels.email.parse import normalise_subject
from otklik.channels.email.tokens import ReplyTokens, external_id_for
from otklik.core import ssrf

SMTP_TIMEOUT = 30.0
REFERENCES_KEPT = 20


def _subject(message: OutboundMessage) -> str:
    if message.subject:  # the operator's own
        return message.subject
    for data in reversed(message.thread):  # the latest subject (an operator may rename it)
        subject = data.get("subject")
        if isinstance(subject, str) and normalise_subject(subject):
            return f"Re: {normalise_subject(subject)}"
    return f"Re: conversation #{message.conversation_id}"


def _threading(thread: list[dict[str, Any]]) -> tuple[str | None, list[str]]:
    """``In-Reply-To`` (the customer's latest mail) and ``References`` (the chain, oldest first)."""
    references: list[str] = []
    in_reply_to: str | None = None
    for data in thread:
        for ref in data.get("references", []) if data.get("direction") == "in" else []:
            if isinstance(ref, str) and ref not in references:
                references.append(ref)
        mid = data.get("message_id")
        if isinstance(mid, str):
            if mid not in references:
                references.append(mid)
            if data.get("direction") == "in":
                in_reply_to = mid
    if in_reply_to is None and references:
        in_reply_to = references[-1]
    return in_reply_to, references[-REFERENCES_KEPT:]


def build(
    message: OutboundMessage,
    config: EmailConfig,
    tokens: ReplyTokens,
    files: list[tuple[str, str, bytes]] | None = None,
) -> EmailMessage:
    recipient = (message.recipient_email or message.recipient_id or "").strip()
    if "@" not in recipient:
        raise DeliveryError("The customer has no email address.")
    host = config.address.rsplit("@", 1)[1]
    mail = EmailMessage()
    mail["From"] = formataddr((config.from_name or message.author_name or "", config.address))
    mail["To"] = formataddr((message.recipient_name or "", recipient))
    mail["Reply-To"] = config.address
    mail["Subject"] = _subject(message)
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = tokens.message_id(
        conversation_id=message.conversation_id, message_id=message.message_id, host=host
    )
    in_reply_to, references = _threading(message.thread)
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = " ".join(references)
    if message.automatic:
        mail["Auto-Submitted"] = "auto-replied"
        mail["X-Auto-Response-Suppress"] = "All"
    mail.set_content(_with_links(message))
    for filename, content_type, data in files or []:
        maintype, _, subtype = content_type.partition("/")
        mail.add_attachment(
            data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=filename,
        )
    return mail


def _with_links(message: OutboundMessage) -> str:
    """The text, then one line per button: its label and its link (a survey's scores)."""
    buttons = [button for button in message.buttons if button.url]
    if not buttons:
        return message.text
    links = "\n".join(f"{button.label}: {button.url}" for button in buttons)
    return f"{message.text}\n\n{links}\n"


def _read_files(message: OutboundMessage) -> list[tuple[str, str, bytes]]:
    return [(f.filename, f.content_type, f.path.read_bytes()) for f in message.files]


async def send(
    message: OutboundMessage, tokens: ReplyTokens, policy: ssrf.Policy
) -> DeliveryResult:
    config = EmailConfig.model_validate(message.config)
    try:
        files = await asyncio.to_thread(_read_files, message) if message.files else []
    except OSError as exc:
        raise DeliveryError(f"An attachment is missing from storage: {exc}") from exc
    mail = build(message, config, tokens, files)
    await transmit(mail, config, policy)
    message_id = str(mail["Message-ID"])
    return DeliveryResult(
        external_id=external_id_for(message_id),
        channel_data={
            "direction": "out",
            "message_id": message_id,
            "subject": str(mail["Subject"]),
            "to": [str(mail["To"])],
        },
    )


async def transmit(mail: EmailMessage, config: EmailConfig, policy: ssrf.Policy) -> None:
    """Hand ``mail`` to the inbox's SMTP server (through the SSRF policy).

    A permanent refusal of this mail (5xx) is a :class:`DeliveryError`; a temporary one (4xx)
    is raised as it is, so a job retries it with backoff; a server that cannot be reached or
    refuses the login is a :class:`ChannelFailure` (the inbox shows as failing)."""
    where = f"{config.smtp_host}:{config.smtp_port}"
    try:
        sock = await ssrf.open_socket(
            config.smtp_host, config.smtp_port, policy, connect_seconds=SMTP_TIMEOUT
        )
    except ssrf.Refused as exc:
        raise DeliveryError(f"Refused: {exc}") from exc
    except TimeoutError as exc:
        raise ChannelFailure(f"The SMTP server {where} did not answer in time") from exc
    except OSError as exc:
        raise ChannelFailure(
            f"Could not connect to the SMTP server {where}: {exc.strerror or exc}"
        ) from exc
    try:
        await aiosmtplib.send(
            mail,
            hostname=config.smtp_host,
            sock=sock,
            username=config.smtp_username or None,
            password=config.smtp_password or None,
            use_tls=config.smtp_security == "ssl",
            start_tls=config.smtp_security == "starttls",
            timeout=SMTP_TIMEOUT,
        )
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise ChannelFailure(f"SMTP login failed: {exc.code} {exc.message}") from exc
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected) as exc:
        raise ChannelFailure(f"The SMTP server {where} dropped the connection: {exc}") from exc
    except aiosmtplib.SMTPTimeoutError as exc:
        raise ChannelFailure(f"The SMTP server {where} did not answer in time") from exc
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        if codes and all(500 <= code < 600 for code in codes):
            raise DeliveryError(
                "; ".join(f"{r.code} {r.message}" for r in exc.recipients)[:2000]
            ) from exc
        raise
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise DeliveryError(f"{exc.code} {exc.message}"[:2000]) from exc
        raise  # 4xx: temporary, the job retries with backoff
