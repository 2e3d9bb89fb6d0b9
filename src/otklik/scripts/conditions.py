r"""Typed, whitelisted rule conditions, evaluated in Python against a conversation's facts.

A condition names a field from a closed list and an operator from that field's closed list;
values are plain data. Nothing a user types ever becomes SQL or code, and only admins write
rules.

``matches`` is a regular expression with Python's syntax, run by the ``regex`` engine with a
time limit (:data:`MATCH_SECONDS`) on at most :data:`TEXT_LIMIT` characters: rules run inside
the write path of every customer message, and a pattern like ``(a+)+$`` backtracks for ages on
the right text — the customer chooses the text. A search that runs out of time counts as no
match and is logged. (Why not RE2, which is linear by construction: its ``\w`` and ``\b``
know ASCII only, so a rule like ``\bвозврат`` would silently stop matching Russian.)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal

import regex
from pydantic import Field, TypeAdapter, field_validator, model_validator

from otklik.conversations.schemas import Priority, Status, Tag
from otklik.core.schemas import StrictModel

TEXT_LIMIT = 5000
#: The longest one ``matches`` search may run; then it gives up (no match).
MATCH_SECONDS = 0.05
log = logging.getLogger(__name__)
AttributeValue = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Facts:
    """What conditions look at, gathered once per conversation and trigger."""

    inbox_id: int
    channel: str
    status: str
    priority: str
    language: str | None
    tags: list[str]
    contact_attributes: dict[str, Any]
    inside_hours: bool
    #: The customer's message that triggered the rule, or their latest one.
    text: str = ""
    #: The answer that triggered a ``survey_answered`` rule (``None`` for other triggers).
    survey_kind: str | None = None
    survey_score: int | None = None


class InboxIs(StrictModel):
    field: Literal["inbox"]
    op: Literal["in", "not_in"] = "in"
    value: list[int] = Field(min_length=1, max_length=100)


class ChannelIs(StrictModel):
    field: Literal["channel"]
    op: Literal["in", "not_in"] = "in"
    value: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(
        min_length=1, max_length=20
    )


class TextMatches(StrictModel):
    """``contains`` / ``not_contains`` ignore case; ``matches`` is a regular expression."""

    field: Literal["text"]
    op: Literal["contains", "not_contains", "matches"]
    value: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _compiles(self) -> TextMatches:
        if self.op == "matches":
            try:
                compiled(self.value)
            except (regex.error, ValueError, OverflowError) as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return self


class LanguageIs(StrictModel):
    field: Literal["language"]
    op: Literal["in", "not_in"] = "in"
    value: list[Annotated[str, Field(min_length=2, max_length=10)]] = Field(
        min_length=1, max_length=20
    )


class HasTag(StrictModel):
    field: Literal["tag"]
    op: Literal["has", "has_not"] = "has"
    value: Tag


class PriorityIs(StrictModel):
    field: Literal["priority"]
    op: Literal["in", "not_in"] = "in"
    value: list[Priority] = Field(min_length=1, max_length=4)


class StatusIs(StrictModel):
    field: Literal["status"]
    op: Literal["in", "not_in"] = "in"
    value: list[Status] = Field(min_length=1, max_length=4)


class ContactAttribute(StrictModel):
    """``equals`` / ``not_equals`` compare values (text ignoring case), ``contains`` looks
    inside text, ``is_set`` / ``is_not_set`` need no value."""

    field: Literal["contact_attribute"]
    key: str = Field(pattern=r"^[a-z0-9_]{1,50}$")
    op: Literal["equals", "not_equals", "contains", "is_set", "is_not_set"]
    value: AttributeValue = None

    @model_validator(mode="after")
    def _value(self) -> ContactAttribute:
        needs_value = self.op in ("equals", "not_equals", "contains")
        if needs_value and self.value is None:
            raise ValueError(f"op {self.op!r} needs a value")
        if self.op == "contains" and not isinstance(self.value, str):
            raise ValueError("op 'contains' needs a text value")
        return self

    @field_validator("value")
    @classmethod
    def _short(cls, value: AttributeValue) -> AttributeValue:
        if isinstance(value, str) and len(value) > 200:
            raise ValueError("at most 200 characters")
        return value


class BusinessHours(StrictModel):
    """Inside or outside the inbox's working hours (an inbox without hours is always inside)."""

    field: Literal["business_hours"]
    op: Literal["inside", "outside"]


