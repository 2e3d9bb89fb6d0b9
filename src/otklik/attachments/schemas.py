"""API shapes of attachments."""

from __future__ import annotations

from pydantic import BaseModel


class AttachmentOut(BaseModel):
    id: int
    filename: str
    #: Sniffed from the content.
    content_type: str
    size: int
    #: ``GET`` it with the operator's or the visitor's credentials.
    url: str
    #: A safe image (PNG, JPEG, GIF, WebP): show it as a preview. Anything else is a download.
    inline: bool
