"""The UTC timestamp column on SQLite: one bind step, the same stored text as SQLAlchemy's.

``UTCDateTime`` folds converting to UTC and SQLite's text format into one function. What it
stores must stay what SQLAlchemy's own SQLite ``DATETIME`` would store for the same UTC
moment: rows written before and after compare and sort as text.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from otklik.core.db import UTCDateTime

_DIALECT = sqlite.dialect()  # type: ignore[no-untyped-call]
_MOMENTS = [
    datetime(2026, 12, 5, 12, 0, 0, 0, tzinfo=UTC),  # no microseconds: still six digits
    datetime(2026, 12, 5, 12, 0, 0, 123, tzinfo=timezone(timedelta(hours=3))),
    datetime(2024, 2, 29, 23, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=-11))),
    datetime(999, 1, 1, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", _MOMENTS, ids=str)
def test_a_moment_is_stored_as_sqlalchemys_sqlite_text_in_utc(moment: datetime) -> None:
    ours = UTCDateTime().dialect_impl(_DIALECT).bind_processor(_DIALECT)
    theirs = sqlite.DATETIME().bind_processor(_DIALECT)
    assert ours is not None and theirs is not None
    expected = theirs(moment.astimezone(UTC).replace(tzinfo=None))
    assert ours(moment) == expected
    assert ours(None) is None


def test_a_naive_moment_is_refused() -> None:
    process = UTCDateTime().dialect_impl(_DIALECT).bind_processor(_DIALECT)
    assert process is not None
    with pytest.raises(ValueError, match="naive"):
        process(datetime(2026, 12, 5, 12, 0))  # noqa: DTZ001 - naive on purpose
