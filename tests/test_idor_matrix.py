"""The IDOR matrix (issue 11): every route with a path parameter × every role × an object
that belongs to another inbox, team or visitor.

The routes come from the application's own route table, so a new route with a path
parameter fails :func:`test_every_route_with_a_path_parameter_is_classified` until it gets an
entry in :data:`TABLE`: how to build its foreign object and what each role must get. "Denied"
is 401, 403 or 404; "ok" is the route's success (2xx, or the domain answer it gives once
access was granted, e.g. 409 "not failed" for a retry). Anything else fails the test too.

One world (one app, one database per kind) serves the whole matrix: objects that a write
could change are built afresh for each role.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from starlette.routing import BaseRoute

from otklik.app import create_app
from otklik.config import Settings
from otklik.conversations.models import Conversation
from otklik.surveys.models import SurveyRequest
from otklik.webhooks.models import WebhookDelivery
from tests.support import Workspace, new_id

Role = Literal["anonymous", "visitor", "agent", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("anonymous", "visitor", "agent", "supervisor", "admin")
Outcome = Literal["ok", "denied"]
DENIED = frozenset({401, 403, 404})


@dataclass
class World:
    """Who acts, and the inboxes and teams the foreign objects are made in.

    Inbox A (the workspace's) has the supervisor and the agent as members, inbox B only the
    admin and ``other`` (the agent of another team). The supervisor and the agent are in team
    T1; ``other`` in T2; T3 has nobody (escalations go there)."""

    ws: Workspace
    tokens: dict[Role, str | None]
    inbox_b: int
    inbox_b_key: str
    api_inbox: int
    t1: int
    t2: int
    t3: int
    other_id: int
    other_token: str
    contact_of: dict[int, int] = field(default_factory=dict)

    @property
    def api(self) -> httpx.AsyncClient:
        return self.ws.api

    async def call(
        self, method: str, path: str, *, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.ws.token}"}
        return await self.api.request(method, path, headers=headers, **kwargs)

    async def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """An admin's call that must succeed (building objects)."""
        response = await self.call(method, path, **kwargs)
        assert response.status_code < 300, (method, path, response.text)
        body: dict[str, Any] = response.json()
        return body


# --- foreign objects ----------------------------------------------------------------------

Params = dict[str, Any]
Builder = Callable[[World], Awaitable[Params]]


async def _conversation(w: World, *, inbox_key: str, team_id: int | None) -> int:
    visitor = await w.ws.visitor("Stranger", inbox_key=inbox_key)
    said = await visitor.say("my card number is on the invoice")
    conversation_id = int(said["conversation_id"])
    w.contact_of[conversation_id] = visitor.contact_id
    if team_id is not None:
        await w.ok(
            "POST", f"/api/v1/conversations/{conversation_id}/assign", json={"team_id": team_id}
        )
    # A private note: what leaks first when access leaks.
    await w.ok(
        "POST",
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"client_msg_id": new_id(), "text": "VIP, refund approved", "private": True},
    )
    return conversation_id


async def other_inbox(w: World) -> Params:
    """A conversation of inbox B (no team): only the admin may reach it."""
    return {"conversation_id": await _conversation(w, inbox_key=w.inbox_b_key, team_id=None)}


async def other_team(w: World) -> Params:
    """A conversation of inbox A given to team T2: the supervisor (inbox member) may reach
    it, the agent (team T1) may not."""
    return {"conversation_id": await _conversation(w, inbox_key=w.ws.inbox_key, team_id=w.t2)}


def with_conversation(base: Builder, extra: Callable[[World, int], Awaitable[Params]]) -> Builder:
    async def build(w: World) -> Params:
        params = await base(w)
        return {**params, **await extra(w, params["conversation_id"])}

    build.__name__ = base.__name__
    return build


async def _a_message(w: World, conversation_id: int) -> Params:
    page = await w.ok("GET", f"/api/v1/conversations/{conversation_id}/messages")
    return {"message_id": page["items"][0]["id"]}


async def _a_twin(w: World, conversation_id: int) -> Params:
    """A second conversation of the same contact in the same inbox and team (to merge)."""
    db = w.ws.server.app.state.db
    async with db.session(write=True) as session:
        original = await session.get_one(Conversation, conversation_id)
        twin = Conversation(
            inbox_id=original.inbox_id,
            contact_id=original.contact_id,
            channel=original.channel,
            team_id=original.team_id,
        )
        session.add(twin)
    return {"body": {"other_id": twin.id}}


async def _escalated(w: World, conversation_id: int) -> Params:
    await w.ok(
        "POST",
        f"/api/v1/conversations/{conversation_id}/escalate",
        json={"reason": "needs tech", "to_team_id": w.t3, "hand_back": True},
    )
    return {}


async def _an_attachment(w: World, conversation_id: int) -> Params:
    uploaded = await w.ok(
        "POST",
        f"/api/v1/conversations/{conversation_id}/attachments",
        files={"file": ("passport.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")},
    )
    await w.ok(
        "POST",
        f"/api/v1/conversations/{conversation_id}/messages",
        json={
            "client_msg_id": new_id(),
            "text": "scan",
            "private": False,
            "attachment_ids": [uploaded["id"]],
        },
    )
    return {"attachment_id": uploaded["id"]}


async def _contact(w: World, conversation_id: int) -> Params:
    return {"contact_id": w.contact_of[conversation_id]}


async def _erasable(w: World, conversation_id: int) -> Params:
    contact_id = w.contact_of[conversation_id]
    return {"contact_id": contact_id, "body": {"confirm_contact_id": contact_id}}


async def an_export(w: World) -> Params:
    """An export of a contact's data (admins only; a pending one answers 409 to download)."""
    params = await with_conversation(other_inbox, _contact)(w)
    export = await w.ok("POST", f"/api/v1/contacts/{params['contact_id']}/privacy/exports")
    return {"export_id": export["id"]}


