"""Accounts' housekeeping: sign-in attempts older than the rate limit's window."""

from __future__ import annotations

from otklik.accounts.service import prune_login_attempts
from otklik.jobs.housekeeping import prune_step
from otklik.jobs.registry import JobContext


@prune_step
async def prune_accounts(ctx: JobContext) -> None:
    await prune_login_attempts(ctx.session)
