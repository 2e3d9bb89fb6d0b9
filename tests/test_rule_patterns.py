"""Issue 11, defect 11: an automation rule's ``matches`` pattern cannot stall the write path.

Rules run inside the transaction of every customer message, and the customer chooses the
text: a pattern that backtracks catastrophically on it must give up quickly (no match), and
a pattern the engine cannot run is refused when the rule is saved.
"""

from __future__ import annotations

import time

from otklik.scripts.conditions import MATCH_SECONDS, Facts, TextMatches, holds
from tests.scripts_support import conversation, error, rule
from tests.support import Workspace

#: Python's ``re`` needs longer than the age of the universe for this one.
EVIL = r"(a+)+$"
EVIL_TEXT = "a" * 4000 + "!"


def facts(text: str) -> Facts:
    return Facts(
        inbox_id=1,
        channel="widget",
        status="open",
        priority="normal",
        language=None,
        tags=[],
        contact_attributes={},
        inside_hours=True,
        text=text,
    )


def test_a_catastrophic_pattern_gives_up_within_its_limit() -> None:
    condition = TextMatches(field="text", op="matches", value=EVIL)
    started = time.monotonic()
    assert holds(condition, facts(EVIL_TEXT)) is False
    assert time.monotonic() - started < MATCH_SECONDS * 20
    # The same pattern still matches where it can, and Unicode classes and case work.
    assert holds(condition, facts("aaaa")) is True
    russian = TextMatches(field="text", op="matches", value=r"\bвозврат\w*")
    assert holds(russian, facts("Хочу ВОЗВРАТА денег")) is True
    assert holds(russian, facts("невозвратный")) is False


async def test_a_customer_cannot_stall_a_rule_with_its_text(workspace: Workspace) -> None:
    ws = workspace
    await rule(
        ws,
        name="Evil",
        trigger={"type": "message_created"},
        conditions=[{"field": "text", "op": "matches", "value": EVIL}],
        actions=[{"type": "add_tags", "tags": ["evil"]}],
    )
    await rule(
        ws,
        name="Refunds",
        trigger={"type": "message_created"},
        conditions=[{"field": "text", "op": "matches", "value": r"возврат|refund"}],
        actions=[{"type": "add_tags", "tags": ["refund"]}],
    )
    visitor = await ws.visitor()
    # The client's own timeout is the bound: without one the request never returned.
    sent = await visitor.say(EVIL_TEXT + " refund")
    after = await conversation(ws, sent["conversation_id"])
    assert after["tags"] == ["refund"]
    # The next message is not held up either.
    await visitor.say("aaaa")
    assert (await conversation(ws, sent["conversation_id"]))["tags"] == ["refund", "evil"]


async def test_patterns_the_engine_cannot_run_are_refused_on_save(workspace: Workspace) -> None:
    ws = workspace
    for pattern in ("(unclosed", "a{5,2}", "(?<name", "\\", "*"):
        response = await ws.api.post(
            "/api/v1/automation-rules",
            headers=ws.auth(),
            json={
                "name": "Bad",
                "trigger": {"type": "message_created"},
                "conditions": [{"field": "text", "op": "matches", "value": pattern}],
                "actions": [{"type": "add_tags", "tags": ["x"]}],
            },
        )
        assert error(response)[:2] == (422, "validation_error"), (pattern, response.text)
        assert "regular expression" in response.json()["error"]["message"]
    listed = await ws.api.get("/api/v1/automation-rules", headers=ws.auth())
    assert listed.json()["items"] == []
