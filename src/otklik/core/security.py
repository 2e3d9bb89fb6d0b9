"""Passwords, opaque session tokens and signed visitor tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeSerializer

_hasher = PasswordHasher()
#: Verified against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("otklik-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True, slots=True)
class VisitorIdentity:
    inbox_id: int
    contact_id: int


class VisitorTokens:
    """Signed ``(inbox, contact)`` pairs: whoever holds one is that visitor of that inbox.

    Every visitor message checks its token. A valid token always names the same visitor, so
    tokens already verified are remembered (up to :attr:`MEMORY` of them, oldest forgotten
    first) instead of re-deriving the key and the HMAC — about a tenth of a message's CPU.
    Only valid tokens are remembered: made-up ones cannot crowd out real visitors'."""

    MEMORY = 50_000

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt="otklik.visitor")
        self._verified: dict[str, VisitorIdentity] = {}

    def issue(self, identity: VisitorIdentity) -> str:
        token: str = self._serializer.dumps([identity.inbox_id, identity.contact_id])
        return token

    def read(self, token: str) -> VisitorIdentity | None:
        known = self._verified.get(token)
        if known is not None:
            return known
        identity = self._verify(token)
        if identity is not None:
            if len(self._verified) >= self.MEMORY:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = identity
        return identity

    def _verify(self, token: str) -> VisitorIdentity | None:
        try:
            value = self._serializer.loads(token)
        except BadSignature:
            return None
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(part, int) for part in value)
        ):
            return None
        return VisitorIdentity(inbox_id=value[0], contact_id=value[1])
