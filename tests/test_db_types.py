"""The UTC timestamp column on SQLite: one bind step and one read step, as SQLAlchemy's own.

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


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-05 12:00:00.000000",
        "2026-12-05 12:00:00",  # written without microseconds (an older row, raw SQL)
        "2024-02-29 23:59:59.999999",
        "2026-12-05 15:00:00.000123+03:00",  # an offset, if a raw statement ever stored one
        None,
    ],
)
def test_a_stored_text_reads_back_as_sqlalchemys_stacked_processors_read_it(
    text: str | None,
) -> None:
    """``UTCDateTime`` parses SQLite's text in one step; the result must be what SQLite's
    ``DATETIME`` processor followed by ``process_result_value`` give: an aware UTC moment."""
    ours = UTCDateTime().dialect_impl(_DIALECT).result_processor(_DIALECT, None)
    parse = sqlite.DATETIME().result_processor(_DIALECT, None)
    assert ours is not None and parse is not None
    expected = UTCDateTime().process_result_value(parse(text), _DIALECT)
    read = ours(text)
    assert read == expected
    assert read is None or read.utcoffset() == timedelta(0)
