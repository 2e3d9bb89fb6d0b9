"""Widget identity verification: is the site's user id in a session signed by the site?

The customer's server signs its signed-in user's id when it renders a page:
``hmac = hex(HMAC-SHA256(identity secret, user_id + str(timestamp)))``, ``timestamp`` in
Unix seconds; the page gives ``user_id``, ``email``, ``name``, ``timestamp`` and ``hmac`` to the
widget, which sends them with ``POST /widget/sessions`` (ADR 27, docs/channels.md).

A signature is good for :data:`MAX_AGE` seconds (and at most :data:`MAX_AHEAD` ahead of our
clock). It covers the id and the time, so it names one user only: the digits of a timestamp
within that window are fixed (ten until the year 2286), so moving characters between the id
and the timestamp gives a timestamp far outside it. Within the window a signature may be
used again — by the same page's widget on another tab, or by whoever copied it from that page
— to reach the same user only.

What the inbox's mode does with what the site sends:

================  =====================  ==============================  ===================
mode              valid signature        wrong or stale signature        no signature
================  =====================  ==============================  ===================
``off``           a hint                 a hint (nothing is checked)     a hint
``optional``      the verified user      refused (403)                   a hint
``required``      the verified user      refused (403)                   refused (403)
================  =====================  ==============================  ===================

A *hint* is kept on the visitor's own contact, as the pre-chat form's answers are: it never
reaches an existing contact, verified or not.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels.service import InboxInfo
from otklik.channels.widget import secret as identity_secret
from otklik.channels.widget.schemas import SiteIdentity
from otklik.contacts.verified import VerifiedUser
from otklik.core.clock import utcnow
from otklik.core.crypto import SecretBox
from otklik.core.errors import AppError

#: How long after signing a signature is accepted, in seconds.
MAX_AGE = 600
#: How far ahead of our clock a timestamp may be (the site's clock may run a little fast).
MAX_AHEAD = 60


@dataclass(frozen=True, slots=True)
class Hint:
    """What the site sent without a (checked) signature: words about the visitor, no proof."""

    user_id: str
    name: str | None
    email: str | None


def sign(secret: str, user_id: str, timestamp: int) -> str:
    """The signature the customer's server computes (tests and docs use it too)."""
    message = f"{user_id}{timestamp}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


INVALID = (
    "The identity signature does not match the user id and timestamp. Sign "
    "user_id + timestamp with HMAC-SHA256 and the inbox's identity secret, on your server."
)
NO_SECRET = "This inbox has no identity secret yet: an admin generates it in the inbox settings."
UNSIGNED = "This chat accepts a user id only with its signature (hmac and timestamp)."


def _refusal(code: str, message: str) -> AppError:
    return AppError(403, code, message)


def check(
    identity: SiteIdentity, *, inbox_id: int, secret: str | None, now: float
) -> VerifiedUser:
    """The verified user, or a 403 saying what is wrong with the signature."""
    if identity.hmac is None or identity.timestamp is None:
        raise _refusal("identity_unverified", UNSIGNED)
    age = now - identity.timestamp
    if age > MAX_AGE:
        raise _refusal(
            "identity_expired",
            f"The identity signature is {int(age)} s old; it is good for {MAX_AGE // 60} "
            "minutes. Sign again when the page is made.",
        )
    if -age > MAX_AHEAD:
        raise _refusal(
            "identity_expired",
            f"The identity timestamp is {int(-age)} s in the future; check the site "
            "server's clock (Unix seconds, UTC).",
        )
    if secret is None:
        raise _refusal("identity_invalid", NO_SECRET)
    expected = sign(secret, identity.user_id, identity.timestamp)
    if not hmac.compare_digest(expected, identity.hmac.lower()):
        raise _refusal("identity_invalid", INVALID)
    return VerifiedUser(
        inbox_id=inbox_id,
        user_id=identity.user_id,
        name=identity.name or None,
        email=str(identity.email).lower() if identity.email else None,
    )


async def claim_of(
    session: AsyncSession, *, inbox: InboxInfo, identity: SiteIdentity | None, box: SecretBox
) -> VerifiedUser | Hint | None:
    """What a session's ``identity`` amounts to under the inbox's mode (see the table above);
    raises the 403 of a refused signature."""
    if identity is None:
        return None
    mode = inbox.settings.identity_verification
    hint = Hint(
        user_id=identity.user_id,
        name=identity.name or None,
        email=str(identity.email).lower() if identity.email else None,
    )
    if mode == "off" or (mode == "optional" and identity.hmac is None):
        return hint
    secret = (
        await identity_secret.secret_of(session, inbox_id=inbox.id, box=box)
        if identity.hmac is not None
        else None
    )
    return check(identity, inbox_id=inbox.id, secret=secret, now=utcnow().timestamp())
