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
from sqlalchemy.exc import DBAPIError

from otklik.core.db import RACE_ATTEMPTS, Database, lost_a_race

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TransactionalRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run_in_transaction(request: Request) -> Response:
            db: Database = request.app.state.db
            write = request.method not in SAFE_METHODS
            for attempt in range(1, RACE_ATTEMPTS + 1):
                try:
                    async with db.session(write=write) as session:
                        request.state.db_session = session
                        return await handler(request)
                except DBAPIError as exc:
                    # Rolled back to its savepoint: a lost race leaves nothing behind, and
                    # the handler runs again (the body is kept by the request).
                    if not write or attempt == RACE_ATTEMPTS or not lost_a_race(exc):
                        raise
            raise AssertionError("unreachable")

        return run_in_transaction
