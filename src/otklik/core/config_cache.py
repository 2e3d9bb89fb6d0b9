"""Per-process caches of configuration (inboxes, automation rules, webhook endpoints, teams).

The hot path (a visitor's message) reads configuration on every event; here it reads it
from memory. An :class:`Entry` is a named value loaded on first use by its loader, which
must return an immutable snapshot (frozen dataclasses, tuples, mappings nobody mutates),
never ORM objects.

A service that writes configuration calls :func:`changed` inside its transaction. That
notes the entry names in ``session.info`` and announces them to the other processes
(``config_signal``, delivered only if the transaction commits). After the commit this
process's :meth:`ConfigCache.after_commit` drops the entries, before the answer leaves;
other processes drop them when their broker hears the announcement (PostgreSQL NOTIFY, or
SQLite's ``config_versions`` poll). A rolled-back change drops nothing.

Races: each entry has a generation counter, bumped on every drop. A load that started
before a drop does not store what it read, so a value read before a commit never outlives
the commit's invalidation. Loads use a fresh read session, never the caller's write
transaction, so uncommitted data (another request's in the same group commit) is never
cached; a transaction that changed an entry itself reads it uncached, through its own
session, and sees its own change.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core import config_signal
from otklik.core.writer import Committed

if TYPE_CHECKING:
    from otklik.core.db import Database

T = TypeVar("T")
#: ``session.info`` key: the entry names this transaction changed.
STALE_KEY = "otklik.config.stale"
#: ``session.info`` key: the versions its changes gave them (SQLite).
VERSIONS_KEY = "otklik.config.versions"


@dataclass(frozen=True, slots=True, eq=False)
class Entry(Generic[T]):
    """A named piece of configuration and how to load it (through a read session)."""

    name: str
    load: Callable[[AsyncSession], Awaitable[T]]


_entries: dict[str, Entry[Any]] = {}


def entry(name: str, load: Callable[[AsyncSession], Awaitable[T]]) -> Entry[T]:
    """Declare an entry (once, at import time of the domain that owns it)."""
    if name in _entries:
        raise ValueError(f"two configuration entries named {name!r}")
    declared = Entry(name=name, load=load)
    _entries[name] = declared
    return declared


class ConfigCache:
    """One process's values, with a generation per entry name."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._values: dict[str, Any] = {}
        self._generations: dict[str, int] = {}
        #: Names the announcements of this cache's process (PostgreSQL).
        self.origin = f"{os.getpid()}-{secrets.token_hex(4)}"
        #: SQLite: the ``config_versions`` this cache is up to date with.
        self._versions: dict[str, int] = {}
        #: How many loads ran (tests and diagnostics).
        self.loads = 0

    async def get(self, entry: Entry[T]) -> T:
        if entry.name in self._values:
            return cast(T, self._values[entry.name])
        generation = self._generations.get(entry.name, 0)
        async with self._db.session(write=False) as session:
            value = await entry.load(session)
        self.loads += 1
        if self._generations.get(entry.name, 0) == generation:
            self._values[entry.name] = value
        return value

    def peek(self, entry: Entry[T]) -> T | None:
        """The entry's value if it is loaded; ``None`` if not (nothing is loaded here)."""
        return cast(T | None, self._values.get(entry.name))

    def drop(self, names: Iterable[str]) -> None:
        for name in names:
            self._values.pop(name, None)
            self._generations[name] = self._generations.get(name, 0) + 1

    def drop_all(self) -> None:
        self.drop([*_entries, *self._values])

    def apply_versions(self, versions: Mapping[str, int]) -> None:
        """SQLite: the versions just read; drop the entries someone else changed."""
        # Versions only grow; a smaller one comes from a read older than our own commit.
        moved = [
            name for name, version in versions.items() if version > self._versions.get(name, 0)
        ]
        self.drop(moved)
        for name in moved:
            self._versions[name] = versions[name]

    async def after_commit(self, session: Committed) -> None:
        names: set[str] | None = session.info.pop(STALE_KEY, None)
        if names:
            self.drop(names)
        for name, version in session.info.pop(VERSIONS_KEY, {}).items():
            # Our own change, right after the versions we know: no need to drop it again
            # when the poll sees it. After anybody else's, the poll must see the gap.
            if self._versions.get(name, 0) == version - 1:
                self._versions[name] = version


_caches: WeakKeyDictionary[Engine, ConfigCache] = WeakKeyDictionary()


def attach(db: Database) -> ConfigCache:
    """Give ``db``'s sessions a cache (the app does, once per process). Without one, every
    read loads afresh: slower, never stale."""
    cache = ConfigCache(db)
    for engine in (db.write_engine, db.read_engine):
        _caches[engine.sync_engine] = cache
    # First: configuration is fresh before events of the same commit reach anybody.
    db.after_commit.insert(0, cache.after_commit)
    return cache


def cache_for(session: AsyncSession) -> ConfigCache | None:
    return _caches.get(session.get_bind().engine)


def cache_for_db(db: Database) -> ConfigCache:
    """The cache :func:`attach` gave ``db``."""
    return _caches[db.write_engine.sync_engine]


def peek(conn: Connection, entry: Entry[T]) -> T | None:
    """The entry's cached value for synchronous code on ``conn`` (a write without a session,
    ``core/unit.py``), or ``None`` when it is not loaded: the caller then assumes the worst."""
    cache = _caches.get(conn.engine)
    return cache.peek(entry) if cache is not None else None


async def get(session: AsyncSession, entry: Entry[T]) -> T:
    """The entry's value for code running in ``session``."""
    cache = cache_for(session)
    if cache is None or entry.name in session.info.get(STALE_KEY, ()):
        return await entry.load(session)
    return await cache.get(entry)


async def changed(session: AsyncSession, *entries: Entry[Any]) -> None:
    """This transaction changes what ``entries`` hold: every process drops them once it
    commits (and none does if it rolls back)."""
    names = {e.name for e in entries}
    session.info.setdefault(STALE_KEY, set()).update(names)
    cache = cache_for(session)
    versions = await config_signal.announce(
        session, names, origin=cache.origin if cache is not None else ""
    )
    session.info.setdefault(VERSIONS_KEY, {}).update(versions)
