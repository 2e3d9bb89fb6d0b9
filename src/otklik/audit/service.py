"""Writing audit entries; called by other services inside their own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.audit.models import AuditEntry


def record(
    session: AsyncSession,
    *,
    actor_type: str,
    actor_id: int | None,
    action: str,
    target_type: str | None = None,
    target_id: int | None = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor_type=actor_type,
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            data=data or {},
            ip=ip,
        )
    )
