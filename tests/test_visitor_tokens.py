"""Visitor tokens: valid ones are remembered until they expire, forged ones never pass."""

from __future__ import annotations

from datetime import UTC, datetime

from itsdangerous import URLSafeSerializer

from otklik.core import clock
from otklik.core.security import VisitorIdentity, VisitorTokens


def test_a_remembered_token_still_names_its_visitor_and_a_forged_one_fails() -> None:
    tokens = VisitorTokens("k" * 32)
    token = tokens.issue(VisitorIdentity(inbox_id=1, contact_id=7))
    assert tokens.read(token) == VisitorIdentity(inbox_id=1, contact_id=7)
    assert tokens.read(token) == VisitorIdentity(inbox_id=1, contact_id=7)  # remembered
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert tokens.read(forged) is None
    assert VisitorTokens("another secret key!!").read(token) is None


def test_memory_is_bounded_and_forgetting_costs_only_a_fresh_check() -> None:
    tokens = VisitorTokens("k" * 32)
    tokens.MEMORY = 3
    issued = [tokens.issue(VisitorIdentity(inbox_id=1, contact_id=n)) for n in range(5)]
    for token in issued:
        assert tokens.read(token) is not None
    assert len(tokens._verified) == 3
    assert tokens.read(issued[0]) == VisitorIdentity(inbox_id=1, contact_id=0)


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    tokens = VisitorTokens("k" * 32, max_age=3600)
    try:
        clock.freeze(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
        token = tokens.issue(VisitorIdentity(inbox_id=1, contact_id=7))
        assert tokens.read(token) == VisitorIdentity(inbox_id=1, contact_id=7)  # remembered
        assert tokens.expires_at(token) == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
        clock.freeze(datetime(2026, 12, 1, 12, 59, 59, tzinfo=UTC))
        assert tokens.read(token) is not None
        clock.freeze(datetime(2026, 12, 1, 13, 0, tzinfo=UTC))
        assert tokens.read(token) is None
        assert token not in tokens._verified
        assert tokens.read(token) is None  # and not re-learnt from the signature
        assert tokens.expires_at(token) is None
    finally:
        clock.freeze(None)


def test_a_token_of_the_first_format_never_passes() -> None:
    tokens = VisitorTokens("k" * 32)
    legacy = URLSafeSerializer("k" * 32, salt="otklik.visitor").dumps([1, 7])
    assert tokens.read(legacy) is None
