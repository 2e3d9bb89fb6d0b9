"""Encryption at rest for channel secrets (mailbox passwords, bot tokens).

Fernet (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` package) with a key derived
from the server's secret key, so there is one secret to keep and rotate."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "enc:"


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(f"otklik.channel-secrets:{secret_key}".encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, value: str) -> str:
        return PREFIX + self._fernet.encrypt(value.encode()).decode()

    def open(self, sealed: str) -> str:
        if not sealed.startswith(PREFIX):
            raise ValueError("not an encrypted value")
        try:
            return self._fernet.decrypt(sealed[len(PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise ValueError("the secret key changed or the value was tampered with") from exc
