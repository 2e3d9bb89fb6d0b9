"""The event log: every change a live client must hear about, in commit order."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId
from otklik.core.events import Reach


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_stream_seq", "stream", "seq"),
        Index("ix_events_seq", "seq", unique=True),
    )

    #: The row's identity (outgoing webhooks name the event by it). Not its order: ids are
    #: taken when rows are written, which on PostgreSQL is not the order transactions commit.
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: The order live clients see (the ``id`` of frames, what ``hello`` resumes after),
    #: stamped just before the transaction commits (``log.stamp_order``); ``NULL`` until then.
    seq: Mapped[int | None] = mapped_column(BigInteger)
    #: Who may see it: ``agents`` (every operator) or ``contact:<id>`` (one visitor).
    stream: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    #: The payload as JSON text, exactly as sent: a replay concatenates it into frames
    #: without parsing and re-serialising (the catch-up after 1,000 missed events is hot).
    payload_json: Mapped[str] = mapped_column("payload", Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: For operators' events about one conversation: its inbox, team and assignee then, so a
    #: replay gives each operator what their scope sees (``accounts/access.py``). ``NULL``
    #: inbox: every operator hears it.
    inbox_id: Mapped[int | None] = mapped_column(BigInteger)
    team_id: Mapped[int | None] = mapped_column(BigInteger)
    assignee_id: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def reach(self) -> Reach | None:
        if self.inbox_id is None:
            return None
        return Reach(self.inbox_id, self.team_id, self.assignee_id)

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.payload_json)
        return data
