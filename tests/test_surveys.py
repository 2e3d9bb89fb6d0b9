"""Surveys on a live server, on SQLite and PostgreSQL: an inbox's settings; CSAT, CES and
NPS sent when a conversation is resolved (NPS at most once per interval per contact); the
visitor answers once by token (idempotent, expiring); operators read answers in their scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.auth_support import frozen
from tests.scripts_support import conversation, rule
from tests.support import Visitor, Workspace
from tests.test_frame_schema import check

SURVEYS = "/api/v1/inboxes/{}/surveys"


async def enable(ws: Workspace, **body: Any) -> dict[str, Any]:
    body = {"csat_enabled": True, **body}
    made = await ws.api.put(SURVEYS.format(ws.inbox_id), headers=ws.auth(), json=body)
    assert made.status_code == 200, made.text
    result: dict[str, Any] = made.json()
    return result


async def status(ws: Workspace, conversation_id: int, value: str, token: str | None = None) -> None:
    changed = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/status",
        headers=ws.auth(token),
        json={"status": value},
    )
    assert changed.status_code == 200, changed.text


async def surveys_of(ws: Workspace, conversation_id: int) -> list[dict[str, Any]]:
    got = await ws.api.get(f"/api/v1/conversations/{conversation_id}/surveys", headers=ws.auth())
    assert got.status_code == 200, got.text
    items: list[dict[str, Any]] = got.json()["items"]
    return items


async def pending(visitor: Visitor) -> list[dict[str, Any]]:
    got = await visitor.ws.api.get("/api/v1/widget/surveys", headers=visitor.headers)
    assert got.status_code == 200, got.text
    items: list[dict[str, Any]] = got.json()["items"]
    return items


async def resolved_chat(ws: Workspace, text: str = "hello") -> tuple[int, Visitor]:
    visitor = await ws.visitor()
    conversation_id = int((await visitor.say(text))["conversation_id"])
    assigned = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/assign",
        headers=ws.auth(),
        json={"agent_id": ws.admin_id},
    )
    assert assigned.status_code == 200, assigned.text
    await ws.reply(conversation_id, "Done, anything else?")
    await status(ws, conversation_id, "resolved")
    return conversation_id, visitor


async def test_settings_default_off_and_are_validated(workspace: Workspace) -> None:
    ws = workspace
    got = await ws.api.get(SURVEYS.format(ws.inbox_id), headers=ws.auth())
    assert got.status_code == 200
    assert got.json()["csat_enabled"] is False and got.json()["nps_interval_days"] == 90
    saved = await enable(
        ws, nps_enabled=True, nps_interval_days=30, texts={"ru": {"csat": "Как мы справились?"}}
    )
    assert saved["nps_enabled"] is True and saved["texts"]["ru"]["csat"] == "Как мы справились?"
    again = await ws.api.get(SURVEYS.format(ws.inbox_id), headers=ws.auth())
    assert again.json() == saved
    for bad in ({"nps_interval_days": 0}, {"texts": {"de": {}}}, {"csat_enabled": "maybe"}):
        refused = await ws.api.put(SURVEYS.format(ws.inbox_id), headers=ws.auth(), json=bad)
        assert refused.status_code == 422, (bad, refused.text)
    missing = await ws.api.put(SURVEYS.format(999_999), headers=ws.auth(), json={})
    assert missing.status_code == 404
    _, agent = await ws.agent("agent@example.com")
    denied = await ws.api.put(SURVEYS.format(ws.inbox_id), headers=ws.auth(agent), json={})
    assert denied.status_code == 403


async def test_no_survey_when_the_inbox_sends_none(workspace: Workspace) -> None:
    conversation_id, visitor = await resolved_chat(workspace)
    assert await surveys_of(workspace, conversation_id) == []
    assert await pending(visitor) == []


async def test_resolving_sends_csat_to_the_widget_and_the_visitor_answers_once(
    workspace: Workspace,
) -> None:
    ws = workspace
    await enable(ws)
    visitor = await ws.visitor()
    conversation_id = int((await visitor.say("привет, не работает оплата"))["conversation_id"])
    sock = await visitor.socket()
    await sock.ready()
    agents = await ws.agent_socket()
    await agents.ready()
    await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/assign",
        headers=ws.auth(),
        json={"agent_id": ws.admin_id},
    )
    await status(ws, conversation_id, "resolved")
    frame = await sock.until(lambda f: f.get("type") == "survey.requested")
    assert check(frame, "visitor") == "survey.requested"
    card = frame["data"]["survey"]
    assert frame["data"]["conversation_id"] == conversation_id
    assert (card["kind"], card["low"], card["high"], card["score"]) == ("csat", 1, 5, None)
    await sock.close()
    sent_frame = await agents.until(lambda f: f.get("type") == "survey.sent")
    assert check(sent_frame, "agents") == "survey.sent"
    [sent] = await surveys_of(ws, conversation_id)
    assert sent["operator_id"] == ws.admin_id and sent["origin"] == "resolved"
    assert sent["score"] is None and "token" not in sent
    assert [p["token"] for p in await pending(visitor)] == [card["token"]]

    token = card["token"]
    answer = f"/api/v1/public/surveys/{token}/answer"
    out_of_range = await ws.api.post(answer, json={"score": 6})
    assert out_of_range.status_code == 422
    no_score_yet = await ws.api.post(
        f"/api/v1/public/surveys/{token}/comment", json={"comment": "x"}
    )
    assert no_score_yet.status_code == 409
    first = await ws.api.post(answer, json={"score": 2})
    assert first.status_code == 200 and first.json()["score"] == 2
    responded = await agents.until(lambda f: f.get("type") == "survey.responded")
    assert check(responded, "agents") == "survey.responded"
    assert responded["data"]["survey"]["score"] == 2
    await agents.close()
    retried = await ws.api.post(answer, json={"score": 2})
    assert retried.status_code == 200  # a retried click is the same answer
    other = await ws.api.post(answer, json={"score": 5})
    assert other.status_code == 409 and other.json()["error"]["code"] == "already_answered"
    commented = await ws.api.post(
        f"/api/v1/public/surveys/{token}/comment", json={"comment": "Долго ждал ответа"}
    )
    assert commented.status_code == 200
    [answered] = await surveys_of(ws, conversation_id)
    assert (answered["score"], answered["comment"]) == (2, "Долго ждал ответа")
    assert answered["responded_at"] is not None
    assert await pending(visitor) == []
    unknown = await ws.api.post("/api/v1/public/surveys/" + "x" * 32 + "/answer", json={"score": 1})
    assert unknown.status_code == 404


async def test_the_question_is_asked_in_the_visitors_language(workspace: Workspace) -> None:
    ws = workspace
    await enable(ws, texts={"en": {"csat": "Did we help?"}})
    asked = {}
    for language in ("ru", "en"):
        session = await ws.api.post(
            "/api/v1/widget/sessions", json={"inbox_key": ws.inbox_key, "language": language}
        )
        body = session.json()
        visitor = Visitor(ws, body["visitor_token"], body["contact_id"])
        conversation_id = int((await visitor.say("hello"))["conversation_id"])
        await status(ws, conversation_id, "resolved")
        [card] = await pending(visitor)
        page = await ws.api.get(f"/api/v1/public/surveys/{card['token']}")
        assert page.status_code == 200
        asked[language] = (page.json()["language"], page.json()["question"], card["low_label"])
    assert asked == {
        "ru": ("ru", "Как вы оцениваете помощь, которую получили?", "Плохо"),
        "en": ("en", "Did we help?", "Poor"),
    }


async def test_a_survey_expires(workspace: Workspace) -> None:
    ws = workspace
    await enable(ws, expires_hours=2)
    with frozen() as clock:
        _, visitor = await resolved_chat(ws)
        [card] = await pending(visitor)
        clock.advance(hours=3)
        assert await pending(visitor) == []
        late = await ws.api.post(
            f"/api/v1/public/surveys/{card['token']}/answer", json={"score": 5}
        )
        assert late.status_code == 410
        shown = await ws.api.get(f"/api/v1/public/surveys/{card['token']}")
        assert shown.json()["expired"] is True


async def test_nps_at_most_once_per_interval_and_ces_each_time(workspace: Workspace) -> None:
    ws = workspace
    await enable(ws, nps_enabled=True, nps_interval_days=1, ces_enabled=True)
    with frozen() as clock:
        conversation_id, visitor = await resolved_chat(ws)
        assert sorted(s["kind"] for s in await surveys_of(ws, conversation_id)) == [
            "ces",
            "csat",
            "nps",
        ]
        await visitor.say("one more question")  # reopens the conversation
        await status(ws, conversation_id, "resolved")
        kinds = sorted(s["kind"] for s in await surveys_of(ws, conversation_id))
        assert kinds == ["ces", "ces", "csat", "csat", "nps"]
        nps = next(p for p in await pending(visitor) if p["kind"] == "nps")
        assert (nps["low"], nps["high"]) == (0, 10)
        zero = await ws.api.post(f"/api/v1/public/surveys/{nps['token']}/answer", json={"score": 0})
        assert zero.status_code == 200
        for _ in range(3):  # a day later, the operator's sign-in kept alive (idle: 12 h)
            clock.advance(hours=9)
            await surveys_of(ws, conversation_id)
        await status(ws, conversation_id, "open")  # the visitor's session has expired by now
        await status(ws, conversation_id, "resolved")
        kinds = sorted(s["kind"] for s in await surveys_of(ws, conversation_id))
        assert kinds.count("nps") == 2


async def test_operators_send_by_hand_and_read_answers_in_their_scope(
    workspace: Workspace,
) -> None:
    ws = workspace
    agent_id, agent = await ws.agent("agent@example.com")
    _, outsider = await ws.agent("outsider@example.com")
    members = await ws.api.put(
        f"/api/v1/inboxes/{ws.inbox_id}/members", headers=ws.auth(), json={"agent_ids": [agent_id]}
    )
    assert members.status_code == 200, members.text
    visitor = await ws.visitor()
    conversation_id = int((await visitor.say("hi"))["conversation_id"])
    sent = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/surveys", headers=ws.auth(agent), json={}
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["origin"] == "agent" and sent.json()["kind"] == "csat"
    bad = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/surveys",
        headers=ws.auth(agent),
        json={"kind": "poll"},
    )
    assert bad.status_code == 422
    hidden = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/surveys", headers=ws.auth(outsider), json={}
    )
    assert hidden.status_code == 404
    [card] = await pending(visitor)
    await ws.api.post(f"/api/v1/public/surveys/{card['token']}/answer", json={"score": 4})

    def scores(response: Any) -> list[int]:
        assert response.status_code == 200, response.text
        return [item["score"] for item in response.json()["items"]]

    url = "/api/v1/surveys/responses"
    assert scores(await ws.api.get(url, headers=ws.auth())) == [4]
    assert scores(await ws.api.get(url, headers=ws.auth(agent))) == [4]
    assert scores(await ws.api.get(url, headers=ws.auth(outsider))) == []
    assert scores(await ws.api.get(url, headers=ws.auth(), params={"kind": "nps"})) == []
    naive = await ws.api.get(url, headers=ws.auth(), params={"since": "2026-01-01T00:00:00"})
    assert naive.status_code == 422
    other = await ws.api.get(
        f"/api/v1/conversations/{conversation_id}/surveys", headers=ws.auth(outsider)
    )
    assert other.status_code == 404


@pytest.mark.parametrize("channel", ["api"])
async def test_channels_a_survey_cannot_reach_are_refused(
    workspace: Workspace, channel: str
) -> None:
    ws = workspace
    made = await ws.api.post(
        "/api/v1/inboxes", headers=ws.auth(), json={"name": "CRM", "channel": channel}
    )
    assert made.status_code == 201, made.text
    refused = await ws.api.put(
        SURVEYS.format(made.json()["id"]), headers=ws.auth(), json={"csat_enabled": True}
    )
    assert refused.status_code == 422


async def test_rules_send_surveys_and_react_to_low_scores(workspace: Workspace) -> None:
    """A rule sends NPS on request; "survey answered" with CSAT ≤ 2 leaves a note that
    @mentions the team lead (who is notified) and tags the conversation; 5 does nothing."""
    ws = workspace
    await enable(ws)
    _, lead = await ws.agent("lead@example.com", role="supervisor", name="Lead")
    await rule(
        ws,
        trigger={"type": "message_created"},
        conditions=[{"field": "text", "op": "contains", "value": "recommend"}],
        actions=[{"type": "send_survey", "kind": "nps"}],
    )
    await rule(
        ws,
        name="Unhappy customer",
        trigger={"type": "survey_answered"},
        conditions=[
            {"field": "survey_kind", "value": ["csat"]},
            {"field": "survey_score", "op": "lte", "value": 2},
        ],
        actions=[
            {"type": "add_note", "text": "@Lead low CSAT, please call back"},
            {"type": "add_tags", "tags": ["low-csat"]},
        ],
    )
    bad_rule = await ws.api.post(
        "/api/v1/automation-rules",
        headers=ws.auth(),
        json={
            "name": "x",
            "trigger": {"type": "survey_answered"},
            "conditions": [{"field": "survey_score", "op": "lte", "value": 11}],
            "actions": [{"type": "add_tags", "tags": ["x"]}],
        },
    )
    assert bad_rule.status_code == 422

    visitor = await ws.visitor()
    unhappy = int((await visitor.say("I would recommend you, maybe"))["conversation_id"])
    [nps] = await surveys_of(ws, unhappy)
    assert (nps["kind"], nps["origin"]) == ("nps", "automation")
    await status(ws, unhappy, "resolved")
    cards = {card["kind"]: card for card in await pending(visitor)}
    answered = await ws.api.post(
        f"/api/v1/public/surveys/{cards['nps']['token']}/answer", json={"score": 1}
    )
    assert answered.status_code == 200  # an NPS of 1: not this rule's kind
    assert "low-csat" not in (await conversation(ws, unhappy))["tags"]
    answered = await ws.api.post(
        f"/api/v1/public/surveys/{cards['csat']['token']}/answer", json={"score": 2}
    )
    assert answered.status_code == 200
    assert "low-csat" in (await conversation(ws, unhappy))["tags"]
    mentions = await ws.api.get("/api/v1/mentions", headers=ws.auth(lead))
    assert mentions.status_code == 200, mentions.text
    assert [m["conversation_id"] for m in mentions.json()["items"]] == [unhappy]

    happy_visitor = await ws.visitor()
    happy = int((await happy_visitor.say("thanks"))["conversation_id"])
    await status(ws, happy, "resolved")
    [card] = await pending(happy_visitor)
    await ws.api.post(f"/api/v1/public/surveys/{card['token']}/answer", json={"score": 5})
    assert "low-csat" not in (await conversation(ws, happy))["tags"]


async def test_reports_count_csat_nps_ces_and_the_response_rate(workspace: Workspace) -> None:
    """docs/metrics.md, by hand: four chats resolved with CSAT, NPS and CES on. CSAT 5, 4, 2
    and one unanswered → 2 of 3 ratings are 4–5: 66.7 %, response rate 3 of 4 = 75 %. NPS 10,
    9, 8, 3 → promoters 2, detractors 1 of 4: +25. CES 7 and 4 → mean 5.5, 2 of 4 answered."""
    ws = workspace
    await enable(ws, nps_enabled=True, nps_interval_days=1, ces_enabled=True)
    answers = [
        {"csat": 5, "nps": 10, "ces": 7},
        {"csat": 4, "nps": 9, "ces": 4},
        {"csat": 2, "nps": 8},
        {"nps": 3},
    ]
    for n, scores in enumerate(answers):
        _, visitor = await resolved_chat(ws, f"question {n}")
        for survey in await pending(visitor):
            if survey["kind"] in scores:
                answered = await ws.api.post(
                    f"/api/v1/public/surveys/{survey['token']}/answer",
                    json={"score": scores[survey["kind"]]},
                )
                assert answered.status_code == 200, answered.text
    now = datetime.now(UTC)
    overview = await ws.api.get(
        "/api/v1/reports/overview",
        headers=ws.auth(),
        params={
            "since": (now - timedelta(hours=1)).isoformat(),
            "until": (now + timedelta(hours=1)).isoformat(),
        },
    )
    assert overview.status_code == 200, overview.text
    current = overview.json()["current"]
    csat, nps, ces = current["csat"], current["nps"], current["ces"]
    assert (csat["sent"], csat["answered"], csat["response_rate"]) == (4, 3, 75.0)
    assert csat["score"] == pytest.approx(200 / 3)
    assert (nps["sent"], nps["answered"], nps["score"]) == (4, 4, 25.0)
    assert (ces["sent"], ces["answered"], ces["score"]) == (4, 2, 5.5)
    assert overview.json()["previous"]["csat"] == {
        "sent": 0,
        "answered": 0,
        "response_rate": None,
        "score": None,
    }
    # The whole hours above came from survey_hourly; a period inside one hour (or straddling
    # one boundary) reads the surveys themselves: the same figures.
    inside = await ws.api.get(
        "/api/v1/reports/overview",
        headers=ws.auth(),
        params={
            "since": (now - timedelta(minutes=20)).isoformat(),
            "until": (now + timedelta(minutes=20)).isoformat(),
        },
    )
    assert inside.status_code == 200, inside.text
    assert {k: inside.json()["current"][k] for k in ("csat", "nps", "ces")} == {
        "csat": csat,
        "nps": nps,
        "ces": ces,
    }
