"""API shapes for inboxes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from otklik.core.schemas import StrictModel

FieldMode = Literal["off", "optional", "required"]


class PrechatFields(StrictModel):
    name: FieldMode = "optional"
    email: FieldMode = "optional"


class InboxSettings(StrictModel):
    color: str = Field(default="#1f6feb", pattern=r"^#[0-9a-fA-F]{6}$")
    title: str = Field(default="", max_length=100)
    greeting: str = Field(default="", max_length=1000)
    position: Literal["right", "left"] = "right"
    language: Literal["auto", "ru", "en"] = "auto"
    prechat: PrechatFields = Field(default_factory=PrechatFields)


class InboxSettingsPatch(StrictModel):
    color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")
    title: str | None = Field(default=None, max_length=100)
    greeting: str | None = Field(default=None, max_length=1000)
    position: Literal["right", "left"] | None = None
    language: Literal["auto", "ru", "en"] | None = None
    prechat: PrechatFields | None = None


class InboxOut(BaseModel):
    id: int
    name: str
    channel: str
    public_key: str
    team_id: int | None
    settings: InboxSettings


class InboxCreate(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    channel: Literal["widget"]
    team_id: int | None = None
    settings: InboxSettings = Field(default_factory=InboxSettings)


class InboxUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    team_id: int | None = None
    settings: InboxSettingsPatch | None = None


class PublicInbox(BaseModel):
    name: str
    settings: InboxSettings


class WidgetConfigOut(BaseModel):
    inbox: PublicInbox
    agents_online: bool
