"""The visitor's socket: ``/api/v1/widget/ws``; the visitor token comes in ``hello``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, WebSocket

from otklik.channels.widget.service import INVALID_TOKEN
from otklik.conversations import service as conversations
from otklik.core.security import VisitorIdentity, VisitorTokens
from otklik.realtime.protocol import STREAM_AGENTS, AgentTypingFrame, Outgoing, contact_stream
from otklik.realtime.ws import ClientError, Realtime, close_with_error, read_hello, serve

router = APIRouter(tags=["widget"])


class VisitorFrames:
    """A visitor may only say that they are typing."""

    def __init__(self, realtime: Realtime, identity: VisitorIdentity) -> None:
        self.realtime = realtime
        self.identity = identity

    async def __call__(self, frame: dict[str, Any]) -> None:
        if frame.get("type") != "typing":
            raise ClientError("bad_frame", f"Unknown frame type {frame.get('type')!r}.")
        async with self.realtime.db.session(write=False) as session:
            found = await conversations.latest_conversation_reach(
                session, contact_id=self.identity.contact_id, inbox_id=self.identity.inbox_id
            )
        if found is None:
            return  # nobody to tell before the first message
        conversation_id, reach = found
        notice = AgentTypingFrame(
            conversation_id=conversation_id,
            author_type="contact",
            author_id=self.identity.contact_id,
            name=None,
            typing=bool(frame.get("typing", True)),
        )
        await self.realtime.broker.publish(
            [Outgoing(stream=STREAM_AGENTS, text=notice.text(), reach=reach)]
        )


# A plain Starlette route: no dependency solving and no exit stacks per socket (they cost
# ~6 KB of memory per idle socket); the endpoint reads what it needs from the socket itself.
@router.websocket_route("/api/v1/widget/ws")
async def visitor_socket(ws: WebSocket) -> None:
    realtime: Realtime = ws.app.state.realtime
    tokens: VisitorTokens = ws.app.state.visitor_tokens
    await ws.accept()
    hello = await read_hello(ws)
    if hello is None:
        return
    identity = tokens.read(hello.token) if hello.token else None
    if identity is None:
        await close_with_error(ws, "unauthorized", INVALID_TOKEN, 4401)
        return
    await serve(
        ws,
        realtime=realtime,
        hello=hello,
        streams=[contact_stream(identity.contact_id)],
        on_frame=VisitorFrames(realtime, identity),
    )
