"""Canned answers: scopes and who may write them, search, variables, usage, live events."""

from __future__ import annotations

import asyncio

from tests.scripts_support import canned, error, team
from tests.support import Workspace

URL = "/api/v1/canned-answers"


async def test_scopes_decide_who_sees_and_who_writes(workspace: Workspace) -> None:
    ws = workspace
    anna_id, anna = await ws.agent("anna@example.com", name="Anna")
    boris_id, boris = await ws.agent("boris@example.com", name="Boris")
    sup_id, sup = await ws.agent("sup@example.com", role="supervisor", name="Sue")
    sales = await team(ws, "Sales", [anna_id])
    await team(ws, "Billing", [boris_id])

    mine = await canned(ws, anna, shortcut="/Mine")
    assert mine["shortcut"] == "mine" and mine["scope"] == "personal"
    assert mine["owner_id"] == anna_id
    await canned(ws, boris, shortcut="boris")
    await canned(ws, shortcut="hello", scope="global")
    await canned(ws, sup, shortcut="sales", scope="team", team_id=sales)

    # Agents may not write team or global answers; supervisors not global ones.
    for token, body in (
        (anna, {"shortcut": "x", "title": "X", "text": "x", "scope": "global"}),
        (anna, {"shortcut": "x", "title": "X", "text": "x", "scope": "team", "team_id": sales}),
        (sup, {"shortcut": "x", "title": "X", "text": "x", "scope": "global"}),
    ):
        response = await ws.api.post(URL, headers=ws.auth(token), json=body)
        assert error(response)[:2] == (403, "forbidden"), response.text

    async def shortcuts(token: str) -> list[str]:
        response = await ws.api.get(URL, headers=ws.auth(token))
        assert response.status_code == 200, response.text
        return sorted(a["shortcut"] for a in response.json()["items"])

    assert await shortcuts(anna) == ["hello", "mine", "sales"]
    assert await shortcuts(boris) == ["boris", "hello"]
    assert await shortcuts(sup) == ["hello", "sales"]  # every team's, nobody's personal

    # Someone else's personal answer does not exist for you, nor may you change it.
    response = await ws.api.get(f"{URL}/{mine['id']}", headers=ws.auth(boris))
    assert error(response)[:2] == (404, "not_found")
    response = await ws.api.patch(
        f"{URL}/{mine['id']}", headers=ws.auth(sup), json={"title": "Taken"}
    )
    assert response.status_code == 404
    response = await ws.api.patch(
        f"{URL}/{mine['id']}", headers=ws.auth(anna), json={"title": "Still mine"}
    )
    assert response.status_code == 200 and response.json()["title"] == "Still mine"
    # An agent sees the team answer but may not change it.
    sales_answer = (await ws.api.get(URL, headers=ws.auth(anna), params={"q": "sales"})).json()
    answer_id = sales_answer["items"][0]["id"]
    response = await ws.api.delete(f"{URL}/{answer_id}", headers=ws.auth(anna))
    assert error(response)[:2] == (403, "forbidden")
    response = await ws.api.delete(f"{URL}/{answer_id}", headers=ws.auth(sup))
    assert response.status_code == 204
    assert await shortcuts(anna) == ["hello", "mine"]


async def test_bad_input_is_a_clear_4xx(workspace: Workspace) -> None:
    ws = workspace
    await canned(ws, shortcut="dup", scope="global")
    cases = [
        ({"shortcut": "dup", "title": "T", "text": "t", "scope": "global"}, 409, "/dup is taken"),
        ({"shortcut": "two words", "title": "T", "text": "t"}, 422, "shortcut"),
        ({"shortcut": "ok", "title": "", "text": "t"}, 422, "title"),
        ({"shortcut": "ok", "title": "T", "text": "Hi {{contact.nmae}}"}, 422, "contact.nmae"),
        ({"shortcut": "ok", "title": "T", "text": "Hi {{ contact.name | upcase }}"}, 422, "text"),
        ({"shortcut": "ok", "title": "T", "text": "t", "scope": "team"}, 422, "team_id"),
        (
            {"shortcut": "ok", "title": "T", "text": "t", "scope": "team", "team_id": 999},
            422,
            "999",
        ),
        ({"shortcut": "ok", "title": "T", "text": "t", "team_id": 1}, 422, "team_id"),
        ({"shortcut": "ok", "title": "T", "text": "t", "colour": "red"}, 422, "colour"),
        ({"shortcut": "ok", "title": "T", "text": "x" * 10_001}, 422, "text"),
    ]
    for body, status, words in cases:
        response = await ws.api.post(URL, headers=ws.auth(), json=body)
        assert response.status_code == status, (body, response.text)
        assert words in response.json()["error"]["message"], response.text
    assert (await ws.api.get(f"{URL}/12345", headers=ws.auth())).status_code == 404
    response = await ws.api.patch(f"{URL}/12345", headers=ws.auth(), json={"title": "x"})
    assert response.status_code == 404
    first = (await ws.api.get(URL, headers=ws.auth())).json()["items"][0]
    response = await ws.api.patch(f"{URL}/{first['id']}", headers=ws.auth(), json={"text": None})
    assert error(response)[:2] == (422, "validation_error")


