"""Webhook endpoints, the deliveries an event makes, and the job that posts them.

A change appends its events; :func:`on_event` (a ``realtime.log`` listener, so inside the
same transaction) writes one delivery per subscribed endpoint and enqueues its job. The job
(:func:`deliver`) runs outside any transaction: it reads the delivery, posts it through the
SSRF guard, and records the outcome. Failures retry with the runner's exponential backoff;
a 429's ``Retry-After`` is honoured.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from otklik import __version__
from otklik.audit import service as audit
from otklik.config import Settings
from otklik.core import config_cache, ssrf
from otklik.core.clock import utcnow
from otklik.core.crypto import SecretBox
from otklik.core.errors import invalid, not_found
from otklik.core.events import DomainEvent, Emitted
from otklik.jobs import registry as jobs
from otklik.jobs.registry import IOJobContext, RetryAfter, RetryLater, io_job
from otklik.realtime.protocol import STREAM_AGENTS
from otklik.webhooks import signing
from otklik.webhooks.events import install_notes, webhook_events_for
from otklik.webhooks.models import WebhookDelivery, WebhookEndpoint
from otklik.webhooks.schemas import (
    DeliveryOut,
    DeliveryPage,
    EndpointCreate,
    EndpointOut,
    EndpointUpdate,
)

DELIVER_JOB = "webhooks.deliver"
#: 2, 4, 8 … 256 s apart with the runner's backoff: about eight minutes in all.
MAX_ATTEMPTS = 8
USER_AGENT = f"Otklik-Webhooks/{__version__}"


# --- shapes ------------------------------------------------------------------------------


def endpoint_out(endpoint: WebhookEndpoint, *, secret: str | None = None) -> EndpointOut:
    return EndpointOut(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        events=list(endpoint.events),
        active=endpoint.active,
        created_at=endpoint.created_at,
        secret=secret,
    )


def delivery_out(delivery: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        event=delivery.event,
        state=delivery.state,
        attempts=delivery.attempts,
        status_code=delivery.status_code,
        response_snippet=delivery.response_snippet,
        error=delivery.error,
        duration_ms=delivery.duration_ms,
        resent_from_id=delivery.resent_from_id,
        created_at=delivery.created_at,
        last_attempt_at=delivery.last_attempt_at,
        payload=delivery.payload,
    )


# --- endpoints ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActiveEndpoint:
    """What making deliveries needs of an active endpoint (the job reads the rest)."""

    id: int
    events: tuple[str, ...]


async def _active_endpoints(session: AsyncSession) -> tuple[ActiveEndpoint, ...]:
    rows = await session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events)
        .where(WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.id)
    )
    return tuple(ActiveEndpoint(id=ident, events=tuple(events)) for ident, events in rows)


#: The active endpoints, for every event; the writes below mark it changed.
ACTIVE_ENDPOINTS = config_cache.entry("webhook_endpoints", _active_endpoints)


def check_literal_target(url: str, policy: ssrf.Policy) -> None:
    """Refuse at once a URL whose host is a forbidden IP literal (names are checked after
    resolution, at delivery: no DNS lookups inside a transaction)."""
    try:
        ssrf.refuse_literal(httpx.URL(url).host, policy)
    except ssrf.Refused as exc:
        raise invalid(f"url: {exc}; webhooks may not reach it.") from None


async def list_endpoints(session: AsyncSession) -> list[WebhookEndpoint]:
    return list(await session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


async def get_endpoint(session: AsyncSession, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise not_found("Webhook", endpoint_id)
    return endpoint


async def create_endpoint(
    session: AsyncSession, *, data: EndpointCreate, actor_id: int, settings: Settings
) -> EndpointOut:
    check_literal_target(data.url, ssrf.Policy.from_settings(settings))
    secret = data.secret or secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        url=data.url,
        description=data.description,
        events=list(dict.fromkeys(data.events)),
        secret=SecretBox(settings.resolved_secret_key()).seal(secret),
        active=data.active,
    )
    session.add(endpoint)
    await session.flush()
    await config_cache.changed(session, ACTIVE_ENDPOINTS)
    _audit(session, actor_id, "webhook.created", endpoint, {"url": data.url})
    return endpoint_out(endpoint, secret=secret)


async def update_endpoint(
    session: AsyncSession,
    *,
    endpoint_id: int,
    data: EndpointUpdate,
    actor_id: int,
    settings: Settings,
) -> EndpointOut:
    endpoint = await get_endpoint(session, endpoint_id)
    if data.url is not None:
        check_literal_target(data.url, ssrf.Policy.from_settings(settings))
        endpoint.url = data.url
    if data.events is not None:
        endpoint.events = list(dict.fromkeys(data.events))
    if data.description is not None:
        endpoint.description = data.description
    if data.active is not None:
        endpoint.active = data.active
    if data.secret is not None:
        endpoint.secret = SecretBox(settings.resolved_secret_key()).seal(data.secret)
    changed = data.model_dump(exclude_unset=True, exclude={"secret"})
    await config_cache.changed(session, ACTIVE_ENDPOINTS)
    _audit(session, actor_id, "webhook.updated", endpoint, changed)
    return endpoint_out(endpoint, secret=data.secret)


async def rotate_secret(
    session: AsyncSession, *, endpoint_id: int, actor_id: int, settings: Settings
) -> EndpointOut:
    """A new signing secret made here, answered once; deliveries from now on are signed with it."""
    endpoint = await get_endpoint(session, endpoint_id)
    secret = secrets.token_urlsafe(32)
    endpoint.secret = SecretBox(settings.resolved_secret_key()).seal(secret)
    _audit(session, actor_id, "webhook.secret_rotated", endpoint, {})
    return endpoint_out(endpoint, secret=secret)


async def delete_endpoint(session: AsyncSession, *, endpoint_id: int, actor_id: int) -> None:
    endpoint = await get_endpoint(session, endpoint_id)
    _audit(session, actor_id, "webhook.deleted", endpoint, {"url": endpoint.url})
    await session.delete(endpoint)
    await config_cache.changed(session, ACTIVE_ENDPOINTS)


def _audit(
    session: AsyncSession,
    actor_id: int,
    action: str,
    endpoint: WebhookEndpoint,
    data: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action=action,
        target_type="webhook",
        target_id=endpoint.id,
        data=data,
    )


# --- deliveries --------------------------------------------------------------------------


async def list_deliveries(
    session: AsyncSession, *, endpoint_id: int, before_id: int | None, limit: int
) -> DeliveryPage:
    await get_endpoint(session, endpoint_id)
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    rows = list(await session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return DeliveryPage(
        items=[delivery_out(row) for row in rows],
        next_before_id=rows[-1].id if more and rows else None,
    )


async def _add_delivery(
    session: AsyncSession,
    *,
    endpoint_id: int,
    event: str,
    payload: dict[str, Any],
    resent_from_id: int | None = None,
) -> WebhookDelivery:
    delivery = WebhookDelivery(
        endpoint_id=endpoint_id, event=event, payload=payload, resent_from_id=resent_from_id
    )
    session.add(delivery)
    await session.flush()
    await jobs.enqueue(
        session,
        name=DELIVER_JOB,
        payload={"delivery_id": delivery.id},
        max_attempts=MAX_ATTEMPTS,
    )
    return delivery


async def resend(session: AsyncSession, *, delivery_id: int) -> WebhookDelivery:
    """Send a delivery's document again, as a new delivery (the log keeps both)."""
    original = await session.get(WebhookDelivery, delivery_id)
    if original is None:
        raise not_found("Webhook delivery", delivery_id)
    return await _add_delivery(
        session,
        endpoint_id=original.endpoint_id,
        event=original.event,
        payload=original.payload,
        resent_from_id=original.id,
    )


