"""Socket endpoints served straight from the outer middleware, past the app's stack.

Every layer between the server and an endpoint (routers, exception handlers, exit stacks,
body limits, security headers: none of which acts on a WebSocket) keeps a suspended frame
for as long as the socket lives: ~4 KB per idle socket, an eighth of what a socket may cost.
The same endpoints stay registered as routes; a path that does not match exactly (a
``root_path`` deployment, say) simply takes the long way through them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

Endpoint = Callable[[WebSocket], Awaitable[None]]


class SocketRoutes:
    def __init__(self, app: ASGIApp, routes: Mapping[str, Endpoint]) -> None:
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            endpoint = self.routes.get(scope["path"])
            if endpoint is not None:
                await endpoint(WebSocket(scope, receive, send))
                return
        await self.app(scope, receive, send)
