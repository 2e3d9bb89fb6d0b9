"""The ``attachments`` table: one row per stored file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId

UPLOADER_TYPES = ("agent", "contact")


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: Empty until a message is sent with it (an upload comes first, then the message).
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    #: Empty for a visitor's upload before their first message made a conversation.
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    #: The widget inbox a visitor's upload came through: it counts against that inbox's
    #: quota (``OTKLIK_WIDGET_UPLOAD_QUOTA_MB``). Empty for operators' and channels' files.
    inbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), index=True
    )
    #: A file of a knowledge-base article (an image in it, a PDF to download): public with
    #: the article once it is published (``kb/files.py``); never pruned as "unsent".
    kb_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    uploader_type: Mapped[str] = mapped_column(String(10))
    uploader_id: Mapped[int | None]
    #: The name the uploader gave, sanitised (no path, no control characters).
    filename: Mapped[str] = mapped_column(String(255))
    #: Sniffed from the content (``sniff.py``), not taken from the name or the request.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigId)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Random file name under ``OTKLIK_DATA_DIR/attachments/`` (never derived from input).
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
