"""The visitor's socket: ``/api/v1/widget/ws``; the visitor token comes in ``hello``.

Every widget socket hears its inbox's stream (whether someone is online to answer). A widget
with no visitor yet (the offline form, before anything was sent) may open one with the
public ``?inbox_key=`` and no token: it hears only that, and may say nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, WebSocket

from otklik.channels.widget.service import INVALID_TOKEN
from otklik.conversations import service as conversations
from otklik.core.security import VisitorIdentity, VisitorTokens
from otklik.channels import service as inboxes
from otklik.realtime.protocol import (
    STREAM_AGENTS,
    AgentTypingFrame,
    Outgoing,
    contact_stream,
    inbox_stream,
)
from otklik.realtime.ws import ClientError, Hello, Realtime, close_with_error, read_hello, serve

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
    if not hello.token:
        await _availability_only(ws, realtime, hello)
        return
    identity = tokens.read(hello.token)
    if identity is None:
        await close_with_error(ws, "unauthorized", INVALID_TOKEN, 4401)
        return
    await serve(
        ws,
        realtime=realtime,
        hello=hello,
        streams=[contact_stream(identity.contact_id), inbox_stream(identity.inbox_id)],
        on_frame=VisitorFrames(realtime, identity),
    )


async def _say_nothing(_frame: dict[str, Any]) -> None:
    raise ClientError("unauthorized", INVALID_TOKEN)


async def _availability_only(ws: WebSocket, realtime: Realtime, hello: Hello) -> None:
    """A widget with no visitor: its inbox's availability, nothing else."""
    key = ws.query_params.get("inbox_key", "")
    inbox = None
    if 0 < len(key) <= 64:
        async with realtime.db.session(write=False) as session:
            inbox = await inboxes.cached_widget_inbox(session, key)
    if inbox is None:
        await close_with_error(ws, "unauthorized", INVALID_TOKEN, 4401)
        return
    # Nothing to replay on this stream (its frames are transient): start from now.
    await serve(
        ws,
        realtime=realtime,
        hello=Hello(last_event_id=None, token=None),
        streams=[inbox_stream(inbox.id)],
        on_frame=_say_nothing,
    )
