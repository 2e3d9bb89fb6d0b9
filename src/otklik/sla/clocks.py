"""Keeping each conversation's SLA/OLA clocks, inside the change's transaction.

Everything here is synchronous work on a :class:`~sqlalchemy.engine.Connection`, from the
cached :class:`~otklik.sla.policies.SlaConfig`: the same functions serve a write without a
session (the visitor's message, ``core/unit.py``: :func:`quiet_for` does its work there with
one statement) and the ORM path (the subscribers in ``sla/subscribers.py`` run them through
``session.run_sync``). Nothing reads policies from the database per event.

A clock's ``due_at`` is the business-time deadline; pausing (pending, snoozed) keeps what was
left in ``remaining_s`` and clears ``due_at``; resuming computes a new ``due_at`` from now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, column, select, update
from sqlalchemy import table as _table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from otklik.conversations.schemas import ConversationOut
from otklik.core import pg_raw, sqlite_raw
from otklik.core.db import Json
from otklik.sla.business_time import (
    BusinessCalendar,
    NoBusinessTime,
    add_business_seconds,
    business_seconds_between,
)
from otklik.sla.models import OLA_TARGETS, SlaClock
from otklik.sla.policies import Policy, SlaConfig

CLOCKS: Table = SlaClock.__table__  # type: ignore[assignment]
_C = CLOCKS.c
LIVE = ("running", "breached")


_CONTACTS = _table("contacts", column("id"), column("attributes", Json))


def choose(
    conn: Connection,
    config: SlaConfig,
    kind: str,
    conv: ConversationOut,
    *,
    team_id: int | None = None,
) -> Policy | None:
    """The policy of ``kind`` that applies; reads the contact's attributes (one SELECT) only
    when some policy has a contact condition."""
    attributes: dict[str, Any] | None = None
    if config.needs_contact:
        found = conn.execute(
            select(_CONTACTS.c.attributes).where(_CONTACTS.c.id == conv.contact.id)
        ).scalar()
        attributes = found if isinstance(found, dict) else {}
    return config.choose(kind, conv, team_id=team_id, contact_attributes=attributes)


def _due(cal: BusinessCalendar, start: datetime, seconds: float) -> datetime | None:
    try:
        return add_business_seconds(cal, start, max(seconds, 0))
    except NoBusinessTime:
        return None


def _insert_new(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert clocks that do not exist yet (an existing one is left as it is)."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(CLOCKS).on_conflict_do_nothing(
        index_elements=["conversation_id", "target"]
    )
    conn.execute(stmt, rows)


def _clock(
    conversation_id: int,
    target: str,
    policy: Policy,
    minutes: int,
    cal: BusinessCalendar,
    start: datetime,
    *,
    state: str = "running",
) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "target": target,
        "policy_id": policy.id,
        "state": state,
        "started_at": start,
        "due_at": _due(cal, start, minutes * 60) if state == "running" else None,
        "target_s": minutes * 60,
        "remaining_s": None,
        "met_at": start if state == "met" else None,
        "breached_at": None,
        "warned_at": None,
    }


def start_sla(conn: Connection, config: SlaConfig, conv: ConversationOut, start: datetime) -> None:
    """A new conversation: its first-response and resolution clocks, if a policy applies."""
    policy = choose(conn, config, "sla", conv)
    if policy is None or conv.status == "resolved":
        return
    cal = config.calendar_for(policy, conv)
    rows = []
    for target in ("first_response", "resolution"):
        minutes = policy.minutes(conv.priority, target)
        if minutes:
            rows.append(_clock(conv.id, target, policy, minutes, cal, start))
    _insert_new(conn, rows)


# A customer's message restarts a met next-response clock: the visitor's hot path (ADR 19),
# so on SQLite and PostgreSQL it goes straight to the driver (``core/sqlite_raw.py``,
# ``core/pg_raw.py``) like the message's own statements; Core elsewhere.
_RESTART_SET = (
    "state = 'running', policy_id = {0}, started_at = {1}, due_at = {2}, target_s = {3}, "
    "remaining_s = NULL, met_at = NULL, breached_at = NULL, warned_at = NULL"
)
_RESTART_WHERE = (
    "conversation_id = {4} AND target = 'next_response' AND state IN ('met', 'stopped')"
)
_SQLITE_RESTART = ("UPDATE sla_clocks SET " + _RESTART_SET + " WHERE " + _RESTART_WHERE).format(
    *["?"] * 5
)
_PG_RESTART = ("UPDATE sla_clocks SET " + _RESTART_SET + " WHERE " + _RESTART_WHERE).format(
    *[f"${n}" for n in range(1, 6)]
)
_RESTART = (
    update(CLOCKS)
    .where(
        _C.conversation_id == bindparam("conversation_id"),
        _C.target == "next_response",
        _C.state.in_(("met", "stopped")),
    )
    .values(
        state="running",
        policy_id=bindparam("policy_id"),
        started_at=bindparam("started_at"),
        due_at=bindparam("due_at"),
        target_s=bindparam("target_s"),
        remaining_s=None,
        met_at=None,
        breached_at=None,
        warned_at=None,
    )
)
_RESTART_ORDER = ("policy_id", "started_at", "due_at", "target_s", "conversation_id")


def customer_wrote(
    conn: Connection, config: SlaConfig, conv: ConversationOut, at: datetime
) -> None:
    """Restart the next-response clock if it was met (an operator answered last): one
    UPDATE, nothing when no policy applies or the clock already runs."""
    policy = choose(conn, config, "sla", conv)
    if policy is None:
        return
    minutes = policy.minutes(conv.priority, "next_response")
    if not minutes:
        return
    values = {
        "policy_id": policy.id,
        "started_at": at,
        "due_at": _due(config.calendar_for(policy, conv), at, minutes * 60),
        "target_s": minutes * 60,
        "conversation_id": conv.id,
    }
    raw = sqlite_raw.handle(conn)
    if raw is not None:
        codec = sqlite_raw.codec(CLOCKS, conn.dialect)
        raw.execute(_SQLITE_RESTART, codec.params(_RESTART_ORDER, values))
        return
    pg = pg_raw.handle(conn)
    if pg is not None:
        codec = sqlite_raw.codec(CLOCKS, conn.dialect)
        pg_raw.execute(pg, _PG_RESTART, *codec.params(_RESTART_ORDER, values))
        return
    conn.execute(_RESTART, values)


def operator_wrote(
    conn: Connection, config: SlaConfig, conv: ConversationOut, at: datetime, *, private: bool
) -> None:
    """An operator's reply meets the response clocks (a private note only the OLA one, the
    2nd line answering the 1st), and leaves the next-response clock ready to restart."""
    targets: tuple[str, ...] = ("ola_response",)
    if not private:
        targets += ("first_response", "next_response")
    conn.execute(
        update(CLOCKS)
        .where(
            _C.conversation_id == conv.id, _C.target.in_(targets), _C.state.in_((*LIVE, "paused"))
        )
        .values(state="met", met_at=at, due_at=None, remaining_s=None)
    )
    if private:
        return
    policy = choose(conn, config, "sla", conv)
    minutes = policy.minutes(conv.priority, "next_response") if policy is not None else None
    if policy is not None and minutes:
        cal = config.calendar_for(policy, conv)
        _insert_new(conn, [_clock(conv.id, "next_response", policy, minutes, cal, at, state="met")])


def start_ola(
    conn: Connection, config: SlaConfig, conv: ConversationOut, to_team_id: int, at: datetime
) -> None:
    """An escalation starts the receiving team's own targets (restarting earlier ones)."""
    policy = choose(conn, config, "ola", conv, team_id=to_team_id)
    if policy is None:
        return
    cal = config.calendar_for(policy, conv, team_id=to_team_id)
    rows = []
    for target, key in (("ola_response", "response"), ("ola_resolution", "resolution")):
        minutes = policy.minutes(conv.priority, key)
        if minutes:
            rows.append(_clock(conv.id, target, policy, minutes, cal, at))
    conn.execute(CLOCKS.delete().where(_C.conversation_id == conv.id, _C.target.in_(OLA_TARGETS)))
    _insert_new(conn, rows)


