"""Search (ADR 23): Russian and English morphology, prefixes, phrases, exact order numbers and
emails, scoped to what each operator may see, and always current — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from otklik.conversations import searching as message_search
from otklik.core.db import Database
from otklik.core.fulltext import analyze, fts5_match, parse, pg_tsquery
from otklik.core.migrate import alembic_config, upgrade_async
from otklik.search.highlight import snippet
from tests.support import Workspace
from tests.test_cli import otklik

# --- the analysis, without a database ---------------------------------------------------


def test_word_forms_and_letters_fold_to_one_term() -> None:
    assert analyze("заказ") == analyze("Заказа") == analyze("ЗАКАЗОВ")
    assert analyze("ёлка") == analyze("Елка")
    assert analyze("refunds") == analyze("Refund")
    # Words with digits are kept as written (order numbers, phones).
    assert analyze("ORD-2024-117") == "ord 2024 117"


def test_query_parts() -> None:
    query = parse('"вернуть деньги" заказ ivan@mail.ru за')
    assert query is not None
    assert fts5_match(query) == '"вернут деньг" AND "заказ" AND "ivan mail ru" AND "за"*'
    assert pg_tsquery(query).startswith("('вернут' <-> 'деньг') & ('заказ')")
    # A finished word (a space after it) is not a prefix; one letter is never one.
    finished = parse("заказов ")
    assert finished is not None and finished.prefixes() == ()
    assert parse(' " ,, ') is None


def test_snippets_escape_and_mark() -> None:
    query = parse("заказ ")
    assert query is not None
    assert (
        snippet("<b>Где</b> мой Заказов?", query)
        == "&lt;b&gt;Где&lt;/b&gt; мой <mark>Заказов</mark>?"
    )
    long = "слово " * 100 + "заказ в конце"
    cut = snippet(long, query)
    assert cut.startswith("…") and "<mark>заказ</mark>" in cut and len(cut) < 200


# --- through the API, on both databases -------------------------------------------------


async def _search(ws: Workspace, q: str, token: str | None = None, **params: Any) -> dict[str, Any]:
    response = await ws.api.get("/api/v1/search", headers=ws.auth(token), params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _hits(body: dict[str, Any], kind: str = "messages") -> list[dict[str, Any]]:
    for group in body["groups"]:
        if group["kind"] == kind:
            hits: list[dict[str, Any]] = group["hits"]
            return hits
    return []


def _texts(body: dict[str, Any], kind: str = "messages") -> set[str]:
    return {h["snippet"].replace("<mark>", "").replace("</mark>", "") for h in _hits(body, kind)}


async def test_morphology_prefix_phrase_and_exact_tokens(workspace: Workspace) -> None:
    ws = workspace
    visitor = await ws.visitor("Иван Петров")
    sent = await visitor.say("Где мой заказ ORD-2024-117? Пишите на ivan.petrov@mail.ru")
    conversation_id = int(sent["conversation_id"])
    # Found right after the send was answered: the index is written in its transaction.
    found = _hits(await _search(ws, "заказов"))
    assert [(h["conversation_id"], h["message_id"]) for h in found] == [
        (conversation_id, sent["id"])
    ]
    assert "<mark>заказ</mark>" in found[0]["snippet"]

    await visitor.say("Ёлка не пришла, хочу вернуть деньги")
    await visitor.say("Деньги мне не нужны, не надо вернуть")
    await visitor.say("Two refunds were promised")
    await visitor.say("ORD-2024-118 is another order")
    await ws.reply(conversation_id, "We checked the refund policy")

    assert _texts(await _search(ws, "елка")) == {"Ёлка не пришла, хочу вернуть деньги"}
    assert _texts(await _search(ws, "ЁЛКИ")) == {"Ёлка не пришла, хочу вернуть деньги"}
    assert _texts(await _search(ws, "refund ")) == {
        "Two refunds were promised",
        "We checked the refund policy",
    }
    # As you type: the last word is a prefix until a space follows it.
    assert len(_hits(await _search(ws, "refu"))) == 2
    assert len(_hits(await _search(ws, "пришл"))) == 1
    # A phrase: those words, in that order.
    assert _texts(await _search(ws, '"вернуть деньги"')) == {"Ёлка не пришла, хочу вернуть деньги"}
    assert len(_hits(await _search(ws, "вернуть деньги "))) == 2
    # Order numbers and emails as written.
    assert len(_hits(await _search(ws, "ORD-2024-117 "))) == 1
    assert len(_hits(await _search(ws, "ord-2024-118"))) == 1
    assert len(_hits(await _search(ws, "ORD-2024-119"))) == 0
    assert len(_hits(await _search(ws, "ivan.petrov@mail.ru"))) == 1
    assert len(_hits(await _search(ws, "ivan.sidorov@mail.ru"))) == 0
    # The contact, by name and by email.
    for q in ("Петров ", "ивАН"):
        by = await _search(ws, q, kinds="contacts")
        assert [g["kind"] for g in by["groups"]] == ["contacts"]
        assert [h["id"] for h in _hits(by, "contacts")] == [visitor.contact_id], q
    # The conversation list's q.
    listed = await ws.api.get("/api/v1/conversations", headers=ws.auth(), params={"q": "заказы"})
    assert [c["id"] for c in listed.json()["items"]] == [conversation_id]
    listed = await ws.api.get(
        "/api/v1/conversations", headers=ws.auth(), params={"q": "несуществующее"}
    )
    assert listed.json()["items"] == []


async def test_results_are_grouped_filtered_and_escaped(workspace: Workspace) -> None:
    ws = workspace
    visitor = await ws.visitor("Mallory")
    sent = await visitor.say("<script>alert(1)</script> доставка")
    conversation_id = int(sent["conversation_id"])
    answer = await ws.api.post(
        "/api/v1/canned-answers",
        headers=ws.auth(),
        json={"shortcut": "dost", "title": "Доставка", "text": "Доставка занимает 3 дня"},
    )
    assert answer.status_code == 201, answer.text
    body = await _search(ws, "доставки")
    assert {g["kind"] for g in body["groups"]} >= {"messages", "contacts", "canned"}
    (hit,) = _hits(body)
    assert "<script>" not in hit["snippet"] and "&lt;script&gt;" in hit["snippet"]
    assert len(_hits(body, "canned")) == 1
    # Conversation filters leave the conversation kinds only.
    filtered = await _search(ws, "доставки", status="open", inbox=ws.inbox_id)
    assert [g["kind"] for g in filtered["groups"]] == ["messages"]
    assert len(_hits(filtered)) == 1
    assert _hits(await _search(ws, "доставки", status="resolved")) == []
    assert _hits(await _search(ws, "доставки", tag="vip")) == []
    assert _hits(await _search(ws, "доставки", channel="email")) == []
    assert _hits(await _search(ws, "доставки", **{"from": "2100-01-01T00:00:00Z"})) == []
    tagged = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/tags", headers=ws.auth(), json={"add": ["vip"]}
    )
    assert tagged.status_code == 200, tagged.text
    assert len(_hits(await _search(ws, "доставки", tag="vip"))) == 1
    assert len(_hits(await _search(ws, "доставки", channel="widget"))) == 1
    # Bad input is a 4xx.
    for params in (
        {"q": "x", "kinds": "nope"},
        {"q": "x", "status": "gone"},
        {"q": "x", "from": "2024-01-01T00:00:00"},
        {"q": "x", "from": "2024-02-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
        {"q": "x" * 201},
    ):
        bad = await ws.api.get("/api/v1/search", headers=ws.auth(), params=params)
        assert bad.status_code in (400, 422), (params, bad.text)
    assert (await ws.api.get("/api/v1/search", params={"q": "x"})).status_code == 401


async def test_an_operator_never_finds_what_they_may_not_see(workspace: Workspace) -> None:
    ws = workspace
    agent_id, agent_token = await ws.agent("scoped-search@example.com")
    billing = await ws.api.post(
        "/api/v1/inboxes", headers=ws.auth(), json={"name": "Billing", "channel": "widget"}
    )
    assert billing.status_code == 201, billing.text
    billing_id, billing_key = billing.json()["id"], billing.json()["public_key"]
    members = await ws.api.put(
        f"/api/v1/inboxes/{billing_id}/members",
        headers=ws.auth(),
        json={"agent_ids": [ws.admin_id]},
    )
    assert members.status_code == 200, members.text

    mine = await ws.visitor("Ольга Видимая")
    theirs = await ws.visitor("Борис Скрытый", inbox_key=billing_key)
    mine_id = int((await mine.say("счёт за март"))["conversation_id"])
    theirs_id = int((await theirs.say("счёт за апрель"))["conversation_id"])
    await ws.reply(theirs_id, "секретная заметка про счёт", private=True)
    await ws.reply(mine_id, "заметка про счёт для своих", private=True)

    admin = await _search(ws, "счета")
    assert {h["conversation_id"] for h in _hits(admin)} == {mine_id, theirs_id}
    assert any(h["private"] for h in _hits(admin) if h["conversation_id"] == theirs_id)
    agent = await _search(ws, "счета", agent_token)
    assert {h["conversation_id"] for h in _hits(agent)} == {mine_id}
    assert _hits(await _search(ws, "секретная", agent_token)) == []
    assert len(_hits(await _search(ws, "заметка", agent_token))) == 1
    # Contacts: only those with a conversation the agent may see.
    assert _hits(await _search(ws, "Борис", agent_token), "contacts") == []
    assert len(_hits(await _search(ws, "Ольга", agent_token), "contacts")) == 1
    assert len(_hits(await _search(ws, "Борис"), "contacts")) == 1
    listed = await ws.api.get(
        "/api/v1/conversations", headers=ws.auth(agent_token), params={"q": "счёт"}
    )
    assert [c["id"] for c in listed.json()["items"]] == [mine_id]
    # Canned answers: another operator's personal one is not found.
    personal = await ws.api.post(
        "/api/v1/canned-answers",
        headers=ws.auth(),
        json={"shortcut": "mine", "title": "Моё", "text": "личный шаблон про счёт"},
    )
    assert personal.status_code == 201, personal.text
    assert len(_hits(await _search(ws, "шаблон"), "canned")) == 1
    assert _hits(await _search(ws, "шаблон", agent_token), "canned") == []
    assert agent_id


async def test_edits_and_deletes_are_found_at_once(workspace: Workspace) -> None:
    ws = workspace
    created = await ws.api.post(
        "/api/v1/canned-answers",
        headers=ws.auth(),
        json={"shortcut": "hi", "title": "Приветствие", "text": "Здравствуйте, чем помочь?"},
    )
    assert created.status_code == 201, created.text
    answer_id = created.json()["id"]
    assert len(_hits(await _search(ws, "здравствуйте"), "canned")) == 1
    edited = await ws.api.patch(
        f"/api/v1/canned-answers/{answer_id}",
        headers=ws.auth(),
        json={"text": "Добрый день, чем помочь?"},
    )
    assert edited.status_code == 200, edited.text
    assert _hits(await _search(ws, "здравствуйте"), "canned") == []
    assert len(_hits(await _search(ws, "добрым"), "canned")) == 1
    deleted = await ws.api.delete(f"/api/v1/canned-answers/{answer_id}", headers=ws.auth())
    assert deleted.status_code == 204
    assert _hits(await _search(ws, "добрым"), "canned") == []

    # A contact's attributes (a phone) are found once set, by the number as written.
    definition = await ws.api.post(
        "/api/v1/attribute-definitions",
        headers=ws.auth(),
        json={"entity": "contact", "key": "phone", "label": "Phone", "type": "text"},
    )
    assert definition.status_code == 201, definition.text
    visitor = await ws.visitor("Phone Person")
    await visitor.say("hello")
    assert _hits(await _search(ws, "+7 912 555-01-02"), "contacts") == []
    updated = await ws.api.put(
        f"/api/v1/contacts/{visitor.contact_id}/attributes",
        headers=ws.auth(),
        json={"values": {"phone": "+7 912 555-01-02"}},
    )
    assert updated.status_code == 200, updated.text
    (hit,) = _hits(await _search(ws, "+7 912 555-01-02"), "contacts")
    assert hit["id"] == visitor.contact_id and "<mark>912</mark>" in hit["snippet"]


async def _index_matches_its_table(db: Database, table: str) -> None:
    """FTS5's own check, rank 1: the index holds exactly the terms of its table's rows (a
    row missing, counted twice or forgotten with other terms fails it)."""
    async with db.session(write=True) as session:
        await session.execute(
            text(f"INSERT INTO {table}_fts({table}_fts, rank) VALUES ('integrity-check', 1)")
        )


async def test_sqlite_indexes_a_transactions_new_rows_once_and_exactly(
    workspace: Workspace, db: Database
) -> None:
    """ADR 35: on SQLite a new message or contact is noted and indexed just before its
    transaction commits, not row by row; updates and deletes in the same transaction, a
    savepoint rolled back and concurrent sends sharing a batch all leave the index exact."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL indexes a generated column")
    ws = workspace
    visitors = [await ws.visitor(f"Гость Посылкин {n}") for n in range(4)]
    sent = await asyncio.gather(
        *(v.say(f"Посылка номер {n} потерялась") for n, v in enumerate(visitors))
    )
    assert len(_hits(await _search(ws, "посылка "))) == 4
    assert len(_hits(await _search(ws, "посылкин "), "contacts")) == 4
    ids = [m["id"] for m in sent]

    copy = (
        "INSERT INTO messages (conversation_id, author_type, author_id, author_name, private,"
        " text, created_at, channel_data, search_terms) SELECT conversation_id, author_type,"
        " author_id, author_name, private, :text, created_at, channel_data, :terms"
        " FROM messages WHERE id = :id RETURNING id"
    )
    retext = "UPDATE messages SET text = :text, search_terms = :terms WHERE id = :id"

    def terms(words: str) -> dict[str, str]:
        return {"text": words, "terms": analyze(words)}

    async with db.session(write=True) as session:
        # A new row, then changed: only its last terms are indexed.
        fresh = (await session.execute(text(copy), {"id": ids[0], **terms("черновик")})).scalar()
        await session.execute(text(retext), {"id": fresh, **terms("бандероль")})
        # A new row deleted before the commit: never indexed, nothing to forget.
        gone = (await session.execute(text(copy), {"id": ids[0], **terms("мимолетное")})).scalar()
        await session.execute(text("DELETE FROM messages WHERE id = :id"), {"id": gone})
        # Indexed rows: one changed, one deleted, one changed and then deleted.
        await session.execute(text(retext), {"id": ids[1], **terms("коробка")})
        await session.execute(text("DELETE FROM messages WHERE id = :id"), {"id": ids[2]})
        await session.execute(text(retext), {"id": ids[3], **terms("конверт")})
        await session.execute(text("DELETE FROM messages WHERE id = :id"), {"id": ids[3]})
        # A savepoint rolled back takes its row and its note with it.
        with contextlib.suppress(LookupError):
            async with session.begin_nested():
                await session.execute(text(copy), {"id": ids[0], **terms("отмененное")})
                raise LookupError
        assert await session.scalar(text("SELECT count(*) FROM search_backlog")) == 2

    async with db.session(write=False) as session:
        assert await session.scalar(text("SELECT count(*) FROM search_backlog")) == 0
    assert [h["id"] for h in _hits(await _search(ws, "бандероль "))] == [fresh]
    assert [h["id"] for h in _hits(await _search(ws, "коробка "))] == [ids[1]]
    for lost in ("черновик ", "мимолетное ", "конверт ", "отмененное "):
        assert _hits(await _search(ws, lost)) == [], lost
    assert {h["id"] for h in _hits(await _search(ws, "посылка "))} == {ids[0]}
    await _index_matches_its_table(db, "messages")
    await _index_matches_its_table(db, "contacts")


