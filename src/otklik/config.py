"""Settings read from the environment (prefix ``OTKLIK_``) or a ``.env`` file."""

from __future__ import annotations

import json
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OTKLIK_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str = ""
    secret_key: str = ""
    #: Allowed origins for the operator API (the widget API is public by design).
    cors_origins: list[str] = Field(default_factory=list)
    #: Whether sign-in cookies are marked Secure: ``None`` (the default) marks them when the
    #: request came over HTTPS (directly, or per X-Forwarded-Proto from a trusted proxy).
    secure_cookies: bool | None = None
    #: Addresses or networks of reverse proxies whose X-Forwarded-For/-Proto are believed.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"]
    )
    #: Absolute lifetime of a sign-in.
    session_days: int = Field(default=30, ge=1)
    #: A sign-in ends after this many hours without a request.
    session_idle_hours: float = Field(default=12.0, gt=0)
    #: ``Strict-Transport-Security`` max-age sent on answers served over HTTPS (0 = none).
    hsts_seconds: int = Field(default=31_536_000, ge=0)
    #: One log line per HTTP request from ``otklik run`` (uvicorn's access log). Off by
    #: default, as in gunicorn: the reverse proxy in front logs requests already, and a line
    #: per chat message costs the live path CPU on every send.
    access_log: bool = False
    #: Freeze the warm heap out of the garbage collector's full passes (``core/heap.py``).
    gc_freeze: bool = True
    #: How many missed events a reconnecting socket may replay before it is told to resync.
    max_replay_events: int = 5000
    #: Events older than this many days are pruned by a periodic job.
    event_retention_days: int = 7
    heartbeat_seconds: float = 20.0
    socket_queue_size: int = 1000
    #: An operator whose last workspace socket closed this many seconds ago is offline.
    presence_grace_seconds: float = Field(default=60.0, gt=0, le=3600)
    #: An online operator who did nothing in the workspace for this many minutes is away
    #: (0 = never).
    presence_away_minutes: float = Field(default=10.0, ge=0)
    #: The workspace's time zone: where a timesheet's day starts and ends (IANA name).
    workspace_timezone: str = "UTC"
    #: Conversations with no activity for this many hours are resolved (0 = never).
    auto_resolve_hours: int = 0
    #: Run the job runner inside the web process (turn off when ``otklik worker`` runs it).
    run_jobs_in_app: bool = True
    job_poll_seconds: float = 1.0
    #: Failed sign-ins of one account (or one trusted device) before backoff starts.
    login_free_attempts: int = Field(default=5, ge=1)
    #: First backoff; it doubles with every further failure, up to the maximum.
    login_backoff_seconds: float = Field(default=30.0, gt=0)
    login_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    #: Failed sign-ins from one address per hour before it must wait (devices that signed
    #: in to an account before are not held back by it).
    login_ip_failures_per_hour: int = Field(default=100, ge=1)
    password_min_length: int = Field(default=12, ge=8, le=128)
    #: Roles that must use two-factor sign-in, e.g. ``admin`` or ``admin,supervisor``.
    require_2fa_roles: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_message_chars: int = 10_000
    #: The server's address as visitors reach it (``https://support.example.com``), for
    #: links in mails it sends; empty: mails carry codes to type instead of links (a link
    #: is never built from a request's ``Host`` header, which the requester chooses).
    public_url: str = ""
    #: PostgreSQL: write connections per process, each group-committing its own batches
    #: (``core/writer.py``). More let more requests' statements wait for the server at once.
    #: One visitor's writes share a lane, and a write PostgreSQL fails to break a deadlock
    #: between two lanes' batches runs again (ADR 19).
    pg_write_connections: int = Field(default=4, ge=1, le=16)
    #: The largest file an operator, a visitor or a channel may attach (bytes).
    max_attachment_bytes: int = 10 * 1024 * 1024
    #: A visitor token is refused this many days after it was issued; the widget trades its
    #: token for a fresh one on every page load, so only visitors away this long start anew.
    visitor_token_days: int = Field(default=30, ge=1, le=3650)
    #: Rate limits of the public widget endpoints (0 = no limit), per process (see
    #: docs/security.md): new and resumed sessions and offline forms per network address,
    #: and per visitor…
    widget_sessions_per_minute_per_ip: int = Field(default=30, ge=0)
    widget_sessions_per_minute: int = Field(default=10, ge=0)
    #: …visitor messages per visitor and per address…
    widget_messages_per_minute: int = Field(default=30, ge=0)
    widget_messages_per_minute_per_ip: int = Field(default=300, ge=0)
    #: …and visitor uploads per visitor and per address.
    widget_uploads_per_hour: int = Field(default=30, ge=0)
    widget_uploads_per_hour_per_ip: int = Field(default=120, ge=0)
    #: Room for visitors' files per widget inbox, in MB (0 = no limit); a full inbox answers
    #: visitors' uploads with 413 ``quota_exceeded`` (operators' files do not count).
    widget_upload_quota_mb: int = Field(default=5120, ge=0)
    #: SQLite ``synchronous`` pragma: FULL keeps every acknowledged write across power loss.
    sqlite_synchronous: str = "FULL"
    #: Hosts and networks that webhooks and channel callbacks may reach although they are not
    #: public (loopback, LAN, link-local…), e.g. ``hooks.lan,10.1.0.0/16`` (or a JSON list).
    webhook_allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("webhook_allow_hosts", "trusted_proxies", "require_2fa_roles", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("workspace_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'otklik.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url().startswith("sqlite")

    def resolved_secret_key(self) -> str:
        """The signing key; generated once and kept in the data dir when not configured."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            try:
                with path.open("x") as handle:
                    handle.write(secrets.token_urlsafe(48))
            except FileExistsError:
                pass  # another worker process wrote it first
            path.chmod(0o600)
        self.secret_key = path.read_text().strip()
        return self.secret_key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