async def an_import(w: World) -> Params:
    """A contact import (a dry run): admins only."""
    response = await w.ws.api.post(
        "/api/v1/contacts/imports",
        headers=w.ws.auth(),
        files={"file": ("c.csv", b"email\na@import.example\n", "text/csv")},
        data={"mapping": '{"email": "email"}', "dry_run": "true"},
    )
    assert response.status_code == 202, response.text
    return {"import_id": response.json()["id"]}


async def _a_contact_note(w: World, conversation_id: int) -> Params:
    """The admin's note on the conversation's contact: only its author or an admin changes
    it, so a supervisor who sees the contact is still refused."""
    contact_id = w.contact_of[conversation_id]
    note = await w.ok("POST", f"/api/v1/contacts/{contact_id}/notes", json={"text": "VIP"})
    return {"contact_id": contact_id, "note_id": note["id"]}


def contact_merge(base: Builder) -> Builder:
    """The contact of a conversation of ``base`` and, to merge into it, the contact of a
    second such conversation (the same inbox and team: whoever sees one sees both)."""

    async def build(w: World) -> Params:
        first = await base(w)
        second = await base(w)
        return {
            "contact_id": w.contact_of[first["conversation_id"]],
            "body": {"other_id": w.contact_of[second["conversation_id"]]},
        }

    build.__name__ = base.__name__
    return build


async def others_shared_segment(w: World) -> Params:
    """A segment ``other`` shared: every operator sees it, only they or an admin delete it."""
    # (``other`` may have been signed out by an earlier probe: a fresh sign-in)
    login = await w.api.post(
        "/api/v1/auth/login", json={"email": "other@example.com", "password": "agent-password"}
    )
    w.api.cookies.clear()
    response = await w.call(
        "POST",
        "/api/v1/contact-segments",
        token=login.json()["token"],
        json={"name": "Theirs", "filters": {"tag": "vip"}, "shared": True},
    )
    assert response.status_code == 201, response.text
    return {"segment_id": response.json()["id"]}


async def a_company(w: World) -> Params:
    """A company is the workspace's: every operator reads it, supervisors and admins change
    it, admins delete it."""
    company = await w.ok("POST", "/api/v1/companies", json={"name": f"Co {new_id()[:8]}"})
    return {"company_id": company["id"]}


async def team_canned_answer(w: World) -> Params:
    """A canned answer of team T2 (``other``'s team)."""
    body = {"shortcut": f"t{new_id()[:8]}", "title": "Refunds", "text": "Hi", "scope": "team"}
    answer = await w.ok("POST", "/api/v1/canned-answers", json={**body, "team_id": w.t2})
    return {"answer_id": answer["id"]}


async def global_answer_on(base: Builder, w: World) -> Params:
    shortcut = f"g{new_id()[:8]}"
    answer = await w.ok(
        "POST",
        "/api/v1/canned-answers",
        json={
            "shortcut": shortcut,
            "title": "Hello",
            "text": "Hi {{contact.name}}",
            "scope": "global",
        },
    )
    params = await base(w)
    return {"answer_id": answer["id"], "body": {"conversation_id": params["conversation_id"]}}


async def team_macro(w: World) -> Params:
    macro = await w.ok(
        "POST",
        "/api/v1/macros",
        json={
            "name": f"m{new_id()[:8]}",
            "actions": [{"type": "set_priority", "priority": "high"}],
            "scope": "team",
            "team_id": w.t2,
        },
    )
    return {"macro_id": macro["id"]}


async def global_macro_on(base: Builder, w: World) -> Params:
    macro = await w.ok(
        "POST",
        "/api/v1/macros",
        json={
            "name": f"m{new_id()[:8]}",
            "actions": [{"type": "set_priority", "priority": "high"}],
            "scope": "global",
        },
    )
    params = await base(w)
    return {"macro_id": macro["id"], "body": {"conversation_ids": [params["conversation_id"]]}}


async def a_rule(w: World) -> Params:
    rule = await w.ok(
        "POST",
        "/api/v1/automation-rules",
        json={
            "name": f"r{new_id()[:8]}",
            "trigger": {"type": "conversation_created"},
            "actions": [{"type": "set_priority", "priority": "high"}],
        },
    )
    return {"rule_id": rule["id"]}


async def a_rule_on(base: Builder, w: World) -> Params:
    params = await base(w)
    return {**await a_rule(w), "body": {"conversation_id": params["conversation_id"]}}


async def a_webhook(w: World) -> Params:
    endpoint = await w.ok(
        "POST",
        "/api/v1/webhooks",
        json={
            "url": "https://hooks.example.com/otklik",
            "events": ["conversation.created"],
            "active": False,  # nothing is sent anywhere
        },
    )
    return {"endpoint_id": endpoint["id"]}


async def a_delivery(w: World) -> Params:
    params = await a_webhook(w)
    db = w.ws.server.app.state.db
    async with db.session(write=True) as session:
        delivery = WebhookDelivery(
            endpoint_id=params["endpoint_id"], event="conversation.created", state="failed"
        )
        session.add(delivery)
    return {"delivery_id": delivery.id}


async def a_definition(w: World) -> Params:
    definition = await w.ok(
        "POST",
        "/api/v1/attribute-definitions",
        json={"entity": "contact", "key": f"k{new_id()[:8]}", "label": "Plan", "type": "text"},
    )
    return {"definition_id": definition["id"]}


async def a_calendar(w: World) -> Params:
    calendar = await w.ok("POST", "/api/v1/sla/calendars", json={"name": f"c{new_id()[:8]}"})
    return {"calendar_id": calendar["id"], "year": 2026}


