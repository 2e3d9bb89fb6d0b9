"""Bytes of a mail part (or a raw 8-bit header) to text, whatever charset the sender declared.

Order: the declared charset as Python knows it; the same charset under another name
(``x-mac-cyrillic`` is Python's ``mac_cyrillic``, ``win-1251`` is ``cp1251``…); UTF-8 (mail that
says one thing and is another); a detector (``charset-normalizer``) on what is left; and only
then UTF-8 with U+FFFD for the bytes nobody could read.
"""

from __future__ import annotations

import codecs
import re
from email.header import decode_header

from charset_normalizer import from_bytes

#: Names mail clients use that Python's codec registry does not know (or knows as another).
_ALIASES = {
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-ukrainian": "mac_cyrillic",
    "mac-cyrillic": "mac_cyrillic",
    "x-mac-roman": "mac_roman",
    "win-1251": "cp1251",
    "x-cp1251": "cp1251",
    "cp-1251": "cp1251",
    "windows-1251": "cp1251",
    "x-win1251": "cp1251",
    "koi8r": "koi8_r",
    "x-koi8-r": "koi8_r",
    "koi8-ru": "koi8_u",
    "x-unicode-2-0-utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "x-user-defined": "cp1252",
}
#: Declared charsets that say nothing (the detector decides).
_UNKNOWN = frozenset({"", "unknown", "unknown-8bit", "x-unknown", "default", "us-ascii"})
#: Detection is for short texts too; beyond this the first part decides.
_DETECT_BYTES = 64_000


def _codec(name: str) -> str | None:
    name = name.strip().strip('"').lower()
    for candidate in (name, _ALIASES.get(name), name.removeprefix("x-"), name.replace("_", "-")):
        if not candidate:
            continue
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            continue
    return None


def _detect(data: bytes) -> str | None:
    best = from_bytes(data[:_DETECT_BYTES]).best()
    return best.encoding if best is not None else None


def decode(data: bytes, declared: str | None) -> str:
    """The text of ``data``; never raises, replaces only what no candidate could read."""
    declared = (declared or "").strip().lower()
    if declared in ("us-ascii", "ascii") and data.isascii():
        return data.decode("ascii")
    tried: list[str] = []
    codec = _codec(declared) if declared not in _UNKNOWN else None
    candidates = [codec, "utf-8"]
    for name in candidates:
        if name is None or name in tried:
            continue
        tried.append(name)
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    detected = _detect(data)
    if detected is not None and detected not in tried:
        try:
            return data.decode(detected)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode(codec or "utf-8", "replace")


_ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[bqBQ]\?[^?\s]*\?=")


def raw_header(head: bytes, name: str) -> bytes | None:
    """The raw bytes of header ``name`` (unfolded) from a mail's header block."""
    match = re.search(
        rb"(?im)^" + re.escape(name.encode()) + rb"[ \t]*:(.*(?:\r?\n[ \t].*)*)", head
    )
    if match is None:
        return None
    return re.sub(rb"\r?\n[ \t]", b" ", match[1]).strip()


def eight_bit_header(head: bytes, name: str, fallback: str | None) -> str | None:
    """A header sent as raw 8-bit bytes (no RFC 2047 encoding): decoded like a body.

    ``None`` when the header is plain ASCII or encoded properly (the parser handles those).
    ``fallback`` is the charset of the body, the best guess of what the sender's client used.
    """
    value = raw_header(head, name)
    if value is None or value.isascii() or _ENCODED_WORD.search(value):
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = _codec(fallback) if fallback else None
    if codec is not None and codec != "utf-8":
        try:
            return value.decode(codec)
        except UnicodeDecodeError:
            pass
    # Short Cyrillic headers are where detectors guess worst; cp1251 is by far the most
    # common 8-bit charset of such mail, so the detector has to beat it with a longer text.
    detected = _detect(value) if len(value) > 40 else None
    return value.decode(detected or "cp1251", "replace")


def encoded_words(value: str) -> str | None:
    """A header of RFC 2047 words in charsets the stdlib does not know (``x-mac-cyrillic``)."""
    if not _ENCODED_WORD.search(value.encode("ascii", "replace")):
        return None
    try:
        chunks = decode_header(value)
    except Exception:  # noqa: BLE001 — a malformed word: the caller keeps what it had
        return None
    out = []
    for chunk, charset in chunks:
        out.append(decode(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return "".join(out)
