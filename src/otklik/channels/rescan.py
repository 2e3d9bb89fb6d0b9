"""The pause of a channel supervisor between two looks at the inboxes, cut short when an
admin creates or changes an inbox in this process (so a new mailbox or bot starts at once,
not at the next scan)."""

from __future__ import annotations

import asyncio
import contextlib


class Rescan:
    """Make one in the loop that runs the supervisor (an asyncio event binds to its loop)."""

    def __init__(self) -> None:
        self._due = asyncio.Event()

    def wake(self) -> None:
        self._due.set()

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds``, or less when :meth:`wake` is called meanwhile."""
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
        # arrives as the event is set, and the supervisor then outlives its stop() for ever.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._due.wait()
        self._due.clear()
