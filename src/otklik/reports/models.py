"""The reports' own tables: an append-only facts table, hourly rollups of it, and the little
per-conversation state the subscribers need to turn events into facts.

Reports never scan messages: every number is computed from :class:`ReportFact` rows (one per
thing that happened, written with the event, in its transaction) or from
:class:`ReportHourly` (the facts counted and summed per hour and dimension, kept by the same
write). :class:`ReportConversation` holds what an event does not say about the past (when the
customer started waiting, who handles the conversation since when, its status before).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.db import Base, BigId, Json

#: What a fact records. ``handle``: an operator's working segment ended (resolution,
#: transfer or unassignment); ``response``: an operator's reply ended a customer's wait.
FACT_KINDS = (
    "created",
    "first_response",
    "response",
    "resolved",
    "reopened",
    "assigned",
    "transferred",
    "escalated",
    "handed_back",
    "handle",
    "conv_response",
    "conv_handle",
    "conv_handle_dialog",
)
#: Per-conversation values, written at each resolution for the cycle it closes (since
#: creation or the last reopening; ADR 0031): the mean of the cycle's responses, its
#: handling segments added up, and the same with each segment divided by its ``n``.
CYCLE_KINDS = ("conv_response", "conv_handle", "conv_handle_dialog")
#: Counts kept in ``report_hourly`` only (no fact of that kind): ``fcr_candidate`` at a
#: first resolution with one reply session; ``fcr_spoiled`` in the hour of such a
#: resolution, with its dimensions, when the conversation is first reopened within 7 days
#: of it; ``escalated_created`` at the *creation* hour of a conversation, with the
#: dimensions of its ``created`` fact, when it is first escalated.
ROLLUP_KINDS = ("fcr_candidate", "fcr_spoiled", "escalated_created")


class ReportFact(Base):
    """One thing that happened to a conversation, with the dimensions reports filter by as
    they were at that moment. Never updated, never deleted (the conversation's deletion
    cascades)."""

    __tablename__ = "report_facts"
    __table_args__ = (
        # Covering (migration 0045; on PostgreSQL the columns after ``at`` are INCLUDEd).
        Index(
            "ix_report_facts_kind_at",
            "kind",
            "at",
            "conversation_id",
            "seconds",
            "business_seconds",
            "n",
            "first",
            "inbox_id",
            "channel",
            "team_id",
            "agent_id",
            "id",
        ),
        # Covering too (migration 0050; on PostgreSQL the columns after ``at`` are
        # INCLUDEd): several tags' overview reads conversations' facts by it.
        Index(
            "ix_report_facts_conversation_kind",
            "conversation_id",
            "kind",
            "at",
            "first",
            "n",
            "seconds",
            "business_seconds",
        ),
        # Migration 0051: one operator's facts (a supervisor's own, an operator filter).
        Index("ix_report_facts_agent", "agent_id", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    inbox_id: Mapped[int] = mapped_column(BigId)
    channel: Mapped[str] = mapped_column(String(30))
    team_id: Mapped[int | None] = mapped_column(BigId)
    #: The operator it is about (who replied, resolved-by assignee, who was assigned…).
    agent_id: Mapped[int | None] = mapped_column(BigId)
    #: The duration it measures (first response, response, resolution, handle), if any.
    seconds: Mapped[float | None]
    #: The same in business hours (the team's calendar, else the inbox's, else 24/7).
    business_seconds: Mapped[float | None]
    #: ``resolved``: operator reply sessions before it; ``handle``: the dialogs the operator
    #: had open at once; ``resolved``'s ``first``: the conversation's first resolution.
    n: Mapped[int | None] = mapped_column(BigId)
    first: Mapped[bool] = mapped_column(default=False)


class ReportHourly(Base):
    """The facts of one hour, kind and dimension set: how many, and their durations' sums."""

    __tablename__ = "report_hourly"
    __table_args__ = (
        # Covering (migration 0045): counts and sums by kind over a period.
        Index(
            "ix_report_hourly_kind_hour",
            "kind",
            "hour",
            "inbox_id",
            "channel",
            "team_key",
            "agent_key",
            "n",
            "seconds",
        ),
    )

    hour: Mapped[datetime] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    inbox_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(30), primary_key=True)
    #: 0 = none (a key column cannot be NULL).
    team_key: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    agent_key: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    #: Several rows may count one key (their sums add up): on PostgreSQL each write lane
    #: bumps its own shard, so lanes never wait for each other's row locks until they commit
    #: (``core/write_shard.py``, as ``conversation_counts``); SQLite writes shard 0.
    shard: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, autoincrement=False, default=0, server_default="0"
    )
    n: Mapped[int] = mapped_column(BigId, default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
    business_seconds: Mapped[float] = mapped_column(default=0.0)


#: The operators' rows of ``report_day_bins`` and their covering index's columns.
OPERATOR_ROWS = "inbox_id = -3"
OPERATOR_BIN_COLUMNS = ("team_key", "day", "measure", "bin", "n", "total", "low", "high")


class _Binned:
    """A bin's durations: how many, their sum, the smallest, the largest."""

    n: Mapped[int] = mapped_column(BigId, default=0)
    total: Mapped[float] = mapped_column(default=0.0)
    low: Mapped[float] = mapped_column(default=0.0)
    high: Mapped[float] = mapped_column(default=0.0)


class ReportDayBin(_Binned, Base):
    """One UTC day's durations of one measure and dimension set in one bin of
    ``stats.bin_of``: how many, their sum, the smallest and the largest (ADR 0031). The
    overview of a whole-day period reads these (a few thousand rows a day) instead of every
    fact. No operator dimension: it would multiply the rows (an operator filter reads the
    facts). Measures: ``<kind>_c`` / ``<kind>_b`` (calendar / business seconds) for
    ``first_response``, ``resolution_first``, ``resolution_full`` and the cycle kinds."""

    __tablename__ = "report_day_bins"
    #: SQLite keeps the rows in key order (a period is one range of the primary key).
    __table_args__ = (
        # The overview's operator rows (inbox -3) by operator and day: one operator's overview reads
        # its own rows, not every operator's of the period (migration 0049, ADR 0032).
        Index(
            "ix_report_day_bins_operator",
            *OPERATOR_BIN_COLUMNS,
            sqlite_where=text(OPERATOR_ROWS),
            postgresql_where=text(OPERATOR_ROWS),
        ),
        {"sqlite_with_rowid": False},
    )

    #: First in the key: the rows of every dimension set (inbox 0) are one range of days.
    inbox_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    day: Mapped[datetime] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(24), primary_key=True)
    channel: Mapped[str] = mapped_column(String(30), primary_key=True)
    #: 0 = none.
    team_key: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    bin: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: As ``ReportHourly.shard``: PostgreSQL spreads concurrent writers over rows.
    shard: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, autoincrement=False, default=0, server_default="0"
    )


