"""The signed content of an opaque S/MIME mail (``application/pkcs7-mime; smime-type=signed-data``).

Such a mail carries the whole message *inside* a CMS ``SignedData`` structure (RFC 5652), so a
reader that does not open it shows nothing. We take the content out without verifying the
signature: the operator reads the mail and the workspace says it was signed.

``cryptography`` (already a dependency) verifies and builds PKCS #7 but has no call that returns
the encapsulated content, and the ASN.1 packages on PyPI are unmaintained; the path to the
content is short and fixed, so this module reads just that path of DER/BER:

``ContentInfo { contentType = signedData, [0] SignedData { version, digestAlgorithms,
encapContentInfo { eContentType, [0] eContent OCTET STRING } ... } }``

BER matters: Outlook writes indefinite lengths and the content as a constructed OCTET STRING in
chunks. Anything unexpected (another content type, detached content, a truncated structure)
returns ``None``, and the caller keeps the part as a file, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

#: 1.2.840.113549.1.7.2 (id-signedData), DER-encoded.
_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")
_SEQUENCE = 0x30
_OID = 0x06
_OCTET_STRING = 0x04
_CONTEXT_0 = 0xA0
#: Chunks of a constructed OCTET STRING nest; real mail uses one or two levels.
_MAX_NESTING = 8


class _Malformed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Node:
    tag: int
    #: Where the content starts and ends (for indefinite lengths: where the end-of-contents is).
    start: int
    end: int
    #: The offset right after this element.
    after: int

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)


def _length(data: bytes, pos: int) -> tuple[int | None, int]:
    """The length at ``pos`` (``None`` for BER's indefinite form) and where the content starts."""
    if pos >= len(data):
        raise _Malformed("truncated length")
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    if first == 0x80:
        return None, pos + 1
    count = first & 0x7F
    if count > 4 or pos + 1 + count > len(data):
        raise _Malformed("length too long")
    return int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def _node(data: bytes, pos: int, nesting: int = 0) -> _Node:
    if nesting > _MAX_NESTING:
        raise _Malformed("too deep")
    if pos >= len(data):
        raise _Malformed("truncated element")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise _Malformed("high tag numbers are not on the path we read")
    length, start = _length(data, pos + 1)
    if length is not None:
        end = start + length
        if end > len(data):
            raise _Malformed("content beyond the data")
        return _Node(tag, start, end, end)
    if not tag & 0x20:
        raise _Malformed("indefinite length on a primitive element")
    cursor = start
    while True:
        if data[cursor : cursor + 2] == b"\x00\x00":
            return _Node(tag, start, cursor, cursor + 2)
        cursor = _node(data, cursor, nesting + 1).after


def _children(data: bytes, node: _Node) -> list[_Node]:
    out: list[_Node] = []
    cursor = node.start
    while cursor < node.end:
        child = _node(data, cursor)
        out.append(child)
        cursor = child.after
    return out


def _octets(data: bytes, node: _Node, nesting: int = 0) -> bytes:
    if node.tag & ~0x20 != _OCTET_STRING:
        raise _Malformed("not an OCTET STRING")
    if not node.constructed:
        return data[node.start : node.end]
    if nesting > _MAX_NESTING:
        raise _Malformed("too deep")
    return b"".join(_octets(data, child, nesting + 1) for child in _children(data, node))


def _only(data: bytes, node: _Node, tag: int) -> _Node:
    """The single element inside an explicit ``[0]`` wrapper (or a SEQUENCE's first one)."""
    children = _children(data, node)
    if not children or children[0].tag != tag:
        raise _Malformed(f"expected tag {tag:#x}")
    return children[0]


def _signed_content(data: bytes) -> bytes | None:
    info = _node(data, 0)
    if info.tag != _SEQUENCE:
        return None
    parts = _children(data, info)
    if len(parts) < 2 or parts[0].tag != _OID:
        return None
    if data[parts[0].start : parts[0].end] != _SIGNED_DATA or parts[1].tag != _CONTEXT_0:
        return None
    signed = _only(data, parts[1], _SEQUENCE)
    fields = _children(data, signed)
    # version INTEGER, digestAlgorithms SET, encapContentInfo SEQUENCE, …
    if len(fields) < 3 or fields[2].tag != _SEQUENCE:
        return None
    encapsulated = _children(data, fields[2])
    if len(encapsulated) < 2 or encapsulated[1].tag != _CONTEXT_0:
        return None  # detached: the content travels next to the signature, not in it
    content = _children(data, encapsulated[1])
    if not content:
        return None
    return _octets(data, content[0])


def signed_content(data: bytes) -> bytes | None:
    """The content a CMS ``SignedData`` carries (unverified), or ``None`` if it has none."""
    try:
        return _signed_content(data) or None
    except (_Malformed, IndexError):
        return None
