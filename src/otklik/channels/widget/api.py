"""Public endpoints the site widget calls, keyed by the inbox's public key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from otklik.accounts.deps import AdminAgent, bearer_token
from otklik.channels import service as inboxes
from otklik.channels.schemas import PublicInbox, WidgetConfigOut
from otklik.channels.widget import limits, proof, secret, service
from otklik.channels.widget.schemas import (
    EmailCodeIn,
    EmailProofIn,
    EmailProofOut,
    IdentitySecretOut,
    OfflineMessageIn,
    SessionIn,
    SessionOut,
    VisitorMessages,
)
from otklik.conversations import service as conversations
from otklik.conversations.schemas import MessageOut, VisitorMessageIn
from otklik.config import Settings
from otklik.contacts.schemas import VisitIn
from otklik.core.crypto import SecretBox
from otklik.core.db import Database
from otklik.core.unit import WriteUnit
from otklik.core.deps import AppSettings, DbSession
from otklik.core.errors import unauthorized
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id
from otklik.core.security import VisitorTokens
from otklik.routing.schemas import QueueOut

router = APIRouter(prefix="/api/v1/widget", route_class=TransactionalRoute, tags=["widget"])


async def visitor_tokens(request: Request) -> VisitorTokens:
    tokens: VisitorTokens = request.app.state.visitor_tokens
    return tokens


Tokens = Annotated[VisitorTokens, Depends(visitor_tokens)]


async def current_visitor(request: Request, session: DbSession, tokens: Tokens) -> service.Visitor:
    token = bearer_token(request)
    if token is None:
        raise unauthorized("Send the visitor token as 'Authorization: Bearer <token>'.")
    return await service.visitor_for_token(session, token=token, tokens=tokens)


CurrentVisitor = Annotated[service.Visitor, Depends(current_visitor)]


@router.get("/config", response_model=WidgetConfigOut)
async def widget_config(
    session: DbSession,
    response: Response,
    inbox_key: Annotated[str, Query(min_length=1, max_length=64)],
) -> WidgetConfigOut:
    """Public: the loader on a customer's site reads it cross-origin (no credentials)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    inbox = await inboxes.widget_inbox_by_key(session, inbox_key)
    return WidgetConfigOut(
        inbox=PublicInbox(name=inbox.name, settings=inboxes.inbox_settings(inbox)),
        agents_online=await inboxes.agents_online(session, inbox),
    )


def _limit_sessions(request: Request, tokens: VisitorTokens, visitor_token: str | None) -> None:
    identity = tokens.read(visitor_token) if visitor_token else None
    limits.limits_of(request).session(
        limits.client_ip(request), identity.contact_id if identity is not None else None
    )


_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many requests from this visitor or address; see Retry-After"}
}


_IDENTITY_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "The site's identity was refused (ADR 27): ``identity_invalid`` (the "
        "signature does not match), ``identity_expired`` (signed over 10 minutes ago, or "
        "ahead of our clock), ``identity_unverified`` (the inbox requires a signature); or "
        "the inbox is turned off (``inbox_off``)"
    }
}


def secret_box(settings: Settings) -> SecretBox:
    return SecretBox(settings.resolved_secret_key())


@router.post("/sessions", response_model=SessionOut, responses={**_LIMITED, **_IDENTITY_REFUSED})
async def start_session(
    body: SessionIn, request: Request, session: DbSession, tokens: Tokens, settings: AppSettings
) -> SessionOut:
    """Start a visitor session, or resume one with ``visitor_token``; always answers with a
    fresh token (``resumed`` tells whether it is the same visitor). With ``identity`` signed
    by the site, the visitor is that site user's contact (``resumed`` only if the token was
    already theirs)."""
    _limit_sessions(request, tokens, body.visitor_token)
    return await service.start_session(
        session, data=body, tokens=tokens, box=secret_box(settings)
    )


#: Routes that manage their own writes (no transaction opened around them).
live_router = APIRouter(prefix="/api/v1/widget", tags=["widget"])


@live_router.post(
    "/messages",
    response_model=MessageOut,
    status_code=201,
    responses={
        200: {"model": MessageOut, "description": "A repeat of an earlier send"},
        **_LIMITED,
    },
)
async def post_message(body: VisitorMessageIn, request: Request) -> Response:
    """The live path's busiest endpoint, kept lean: it reads the visitor and the settings
    itself, writes in a unit without an ORM session (``core/unit.py``) and answers with the
    message already serialised, so FastAPI solves no dependency tree for it and does not
    validate the answer a second time (``response_model`` still documents it)."""
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    token = bearer_token(request)
    if token is None:
        raise unauthorized("Send the visitor token as 'Authorization: Bearer <token>'.")
    visitor = await service.visitor_in(db, token=token, tokens=request.app.state.visitor_tokens)
    # In memory, no statement (core/ratelimit.py); a repeat counts too, like any request.
    limits.limits_of(request).message(limits.client_ip(request), visitor.contact_id)


    async def send(unit: WriteUnit) -> conversations.Posted:
        return await conversations.post_visitor_message_in_unit(
            unit,
            inbox=visitor.inbox,
            contact_id=visitor.contact_id,
            client_msg_id=body.client_msg_id,
            text=body.text,
            max_chars=settings.max_message_chars,
            attachment_ids=body.attachment_ids,
        )

    # One visitor's writes share a write lane (PostgreSQL: no lock waits across lanes).
    posted = await db.run_unit(send, key=visitor.contact_id)
    out = conversations.visitor_view(posted.message)
    return Response(
        content=out.model_dump_json(),
        status_code=201 if posted.created else 200,
        media_type="application/json",
    )


