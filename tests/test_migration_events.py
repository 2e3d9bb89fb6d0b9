"""Migration 0020: operators' events written before access was scoped are not replayed.

Rows without a reach would reach every operator's catch-up (ADR 0017); the upgrade deletes
those of the operators' stream and keeps visitors' rows and scoped ones."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from otklik.config import Settings
from otklik.core.migrate import upgrade


def test_unscoped_operator_events_are_gone_after_the_upgrade(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="migration-secret-0123456789")
    upgrade(settings, "0019")
    engine = create_engine(f"sqlite:///{tmp_path / 'otklik.db'}")
    rows = [
        ("agents", None, '{"note":"a private note of any inbox"}'),
        ("agents", 1, '{"message":"scoped"}'),
        ("contact:5", None, '{"message":"to the visitor"}'),
    ]
    with engine.begin() as conn:
        for stream, inbox_id, payload in rows:
            conn.execute(
                text(
                    "INSERT INTO events (stream, type, payload, created_at, inbox_id)"
                    " VALUES (:stream, 'message.created', :payload, '2026-12-01 10:00:00', :inbox)"
                ),
                {"stream": stream, "payload": payload, "inbox": inbox_id},
            )
    upgrade(settings)
    with engine.connect() as conn:
        left = conn.execute(text("SELECT stream, inbox_id FROM events ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in left] == [("agents", 1), ("contact:5", None)]
