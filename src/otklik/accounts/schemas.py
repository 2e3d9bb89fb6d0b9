"""API shapes for agents, teams and sign-in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints, model_validator

from otklik.core.schemas import PatchModel, StrictModel

Role = Literal["admin", "supervisor", "agent"]
Presence = Literal["online", "away", "break", "offline"]
BreakReason = Literal["lunch", "training", "technical"]
Language = Literal["ru", "en"]
Skill = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=50)
]


class LoginIn(StrictModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1000)


class AgentOut(BaseModel):
    id: int
    email: str
    name: str
    role: Role
    languages: list[str]
    status: Presence
    #: Why they are on a break (``status == "break"``), else ``None``.
    status_reason: BreakReason | None = None
    active: bool
    team_ids: list[int]
    max_concurrent: int
    skills: list[str]
    two_factor_enabled: bool = False


class LoginOut(BaseModel):
    token: str
    csrf_token: str
    agent: AgentOut


class TwoFactorRequired(BaseModel):
    """The password was right; send a code from the authenticator (or a recovery code)
    with ``challenge`` to ``/auth/login/2fa`` within five minutes."""

    two_factor_required: Literal[True] = True
    challenge: str


class TwoFactorLoginIn(StrictModel):
    challenge: str = Field(min_length=1, max_length=1000)
    code: str = Field(min_length=1, max_length=50)


class MeOut(AgentOut):
    """The signed-in agent, with what their sign-in still lacks."""

    #: Their role must use 2FA and they have not set it up: only the security settings
    #: answer until they do.
    two_factor_setup_required: bool = False
    #: The workspace's time zone (IANA name, ``OTKLIK_WORKSPACE_TIMEZONE``): the app shows
    #: and enters schedules, shifts and timesheet days in it, whatever the browser's zone.
    workspace_timezone: str = "UTC"


class PasswordChangeIn(StrictModel):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=8, max_length=1000)


class SessionOut(BaseModel):
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    current: bool


class TwoFactorSetupOut(BaseModel):
    """A new secret to enrol: scan the QR code (``/auth/2fa/qr.svg``) or type the secret."""

    secret: str
    otpauth_uri: str


class CodeIn(StrictModel):
    code: str = Field(min_length=1, max_length=50)


class PasswordConfirmIn(StrictModel):
    password: str = Field(min_length=1, max_length=1000)


class RecoveryCodesOut(BaseModel):
    """Shown once: only their hashes are kept."""

    recovery_codes: list[str]


class TwoFactorStatusOut(BaseModel):
    enabled: bool
    enabled_at: datetime | None
    recovery_codes_left: int
    required: bool


TokenScope = Literal["read", "write", "admin"]


class ApiTokenCreate(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    scope: TokenScope = "read"
    #: Days until it stops working; ``null`` for a token that does not expire.
    expires_in_days: int | None = Field(default=90, ge=1, le=3650)


class ApiTokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    scope: TokenScope
    agent_id: int
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenOut):
    """The token itself is in this answer only: it is stored as a hash."""

    token: str


class AgentCreate(StrictModel):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=1000)
    role: Role = "agent"
    languages: list[Language] = Field(default_factory=list, max_length=10)
    max_concurrent: int = Field(default=5, ge=1, le=50)
    skills: list[Skill] = Field(default_factory=list, max_length=50)


class AgentUpdate(PatchModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    languages: list[Language] | None = Field(default=None, max_length=10)
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=1000)
    max_concurrent: int | None = Field(default=None, ge=1, le=50)
    skills: list[Skill] | None = Field(default=None, max_length=50)


class StatusIn(StrictModel):
    status: Presence
    #: Required for a break, refused for any other status.
    reason: BreakReason | None = None

    @model_validator(mode="after")
    def _reason_goes_with_break(self) -> StatusIn:
        if (self.status == "break") != (self.reason is not None):
            raise ValueError(
                "a break needs a reason (lunch, training, technical); no other status takes one"
            )
        return self


class TeamOut(BaseModel):
    id: int
    name: str
    agent_ids: list[int]
    line: int
    escalates_to_id: int | None


class TeamCreate(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    agent_ids: list[int] = Field(default_factory=list, max_length=1000)
    line: int = Field(default=1, ge=1, le=3)
    escalates_to_id: int | None = None


class TeamUpdate(PatchModel):
    nullable = frozenset({"escalates_to_id"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    agent_ids: list[int] | None = Field(default=None, max_length=1000)
    line: int | None = Field(default=None, ge=1, le=3)
    escalates_to_id: int | None = None


class SecuritySettingsOut(BaseModel):
    #: Roles whose members must turn on two-factor sign-in before they can work.
    require_2fa_roles: list[Role]
    #: ``environment``: nobody saved the setting yet, ``OTKLIK_REQUIRE_2FA_ROLES`` decides;
    #: ``workspace``: an admin saved it (the environment variable no longer applies).
    require_2fa_roles_source: Literal["workspace", "environment"]


class SecuritySettingsIn(StrictModel):
    require_2fa_roles: list[Role] = Field(max_length=3)
