"""Who an operator's socket belongs to, without a database read per socket.

A thousand operators reconnecting at once (a deploy, a network blip) would each read their
session row. This per-process cache maps a token's digest to the agent it signed in, for at
most ``ttl`` seconds. Revocation is pushed, not waited out: the accounts service stages a
``revoked`` frame on ``STREAM_SESSIONS`` in the transaction that signs out, deactivates or
changes a password; after commit the broker hands it to the hub of *every* process (NOTIFY
on PostgreSQL), and ``offer`` below drops the cached tokens and closes the sockets they
opened. The TTL only bounds how stale an entry may get if such a frame were lost.

A read racing a revocation (the database answered "valid" just before the revoking commit,
the frame arrived while we waited) is caught by an epoch counter: the answer is thrown
away and read again. The same holds for a socket that shared another's read.

Sessions also end without a revocation: after the idle timeout or at their absolute
expiry, and a ``revoked`` frame could be lost with a process that died between commit and
publish. So every ``recheck_seconds`` one query asks which of the sessions holding sockets
here are still live, and the sockets of the others are closed the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from otklik.accounts import policy, twofactor
from otklik.accounts import sessions as accounts
from otklik.config import Settings
from otklik.core import security
from otklik.core.clock import utcnow
from otklik.core.db import Database
from otklik.realtime.hub import Hub
from otklik.realtime.protocol import STREAM_SESSIONS, Outgoing, error_frame
from otklik.realtime.wire import Wire

log = logging.getLogger(__name__)

REVOKED_CLOSE_CODE = 4401
REVOKED_MESSAGE = "Your session has ended. Sign in again."


@dataclass(frozen=True, slots=True)
class Identity:
    """What a socket needs to know about its operator."""

    agent_id: int
    name: str
    auth_session_id: int
    expires_at: datetime


class SocketAuth:
    def __init__(
        self,
        db: Database,
        hub: Hub,
        *,
        settings: Settings,
        ttl: float = 60.0,
        recheck_seconds: float = 30.0,
        max_entries: int = 10_000,
    ) -> None:
        self.db = db
        self.settings = settings
        self.ttl = ttl
        self.recheck_seconds = recheck_seconds
        self._rechecker: asyncio.Task[None] | None = None
        self.max_entries = max_entries
        #: token digest → (identity, monotonic time it was read)
        self._cache: OrderedDict[str, tuple[Identity, float]] = OrderedDict()
        self._epoch = 0
        self._reading: dict[str, asyncio.Future[Identity | None]] = {}
        self._wires: dict[int, set[Wire]] = defaultdict(set)  # auth session id → its sockets
        self._sessions_of: dict[int, set[int]] = defaultdict(set)  # agent id → session ids
        self.reads = 0  # database reads made (tests assert that the cache spares them)
        hub.add_receiver(STREAM_SESSIONS, self)

    def start(self) -> None:
        """Begin the periodic re-check of the sessions that hold sockets."""
        if self._rechecker is None:
            self._rechecker = asyncio.get_running_loop().create_task(self._recheck_forever())

    async def stop(self) -> None:
        if self._rechecker is not None:
            self._rechecker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._rechecker
            self._rechecker = None

    async def identify(self, token: str) -> Identity | None:
        while True:
            epoch = self._epoch
            identity = await self._identify(token)
            # A session that ended while we waited (for our read or for a shared one) must
            # not be handed out: ask again, the cache has forgotten it by now.
            if identity is None or epoch == self._epoch:
                return identity

    async def _identify(self, token: str) -> Identity | None:
        digest = security.token_digest(token)
        hit = self._cache.get(digest)
        if hit is not None:
            identity, read_at = hit
            if time.monotonic() - read_at < self.ttl and identity.expires_at > utcnow():
                return identity
            del self._cache[digest]
        # Sockets of one session reconnecting together share one read.
        pending = self._reading.get(digest)
        if pending is not None:
            return await asyncio.shield(pending)
        pending = self._reading[digest] = asyncio.get_running_loop().create_future()
        try:
            identity_or_none = await self._read(token, digest)
        except BaseException as exc:
            pending.set_exception(exc)
            pending.exception()  # retrieved: the sharers (if any) see it too
            raise
        else:
            pending.set_result(identity_or_none)
            return identity_or_none
        finally:
            del self._reading[digest]

    async def _read(self, token: str, digest: str) -> Identity | None:
        while True:
            epoch = self._epoch
            self.reads += 1
            async with self.db.session(write=False) as session:
                found = await accounts.resolve_token(session, token, idle=self._idle)
                roles = await policy.required_2fa_roles(session, self.settings)
            if epoch == self._epoch:
                break  # no session ended while we read: the answer stands
        if found is None:
            return None  # unknown tokens are not cached: guessing fills no memory
        agent, auth_session = found
        if twofactor.setup_required(agent, roles):
            return None  # their role must use 2FA first (the HTTP API says so, too)
        identity = Identity(agent.id, agent.name, auth_session.id, auth_session.expires_at)
        self._cache[digest] = (identity, time.monotonic())
        if len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)
        return identity

    def track(self, identity: Identity, wire: Wire) -> None:
        """Close ``wire`` when the identity's session ends."""
        self._wires[identity.auth_session_id].add(wire)
        self._sessions_of[identity.agent_id].add(identity.auth_session_id)

    def untrack(self, identity: Identity, wire: Wire) -> None:
        wires = self._wires.get(identity.auth_session_id)
        if wires is None:
            return
        wires.discard(wire)
        if not wires:
            del self._wires[identity.auth_session_id]
            sessions = self._sessions_of.get(identity.agent_id)
            if sessions is not None:
                sessions.discard(identity.auth_session_id)
                if not sessions:
                    del self._sessions_of[identity.agent_id]

    def offer(self, frame: Outgoing) -> None:
        """A ``revoked`` frame from the hub (this process's commit or another's)."""
        body = json.loads(frame.text)
        if body.get("type") != "revoked":
            return
        self._epoch += 1
        session_id, agent_id = body.get("auth_session_id"), body.get("agent_id")
        ended: set[int] = set()
        if isinstance(session_id, int):
            ended.add(session_id)
        ids = body.get("auth_session_ids")
        if isinstance(ids, list):
            ended.update(i for i in ids if isinstance(i, int))
        if isinstance(agent_id, int):
            ended.update(self._sessions_of.get(agent_id, ()))
        self._end(ended, agent_id=agent_id if isinstance(agent_id, int) else None)

    def _end(self, ended: set[int], *, agent_id: int | None = None) -> None:
        """Forget the sessions and close their sockets (nothing is written after this)."""
        stale = [
            digest
            for digest, (identity, _) in self._cache.items()
            if identity.auth_session_id in ended or identity.agent_id == agent_id
        ]
        for digest in stale:
            del self._cache[digest]
        for ended_id in ended:
            for wire in tuple(self._wires.get(ended_id, ())):
                if not wire.closed:
                    wire.write(error_frame("unauthorized", REVOKED_MESSAGE))
                    wire.close(REVOKED_CLOSE_CODE)

    @property
    def _idle(self) -> timedelta:
        return timedelta(hours=self.settings.session_idle_hours)

    async def recheck(self) -> None:
        """Close the sockets of sessions that ended without a ``revoked`` frame."""
        tracked = list(self._wires)
        if not tracked:
            return
        async with self.db.session(write=False) as session:
            live = await accounts.live_session_ids(session, ids=tracked, idle=self._idle)
        self._end(set(tracked) - live)

    async def _recheck_forever(self) -> None:
        while True:
            await asyncio.sleep(self.recheck_seconds)
            try:
                await self.recheck()
            except Exception:  # a database hiccup: try again next round
                log.exception("re-checking the sockets' sessions failed")