def quiet_for(conn: Connection, event: DomainEvent) -> bool:
    """Certainly no endpoint wants this event, from the cached endpoints (asked by writes
    without a session, which note no old values; not loaded yet is ``False``)."""
    names = webhook_events_for(event, {})
    if not names:
        return True
    endpoints = config_cache.peek(conn, ACTIVE_ENDPOINTS)
    return endpoints is not None and not any(
        name in endpoint.events for endpoint in endpoints for name in names
    )


async def on_domain_event(session: AsyncSession, emitted: Emitted[DomainEvent]) -> None:
    """One outbox row (delivery + job) per subscribed endpoint, in the event's transaction.

    Inside the transaction on purpose: the delivery commits with the change or not at all,
    and with the endpoints cached an event nobody subscribed to costs no statement."""
    names = webhook_events_for(emitted.event, session.info)
    if not names:
        return
    # The document carries what operators received: the agents-stream entry and its id.
    entry, event_id = next(
        (e, i)
        for e, i in zip(emitted.feed, emitted.log_ids, strict=True)
        if e.stream == STREAM_AGENTS
    )
    for endpoint in await config_cache.get(session, ACTIVE_ENDPOINTS):
        for name in names:
            if name in endpoint.events:
                await _add_delivery(
                    session,
                    endpoint_id=endpoint.id,
                    event=name,
                    payload={
                        "event": name,
                        "event_id": event_id,
                        "created_at": _iso(emitted.at),
                        "data": entry.payload,
                    },
                )


