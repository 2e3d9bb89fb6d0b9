"""The mail that carries a visitor's email proof (``proof.py``), sent as a network job by
the SMTP server of the first active email inbox, in the visitor's language."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from otklik.channels.base import DeliveryError
from otklik.channels.email import outgoing
from otklik.channels.email.config import EmailConfig
from otklik.channels.widget.models import VisitorEmailProof
from otklik.channels.widget.proof import PROOF_MAIL_JOB, PROOF_MINUTES
from otklik.core.clock import utcnow
from otklik.jobs.registry import IOJobContext, io_job

log = logging.getLogger(__name__)


TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "Your code for the chat: {code}",
        "intro": "Someone (we hope you) asked to see your earlier conversations with us in "
        "the chat on our site.",
        "code": "Type this code into the chat: {code}",
        "link": "Or open this link: {link}",
        "expiry": "The code works once, for {minutes} minutes.",
        "ignore": "If it was not you, ignore this mail: nothing changes without the code.",
    },
    "ru": {
        "subject": "Код для чата: {code}",
        "intro": "Кто-то (надеемся, вы) попросил показать в чате на нашем сайте вашу "
        "прежнюю переписку с нами.",
        "code": "Введите этот код в чате: {code}",
        "link": "Или откройте ссылку: {link}",
        "expiry": "Код действует один раз, {minutes} минут.",
        "ignore": "Если это были не вы, просто не обращайте внимания на письмо: без кода "
        "ничего не изменится.",
    },
}


def build(
    *, config: EmailConfig, to: str, code: str, link: str | None, language: str
) -> EmailMessage:
    texts = TEXTS.get(language, TEXTS["en"])
    lines = [texts["intro"], "", texts["code"].format(code=code)]
    if link:
        lines.append(texts["link"].format(link=link))
    lines += ["", texts["expiry"].format(minutes=PROOF_MINUTES), texts["ignore"]]
    mail = EmailMessage()
    mail["From"] = formataddr((config.from_name, config.address))
    mail["To"] = to
    mail["Subject"] = texts["subject"].format(code=code)
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain=config.address.rsplit("@", 1)[1])
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content("\n".join(lines))
    return mail


async def _load(ctx: IOJobContext, proof_id: int) -> tuple[str, EmailConfig] | None:
    async with ctx.db.session(write=False) as session:
        proof = await session.get(VisitorEmailProof, proof_id)
        if proof is None or proof.used_at is not None or proof.expires_at <= utcnow():
            return None  # nothing left to prove: do not send a dead code
        config = await outgoing.sender(session, ctx.settings)
    if config is None:
        log.warning("The email proof %s was not sent: no active email inbox.", proof_id)
        return None
    return proof.email, config


@io_job(PROOF_MAIL_JOB)
async def send_proof(ctx: IOJobContext, payload: dict[str, Any]) -> None:
    """Idempotent enough: a rerun after a crash sends the same code again."""
    loaded = await _load(ctx, int(payload["proof_id"]))
    if loaded is None:
        return
    email, config = loaded
    mail = build(
        config=config,
        to=email,
        code=str(payload["code"]),
        link=payload.get("link"),
        language=str(payload.get("language", "en")),
    )
    try:
        await outgoing.send(mail, config, ctx.settings)
    except DeliveryError as exc:
        # A permanent refusal: retrying cannot help; the visitor may ask again.
        log.warning("The email proof %s was not sent: %s", payload["proof_id"], exc)
