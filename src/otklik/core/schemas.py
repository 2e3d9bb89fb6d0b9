"""Base models shared by every domain's API shapes."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar

from annotated_types import Interval
from pydantic import BaseModel, ConfigDict, model_validator

T = TypeVar("T")

#: The largest row id either database stores (a signed 64-bit integer).
MAX_ID = 2**63 - 1
#: A row id as the API takes it, in a path, a query or a body: 1 … 2⁶³−1. Anything else is
#: a 422 before a query is built (a larger number would overflow the database driver).
Id = Annotated[int, Interval(ge=1, le=MAX_ID)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class StrictModel(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped; no text anywhere
    in them may hold a NUL character (PostgreSQL stores none, SQLite would: one rule for
    both databases, answered as a 422 instead of a driver error)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("text may not contain NUL (\\u0000) characters")
        return data


class PatchModel(StrictModel):
    """A partial update: a field left out keeps its value.

    An explicit ``null`` is accepted only for the fields named in :attr:`nullable` (where it
    means "clear it"); for any other field it is a 422 — never a column set to NULL that the
    database then refuses with a 500."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_stray_nulls(self) -> Self:
        refused = sorted(
            name
            for name in self.model_fields_set
            if getattr(self, name) is None and name not in self.nullable
        )
        if refused:
            raise ValueError(
                f"{', '.join(refused)} may not be null (leave a field out to keep its value)"
            )
        return self


class Items(BaseModel, Generic[T]):
    items: list[T]
