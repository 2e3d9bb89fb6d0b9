"""Typed domain events: how one domain reacts to another without importing it.

A service that changes something emits one event — a frozen pydantic model from its domain's
``events.py`` — through :data:`bus`. The bus does three things, in this order:

1. writes the event's *feed* (what live clients may hear: ``(stream, type, payload)`` rows of
   the realtime log) through the log writer that ``wiring.py`` plugs in;
2. calls the subscribers registered for that event type **inside** the transaction (they
   commit or roll back with the change: routing, automation, outgoing-webhook outbox rows);
3. queues the subscribers registered **after commit**; they run once the transaction is
   durable, and never if it rolls back (best-effort work such as cache drops and
   notifications; durable after-commit work enqueues a job from an inside subscriber instead).

Subscribers are registered in ``wiring.py`` only, so the flow between domains reads in one
place and mypy checks every subscriber against its event type.

Causes replace the re-entry flags the log listeners needed: ``async with bus.caused_by(X)``
marks every event emitted inside the block (and inside what its subscribers do) as caused by
``X``; a subscriber that must not react to its own consequences says so when it subscribes
(``ignore_caused_by=``). The chain of causes is part of what each subscriber receives.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar, Generic, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core import pg_raw
from otklik.core.clock import utcnow
from otklik.core.writer import Committed

Phase = Literal["in_transaction", "after_commit"]
AFTER_COMMIT_KEY = "otklik.events.after_commit"


class Reach(NamedTuple):
    """The conversation a frame is about, as access decides it (``accounts/access.py``):
    an operator's socket gets the frame only if its scope sees this."""

    inbox_id: int
    team_id: int | None
    assignee_id: int | None


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One row of the realtime log an event becomes: who hears it and what they get."""

    stream: str
    type: str
    #: The frame's ``data`` as compact JSON text, as the log stores it and sockets send it:
    #: serialised once, by pydantic, straight from the frame's model.
    payload_json: str
    #: The conversation it is about, for operators' frames; ``None``: every operator hears it.
    reach: Reach | None = None

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.payload_json)
        return data


#: Who hears a frame: operators (stream ``agents``) or a visitor (``contact:<id>``).
Audience = Literal["agents", "visitor"]


class FrameData(BaseModel):
    """Base of what a frame carries in ``data``: immutable, and nothing but its fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


D = TypeVar("D", bound=FrameData)


@dataclass(frozen=True, slots=True)
class FrameKind(Generic[D]):
    """One kind of event frame ``{"id", "type", "data"}``: its audience, type and data model.

    Payloads are built only through :meth:`payload` / :meth:`entry`, from the same model that
    ``otklik.frames`` turns into the JSON Schema the front ends' types are generated from, so
    what is sent and what the clients are told to expect cannot drift apart."""

    audience: Audience
    type: str
    data: builtins.type[D]  # (``type`` is the field above)

    def _check(self, data: D) -> None:
        if type(data) is not self.data:
            raise TypeError(f"{self.type} carries {self.data.__name__}, not {type(data).__name__}")

    def payload(self, data: D) -> dict[str, Any]:
        self._check(data)
        payload: dict[str, Any] = data.model_dump(mode="json")
        return payload

    def entry(self, stream: str, data: D, reach: Reach | None = None) -> FeedEntry:
        if (stream == "agents") != (self.audience == "agents"):
            raise ValueError(f"{self.type} is for {self.audience}, not stream {stream!r}")
        self._check(data)
        return FeedEntry(stream, self.type, data.model_dump_json(), reach)


