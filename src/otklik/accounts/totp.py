"""Time-based one-time passwords (RFC 6238, via pyotp) and recovery codes.

The TOTP secret is kept sealed with the server key (``core/crypto.SecretBox``). A code is
accepted for the current 30-second step and one step either side (clock drift), and only
once: the accepted step is remembered and codes of that step or earlier are refused.
"""

from __future__ import annotations

import hashlib
import io
import secrets

import pyotp
import segno

from otklik.core.clock import utcnow

ISSUER = "Otklik"
#: Steps either side of now that are still accepted (30 s each).
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, email: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as a QR code, an SVG document (no scripts, no external references)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, dark="#111")
    return out.getvalue().decode()


def accepted_step(secret: str, code: str, *, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and newer than ``last_step``."""
    digits = "".join(ch for ch in code if not ch.isspace())
    if len(digits) != 6 or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(utcnow())
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def code_at(secret: str, step: int) -> str:
    """The code of a given step (tests, and the confirmation of an enrolment)."""
    return pyotp.TOTP(secret).generate_otp(step)


def current_step(secret: str) -> int:
    return pyotp.TOTP(secret).timecode(utcnow())


def new_recovery_codes() -> list[str]:
    """Ten codes like ``k7dq-m2xa-9tfe``: 60 random bits each, so a SHA-256 is a safe store."""
    return [
        "-".join("".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(3))
        for _ in range(RECOVERY_CODES)
    ]


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def recovery_code_hash(code: str) -> str:
    return hashlib.sha256(f"otklik.recovery:{normalise_recovery_code(code)}".encode()).hexdigest()
