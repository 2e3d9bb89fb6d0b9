"""A small typed client for the Telegram Bot API (the few methods a support desk needs).

Every call is ``POST {api_base}/bot<token>/<method>`` with a JSON body; the answer is
``{"ok": true, "result": …}`` or ``{"ok": false, "error_code", "description",
"parameters": {"retry_after"}}``. Files download from ``{api_base}/file/bot<token>/<path>``.

Why not aiogram (the design's first choice): every aiogram release up to 3.31 pins
``pydantic<2.14``, and Otklik runs on pydantic 2.14 — installing it downgrades pydantic for
the whole application. The handful of methods used here are plain JSON over HTTPS; see
``docs/adr/0007-telegram-over-httpx.md``.
"""

from __future__ import annotations

from typing import Any

import httpx

from otklik.core import ssrf

DEFAULT_API_BASE = "https://api.telegram.org"
#: Telegram's limit for one text message.
MESSAGE_LIMIT = 4096
#: Telegram's limit for a photo or document caption.
CAPTION_LIMIT = 1024
#: The Bot API serves files up to 20 MB through getFile.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
#: Uploads: photos up to 10 MB (larger images go as documents), other files up to 50 MB.
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: Image types ``sendPhoto`` takes; anything else is sent with ``sendDocument``.
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


class TelegramError(Exception):
    def __init__(self, code: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"Telegram error {code}: {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after


def describe(exc: BaseException) -> str:
    """A failure of the Bot API in words an admin understands (channel health shows it)."""
    if isinstance(exc, TelegramError):
        if exc.code == 401:
            return "Telegram rejected the bot token (401 Unauthorized)"
        if exc.code == 409:
            return f"Telegram refused: another webhook or poller uses this bot ({exc.description})"
        return f"Telegram answered {exc.code}: {exc.description}"
    if isinstance(exc, ssrf.RefusedRequest):
        return f"The Bot API address may not be reached: {exc}"
    if isinstance(exc, httpx.TimeoutException):
        return "Telegram did not answer in time"
    if isinstance(exc, httpx.HTTPError):
        return f"Could not reach Telegram: {exc or type(exc).__name__}"
    return f"Telegram error: {type(exc).__name__}: {exc}"


class BotApi:
    def __init__(
        self,
        token: str,
        *,
        api_base: str = DEFAULT_API_BASE,
        policy: ssrf.Policy | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        """``policy``: where the bot may connect (the token goes to ``api_base``, which an
        admin may change: it is held to the same SSRF policy as webhooks)."""
        self.token = token
        self.api_base = api_base.rstrip("/")
        self._client = client or ssrf.guarded_client(
            policy or ssrf.Policy(), timeout=httpx.Timeout(10.0, read=70.0)
        )
        self._own_client = client is None

    async def __aenter__(self) -> BotApi:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_client:
            await self._client.aclose()

    async def call(self, method: str, **params: Any) -> Any:
        body = {k: v for k, v in params.items() if v is not None}
        response = await self._client.post(f"{self.api_base}/bot{self.token}/{method}", json=body)
        return self._result(response)

    def _result(self, response: httpx.Response) -> Any:
        try:
            data: dict[str, Any] = response.json()
        except ValueError:
            raise TelegramError(response.status_code, response.text[:200] or "no body") from None
        if data.get("ok") is True:
            return data.get("result")
        parameters = data.get("parameters") or {}
        retry_after = parameters.get("retry_after")
        raise TelegramError(
            int(data.get("error_code") or response.status_code),
            str(data.get("description") or "request failed"),
            float(retry_after) if isinstance(retry_after, int | float) else None,
        )

    async def get_me(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("getMe")
        return result

    async def get_updates(
        self, *, offset: int | None, wait_seconds: int, allowed_updates: list[str]
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.call(
            "getUpdates", offset=offset, timeout=wait_seconds, allowed_updates=allowed_updates
        )
        return result

    async def set_webhook(self, *, url: str, secret_token: str, allowed_updates: list[str]) -> None:
        await self.call(
            "setWebhook", url=url, secret_token=secret_token, allowed_updates=allowed_updates
        )

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def send_message(
        self, *, chat_id: int | str, text: str, reply_markup: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "sendMessage", chat_id=chat_id, text=text, reply_markup=reply_markup
        )
        return result

    async def answer_callback_query(self, *, callback_query_id: str) -> None:
        """Stop the button's spinner in the customer's app."""
        await self.call("answerCallbackQuery", callback_query_id=callback_query_id)

    async def send_file(
        self,
        *,
        chat_id: int | str,
        filename: str,
        content_type: str,
        data: bytes,
        caption: str | None = None,
    ) -> dict[str, Any]:
        """Upload a file (``multipart/form-data``): ``sendPhoto`` for a JPEG/PNG/WebP image of
        up to 10 MB, ``sendDocument`` for anything else."""
        method, field = (
            ("sendPhoto", "photo")
            if content_type in PHOTO_TYPES and len(data) <= MAX_PHOTO_BYTES
            else ("sendDocument", "document")
        )
        form = {"chat_id": str(chat_id)}
        if caption:
            form["caption"] = caption
        response = await self._client.post(
            f"{self.api_base}/bot{self.token}/{method}",
            data=form,
            files={field: (filename, data, content_type)},
        )
        result: dict[str, Any] = self._result(response)
        return result

    async def download(self, file_id: str) -> tuple[str, bytes]:
        """``(file_path, data)`` of a file a customer sent (getFile, then the file URL)."""
        info: dict[str, Any] = await self.call("getFile", file_id=file_id)
        path = str(info.get("file_path") or "")
        if not path:
            raise TelegramError(400, "getFile returned no file_path")
        if int(info.get("file_size") or 0) > MAX_DOWNLOAD_BYTES:
            raise TelegramError(400, "file too large to download")
        response = await self._client.get(f"{self.api_base}/file/bot{self.token}/{path}")
        if response.status_code != 200:
            raise TelegramError(response.status_code, "file download failed")
        return path, response.content


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at a paragraph, line or word break when
    there is one in the second half of the piece."""
    pieces: list[str] = []
    rest = text
    while telegram_length(rest) > limit:
        size = limit
        while telegram_length(rest[:size]) > limit:  # characters outside the BMP count twice
            size = max(1, size - (telegram_length(rest[:size]) - limit + 1) // 2)
        window = rest[:size]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            at = window.rfind(separator)
            if at >= size // 2:
                cut = at + len(separator)
                break
        if cut <= 0:
            cut = size
        pieces.append(rest[:cut].rstrip() or rest[:cut])
        rest = rest[cut:]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2
