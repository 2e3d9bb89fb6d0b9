"""``Annotated`` dependency aliases used by every route.

They are ``async def`` on purpose: FastAPI runs plain ``def`` dependencies in a thread pool,
a thread hop per dependency per request for what is an attribute lookup."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.config import Settings


async def get_session(request: Request) -> AsyncSession:
    session: AsyncSession = request.state.db_session
    return session


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


DbSession = Annotated[AsyncSession, Depends(get_session)]
AppSettings = Annotated[Settings, Depends(get_app_settings)]
ClientIp = Annotated[str, Depends(client_ip)]
