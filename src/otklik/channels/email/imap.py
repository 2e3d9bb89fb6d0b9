"""The IMAP poller of one inbox: IDLE when the server offers it, a check every few seconds else.

Progress is a UID mark kept in the inbox's ``channel_config["imap_state"]``, moved in the same
transaction that stores the mail: after a restart the poller asks for ``last_uid + 1:*``, so it
neither skips nor repeats a mail. A changed ``UIDVALIDITY`` (the mailbox was rebuilt) makes the
old UIDs meaningless: the poller searches again by date, and the mails' Message-IDs keep the
ones already stored from being stored twice. No transaction is open while it waits on the
network: it fetches one mail, then stores it in a short write session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque
from datetime import date, timedelta
from typing import Any

from aioimaplib import IMAP4
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels import config as channel_config
from otklik.channels import health
from otklik.channels.email.config import EmailConfig, ImapState
from otklik.channels.email.connect import imap_client
from otklik.channels.email.ingest import ingest
from otklik.channels.email.tokens import ReplyTokens
from otklik.channels.models import Inbox
from otklik.config import Settings
from otklik.core import ssrf
from otklik.core.clock import utcnow
from otklik.core.db import Database

log = logging.getLogger(__name__)

IMAP_TIMEOUT = 30.0
FETCH_BATCH = 200
MAX_BACKOFF = 300.0
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ImapError(Exception):
    """The server refused a command: ``what`` it was, and the server's own words."""

    def __init__(self, what: str, result: str, detail: str) -> None:
        super().__init__(f"{what}: {result} {detail}".strip())
        self.what = what
        self.detail = detail


def describe(exc: BaseException, config: EmailConfig) -> str:
    """A poller's failure in words an admin understands (channel health shows it)."""
    where = f"{config.imap_host}:{config.imap_port}"
    if isinstance(exc, ImapError):
        said = re.sub(r"^\s*(\[[^\]]*\]\s*)?", "", exc.detail).strip().rstrip(".")
        said = said[:1].lower() + said[1:] if said else "refused"
        if exc.what == "LOGIN":
            return f"IMAP login failed: {said}"
        if exc.what == "SELECT":
            return f"The IMAP folder could not be opened: {said}"
        return f"The IMAP server refused {exc.what}: {said}"
    if isinstance(exc, ssrf.Refused):
        return f"The IMAP server {where} may not be reached: {exc}"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return f"The IMAP server {where} did not answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return f"The IMAP server {where} refused the connection"
    if isinstance(exc, OSError):
        return f"Could not connect to the IMAP server {where}: {exc.strerror or exc}"
    return f"IMAP error: {type(exc).__name__}: {exc}"


def _text(line: Any) -> str:
    return bytes(line).decode("utf-8", "replace") if isinstance(line, bytes | bytearray) else ""


def _code(lines: list[Any], name: str) -> int | None:
    for line in lines:
        match = re.search(rf"\[{name} (\d+)\]", _text(line))
        if match:
            return int(match[1])
    return None


def _imap_date(day: date) -> str:
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"


def _check(response: Any, what: str) -> list[Any]:
    if response.result != "OK":
        detail = " ".join(_text(line) for line in response.lines)[:300]
        raise ImapError(what, str(response.result), detail)
    lines: list[Any] = response.lines
    return lines


def _uids(lines: list[Any]) -> list[int]:
    found: list[int] = []
    for line in lines:
        text = _text(line).strip()
        if text.upper().startswith("SEARCH"):
            text = text[6:]
        if re.fullmatch(r"[\d ]*", text):
            found.extend(int(n) for n in text.split())
    return sorted(set(found))


def _literal(lines: list[Any]) -> bytes | None:
    for line in lines:
        if isinstance(line, bytearray):
            return bytes(line)
    return None


