"""Background loops stop when told to, even when told at an awkward moment.

An admin's change wakes a channel supervisor at the very moment the server shuts down: the
wake and the cancellation arrive together. On Python 3.11 ``asyncio.wait_for`` then returned as
if woken and dropped the cancellation, so the supervisor ran on and the shutdown waited for it
for ever (it hung the suite's teardown on a busy machine)."""

from __future__ import annotations

import asyncio

import pytest

from otklik.channels.rescan import Rescan


async def test_a_pause_cancelled_as_it_is_woken_stays_cancelled() -> None:
    rescan = Rescan()
    pausing = asyncio.create_task(rescan.pause(60))
    await asyncio.sleep(0)  # the pause is waiting
    rescan.wake()
    pausing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pausing


async def test_a_woken_pause_ends_at_once_and_the_next_one_waits() -> None:
    rescan = Rescan()
    rescan.wake()
    async with asyncio.timeout(5):
        await rescan.pause(60)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await rescan.pause(60)