async def post_message_hot(request: Request, body: bytes) -> Response:
    """:func:`post_message` as a hot route (``core/hot.py``): the same answers, past the
    router; pydantic parses and validates the JSON body in one step."""
    return await post_message(VisitorMessageIn.model_validate_json(body), request)


@router.get("/messages", response_model=VisitorMessages)
async def list_messages(
    visitor: CurrentVisitor,
    session: DbSession,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> VisitorMessages:
    items = await conversations.visitor_messages(
        session, contact_id=visitor.contact_id, inbox_id=visitor.inbox.id, after=after
    )
    return VisitorMessages(items=items)


@router.post(
    "/offline",
    response_model=SessionOut,
    status_code=201,
    responses={**_LIMITED, **_IDENTITY_REFUSED},
)
async def leave_offline_message(
    body: OfflineMessageIn,
    request: Request,
    session: DbSession,
    tokens: Tokens,
    settings: AppSettings,
) -> SessionOut:
    _limit_sessions(request, tokens, body.visitor_token)
    return await service.leave_offline_message(
        session,
        data=body,
        tokens=tokens,
        max_chars=settings.max_message_chars,
        box=secret_box(settings),
    )


@router.get("/queue", response_model=QueueOut)
async def queue_position(visitor: CurrentVisitor, session: DbSession) -> QueueOut:
    """The visitor's place in the queue (1 = next), or null when not waiting."""
    return QueueOut(position=await service.queue_position(session, visitor=visitor))


@router.post("/visit", status_code=204, response_class=Response)
async def report_visit(
    body: VisitIn, request: Request, visitor: CurrentVisitor, session: DbSession
) -> Response:
    """The pages the visitor has seen and their browser's settings, for the customer card
    (the browser and system are read from this request's User-Agent)."""
    await service.record_visit(
        session, visitor=visitor, visit=body, user_agent=request.headers.get("user-agent")
    )
    return Response(status_code=204)


def proof_links(request: Request) -> proof.ProofLinks:
    settings: Settings = request.app.state.settings
    return proof.ProofLinks(settings.resolved_secret_key())


@router.post(
    "/identity/email",
    response_model=EmailProofOut,
    status_code=202,
    responses={409: {"description": "No email inbox can send the code"}, **_LIMITED},
)
async def ask_for_email_proof(
    body: EmailProofIn,
    request: Request,
    visitor: CurrentVisitor,
    session: DbSession,
    settings: AppSettings,
) -> EmailProofOut:
    """Mail a one-time code (and a link, when ``OTKLIK_PUBLIC_URL`` is set) to ``email`` so
    the visitor can prove it and see that contact's history. The same answer whether or not
    the address is known; only a known address gets the mail."""
    limits.limits_of(request).proof(limits.client_ip(request), visitor.contact_id)
    expires_at = await proof.request_proof(
        session,
        inbox_id=visitor.inbox.id,
        visitor_id=visitor.contact_id,
        email=str(body.email),
        language=body.language,
        public_url=settings.public_url,
        links=proof_links(request),
    )
    return EmailProofOut(expires_at=expires_at)


@router.post(
    "/identity/confirm",
    response_model=SessionOut,
    responses={
        410: {"description": "The code expired, was used, or too many wrong codes were typed"},
        422: {"description": "The code is not right"},
        **_LIMITED,
    },
)
async def confirm_email_proof(
    body: EmailCodeIn,
    request: Request,
    visitor: CurrentVisitor,
    session: DbSession,
    tokens: Tokens,
) -> Response:
    """The code from the mail: the visitor joins the contact with that address and gets a
    token for it (``resumed``: true). A refusal is answered, not raised, so that a wrong
    code is counted (the request's transaction commits)."""
    limits.limits_of(request).proof(limits.client_ip(request), visitor.contact_id)
    result = await proof.confirm_code(
        session,
        inbox_id=visitor.inbox.id,
        visitor_id=visitor.contact_id,
        code=body.code,
        ip=limits.client_ip(request),
    )
    if not isinstance(result, proof.Joined):
        error = proof.refusal(result)
        return JSONResponse(error.body(), status_code=error.status)
    out = await service.joined_session(session, joined=result, tokens=tokens)
    return Response(out.model_dump_json(), media_type="application/json")


#: Admins' endpoints for a widget inbox's identity secret (beside the inbox settings).
admin_router = APIRouter(prefix="/api/v1/inboxes", route_class=TransactionalRoute, tags=["inboxes"])


@admin_router.get("/{inbox_id}/identity-secret", response_model=IdentitySecretOut)
async def reveal_identity_secret(
    inbox_id: Id, _: AdminAgent, session: DbSession, settings: AppSettings
) -> IdentitySecretOut:
    """Admins: the widget inbox's identity secret, for the site's server to sign user ids
    with (``null``: none yet — an inbox made before identity verification; ``POST`` makes
    one). 404 for an inbox of another channel."""
    value = await secret.secret_of(session, inbox_id=inbox_id, box=secret_box(settings))
    return IdentitySecretOut(secret=value)


@admin_router.post("/{inbox_id}/identity-secret", response_model=IdentitySecretOut)
async def rotate_identity_secret(
    inbox_id: Id, admin: AdminAgent, session: DbSession, settings: AppSettings
) -> IdentitySecretOut:
    """Admins: a new identity secret made by the server; signatures made with the old one
    are refused from now on (visitors already in a chat keep their sessions)."""
    value = await secret.rotate(
        session, inbox_id=inbox_id, actor_id=admin.id, box=secret_box(settings)
    )
    return IdentitySecretOut(secret=value)
