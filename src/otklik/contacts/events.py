"""Contact changes produce no live events yet (the card is fetched when opened)."""

from __future__ import annotations
