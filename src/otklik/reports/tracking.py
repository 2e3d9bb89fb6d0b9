"""Turning a conversation's events into facts (``docs/metrics.md``), on the synchronous
connection of the change.

The customer's path stays cheap: a customer message is one UPDATE of the conversation's
report state (two when it reopens a resolved conversation), and no read. An operator's
public reply and a status or assignment change read the state row by its key once, since
the event does not say what was before. Bot and system messages and private notes are not
recorded at all: they never answer a customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, func, or_, select, update
from sqlalchemy.engine import Connection, Row

from otklik.conversations.schemas import ConversationOut
from otklik.core import write_shard
from otklik.core.db import insert_for
from otklik.core.raw_statement import RawStatement
from otklik.reports import recording, tagged
from otklik.reports.models import ReportConversation
from otklik.reports.recording import Where
from otklik.sla.policies import SlaConfig

STATE = cast(Table, ReportConversation.__table__)
_C = STATE.c


@dataclass(frozen=True, slots=True)
class Conv:
    """What the facts need of a conversation (from an event, or from the backfill)."""

    id: int
    inbox_id: int
    channel: str
    team_id: int | None
    assignee_id: int | None
    status: str
    created_at: datetime
    #: Its tags now (a tag filter means these, ADR 0032).
    tags: tuple[str, ...] = ()

    @classmethod
    def of(cls, out: ConversationOut) -> Conv:
        return cls(
            out.id,
            out.inbox_id,
            out.channel,
            out.team_id,
            out.assignee_id,
            out.status,
            out.created_at,
            tuple(sorted(set(out.tags))),
        )


def where_of(conv: Conv) -> Where:
    return Where(conv.id, conv.inbox_id, conv.channel, conv.team_id, conv.tags)


def _where_of_row(row: Row[Any]) -> Where:
    return Where(row.conversation_id, row.inbox_id, row.channel, row.team_id, _tags_of_row(row))


def _tags_of_row(row: Row[Any]) -> tuple[str, ...]:
    """The tags whose rows hold the conversation's facts (``report_conversations.tags``)."""
    return tuple(sorted(tagged.parse(row.tags)))


def _state(conn: Connection, conversation_id: int) -> Row[Any] | None:
    return conn.execute(select(STATE).where(_C.conversation_id == conversation_id)).first()


def _set(conn: Connection, conversation_id: int, **values: Any) -> None:
    conn.execute(update(STATE).where(_C.conversation_id == conversation_id).values(**values))


_STATE_COLUMNS = (
    "conversation_id",
    "inbox_id",
    "channel",
    "team_id",
    "assignee_id",
    "status",
    "created_at",
    "first_open",
    "replies",
    "resolutions",
    "handler_id",
    "handling_since",
)
#: A new conversation's report state, on the driver's own handle (``core/raw_statement.py``).
_CREATED = RawStatement(
    STATE,
    f"INSERT INTO {STATE.name} ({', '.join(_STATE_COLUMNS)}) VALUES ({{values}})"
    " ON CONFLICT (conversation_id) DO NOTHING",
    _STATE_COLUMNS,
)


def created(conn: Connection, config: SlaConfig | None, conv: Conv) -> None:
    """A new conversation: its state row, the ``created`` fact, an ``assigned`` one if it
    was opened already assigned. Idempotent (a second call finds the row and stops)."""
    values = {
        "conversation_id": conv.id,
        "inbox_id": conv.inbox_id,
        "channel": conv.channel,
        "team_id": conv.team_id,
        "assignee_id": conv.assignee_id,
        "status": conv.status,
        "created_at": conv.created_at,
        "first_open": True,
        "replies": 0,
        "resolutions": 0,
        "handler_id": conv.assignee_id,
        "handling_since": conv.created_at if conv.assignee_id else None,
    }
    inserted = _CREATED.run(conn, values)
    if inserted is None:
        inserted = conn.execute(
            insert_for(conn.dialect.name)(STATE)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["conversation_id"])
        ).rowcount
    if inserted == 0:
        return
    if conv.tags:
        _set(conn, conv.id, tags=tagged.dump(conv.tags))
    where = where_of(conv)
    recording.add(conn, where, "created", conv.created_at)
    if conv.assignee_id is not None:
        recording.add(conn, where, "assigned", conv.created_at, agent_id=conv.assignee_id)


