"""Inbox changes produce no live events yet; settings are read when a widget loads."""

from __future__ import annotations
