"""What a file is, judged by its first bytes — never by its name or the uploader's word.

A small magic-bytes table instead of ``python-magic``: that needs the system's libmagic (one
more thing to install on every server and in the container), and we only have to tell a few
kinds apart. Anything not recognised is ``application/octet-stream`` and is served as a
download, so a miss errs on the safe side.
"""

from __future__ import annotations

#: How many leading bytes :func:`sniff` looks at.
HEAD_BYTES = 4096
OCTET_STREAM = "application/octet-stream"
#: Shown inline (``<img>``) in the workspace and the widget. SVG is not here on purpose: it
#: can carry script.
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

_EXECUTABLE_PREFIXES = (
    b"\x7fELF",  # Linux and BSD programs and libraries
    b"MZ",  # Windows .exe/.dll (PE)
    b"\xfe\xed\xfa\xce",  # Mach-O, 32 and 64 bit, both byte orders, and fat binaries
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",  # shell and other scripts
)

_OFFICE = (
    (b"word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (b"xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (b"ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)


def is_executable(head: bytes) -> bool:
    return head.startswith(_EXECUTABLE_PREFIXES)


def sniff(head: bytes) -> str:
    """The content type of a file starting with ``head`` (give at least ``HEAD_BYTES``)."""
    if is_executable(head):
        return OCTET_STREAM
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        for marker, office_type in _OFFICE:
            if b"[Content_Types].xml" in head and marker in head:
                return office_type
        return "application/zip"
    if _is_text(head):
        return "text/plain"
    return OCTET_STREAM


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The head may end in the middle of a multi-byte character.
        if exc.start < len(head) - 3:
            return False
    return True


def is_inline(content_type: str) -> bool:
    return content_type in INLINE_IMAGE_TYPES