class ImapPoller:
    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        inbox_id: int,
        config: EmailConfig,
        tokens: ReplyTokens,
        fetched: deque[tuple[int, int]],
    ) -> None:
        self.db = db
        self.settings = settings
        self.inbox_id = inbox_id
        self.config = config
        self.tokens = tokens
        #: ``(inbox_id, uid)`` of every mail fetched (shared by the plugin; for diagnostics).
        self.fetched = fetched
        self._client: IMAP4 | None = None

    async def run(self) -> None:
        backoff = 1.0
        while True:
            try:
                await self._session()
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a network or server error: reconnect after a pause
                await self._close()
                await self._report(describe(exc, self.config))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    async def _report(self, error: str | None) -> None:
        """Tell channel health how the last attempt went (never fails the poller)."""
        try:
            await health.report(self.db, inbox_id=self.inbox_id, error=error)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("inbox %s: health not recorded: %r", self.inbox_id, exc)

    async def _close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            # An IDLE was ended by _idle() already (DONE twice is a protocol error).
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await client.logout()
        finally:
            # Also when the poller is being stopped: a cancelled LOGOUT must not leave the
            # socket open (a leaked transport failed a later test as a ResourceWarning).
            with contextlib.suppress(Exception):
                transport = client.protocol.transport
                if transport is not None:
                    transport.close()
            for task in list(client.tasks):
                task.cancel()

    async def _connect(self) -> IMAP4:
        cfg = self.config
        client = await imap_client(
            host=cfg.imap_host,
            port=cfg.imap_port,
            use_ssl=cfg.imap_ssl,
            io_seconds=IMAP_TIMEOUT,
            policy=ssrf.Policy.from_settings(self.settings),
        )
        self._client = client
        await client.wait_hello_from_server()
        _check(await client.login(cfg.imap_username, cfg.imap_password), "LOGIN")
        return client

    async def _session(self) -> None:
        client = await self._connect()
        try:
            lines = _check(await client.select(self.config.imap_folder), "SELECT")
            await self._report(None)  # logged in and the folder is there: it works
            uidvalidity = _code(lines, "UIDVALIDITY") or 0
            uidnext = _code(lines, "UIDNEXT")
            state = await self._state()
            if (
                state is None
                or state.uidvalidity != uidvalidity
                or state.since != self.config.imap_since
            ):
                await self._backfill(client, state, uidvalidity, uidnext)
            idle = client.has_capability("IDLE")
            while True:
                await self._fetch_new(client, uidvalidity)
                if idle:
                    await self._idle(client)
                else:
                    await asyncio.sleep(self.config.poll_seconds)
                    _check(await client.noop(), "NOOP")
        finally:
            await self._close()

    async def _state(self) -> ImapState | None:
        async with self.db.session(write=False) as session:
            inbox = await session.get(Inbox, self.inbox_id)
        raw = inbox.channel_config.get("imap_state") if inbox is not None else None
        if not isinstance(raw, dict):
            return None
        state = ImapState.model_validate(raw)
        return state if state.account == self.config.imap_account else None

    async def _save(self, session: AsyncSession, inbox: Inbox, state: ImapState) -> None:
        stored = inbox.channel_config.get("imap_state")
        if isinstance(stored, dict) and stored.get("account") == state.account:
            previous = ImapState.model_validate(stored)
            if previous.uidvalidity == state.uidvalidity and previous.last_uid >= state.last_uid:
                return  # another poller (another process) got further
            if previous.since != state.since:
                return  # the settings changed under us: the new poller owns the state
        inbox.channel_config = {
            **inbox.channel_config,
            "imap_state": state.model_dump(mode="json"),
        }

    async def _backfill(
        self, client: IMAP4, state: ImapState | None, uidvalidity: int, uidnext: int | None
    ) -> None:
        """First connection, a new UIDVALIDITY, or a new "import since" date: decide where
        to (re)start. Mail read again is recognised by its Message-ID and not stored twice."""
        since = self.config.imap_since
        same_era = state is not None and state.uidvalidity == uidvalidity
        if state is not None and not same_era and state.checked_on is not None:
            # The mailbox was rebuilt: look again from shortly before we last looked.
            since = state.checked_on - timedelta(days=1)
            log.warning("inbox %s: UIDVALIDITY changed; re-reading since %s", self.inbox_id, since)
        newest = max((uidnext or 1) - 1, 0)
        start = newest  # only mail that arrives from now on
        if since is not None:
            uids = _uids(
                _check(
                    await client.uid_search("SINCE", _imap_date(since), charset=None),
                    "SEARCH",
                )
            )
            start = uids[0] - 1 if uids else newest
        if same_era and state is not None:
            # A changed date never skips mail that was not read yet.
            start = min(start, state.last_uid) if since is not None else state.last_uid
            log.info("inbox %s: importing mail again from %s", self.inbox_id, since)
        new_state = ImapState(
            account=self.config.imap_account,
            uidvalidity=uidvalidity,
            last_uid=start,
            checked_on=utcnow().date(),
            since=self.config.imap_since,
        )
        async with self.db.session(write=True) as session:
            inbox = await session.get(Inbox, self.inbox_id, with_for_update=True)
            if inbox is not None:
                inbox.channel_config = {
                    **inbox.channel_config,
                    "imap_state": new_state.model_dump(mode="json"),
                }

    async def _fetch_new(self, client: IMAP4, uidvalidity: int) -> None:
        while True:
            state = await self._state()
            last = state.last_uid if state is not None else 0
            lines = _check(await client.uid_search("UID", f"{last + 1}:*", charset=None), "SEARCH")
            # "n:*" always includes the highest UID, even when it is below n.
            uids = [uid for uid in _uids(lines) if uid > last][:FETCH_BATCH]
            if not uids:
                return
            for uid in uids:
                await self._fetch_one(client, uid, uidvalidity)

    async def _fetch_one(self, client: IMAP4, uid: int, uidvalidity: int) -> None:
        response = await client.uid("fetch", str(uid), "(BODY.PEEK[])")
        raw = _literal(_check(response, "FETCH"))
        self.fetched.append((self.inbox_id, uid))
        state = ImapState(
            account=self.config.imap_account,
            uidvalidity=uidvalidity,
            last_uid=uid,
            checked_on=utcnow().date(),
            since=self.config.imap_since,
        )

        async def mark(session: AsyncSession, inbox: Inbox) -> None:
            await self._save(session, inbox, state)

        if raw is None:  # expunged meanwhile: just move the mark
            async with self.db.session(write=True) as session:
                inbox = await session.get(Inbox, self.inbox_id, with_for_update=True)
                if inbox is not None:
                    await mark(session, inbox)
            return
        stored = await ingest(
            self.db,
            inbox_id=self.inbox_id,
            raw=raw,
            tokens=self.tokens,
            settings=self.settings,
            also=mark,
        )
        log.info("inbox %s: mail uid %s → %s", self.inbox_id, uid, stored.outcome)

    async def _idle(self, client: IMAP4) -> None:
        idle = await client.idle_start(timeout=self.config.poll_seconds)
        try:
            await client.wait_server_push(timeout=self.config.poll_seconds + 5)
        except TimeoutError:
            pass
        finally:
            client.idle_done()
        async with asyncio.timeout(IMAP_TIMEOUT):
            await idle


def opened_config(inbox: Inbox, settings: Settings) -> EmailConfig:
    from otklik.channels.base import plugin_for
    from otklik.core.crypto import SecretBox

    plugin = plugin_for(inbox.channel)
    assert plugin is not None
    raw = channel_config.open_(
        plugin, inbox.channel_config, SecretBox(settings.resolved_secret_key())
    )
    return EmailConfig.model_validate(raw)
