"""``Annotated`` dependency aliases used by every route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.config import Settings


def get_session(request: Request) -> AsyncSession:
    session: AsyncSession = request.state.db_session
    return session


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


DbSession = Annotated[AsyncSession, Depends(get_session)]
AppSettings = Annotated[Settings, Depends(get_app_settings)]
ClientIp = Annotated[str, Depends(client_ip)]
