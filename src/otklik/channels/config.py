"""An inbox's channel configuration: validated by its plugin, secrets sealed at rest."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from otklik.channels.base import ChannelPlugin
from otklik.core.crypto import SecretBox
from otklik.core.errors import invalid

MASK = "********"


def seal(
    plugin: ChannelPlugin, raw: dict[str, Any], box: SecretBox, *, previous: dict[str, Any]
) -> dict[str, Any]:
    """Validate ``raw`` (secrets left out or masked keep their previous value) and seal."""
    merged = {**open_(plugin, previous, box), **raw}
    for name in plugin.secret_fields:
        if raw.get(name) in (None, MASK) and name in previous:
            merged[name] = open_(plugin, previous, box)[name]
    try:
        valid = plugin.config_model.model_validate(merged).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(["config", *(str(p) for p in first.get("loc", ()))])
        # a model-level check has no field (no "config.:") and needs no "Value error, "
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise invalid(f"{where}: {message}") from exc
    for name in plugin.secret_fields:
        if isinstance(valid.get(name), str) and valid[name]:
            valid[name] = box.seal(valid[name])
    return dict(valid)


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
