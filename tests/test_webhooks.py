"""Outgoing webhooks: signed deliveries by a job, retries, the log, re-send, the SSRF guard."""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from otklik.config import Settings
from otklik.core import ssrf
from otklik.core.clock import utcnow
from otklik.core.db import Database
from otklik.jobs.models import Job
from otklik.webhooks import signing
from tests.receivers import Answer, Receiver
from tests.support import Workspace

ALL_EVENTS = [
    "message.created",
    "conversation.created",
    "conversation.status_changed",
    "conversation.assigned",
    "conversation.escalated",
]


@pytest.fixture(autouse=True)
def allow_test_receivers(settings: Settings) -> None:
    # The receivers listen on 127.0.0.2; 127.0.0.1 stays refused.
    settings.webhook_allow_hosts = ["127.0.0.2/32"]


async def register(ws: Workspace, url: str, events: list[str] | None = None) -> dict[str, Any]:
    response = await ws.api.post(
        "/api/v1/webhooks",
        headers=ws.auth(),
        json={"url": url, "events": events or ALL_EVENTS, "description": "CRM"},
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def deliveries(ws: Workspace, endpoint_id: int) -> list[dict[str, Any]]:
    response = await ws.api.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", headers=ws.auth())
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def until_deliveries(
    ws: Workspace, endpoint_id: int, done: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    for _ in range(100):
        items = await deliveries(ws, endpoint_id)
        if done(items):
            return items
        await asyncio.sleep(0.05)
    raise AssertionError(f"deliveries did not get there: {items}")


async def skip_backoff(db: Database) -> None:
    async with db.session(write=True) as session:
        await session.execute(
            update(Job)
            .where(Job.name == "webhooks.deliver", Job.state == "queued")
            .values(run_at=utcnow())
        )


async def test_endpoints_are_managed_by_admins(workspace: Workspace, receiver: Receiver) -> None:
    created = await register(workspace, f"{receiver.url}/hook", ["message.created"])
    assert len(created["secret"]) >= 32
    listed = await workspace.api.get("/api/v1/webhooks", headers=workspace.auth())
    assert [e["secret"] for e in listed.json()["items"]] == [None]  # shown once only
    patched = await workspace.api.patch(
        f"/api/v1/webhooks/{created['id']}",
        headers=workspace.auth(),
        json={"events": ["conversation.created", "conversation.assigned"], "active": False},
    )
    assert patched.status_code == 200
    assert patched.json()["events"] == ["conversation.created", "conversation.assigned"]
    assert patched.json()["active"] is False
    for body, expected in (
        ({"url": f"{receiver.url}/x", "events": ["message.deleted"]}, 422),
        ({"url": "ftp://example.com/x", "events": ["message.created"]}, 422),
        ({"url": "http://127.0.0.1:9/x", "events": ["message.created"]}, 422),
        ({"url": "http://169.254.169.254/latest", "events": ["message.created"]}, 422),
        ({"url": "http://[fd00:ec2::254]/latest", "events": ["message.created"]}, 422),
    ):
        bad = await workspace.api.post("/api/v1/webhooks", headers=workspace.auth(), json=body)
        assert bad.status_code == expected, (body, bad.text)
        assert "error" in bad.json()
    _, agent_token = await workspace.agent("agent@example.com")
    forbidden = await workspace.api.get("/api/v1/webhooks", headers=workspace.auth(agent_token))
    assert forbidden.status_code == 403
    deleted = await workspace.api.delete(
        f"/api/v1/webhooks/{created['id']}", headers=workspace.auth()
    )
    assert deleted.status_code == 204
    missing = await workspace.api.get(
        f"/api/v1/webhooks/{created['id']}/deliveries", headers=workspace.auth()
    )
    assert missing.status_code == 404


async def test_events_are_delivered_signed(workspace: Workspace, receiver: Receiver) -> None:
    endpoint = await register(workspace, f"{receiver.url}/hook")
    visitor = await workspace.visitor("Olga")
    said = await visitor.say("Hello, is my order shipped?")
    conversation_id = said["conversation_id"]
    assigned = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/assign",
        headers=workspace.auth(),
        json={"agent_id": workspace.admin_id},
    )
    assert assigned.status_code == 200, assigned.text
    resolved = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/status",
        headers=workspace.auth(),
        json={"status": "resolved"},
    )
    assert resolved.status_code == 200, resolved.text
    expected = [
        "conversation.created",
        "message.created",
        "conversation.assigned",
        "conversation.status_changed",
    ]
    items = await until_deliveries(
        workspace,
        endpoint["id"],
        lambda items: len(items) == 4 and all(i["state"] == "success" for i in items),
    )
    assert [i["event"] for i in reversed(items)] == expected
    for item in items:
        assert item["status_code"] == 200 and item["response_snippet"] == "ok"
        assert item["attempts"] == 1 and item["duration_ms"] is not None and item["error"] is None
    received = await receiver.wait_for(4)
    bodies = []
    for request in received:
        assert request.method == "POST" and request.path == "/hook"
        assert request.headers["content-type"] == "application/json"
        assert signing.verify(
            endpoint["secret"],
            timestamp=request.headers["x-otklik-timestamp"],
            signature=request.headers["x-otklik-signature"],
            body=request.body,
        )
        assert not signing.verify(
            "another-secret-entirely",
            timestamp=request.headers["x-otklik-timestamp"],
            signature=request.headers["x-otklik-signature"],
            body=request.body,
        )
        body = json.loads(request.body)
        assert request.headers["x-otklik-event"] == body["event"]
        assert request.headers["x-otklik-delivery"] == str(body["delivery_id"])
        bodies.append(body)
    by_event = {b["event"]: b for b in bodies}
    assert set(by_event) == set(expected)
    message = by_event["message.created"]["data"]["message"]
    assert message["text"] == "Hello, is my order shipped?"
    assert by_event["conversation.assigned"]["data"]["conversation"]["assignee_id"] == (
        workspace.admin_id
    )
    assert by_event["conversation.status_changed"]["data"]["conversation"]["status"] == "resolved"
    # Changing the status to what it already is, or tags, is no status change.
    again = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/status",
        headers=workspace.auth(),
        json={"status": "resolved"},
    )
    assert again.status_code == 200
    await asyncio.sleep(0.4)
    assert len(await deliveries(workspace, endpoint["id"])) == 4


