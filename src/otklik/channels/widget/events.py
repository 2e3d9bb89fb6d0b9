"""The widget emits conversation events (see ``otklik.conversations.events``)."""

from __future__ import annotations
