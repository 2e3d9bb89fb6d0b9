"""Long id lists cut into pieces for ``IN (…)`` lists.

A statement takes a limited number of bound parameters (SQLite 32,766, PostgreSQL 65,535),
and one huge ``IN`` list is planned worse than several: queries over "these ids" ask per
piece of :data:`SIZE`. (``itertools.batched`` arrives with Python 3.12; we run on 3.11.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

SIZE = 5000


def chunks(values: Iterable[T], size: int = SIZE) -> Iterator[Sequence[T]]:
    """``values`` in consecutive lists of at most ``size``."""
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]
