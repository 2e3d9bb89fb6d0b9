"""``create_app()``: routers, middleware and the lifespan that owns engines and workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from otklik import __version__, wiring
from otklik.accounts.api import router as accounts_router
from otklik.accounts.auth_api import router as auth_router
from otklik.accounts.policy_api import router as security_settings_router
from otklik.attachments import api as attachments_api
from otklik.attributes.api import router as attributes_router
from otklik.audit.api import router as audit_router
from otklik.channels import base as channel_plugins
from otklik.channels.api import router as inboxes_router
from otklik.channels.widget import api as widget_api
from otklik.channels.widget.api import admin_router as widget_admin_router
from otklik.channels.widget.api import live_router as widget_live_router
from otklik.channels.widget.api import router as widget_router
from otklik.channels.widget.limits import WidgetLimits
from otklik.channels.widget.socket import router as widget_socket_router
from otklik.channels.widget.socket import visitor_socket
from otklik.config import Settings, get_settings
from otklik.contacts.api import router as contacts_router
from otklik.contacts.companies_api import router as companies_router
from otklik.contacts.transfer_api import exports as contact_exports_router
from otklik.contacts.transfer_api import router as contact_imports_router
from otklik.conversations.api import router as conversations_router
from otklik.core import config_cache, heap
from otklik.core.db import Database
from otklik.core.front import FrontDoorApp, Layer, Layers
from otklik.core.headers import SecurityHeaders
from otklik.core.hot import HotHandler, HotRoutes
from otklik.core.http import BodyLimit, install_error_handlers
from otklik.core.security import VisitorTokens
from otklik.jobs.runner import JobRunner
from otklik.kb.api import router as kb_router
from otklik.kb.files import router as kb_files_router
from otklik.privacy.api import downloads as privacy_downloads_router
from otklik.privacy.api import router as privacy_router
from otklik.realtime.api import agent_socket
from otklik.realtime.api import router as realtime_router
from otklik.realtime.auth import SocketAuth
from otklik.realtime.broker import make_broker
from otklik.realtime.hub import Hub
from otklik.realtime.presence import PresenceKeeper
from otklik.realtime.routes import SocketRoutes
from otklik.realtime.scopes import ScopeKeeper
from otklik.realtime.ws import Realtime
from otklik.reports.api import router as reports_router
from otklik.routing.api import router as routing_router
from otklik.scripts.api import router as scripts_router
from otklik.search.api import router as search_router
from otklik.sla.api import router as sla_router
from otklik.surveys.api import router as surveys_router
from otklik.surveys.pages import router as survey_pages_router
from otklik.web.helpcenter import router as helpcenter_router
from otklik.web.pages import router as pages_router
from otklik.webhooks.api import router as webhooks_router
from otklik.workforce import shifts as workforce_shifts
from otklik.workforce.api import router as workforce_router

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    wiring.install()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings)
        db.start_background()
        hub = Hub(
            queue_size=settings.socket_queue_size,
            heartbeat_seconds=lambda: settings.heartbeat_seconds,
        )
        broker = make_broker(hub, db, config=config_cache.attach(db))
        await broker.start()
        realtime = Realtime(db=db, hub=hub, broker=broker, settings=settings)
        db.after_commit.append(realtime.publish_committed)
        app.state.db = db
        app.state.realtime = realtime
        app.state.socket_auth = SocketAuth(db, hub, settings=settings)
        app.state.socket_auth.start()
        app.state.scope_keeper = ScopeKeeper(db, hub)
        app.state.presence = PresenceKeeper(db, settings)
        app.state.presence.start()
        app.state.visitor_tokens = VisitorTokens(
            settings.resolved_secret_key(), max_age=settings.visitor_token_days * 86_400
        )
        app.state.widget_limits = WidgetLimits.from_settings(settings)
        runner = JobRunner(db, settings) if settings.run_jobs_in_app else None
        if runner is not None:
            # Plugins first: a delivery job may need a plugin's keys the moment jobs run.
            await channel_plugins.start_plugins(db=db, settings=settings)
            runner.start()
        warming = asyncio.create_task(heap.freeze_when_warm()) if settings.gc_freeze else None
        try:
            yield
        finally:
            if warming is not None:
                warming.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await warming
            if runner is not None:
                await channel_plugins.stop_plugins()
                await runner.stop()
            await app.state.presence.stop()
            await app.state.socket_auth.stop()
            await app.state.scope_keeper.stop()
            await broker.stop()
            await db.dispose()

    app = FrontDoorApp(
        title="Otklik API",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # web/pages.py serves /api/docs with its own CSP
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    workforce_shifts.use_timezone(settings.workspace_timezone)
    install_error_handlers(app)
    # Routers are matched in this order, route by route: the live path's first.
    for router in (
        widget_live_router,
        widget_router,
        conversations_router,
        auth_router,
        accounts_router,
        security_settings_router,
        inboxes_router,
        widget_admin_router,
        contact_exports_router,
        contact_imports_router,
        contacts_router,
        companies_router,
        attachments_api.router,
        routing_router,
        attributes_router,
        audit_router,
        scripts_router,
        search_router,
        kb_router,
        kb_files_router,
        sla_router,
        privacy_router,
        privacy_downloads_router,
        surveys_router,
        survey_pages_router,
        reports_router,
        webhooks_router,
        workforce_router,
        widget_socket_router,
        realtime_router,
        helpcenter_router,
        pages_router,
    ):
        app.include_router(router)
    hot_routes: dict[tuple[str, str], HotHandler] = {
        ("POST", "/api/v1/widget/messages"): widget_api.post_message_hot
    }
    for channel in channel_plugins.channel_names():
        plugin = channel_plugins.plugin_for(channel)
        for router in plugin.routers() if plugin is not None else []:
            app.include_router(router)
        if isinstance(plugin, channel_plugins.HotRoutesPlugin):
            hot_routes.update(plugin.hot_routes())

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    # Outermost first. Outside everything: the client address and scheme (HTTPS → Secure
    # cookies) are taken from X-Forwarded-For/-Proto only when the peer is one of the
    # trusted proxies. Then sockets, which skip the layers below (see realtime/routes.py).
    # Innermost: the customers' sends, past the router (core/hot.py). The hot and socket
    # routes are taken at the app's door through the same chain (core/front.py).
    sockets = {"/api/v1/ws": agent_socket, "/api/v1/widget/ws": visitor_socket}
    cors = (
        [
            Layer(
                CORSMiddleware,
                {
                    "allow_origins": settings.cors_origins,
                    "allow_credentials": True,
                    "allow_methods": ["*"],
                    "allow_headers": ["*"],
                },
            )
        ]
        if settings.cors_origins
        else []
    )
    layers = [
        Layer(ProxyHeadersMiddleware, {"trusted_hosts": settings.trusted_proxies or []}),
        Layer(SocketRoutes, {"routes": sockets}),
        Layer(SecurityHeaders, {"hsts_seconds": settings.hsts_seconds}),
        Layer(BodyLimit, {"allowances": attachments_api.body_allowances(settings)}),
        *cors,
        Layer(HotRoutes, {"routes": hot_routes}),
    ]
    app.open_door(Layers(layers, hot_routes=hot_routes, socket_paths=list(sockets)))
    return app
