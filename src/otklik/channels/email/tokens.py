"""Reply tokens: our outgoing ``Message-ID`` says which conversation a reply belongs to.

``<otk.{conversation_id}.{message_id}.{hmac}@{host}>``, with HMAC-SHA256 over both ids under a
key derived from the server's secret. A mail whose ``In-Reply-To``/``References`` carries a
valid token goes to that conversation; nobody can make one up for a conversation they were
never mailed from, so guessing ids injects nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

_TOKEN = re.compile(r"^<otk\.(\d{1,18})\.(\d{1,18})\.([0-9a-f]{64})@[^<>\s@]+>$")


class ReplyTokens:
    def __init__(self, secret_key: str) -> None:
        self._key = hmac.new(
            secret_key.encode(), b"otklik.email-reply-token.v1", hashlib.sha256
        ).digest()

    def _sign(self, conversation_id: int, message_id: int) -> str:
        data = f"{conversation_id}.{message_id}".encode()
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()

    def message_id(self, *, conversation_id: int, message_id: int, host: str) -> str:
        sig = self._sign(conversation_id, message_id)
        return f"<otk.{conversation_id}.{message_id}.{sig}@{host}>"

    def conversation_of(self, message_id: str) -> int | None:
        """The conversation of a valid token; ``None`` for other ids and forged tokens."""
        match = _TOKEN.match(message_id.strip())
        if match is None:
            return None
        conversation_id, our_id, sig = int(match[1]), int(match[2]), match[3]
        if not hmac.compare_digest(sig, self._sign(conversation_id, our_id)):
            return None
        return conversation_id

    def reply_of(self, message_id: str) -> tuple[int, int] | None:
        """``(conversation_id, message_id)`` of a valid token (the reply that carried it)."""
        match = _TOKEN.match(message_id.strip())
        if match is None:
            return None
        conversation_id, our_id = int(match[1]), int(match[2])
        if self.conversation_of(message_id) is None:
            return None
        return conversation_id, our_id

    def is_token(self, message_id: str) -> bool:
        """Looks like one of ours (valid or not)."""
        return _TOKEN.match(message_id.strip()) is not None

    def find(self, message_ids: Iterable[str]) -> int | None:
        """The conversation of the first valid token among ``message_ids``."""
        for value in message_ids:
            found = self.conversation_of(value)
            if found is not None:
                return found
        return None


def external_id_for(message_id: str) -> str:
    """A mail's id on messages (and in dedupe): fixed-length, whatever the ``Message-ID``."""
    return "mail:" + hashlib.sha256(message_id.strip().encode()).hexdigest()[:48]
