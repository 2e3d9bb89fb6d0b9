"""The audit log has no live events: admins read it on demand."""

from __future__ import annotations
