"""One error type for the whole API, answered as ``{"error": {"code", "message"}}``."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


def not_found(what: str, ident: object) -> AppError:
    return AppError(404, "not_found", f"{what} {ident} does not exist.")


def forbidden(message: str = "You may not do this.") -> AppError:
    return AppError(403, "forbidden", message)


def unauthorized(message: str = "Sign in first.") -> AppError:
    return AppError(401, "unauthorized", message)


def invalid(message: str) -> AppError:
    return AppError(422, "validation_error", message)


def conflict(message: str) -> AppError:
    return AppError(409, "conflict", message)