#: A customer's message: their wait starts unless one is running (and the first response's
#: clock, while the conversation has had none). Built once: composing it per message cost
#: ~250 µs of CPU, a quarter of the whole live path; and a message that changes nothing (the
#: customer is already waiting) matches no row, so nothing is written (``bench.inprocess``).
_CUSTOMER_WROTE = (
    update(STATE)
    .where(
        _C.conversation_id == bindparam("p_conversation"),
        or_(
            _C.waiting_since.is_(None),
            _C.status != bindparam("p_status"),
            and_(_C.first_open.is_(True), _C.first_since.is_(None)),
        ),
    )
    .values(
        waiting_since=func.coalesce(
            _C.waiting_since, bindparam("p_at", type_=_C.waiting_since.type)
        ),
        first_since=case(
            (
                _C.first_open.is_(True),
                func.coalesce(_C.first_since, bindparam("p_at", type_=_C.first_since.type)),
            ),
            else_=_C.first_since,
        ),
        status=bindparam("p_status"),
    )
)


# The same statement as SQL text, on the connection's own driver handle on the live path
# (``core/raw_statement.py``): through SQLAlchemy's execution machinery it cost ~150 µs of
# CPU a message, as much as the message's own insert.
_CUSTOMER_WROTE_RAW = RawStatement(
    STATE,
    f"UPDATE {STATE.name} SET waiting_since = coalesce(waiting_since, {{waiting_since}}),"
    " first_since = CASE WHEN first_open THEN coalesce(first_since, {waiting_since})"
    " ELSE first_since END, status = {status} WHERE conversation_id = {conversation_id}"
    " AND (waiting_since IS NULL OR status != {status} OR (first_open AND first_since IS NULL))",
    ("waiting_since", "status", "conversation_id"),
)


def customer_wrote(conn: Connection, conv: Conv, written_at: datetime, *, reopened: bool) -> None:
    if reopened:
        _reopen(conn, conv, written_at)
    values = {"waiting_since": written_at, "status": conv.status, "conversation_id": conv.id}
    if _CUSTOMER_WROTE_RAW.run_later(conn, values) is None:
        conn.execute(
            _CUSTOMER_WROTE,
            {"p_conversation": conv.id, "p_status": conv.status, "p_at": written_at},
        )


def _reopen(conn: Connection, conv: Conv, at: datetime) -> None:
    """Resolved → open: a ``reopened`` fact, and the next customer message starts a new
    first response and a new count of reply sessions."""
    done = conn.execute(
        update(STATE)
        .where(_C.conversation_id == conv.id, _C.status == "resolved")
        .values(
            status="open",
            first_open=True,
            first_since=None,
            waiting_since=None,
            replies=0,
            **CYCLE_RESET,
        )
    )
    if done.rowcount:
        _reopened(conn, where_of(conv), at, conv.assignee_id)


#: A first resolution reopened within this long is not a first-contact resolution.
FCR_WINDOW = timedelta(days=7)


def _reopened(conn: Connection, where: Where, at: datetime, agent: int | None) -> None:
    """A ``reopened`` fact; the conversation's first reopening within :data:`FCR_WINDOW`
    of a first resolution that was an FCR candidate also counts ``fcr_spoiled`` in that
    resolution's hour with its dimensions (the FCR's spoiled ones, from the rollups)."""
    recording.add(conn, where, "reopened", at, agent_id=agent)
    facts = recording.FACTS.c
    resolutions = conn.execute(
        select(facts.at, facts.n, facts.first, facts.inbox_id, facts.channel)
        .add_columns(facts.team_id, facts.agent_id)
        .where(facts.conversation_id == where.conversation_id, facts.kind == "resolved")
        .limit(2)
    ).all()
    if len(resolutions) != 1:
        return
    first = resolutions[0]
    if not (first.first and first.n == 1 and at - first.at <= FCR_WINDOW):
        return
    shard = write_shard.of(conn, where.conversation_id)
    recording.roll(
        conn,
        "fcr_spoiled",
        first.at,
        first.inbox_id,
        first.channel,
        first.team_id,
        first.agent_id,
        None,
        shard=shard,
    )
    tagged.count_fact(conn, where.tags, shard, recording.hour_of(first.at), ["fcr_spoiled"])


