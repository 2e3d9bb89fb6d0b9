"""The signature every outgoing webhook carries, and how a receiver checks it."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Otklik-Signature"
TIMESTAMP_HEADER = "X-Otklik-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256, hex, over ``timestamp + "." + body``."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def verify(
    secret: str, *, timestamp: str, signature: str, body: bytes, tolerance: int = 300
) -> bool:
    """For receivers (and tests): the signature matches and the timestamp is recent."""
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)
