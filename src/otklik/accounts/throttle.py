"""Sign-in throttling without CAPTCHAs, in the database so every worker process agrees.

Two kinds of key, each one row in ``login_throttle``:

* the **account** (``account:<email>``, known or not, so the answer reveals nothing), or,
  for a browser that signed in to that account before, its **device** (``device:<id>``, from
  a signed cookie): after ``free`` failures every further failure doubles the wait, up to a
  maximum. A stranger guessing an operator's password therefore never locks the operator
  out of the browser they use every day (OWASP's "device cookies").
* the **address** (``ip:<address>``): a much higher ceiling of failures per hour, against
  password spraying from one place. A device that signed in to the account before passes
  it, so failures for made-up emails from an office's shared address never keep its
  operators out.

A check is one primary-key read of at most two rows; a failure is one upsert per key; a
success deletes the account's (or device's) row. A refused attempt writes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import LoginThrottle
from otklik.core.clock import utcnow
from otklik.core.db import insert_for
from otklik.core.errors import AppError

IP_WINDOW = timedelta(hours=1)
#: Counts of an account with no failure for this long start again from zero.
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    free: int = 5
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    ip_failures_per_hour: int = 100


def account_key(email: str) -> str:
    return f"account:{email.strip().lower()[:320]}"


def device_key(device_id: str) -> str:
    return f"device:{device_id}"


def ip_key(ip: str) -> str:
    return f"ip:{ip}"


def rate_limited(retry_after: float) -> AppError:
    seconds = max(1, math.ceil(retry_after))
    return AppError(
        429,
        "rate_limited",
        f"Too many failed sign-in attempts. Try again in {seconds} seconds.",
        headers={"Retry-After": str(seconds)},
    )


async def check(
    session: AsyncSession, *, subject_key: str, ip: str | None, policy: ThrottlePolicy
) -> None:
    """Raise 429 (with Retry-After) when ``subject_key`` or the address must wait.

    ``ip`` is ``None`` for a device that signed in to the account before: the address
    ceiling does not hold it back."""
    keys = [subject_key] + ([ip_key(ip)] if ip is not None else [])
    rows = {
        row.key: row
        for row in (
            await session.execute(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
        ).scalars()
    }
    now = utcnow()
    waits = [0.0]
    subject = rows.get(subject_key)
    if subject is not None and subject.blocked_until is not None and subject.blocked_until > now:
        waits.append((subject.blocked_until - now).total_seconds())
    address = rows.get(ip_key(ip)) if ip is not None else None
    if (
        address is not None
        and address.window_started_at + IP_WINDOW > now
        and address.failures >= policy.ip_failures_per_hour
    ):
        waits.append((address.window_started_at + IP_WINDOW - now).total_seconds())
    if max(waits) > 0:
        raise rate_limited(max(waits))


async def record_failure(
    session: AsyncSession, *, subject_key: str, ip: str, policy: ThrottlePolicy
) -> None:
    """Count a failure against the subject (backoff) and the address (hourly ceiling).

    Both counts are incremented by the upsert itself, so failures arriving at once in
    several worker processes are all counted."""
    now = utcnow()
    insert = insert_for(session.get_bind().dialect.name)
    stale = LoginThrottle.last_failure_at <= now - FORGET_AFTER
    subject = insert(LoginThrottle).values(
        key=subject_key, failures=1, window_started_at=now, last_failure_at=now
    )
    failures = await session.scalar(
        subject.on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "failures": case((stale, 1), else_=LoginThrottle.failures + 1),
                "last_failure_at": now,
            },
        ).returning(LoginThrottle.failures)
    )
    await session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == subject_key)
        .values(blocked_until=_blocked_until(int(failures or 1), now, policy))
    )
    expired = LoginThrottle.window_started_at <= now - IP_WINDOW
    address = insert(LoginThrottle).values(
        key=ip_key(ip), failures=1, window_started_at=now, last_failure_at=now
    )
    await session.execute(
        address.on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "failures": case((expired, 1), else_=LoginThrottle.failures + 1),
                "window_started_at": case(
                    (expired, literal(now, LoginThrottle.window_started_at.type)),
                    else_=LoginThrottle.window_started_at,
                ),
                "last_failure_at": now,
            },
        )
    )


def _blocked_until(failures: int, now: datetime, policy: ThrottlePolicy) -> datetime | None:
    if failures < policy.free:
        return None
    wait = min(
        policy.backoff_seconds * 2 ** min(failures - policy.free, 32), policy.backoff_max_seconds
    )
    return now + timedelta(seconds=wait)


async def record_success(session: AsyncSession, *, subject_key: str) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == subject_key))


async def prune(session: AsyncSession) -> None:
    """Forget keys with no failure for a day (their counts would start again anyway)."""
    await session.execute(
        delete(LoginThrottle).where(LoginThrottle.last_failure_at < utcnow() - FORGET_AFTER)
    )
