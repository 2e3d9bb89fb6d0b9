"""Operators' sockets keep their access scope in memory, and take a new one when it changes.

A live frame about a conversation is written to an operator's socket only if the socket's
scope sees it (``Subscriber.sees``): a few set lookups, no database read per frame. When
roles or memberships change, the transaction stages a notice on ``STREAM_SCOPES``
(``accounts.access.changed``) that every process hears after the commit; each then reads the
scopes of its connected operators once, gives every socket whose scope moved the new one
and owes it a ``resync`` (so the client refetches its lists under the new rule).

Between the commit and that read (milliseconds) a socket filters with its old scope.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from otklik.accounts import access
from otklik.core.db import Database
from otklik.realtime.hub import Hub, Subscriber
from otklik.realtime.protocol import STREAM_SCOPES, Outgoing

log = logging.getLogger(__name__)


class ScopeKeeper:
    """The operators' sockets of this process, by agent, with the scope each filters by."""

    def __init__(self, db: Database, hub: Hub) -> None:
        self._db = db
        self._by_agent: defaultdict[int, dict[Subscriber, access.Scope]] = defaultdict(dict)
        self._task: asyncio.Task[None] | None = None
        self._again = False
        hub.add_receiver(STREAM_SCOPES, self)

    async def scope_for(self, agent_id: int) -> access.Scope | None:
        """The operator's scope read now (``None``: no such agent)."""
        async with self._db.session(write=False) as session:
            return (await access.fresh_scopes(session, [agent_id])).get(agent_id)

    def watch(self, subscriber: Subscriber, scope: access.Scope) -> None:
        subscriber.sees = None if scope.everything else scope.sees
        self._by_agent[scope.agent_id][subscriber] = scope

    def forget(self, subscriber: Subscriber, agent_id: int) -> None:
        sockets = self._by_agent.get(agent_id)
        if sockets is not None:
            sockets.pop(subscriber, None)
            if not sockets:
                del self._by_agent[agent_id]

    def offer(self, frame: Outgoing) -> None:
        """A notice that scopes changed somewhere: re-read ours (once, however many come)."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.get_running_loop().create_task(self._refresh())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _refresh(self) -> None:
        self._again = True
        while self._again:
            self._again = False
            try:
                async with self._db.session(write=False) as session:
                    scopes = await access.fresh_scopes(session, list(self._by_agent))
            except Exception:  # a failed read keeps the old scopes; the next notice retries
                log.exception("could not re-read operators' scopes")
                return
            for agent_id, sockets in list(self._by_agent.items()):
                new = scopes.get(agent_id)
                for subscriber, old in list(sockets.items()):
                    if new is None or new == old:
                        continue
                    self.watch(subscriber, new)
                    subscriber.owe_resync()