def _iso(moment: datetime | None) -> str:
    return (moment or utcnow()).isoformat()


# --- the job -----------------------------------------------------------------------------


def document(delivery_id: int, payload: dict[str, Any]) -> bytes:
    """The exact bytes posted (and signed)."""
    return json.dumps({"delivery_id": delivery_id, **payload}, separators=(",", ":")).encode()


def _retry_after(headers: httpx.Headers) -> float:
    value = headers.get("retry-after", "")
    try:
        return min(3600.0, max(1.0, float(value)))
    except ValueError:
        return 60.0


async def _record(ctx: IOJobContext, delivery_id: int, **values: Any) -> None:
    async with ctx.db.session(write=True) as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return
        delivery.attempts += 1
        delivery.last_attempt_at = utcnow()
        for name, value in values.items():
            setattr(delivery, name, value)


@io_job(DELIVER_JOB)
async def deliver(ctx: IOJobContext, payload: dict[str, Any]) -> None:
    delivery_id = int(payload["delivery_id"])
    async with ctx.db.session(write=False) as session:
        row = (
            await session.execute(
                select(WebhookDelivery, WebhookEndpoint)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.id == delivery_id)
            )
        ).first()
    if row is None:
        return  # the endpoint was deleted meanwhile
    delivery, endpoint = row
    if delivery.state != "pending":
        return  # already done (the job ran twice)
    if not endpoint.active:
        await _record(ctx, delivery_id, state="failed", error="The endpoint is disabled.")
        return
    body = document(delivery.id, delivery.payload)
    secret = SecretBox(ctx.settings.resolved_secret_key()).open(endpoint.secret)
    headers = {
        **signing.signed_headers(secret, body),
        "User-Agent": USER_AGENT,
        "X-Otklik-Event": delivery.event,
        "X-Otklik-Delivery": str(delivery.id),
    }
    try:
        outcome = await ssrf.post(
            endpoint.url,
            content=body,
            headers=headers,
            policy=ssrf.Policy.from_settings(ctx.settings),
        )
    except ssrf.Refused as exc:
        await _record(ctx, delivery_id, state="failed", error=f"Refused: {exc}"[:2000])
        return
    except (httpx.HTTPError, OSError) as exc:  # network errors, DNS failures: retried
        error = f"{type(exc).__name__}: {exc}"[:2000]
        state = "failed" if ctx.last_attempt else "pending"
        await _record(ctx, delivery_id, state=state, error=error, status_code=None)
        raise RetryLater(f"webhook {endpoint.url}: {error}") from exc
    result = {
        "status_code": outcome.status_code,
        "response_snippet": outcome.snippet,
        "duration_ms": outcome.duration_ms,
    }
    if 200 <= outcome.status_code < 300:
        await _record(ctx, delivery_id, state="success", error=None, **result)
        return
    error = f"The endpoint answered {outcome.status_code}."
    await _record(
        ctx, delivery_id, state="failed" if ctx.last_attempt else "pending", error=error, **result
    )
    if ctx.last_attempt:
        return
    if outcome.status_code == 429 or "retry-after" in outcome.headers:
        raise RetryAfter(_retry_after(outcome.headers), error)
    raise RetryLater(f"webhook {endpoint.url}: {error}")


def install() -> None:
    """Note old conversation values for this reader (subscriptions are in ``wiring.py``)."""
    install_notes()