def operator_replied(
    conn: Connection, config: SlaConfig | None, conv: Conv, agent: int | None, at: datetime
) -> None:
    """A public reply by a human operator: ends the customer's wait (a ``response``, the
    first one of the conversation or its reopening also a ``first_response``) and starts
    the operator's handling if nobody handles it yet."""
    state = _state(conn, conv.id)
    if state is None:
        return
    where = where_of(conv)
    values: dict[str, Any] = {}
    if state.waiting_since is not None:
        waited = recording.span(config, where, state.waiting_since, at)
        recording.add(conn, where, "response", at, agent_id=agent, measured=waited)
        values.update(
            waiting_since=None,
            replies=state.replies + 1,
            cycle_responses=state.cycle_responses + 1,
            cycle_response_c=state.cycle_response_c + waited.seconds,
            cycle_response_b=state.cycle_response_b + waited.business_seconds,
        )
    if state.first_open and state.first_since is not None:
        recording.add(
            conn,
            where,
            "first_response",
            at,
            agent_id=agent,
            measured=recording.span(config, where, state.first_since, at),
        )
        values["first_open"] = False
    if state.handler_id is None and agent is not None and state.status != "resolved":
        values.update(handler_id=agent, handling_since=at)
    if values:
        _set(conn, conv.id, **values)


def _end_handling(
    conn: Connection, config: SlaConfig | None, state: Row[Any], at: datetime
) -> dict[str, Any]:
    """The ``handle`` fact of the running segment, if one runs; the cycle's handling sums
    with it added (the state's own when none runs)."""
    sums = {
        "cycle_handles": state.cycle_handles,
        "cycle_handle_c": state.cycle_handle_c,
        "cycle_handle_b": state.cycle_handle_b,
        "cycle_handle_dc": state.cycle_handle_dc,
        "cycle_handle_db": state.cycle_handle_db,
    }
    if state.handler_id is None or state.handling_since is None:
        return sums
    where = _where_of_row(state)
    at_once = max(
        1,
        int(
            conn.execute(
                select(func.count()).select_from(STATE).where(_C.handler_id == state.handler_id)
            ).scalar_one()
        ),
    )
    worked = recording.span(config, where, state.handling_since, at)
    recording.add(conn, where, "handle", at, agent_id=state.handler_id, measured=worked, n=at_once)
    return {
        "cycle_handles": state.cycle_handles + 1,
        "cycle_handle_c": state.cycle_handle_c + worked.seconds,
        "cycle_handle_b": state.cycle_handle_b + worked.business_seconds,
        "cycle_handle_dc": state.cycle_handle_dc + worked.seconds / at_once,
        "cycle_handle_db": state.cycle_handle_db + worked.business_seconds / at_once,
    }


#: A new cycle (after its resolution, or at a reopening) starts from nothing.
CYCLE_RESET: dict[str, Any] = {
    "cycle_responses": 0,
    "cycle_response_c": 0.0,
    "cycle_response_b": 0.0,
    "cycle_handles": 0,
    "cycle_handle_c": 0.0,
    "cycle_handle_b": 0.0,
    "cycle_handle_dc": 0.0,
    "cycle_handle_db": 0.0,
}


def _close_cycle(
    conn: Connection,
    where: Where,
    state: Row[Any],
    handled: dict[str, Any],
    at: datetime,
    agent: int | None,
) -> None:
    """The per-conversation facts of the cycle a resolution closes (ADR 0031)."""
    responses = int(state.cycle_responses)
    if responses:
        mean = recording.Span(
            state.cycle_response_c / responses, state.cycle_response_b / responses
        )
        recording.add(conn, where, "conv_response", at, agent_id=agent, measured=mean, n=responses)
    segments = int(handled["cycle_handles"])
    if segments:
        for kind, c, b in (
            ("conv_handle", "cycle_handle_c", "cycle_handle_b"),
            ("conv_handle_dialog", "cycle_handle_dc", "cycle_handle_db"),
        ):
            summed = recording.Span(float(handled[c]), float(handled[b]))
            recording.add(conn, where, kind, at, agent_id=agent, measured=summed, n=segments)


