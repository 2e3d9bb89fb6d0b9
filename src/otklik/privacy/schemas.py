"""API shapes of personal-data exports, erasures and the retention setting."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from otklik.core.schemas import StrictModel

#: The longest retention an admin may set (ten years).
MAX_RETENTION_MONTHS = 120


class ExportOut(BaseModel):
    id: int
    contact_id: int
    state: Literal["pending", "ready", "failed"]
    size: int | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    #: Where an admin downloads the ZIP once ``state`` is ``ready``.
    download_url: str | None


class ErasureOut(BaseModel):
    contact_id: int
    #: The anonymous contact that now holds the erased contact's conversations.
    placeholder_id: int
    #: Rows touched by each part (``conversations``, ``messages``, ``attachments``, …).
    counts: dict[str, int]


class EraseIn(StrictModel):
    #: The UI's confirmation: the contact's id typed or echoed back, so a stray request
    #: (a wrong id in a script) does not erase someone.
    confirm_contact_id: int


class RetentionOut(BaseModel):
    #: Resolved conversations older than this many months are erased; ``None``: never.
    retention_months: int | None


class RetentionIn(StrictModel):
    retention_months: int | None = Field(default=None, ge=1, le=MAX_RETENTION_MONTHS)