async def a_policy(w: World) -> Params:
    policy = await w.ok(
        "POST",
        "/api/v1/sla/policies",
        json={"name": "P", "targets": {"normal": {"resolution": 60}}},
    )
    return {"policy_id": policy["id"]}


async def other_agent(w: World) -> Params:
    return {"agent_id": w.other_id}


async def other_team_id(w: World) -> Params:
    return {"team_id": w.t2}


async def inbox_b(w: World) -> Params:
    return {"inbox_id": w.inbox_b}


async def api_inbox(w: World) -> Params:
    return {"inbox_id": w.api_inbox}


async def others_session(w: World) -> Params:
    """A sign-in of ``other``: nobody else may end it from their own sessions list."""
    login = await w.api.post(
        "/api/v1/auth/login", json={"email": "other@example.com", "password": "agent-password"}
    )
    w.api.cookies.clear()
    assert login.status_code == 200, login.text
    sessions = await w.call("GET", "/api/v1/auth/sessions", token=login.json()["token"])
    current = [s for s in sessions.json()["items"] if s["current"]]
    return {"session_id": current[0]["id"]}


async def a_token(w: World) -> Params:
    token = await w.ok("POST", "/api/v1/api-tokens", json={"name": "CRM", "scope": "read"})
    return {"token_id": token["id"]}


async def others_mention(w: World) -> Params:
    """A mention of ``other`` in a note of inbox B (theirs and the admin's): nobody else,
    the admin included, may mark it read."""
    # (a probe may have emptied inbox B: its members as the world began)
    members = {"agent_ids": [w.ws.admin_id, w.other_id]}
    await w.ok("PUT", f"/api/v1/inboxes/{w.inbox_b}/members", json=members)
    conversation_id = await _conversation(w, inbox_key=w.inbox_b_key, team_id=None)
    agents = (await w.ok("GET", "/api/v1/agents"))["items"]
    name = next(a["name"] for a in agents if a["id"] == w.other_id)  # (a probe renames them)
    await w.ok(
        "POST",
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"client_msg_id": new_id(), "text": f"@{name}, look", "private": True},
    )
    # (``other`` may have been signed out by an earlier probe: a fresh sign-in)
    login = await w.api.post(
        "/api/v1/auth/login", json={"email": "other@example.com", "password": "agent-password"}
    )
    w.api.cookies.clear()
    page = await w.call("GET", "/api/v1/mentions", token=login.json()["token"])
    return {"mention_id": page.json()["items"][0]["id"]}


async def a_simulation(w: World) -> Params:
    question = {"chats_per_hour": 30, "aht_seconds": 300, "simulated_hours": 10}
    answer = await w.ok("POST", "/api/v1/workforce/staffing", json=question)
    return {"simulation_id": answer["simulation_id"]}


async def a_shift_template(w: World) -> Params:
    """Templates and patterns are the workspace's: the leads (supervisors, admins) edit them."""
    body = {"name": f"Day {new_id()[:6]}", "start": "09:00", "length_minutes": 480}
    template = await w.ok("POST", "/api/v1/workforce/shift-templates", json=body)
    return {"template_id": template["id"]}


async def a_pattern(w: World) -> Params:
    template_id = (await a_shift_template(w))["template_id"]
    pattern = await w.ok(
        "POST", "/api/v1/workforce/patterns", json={"name": "daily", "cycle": [template_id]}
    )
    return {"pattern_id": pattern["id"], "template_id": template_id}


async def others_assignment(w: World) -> Params:
    """``other`` (team T2) works a pattern: only their lead (here the admin) removes it."""
    pattern_id = (await a_pattern(w))["pattern_id"]
    assignment = await w.ok(
        "POST",
        "/api/v1/workforce/assignments",
        json={"agent_id": w.other_id, "pattern_id": pattern_id, "starts_on": "2030-01-01"},
    )
    return {"assignment_id": assignment["id"]}


async def others_day(w: World) -> Params:
    """A day of ``other``'s calendar (team T2): only their lead edits it."""
    return {"agent_id": w.other_id, "day": "2030-01-08"}


