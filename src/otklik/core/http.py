"""Error answers and the request-size limit (security headers: ``core/headers.py``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from otklik.core.errors import AppError

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_048_576

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def on_app_error(_: Request, exc: AppError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "bad_request", "The body is not valid JSON.")
        return error_response(422, "validation_error", _describe(errors))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404:
            message = "There is nothing at this address."
        return error_response(exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(OverflowError)
    async def on_overflow(request: Request, exc: OverflowError) -> JSONResponse:
        return _out_of_range(request, exc)

    @app.exception_handler(DBAPIError)
    async def on_driver_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if _caused_by_overflow(exc):
            return _out_of_range(request, exc)
        if _unstorable_text(exc):
            return error_response(
                422, "validation_error", "Text in the request has characters that cannot be stored."
            )
        if isinstance(exc, IntegrityError):
            # Services check uniqueness and references first; this answers the race in which
            # two requests passed those checks at once (the transaction is rolled back).
            log.warning("integrity error on %s %s: %s", request.method, request.url.path, exc)
            return error_response(
                409, "conflict", "The change conflicts with another one; reload and try again."
            )
        return await on_unexpected(request, exc)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "Something went wrong on our side.")


def _caused_by_overflow(exc: BaseException) -> bool:
    """A number the driver could not bind (asyncpg: DataError caused by OverflowError)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, OverflowError):
            return True
        seen = seen.__cause__ or seen.__context__ or getattr(seen, "orig", None)
    return False


#: asyncpg's errors for text PostgreSQL cannot store (NUL characters, mostly).
_UNSTORABLE_TEXT = frozenset({"UntranslatableCharacterError", "CharacterNotInRepertoireError"})


def _unstorable_text(exc: DBAPIError) -> bool:
    cause = exc.orig.__cause__ if exc.orig is not None else None
    return type(cause).__name__ in _UNSTORABLE_TEXT


def _out_of_range(request: Request, exc: BaseException) -> JSONResponse:
    """A number in the request that no column can hold (an id of 2⁶³ or more, say).

    The ``Id`` type refuses such ids where routes declare it; this is the net under every
    other number, on both databases (SQLite's driver raises ``OverflowError``, asyncpg's a
    ``DataError`` caused by one). The request's transaction is rolled back already."""
    log.info("number out of range on %s %s: %s", request.method, request.url.path, exc)
    return error_response(
        422, "validation_error", "A number in the request is out of range (at most 2^63 - 1)."
    )


class BodyLimit:
    """Refuse bodies over the limit with 413, whether announced or streamed.

    ``allowances``: paths (full-match patterns) with a larger limit of their own, for the
    routes that stream uploads to disk."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int = MAX_BODY_BYTES,
        allowances: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.limit = limit
        self.allowances = list(allowances)

    def _limit_for(self, path: str) -> int:
        for pattern, limit in self.allowances:
            if pattern.fullmatch(path):
                return limit
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope.get("path", ""))
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                response = error_response(413, "too_large", "The request body is too large.")
                await response(scope, receive, send)
                return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise AppError(413, "too_large", "The request body is too large.")
            return message

        await self.app(scope, limited_receive, send)
