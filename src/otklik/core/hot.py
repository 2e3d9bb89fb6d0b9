"""The busiest HTTP routes served from a middleware, past FastAPI's router.

Between the middlewares and an endpoint, Starlette and FastAPI add an exception layer, an
exit-stack layer, the router's match over every route, the endpoint's request-parsing and
dependency machinery and the answer's serialisation: on a visitor's message that was about
as much CPU as writing it (``bench/RESULTS.md``). A hot route is an exact method and path
whose handler takes the request and its raw body and returns the answer itself; the
middlewares outside this one (proxy headers, security headers, the body limit, CORS) still
apply. Errors are answered by the app's own exception handlers (``core/http.py``), so a hot
route answers bad input exactly as the routed endpoint does. The endpoint stays registered
as a route too (OpenAPI, and any request this layer does not take: another content type, a
``root_path`` deployment).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

#: Takes the request and its whole body; returns the answer. Raises as an endpoint would.
HotHandler = Callable[[Request, bytes], Awaitable[Response]]


def body_errors(exc: ValidationError) -> RequestValidationError:
    """A model's validation errors as FastAPI reports a body's (``loc`` from ``body``)."""
    return RequestValidationError(
        [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
    )


def is_json(scope: Scope) -> bool:
    name: bytes
    value: bytes
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"application/json"
    return False


class HotRoutes:
    def __init__(self, app: ASGIApp, routes: Mapping[tuple[str, str], HotHandler]) -> None:
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            handler = self.routes.get((scope["method"], scope["path"]))
            if handler is not None and is_json(scope):
                request = Request(scope, receive, send)
                try:
                    response = await handler(request, await request.body())
                except ValidationError as exc:
                    response = await self._answer_error(request, body_errors(exc))
                except Exception as exc:
                    response = await self._answer_error(request, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _answer_error(request: Request, exc: Exception) -> Response:
        """The app's handler for ``exc`` (the closest class up its MRO, as Starlette picks)."""
        handlers = request.app.exception_handlers
        for cls in type(exc).__mro__:
            handler = handlers.get(cls)
            if handler is not None:
                response: Response = await handler(request, exc)
                return response
        raise exc
