"""A tiny, safe template language for canned answers and automatic messages.

``{{ contact.name }}`` inserts a value, ``{{ contact.name | default: "клиент" }}`` a fallback
when the value is empty. Only the variables listed here exist; there are no other filters, no
loops and nothing is ever evaluated. A full template engine (Liquid, Jinja) would give
operators far more power than "insert the customer's name" needs, and a sandbox to maintain.
Templates are checked when they are saved, so a typo is a 422 for the author, not a message
with ``{{contcat.name}}`` for the customer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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
        (?:\|\s*default\s*:\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')\s*)?$""",
    re.VERBOSE | re.DOTALL,
)
_ATTRIBUTE_KEY = re.compile(r"^[a-z0-9_]{1,50}$")


class TemplateError(ValueError):
    """The template uses an unknown variable or a construct the language does not have."""


def _parse(inner: str) -> tuple[str, str]:
    match = _INNER.match(inner)
    if match is None:
        raise TemplateError(
            f"{{{{{inner}}}}} is not a variable; write {{{{ contact.name }}}} or "
            f'{{{{ contact.name | default: "клиент" }}}}'
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
    return path, default or ""


def check_template(template: str) -> list[str]:
    """The variables ``template`` uses; raises :class:`TemplateError` for a bad one."""
    return [_parse(m.group(1))[0] for m in _TAG.finditer(template)]


def render(template: str, values: Mapping[str, str | None]) -> str:
    """Fill the variables in; an empty or missing value gives the fallback (or nothing)."""

    def substitute(match: re.Match[str]) -> str:
        path, default = _parse(match.group(1))
        value = values.get(path)
        return value if value else default

    return _TAG.sub(substitute, template)


def first_name(name: str | None) -> str | None:
    if not name:
        return None
    parts = name.split()
    return parts[0] if parts else None