class DomainEvent(BaseModel):
    """Base of every typed event: immutable, and unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The event's name, also the ``type`` of its realtime frames (``message.created``).
    name: ClassVar[str]
    #: Every kind of frame :meth:`feed` may write (``otklik.frames`` builds the schema of them).
    frames: ClassVar[tuple[FrameKind[Any], ...]] = ()

    def feed(self) -> list[FeedEntry]:
        """What live clients hear of it (nothing by default)."""
        return []


E = TypeVar("E", bound=DomainEvent)


@dataclass(frozen=True, slots=True)
class Emitted(Generic[E]):
    """An event as a subscriber receives it."""

    event: E
    #: The realtime-log rows written for it, and their ids (same order).
    feed: tuple[FeedEntry, ...]
    log_ids: tuple[int, ...]
    at: datetime
    #: What the event happened in the course of, outermost first (``("automation",)``).
    causes: tuple[str, ...]
    #: Handlers a write without a session found quiet (done or nothing to do): not run
    #: again by :meth:`EventBus.react_inside` when another subscriber needs a session.
    settled: frozenset[Callable[..., Awaitable[None]]] = frozenset()


Subscriber = Callable[[AsyncSession, Emitted[E]], Awaitable[None]]
AfterCommit = Callable[[Emitted[E]], Awaitable[None]]
#: Writes an event's feed to the realtime log in the session's transaction; returns the row
#: ids, in the entries' order.
LogWriter = Callable[[AsyncSession, Sequence[FeedEntry]], Awaitable[list[int]]]
#: The same for a write without a session (``core/unit.py``): on the synchronous connection,
#: noting the rows in the unit's ``info``.
SyncLogWriter = Callable[[Connection, dict[str, Any], Sequence[FeedEntry]], list[int]]
#: Asked by a write without a session, on its synchronous connection: ``True`` when the
#: subscriber certainly does nothing for this event (from what is cached; unsure is ``False``),
#: or has just done on the connection all it had to (a cheap statement, as routing queueing
#: a conversation nobody can take). Every predicate is asked; the handlers of those that said
#: ``True`` are not run in the session the others may need.
Quiet = Callable[[Connection, E], bool]


@dataclass(frozen=True, slots=True)
class _Subscription:
    handler: Callable[..., Awaitable[None]]
    ignore_caused_by: frozenset[str]
    quiet: Callable[[Connection, Any], bool] | None = None


@dataclass
class EventBus:
    _inside: dict[type[DomainEvent], list[_Subscription]] = field(default_factory=dict)
    _after: dict[type[DomainEvent], list[_Subscription]] = field(default_factory=dict)
    _log_writer: LogWriter | None = None
    _sync_log_writer: SyncLogWriter | None = None
    _causes: ContextVar[tuple[str, ...]] = field(
        default_factory=lambda: ContextVar("otklik_event_causes", default=())
    )

    def write_feeds_with(self, writer: LogWriter, sync_writer: SyncLogWriter) -> None:
        self._log_writer = writer
        self._sync_log_writer = sync_writer

    def subscribe(
        self,
        event_type: type[E],
        handler: Subscriber[E],
        *,
        ignore_caused_by: frozenset[str] = frozenset(),
        quiet: Quiet[E] | None = None,
    ) -> None:
        """React inside the emitting transaction. ``quiet`` lets a write without a session
        skip making one when the subscriber would do nothing (see :meth:`emit_sync`)."""
        self._add(self._inside, event_type, _Subscription(handler, ignore_caused_by, quiet))

    def subscribe_after_commit(self, event_type: type[E], handler: AfterCommit[E]) -> None:
        """React once the emitting transaction has committed (never if it rolls back)."""
        self._add(self._after, event_type, _Subscription(handler, frozenset()))

    @staticmethod
    def _add(
        table: dict[type[DomainEvent], list[_Subscription]],
        event_type: type[DomainEvent],
        subscription: _Subscription,
    ) -> None:
        handlers = table.setdefault(event_type, [])
        if all(s.handler is not subscription.handler for s in handlers):
            handlers.append(subscription)

    def clear(self) -> None:
        """Forget every subscription (``wiring.install`` starts from a clean bus)."""
        self._inside.clear()
        self._after.clear()

    @asynccontextmanager
    async def caused_by(self, cause: str) -> AsyncIterator[None]:
        token = self._causes.set((*self._causes.get(), cause))
        try:
            yield
        finally:
            self._causes.reset(token)

    async def emit(self, session: AsyncSession, event: DomainEvent) -> Emitted[DomainEvent]:
        feed: tuple[FeedEntry, ...] = ()
        log_ids: list[int] = []
        if self._log_writer is not None:
            feed = tuple(event.feed())
            if feed:
                log_ids = await self._log_writer(session, feed)
        emitted = self._emitted(session.info, event, feed, log_ids, self._causes.get())
        await self.react_inside(session, emitted)
        return emitted

    def emit_sync(
        self, conn: Connection, info: dict[str, Any], event: DomainEvent, causes: tuple[str, ...]
    ) -> tuple[Emitted[DomainEvent], bool]:
        """:meth:`emit` for work running on the synchronous connection of a write without a
        session (``core/unit.py``), up to the inside subscribers: the feed is written and the
        after-commit reactions queued in ``info``. Returns the emitted event and whether every
        inside subscriber is quiet for it; if not, the caller runs :meth:`react_inside` with
        a session of the same unit. ``causes``: :meth:`causes` where the work was started."""
        with pg_raw.riding(conn):
            # The subscribers first: their writes that need no answer ride with the log's rows
            # on PostgreSQL (``core/pg_raw.py``). They read the event, not the log.
            settled, quiet = self._settle(conn, event, causes)
            feed = self._feed(event)
            log_ids = self._write_feed(conn, info, feed)
        emitted = self._emitted(info, event, feed, log_ids, causes)
        return (replace(emitted, settled=settled) if settled else emitted), quiet

    def emit_pair_sync(
        self,
        conn: Connection,
        info: dict[str, Any],
        first: DomainEvent,
        second: DomainEvent,
        causes: tuple[str, ...],
    ) -> tuple[Emitted[DomainEvent], Emitted[DomainEvent] | None, bool]:
        """:meth:`emit_sync` of two events that follow each other (a conversation opened by
        its first message), their log rows written together: one round trip on PostgreSQL
        instead of two. ``second`` is emitted only when every inside subscriber is quiet for
        ``first``; otherwise ``None`` comes back for it and, as after :meth:`emit_sync` of
        ``first`` alone, the caller runs the subscribers and emits ``second`` in a session.
        The subscribers' predicates are asked before the rows are written (they read the
        event, not the log); the reactions after commit keep the events' order."""
        with pg_raw.riding(conn):  # the subscribers' writes ride with the log's rows
            settled_first, quiet = self._settle(conn, first, causes)
            feed_first = self._feed(first)
            if not quiet:
                ids = self._write_feed(conn, info, feed_first)
                emitted = self._emitted(info, first, feed_first, ids, causes)
                return replace(emitted, settled=settled_first), None, False
            settled_second, quiet = self._settle(conn, second, causes)
            feed_second = self._feed(second)
            ids = self._write_feed(conn, info, feed_first + feed_second)
        cut = len(feed_first)
        emitted_first = self._emitted(info, first, feed_first, ids[:cut], causes)
        emitted_second = self._emitted(info, second, feed_second, ids[cut:], causes)
        return (
            replace(emitted_first, settled=settled_first),
            replace(emitted_second, settled=settled_second),
            quiet,
        )

    def _feed(self, event: DomainEvent) -> tuple[FeedEntry, ...]:
        return tuple(event.feed()) if self._sync_log_writer is not None else ()

    def _write_feed(
        self, conn: Connection, info: dict[str, Any], feed: tuple[FeedEntry, ...]
    ) -> list[int]:
        if not feed or self._sync_log_writer is None:
            return []
        return self._sync_log_writer(conn, info, feed)

    def _settle(
        self, conn: Connection, event: DomainEvent, causes: tuple[str, ...]
    ) -> tuple[frozenset[Callable[..., Awaitable[None]]], bool]:
        """The inside handlers whose predicates find them quiet for ``event``, and whether
        that is all of them. Every predicate is asked (no short cut): one may do its part on
        the connection, and a handler whose predicate said so is not run again in the
        session."""
        reacting = self._reacting_to(event, causes)
        settled = frozenset(
            subscription.handler
            for subscription in reacting
            if subscription.quiet is not None and subscription.quiet(conn, event)
        )
        return settled, all(subscription.handler in settled for subscription in reacting)

    def _emitted(
        self,
        info: dict[str, Any],
        event: DomainEvent,
        feed: tuple[FeedEntry, ...],
        log_ids: list[int],
        causes: tuple[str, ...],
    ) -> Emitted[DomainEvent]:
        emitted: Emitted[DomainEvent] = Emitted(event, feed, tuple(log_ids), utcnow(), causes)
        after = self._after.get(type(event))
        if after:  # queued first: after commit, reactions run in the order events were emitted
            queued: list[tuple[_Subscription, Emitted[DomainEvent]]]
            queued = info.setdefault(AFTER_COMMIT_KEY, [])
            queued.extend((subscription, emitted) for subscription in after)
        return emitted

    def _reacting(self, emitted: Emitted[DomainEvent]) -> list[_Subscription]:
        return self._reacting_to(emitted.event, emitted.causes)

    def _reacting_to(self, event: DomainEvent, causes: tuple[str, ...]) -> list[_Subscription]:
        return [
            subscription
            for subscription in self._inside.get(type(event), ())
            if subscription.ignore_caused_by.isdisjoint(causes)
        ]

    async def react_inside(self, session: AsyncSession, emitted: Emitted[DomainEvent]) -> None:
        """Run the inside subscribers of an emitted event in ``session``'s transaction (all
        but those :meth:`emit_sync` found quiet)."""
        for subscription in self._reacting(emitted):
            if subscription.handler not in emitted.settled:
                await subscription.handler(session, emitted)

    def causes(self) -> tuple[str, ...]:
        """The causes in force here (see :meth:`caused_by`)."""
        return self._causes.get()

    async def run_after_commit(self, session: Committed) -> None:
        """Called by the database once ``session``'s transaction is durable."""
        queued: list[tuple[_Subscription, Emitted[DomainEvent]]]
        queued = session.info.pop(AFTER_COMMIT_KEY, [])
        for subscription, emitted in queued:
            await subscription.handler(emitted)


#: The process's one bus.
bus = EventBus()