async def test_failures_retry_with_backoff_and_can_be_resent(
    workspace: Workspace, receiver: Receiver, db: Database
) -> None:
    endpoint = await register(workspace, f"{receiver.url}/hook", ["conversation.created"])
    receiver.script = [Answer(500, "database down"), Answer(200, "thanks")]
    visitor = await workspace.visitor()
    await visitor.say("hi")
    (first,) = await until_deliveries(
        workspace, endpoint["id"], lambda items: bool(items) and items[0]["attempts"] == 1
    )
    assert first["state"] == "pending"
    assert first["status_code"] == 500 and first["response_snippet"] == "database down"
    assert first["error"] == "The endpoint answered 500."
    await skip_backoff(db)
    (done,) = await until_deliveries(
        workspace, endpoint["id"], lambda items: items[0]["state"] == "success"
    )
    assert done["attempts"] == 2 and done["response_snippet"] == "thanks" and done["error"] is None
    assert len(receiver.requests) == 2
    # Both attempts carried the same document (receivers deduplicate by delivery_id).
    assert receiver.requests[0].body == receiver.requests[1].body

    resent = await workspace.api.post(
        f"/api/v1/webhooks/deliveries/{done['id']}/resend", headers=workspace.auth()
    )
    assert resent.status_code == 201, resent.text
    assert resent.json()["resent_from_id"] == done["id"] and resent.json()["state"] == "pending"
    items = await until_deliveries(
        workspace, endpoint["id"], lambda items: len(items) == 2 and items[0]["state"] == "success"
    )
    assert items[0]["id"] == resent.json()["id"]
    third = json.loads(receiver.requests[2].body)
    assert third["delivery_id"] == resent.json()["id"]
    assert third["event_id"] == json.loads(receiver.requests[0].body)["event_id"]
    missing = await workspace.api.post(
        "/api/v1/webhooks/deliveries/999999/resend", headers=workspace.auth()
    )
    assert missing.status_code == 404


