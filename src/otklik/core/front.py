"""The front door: the live path's requests taken before FastAPI's and Starlette's entry.

Every request to a FastAPI app first passes its entry (a telemetry check that reads the
environment, Starlette's server-error layer, FastAPI's exception-telemetry and body-limit
layers) and only then our middlewares. For a visitor's message those layers cost about
20 µs of the ~370 µs of CPU the whole message took (``bench/RESULTS.md``, 5 Dec, seventh
session). So the app's middlewares are declared once, as :class:`Layers`: the app's own
stack gets them as usual, and a second copy of the same chain, built around nothing but the
hot and socket routes, takes those requests at the door (every one of these middlewares
keeps no state between requests, so two instances of one behave as one). They pass the
very middlewares they passed before (trusted proxy headers, the socket routes, security
headers, the body limit, CORS when configured), in the same order, and the app's exception
handlers still answer their errors, so no answer changes. Whatever the door does not take,
with every lifespan event, goes through the app as before.

What the door skips does nothing for these requests: the server-error layer answers an
exception that escapes every handler, and the hot routes answer every exception through the
app's handlers (``Exception`` included); FastAPI's native telemetry only acts when an
OpenTelemetry tracer provider is configured, which Otklik never does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from otklik.core.hot import HotHandler, is_json

#: A middleware class: called with the app it wraps and its options (uvicorn types its
#: ASGI callables apart from Starlette, hence no narrower type).
Middleware = Callable[..., Any]


@dataclass(frozen=True)
class Layer:
    middleware: Middleware
    options: Mapping[str, Any] = field(default_factory=dict)


class Layers:
    """The app's middlewares, outermost first, with the routes the door takes."""

    def __init__(
        self,
        layers: Sequence[Layer],
        *,
        hot_routes: Mapping[tuple[str, str], HotHandler],
        socket_paths: Sequence[str],
    ) -> None:
        self.layers = tuple(layers)
        self.hot_routes = frozenset(hot_routes)
        self.socket_paths = frozenset(socket_paths)

    def install(self, app: FastAPI) -> None:
        """The app's own stack (``add_middleware`` puts each one outside the previous)."""
        for layer in reversed(self.layers):
            app.add_middleware(layer.middleware, **layer.options)

    def around(self, inner: ASGIApp) -> ASGIApp:
        """The same chain built around ``inner``."""
        for layer in reversed(self.layers):
            inner = layer.middleware(inner, **layer.options)
        return inner

    def takes(self, scope: Scope) -> bool:
        """A request the chain's innermost routes answer themselves."""
        kind = scope["type"]
        if kind == "http":
            return (scope["method"], scope["path"]) in self.hot_routes and is_json(scope)
        return kind == "websocket" and scope["path"] in self.socket_paths


class FrontDoorApp(FastAPI):
    """A FastAPI app whose hot and socket routes are taken at its door (:meth:`open_door`)."""

    _door: ASGIApp | None = None
    _layers: Layers | None = None

    def open_door(self, layers: Layers) -> None:
        """Install ``layers`` in the app's stack and build the door from a copy of them.
        Innermost in the door is the app's stack itself, which a request the door takes
        never reaches (its routes answer it); it is there only so nothing can be lost."""
        layers.install(self)
        self._layers = layers
        self._door = layers.around(self._through_the_app)

    async def _through_the_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        layers, door = self._layers, self._door
        if door is not None and layers is not None and not self.root_path and layers.takes(scope):
            scope["app"] = self  # what Starlette sets: handlers read ``request.app``
            await door(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
