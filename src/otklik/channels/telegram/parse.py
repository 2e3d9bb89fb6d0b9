"""Telegram updates → what Otklik stores.

Private chats only (a bot added to a group would mix customers). A customer's *edit* is
appended as a new message marked ``edited`` — the operator sees what was first written and
what it became; Otklik never rewrites a customer's message. Photos, documents, voice notes,
audio and videos are downloaded by the ingest job and stored as attachments; their file ids
are kept in ``channel_data`` as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A customer pressed an inline button under one of our messages (a survey's score)."""

    callback_query_id: str
    chat_id: int
    data: str


def parse_callback(update: dict[str, Any]) -> ButtonPress | None:
    """A ``callback_query`` update from a private chat; ``None`` for anything else."""
    query = update.get("callback_query")
    if not isinstance(query, dict):
        return None
    message = query.get("message") or {}
    chat = message.get("chat") or {} if isinstance(message, dict) else {}
    data, ident = query.get("data"), query.get("id")
    if chat.get("type") != "private" or not isinstance(chat.get("id"), int):
        return None
    if not isinstance(data, str) or not isinstance(ident, str):
        return None
    return ButtonPress(callback_query_id=ident, chat_id=int(chat["id"]), data=data)


@dataclass(frozen=True, slots=True)
class FileRef:
    file_id: str
    kind: str
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedUpdate:
    external_id: str
    chat_id: int
    text: str
    sender_name: str | None
    channel_data: dict[str, Any]
    files: list[FileRef] = field(default_factory=list)


def _name(user: dict[str, Any]) -> str | None:
    parts = [str(user.get("first_name") or "").strip(), str(user.get("last_name") or "").strip()]
    name = " ".join(p for p in parts if p)
    return name or (f"@{user['username']}" if user.get("username") else None)


def _files(message: dict[str, Any]) -> list[FileRef]:
    found: list[FileRef] = []
    photos = message.get("photo")
    if isinstance(photos, list) and photos:
        largest = max(photos, key=lambda p: int(p.get("width", 0)) * int(p.get("height", 0)))
        found.append(
            FileRef(str(largest["file_id"]), "photo", f"photo-{message['message_id']}.jpg")
        )
    for kind, default in (
        ("document", "document"),
        ("voice", "voice.ogg"),
        ("audio", "audio"),
        ("video", "video.mp4"),
        ("video_note", "video-note.mp4"),
    ):
        item = message.get(kind)
        if isinstance(item, dict) and item.get("file_id"):
            found.append(FileRef(str(item["file_id"]), kind, str(item.get("file_name") or default)))
    return found


def parse_update(update: dict[str, Any]) -> ParsedUpdate | None:
    """``None`` for what a support desk does not take (groups, channels, service messages)."""
    edited = "edited_message" in update
    message = update.get("edited_message") if edited else update.get("message")
    if not isinstance(message, dict):
        return None
    chat = message.get("chat") or {}
    user = message.get("from") or {}
    if chat.get("type") != "private" or not isinstance(chat.get("id"), int) or user.get("is_bot"):
        return None
    files = _files(message)
    text = str(message.get("text") or message.get("caption") or "")
    if not text and not files:
        return None  # stickers, locations, contacts…: not supported yet
    message_id = int(message["message_id"])
    external_id = f"{chat['id']}:{message_id}"
    if edited:
        external_id += f":edit:{message.get('edit_date') or update.get('update_id')}"
    telegram: dict[str, Any] = {
        "chat_id": chat["id"],
        "message_id": message_id,
        "user_id": user.get("id"),
        "username": user.get("username"),
        "language_code": user.get("language_code"),
    }
    if edited:
        telegram["edited"] = True
    if files:
        telegram["files"] = [{"file_id": f.file_id, "kind": f.kind} for f in files]
    return ParsedUpdate(
        external_id=external_id,
        chat_id=int(chat["id"]),
        text=f"✎ {text}" if edited and text else text,
        sender_name=_name(user),
        channel_data={"telegram": {k: v for k, v in telegram.items() if v is not None}},
        files=files,
    )