def updated(conn: Connection, config: SlaConfig | None, conv: Conv, at: datetime) -> None:
    """Status, assignment or team changed: resolution, reopening, assignment, transfer."""
    state = _state(conn, conv.id)
    if state is None:
        return
    where = where_of(conv)
    values: dict[str, Any] = {
        "status": conv.status,
        "assignee_id": conv.assignee_id,
        "team_id": conv.team_id,
    }
    # Tags first: the facts so far move to the tags it has now, then new ones join them.
    folded, now = tagged.parse(state.tags), frozenset(conv.tags)
    if folded != now:
        tagged.fold(conn, conv.id, before=folded, now=now)
        values["tags"] = tagged.dump(now)
    was_resolved, resolved = state.status == "resolved", conv.status == "resolved"
    if resolved and not was_resolved:
        resolver = conv.assignee_id or state.handler_id
        recording.add(
            conn,
            where,
            "resolved",
            at,
            agent_id=resolver,
            measured=recording.span(config, where, state.created_at, at),
            n=state.replies,
            first=state.resolutions == 0,
        )
        _close_cycle(conn, where, state, _end_handling(conn, config, state, at), at, resolver)
        values.update(
            handler_id=None,
            handling_since=None,
            waiting_since=None,
            resolutions=state.resolutions + 1,
            **CYCLE_RESET,
        )
    elif was_resolved and not resolved:
        _reopened(conn, where, at, conv.assignee_id)
        values.update(
            first_open=True, first_since=None, waiting_since=None, replies=0, **CYCLE_RESET
        )
    old, new = state.assignee_id, conv.assignee_id
    if old != new:
        if not (resolved and not was_resolved) and state.handler_id not in (None, new):
            values.update(_end_handling(conn, config, state, at))
            values.update(handler_id=None, handling_since=None)
        if old is not None and new is not None:
            recording.add(conn, where, "transferred", at, agent_id=old)
        if new is not None:
            recording.add(conn, where, "assigned", at, agent_id=new)
            if not resolved and values.get("handler_id", state.handler_id) != new:
                values.update(handler_id=new, handling_since=at)
    _set(conn, conv.id, **values)


def escalated(
    conn: Connection,
    conversation_id: int,
    at: datetime,
    *,
    agent_id: int | None,
    from_team_id: int | None,
) -> None:
    """Counted for the team that escalated it; the first escalation of a conversation is
    also counted as ``escalated_created`` in its creation hour with its ``created`` fact's
    dimensions (the escalation rate's numerator, ADR 0031)."""
    state = _state(conn, conversation_id)
    if state is None:
        return
    facts = recording.FACTS.c
    mine = facts.conversation_id == conversation_id
    before = conn.execute(select(facts.id).where(mine, facts.kind == "escalated").limit(1)).first()
    recording.add(
        conn, _where_of_row(state), "escalated", at, agent_id=agent_id, team_id=from_team_id
    )
    if before is not None:
        return
    born = conn.execute(
        select(facts.at, facts.inbox_id, facts.channel, facts.team_id, facts.agent_id)
        .where(mine, facts.kind == "created")
        .limit(1)
    ).first()
    if born is not None:
        shard = write_shard.of(conn, conversation_id)
        recording.roll(
            conn,
            "escalated_created",
            born.at,
            born.inbox_id,
            born.channel,
            born.team_id,
            born.agent_id,
            None,
            shard=shard,
        )
        tags = _tags_of_row(state)
        tagged.count_fact(conn, tags, shard, recording.hour_of(born.at), ["escalated_created"])


def handed_back(
    conn: Connection, conversation_id: int, at: datetime, *, agent_id: int | None, team_id: int
) -> None:
    """Counted for the 2nd line that handed it back."""
    state = _state(conn, conversation_id)
    if state is None:
        return
    recording.add(conn, _where_of_row(state), "handed_back", at, agent_id=agent_id, team_id=team_id)
