"""Visitor tokens: valid ones are remembered, forged ones never pass."""

from __future__ import annotations

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