async def test_rate_limited_endpoint_is_retried_after_its_delay(
    workspace: Workspace, receiver: Receiver, db: Database
) -> None:
    endpoint = await register(workspace, f"{receiver.url}/hook", ["conversation.created"])
    receiver.script = [Answer(429, "slow down", {"Retry-After": "120"})]
    visitor = await workspace.visitor()
    await visitor.say("hi")
    await until_deliveries(
        workspace, endpoint["id"], lambda items: bool(items) and items[0]["attempts"] == 1
    )
    await asyncio.sleep(0.2)
    async with db.session(write=False) as session:
        job_row = await session.scalar(select(Job).where(Job.name == "webhooks.deliver"))
    assert job_row is not None and job_row.state == "queued"
    assert (job_row.run_at - utcnow()).total_seconds() > 100


async def test_private_targets_are_refused_after_resolution_and_redirects(
    workspace: Workspace, receiver: Receiver
) -> None:
    # An allowed receiver that redirects to 127.0.0.1 (where another receiver listens).
    inside = Receiver("127.0.0.1")
    await inside.start()
    try:
        receiver.script = [Answer(307, "", {"Location": f"{inside.url}/admin"})]
        redirecting = await register(workspace, f"{receiver.url}/hook", ["conversation.created"])
        # A name is checked after DNS: localhost resolves to loopback.
        named = await register(
            workspace, f"http://localhost:{inside.port}/hook", ["conversation.created"]
        )
        visitor = await workspace.visitor()
        await visitor.say("hi")
        (via_redirect,) = await until_deliveries(
            workspace,
            redirecting["id"],
            lambda items: bool(items) and items[0]["state"] != "pending",
        )
        (via_name,) = await until_deliveries(
            workspace, named["id"], lambda items: bool(items) and items[0]["state"] != "pending"
        )
    finally:
        await inside.stop()
    assert via_redirect["state"] == "failed" and via_redirect["attempts"] == 1
    assert "127.0.0.1" in via_redirect["error"] and via_redirect["error"].startswith("Refused")
    assert via_name["state"] == "failed" and "localhost resolves to" in via_name["error"]
    assert len(receiver.requests) == 1  # the redirect itself
    assert inside.requests == []  # nothing ever reached the inside


async def test_allow_listed_target_and_redirects_within_it(receiver: Receiver) -> None:
    policy = ssrf.Policy.from_settings(Settings(webhook_allow_hosts=["127.0.0.2"]))
    receiver.script = [
        Answer(302, "", {"Location": "/second"}),
        Answer(308, "", {"Location": f"{receiver.url}/third"}),
    ]
    outcome = await ssrf.post(
        f"{receiver.url}/first", content=b"{}", headers={"X-Test": "1"}, policy=policy
    )
    assert outcome.status_code == 200 and outcome.url == f"{receiver.url}/third"
    assert [(r.method, r.path) for r in receiver.requests] == [
        ("POST", "/first"),
        ("GET", "/second"),
        ("GET", "/third"),
    ]
    assert receiver.requests[0].headers["host"] == f"127.0.0.2:{receiver.port}"
    receiver.script = [Answer(302, "", {"Location": "/loop"})] * 5
    with pytest.raises(ssrf.Refused, match="more than 3 redirects"):
        await ssrf.post(f"{receiver.url}/loop", content=b"{}", headers={}, policy=policy)


