"""This process's part in presence: which operators hold sockets here (issue 12).

Every ``beat`` seconds the keeper writes ``seen_at`` for the operators connected to this
process and sweeps, through the accounts service, the operators no process has seen for the
grace period (offline) and those idle too long (away). An operator's first socket here
brings back the status the system took from them; their last one closing here writes
``seen_at`` at once, so the grace period counts from the moment they left. The rules and the
writes are in ``accounts/presence.py``; nothing here needs the other processes: the database
is where they meet.

The first sweep waits for one grace period after the process starts: after a restart the
operators' sockets need a moment to come back, and they must not all blink offline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from datetime import timedelta

from otklik.accounts import service as accounts
from otklik.config import Settings
from otklik.core.clock import utcnow
from otklik.core.db import Database

log = logging.getLogger(__name__)
#: The longest pause between two ``seen_at`` writes for a connected operator.
MAX_BEAT_SECONDS = 15.0
#: Activity is written at most this often per operator (a quarter of the idle time if less).
ACTIVITY_WRITE_SECONDS = 30.0


class PresenceKeeper:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.grace = timedelta(seconds=settings.presence_grace_seconds)
        minutes = settings.presence_away_minutes
        self.idle = timedelta(minutes=minutes) if minutes > 0 else None
        self.beat = min(settings.presence_grace_seconds / 3, MAX_BEAT_SECONDS)
        self.activity_every = ACTIVITY_WRITE_SECONDS
        if self.idle is not None:
            self.activity_every = min(ACTIVITY_WRITE_SECONDS, self.idle.total_seconds() / 4)
        self._sockets: Counter[int] = Counter()
        self._active_written: dict[int, float] = {}
        #: Operators brought back (:meth:`returned`) since their first socket here opened;
        #: their other sockets need no write of their own (see :meth:`returned`).
        self._returned: set[int] = set()
        self._returning: dict[int, asyncio.Lock] = {}
        self._started = time.monotonic()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._started = time.monotonic()
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def connected(self) -> set[int]:
        """The operators with a socket open in this process."""
        return set(self._sockets)

    def opened(self, agent_id: int) -> None:
        """An operator's socket is served from now on (:meth:`closed` when it ends)."""
        self._sockets[agent_id] += 1

    async def returned(self, agent_id: int) -> None:
        """The socket is live: a status the system took while they were gone comes back
        (after ``ready``, so the socket hears the presence frame itself). A failed write is
        logged, not fatal: the next beat vouches for them anyway.

        Written once per operator while any of their sockets stays open here: from then on
        the beats vouch for them, so the system takes nothing from them for being gone. A
        supervisor's screen of a thousand sockets (or a thousand tabs reconnecting after a
        restart) used to queue a thousand writes ahead of the customers' messages: on
        PostgreSQL a message sent just then waited 1.3 s (``bench.run --only fanout``). Their
        sockets wait for the one write instead. A failed beat forgets who was brought back,
        since the system may have taken their status meanwhile."""
        lock = self._returning.setdefault(agent_id, asyncio.Lock())
        async with lock:
            if agent_id in self._returned:
                return
            try:
                async with self.db.session(write=True) as session:
                    await accounts.agent_returned(session, agent_id=agent_id, active=False)
            except Exception:
                log.warning(
                    "bringing back the presence of agent %s failed", agent_id, exc_info=True
                )
                return
            if self._sockets[agent_id] > 0:  # not closed meanwhile
                self._returned.add(agent_id)

    async def closed(self, agent_id: int) -> None:
        """An operator's socket is gone; their last one here: seen until now."""
        self._sockets[agent_id] -= 1
        if self._sockets[agent_id] > 0:
            return
        del self._sockets[agent_id]
        self._active_written.pop(agent_id, None)
        self._returned.discard(agent_id)
        lock = self._returning.get(agent_id)
        if lock is not None and not lock.locked():
            del self._returning[agent_id]
        async with self.db.session(write=True) as session:
            await accounts.mark_seen(session, agent_ids=[agent_id], now=utcnow())

    async def active(self, agent_id: int) -> None:
        """The operator used the workspace (written at most every ``activity_every``
        seconds: well within the idle time, so one who was shown away always comes back)."""
        now = time.monotonic()
        last = self._active_written.get(agent_id)
        if last is not None and now - last < self.activity_every:
            return
        self._active_written[agent_id] = now
        async with self.db.session(write=True) as session:
            await accounts.agent_returned(session, agent_id=agent_id, active=True)

    async def sweep(self) -> list[tuple[int, str]]:
        """One round: vouch for this process's operators, then expire the others."""
        connected = self.connected
        async with self.db.session(write=True) as session:
            if connected:
                await accounts.mark_seen(session, agent_ids=connected, now=utcnow())
            if time.monotonic() - self._started < self.grace.total_seconds():
                return []
            return await accounts.expire_presence(session, grace=self.grace, idle=self.idle)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.beat)
            try:
                await self.sweep()
            except Exception:  # the database is busy or restarting: the next beat tries again
                log.warning("presence sweep failed", exc_info=True)
                self._returned.clear()
