"""API shapes for canned answers, macros and automation rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from otklik.conversations.schemas import ConversationOut
from otklik.core.schemas import StrictModel
from otklik.scripts.actions import MAX_TEXT, Action, ActionList
from otklik.scripts.conditions import Condition, ConditionList
from otklik.scripts.models import TIME_TRIGGERS
from otklik.scripts.scopes import Scope
from otklik.scripts.templates import TemplateError, check_template

Trigger = Literal[
    "conversation_created",
    "message_created",
    "status_changed",
    "assigned",
    "no_operator_reply",
    "no_customer_reply",
    "sla_warning",
    "sla_breached",
    "survey_answered",
]

Match = Literal["all", "any"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _shortcut(value: str | None) -> str | None:
    """``/Hello`` and ``hello`` are the same shortcut: stored without the slash, lower case."""
    if value is None:
        return None
    value = value.strip().lstrip("/").lower()
    if not value:
        raise ValueError("the shortcut is empty")
    if len(value) > 50:
        raise ValueError("at most 50 characters")
    return value


def _category(value: str | None) -> str | None:
    """An empty category is no category."""
    if value is None:
        return None
    return value.strip() or None


def _template(value: str | None) -> str | None:
    if value is not None:
        if not value.strip():
            raise ValueError("the text is empty")
        try:
            check_template(value)
        except TemplateError as exc:
            raise ValueError(str(exc)) from exc
    return value


ShortcutText = Annotated[str, Field(max_length=51, pattern=r"^/?[\w.-]+$")]


# --- canned answers ----------------------------------------------------------------------


class CannedAnswerIn(StrictModel):
    shortcut: ShortcutText
    title: Name
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    category: str | None = Field(default=None, max_length=100)
    scope: Scope = "personal"
    team_id: int | None = None

    _check_shortcut = field_validator("shortcut")(_shortcut)
    _check_category = field_validator("category")(_category)
    _check_text = field_validator("text")(_template)


class CannedAnswerPatch(StrictModel):
    shortcut: ShortcutText | None = None
    title: Name | None = None
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    category: str | None = Field(default=None, max_length=100)
    scope: Scope | None = None
    team_id: int | None = None

    _check_shortcut = field_validator("shortcut")(_shortcut)
    _check_category = field_validator("category")(_category)
    _check_text = field_validator("text")(_template)


class CannedAnswerOut(BaseModel):
    id: int
    shortcut: str
    title: str
    text: str
    category: str | None
    scope: Scope
    team_id: int | None
    owner_id: int | None
    usage_count: int
    last_used_at: datetime | None
    created_at: datetime
    updated_at: datetime


class UseIn(StrictModel):
    """The conversation whose contact and agent fill the variables (optional)."""

    conversation_id: int | None = None


class GapOut(BaseModel):
    """A variable that came out empty without a fallback, and where (UTF-16 offset)."""

    variable: str
    at: int


class UseOut(BaseModel):
    text: str
    canned_answer: CannedAnswerOut
    #: variables that were empty and had no fallback: the reply box flags them before sending
    gaps: list[GapOut] = []


class ImportResult(BaseModel):
    created: int
    updated: int
    skipped: int


# --- macros ------------------------------------------------------------------------------


class MacroIn(StrictModel):
    name: Name
    actions: ActionList
    scope: Scope = "personal"
    team_id: int | None = None


class MacroPatch(StrictModel):
    name: Name | None = None
    actions: ActionList | None = None
    scope: Scope | None = None
    team_id: int | None = None


class MacroOut(BaseModel):
    id: int
    name: str
    scope: Scope
    team_id: int | None
    owner_id: int | None
    actions: list[Action]
    created_at: datetime
    updated_at: datetime


class RunIn(StrictModel):
    conversation_ids: list[int] = Field(min_length=1, max_length=100)


class RunError(BaseModel):
    code: str
    message: str


class RunResult(BaseModel):
    conversation_id: int
    ok: bool
    error: RunError | None = None
    conversation: ConversationOut | None = None


class RunOut(BaseModel):
    results: list[RunResult]


# --- automation rules --------------------------------------------------------------------


class TriggerIn(StrictModel):
    """``minutes`` is for the time triggers (``no_operator_reply``, ``no_customer_reply``)."""

    type: Trigger
    minutes: int | None = Field(default=None, ge=1, le=43_200)

    @model_validator(mode="after")
    def _minutes(self) -> TriggerIn:
        if (self.type in TIME_TRIGGERS) != (self.minutes is not None):
            raise ValueError("minutes is required for the time triggers and only for them")
        return self


class RuleIn(StrictModel):
    name: Name
    enabled: bool = True
    trigger: TriggerIn
    match: Match = "all"
    conditions: ConditionList = Field(default_factory=list)
    actions: ActionList
    position: int = Field(default=0, ge=-1_000_000, le=1_000_000)


class RulePatch(StrictModel):
    name: Name | None = None
    enabled: bool | None = None
    trigger: TriggerIn | None = None
    match: Match | None = None
    conditions: ConditionList | None = None
    actions: ActionList | None = None
    position: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)


class RuleOut(BaseModel):
    id: int
    name: str
    enabled: bool
    trigger: TriggerIn
    match: Match
    conditions: list[Condition]
    actions: list[Action]
    position: int
    created_at: datetime
    updated_at: datetime


class RuleTestIn(StrictModel):
    conversation_id: int


class RuleTestOut(BaseModel):
    """Would the rule's conditions hold for this conversation now (actions are not run)?"""

    matches: bool
    conditions: list[bool]


def fields_set(model: BaseModel) -> dict[str, Any]:
    """The fields a PATCH body actually sent (``null`` included)."""
    return {name: getattr(model, name) for name in model.model_fields_set}
