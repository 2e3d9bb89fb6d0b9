"""Widget identity verification (issue 15, ADR 27): the customer's site signs its user's id,
``hmac = HMAC-SHA256(secret, user_id + timestamp)``; a valid signature makes the visitor that
user's one verified contact, on any device. Wrong, stale, future and replayed signatures are
refused with a 403; an unsigned claim never reaches the verified contact (Chatwoot #9493)."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx
from sqlalchemy import func, select

from otklik.contacts.models import Contact
from otklik.core.db import Database
from tests.support import Workspace, new_id

ANNA = "anna@example.com"


def sign(secret: str, user_id: str, timestamp: int) -> str:
    """What the customer's server computes (docs/channels.md shows the same in Python)."""
    return hmac.new(secret.encode(), f"{user_id}{timestamp}".encode(), hashlib.sha256).hexdigest()


def identity(
    secret: str, user_id: str = "42", *, at: int | None = None, **extra: Any
) -> dict[str, Any]:
    timestamp = int(time.time()) if at is None else at
    signed = {"user_id": user_id, "timestamp": timestamp, "hmac": sign(secret, user_id, timestamp)}
    return {**signed, "email": ANNA, "name": "Anna", **extra}


async def set_mode(ws: Workspace, mode: str) -> str:
    """Switch the inbox's verification to ``mode``; its identity secret, as an admin reads it."""
    patched = await ws.api.patch(
        f"/api/v1/inboxes/{ws.inbox_id}",
        headers=ws.auth(),
        json={"settings": {"identity_verification": mode}},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["settings"]["identity_verification"] == mode
    got = await ws.api.get(f"/api/v1/inboxes/{ws.inbox_id}/identity-secret", headers=ws.auth())
    assert got.status_code == 200, got.text
    secret: str = got.json()["secret"]
    assert len(secret) == 64
    return secret


async def session(ws: Workspace, **body: Any) -> httpx.Response:
    return await ws.api.post("/api/v1/widget/sessions", json={"inbox_key": ws.inbox_key, **body})


async def started(ws: Workspace, **body: Any) -> dict[str, Any]:
    response = await session(ws, **body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def say(ws: Workspace, token: str, text: str) -> None:
    response = await ws.api.post(
        "/api/v1/widget/messages",
        headers=bearer(token),
        json={"client_msg_id": new_id(), "text": text},
    )
    assert response.status_code == 201, response.text


async def texts(ws: Workspace, token: str) -> list[str]:
    response = await ws.api.get("/api/v1/widget/messages", headers=bearer(token))
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["items"]]


async def contact(ws: Workspace, contact_id: int) -> dict[str, Any]:
    response = await ws.api.get(f"/api/v1/contacts/{contact_id}", headers=ws.auth())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(response: httpx.Response, code: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == code, response.text


async def test_a_signed_user_is_verified_and_finds_their_chat_on_another_device(
    workspace: Workspace,
) -> None:
    ws = workspace
    secret = await set_mode(ws, "optional")
    laptop = await started(ws, identity=identity(secret), language="en")
    assert laptop["resumed"] is False and laptop["conversation_id"] is None
    await say(ws, laptop["visitor_token"], "My order 42 never came")
    card = await contact(ws, laptop["contact_id"])
    assert card["verified"] is True and card["verified_at"] is not None
    assert (card["name"], card["email"]) == ("Anna", ANNA)

    # Her phone: no token, a fresh signature of the same user id.
    phone = await started(ws, identity=identity(secret, name="Anna K."))
    assert phone["contact_id"] == laptop["contact_id"]
    assert phone["conversation_id"] is not None
    assert await texts(ws, phone["visitor_token"]) == ["My order 42 never came"]
    assert (await contact(ws, phone["contact_id"]))["name"] == "Anna K."  # the site's word

    # The laptop's next page: its token and a new signature resume the same visitor.
    again = await started(
        ws, visitor_token=laptop["visitor_token"], identity=identity(secret, at=int(time.time()))
    )
    assert again["resumed"] is True and again["contact_id"] == laptop["contact_id"]


async def test_wrong_stale_future_and_replayed_signatures_are_refused(
    workspace: Workspace, db: Database
) -> None:
    ws = workspace
    secret = await set_mode(ws, "optional")
    now = int(time.time())
    async with db.session(write=False) as s:
        before = await s.scalar(select(func.count()).select_from(Contact))

    refused(await session(ws, identity=identity("not-the-secret")), "identity_invalid")
    refused(await session(ws, identity=identity(secret, at=now - 11 * 60)), "identity_expired")
    refused(await session(ws, identity=identity(secret, at=now + 5 * 60)), "identity_expired")
    # A signature of user 42, replayed to claim user 43 (or 4, moving a digit into the time).
    valid = identity(secret, "42", at=now)
    refused(await session(ws, identity={**valid, "user_id": "43"}), "identity_invalid")
    moved = {**valid, "user_id": "4", "timestamp": int(f"2{now}")}
    refused(await session(ws, identity=moved), "identity_expired")
    # Malformed: a 422 naming the problem.
    bad_hex = await session(ws, identity={**valid, "hmac": "zz" * 32})
    assert bad_hex.status_code == 422, bad_hex.text
    no_time = await session(ws, identity={"user_id": "42", "hmac": valid["hmac"]})
    assert no_time.status_code == 422 and "hmac and timestamp" in no_time.text

    async with db.session(write=False) as s:
        assert await s.scalar(select(func.count()).select_from(Contact)) == before
    # Within its 10 minutes the real signature still works, for its own user only.
    assert (await started(ws, identity=valid))["resumed"] is False


async def test_required_mode_never_lets_an_unsigned_claim_reach_the_user(
    workspace: Workspace,
) -> None:
    ws = workspace
    secret = await set_mode(ws, "required")
    anna = await started(ws, identity=identity(secret))
    await say(ws, anna["visitor_token"], "My card number is on file")

    # Chatwoot #9493: a stranger names Anna's user id and email without a signature.
    claim = {"user_id": "42", "email": ANNA, "name": "Anna"}
    refused(await session(ws, identity=claim), "identity_unverified")
    refused(
        await session(ws, identity=claim, visitor_token=anna["visitor_token"]),
        "identity_unverified",
    )
    # Without the site's identity the stranger is an anonymous visitor; a typed email is a
    # word of theirs, never a way into Anna's contact or chat.
    stranger = await started(ws, name="Anna", email=ANNA)
    assert stranger["contact_id"] != anna["contact_id"] and stranger["conversation_id"] is None
    await say(ws, stranger["visitor_token"], "Hello?")
    assert await texts(ws, stranger["visitor_token"]) == ["Hello?"]
    assert (await contact(ws, stranger["contact_id"]))["verified"] is False

    # Anna signed out on the site: her browser's token alone no longer opens her chat.
    signed_out = await started(ws, visitor_token=anna["visitor_token"])
    assert signed_out["resumed"] is False and signed_out["contact_id"] != anna["contact_id"]
    assert await texts(ws, signed_out["visitor_token"]) == []
    # Bob signs in on the same browser: his own contact, not Anna's.
    bob = await started(
        ws, visitor_token=anna["visitor_token"], identity=identity(secret, "77", email=None)
    )
    assert bob["resumed"] is False and bob["contact_id"] != anna["contact_id"]
    assert bob["conversation_id"] is None


async def test_optional_mode_keeps_an_unsigned_claim_as_a_hint_only(workspace: Workspace) -> None:
    ws = workspace
    secret = await set_mode(ws, "optional")
    anna = await started(ws, identity=identity(secret))
    await say(ws, anna["visitor_token"], "Private question")

    hinted = await started(ws, identity={"user_id": "42", "email": ANNA, "name": "Anna"})
    assert hinted["contact_id"] != anna["contact_id"] and hinted["conversation_id"] is None
    card = await contact(ws, hinted["contact_id"])
    assert card["verified"] is False and card["verified_at"] is None
    assert card["email"] == ANNA and card["attributes"]["unverified_user_id"] == "42"
    assert await texts(ws, hinted["visitor_token"]) == []
    # Nor does an unsigned claim keep a verified visitor's token working.
    claimed = await started(
        ws,
        visitor_token=anna["visitor_token"],
        identity={"user_id": "42", "email": ANNA},
    )
    assert claimed["resumed"] is False and claimed["contact_id"] != anna["contact_id"]


async def test_with_verification_off_the_site_identity_is_only_a_hint(
    workspace: Workspace,
) -> None:
    ws = workspace
    secret = await set_mode(ws, "off")
    first = await started(ws, identity=identity(secret))
    # Nothing is checked (a wrong signature is no error) and nothing is verified or joined.
    second = await started(ws, identity=identity("not-the-secret"))
    assert second["contact_id"] != first["contact_id"]
    card = await contact(ws, second["contact_id"])
    assert card["verified"] is False and card["attributes"]["unverified_user_id"] == "42"


async def test_a_new_secret_refuses_the_old_ones_signatures(workspace: Workspace) -> None:
    ws = workspace
    old = await set_mode(ws, "required")
    anna = await started(ws, identity=identity(old))
    await say(ws, anna["visitor_token"], "Before the new secret")

    rotated = await ws.api.post(f"/api/v1/inboxes/{ws.inbox_id}/identity-secret", headers=ws.auth())
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != old and len(new) == 64
    read = await ws.api.get(f"/api/v1/inboxes/{ws.inbox_id}/identity-secret", headers=ws.auth())
    assert read.json()["secret"] == new

    refused(await session(ws, identity=identity(old)), "identity_invalid")
    back = await started(ws, identity=identity(new))
    assert back["contact_id"] == anna["contact_id"]
    assert await texts(ws, back["visitor_token"]) == ["Before the new secret"]
    audit = await ws.api.get("/api/v1/audit", headers=ws.auth())
    assert audit.status_code == 200, audit.text
    assert "inbox.identity_secret_rotated" in audit.text


async def test_only_admins_see_or_replace_the_secret(workspace: Workspace) -> None:
    ws = workspace
    secret = await set_mode(ws, "optional")
    _, agent = await ws.agent("agent@example.com")
    _, lead = await ws.agent("lead@example.com", role="supervisor")
    path = f"/api/v1/inboxes/{ws.inbox_id}/identity-secret"
    for token in (agent, lead):
        assert (await ws.api.get(path, headers=ws.auth(token))).status_code == 403
        assert (await ws.api.post(path, headers=ws.auth(token))).status_code == 403
    assert (await ws.api.get(path)).status_code == 401
    # Not in the inbox list (the sealed value neither), and kept by saving the settings.
    listed = await ws.api.get("/api/v1/inboxes", headers=ws.auth())
    assert secret not in listed.text and "enc:" not in listed.text
    saved = await ws.api.patch(
        f"/api/v1/inboxes/{ws.inbox_id}", headers=ws.auth(), json={"name": "Shop"}
    )
    assert saved.status_code == 200, saved.text
    assert (await ws.api.get(path, headers=ws.auth())).json()["secret"] == secret
    # Another channel's inbox has no identity secret.
    api_inbox = await ws.api.post(
        "/api/v1/inboxes", headers=ws.auth(), json={"name": "Bridge", "channel": "api"}
    )
    other = f"/api/v1/inboxes/{api_inbox.json()['id']}/identity-secret"
    assert (await ws.api.get(other, headers=ws.auth())).status_code == 404