async def test_a_query_without_words_finds_nothing(workspace: Workspace) -> None:
    await (await workspace.visitor()).say("что-нибудь")
    for q in ("", "   ", '""', "!!!"):
        assert (await _search(workspace, q))["groups"] == []
    # Query syntax of either engine is only ever text to look for: no error, ever.
    for q in (
        "AND",
        "NOT что",
        "NEAR(a b)",
        'a"b"c"',
        "a'b",
        "x:y & z | !w <-> v:*",
        "\\",
        "ǅ½ⅷ ﬀ",
        "中文 🙂 заказ",
        "-x ^y *z",
        "a" * 199,
        " ".join(["слово"] * 33),
    ):
        await _search(workspace, q)
        listed = await workspace.api.get(
            "/api/v1/conversations", headers=workspace.auth(), params={"q": q}
        )
        assert listed.status_code == 200, (q, listed.text)


@pytest.mark.slow
async def test_reindex_rebuilds_a_lost_index(workspace: Workspace, db: Database) -> None:
    """``otklik reindex`` recomputes every row's terms and the index (after an upgrade that
    changes the analysis, or rows imported around the app)."""
    ws = workspace
    await (await ws.visitor("Жанна Импортова")).say("Импортированный заказ №7781")
    answer = await ws.api.post(
        "/api/v1/canned-answers",
        headers=ws.auth(),
        json={"shortcut": "imp", "title": "Импорт", "text": "Импортированные данные"},
    )
    assert answer.status_code == 201, answer.text
    async with db.session(write=True) as session:
        for table in ("messages", "contacts", "canned_answers"):
            await session.execute(text(f"UPDATE {table} SET search_terms = NULL"))
    lost = await _search(ws, "импортированных")
    assert _hits(lost) == [] and _hits(lost, "canned") == []

    done = await asyncio.to_thread(otklik, ws.server.settings, "reindex")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Search index rebuilt" in done.stdout
    found = await _search(ws, "импортированных")
    assert len(_hits(found)) == 1 and len(_hits(found, "canned")) == 1
    assert len(_hits(await _search(ws, "7781"))) == 1
    assert len(_hits(await _search(ws, "Импортова"), "contacts")) == 1


