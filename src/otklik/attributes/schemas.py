"""API shapes for custom attribute definitions and values."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from otklik.core.schemas import StrictModel

Entity = Literal["conversation", "contact"]
AttributeType = Literal["text", "number", "date", "list", "boolean"]


class DefinitionIn(StrictModel):
    entity: Entity
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,49}$")
    label: str = Field(min_length=1, max_length=100)
    type: AttributeType
    options: list[str] = Field(default_factory=list, max_length=100)


class DefinitionUpdate(StrictModel):
    label: str | None = Field(default=None, min_length=1, max_length=100)
    options: list[str] | None = Field(default=None, max_length=100)


class DefinitionOut(BaseModel):
    id: int
    entity: Entity
    key: str
    label: str
    type: AttributeType
    options: list[str]
    created_at: datetime


class ValuesIn(StrictModel):
    """Values by key; ``null`` removes a value. Unknown keys are refused."""

    values: dict[str, Any] = Field(max_length=100)
