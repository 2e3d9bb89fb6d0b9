"""Cross-process fan-out of committed events, transient frames and configuration changes.

With SQLite there is one server process, so the in-process broker hands frames straight to
the hub after each commit. With PostgreSQL several processes serve sockets: a transaction's
frames are notified inside it, with its commit (``realtime/notify.py``), and every process
(the writer included) delivers what it hears on ``LISTEN`` to its own sockets, in commit
order. Payloads over PostgreSQL's 8000-byte NOTIFY limit travel as a reference to the event
row, which the listener loads.

Configuration changes (``core.config_signal``) are the second kind of message: announced
inside the changing transaction, applied to this process's :class:`ConfigCache` by every
process, the sender included. PostgreSQL brings them on the ``otklik_config`` channel; with
SQLite (which may still run a second process, ``otklik worker`` or another ``otklik run``)
the broker polls the ``config_versions`` rows every :data:`CONFIG_POLL_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Protocol

import asyncpg
from sqlalchemy import select

from otklik.core import config_signal
from otklik.core.config_cache import ConfigCache
from otklik.core.db import Database
from otklik.realtime import notify
from otklik.realtime.hub import Hub
from otklik.realtime.log import to_outgoing
from otklik.realtime.models import Event
from otklik.realtime.protocol import Outgoing

log = logging.getLogger(__name__)
CHANNEL = notify.CHANNEL
#: SQLite: how often each process looks for other processes' configuration changes.
CONFIG_POLL_SECONDS = 0.25


class Broker(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, frames: list[Outgoing]) -> None: ...
    async def publish_committed(self, frames: list[Outgoing]) -> None: ...


class InProcessBroker:
    def __init__(self, hub: Hub, db: Database | None = None, config: ConfigCache | None = None):
        self.hub = hub
        self.db = db
        self.config = config
        self._poller: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.db is not None and self.config is not None:
            # Whatever was cached before the first reading may predate a change it counts.
            self.config.drop_all()
            self.config.apply_versions(await self._versions(self.db))
            self._poller = asyncio.get_running_loop().create_task(
                self._poll_config(self.db, self.config)
            )

    async def stop(self) -> None:
        poller, self._poller = self._poller, None
        if poller is not None:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller

    @staticmethod
    async def _versions(db: Database) -> dict[str, int]:
        async with db.session(write=False) as session:
            return await config_signal.read_versions(session)

    async def _poll_config(self, db: Database, config: ConfigCache) -> None:
        while True:
            await asyncio.sleep(CONFIG_POLL_SECONDS)
            try:
                versions = await self._versions(db)
            except Exception:  # the database is busy or restarting: look again soon
                log.warning("reading configuration versions failed", exc_info=True)
                continue
            config.apply_versions(versions)

    async def publish(self, frames: list[Outgoing]) -> None:
        self.hub.deliver(frames)

    async def publish_committed(self, frames: list[Outgoing]) -> None:
        """A transaction's frames, after its commit: straight to this process's sockets."""
        self.hub.deliver(frames)


def _asyncpg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class PostgresBroker:
    def __init__(self, hub: Hub, db: Database, config: ConfigCache | None = None) -> None:
        self.hub = hub
        self.db = db
        self.config = config
        self._listener: asyncpg.Connection | None = None
        self._publisher: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        dsn = _asyncpg_dsn(self.db.url)
        self._listener = await asyncpg.connect(dsn)
        self._publisher = await asyncpg.connect(dsn)
        await self._listener.add_listener(CHANNEL, self._on_notify)
        if self.config is not None:
            await self._listener.add_listener(config_signal.CHANNEL, self._on_config)
            # Whatever was cached before we listened may predate a change we did not hear.
            self.config.drop_all()

    async def stop(self) -> None:
        for conn in (self._listener, self._publisher):
            if conn is not None:
                await conn.close()
        self._listener = self._publisher = None

    async def publish(self, frames: list[Outgoing]) -> None:
        """Frames of no transaction (typing): notified on the broker's own connection."""
        if not frames or self._publisher is None:
            return
        payloads = [notify.encode(frame) for frame in frames]
        async with self._lock:  # one asyncpg connection serves one query at a time
            await self._publisher.execute(notify.PG_NOTIFY_ALL, CHANNEL, payloads)

    async def publish_committed(self, frames: list[Outgoing]) -> None:
        """Nothing to do: a transaction's frames were notified with its commit
        (``realtime.log.stamp_order``), and come back to this process as to any other."""

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        frame = notify.decode(payload)
        if isinstance(frame, int):
            asyncio.get_running_loop().create_task(self._deliver_ref(frame))
            return
        self.hub.deliver([frame])

    def _on_config(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        origin, names = config_signal.decode(payload)
        # The sender's own cache dropped these right after its commit.
        if self.config is not None and origin != self.config.origin:
            self.config.drop(names)

    async def _deliver_ref(self, event_id: int) -> None:
        async with self.db.session(write=False) as session:
            event = (await session.execute(select(Event).where(Event.seq == event_id))).scalar()
        if event is not None:
            self.hub.deliver([to_outgoing(event)])
        else:
            log.warning("event %s announced but not found", event_id)


def make_broker(hub: Hub, db: Database, *, config: ConfigCache | None = None) -> Broker:
    """The broker for ``db``; with ``config``, it also keeps that cache fresh."""
    if db.is_sqlite:
        return InProcessBroker(hub, db, config)
    return PostgresBroker(hub, db, config)
