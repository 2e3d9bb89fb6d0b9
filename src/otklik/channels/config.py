"""An inbox's channel configuration: validated by its plugin, secrets sealed at rest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from otklik.channels.base import ChannelPlugin
from otklik.core.crypto import SecretBox
from otklik.core.errors import AppError, invalid

MASK = "********"


def seal(
    plugin: ChannelPlugin, raw: dict[str, Any], box: SecretBox, *, previous: dict[str, Any]
) -> dict[str, Any]:
    """Validate ``raw`` (secrets left out or masked keep their previous value) and seal.

    A kept secret may not be sent somewhere new: when a field that decides where a secret
    goes (the plugin's ``secret_destinations``: a mail server's host, port and user, the Bot
    API's address) changes, that secret must be typed again — or, for a secret Otklik
    generates itself, it is generated anew."""
    opened = open_(plugin, previous, box)
    merged = {**opened, **raw}
    kept = {
        name for name in plugin.secret_fields if raw.get(name) in (None, MASK) and name in previous
    }
    for name in kept:
        merged[name] = opened[name]
    try:
        valid = plugin.config_model.model_validate(merged).model_dump(mode="json")
    except ValidationError as exc:
        raise _invalid(exc) from exc
    moved = _moved_secrets(plugin, kept, before=opened, after=valid)
    if moved:
        valid = _regenerate(plugin, merged, moved)
    for name in plugin.secret_fields:
        if isinstance(valid.get(name), str) and valid[name]:
            valid[name] = box.seal(valid[name])
    return dict(valid)


def _invalid(exc: ValidationError) -> AppError:
    first = exc.errors()[0]
    where = ".".join(["config", *(str(p) for p in first.get("loc", ()))])
    # a model-level check has no field (no "config.:") and needs no "Value error, "
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return invalid(f"{where}: {message}")


def _moved_secrets(
    plugin: ChannelPlugin, kept: set[str], *, before: dict[str, Any], after: dict[str, Any]
) -> dict[str, list[str]]:
    """Kept secrets whose destination changed: ``{secret: [changed fields]}``."""
    destinations: Mapping[str, frozenset[str]] = getattr(plugin, "secret_destinations", {})
    fields = plugin.config_model.model_fields
    moved: dict[str, list[str]] = {}
    for secret in sorted(kept):
        changed = [
            name
            for name in sorted(destinations.get(secret, ()))
            if name in fields
            and before.get(name, fields[name].get_default(call_default_factory=False))
            != after.get(name)
        ]
        if changed:
            moved[secret] = changed
    return moved


def _regenerate(
    plugin: ChannelPlugin, merged: dict[str, Any], moved: dict[str, list[str]]
) -> dict[str, Any]:
    """Drop the moved secrets; those Otklik generates are made anew, the others must be
    typed again (422 ``secret_required``)."""
    fields = plugin.config_model.model_fields
    typed = [name for name in moved if fields[name].default_factory is None]
    if typed:
        name = typed[0]
        raise AppError(
            422,
            "secret_required",
            f"config.{name}: enter it again to change {', '.join(moved[name])} "
            "(a stored secret is never sent to a new place).",
        )
    fresh = {k: v for k, v in merged.items() if k not in moved}
    try:
        return plugin.config_model.model_validate(fresh).model_dump(mode="json")
    except ValidationError as exc:
        raise _invalid(exc) from exc


def open_(plugin: ChannelPlugin, stored: dict[str, Any], box: SecretBox) -> dict[str, Any]:
    """The configuration with secrets decrypted, for the plugin's own use only."""
    opened = dict(stored)
    for name in plugin.secret_fields:
        if isinstance(opened.get(name), str) and opened[name]:
            opened[name] = box.open(opened[name])
    return opened


def public(plugin: ChannelPlugin | None, stored: dict[str, Any]) -> dict[str, Any]:
    """What an admin's browser may see: secrets replaced by a mask."""
    secrets = plugin.secret_fields if plugin is not None else frozenset()
    return {k: (MASK if k in secrets and v else v) for k, v in stored.items()}