class ReportTagCount(Base):
    """The overview's counts (``TAG_COUNTED`` facts and the FCR and escalation rollup kinds)
    of one hour for the conversations that carry a tag *now* (ADR 0032): a conversation's
    facts are counted in its tags' rows as they are written, and its facts so far are
    added to a tag's rows when the tag is added and taken out when it is removed."""

    __tablename__ = "report_tag_counts"

    tag: Mapped[str] = mapped_column(String(50), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    #: As ``ReportHourly.shard`` (the write lane's on PostgreSQL, else 0).
    shard: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, autoincrement=False, default=0, server_default="0"
    )
    n: Mapped[int] = mapped_column(BigId, default=0)


class ReportTagDayBin(_Binned, Base):
    """``ReportDayBin`` for the conversations that carry a tag now (ADR 0032), no other
    dimension. A removed tag takes its conversation's values out of ``n`` and ``total``;
    the smallest and largest stay (they remain inside the bin, so the median and p90 stay
    within the bins' 2 %), and a row whose ``n`` is back to 0 is not read."""

    __tablename__ = "report_tag_day_bins"
    __table_args__ = {"sqlite_with_rowid": False}

    tag: Mapped[str] = mapped_column(String(50), primary_key=True)
    day: Mapped[datetime] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(24), primary_key=True)
    bin: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    shard: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, autoincrement=False, default=0, server_default="0"
    )


class ReportTagPairCount(Base):
    """``ReportTagCount`` for the conversations that carry both of two tags now (``tag`` before
    ``other`` in code-point order; ADR 0034), kept for a conversation carrying at most
    ``tagged.PAIRS_UP_TO`` tags. Several tags ("any of") are their rows added up less their
    pairs' rows, so a conversation carrying two of them counts once without reading its
    facts."""

    __tablename__ = "report_tag_pair_counts"

    tag: Mapped[str] = mapped_column(String(50), primary_key=True)
    other: Mapped[str] = mapped_column(String(50), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    shard: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, autoincrement=False, default=0, server_default="0"
    )
    n: Mapped[int] = mapped_column(BigId, default=0)


