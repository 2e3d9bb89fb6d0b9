"""Local fan-out: which sockets of this process listen to which stream.

Each socket owns a bounded queue. A slow client whose queue fills up may not hold memory or
slow everybody else: its queue is emptied and replaced by one "resync" marker; the socket
then tells the client to refetch and carries on with live events.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable

from otklik.realtime.protocol import Outgoing

#: Put in a subscriber's queue in place of the frames it could not hold.
RESYNC_MARKER = Outgoing(stream="", text="")


class Subscriber:
    def __init__(self, streams: Iterable[str], queue_size: int) -> None:
        self.streams = frozenset(streams)
        self.queue: asyncio.Queue[Outgoing] = asyncio.Queue(maxsize=queue_size)
        self.overflowed = False

    def offer(self, frame: Outgoing) -> None:
        if self.overflowed:
            return  # dropped: the coming resync covers it
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC_MARKER)


class Hub:
    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._by_stream: dict[str, set[Subscriber]] = defaultdict(set)

    def subscribe(self, streams: Iterable[str]) -> Subscriber:
        subscriber = Subscriber(streams, self.queue_size)
        for stream in subscriber.streams:
            self._by_stream[stream].add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        for stream in subscriber.streams:
            members = self._by_stream.get(stream)
            if members is not None:
                members.discard(subscriber)
                if not members:
                    del self._by_stream[stream]

    def deliver(self, frames: Iterable[Outgoing]) -> None:
        for frame in frames:
            for subscriber in tuple(self._by_stream.get(frame.stream, ())):
                subscriber.offer(frame)
