"""Webhook delivery logs keep the documents posted (and a snippet of the answers): an
erasure redacts every string in them that carries one of its personal strings."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.privacy.personal_data import Erasure, PersonalDataPart, is_personal, redact
from otklik.webhooks.models import WebhookDelivery

BATCH = 500


async def _erase(session: AsyncSession, erasure: Erasure) -> None:
    redacted = 0
    last = 0
    while erasure.needles:
        rows = (
            await session.execute(
                select(
                    WebhookDelivery.id,
                    WebhookDelivery.payload,
                    WebhookDelivery.response_snippet,
                    WebhookDelivery.error,
                )
                .where(WebhookDelivery.id > last)
                .order_by(WebhookDelivery.id)
                .limit(BATCH)
            )
        ).all()
        if not rows:
            break
        last = rows[-1].id
        for row in rows:
            payload, changed = redact(row.payload, erasure.needles)
            values: dict[str, object] = {"payload": payload} if changed else {}
            for column in ("response_snippet", "error"):
                text = getattr(row, column)
                if text and is_personal(text, erasure.needles):
                    values[column] = None
            if values:
                await session.execute(
                    update(WebhookDelivery).where(WebhookDelivery.id == row.id).values(**values)
                )
                redacted += 1
    erasure.counts["webhook_deliveries"] = redacted


WEBHOOK_DELIVERIES = PersonalDataPart("webhook_deliveries", order=60, erase=_erase)
