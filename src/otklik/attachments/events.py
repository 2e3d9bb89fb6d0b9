"""Attachments have no events of their own: they travel inside the message events.

``message.created`` / ``message.updated`` (``otklik.conversations.events``) carry each
message's ``attachments`` list, on the agents stream and, for public messages, on the
visitor's ``contact:<id>`` stream. An upload that no message uses yet is announced to nobody.
"""

from __future__ import annotations