async def test_refused_without_connecting() -> None:
    policy = ssrf.Policy()
    for url in (
        "http://127.0.0.1:1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.1.2.3/",
        "http://0.0.0.0/",
        "file:///etc/passwd",
    ):
        with pytest.raises(ssrf.Refused):
            await ssrf.post(url, content=b"", headers={}, policy=policy)
    # A name that does not resolve is a (retryable) network error, not a refusal.
    with pytest.raises(ssrf.ResolveError):
        await ssrf.post("http://hooks.example.invalid/", content=b"", headers={}, policy=policy)


def test_address_rules_and_allow_list() -> None:
    def ip(text: str) -> ssrf.IPAddress:
        return ipaddress.ip_address(text)

    for refused in (
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "ff02::1",
        "::ffff:10.0.0.1",
    ):
        assert ssrf.forbidden_address(ip(refused)), refused
    for allowed in ("93.184.216.34", "2606:4700::6810:84e5"):
        assert not ssrf.forbidden_address(ip(allowed)), allowed
    settings = Settings(webhook_allow_hosts="hooks.lan, 10.1.0.0/16,[::1]")  # type: ignore[arg-type]
    policy = ssrf.Policy.from_settings(settings)
    assert policy.allows("hooks.lan", ip("192.168.0.9"))
    assert policy.allows("crm.internal", ip("10.1.200.3"))
    assert policy.allows("x", ip("::1"))
    assert not policy.allows("crm.internal", ip("10.2.0.1"))


async def test_escalation_is_announced(workspace: Workspace, receiver: Receiver) -> None:
    endpoint = await register(
        workspace, f"{receiver.url}/hook", ["conversation.escalated", "conversation.assigned"]
    )
    team = await workspace.api.post(
        "/api/v1/teams", headers=workspace.auth(), json={"name": "2nd line", "line": 2}
    )
    assert team.status_code == 201, team.text
    visitor = await workspace.visitor()
    said = await visitor.say("checkout fails")
    escalated = await workspace.api.post(
        f"/api/v1/conversations/{said['conversation_id']}/escalate",
        headers=workspace.auth(),
        json={"reason": "502 on checkout", "to_team_id": team.json()["id"]},
    )
    assert escalated.status_code == 200, escalated.text
    items = await until_deliveries(
        workspace,
        endpoint["id"],
        lambda items: len(items) == 2 and all(i["state"] == "success" for i in items),
    )
    by_event = {i["event"]: i["payload"] for i in items}
    assert set(by_event) == {"conversation.escalated", "conversation.assigned"}
    escalation = by_event["conversation.escalated"]["data"]["escalation"]
    assert escalation["reason"] == "502 on checkout"
    assert by_event["conversation.assigned"]["data"]["conversation"]["team_id"] == team.json()["id"]


async def test_a_new_signing_secret_signs_what_follows(
    workspace: Workspace, receiver: Receiver
) -> None:
    endpoint = await register(workspace, f"{receiver.url}/hook", ["message.created"])
    rotated = await workspace.api.post(
        f"/api/v1/webhooks/{endpoint['id']}/secret", headers=workspace.auth()
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret and new_secret != endpoint["secret"]
    listed = await workspace.api.get(f"/api/v1/webhooks/{endpoint['id']}", headers=workspace.auth())
    assert listed.json()["secret"] is None  # shown once, in the answer that made it

    visitor = await workspace.visitor()
    await visitor.say("signed with the new secret?")
    (request,) = await receiver.wait_for(1)
    stamp, signature = request.headers["x-otklik-timestamp"], request.headers["x-otklik-signature"]
    assert signing.verify(new_secret, timestamp=stamp, signature=signature, body=request.body)
    assert not signing.verify(
        endpoint["secret"], timestamp=stamp, signature=signature, body=request.body
    )

    _, agent_token = await workspace.agent("agent@example.com")
    for headers, endpoint_id, status in (
        (workspace.auth(agent_token), endpoint["id"], 403),
        (workspace.auth(), endpoint["id"] + 1000, 404),
    ):
        refused = await workspace.api.post(
            f"/api/v1/webhooks/{endpoint_id}/secret", headers=headers
        )
        assert refused.status_code == status
