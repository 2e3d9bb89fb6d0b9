"""Opaque keyset cursors: ``(sort value, id)`` encoded so clients cannot tamper by accident."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from otklik.core.errors import AppError


def encode_cursor(moment: datetime, ident: int) -> str:
    raw = json.dumps([moment.isoformat(), ident]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment_text, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(moment_text)
        if moment.tzinfo is None or not isinstance(ident, int):
            raise ValueError
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise AppError(400, "bad_request", "The cursor is not one this server issued.") from exc
    return moment, ident