async def _as_other(w: World, path: str, body: dict[str, Any]) -> dict[str, Any]:
    # (``other`` may have been signed out by an earlier probe: a fresh sign-in)
    login = await w.api.post(
        "/api/v1/auth/login", json={"email": "other@example.com", "password": "agent-password"}
    )
    w.api.cookies.clear()
    response = await w.call("POST", path, token=login.json()["token"], json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def others_time_off(w: World) -> Params:
    """``other`` (team T2) asks for time off: their lead (the admin) decides; the T1
    supervisor and operators see no such request."""
    body = {"date_from": "2030-02-04", "date_to": "2030-02-05", "reason": "x"}
    return {"request_id": (await _as_other(w, "/api/v1/workforce/requests/time-off", body))["id"]}


async def others_swap_with_admin(w: World) -> Params:
    """``other`` asks the admin to swap: only the admin (the colleague asked) accepts."""
    shift = {
        "agent_id": w.other_id,
        "starts_at": "2030-01-07T09:00:00+00:00",
        "ends_at": "2030-01-07T17:00:00+00:00",
    }
    await w.ok("POST", "/api/v1/workforce/shifts", json=shift)
    body = {"colleague_id": w.ws.admin_id, "day": "2030-01-07"}
    return {"request_id": (await _as_other(w, "/api/v1/workforce/requests/swap", body))["id"]}


async def a_page(w: World) -> Params:
    return {"path": "settings"}


async def a_published_article(w: World) -> Params:
    """The knowledge base is the workspace's: every operator reads it, publishers change a
    published article (ADR 25)."""
    article = await w.ok(
        "POST",
        "/api/v1/kb/articles",
        json={"language": "ru", "title": f"Статья {new_id()[:8]}", "status": "published"},
    )
    revisions = await w.ok("GET", f"/api/v1/kb/articles/{article['id']}/revisions")
    return {
        "article_id": article["id"],
        "revision_id": revisions["items"][0]["id"],
        "key": w.ws.inbox_key,
        "lang": "ru",
        "slug": article["slug"],
        "page": 1,
    }


async def a_draft_file(w: World) -> Params:
    """A file of a draft article: operators see it; visitors and strangers get "not found"
    (it becomes public with the article)."""
    article = await w.ok(
        "POST", "/api/v1/kb/articles", json={"language": "ru", "title": f"Черновик {new_id()[:8]}"}
    )
    response = await w.api.post(
        f"/api/v1/kb/articles/{article['id']}/files",
        headers=w.ws.auth(),
        files={"file": ("draft.txt", b"draft", "text/plain")},
    )
    assert response.status_code == 201, response.text
    return {"file_id": response.json()["id"], "filename": "draft.txt"}


async def a_survey(w: World) -> Params:
    """A survey sent about a conversation of inbox B: its token is the only credential the
    answer pages take, the same for everybody who holds it."""
    conversation_id = await _conversation(w, inbox_key=w.inbox_b_key, team_id=None)
    await w.ok("POST", f"/api/v1/conversations/{conversation_id}/surveys", json={})
    db = w.ws.server.app.state.db
    async with db.session(write=False) as session:
        token = await session.scalar(
            select(SurveyRequest.token).where(SurveyRequest.conversation_id == conversation_id)
        )
    return {"token": token}


async def a_survey_page(w: World) -> Params:
    return {**await a_survey(w), "score": 3}


SCHEDULE = {
    "name": "Daily",
    "frequency": "daily",
    "time": "08:00",
    "timezone": "Europe/Moscow",
    "recipient_emails": ["lead@example.com"],
}


async def an_admins_schedule(w: World) -> Params:
    """A scheduled report the admin made (the admin's whole view): a supervisor, who manages
    only their own schedules, may not read, change or delete it."""
    schedule = await w.ok("POST", "/api/v1/reports/schedules", json=SCHEDULE)
    return {"schedule_id": schedule["id"]}


async def a_kb_category(w: World) -> Params:
    slug = f"c{new_id()[:8]}"
    category = await w.ok(
        "POST", "/api/v1/kb/categories", json={"name_ru": "Раздел", "name_en": "Cat", "slug": slug}
    )
    return {"category_id": category["id"]}


# --- the table ----------------------------------------------------------------------------


def expect(*allowed: Role) -> dict[Role, Outcome]:
    return {role: "ok" if role in allowed else "denied" for role in ROLES}


ADMIN = expect("admin")
OPERATORS = expect("agent", "supervisor", "admin")
SUPERVISOR = expect("admin", "supervisor")  # objects of another team in the supervisor's inbox
NOBODY = expect()


@dataclass(frozen=True)
class Probe:
    build: Builder
    outcome: dict[Role, Outcome]
    #: Statuses that mean "let through" besides 2xx (a domain answer after the access check).
    also_ok: frozenset[int] = frozenset()
    json: dict[str, Any] | None = None
    files: bool = False
    #: Decides the outcome from the answer when the status alone cannot (per-item results).
    judge: Callable[[httpx.Response], Outcome | None] | None = None
    #: No object behind the path: every role must get the same answer (and no 5xx).
    uniform: bool = False


def conversation_probes(
    extra: Callable[[World, int], Awaitable[Params]] | None = None, **options: Any
) -> list[Probe]:
    """The same route on a conversation of another inbox, and of another team."""
    probes = []
    for base, outcome in ((other_inbox, ADMIN), (other_team, SUPERVISOR)):
        build = with_conversation(base, extra) if extra else base
        probes.append(Probe(build, outcome, **options))
    return probes


def on_conversations(
    make: Callable[[Builder, World], Awaitable[Params]],
    outcomes: tuple[dict[Role, Outcome], dict[Role, Outcome]] = (ADMIN, SUPERVISOR),
    **options: Any,
) -> list[Probe]:
    """An item everyone may use, used on a conversation of another inbox / another team."""

    async def other_inbox_(w: World) -> Params:
        return await make(other_inbox, w)

    async def other_team_(w: World) -> Params:
        return await make(other_team, w)

    return [Probe(other_inbox_, outcomes[0], **options), Probe(other_team_, outcomes[1], **options)]


def _macro_result(response: httpx.Response) -> Outcome | None:
    if response.status_code != 200:
        return None
    [result] = response.json()["results"]
    if result["ok"]:
        return "ok"
    return "denied" if result["error"]["code"] == "not_found" else None


C = "/api/v1/conversations/{conversation_id}"
TABLE: dict[tuple[str, str], list[Probe]] = {
    # Conversations, their messages and notes: another inbox's, another team's.
    ("GET", C): conversation_probes(),
    ("GET", C + "/messages"): conversation_probes(),
    ("POST", C + "/messages"): conversation_probes(
        json={"client_msg_id": "idor", "text": "hello", "private": True}
    ),
    ("POST", C + "/messages/{message_id}/retry"): conversation_probes(
        _a_message, also_ok=frozenset({409})
    ),
    ("POST", C + "/assign"): conversation_probes(json={"agent_id": None}),
    ("POST", C + "/status"): conversation_probes(json={"status": "pending"}),
    ("POST", C + "/read"): conversation_probes(),
    ("POST", C + "/tags"): conversation_probes(json={"add": ["vip"]}),
    ("POST", C + "/priority"): conversation_probes(json={"priority": "urgent"}),
    ("POST", C + "/merge"): conversation_probes(_a_twin),
    ("POST", C + "/attachments"): conversation_probes(files=True),
    ("GET", "/api/v1/attachments/{attachment_id}"): conversation_probes(_an_attachment),
    ("POST", C + "/escalate"): conversation_probes(json={"reason": "tech", "to_team_id": "t3"}),
    ("POST", C + "/hand-back"): conversation_probes(_escalated, json={"note": "done"}),
    ("POST", C + "/transfer"): conversation_probes(json={"agent_id": None, "note": "yours"}),
    ("GET", C + "/escalations"): conversation_probes(),
    ("PUT", C + "/attributes"): conversation_probes(json={"values": {}}),
    ("GET", C + "/sla"): conversation_probes(),
    ("GET", C + "/surveys"): conversation_probes(),
    ("POST", C + "/surveys"): conversation_probes(json={"kind": "csat"}),
    # Contacts, reached through their conversations.
    ("GET", "/api/v1/contacts/{contact_id}"): conversation_probes(_contact),
    ("GET", "/api/v1/contacts/{contact_id}/conversations"): conversation_probes(_contact),
    ("PUT", "/api/v1/contacts/{contact_id}/attributes"): conversation_probes(
        _contact, json={"values": {}}
    ),
    # Personal data (ADR 30): admins only, whoever's contact it is.
    ("POST", "/api/v1/contacts/{contact_id}/privacy/exports"): [
        Probe(with_conversation(other_team, _contact), ADMIN)
    ],
    ("GET", "/api/v1/contacts/{contact_id}/privacy/exports"): [
        Probe(with_conversation(other_team, _contact), ADMIN)
    ],
    ("POST", "/api/v1/contacts/{contact_id}/privacy/erase"): [
        Probe(with_conversation(other_team, _erasable), ADMIN)
    ],
    ("GET", "/api/v1/privacy/exports/{export_id}"): [Probe(an_export, ADMIN)],
    # Contact imports: admins only.
    ("GET", "/api/v1/contacts/imports/{import_id}"): [Probe(an_import, ADMIN)],
    ("GET", "/api/v1/privacy/exports/{export_id}/download"): [
        Probe(an_export, ADMIN, also_ok=frozenset({409}))
    ],
    ("PATCH", "/api/v1/contacts/{contact_id}"): conversation_probes(_contact, json={"tags": ["x"]}),
    ("GET", "/api/v1/contacts/{contact_id}/notes"): conversation_probes(_contact),
    ("GET", "/api/v1/contacts/{contact_id}/duplicates"): conversation_probes(_contact),
    ("POST", "/api/v1/contacts/{contact_id}/merge"): [
        Probe(contact_merge(other_inbox), ADMIN),
        Probe(contact_merge(other_team), SUPERVISOR),
    ],
    ("POST", "/api/v1/contacts/{contact_id}/notes"): conversation_probes(
        _contact, json={"text": "seen"}
    ),
    ("PATCH", "/api/v1/contacts/{contact_id}/notes/{note_id}"): [
        Probe(with_conversation(base, _a_contact_note), ADMIN, json={"text": "changed"})
        for base in (other_inbox, other_team)
    ],
    ("DELETE", "/api/v1/contacts/{contact_id}/notes/{note_id}"): [
        Probe(with_conversation(base, _a_contact_note), ADMIN) for base in (other_inbox, other_team)
    ],
    # Companies: the workspace's (read by every operator), changed by supervisors and admins.
    ("GET", "/api/v1/companies/{company_id}"): [Probe(a_company, OPERATORS)],
    ("PATCH", "/api/v1/companies/{company_id}"): [
        Probe(a_company, SUPERVISOR, json={"name": "Renamed"})
    ],
    ("DELETE", "/api/v1/companies/{company_id}"): [Probe(a_company, ADMIN)],
    ("DELETE", "/api/v1/contact-segments/{segment_id}"): [Probe(others_shared_segment, ADMIN)],
    # Scheduled email reports: an admin's schedule; a supervisor manages only their own.
    ("GET", "/api/v1/reports/schedules/{schedule_id}"): [Probe(an_admins_schedule, ADMIN)],
    ("PUT", "/api/v1/reports/schedules/{schedule_id}"): [
        Probe(an_admins_schedule, ADMIN, json=SCHEDULE)
    ],
    ("DELETE", "/api/v1/reports/schedules/{schedule_id}"): [Probe(an_admins_schedule, ADMIN)],
    # Scripts: another team's items (supervisors manage every team's), global ones used on
    # conversations out of scope, admin-only rules.
    ("GET", "/api/v1/canned-answers/{answer_id}"): [Probe(team_canned_answer, SUPERVISOR)],
    ("PATCH", "/api/v1/canned-answers/{answer_id}"): [
        Probe(team_canned_answer, SUPERVISOR, json={"title": "Changed"})
    ],
    ("DELETE", "/api/v1/canned-answers/{answer_id}"): [Probe(team_canned_answer, SUPERVISOR)],
    ("POST", "/api/v1/canned-answers/{answer_id}/use"): on_conversations(global_answer_on),
    ("GET", "/api/v1/macros/{macro_id}"): [Probe(team_macro, SUPERVISOR)],
    ("PATCH", "/api/v1/macros/{macro_id}"): [
        Probe(
            team_macro,
            SUPERVISOR,
            json={"actions": [{"type": "set_priority", "priority": "low"}]},
        )
    ],
    ("DELETE", "/api/v1/macros/{macro_id}"): [Probe(team_macro, SUPERVISOR)],
    ("POST", "/api/v1/macros/{macro_id}/run"): on_conversations(
        global_macro_on, judge=_macro_result
    ),
    ("GET", "/api/v1/automation-rules/{rule_id}"): [Probe(a_rule, ADMIN)],
    ("PATCH", "/api/v1/automation-rules/{rule_id}"): [
        Probe(a_rule, ADMIN, json={"enabled": False})
    ],
    ("DELETE", "/api/v1/automation-rules/{rule_id}"): [Probe(a_rule, ADMIN)],
    ("POST", "/api/v1/automation-rules/{rule_id}/test"): on_conversations(
        a_rule_on, outcomes=(ADMIN, ADMIN)
    ),
    # Settings: admins only.
    ("PATCH", "/api/v1/agents/{agent_id}"): [Probe(other_agent, ADMIN, json={"name": "Renamed"})],
    ("DELETE", "/api/v1/agents/{agent_id}/2fa"): [Probe(other_agent, ADMIN)],
    ("POST", "/api/v1/agents/{agent_id}/sign-out"): [Probe(other_agent, ADMIN)],
    ("PATCH", "/api/v1/teams/{team_id}"): [Probe(other_team_id, ADMIN, json={"line": 2})],
    ("PATCH", "/api/v1/inboxes/{inbox_id}"): [Probe(inbox_b, ADMIN, json={"name": "Billing"})],
    ("GET", "/api/v1/inboxes/{inbox_id}/members"): [Probe(inbox_b, ADMIN)],
    ("PUT", "/api/v1/inboxes/{inbox_id}/members"): [Probe(inbox_b, ADMIN, json={"agent_ids": []})],
    ("GET", "/api/v1/channels/api/inboxes/{inbox_id}/key"): [Probe(api_inbox, ADMIN)],
    ("POST", "/api/v1/channels/api/inboxes/{inbox_id}/key"): [Probe(api_inbox, ADMIN)],
    # A widget inbox's identity secret (ADR 27): admins only, whatever inbox.
    ("GET", "/api/v1/inboxes/{inbox_id}/identity-secret"): [Probe(inbox_b, ADMIN)],
    ("POST", "/api/v1/inboxes/{inbox_id}/identity-secret"): [Probe(inbox_b, ADMIN)],
    ("PATCH", "/api/v1/attribute-definitions/{definition_id}"): [
        Probe(a_definition, ADMIN, json={"label": "Tariff"})
    ],
    ("DELETE", "/api/v1/attribute-definitions/{definition_id}"): [Probe(a_definition, ADMIN)],
    ("PUT", "/api/v1/sla/calendars/{calendar_id}"): [
        Probe(a_calendar, ADMIN, json={"name": "Renamed"})
    ],
    ("DELETE", "/api/v1/sla/calendars/{calendar_id}"): [Probe(a_calendar, ADMIN)],
    ("PUT", "/api/v1/sla/calendars/{calendar_id}/links"): [
        Probe(a_calendar, ADMIN, json={"inbox_ids": []})
    ],
    ("GET", "/api/v1/sla/calendars/{calendar_id}/years/{year}"): [Probe(a_calendar, ADMIN)],
    ("PUT", "/api/v1/sla/policies/{policy_id}"): [
        Probe(a_policy, ADMIN, json={"name": "P2", "targets": {"high": {"resolution": 30}}})
    ],
    ("DELETE", "/api/v1/sla/policies/{policy_id}"): [Probe(a_policy, ADMIN)],
    ("GET", "/api/v1/inboxes/{inbox_id}/surveys"): [Probe(inbox_b, ADMIN)],
    ("PUT", "/api/v1/inboxes/{inbox_id}/surveys"): [Probe(inbox_b, ADMIN, json={})],
    # A survey's answer pages: the token is the credential, whoever holds it.
    ("GET", "/api/v1/public/surveys/{token}"): [Probe(a_survey, NOBODY, uniform=True)],
    ("POST", "/api/v1/public/surveys/{token}/answer"): [
        Probe(a_survey, NOBODY, uniform=True, json={"score": 3})
    ],
    ("POST", "/api/v1/public/surveys/{token}/comment"): [
        Probe(a_survey, NOBODY, uniform=True, json={"comment": "ok"})
    ],
    ("GET", "/surveys/{token}/{score}"): [Probe(a_survey_page, NOBODY, uniform=True)],
    ("POST", "/surveys/{token}"): [Probe(a_survey_page, NOBODY, uniform=True)],
    ("GET", "/api/v1/webhooks/{endpoint_id}"): [Probe(a_webhook, ADMIN)],
    ("PATCH", "/api/v1/webhooks/{endpoint_id}"): [Probe(a_webhook, ADMIN, json={"active": False})],
    ("DELETE", "/api/v1/webhooks/{endpoint_id}"): [Probe(a_webhook, ADMIN)],
    ("POST", "/api/v1/webhooks/{endpoint_id}/secret"): [Probe(a_webhook, ADMIN)],
    ("GET", "/api/v1/webhooks/{endpoint_id}/deliveries"): [Probe(a_webhook, ADMIN)],
    ("POST", "/api/v1/webhooks/deliveries/{delivery_id}/resend"): [Probe(a_delivery, ADMIN)],
    ("DELETE", "/api/v1/api-tokens/{token_id}"): [Probe(a_token, ADMIN)],
    # Another team's operator's status timeline: admins (and that team's supervisor) only.
    ("GET", "/api/v1/workforce/agents/{agent_id}/intervals"): [Probe(other_agent, ADMIN)],
    # Staffing is the leads' (not team-scoped): supervisors and admins.
    ("GET", "/api/v1/workforce/staffing/simulations/{simulation_id}"): [
        Probe(a_simulation, SUPERVISOR)
    ],
    # Shift templates and rotation patterns: the leads'.
    ("PUT", "/api/v1/workforce/shift-templates/{template_id}"): [
        Probe(
            a_shift_template, SUPERVISOR, json={"name": "x", "start": "10:00", "length_minutes": 60}
        )
    ],
    ("DELETE", "/api/v1/workforce/shift-templates/{template_id}"): [
        Probe(a_shift_template, SUPERVISOR)
    ],
    ("PUT", "/api/v1/workforce/patterns/{pattern_id}"): [
        # (template 1 may be gone by then: its 422 comes after the access check too)
        Probe(
            a_pattern,
            SUPERVISOR,
            also_ok=frozenset({422}),
            json={"name": "x", "cycle": [None, 1]},
        )
    ],
    ("DELETE", "/api/v1/workforce/patterns/{pattern_id}"): [Probe(a_pattern, SUPERVISOR)],
    # Another team's operator's calendar: their lead (the admin here) only.
    ("DELETE", "/api/v1/workforce/assignments/{assignment_id}"): [Probe(others_assignment, ADMIN)],
    ("DELETE", "/api/v1/workforce/agents/{agent_id}/shifts/{day}"): [Probe(others_day, ADMIN)],
    ("DELETE", "/api/v1/workforce/agents/{agent_id}/overrides/{day}"): [Probe(others_day, ADMIN)],
    # Another team's operator's requests: their lead decides, the colleague asked accepts,
    # the requester alone cancels.
    ("POST", "/api/v1/workforce/requests/{request_id}/approve"): [Probe(others_time_off, ADMIN)],
    ("POST", "/api/v1/workforce/requests/{request_id}/decline"): [Probe(others_time_off, ADMIN)],
    ("POST", "/api/v1/workforce/requests/{request_id}/cancel"): [Probe(others_time_off, NOBODY)],
    ("POST", "/api/v1/workforce/requests/{request_id}/accept"): [
        Probe(others_swap_with_admin, ADMIN)
    ],
    # Another person's sign-in: not in anybody else's own sessions list (admins end other
    # people's sign-ins with /agents/{id}/sign-out).
    ("DELETE", "/api/v1/auth/sessions/{session_id}"): [Probe(others_session, NOBODY)],
    # Another operator's mention: theirs alone.
    ("POST", "/api/v1/mentions/{mention_id}/read"): [Probe(others_mention, NOBODY)],
    # Telegram's own callback: a secret header, never an operator's or visitor's token.
    ("POST", "/api/v1/channels/telegram/{inbox_id}/webhook"): [
        Probe(inbox_b, NOBODY, json={"update_id": 1})
    ],
    # The knowledge base: read by every operator; changed (once published) by publishers.
    ("GET", "/api/v1/kb/articles/{article_id}"): [Probe(a_published_article, OPERATORS)],
    ("PATCH", "/api/v1/kb/articles/{article_id}"): [
        Probe(a_published_article, SUPERVISOR, json={"title": "Renamed"})
    ],
    ("DELETE", "/api/v1/kb/articles/{article_id}"): [Probe(a_published_article, SUPERVISOR)],
    ("POST", "/api/v1/kb/articles/{article_id}/files"): [
        Probe(a_published_article, SUPERVISOR, files=True)
    ],
    ("GET", "/kb-files/{file_id}/{filename}"): [Probe(a_draft_file, OPERATORS)],
    ("GET", "/api/v1/kb/articles/{article_id}/revisions"): [Probe(a_published_article, OPERATORS)],
    ("GET", "/api/v1/kb/articles/{article_id}/revisions/{revision_id}/diff"): [
        Probe(a_published_article, OPERATORS)
    ],
    ("POST", "/api/v1/kb/articles/{article_id}/revisions/{revision_id}/restore"): [
        Probe(a_published_article, SUPERVISOR)
    ],
    ("PATCH", "/api/v1/kb/categories/{category_id}"): [
        Probe(a_kb_category, SUPERVISOR, json={"name_en": "Renamed"})
    ],
    ("DELETE", "/api/v1/kb/categories/{category_id}"): [Probe(a_kb_category, SUPERVISOR)],
    ("GET", C + "/kb-suggestions"): conversation_probes(),
    # The public help center: the same page for everybody, signed in or not.
    ("GET", "/help/{key}"): [Probe(a_published_article, NOBODY, uniform=True)],
    ("GET", "/help/{key}/sitemap.xml"): [Probe(a_published_article, NOBODY, uniform=True)],
    ("GET", "/help/{key}/sitemap-{page}.xml"): [Probe(a_published_article, NOBODY, uniform=True)],
    ("GET", "/help/{key}/{lang}/"): [Probe(a_published_article, NOBODY, uniform=True)],
    ("GET", "/help/{key}/{lang}/search"): [Probe(a_published_article, NOBODY, uniform=True)],
    ("GET", "/help/{key}/{lang}/categories/{slug}"): [
        Probe(a_published_article, NOBODY, uniform=True)
    ],
    ("GET", "/help/{key}/{lang}/articles/{slug}"): [
        Probe(a_published_article, NOBODY, uniform=True)
    ],
    ("POST", "/help/{key}/{lang}/articles/{slug}/vote"): [
        Probe(a_published_article, NOBODY, uniform=True)
    ],
    # Pages of the built front ends: no object behind the path, the same for everybody.
    ("GET", "/app/{path:path}"): [Probe(a_page, NOBODY, uniform=True)],
    ("GET", "/widget/{path:path}"): [Probe(a_page, NOBODY, uniform=True)],
}


async def others_placement(w: World) -> Params:
    """A suggested shift given to ``other`` (team T2): only their lead (the admin) places
    it; the T1 supervisor does not see them (404), operators never edit (403)."""
    return {"body": {"placements": [{"agent_id": w.other_id, **_a_day_shift()}]}}


async def others_shift(w: World) -> Params:
    """The same shift placed by hand (the calendar's own route)."""
    return {"body": {"agent_id": w.other_id, **_a_day_shift()}}


def _a_day_shift() -> dict[str, str]:
    return {"starts_at": "2030-01-15T09:00:00+00:00", "ends_at": "2030-01-15T17:00:00+00:00"}


#: Routes without a path parameter that name another's object in their body: the same
#: probes, and each must exist.
BODY_TABLE: dict[tuple[str, str], list[Probe]] = {
    ("POST", "/api/v1/workforce/schedule-suggestion/accept"): [Probe(others_placement, ADMIN)],
    ("POST", "/api/v1/workforce/shifts"): [Probe(others_shift, ADMIN)],
}


# --- the route table ----------------------------------------------------------------------


def _walk(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _walk(included.routes)
        else:
            yield route


def routes_with_parameters(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for route in _walk(app.router.routes):
        path: str | None = getattr(route, "path", None)
        if path is None or "{" not in path:
            continue
        for method in getattr(route, "methods", None) or {"WEBSOCKET"}:
            if method != "HEAD":
                found.add((method, path))
    return found


def test_every_route_with_a_path_parameter_is_classified() -> None:
    """A new route that names an object must say who may reach another's object."""
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    routes = routes_with_parameters(app)
    assert len(routes) > 40  # the walk found the routers' routes
    assert routes - TABLE.keys() == set(), "classify these routes in TABLE"
    assert TABLE.keys() - routes == set(), "these entries name routes that no longer exist"
    every = {
        (method, getattr(route, "path", ""))
        for route in _walk(app.router.routes)
        for method in getattr(route, "methods", None) or ()
    }
    assert BODY_TABLE.keys() - every == set(), "these entries name routes that no longer exist"


# --- the matrix ---------------------------------------------------------------------------


async def _world(ws: Workspace) -> World:
    sup_id, sup_token = await ws.agent("lead@example.com", role="supervisor", name="Lead")
    agent_id, agent_token = await ws.agent("agent@example.com", name="Agent")
    other_id, other_token = await ws.agent("other@example.com", name="Other")
    visitor = await ws.visitor("Someone else")
    await visitor.say("my own conversation")
    w = World(
        ws=ws,
        tokens={
            "anonymous": None,
            "visitor": visitor.token,
            "agent": agent_token,
            "supervisor": sup_token,
            "admin": ws.token,
        },
        inbox_b=0,
        inbox_b_key="",
        api_inbox=0,
        t1=0,
        t2=0,
        t3=0,
        other_id=other_id,
        other_token=other_token,
    )
    teams = []
    for name, members in (("T1", [sup_id, agent_id]), ("T2", [other_id]), ("T3", [])):
        teams.append(
            (await w.ok("POST", "/api/v1/teams", json={"name": name, "agent_ids": members}))["id"]
        )
    w.t1, w.t2, w.t3 = teams
    inbox = await w.ok("POST", "/api/v1/inboxes", json={"name": "B", "channel": "widget"})
    w.inbox_b, w.inbox_b_key = inbox["id"], inbox["public_key"]
    await w.ok(
        "PUT", f"/api/v1/inboxes/{w.inbox_b}/members", json={"agent_ids": [ws.admin_id, other_id]}
    )
    await w.ok(
        "PUT",
        f"/api/v1/inboxes/{ws.inbox_id}/members",
        json={"agent_ids": [ws.admin_id, sup_id, agent_id]},
    )
    api = await w.ok(
        "POST", "/api/v1/inboxes", json={"name": "Bridge", "channel": "api", "config": {}}
    )
    w.api_inbox = api["id"]
    return w


def _outcome(probe: Probe, response: httpx.Response) -> Outcome | str:
    if probe.judge is not None:
        judged = probe.judge(response)
        if judged is not None:
            return judged
    if response.status_code in DENIED:
        return "denied"
    if response.status_code < 300 or response.status_code in probe.also_ok:
        return "ok"
    return f"unexpected {response.status_code}: {response.text[:200]}"


async def _request(
    w: World, method: str, path: str, role: Role, probe: Probe, params: Params
) -> httpx.Response:
    url = path.replace("{path:path}", "{path}").format(**params)
    headers = {}
    token = w.tokens[role]
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    kwargs: dict[str, Any] = {"headers": headers}
    body = params.get("body", probe.json)
    if body is not None:
        # Ids of the world's teams, named in the table before the world exists.
        body = {k: getattr(w, v) if v in ("t1", "t2", "t3") else v for k, v in body.items()}
    if body is not None:
        kwargs["json"] = {**body, "client_msg_id": new_id()} if "client_msg_id" in body else body
    if probe.files:
        kwargs["files"] = {"file": ("note.txt", b"hello", "text/plain")}
    return await w.api.request(method, url, **kwargs)


async def test_no_role_reaches_another_inbox_team_or_visitor_object(workspace: Workspace) -> None:
    w = await _world(workspace)
    failures = []
    table = {**TABLE, **BODY_TABLE}
    for (method, path), probes in sorted(table.items(), key=lambda item: item[0][1]):
        for probe in probes:
            params: Params | None = None
            statuses = set()
            got: str = "denied"
            for role in ROLES:
                if params is None or (method != "GET" and got != "denied"):
                    params = await probe.build(w)  # a write let through may have changed it
                response = await _request(w, method, path, role, probe, params)
                statuses.add(response.status_code)
                got = _outcome(probe, response)
                wanted = probe.outcome[role]
                if not probe.uniform and got != wanted:
                    name = probe.build.__name__
                    failures.append(f"{method} {path} [{name}] as {role}: {got}, expected {wanted}")
            # 503: the front end is not built in this checkout (the same for every role).
            if probe.uniform and (len(statuses) != 1 or max(statuses) not in (*range(500), 503)):
                failures.append(f"{method} {path}: answers differ by role: {sorted(statuses)}")
    assert not failures, "\n".join(failures)