class SurveyScore(StrictModel):
    """The score of the answer a ``survey_answered`` rule runs for (never holds otherwise):
    ``lte`` 2 catches an unhappy CSAT, ``lte`` 6 an NPS detractor."""

    field: Literal["survey_score"]
    op: Literal["lte", "gte", "eq"]
    value: int = Field(ge=0, le=10)


class SurveyKind(StrictModel):
    field: Literal["survey_kind"]
    op: Literal["in", "not_in"] = "in"
    value: list[Literal["csat", "nps", "ces"]] = Field(min_length=1, max_length=3)


Condition = Annotated[
    InboxIs
    | ChannelIs
    | TextMatches
    | LanguageIs
    | HasTag
    | PriorityIs
    | StatusIs
    | ContactAttribute
    | BusinessHours
    | SurveyScore
    | SurveyKind,
    Field(discriminator="field"),
]
ConditionList = Annotated[list[Condition], Field(max_length=20)]
_conditions = TypeAdapter(list[Condition])


@lru_cache(maxsize=512)
def compiled(pattern: str) -> regex.Pattern[str]:
    """The pattern as rules run it: Python's syntax (``VERSION0``), case ignored."""
    return regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` occurs in ``text``, within :data:`MATCH_SECONDS`."""
    try:
        return compiled(pattern).search(text, timeout=MATCH_SECONDS) is not None
    except TimeoutError:
        log.warning(
            "automation: pattern %r gave up after %.2f s on %d characters (no match)",
            pattern,
            MATCH_SECONDS,
            len(text),
        )
        return False


def load_conditions(raw: list[dict[str, Any]]) -> list[Condition]:
    return _conditions.validate_python(raw)


def dump_conditions(conditions: Sequence[Condition]) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json") for c in conditions]


def _member(op: str, value: object, allowed: Sequence[object]) -> bool:
    inside = value in allowed
    return inside if op == "in" else not inside


def _same(left: object, right: object) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return left == right


def _attribute(condition: ContactAttribute, attributes: dict[str, Any]) -> bool:
    present = attributes.get(condition.key) not in (None, "")
    value = attributes.get(condition.key)
    if condition.op == "is_set":
        return present
    if condition.op == "is_not_set":
        return not present
    if condition.op == "contains":
        return isinstance(value, str) and str(condition.value).casefold() in value.casefold()
    same = present and _same(value, condition.value)
    return same if condition.op == "equals" else not same


def _score(condition: SurveyScore, score: int | None) -> bool:
    if score is None:
        return False
    if condition.op == "lte":
        return score <= condition.value
    if condition.op == "gte":
        return score >= condition.value
    return score == condition.value


def holds(condition: Condition, facts: Facts) -> bool:
    if isinstance(condition, InboxIs):
        return _member(condition.op, facts.inbox_id, condition.value)
    if isinstance(condition, ChannelIs):
        return _member(condition.op, facts.channel, condition.value)
    if isinstance(condition, LanguageIs):
        return _member(condition.op, facts.language, condition.value)
    if isinstance(condition, PriorityIs):
        return _member(condition.op, facts.priority, condition.value)
    if isinstance(condition, StatusIs):
        return _member(condition.op, facts.status, condition.value)
    if isinstance(condition, HasTag):
        return (condition.value in facts.tags) == (condition.op == "has")
    if isinstance(condition, ContactAttribute):
        return _attribute(condition, facts.contact_attributes)
    if isinstance(condition, BusinessHours):
        return facts.inside_hours == (condition.op == "inside")
    if isinstance(condition, SurveyScore):
        return _score(condition, facts.survey_score)
    if isinstance(condition, SurveyKind):
        return facts.survey_kind is not None and _member(
            condition.op, facts.survey_kind, condition.value
        )
    text = facts.text[:TEXT_LIMIT]
    if condition.op == "matches":
        return search(condition.value, text)
    found = condition.value.casefold() in text.casefold()
    return found if condition.op == "contains" else not found


def evaluate(conditions: Sequence[Condition], facts: Facts) -> list[bool]:
    return [holds(c, facts) for c in conditions]


def satisfied(results: Sequence[bool], *, match: str) -> bool:
    """No conditions: the rule always applies."""
    if not results:
        return True
    return all(results) if match == "all" else any(results)


def needs_text(conditions: Sequence[Condition]) -> bool:
    return any(isinstance(c, TextMatches) for c in conditions)
