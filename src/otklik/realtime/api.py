"""The operators' socket: ``/api/v1/ws``."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket

from otklik.accounts import access
from otklik.accounts import service as accounts
from otklik.accounts.deps import SESSION_COOKIE
from otklik.conversations import service as conversations
from otklik.core.events import Reach
from otklik.realtime.auth import Identity, SocketAuth
from otklik.realtime.presence import PresenceKeeper
from otklik.realtime.protocol import (
    STREAM_AGENTS,
    AgentTypingFrame,
    Outgoing,
    VisitorTypingFrame,
    contact_stream,
)
from otklik.realtime.scopes import ScopeKeeper
from otklik.realtime.wire import Wire
from otklik.realtime.ws import (
    ClientError,
    Realtime,
    close_with_error,
    raw_send,
    read_hello,
    serve,
)

log = logging.getLogger(__name__)
router = APIRouter(tags=["realtime"])
PRESENCE_VALUES = ("online", "away", "offline")


def same_origin(ws: WebSocket) -> bool:
    """A cookie-authenticated socket must come from our own pages (no cross-site hijack)."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser
    allowed = {ws.headers.get("host", "")}
    allowed.update(urlsplit(o).netloc for o in ws.app.state.settings.cors_origins)
    return urlsplit(origin).netloc in allowed


async def _authenticate(ws: WebSocket, auth: SocketAuth, token: str | None) -> Identity | None:
    """The token from ``hello`` (API clients), else the session cookie (the workspace)."""
    if not token:
        token = ws.cookies.get(SESSION_COOKIE)
        if token and not same_origin(ws):
            return None
    if not token:
        return None
    return await auth.identify(token)


class AgentFrames:
    """What an operator's socket may say: typing, presence, and that they are active."""

    def __init__(
        self,
        realtime: Realtime,
        identity: Identity,
        scope: access.Scope,
        presence: PresenceKeeper,
    ) -> None:
        self.realtime = realtime
        self.presence = presence
        self.agent_id = identity.agent_id
        self.agent_name = identity.name
        self.scope = scope
        self._contact_of: dict[int, tuple[int, Reach]] = {}

    async def __call__(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "typing":
            await self._typing(frame)
        elif kind == "presence":
            await self._presence(frame)
        elif kind == "activity":
            await self.presence.active(self.agent_id)
        else:
            raise ClientError("bad_frame", f"Unknown frame type {kind!r}.")

    async def _contact_and_reach(self, conversation_id: int) -> tuple[int, Reach]:
        """The conversation's contact and reach, if this operator may see it (read once per
        conversation: typing notices come several a second)."""
        if conversation_id not in self._contact_of:
            async with self.realtime.db.session(write=False) as session:
                found = await conversations.contact_and_reach(
                    session, conversation_id=conversation_id, scope=self.scope
                )
            if found is None:
                raise ClientError("not_found", f"Conversation {conversation_id} does not exist.")
            self._contact_of[conversation_id] = found
        return self._contact_of[conversation_id]

    async def _typing(self, frame: dict[str, Any]) -> None:
        conversation_id = frame.get("conversation_id")
        if not isinstance(conversation_id, int) or isinstance(conversation_id, bool):
            raise ClientError("bad_frame", "typing needs an integer conversation_id.")
        typing = bool(frame.get("typing", True))
        contact_id, reach = await self._contact_and_reach(conversation_id)
        for_agents = AgentTypingFrame(
            conversation_id=conversation_id,
            author_type="agent",
            author_id=self.agent_id,
            name=self.agent_name,
            typing=typing,
        )
        for_visitor = VisitorTypingFrame(name=self.agent_name, typing=typing)
        await self.realtime.broker.publish(
            [
                Outgoing(stream=STREAM_AGENTS, text=for_agents.text(), reach=reach),
                Outgoing(stream=contact_stream(contact_id), text=for_visitor.text()),
            ]
        )

    async def _presence(self, frame: dict[str, Any]) -> None:
        status = frame.get("status")
        if status not in PRESENCE_VALUES:
            raise ClientError("bad_frame", "presence status must be online, away or offline.")
        async with self.realtime.db.session(write=True) as session:
            await accounts.set_status_of(session, agent_id=self.agent_id, status=str(status))


# A plain Starlette route: no dependency solving and no exit stacks per socket (they cost
# ~6 KB of memory per idle socket); the endpoint reads what it needs from the socket itself.
@router.websocket_route("/api/v1/ws")
async def agent_socket(ws: WebSocket) -> None:
    realtime: Realtime = ws.app.state.realtime
    auth: SocketAuth = ws.app.state.socket_auth
    await ws.accept()
    hello = await read_hello(ws)
    if hello is None:
        return
    identity = await _authenticate(ws, auth, hello.token)
    if identity is None:
        await close_with_error(ws, "unauthorized", "Sign in first.", 4401)
        return
    scopes: ScopeKeeper = ws.app.state.scope_keeper
    scope = await scopes.scope_for(identity.agent_id)
    if scope is None:
        await close_with_error(ws, "unauthorized", "Sign in first.", 4401)
        return
    # Tracked from here: a sign-out committed from now on closes it.
    wire = Wire(raw_send(ws))
    auth.track(identity, wire)
    presence: PresenceKeeper = ws.app.state.presence
    presence.opened(identity.agent_id)
    try:
        await serve(
            ws,
            realtime=realtime,
            hello=hello,
            streams=[STREAM_AGENTS],
            on_frame=AgentFrames(realtime, identity, scope, presence),
            wire=wire,
            scope=scope,
            scopes=scopes,
            when_live=partial(presence.returned, identity.agent_id),
        )
    finally:
        auth.untrack(identity, wire)
        await _closed(presence, identity.agent_id)


async def _closed(presence: PresenceKeeper, agent_id: int) -> None:
    """The socket is gone: say so (a failed write only makes the grace period start from
    this process's last beat instead)."""
    try:
        await presence.closed(agent_id)
    except Exception:
        log.warning("recording that a socket of agent %s closed failed", agent_id, exc_info=True)
