"""Signed, expiring values the sign-in hands to a browser: the device cookie and the
second-step challenge. Both are signed with the server key (itsdangerous), so they need no
table and every worker process can read them."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from otklik.core import security

DEVICE_COOKIE = "otklik_device"
DEVICE_DAYS = 180
#: How long the second step may take after the password was accepted.
CHALLENGE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Device:
    """A browser that signed in to ``agent_id`` before (the throttle trusts it more)."""

    agent_id: int
    device_id: str


@dataclass(frozen=True, slots=True)
class Challenge:
    """The password of ``agent_id`` was right; the second factor is still due."""

    agent_id: int
    #: Changes when the password does, so a challenge dies with the old password.
    password_tag: str
    #: The throttle key the first step was counted under (account or device).
    subject_key: str


def password_tag(password_hash: str) -> str:
    return security.token_digest(password_hash)[:16]


class Signer:
    def __init__(self, secret_key: str) -> None:
        self._devices = URLSafeTimedSerializer(secret_key, salt="otklik.device")
        self._challenges = URLSafeTimedSerializer(secret_key, salt="otklik.2fa-challenge")

    def device(self, device: Device) -> str:
        value: str = self._devices.dumps([device.agent_id, device.device_id])
        return value

    def read_device(self, value: str | None) -> Device | None:
        if not value:
            return None
        try:
            data = self._devices.loads(value, max_age=DEVICE_DAYS * 86400)
        except BadSignature:
            return None
        if (
            isinstance(data, list)
            and len(data) == 2
            and isinstance(data[0], int)
            and isinstance(data[1], str)
        ):
            return Device(agent_id=data[0], device_id=data[1])
        return None

    def challenge(self, challenge: Challenge) -> str:
        value: str = self._challenges.dumps(
            [challenge.agent_id, challenge.password_tag, challenge.subject_key]
        )
        return value

    def read_challenge(self, value: str) -> Challenge | None:
        try:
            data = self._challenges.loads(value, max_age=CHALLENGE_SECONDS)
        except BadSignature:
            return None
        if (
            isinstance(data, list)
            and len(data) == 3
            and isinstance(data[0], int)
            and all(isinstance(part, str) for part in data[1:])
        ):
            return Challenge(agent_id=data[0], password_tag=data[1], subject_key=data[2])
        return None
