"""API shapes for contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class ContactOut(BaseModel):
    id: int
    name: str | None
    email: str | None
    attributes: dict[str, Any]
    created_at: datetime
