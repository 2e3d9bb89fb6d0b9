"""Attribute values travel inside ``conversation.updated``; definitions have no live events."""

from __future__ import annotations
