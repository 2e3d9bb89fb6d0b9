"""What macros and automation rules can do: a closed list of typed actions.

Stored as JSON and re-validated with these models on every load, so an action is always one
of these shapes. References (agents, teams, canned answers, macros) are checked on save and
again when the action runs, because they may be deleted in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import service as accounts
from otklik.conversations.schemas import Priority, Status, Tag
from otklik.core.errors import invalid
from otklik.core.schemas import StrictModel
from otklik.scripts.models import CannedAnswer, Macro
from otklik.scripts.templates import TemplateError, check_template

MAX_TEXT = 10_000


def _template(value: str) -> str:
    if not value.strip():
        raise ValueError("the text is empty")
    try:
        check_template(value)
    except TemplateError as exc:
        raise ValueError(str(exc)) from exc
    return value


class AddTags(StrictModel):
    type: Literal["add_tags"]
    tags: list[Tag] = Field(min_length=1, max_length=20)


class RemoveTags(StrictModel):
    type: Literal["remove_tags"]
    tags: list[Tag] = Field(min_length=1, max_length=20)


class SetPriority(StrictModel):
    type: Literal["set_priority"]
    priority: Priority


class AssignAgent(StrictModel):
    """``agent_id: null`` unassigns."""

    type: Literal["assign_agent"]
    agent_id: int | None


class AssignTeam(StrictModel):
    type: Literal["assign_team"]
    team_id: int | None


class SetStatus(StrictModel):
    """``resolved`` resolves; ``snoozed`` needs ``snooze_minutes``."""

    type: Literal["set_status"]
    status: Status
    snooze_minutes: int | None = Field(default=None, ge=1, le=525_600)

    @model_validator(mode="after")
    def _snooze(self) -> SetStatus:
        if (self.status == "snoozed") != (self.snooze_minutes is not None):
            raise ValueError("snooze_minutes is required with status 'snoozed' and only then")
        return self


class SendMessage(StrictModel):
    """A public reply: from the agent running a macro, from the bot in a rule."""

    type: Literal["send_message"]
    text: str = Field(min_length=1, max_length=MAX_TEXT)

    _check = field_validator("text")(_template)


class SendCanned(StrictModel):
    type: Literal["send_canned"]
    canned_answer_id: int


class AddNote(StrictModel):
    """A private note only operators see."""

    type: Literal["add_note"]
    text: str = Field(min_length=1, max_length=MAX_TEXT)

    _check = field_validator("text")(_template)


class Escalate(StrictModel):
    """To the given team, or (``null``) to the next support line."""

    type: Literal["escalate"]
    to_team_id: int | None = None
    reason: str = Field(min_length=1, max_length=500)
    hand_back: bool = False


class SendSurvey(StrictModel):
    """Send a survey to the contact through the conversation's channel (``surveys``)."""

    type: Literal["send_survey"]
    kind: Literal["csat", "nps", "ces"] = "csat"


class RunMacro(StrictModel):
    """Rules only: run a global macro's actions."""

    type: Literal["run_macro"]
    macro_id: int


Action = Annotated[
    AddTags
    | RemoveTags
    | SetPriority
    | AssignAgent
    | AssignTeam
    | SetStatus
    | SendMessage
    | SendCanned
    | AddNote
    | Escalate
    | SendSurvey
    | RunMacro,
    Field(discriminator="type"),
]
ActionList = Annotated[list[Action], Field(min_length=1, max_length=20)]
_actions = TypeAdapter(list[Action])


def load_actions(raw: list[dict[str, Any]]) -> list[Action]:
    return _actions.validate_python(raw)


def dump_actions(actions: Sequence[Action]) -> list[dict[str, Any]]:
    # Nulls are kept: ``agent_id: null`` (unassign) is an action, not a missing field.
    return [a.model_dump(mode="json") for a in actions]


async def check_references(
    session: AsyncSession,
    actions: Sequence[Action],
    *,
    for_rule: bool,
    canned_scope_keys: Sequence[str],
) -> None:
    """Every agent, team, canned answer and macro an action names exists and may be used.

    ``canned_scope_keys``: where the canned answers may come from (a global macro or rule
    may not send someone's personal answer to everyone)."""
    agent_ids = {a.agent_id for a in actions if isinstance(a, AssignAgent) and a.agent_id}
    team_ids = {a.team_id for a in actions if isinstance(a, AssignTeam) and a.team_id}
    team_ids |= {a.to_team_id for a in actions if isinstance(a, Escalate) and a.to_team_id}
    canned_ids = {a.canned_answer_id for a in actions if isinstance(a, SendCanned)}
    macro_ids = {a.macro_id for a in actions if isinstance(a, RunMacro)}
    if macro_ids and not for_rule:
        raise invalid("A macro cannot run another macro (run_macro is for automation rules).")
    if agent_ids:
        found = await accounts.active_agent_ids(session, agent_ids=agent_ids)
        if missing := agent_ids - found:
            raise invalid(f"Agents {sorted(missing)} do not exist or are deactivated.")
    if team_ids:
        found = await accounts.existing_team_ids(session, team_ids=team_ids)
        if missing := team_ids - found:
            raise invalid(f"Teams {sorted(missing)} do not exist.")
    if canned_ids:
        found = set(
            await session.scalars(
                select(CannedAnswer.id).where(
                    CannedAnswer.id.in_(canned_ids),
                    CannedAnswer.scope_key.in_(list(canned_scope_keys)),
                )
            )
        )
        if missing := canned_ids - found:
            raise invalid(
                f"Canned answers {sorted(missing)} do not exist or are not visible "
                "to everyone who can run this."
            )
    if macro_ids:
        found = set(
            await session.scalars(
                select(Macro.id).where(Macro.id.in_(macro_ids), Macro.scope == "global")
            )
        )
        if missing := macro_ids - found:
            raise invalid(f"Macros {sorted(missing)} do not exist or are not global.")
