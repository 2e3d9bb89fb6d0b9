"""API shapes for inboxes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, StringConstraints, field_validator

from otklik.core.schemas import Id, StrictModel
from otklik.scripts.templates import TemplateError, check_template

FieldMode = Literal["off", "optional", "required"]
#: How a widget inbox treats the site's signed user identity (ADR 27): ``off`` ignores the
#: signature (what the site sends is a hint, as the pre-chat form's); ``optional`` marks a
#: validly signed user verified and refuses a wrong or stale signature; ``required`` also
#: refuses a user id sent without a signature.
IdentityMode = Literal["off", "optional", "required"]
AssignmentMode = Literal["manual", "round_robin", "balanced"]
OfflineBehavior = Literal["keep", "requeue"]


class PrechatFields(StrictModel):
    name: FieldMode = "optional"
    email: FieldMode = "optional"


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ClockTime = Annotated[str, StringConstraints(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")]


class WorkingHours(StrictModel):
    """Simple weekly hours: ``{"timezone": "Europe/Moscow", "days": {"mon": [["09:00",
    "18:00"]]}}``. A day not listed is closed; ``enabled: false`` means "always open"."""

    enabled: bool = True
    timezone: str = Field(default="UTC", max_length=64)
    days: dict[Weekday, list[tuple[ClockTime, ClockTime]]] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use e.g. Europe/Moscow)") from exc
        return value

    @field_validator("days")
    @classmethod
    def _ordered(cls, value: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
        for day, spans in value.items():
            if len(spans) > 10:
                raise ValueError(f"{day}: at most 10 intervals a day")
            for start, end in spans:
                if start >= end:
                    raise ValueError(f"{day}: {start}–{end} must start before it ends")
        return value


#: A site allowed to frame an inbox's widget: ``https://shop.example``, ``http://localhost:8080``
#: or every subdomain, ``https://*.shop.example``. Exactly a CSP ``frame-ancestors`` source.
FrameOrigin = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=200,
        pattern=r"^https?://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$",
    ),
]


#: The inbox's logo for its help center: an https address (empty: none). Our pages load it
#: from there; nothing is fetched or stored on the server.
LogoUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^(https://[^\s\"'<>]+)?$"),
]


def _template(value: str | None) -> str | None:
    if value:
        try:
            check_template(value)
        except TemplateError as exc:
            raise ValueError(str(exc)) from exc
    return value


class InboxSettings(StrictModel):
    color: str = Field(default="#1f6feb", pattern=r"^#[0-9a-fA-F]{6}$")
    title: str = Field(default="", max_length=100)
    logo_url: LogoUrl = ""
    greeting: str = Field(default="", max_length=1000)
    position: Literal["right", "left"] = "right"
    language: Literal["auto", "ru", "en"] = "auto"
    prechat: PrechatFields = Field(default_factory=PrechatFields)
    #: How new conversations find an operator.
    assignment: AssignmentMode = "manual"
    #: When an operator goes offline: their open conversations stay theirs or go back to the queue.
    offline_behavior: OfflineBehavior = "keep"
    #: After this long in the queue a conversation goes to any team member, skills or not.
    skill_fallback_minutes: int = Field(default=5, ge=0, le=1440)
    #: Weekly hours for away messages and the "business hours" automation condition
    #: (``None``: always open).
    working_hours: WorkingHours | None = None
    #: Posted as a bot message when a conversation starts (variables allowed; "" = off).
    greeting_message: str = Field(default="", max_length=2000)
    #: Posted when a customer writes outside working hours, once per closed stretch.
    away_message: str = Field(default="", max_length=2000)
    #: Sites that may show this inbox's widget (its frame's CSP ``frame-ancestors``); empty:
    #: any site may — the snippet works wherever it is pasted, as before this setting.
    frame_origins: list[FrameOrigin] = Field(default_factory=list, max_length=50)
    #: Widget identity verification (``channels/widget/signed_identity.py``).
    identity_verification: IdentityMode = "off"

    _templates = field_validator("greeting_message", "away_message")(_template)


class InboxSettingsPatch(StrictModel):
    color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")
    title: str | None = Field(default=None, max_length=100)
    logo_url: LogoUrl | None = None
    greeting: str | None = Field(default=None, max_length=1000)
    position: Literal["right", "left"] | None = None
    language: Literal["auto", "ru", "en"] | None = None
    prechat: PrechatFields | None = None
    assignment: AssignmentMode | None = None
    offline_behavior: OfflineBehavior | None = None
    skill_fallback_minutes: int | None = Field(default=None, ge=0, le=1440)
    #: Replaces the whole object; send ``{"enabled": false}`` to switch hours off.
    working_hours: WorkingHours | None = None
    greeting_message: str | None = Field(default=None, max_length=2000)
    away_message: str | None = Field(default=None, max_length=2000)
    #: Replaces the whole list; ``[]``: any site.
    frame_origins: list[FrameOrigin] | None = Field(default=None, max_length=50)
    identity_verification: IdentityMode | None = None

    _templates = field_validator("greeting_message", "away_message")(_template)


class InboxMembers(StrictModel):
    """The operators who answer an inbox (``PUT`` replaces the whole list)."""

    agent_ids: list[Id] = Field(max_length=10_000)


HealthState = Literal["connected", "failing", "off"]


class InboxHealth(BaseModel):
    """Whether the inbox's channel works (``channels/health.py``). Admins only: the error may
    name hosts and accounts."""

    inbox_id: int
    #: ``connected``: its last attempt worked (or it never failed); ``failing``: it fails
    #: since ``failing_since``; ``off``: an admin turned the inbox off.
    state: HealthState
    failing_since: datetime | None = None
    #: The last failure in plain words ("IMAP login failed: authentication failed").
    last_error: str | None = None
    last_error_at: datetime | None = None


class InboxOut(BaseModel):
    id: int
    name: str
    channel: str
    public_key: str
    team_id: int | None
    #: ``false``: turned off — takes nothing new; its conversations can still be answered.
    active: bool = True
    settings: InboxSettings
    #: The channel's configuration with secrets masked (empty for the widget: its identity
    #: secret has its own endpoint, ``/inboxes/{id}/identity-secret``).
    config: dict[str, Any] = Field(default_factory=dict)
    #: Whether the channel works; ``None`` for operators other than admins.
    health: InboxHealth | None = None


class InboxCreate(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    #: ``widget`` or an installed channel plugin's name (``email``, ``telegram``, ``api``…).
    channel: str = Field(min_length=1, max_length=30)
    team_id: int | None = None
    settings: InboxSettings = Field(default_factory=InboxSettings)
    config: dict[str, Any] = Field(default_factory=dict)


class InboxUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    team_id: int | None = None
    active: bool | None = None
    settings: InboxSettingsPatch | None = None
    #: Changed keys of the channel configuration; secrets left out (or masked) are kept.
    config: dict[str, Any] | None = None


class PublicInbox(BaseModel):
    name: str
    settings: InboxSettings


class WidgetConfigOut(BaseModel):
    inbox: PublicInbox
    agents_online: bool
