"""Routes that run inside one database transaction owned by the request.

The handler (and every dependency it resolves) shares one session. The transaction commits
after the handler returned its response object and before a single byte is sent, so a client
that was told "201 Created" holds a committed row. Any exception rolls everything back.
GET/HEAD requests run on the read pool and never take SQLite's write lock. A write that
PostgreSQL failed to break a deadlock runs again (``core.db.lost_a_race``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from otklik.core.db import Database, retry_lost_races

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TransactionalRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run_in_transaction(request: Request) -> Response:
            db: Database = request.app.state.db
            write = request.method not in SAFE_METHODS

            async def attempt() -> Response:
                async with db.session(write=write) as session:
                    request.state.db_session = session
                    return await handler(request)

            # A write that lost a race runs again (the body is kept by the request).
            return await (retry_lost_races(attempt) if write else attempt())

        return run_in_transaction
