"""Per-view conversation counts kept up to date in the same transaction as each change.

Counting a million conversations on every list request costs a full index scan (over 100 ms
on SQLite). Instead, a small table holds one row per (status, inbox, team, assignee) with the
number of conversations; every flush that creates, deletes or changes one of those of a
conversation adjusts it. The list then reads the rows the operator's scope sees (a few per
inbox and team), and sums them.

Bulk loaders that bypass the ORM (``otklik demo --conversations``) call :func:`rebuild`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import delete, event, func, insert, inspect, literal_column, select
from sqlalchemy.orm import Session, UOWTransaction

from otklik.conversations.models import Conversation, ConversationCount
from otklik.core import write_shard
from otklik.core.db import insert_for

Key = tuple[str, int, int, int]
_KEYED = ("status", "inbox_id", "team_id", "assignee_id")


def _key(status: str, inbox_id: int, team_id: int | None, assignee_id: int | None) -> Key:
    return (status, inbox_id, team_id or 0, assignee_id or 0)


def _old_key(obj: Conversation) -> Key:
    return _key(*(_old(obj, attr) for attr in _KEYED))


def _old(obj: Conversation, attr: str) -> Any:
    history = inspect(obj).attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(obj, attr)


def _deltas(session: Session) -> Counter[Key]:
    deltas: Counter[Key] = Counter()
    for obj in session.new:
        if isinstance(obj, Conversation):
            deltas[_key(obj.status or "open", obj.inbox_id, obj.team_id, obj.assignee_id)] += 1
    for obj in session.deleted:
        if isinstance(obj, Conversation):
            deltas[_old_key(obj)] -= 1
    for obj in session.dirty:
        if not isinstance(obj, Conversation):
            continue
        attrs = inspect(obj).attrs
        if not any(attrs[attr].history.has_changes() for attr in _KEYED):
            continue
        before = _old_key(obj)
        after = _key(obj.status, obj.inbox_id, obj.team_id, obj.assignee_id)
        if before != after:
            deltas[before] -= 1
            deltas[after] += 1
    return Counter({k: v for k, v in deltas.items() if v})


def _apply(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    deltas = _deltas(session)
    if not deltas:
        return
    conn = session.connection()
    dialect = conn.dialect.name
    # Count rows are locked here, while the event-order lock is only taken just before
    # commit (``realtime.log.stamp_order``): every transaction takes them in that one order.
    # On a write lane, in the lane's own shard: no other lane waits for them.
    shard = write_shard.of(conn, 0)
    table = ConversationCount.__table__
    for (status, inbox_id, team_key, assignee_key), delta in sorted(deltas.items()):
        statement = insert_for(dialect)(table).values(
            status=status,
            inbox_id=inbox_id,
            team_key=team_key,
            assignee_key=assignee_key,
            shard=shard,
            n=delta,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["status", "inbox_id", "team_key", "assignee_key", "shard"],
            set_={"n": table.c.n + statement.excluded.n},
        )
        session.execute(statement)


def install() -> None:
    if not event.contains(Session, "before_flush", _apply):
        event.listen(Session, "before_flush", _apply)


def rebuild(session: Session) -> None:
    """Recount from the conversations table (after bulk loads that bypass the ORM)."""
    # A literal, not a bound parameter: PostgreSQL must see the same expression in GROUP BY.
    team_key = func.coalesce(Conversation.team_id, literal_column("0"))
    assignee_key = func.coalesce(Conversation.assignee_id, literal_column("0"))
    session.execute(delete(ConversationCount))
    session.execute(
        insert(ConversationCount).from_select(
            ["status", "inbox_id", "team_key", "assignee_key", "n"],
            select(
                Conversation.status, Conversation.inbox_id, team_key, assignee_key, func.count()
            ).group_by(Conversation.status, Conversation.inbox_id, team_key, assignee_key),
        )
    )
