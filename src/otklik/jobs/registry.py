"""Job handlers by name, and ``enqueue`` — which writes into the caller's transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.config import Settings
from otklik.core.clock import utcnow
from otklik.core.db import Database, insert_for
from otklik.jobs.models import Job


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a handler gets besides its payload: a session in its own transaction, settings."""

    session: AsyncSession
    settings: Settings


@dataclass(frozen=True, slots=True)
class IOJobContext:
    """For jobs that talk to the network (send a mail, call a webhook): no transaction is
    held while they wait; they open short sessions from ``db`` before and after the I/O."""

    db: Database
    settings: Settings
    #: This run's number (1 = first) and the most the job gets: the last run may want to
    #: record a failure where the user sees it.
    attempt: int = 1
    max_attempts: int = 1

    @property
    def last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts


class RetryAfter(Exception):
    """Raise from a handler to run the job again after ``seconds`` (e.g. an API's 429)."""

    def __init__(self, seconds: float, reason: str = "asked to retry later") -> None:
        super().__init__(reason)
        self.seconds = seconds


class RetryLater(Exception):
    """Raise from a handler for an expected failure of the outside world (a server down, a
    credential refused): the job runs again after the usual backoff, and the log says one
    line with the reason — no traceback, which is for our own mistakes."""


Handler = Callable[[JobContext, dict[str, Any]], Awaitable[None]]
IOHandler = Callable[[IOJobContext, dict[str, Any]], Awaitable[None]]
_handlers: dict[str, Handler] = {}
_io_handlers: dict[str, IOHandler] = {}


def job(name: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` under ``name``. Handlers must be idempotent: a job can run twice
    if a worker dies after the handler's work committed but before the job was marked done."""

    def register(handler: Handler) -> Handler:
        if name in _handlers and _handlers[name] is not handler:
            raise ValueError(f"job {name!r} registered twice")
        _handlers[name] = handler
        return handler

    return register


def io_job(name: str) -> Callable[[IOHandler], IOHandler]:
    """Register a handler that runs outside any transaction (see :class:`IOJobContext`)."""

    def register(handler: IOHandler) -> IOHandler:
        if name in _io_handlers and _io_handlers[name] is not handler:
            raise ValueError(f"job {name!r} registered twice")
        _io_handlers[name] = handler
        return handler

    return register


def handler_for(name: str) -> Handler | None:
    return _handlers.get(name)


def io_handler_for(name: str) -> IOHandler | None:
    return _io_handlers.get(name)


async def enqueue(
    session: AsyncSession,
    *,
    name: str,
    payload: dict[str, Any],
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 8,
) -> None:
    """Add a job in the current transaction: it exists if and only if the change commits.
    With a ``dedupe_key`` a second enqueue of the same key is silently ignored."""
    insert = insert_for(session.get_bind().dialect.name)
    statement = insert(Job).values(
        name=name,
        payload=payload,
        state="queued",
        run_at=run_at or utcnow(),
        attempts=0,
        max_attempts=max_attempts,
        dedupe_key=dedupe_key,
        created_at=utcnow(),
    )
    if dedupe_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    await session.execute(statement)
