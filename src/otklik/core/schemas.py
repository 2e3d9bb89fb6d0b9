"""Base models shared by every domain's API shapes."""

from __future__ import annotations

from typing import Annotated, ClassVar, Generic, Self, TypeVar

from annotated_types import Interval
from pydantic import BaseModel, ConfigDict, model_validator

T = TypeVar("T")

#: The largest row id either database stores (a signed 64-bit integer).
MAX_ID = 2**63 - 1
#: A row id as the API takes it, in a path, a query or a body: 1 … 2⁶³−1. Anything else is
#: a 422 before a query is built (a larger number would overflow the database driver).
Id = Annotated[int, Interval(ge=1, le=MAX_ID)]


class StrictModel(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
