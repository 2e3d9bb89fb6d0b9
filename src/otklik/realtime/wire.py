"""One socket's outgoing side: frames written in order, at once, from any callback.

A socket used to own a sender task that slept on its queue; a thousand idle sockets were a
thousand more tasks, and every live frame woke each of them. Here a write is made by
whoever has the frame (the hub's delivery, the heartbeat timer, the socket's own task),
synchronously: the ASGI server's ``send`` writes to the transport and returns without
suspending unless the peer reads slowly (the write buffer is above its high-water mark).

So ``send`` is driven by hand: its coroutine is stepped once, and when it finishes in that
step (the usual case) no task and no loop iteration were involved. When it suspends, a task
takes the coroutine over as soon as what it waits for is done (a task may only resume a
coroutine whose awaited future has completed), later frames queue behind it in order, and
the queue is written once it finishes. ``backlog`` tells the hub how far behind the peer is.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]


class Wire:
    __slots__ = ("_send", "_backlog", "_task", "_parked", "_drain_waiters", "closed", "quiet")

    def __init__(self, send: Send) -> None:
        self._send = send
        #: Messages waiting behind a write that had to wait; ``None`` while none is waiting.
        self._backlog: deque[Message] | None = None
        self._task: asyncio.Task[None] | None = None
        #: A suspended write whose awaited future is not done yet.
        self._parked: tuple[Coroutine[Any, Any, None], asyncio.Future[Any]] | None = None
        self._drain_waiters: list[asyncio.Future[None]] | None = None
        #: No more writes: closed by us, or the peer is gone.
        self.closed = False
        #: Nothing written since the heartbeat timer last looked (it clears this flag).
        self.quiet = True

    @property
    def backlog(self) -> int:
        return len(self._backlog) if self._backlog is not None else 0

    @property
    def busy(self) -> bool:
        """A write is waiting for the peer to read."""
        return self._backlog is not None

    def write(self, text: str) -> None:
        self._push({"type": "websocket.send", "text": text})

    def close(self, code: int) -> None:
        """Send the close frame after what is queued; nothing is written after it."""
        self._push({"type": "websocket.close", "code": code})
        self.closed = True

    def discard_backlog(self) -> None:
        """Drop what waits behind the write in progress (the client will resync)."""
        if self._backlog is not None:
            self._backlog.clear()

    async def drained(self) -> None:
        """Wait until every queued message has been handed to the server."""
        if self._backlog is None:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._drain_waiters is None:
            self._drain_waiters = []
        self._drain_waiters.append(waiter)
        await waiter

    def abort(self) -> None:
        """The socket is over: stop writing and let go of any suspended write."""
        self.closed = True
        self._backlog = None
        self._wake_drain_waiters()
        if self._parked is not None:
            coro, future = self._parked
            self._parked = None
            future.remove_done_callback(self._resume)
            coro.close()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    # --- internals ------------------------------------------------------------------------

    def _push(self, message: Message) -> None:
        if self.closed:
            return
        self.quiet = False
        if self._backlog is not None:
            self._backlog.append(message)
        else:
            self._step(message)

    def _step(self, message: Message) -> bool:
        """Start writing ``message``; True when it was written without waiting."""
        awaitable = self._send(message)
        if not asyncio.iscoroutine(awaitable):  # not a coroutine: let a task await it
            self._wait_in_task(_await(awaitable))
            return False
        coro: Coroutine[Any, Any, None] = awaitable
        try:
            yielded = coro.send(None)
        except StopIteration:
            return True
        except Exception:  # the peer is gone (the server raises an OSError)
            self.abort()
            return True
        if self._backlog is None:
            self._backlog = deque()
        if yielded is None:  # a bare yield (sleep(0)): a task may resume it at once
            self._wait_in_task(coro)
        elif isinstance(yielded, asyncio.Future):
            yielded._asyncio_future_blocking = False
            self._parked = (coro, yielded)
            yielded.add_done_callback(self._resume)
        else:
            coro.close()
            self.abort()
            raise RuntimeError(f"ASGI send yielded {yielded!r}, not a future")
        return False

    def _resume(self, _future: asyncio.Future[Any]) -> None:
        if self._parked is None:
            return
        coro, _ = self._parked
        self._parked = None
        self._wait_in_task(coro)

    def _wait_in_task(self, coro: Coroutine[Any, Any, None]) -> None:
        if self._backlog is None:
            self._backlog = deque()
        self._task = asyncio.get_running_loop().create_task(coro)
        self._task.add_done_callback(self._written)

    def _written(self, task: asyncio.Task[None]) -> None:
        self._task = None
        if task.cancelled():
            return
        if task.exception() is not None:
            self.abort()
            return
        backlog = self._backlog
        while backlog and self._backlog is backlog:
            if not self._step(backlog.popleft()):
                return  # waiting again; the rest stays queued behind it
        if self._backlog is backlog:
            self._backlog = None
            self._wake_drain_waiters()

    def _wake_drain_waiters(self) -> None:
        waiters, self._drain_waiters = self._drain_waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)


async def _await(awaitable: Awaitable[None]) -> None:
    await awaitable