async def test_the_migration_indexes_what_was_written_before_it(workspace: Workspace) -> None:
    """Upgrading a database that has messages, contacts and canned answers makes them
    findable (migration 0024 fills the terms and builds the index)."""
    ws = workspace
    await (await ws.visitor("Глафира Давняя")).say("Старое сообщение о возврате денег")
    answer = await ws.api.post(
        "/api/v1/canned-answers",
        headers=ws.auth(),
        json={"shortcut": "old", "title": "Старый", "text": "Давний шаблон про возвраты"},
    )
    assert answer.status_code == 201, answer.text
    settings = ws.server.settings
    await asyncio.to_thread(command.downgrade, alembic_config(settings), "0020")
    await upgrade_async(settings)
    body = await _search(ws, "возвраты ")
    assert len(_hits(body)) == 1 and len(_hits(body, "canned")) == 1
    assert len(_hits(await _search(ws, "Давней"), "contacts")) == 1
    # And writes after it are indexed as usual.
    await (await ws.visitor()).say("Новый возврат")
    assert len(_hits(await _search(ws, "возврат "))) == 2


async def test_only_the_newest_matches_are_ranked_newest_first_on_ties(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A common word never ranks all its matches: the newest ``CANDIDATES`` are ranked
    (here 3), equally good matches newest first."""
    ws = workspace
    visitor = await ws.visitor()
    best = await visitor.say("кошка кошка кошка кошка")  # the best match, but the oldest
    same = [await visitor.say(f"кошка и собака {n}") for n in range(4)]
    ids = [h["message_id"] for h in _hits(await _search(ws, "кошки "))]
    assert ids[0] == best["id"] and ids[1:] == [m["id"] for m in reversed(same)]

    monkeypatch.setattr(message_search, "CANDIDATES", 3)
    capped = await _search(ws, "кошки ")
    assert [h["message_id"] for h in _hits(capped)] == [m["id"] for m in reversed(same[1:])]


async def test_the_candidates_are_the_newest_matches_whatever_the_word_frequency(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The capped candidates are the newest matches however the query finds them: the
    backwards walk (a common word), the index inside a window of newest messages (a middle
    one) or the whole index (a rare one) — shrunk here to a few messages."""
    ws = workspace
    monkeypatch.setattr(message_search, "CANDIDATES", 3)
    monkeypatch.setattr(message_search, "PROBE_ROWS", 4)
    visitor = await ws.visitor("Окно")
    ids: dict[str, list[int]] = {"common": [], "middle": [], "rare": []}
    for n in range(24):
        words = ["привет"]
        if n % 2 == 0:
            words.append("частое")
        if n in (1, 9, 13, 21):
            words.append("среднее")
        if n in (2, 5):
            words.append("редкое")
        sent = await visitor.say(" ".join(words) + f" номер{n}")
        for word, kind in (("частое", "common"), ("среднее", "middle"), ("редкое", "rare")):
            if word in words:
                ids[kind].append(int(sent["id"]))
    for kind, word in (("common", "частое"), ("middle", "среднее"), ("rare", "редкое")):
        found = [h["message_id"] for h in _hits(await _search(ws, word + " ", limit=10))]
        assert sorted(found, reverse=True) == sorted(ids[kind], reverse=True)[:3], kind
