"""Local fan-out: which sockets of this process listen to which stream, and their heartbeats.

A delivered frame is written straight to each live subscriber's socket (see ``wire.py``), in
the order the hub receives frames, so nothing waits on a per-socket task. A subscriber that
is still catching up (or resyncing) holds frames in a small queue made on its first frame.

Memory per socket stays bounded: a peer that does not read fills its transport buffer, then
its writes queue in the wire; past ``queue_size`` queued frames, those frames are dropped and
the socket is owed a "resync" (the ``on_overflow`` callback arranges it), so one slow client
holds no unbounded memory and slows nobody else.

Heartbeats come from one timer per process, ticking every half period: a socket that wrote
nothing since the previous tick gets one, so no socket stays silent much longer than a period.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from typing import Protocol

from otklik.core.events import Reach
from otklik.realtime.protocol import HEARTBEAT, Outgoing
from otklik.realtime.wire import Wire

DEFAULT_HEARTBEAT_SECONDS = 20.0


class Receiver(Protocol):
    """Anything the hub hands frames of a stream to."""

    def offer(self, frame: Outgoing) -> None: ...


class Subscriber:
    __slots__ = (
        "streams",
        "wire",
        "limit",
        "on_overflow",
        "floor",
        "overflowed",
        "task",
        "sees",
        "_holding",
        "_held",
    )

    def __init__(
        self,
        streams: Iterable[str],
        wire: Wire,
        limit: int,
        on_overflow: Callable[[Subscriber], None],
    ) -> None:
        self.streams = frozenset(streams)
        self.wire = wire
        self.limit = limit
        #: Called when a live subscriber falls too far behind; it must arrange the resync.
        self.on_overflow = on_overflow
        #: The highest event id written: an event at or below it is not written again.
        self.floor = 0
        #: Frames were dropped; the client is owed a resync.
        self.overflowed = False
        #: The socket's resync in progress, if any (the socket cancels it when it ends).
        self.task: asyncio.Task[None] | None = None
        #: An operator socket's access rule (``accounts.access.Scope.sees``): frames about a
        #: conversation it does not allow are not written. ``None``: it hears its streams whole.
        self.sees: Callable[[Reach], bool] | None = None
        self._holding = True
        self._held: deque[Outgoing] | None = None

    @property
    def live(self) -> bool:
        return not self._holding

    def offer(self, frame: Outgoing) -> None:
        if self.overflowed:
            return  # dropped: the coming resync covers it
        sees = self.sees
        if sees is not None and frame.reach is not None and not sees(frame.reach):
            return  # about a conversation this operator may not see
        if self._holding:
            held = self._held
            if held is None:
                held = self._held = deque()
            if len(held) >= self.limit:
                self._overflow()
            else:
                held.append(frame)
            return
        self._write(frame)
        if self.wire.backlog > self.limit:
            self._overflow()

    def hold(self) -> None:
        """Keep frames back (a resync is being prepared); ``release`` writes them."""
        self._holding = True

    def release(self, floor: int, first: str | None = None) -> None:
        """Go live after a catch-up or a resync written up to ``floor``: write ``first``,
        then what was held meanwhile (skipping events at or below the floor)."""
        self.floor = floor
        if first is not None:
            self.wire.write(first)
        held, self._held = self._held, None
        self._holding = False
        for frame in held or ():
            self._write(frame)
        if self.wire.backlog > self.limit:
            self._overflow()

    def owe_resync(self) -> None:
        """The client must refetch (what it may see changed): tell it as after an overflow."""
        if not self.overflowed:
            self._overflow()

    def heartbeat(self) -> None:
        wire = self.wire
        if not wire.quiet:
            wire.quiet = True  # wrote since the last tick: look again at the next one
        elif not self._holding and not wire.busy:
            wire.write(HEARTBEAT)

    def _write(self, frame: Outgoing) -> None:
        if frame.event_id is not None:
            if frame.event_id <= self.floor:
                return
            self.floor = frame.event_id
        self.wire.write(frame.text)

    def _overflow(self) -> None:
        was_live = not self._holding
        self.overflowed = True
        self._holding = True
        self._held = None
        self.wire.discard_backlog()
        if was_live:
            # Whoever holds the subscriber (catch-up, a resync) sees the flag when done.
            self.on_overflow(self)


class Hub:
    def __init__(
        self,
        queue_size: int = 1000,
        heartbeat_seconds: Callable[[], float] = lambda: DEFAULT_HEARTBEAT_SECONDS,
    ) -> None:
        self.queue_size = queue_size
        #: Read at every tick, so a changed setting applies from the next one.
        self.heartbeat_seconds = heartbeat_seconds
        self._by_stream: dict[str, set[Receiver]] = defaultdict(set)
        self._subscribers: set[Subscriber] = set()
        self._ticker: asyncio.TimerHandle | None = None

    def subscribe(
        self,
        streams: Iterable[str],
        wire: Wire,
        on_overflow: Callable[[Subscriber], None],
        sees: Callable[[Reach], bool] | None = None,
    ) -> Subscriber:
        subscriber = Subscriber(streams, wire, self.queue_size, on_overflow)
        subscriber.sees = sees
        for stream in subscriber.streams:
            self._by_stream[stream].add(subscriber)
        self._subscribers.add(subscriber)
        if self._ticker is None:
            self._arm()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        for stream in subscriber.streams:
            self.remove_receiver(stream, subscriber)
        self._subscribers.discard(subscriber)
        if not self._subscribers and self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def add_receiver(self, stream: str, receiver: Receiver) -> None:
        """A listener inside the process (not a socket) for the frames of ``stream``."""
        self._by_stream[stream].add(receiver)

    def remove_receiver(self, stream: str, receiver: Receiver) -> None:
        members = self._by_stream.get(stream)
        if members is not None:
            members.discard(receiver)
            if not members:
                del self._by_stream[stream]

    def deliver(self, frames: Iterable[Outgoing]) -> None:
        by_stream = self._by_stream
        for frame in frames:
            members = by_stream.get(frame.stream)
            if members:
                for receiver in tuple(members):
                    receiver.offer(frame)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def _arm(self) -> None:
        period = max(0.01, self.heartbeat_seconds() / 2)
        self._ticker = asyncio.get_running_loop().call_later(period, self._tick)

    def _tick(self) -> None:
        self._ticker = None
        for subscriber in tuple(self._subscribers):
            subscriber.heartbeat()
        if self._subscribers:
            self._arm()