async def test_search_finds_cyrillic_in_any_case_and_ranks_shortcut_prefix_first(
    workspace: Workspace,
) -> None:
    ws = workspace
    await canned(ws, shortcut="доставка", title="Сроки доставки", text="Доставим за 2 дня")
    await canned(ws, shortcut="возврат", title="Возврат", text="Про ДОСТАВКУ обратно…")
    await canned(ws, shortcut="price", title="Цены", text="Price list", category="Продажи")
    await canned(ws, shortcut="50_percent", title="Скидка", text="Скидка 50%")

    async def found(**params: str) -> list[str]:
        response = await ws.api.get(URL, headers=ws.auth(), params=params)
        assert response.status_code == 200, response.text
        return [a["shortcut"] for a in response.json()["items"]]

    assert await found(q="ДОСТАВ") == ["доставка", "возврат"]
    assert await found(q="/дост") == ["доставка", "возврат"]
    assert await found(q="PRICE") == ["price"]
    assert await found(q="%") == ["50_percent"]  # LIKE wildcards are plain characters
    assert await found(q="_") == ["50_percent"]
    assert await found(category="Продажи") == ["price"]
    assert await found(q="nothing like it") == []
    categories = await ws.api.get(f"{URL}/categories", headers=ws.auth())
    assert categories.json() == {"items": ["Продажи"]}


async def test_use_fills_variables_with_fallbacks_and_counts(workspace: Workspace) -> None:
    ws = workspace
    answer = await canned(
        ws,
        shortcut="hi",
        text='Здравствуйте, {{ contact.name | default: "клиент" }}! Я {{agent.first_name}}. '
        "Ваш email: {{contact.email|default:'—'}}, обращение №{{conversation.id}}"
        ' ({{contact.attributes.plan | default: "free"}}).',
    )
    named = await ws.visitor("Иван Петров")
    named_conv = (await named.say("вопрос"))["conversation_id"]
    anonymous = await ws.visitor(None)
    anon_conv = (await anonymous.say("вопрос"))["conversation_id"]

    async def use(conversation_id: int | None) -> dict[str, object]:
        response = await ws.api.post(
            f"{URL}/{answer['id']}/use",
            headers=ws.auth(),
            json={"conversation_id": conversation_id},
        )
        assert response.status_code == 200, response.text
        result: dict[str, object] = response.json()
        return result

    first = await use(named_conv)
    assert first["text"] == (
        f"Здравствуйте, Иван Петров! Я Admin. Ваш email: —, обращение №{named_conv} (free)."
    )
    second = await use(anon_conv)
    assert str(second["text"]).startswith("Здравствуйте, клиент! Я Admin.")
    third = await use(None)
    assert str(third["text"]).startswith("Здравствуйте, клиент!")
    assert third["canned_answer"]["usage_count"] == 3  # type: ignore[index]
    assert first["gaps"] == second["gaps"] == []  # every variable had a value or a fallback
    listed = (await ws.api.get(URL, headers=ws.auth())).json()["items"][0]
    assert listed["usage_count"] == 3 and listed["last_used_at"] is not None
    response = await ws.api.post(
        f"{URL}/{answer['id']}/use", headers=ws.auth(), json={"conversation_id": 424242}
    )
    assert error(response)[:2] == (404, "not_found")


async def test_use_reports_the_empty_variables_without_a_fallback(workspace: Workspace) -> None:
    ws = workspace
    answer = await canned(
        ws, shortcut="bare", text='Hello {{contact.name}}! I\'m {{agent.name | "Анна"}}.'
    )
    anonymous = await ws.visitor(None)
    conv = (await anonymous.say("hi"))["conversation_id"]
    response = await ws.api.post(
        f"{URL}/{answer['id']}/use", headers=ws.auth(), json={"conversation_id": conv}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["text"] == "Hello ! I'm Admin."
    assert body["gaps"] == [{"variable": "contact.name", "at": 6}]


async def test_listing_is_one_query_whatever_the_size(workspace: Workspace) -> None:
    from tests.test_queries import count_selects

    ws = workspace
    sales = await team(ws, "Sales", [ws.admin_id])
    for index in range(5):
        await canned(ws, shortcut=f"p{index}")
        await canned(ws, shortcut=f"g{index}", scope="global")
        await canned(ws, shortcut=f"t{index}", scope="team", team_id=sales)
    for params in ({"limit": "3"}, {"limit": "100", "q": "text"}):
        with count_selects(ws) as statements:
            response = await ws.api.get(URL, headers=ws.auth(), params=params)
        assert response.status_code == 200
        assert len(statements) == 2, statements  # sign-in, the list
    assert len(response.json()["items"]) == 15


async def test_changes_are_announced_without_content(workspace: Workspace) -> None:
    ws = workspace
    sock = await ws.agent_socket()
    await sock.ready()
    answer = await canned(ws, shortcut="secret", text="my private text")
    created = await sock.until(lambda f: f.get("type") == "canned_answer.changed")
    assert created["data"] == {
        "id": answer["id"],
        "scope": "personal",
        "owner_id": ws.admin_id,
        "team_id": None,
        "deleted": False,
    }
    await ws.api.delete(f"{URL}/{answer['id']}", headers=ws.auth())
    deleted = await sock.until(lambda f: f.get("type") == "canned_answer.changed")
    assert deleted["data"]["deleted"] is True
    assert "my private text" not in str(sock.frames)
    await sock.close()


async def test_racing_creates_of_one_shortcut_give_one_201_and_409s(workspace: Workspace) -> None:
    ws = workspace
    body = {"shortcut": "race", "title": "Race", "text": "t", "scope": "global"}
    responses = await asyncio.gather(
        *(ws.api.post(URL, headers=ws.auth(), json=body) for _ in range(6))
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409, 409]
    assert len((await ws.api.get(URL, headers=ws.auth())).json()["items"]) == 1
