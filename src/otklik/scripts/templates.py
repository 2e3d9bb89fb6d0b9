"""A tiny, safe template language for canned answers and automatic messages.

``{{ contact.name }}`` inserts a value, ``{{ contact.name | "клиент" }}`` (or the longer
``{{ contact.name | default: "клиент" }}``) a fallback when the value is empty. Only the
variables listed here exist; there are no other filters, no loops and nothing is ever
evaluated. A full template engine (Liquid, Jinja) would give
operators far more power than "insert the customer's name" needs, and a sandbox to maintain.
Templates are checked when they are saved, so a typo is a 422 for the author, not a message
with ``{{contcat.name}}`` for the customer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

VARIABLES: tuple[str, ...] = (
    "contact.name",
    "contact.first_name",
    "contact.email",
    "agent.name",
    "agent.first_name",
    "conversation.id",
    "inbox.name",
)
#: ``{{ contact.attributes.plan }}``: any custom attribute of the contact, by key.
ATTRIBUTE_PREFIX = "contact.attributes."

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_INNER = re.compile(
    r"""^\s*(?P<path>[a-z_]+(?:\.[a-z0-9_]+)+)\s*
        (?:\|\s*(?:default\s*:\s*)?(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')\s*)?$""",
    re.VERBOSE | re.DOTALL,
)
_ATTRIBUTE_KEY = re.compile(r"^[a-z0-9_]{1,50}$")


class TemplateError(ValueError):
    """The template uses an unknown variable or a construct the language does not have."""


def _parse(inner: str) -> tuple[str, str | None]:
    match = _INNER.match(inner)
    if match is None:
        raise TemplateError(
            f"{{{{{inner}}}}} is not a variable; write {{{{ contact.name }}}} or "
            f'{{{{ contact.name | "клиент" }}}}'
        )
    path = match.group("path")
    if path not in VARIABLES and not (
        path.startswith(ATTRIBUTE_PREFIX) and _ATTRIBUTE_KEY.match(path[len(ATTRIBUTE_PREFIX) :])
    ):
        known = ", ".join(VARIABLES)
        raise TemplateError(
            f"unknown variable {path!r}; use one of {known} or contact.attributes.<key>"
        )
    default = match.group("dq") if match.group("dq") is not None else match.group("sq")
    return path, default


def check_template(template: str) -> list[str]:
    """The variables ``template`` uses; raises :class:`TemplateError` for a bad one."""
    return [_parse(m.group(1))[0] for m in _TAG.finditer(template)]


@dataclass(frozen=True, slots=True)
class Gap:
    """A variable that came out empty and had no fallback: the text has nothing where it was.

    ``at`` counts UTF-16 code units, as the browser's text fields do, so the reply box can
    point at the place without converting.
    """

    variable: str
    at: int


def render_with_gaps(template: str, values: Mapping[str, str | None]) -> tuple[str, list[Gap]]:
    """Fill the variables in; an empty or missing value gives the fallback, or nothing and a
    :class:`Gap` when there is no fallback."""
    parts: list[str] = []
    gaps: list[Gap] = []
    units = 0  # UTF-16 length of what is written so far
    last = 0
    for match in _TAG.finditer(template):
        literal = template[last : match.start()]
        parts.append(literal)
        units += _utf16_len(literal)
        last = match.end()
        path, default = _parse(match.group(1))
        value = values.get(path) or default or ""
        if not value and default is None:
            gaps.append(Gap(variable=path, at=units))
        parts.append(value)
        units += _utf16_len(value)
    parts.append(template[last:])
    return "".join(parts), gaps


def render(template: str, values: Mapping[str, str | None]) -> str:
    """Fill the variables in; an empty or missing value gives the fallback (or nothing)."""
    return render_with_gaps(template, values)[0]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def first_name(name: str | None) -> str | None:
    if not name:
        return None
    parts = name.split()
    return parts[0] if parts else None
