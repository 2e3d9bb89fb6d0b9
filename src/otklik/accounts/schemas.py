"""API shapes for agents, teams and sign-in."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from otklik.core.schemas import PatchModel, StrictModel

Role = Literal["admin", "supervisor", "agent"]
Presence = Literal["online", "away", "offline"]
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
    active: bool
    team_ids: list[int]
    max_concurrent: int
    skills: list[str]


class LoginOut(BaseModel):
    token: str
    csrf_token: str
    agent: AgentOut


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
