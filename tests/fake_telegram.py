"""A local stand-in for the Telegram Bot API server, speaking its wire format.

``POST /bot<token>/<method>`` with JSON, form or query parameters answers
``{"ok": true, "result": …}`` or ``{"ok": false, "error_code", "description",
"parameters"?}``; files download from ``GET /file/bot<token>/<file_path>``. Implemented:
getMe, getUpdates (long polling with offset confirmation), setWebhook, deleteWebhook,
sendMessage, sendPhoto, sendDocument, getFile. Served by uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "123456789:AAE_fake-token-for-tests_0123456789"
BOT = {"id": 123456789, "is_bot": True, "first_name": "Otklik Test", "username": "otklik_test_bot"}


#: How JPEG, PNG and WebP files begin (the fake refuses other bytes as a photo, like Telegram).
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


@dataclass(frozen=True)
class Upload:
    """A file a bot uploaded with sendPhoto / sendDocument."""

    filename: str
    content_type: str
    data: bytes


def error(code: int, description: str, retry_after: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return JSONResponse(body, status_code=code)


def _check_inline_keyboard(markup: Any) -> str | None:
    """What the Bot API refuses in an ``InlineKeyboardMarkup`` (the parts we send)."""
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return 'field "inline_keyboard" must be an Array of Array'
    for row in rows:
        if len(row) > 8:
            return "too many buttons in a row"
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                return "text buttons are unallowed in the inline keyboard"
            data = button.get("callback_data")
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                return "BUTTON_DATA_INVALID"
    return None


class FakeBotApi:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.port = 0
        self.updates: list[dict[str, Any]] = []
        self.update_ids = itertools.count(1000)
        self.message_ids = itertools.count(1)
        self.sent: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.webhook: dict[str, Any] | None = None
        self.files: dict[str, tuple[str, bytes]] = {}
        #: Files bots uploaded, in order.
        self.uploads: list[Upload] = []
        #: Errors the next sendMessage calls answer with, in order (code, description, retry).
        self.send_errors: list[tuple[int, str, int | None]] = []
        #: Callback queries pushed by :meth:`press`, and those the bot answered.
        self.callback_ids: set[str] = set()
        self.answered_callbacks: list[str] = []
        self._new_update = asyncio.Event()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- test helpers -------------------------------------------------------------------

    def push(self, message: dict[str, Any], kind: str = "message") -> dict[str, Any]:
        update = {"update_id": next(self.update_ids), kind: message}
        self.updates.append(update)
        self._new_update.set()
        return update

    def add_file(self, file_id: str, path: str, data: bytes) -> None:
        self.files[file_id] = (path, data)

    # --- the API ------------------------------------------------------------------------

    async def _params(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query_params)
        content_type = request.headers.get("content-type", "")
        if "application/json" in content_type:
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        elif "form" in content_type:
            async with request.form() as form:  # closes the uploads' temporary files
                for key, value in form.multi_items():
                    if isinstance(value, str):
                        params[key] = value
                    else:  # an uploaded file (multipart/form-data)
                        params[key] = Upload(
                            value.filename or "", value.content_type or "", await value.read()
                        )
        return params

    async def _method(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return error(401, "Unauthorized")
        method = request.path_params["method"]
        self.calls.append(method)
        params = await self._params(request)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return error(404, "Not Found: method not found")
        result = await handler(params)
        if isinstance(result, Response):
            return result
        return JSONResponse({"ok": True, "result": result})

    async def _getMe(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return BOT

    async def _getUpdates(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if self.webhook is not None:
            return error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while not self.updates and time.monotonic() < deadline:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
        return self.updates[: int(params.get("limit") or 100)]

    async def _setWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if not params.get("url"):
            self.webhook = None
            return True
        self.webhook = {
            "url": params["url"],
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
        }
        return True

    async def _deleteWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.webhook = None
        return True

    def _message(self, chat_id: Any, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self.message_ids),
            "date": int(time.time()),
            "from": BOT,
            "chat": {"id": int(chat_id), "type": "private"},
            **content,
        }

    async def _sendMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if self.send_errors:
            code, description, retry_after = self.send_errors.pop(0)
            return error(code, description, retry_after)
        text = str(params.get("text") or "")
        if not text:
            return error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return error(400, "Bad Request: message is too long")
        content: dict[str, Any] = {"text": text}
        markup = params.get("reply_markup")
        if markup is not None:
            refused = _check_inline_keyboard(markup)
            if refused is not None:
                return error(400, f"Bad Request: {refused}")
            content["reply_markup"] = markup
        message = self._message(params["chat_id"], **content)
        self.sent.append(message)
        return message

    async def _answerCallbackQuery(self, params: dict[str, Any]) -> Any:  # noqa: N802
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or query_id not in self.callback_ids:
            return error(400, "Bad Request: query is too old and response timeout expired")
        self.answered_callbacks.append(query_id)
        return True

    def press(self, message: dict[str, Any], data: str) -> str:
        """The customer presses an inline button (``data``) under one of the bot's messages:
        a ``callback_query`` update as the Bot API sends it. Returns the query's id."""
        query_id = str(next(self.update_ids) * 7919)
        self.callback_ids.add(query_id)
        self.push(
            {
                "id": query_id,
                "from": {"id": message["chat"]["id"], "is_bot": False, "first_name": "Customer"},
                "message": message,
                "chat_instance": "1",
                "data": data,
            },
            kind="callback_query",
        )
        return query_id

    def _file_id(self, value: Any) -> str | JSONResponse:
        """A new upload is stored under a fresh file_id; a string is an earlier file_id."""
        if isinstance(value, Upload):
            if not value.data:
                return error(400, "Bad Request: file must be non-empty")
            file_id = f"up-{next(self.message_ids)}"
            self.files[file_id] = (f"uploads/{value.filename}", value.data)
            self.uploads.append(value)
            return file_id
        if not value:
            return error(400, "Bad Request: there is no file in the request")
        return str(value)

    def _caption(self, params: dict[str, Any]) -> str | None | JSONResponse:
        caption = params.get("caption")
        if caption and len(str(caption).encode("utf-16-le")) // 2 > 1024:
            return error(400, "Bad Request: message caption is too long")
        return str(caption) if caption else None

    async def _sendPhoto(self, params: dict[str, Any]) -> Any:  # noqa: N802
        upload = params.get("photo")
        if isinstance(upload, Upload) and not upload.data.startswith(IMAGE_MAGIC):
            return error(400, "Bad Request: IMAGE_PROCESS_FAILED")
        file_id, caption = self._file_id(upload), self._caption(params)
        if isinstance(file_id, JSONResponse):
            return file_id
        if isinstance(caption, JSONResponse):
            return caption
        photo = [{"file_id": file_id, "file_unique_id": file_id, "width": 1, "height": 1}]
        message = self._message(params["chat_id"], photo=photo, caption=caption)
        self.sent.append(message)
        return message

    async def _sendDocument(self, params: dict[str, Any]) -> Any:  # noqa: N802
        upload = params.get("document")
        file_id, caption = self._file_id(upload), self._caption(params)
        if isinstance(file_id, JSONResponse):
            return file_id
        if isinstance(caption, JSONResponse):
            return caption
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": file_id}
        if isinstance(upload, Upload):
            document |= {
                "file_name": upload.filename,
                "mime_type": upload.content_type,
                "file_size": len(upload.data),
            }
        message = self._message(params["chat_id"], document=document, caption=caption)
        self.sent.append(message)
        return message

    async def _getFile(self, params: dict[str, Any]) -> Any:  # noqa: N802
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            return error(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": file_id[:8],
            "file_size": len(data),
            "file_path": path,
        }

    async def _file(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return error(401, "Unauthorized")
        for path, data in self.files.values():
            if path == request.path_params["path"]:
                return Response(data, media_type="application/octet-stream")
        return error(404, "Not Found")

    # --- serving ------------------------------------------------------------------------

    async def start(self) -> None:
        app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._method, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
            ]
        )
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            self._server.force_exit = True  # a long poll may still be waiting
            await self._task