class ReportTagPairDayBin(_Binned, Base):
    """``ReportTagDayBin`` for the conversations that carry both of two tags now (as
    ``ReportTagPairCount``)."""

    __tablename__ = "report_tag_pair_day_bins"
    __table_args__ = {"sqlite_with_rowid": False}

    tag: Mapped[str] = mapped_column(String(50), primary_key=True)
    other: Mapped[str] = mapped_column(String(50), primary_key=True)
    day: Mapped[datetime] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(24), primary_key=True)
    bin: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    shard: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, autoincrement=False, default=0, server_default="0"
    )


class ReportConversation(Base):
    """What the subscribers remember of a conversation between its events."""

    __tablename__ = "report_conversations"
    __table_args__ = (Index("ix_report_conversations_handler", "handler_id"),)

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    inbox_id: Mapped[int] = mapped_column(BigId)
    channel: Mapped[str] = mapped_column(String(30))
    team_id: Mapped[int | None] = mapped_column(BigId)
    assignee_id: Mapped[int | None] = mapped_column(BigId)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    #: The oldest customer message no operator has answered.
    waiting_since: Mapped[datetime | None]
    #: Waiting for the first response of the conversation or of its reopening …
    first_open: Mapped[bool] = mapped_column(default=True)
    #: … since this customer message.
    first_since: Mapped[datetime | None]
    #: Operator reply sessions since creation or the last reopening.
    replies: Mapped[int] = mapped_column(default=0)
    resolutions: Mapped[int] = mapped_column(default=0)
    #: Who works it since when (assignment or first reply), until resolution or transfer.
    handler_id: Mapped[int | None] = mapped_column(BigId)
    handling_since: Mapped[datetime | None]
    #: The running sums of the current cycle (since creation or the last reopening), written
    #: as the ``conv_*`` facts at its resolution and then reset: responses, their calendar
    #: and business seconds; handling segments' seconds, and the same per dialog.
    cycle_responses: Mapped[int] = mapped_column(default=0, server_default="0")
    cycle_response_c: Mapped[float] = mapped_column(default=0.0, server_default="0")
    cycle_response_b: Mapped[float] = mapped_column(default=0.0, server_default="0")
    cycle_handles: Mapped[int] = mapped_column(default=0, server_default="0")
    cycle_handle_c: Mapped[float] = mapped_column(default=0.0, server_default="0")
    cycle_handle_b: Mapped[float] = mapped_column(default=0.0, server_default="0")
    cycle_handle_dc: Mapped[float] = mapped_column(default=0.0, server_default="0")
    cycle_handle_db: Mapped[float] = mapped_column(default=0.0, server_default="0")
    #: The tags whose ``report_tag_*`` rows hold this conversation's facts (a JSON list;
    #: NULL = none): kept equal to the conversation's tags at each of its updates.
    tags: Mapped[str | None] = mapped_column(Text)


class ReportSchedule(Base):
    """A report mailed on a schedule (``reports/scheduling.py``): daily (yesterday's
    figures) or weekly (last week's), at a local time in a time zone, to chosen operators
    and addresses. The figures are its owner's view (a supervisor's teams and inboxes)."""

    __tablename__ = "report_schedules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: ``daily`` or ``weekly``.
    frequency: Mapped[str] = mapped_column(String(10))
    #: Monday = 0; weekly schedules only.
    weekday: Mapped[int | None] = mapped_column(SmallInteger)
    #: The local time to send at, ``HH:MM``, in :attr:`timezone`.
    send_time: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    #: The reports' filters: ``inbox_ids``, ``team_ids``, ``agent_ids``, ``channels``, ``tags``.
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recipient_agent_ids: Mapped[list[int]] = mapped_column(Json, default=list)
    recipient_emails: Mapped[list[str]] = mapped_column(Json, default=list)
    language: Mapped[str] = mapped_column(String(2))
    #: The attachment: ``xlsx`` or ``csv``.
    format: Mapped[str] = mapped_column(String(4))
    active: Mapped[bool] = mapped_column(default=True)
    #: Sends are due from this moment on (creation, or the last change of when it sends):
    #: a new or moved schedule never sends a report whose time had passed already.
    starts_at: Mapped[datetime]
    #: The last period handed to the mail job (what makes each period go out once).
    last_since: Mapped[datetime | None]
    last_until: Mapped[datetime | None]
    #: When the last mail was accepted by the SMTP server (and the end of its period: a
    #: rerun of a mail job that had sent already sends nothing), or why it was not.
    last_sent_at: Mapped[datetime | None]
    sent_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
