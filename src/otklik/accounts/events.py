"""Frames about agents. Presence is transient: sent live, never replayed."""

from __future__ import annotations

PRESENCE = "presence"
