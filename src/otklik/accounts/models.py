"""Operators (agents), teams, sign-in sessions, sign-in throttling, 2FA and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, validates

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId, Json
from otklik.core.text import fold

ROLES = ("admin", "supervisor", "agent")
PRESENCE = ("online", "away", "break", "offline")
#: Why an operator is on a break (``status == "break"``).
BREAK_REASONS = ("lunch", "training", "technical")


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20), default="agent")
    languages: Mapped[list[str]] = mapped_column(Json, default=list)
    status: Mapped[str] = mapped_column(String(20), default="offline")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Most conversations auto-assignment may give this agent at once.
    max_concurrent: Mapped[int] = mapped_column(default=5, server_default="5")
    #: Skill tags routing matches against a conversation's required skills.
    skills: Mapped[list[str]] = mapped_column(Json, default=list, server_default="[]")
    #: When auto-assignment last gave this agent a conversation (balanced mode's tie-break).
    last_assigned_at: Mapped[datetime | None]
    #: The TOTP secret (sealed with the server key) once two-factor sign-in is on.
    totp_secret: Mapped[str | None] = mapped_column(Text)
    #: A secret being enrolled: it becomes ``totp_secret`` when a code from it is confirmed.
    totp_pending_secret: Mapped[str | None] = mapped_column(Text)
    totp_enabled_at: Mapped[datetime | None]
    #: The last TOTP time step accepted, so a code signs in once (RFC 6238 §5.2).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    password_changed_at: Mapped[datetime | None]
    #: When a socket of theirs was last known open (``accounts/presence.py``).
    seen_at: Mapped[datetime | None]
    #: When they last used the workspace (the front end reports activity).
    active_at: Mapped[datetime | None]
    #: The status they chose, while the system shows another (offline once their sockets
    #: are gone, away when idle): what they come back to. ``None``: the status is their own.
    presence_auto_from: Mapped[str | None] = mapped_column(String(20))
    #: Why they are on a break (one of ``BREAK_REASONS``); ``None`` in any other status.
    status_reason: Mapped[str | None] = mapped_column(String(20))


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: ``fold(name)``, set whenever ``name`` is: names are unique ignoring case in every
    #: alphabet ("ПЕРВАЯ ЛИНИЯ" is "Первая линия"), alike on SQLite and PostgreSQL.
    #: Folding may lengthen a name (``ß`` → ``ss``), hence the wider column.
    name_key: Mapped[str] = mapped_column(String(800), unique=True)
    #: Support line: 1 answers first, 2 takes escalations, 3 the hardest cases.
    line: Mapped[int] = mapped_column(default=1, server_default="1")
    escalates_to_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @validates("name")
    def _keep_key(self, _: str, name: str) -> str:
        self.name_key = fold(name)
        return name


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AuthSession(Base):
    """A sign-in. Only a hash of the token is stored, so a leaked database signs nobody in.

    It ends at ``expires_at`` (absolute lifetime), after the configured idle time without a
    request (``last_seen_at``, refreshed at most once a minute), or when revoked."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class LoginThrottle(Base):
    """Failed sign-ins counted under one key: an account (or a trusted device), or an address.

    One row per key, updated in place, so the check before a sign-in is one primary-key read
    and every worker process sees the same counts."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_until: Mapped[datetime | None]


class RecoveryCode(Base):
    """A single-use 2FA recovery code; only its SHA-256 is kept (the code is random)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class ApiToken(Base):
    """A token for an integration: acts as its agent, within its scope, until it expires."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the token, shown in lists so a person can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class InboxMember(Base):
    """An operator who answers an inbox: supervisors and agents see only the conversations
    of their inboxes (``accounts/access.py``); admins see every inbox regardless."""

    __tablename__ = "inbox_members"

    inbox_id: Mapped[int] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class WorkspaceSetting(Base):
    """A workspace-wide setting an admin changes in the app (``accounts/policy.py``; other
    domains' through ``accounts/workspace_settings.py``); a key without a row falls back to
    its default."""

    __tablename__ = "workspace_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[object] = mapped_column(Json)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