def hand_back(conn: Connection, conversation_id: int, at: datetime) -> None:
    """The 2nd line hands the conversation back: its OLA clocks stop (resolution met)."""
    conn.execute(
        update(CLOCKS)
        .where(
            _C.conversation_id == conversation_id,
            _C.target == "ola_resolution",
            _C.state.in_((*LIVE, "paused")),
        )
        .values(state="met", met_at=at, due_at=None, remaining_s=None)
    )
    conn.execute(
        update(CLOCKS)
        .where(
            _C.conversation_id == conversation_id,
            _C.target == "ola_response",
            _C.state.in_((*LIVE, "paused")),
        )
        .values(state="stopped", due_at=None, remaining_s=None)
    )


def _set(conn: Connection, conversation_id: int, target: str, **values: Any) -> None:
    conn.execute(
        update(CLOCKS)
        .where(and_(_C.conversation_id == conversation_id, _C.target == target))
        .values(**values)
    )


def reconcile(conn: Connection, config: SlaConfig, conv: ConversationOut, now: datetime) -> None:
    """After any change of the conversation: pause, resume, stop, restart or re-target its
    clocks so that they agree with its status, priority, team, tags and the policies."""
    rows = conn.execute(select(CLOCKS).where(_C.conversation_id == conv.id)).mappings().all()
    if not rows:
        if conv.status == "open":
            start_sla(conn, config, conv, now)
        return
    sla = choose(conn, config, "sla", conv)
    for row in rows:
        target, state = row["target"], row["state"]
        ola = target in OLA_TARGETS
        policy = _by_id(config, row["policy_id"]) if ola else sla
        cal = config.calendar_for(policy, conv) if policy is not None else None
        if conv.status == "resolved":
            if target == "resolution" and state in (*LIVE, "paused"):
                _set(conn, conv.id, target, state="met", met_at=now, due_at=None)
            elif state in ("running", "paused"):
                _set(conn, conv.id, target, state="stopped", due_at=None, remaining_s=None)
        elif conv.status in ("pending", "snoozed"):
            pauses = policy is not None and conv.status in policy.pause_on
            if pauses and state == "running" and cal is not None and row["due_at"] is not None:
                left = business_seconds_between(cal, now, row["due_at"])
                _set(conn, conv.id, target, state="paused", remaining_s=int(left), due_at=None)
        elif state == "paused" and cal is not None:
            left = row["remaining_s"] or 0
            _set(conn, conv.id, target, state="running", due_at=_due(cal, now, left))
        elif target == "resolution" and state in ("met", "stopped") and sla is not None:
            minutes = sla.minutes(conv.priority, target) or 0
            _set(
                conn,
                conv.id,
                target,
                **_clock(conv.id, target, sla, minutes, cal or config.calendar_for(sla, conv), now),
            )
        elif state == "running" and not ola:
            _retarget(conn, conv, row, sla, cal, now)


def _by_id(config: SlaConfig, policy_id: int | None) -> Policy | None:
    return next((p for p in config.policies if p.id == policy_id), None)


def _retarget(
    conn: Connection,
    conv: ConversationOut,
    row: Any,
    policy: Policy | None,
    cal: BusinessCalendar | None,
    now: datetime,
) -> None:
    """A running clock whose policy or priority changed: what was used of it stays used."""
    target = row["target"]
    minutes = policy.minutes(conv.priority, target) if policy is not None else None
    if policy is None or cal is None or not minutes:
        _set(conn, conv.id, target, state="stopped", due_at=None)
        return
    if policy.id == row["policy_id"] and minutes * 60 == row["target_s"]:
        return
    used = row["target_s"] - business_seconds_between(cal, now, row["due_at"] or now)
    _set(
        conn,
        conv.id,
        target,
        policy_id=policy.id,
        target_s=minutes * 60,
        due_at=_due(cal, now, minutes * 60 - used) or now,
    )
