"""Passwords, opaque session tokens and signed visitor tokens."""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeSerializer

from otklik.core.clock import utcnow

#: ``OTKLIK_PASSWORD_HASHING=cheapest`` makes argon2 as cheap as it goes: for test suites,
#: which create and sign in thousands of operators (~0.1 s of CPU per hash otherwise). Never
#: in production. A hash carries its own parameters, so either setting verifies the other's.
PASSWORD_HASHING_ENV = "OTKLIK_PASSWORD_HASHING"


@functools.cache
def _hasher() -> tuple[PasswordHasher, str]:
    """The hasher and a hash to verify against when the email is unknown (so the timing does
    not reveal which emails exist); made on first use, after the environment is set."""
    if os.environ.get(PASSWORD_HASHING_ENV, "") == "cheapest":
        hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    else:
        hasher = PasswordHasher()  # RFC 9106's low-memory profile
    return hasher, hasher.hash("otklik-dummy-password")


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher, dummy = _hasher()
    try:
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
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


#: A visitor token lives this long unless the widget trades it for a fresh one (it does on
#: every page load and when half of this has passed): ``OTKLIK_VISITOR_TOKEN_DAYS``.
DEFAULT_VISITOR_TOKEN_SECONDS = 30 * 86_400


class VisitorTokens:
    """Signed ``(inbox, contact, issued at)`` triples: whoever holds an unexpired one is that
    visitor of that inbox.

    A token is refused once it is ``max_age`` seconds old (tokens of the first format, which
    had no issue time, never pass). Every visitor message checks its token. A valid token
    always names the same visitor, so tokens already verified are remembered with the moment
    they expire (up to :attr:`MEMORY` of them, oldest forgotten first) instead of re-deriving
    the key and the HMAC — about a tenth of a message's CPU; a remembered token past its
    expiry is forgotten and refused. Only valid tokens are remembered: made-up ones cannot
    crowd out real visitors'."""

    MEMORY = 50_000

    def __init__(self, secret_key: str, *, max_age: int = DEFAULT_VISITOR_TOKEN_SECONDS) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt="otklik.visitor")
        self.max_age = max_age
        #: token → (identity, expiry as a POSIX timestamp)
        self._verified: dict[str, tuple[VisitorIdentity, float]] = {}

    def issue(self, identity: VisitorIdentity) -> str:
        issued_at = int(utcnow().timestamp())
        token: str = self._serializer.dumps([identity.inbox_id, identity.contact_id, issued_at])
        return token

    def expires_at(self, token: str) -> datetime | None:
        """When a valid token stops being accepted (``None``: it is not valid now)."""
        verified = self._verify(token)
        if verified is None or utcnow().timestamp() >= verified[1]:
            return None
        return datetime.fromtimestamp(verified[1], UTC)

    def read(self, token: str) -> VisitorIdentity | None:
        now = utcnow().timestamp()
        known = self._verified.get(token)
        if known is not None:
            if now < known[1]:
                return known[0]
            del self._verified[token]
            return None
        verified = self._verify(token)
        if verified is None or now >= verified[1]:
            return None
        if len(self._verified) >= self.MEMORY:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = verified
        return verified[0]

    def _verify(self, token: str) -> tuple[VisitorIdentity, float] | None:
        try:
            value = self._serializer.loads(token)
        except BadSignature:
            return None
        if (
            not isinstance(value, list)
            or len(value) != 3
            or not all(isinstance(part, int) and not isinstance(part, bool) for part in value)
        ):
            return None
        inbox_id, contact_id, issued_at = value
        return VisitorIdentity(inbox_id=inbox_id, contact_id=contact_id), float(
            issued_at + self.max_age
        )
