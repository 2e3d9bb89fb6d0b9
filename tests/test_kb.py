"""Knowledge base (issue 13, ADR 25): roles, revisions, the search kind with Russian word
forms, the public help center and the widget's suggestions — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import httpx

from otklik.kb import public
from otklik.kb.render import render, slugify
from tests.support import HTTP_TIMEOUT, Workspace


def test_markdown_is_rendered_and_scripts_are_neutralised() -> None:
    html = render(
        "# Заголовок\n\n**жирный** [ok](https://example.com) [bad](javascript:alert(1))\n\n"
        '<script>alert(1)</script> <img src=x onerror="alert(2)">\n\n'
        '![pic](https://example.com/a.png "t") ![x](javascript:alert(3))\n\n'
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<h1>Заголовок</h1>" in html and "<strong>жирный</strong>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>' in html
    assert '<img src="https://example.com/a.png" alt="pic" title="t">' in html
    assert "<table>" in html
    # Raw HTML is shown as text, never run; a javascript: link is not made a link.
    assert "<script" not in html and "&lt;script&gt;" in html
    assert not re.search(r"(href|src)=\"?javascript", html)
    assert not re.search(r"<img[^>]*onerror", html)
    assert slugify("Как вернуть заказ?") == "kak-vernut-zakaz"


async def _post(ws: Workspace, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    response = await ws.api.post(path, headers=ws.auth(token), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _article(ws: Workspace, token: str | None = None, **body: Any) -> dict[str, Any]:
    result: dict[str, Any] = await _post(ws, "/api/v1/kb/articles", body, token)
    return result


async def test_roles_revisions_translations_and_search(workspace: Workspace) -> None:
    ws = workspace
    _, agent = await ws.agent("writer@example.com")
    _, lead = await ws.agent("lead@example.com", role="supervisor")
    # Categories: supervisors and admins; an agent may not.
    refused = await ws.api.post(
        "/api/v1/kb/categories",
        headers=ws.auth(agent),
        json={"name_ru": "Оплата", "name_en": "Payment", "slug": "payment"},
    )
    assert refused.status_code == 403
    category = await _post(
        ws,
        "/api/v1/kb/categories",
        {"name_ru": "Оплата", "name_en": "Payment", "slug": "payment"},
        lead,
    )
    section = await _post(
        ws,
        "/api/v1/kb/categories",
        {
            "name_ru": "Возвраты",
            "name_en": "Refunds",
            "slug": "refunds",
            "parent_id": category["id"],
        },
    )
    nested = await ws.api.post(
        "/api/v1/kb/categories",
        headers=ws.auth(),
        json={"name_ru": "x", "name_en": "x", "slug": "x", "parent_id": section["id"]},
    )
    assert nested.status_code == 422

    # An agent writes a draft but may not publish it.
    draft = await _article(
        ws,
        agent,
        language="ru",
        title="Как вернуть заказ",
        body="Напишите нам номер заказа.",
        category_id=section["id"],
    )
    assert draft["slug"] == "kak-vernut-zakaz" and draft["status"] == "draft"
    path = f"/api/v1/kb/articles/{draft['id']}"
    publish = await ws.api.patch(path, headers=ws.auth(agent), json={"status": "published"})
    assert publish.status_code == 403
    edited = await ws.api.patch(
        path, headers=ws.auth(agent), json={"body": "Напишите нам номер заказа и причину."}
    )
    assert edited.status_code == 200, edited.text
    published = await ws.api.patch(path, headers=ws.auth(lead), json={"status": "published"})
    assert published.json()["status"] == "published" and published.json()["published_at"]
    # Published: only a publisher edits it now.
    late = await ws.api.patch(path, headers=ws.auth(agent), json={"title": "Другое"})
    assert late.status_code == 403

    # The English version, linked both ways.
    english = await _article(
        ws,
        language="en",
        title="How to return an order",
        body="Send us the order number.",
        translation_of=draft["id"],
        status="published",
    )
    assert english["translations"] == {"ru": draft["id"]}
    again = (await ws.api.get(path, headers=ws.auth())).json()
    assert again["translations"] == {"en": english["id"]}

    # Revisions: two saves of the Russian one; the diff and a restore.
    revisions = (await ws.api.get(f"{path}/revisions", headers=ws.auth())).json()["items"]
    assert [r["number"] for r in revisions] == [2, 1]
    first = revisions[-1]["id"]
    diff = (await ws.api.get(f"{path}/revisions/{first}/diff", headers=ws.auth())).json()["diff"]
    assert (
        "-Напишите нам номер заказа.\n" in diff
        and "+Напишите нам номер заказа и причину.\n" in diff
    )
    restored = await ws.api.post(f"{path}/revisions/{first}/restore", headers=ws.auth(lead))
    assert restored.json()["body"] == "Напишите нам номер заказа."
    revisions = (await ws.api.get(f"{path}/revisions", headers=ws.auth())).json()["items"]
    assert revisions[0]["number"] == 3

    # The search box finds it by another word form ("заказов"), in the same transaction's
    # index; internal articles too (for operators) — and the search service's kind filter.
    await _article(
        ws,
        language="ru",
        title="Внутренний регламент возвратов",
        internal=True,
        body="Возврат одобряет старший смены.",
        status="published",
    )
    found = await ws.api.get(
        "/api/v1/search", headers=ws.auth(agent), params={"q": "заказов", "kinds": "articles"}
    )
    assert found.status_code == 200, found.text
    titles = [h["title"] for g in found.json()["groups"] for h in g["hits"]]
    assert any(t.startswith("Как вернуть заказ") for t in titles)
    internal = await ws.api.get(
        "/api/v1/search", headers=ws.auth(agent), params={"q": "возврату", "kinds": "articles"}
    )
    assert [h["private"] for g in internal.json()["groups"] for h in g["hits"]] == [True]


async def test_help_center_shows_only_published_public_articles(workspace: Workspace) -> None:
    ws = workspace
    await _article(
        ws,
        language="ru",
        title="Доставка заказов",
        body="Доставляем **быстро**. <script>x()</script>",
        status="published",
    )
    await _article(ws, language="ru", title="Черновик о доставке", body="секрет")
    await _article(
        ws,
        language="ru",
        title="Внутреннее о доставке",
        body="секрет",
        internal=True,
        status="published",
    )
    base = f"/help/{ws.inbox_key}/ru"
    page = await ws.api.get(f"{base}/articles/dostavka-zakazov")
    assert page.status_code == 200
    assert "<strong>быстро</strong>" in page.text and "<script>x()" not in page.text
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert '<meta name="description" content="Доставляем быстро.' in page.text
    for slug in ("chernovik-o-dostavke", "vnutrennee-o-dostavke", "nothing-here"):
        assert (await ws.api.get(f"{base}/articles/{slug}")).status_code == 404
    # Search by another word form: only the public one.
    found = await ws.api.get(f"{base}/search", params={"q": "доставка"})
    assert found.text.count('data-testid="help-hit"') == 1 and "Доставка заказов" in found.text
    sitemap = (await ws.api.get(f"/help/{ws.inbox_key}/sitemap.xml")).text
    assert "/ru/articles/dostavka-zakazov" in sitemap and "chernovik" not in sitemap
    assert "vnutrennee" not in sitemap
    # A vote is a plain form post; the view was counted.
    voted = await ws.api.post(f"{base}/articles/dostavka-zakazov/vote", data={"helpful": "yes"})
    assert voted.status_code == 303
    listed = (
        await ws.api.get(
            "/api/v1/kb/articles",
            headers=ws.auth(),
            params={"status": "published", "language": "ru"},
        )
    ).json()["items"]
    public_id = next(a["id"] for a in listed if a["slug"] == "dostavka-zakazov")
    article = (await ws.api.get(f"/api/v1/kb/articles/{public_id}", headers=ws.auth())).json()
    assert article["helpful_yes"] == 1 and article["views"] == 1
    bad = await ws.api.post(f"{base}/articles/dostavka-zakazov/vote", data={"helpful": "maybe"})
    assert bad.status_code == 422
    home = await ws.api.get(f"/help/{ws.inbox_key}/en/")
    assert home.status_code == 200 and "Help center" in home.text
    assert 'data-testid="help-logo"' not in home.text

    # The inbox's logo heads its help center: an https address only.
    for bad_logo in ("javascript:alert(1)", "http://cdn.example/logo.png", 'https://x/"a'):
        refused = await ws.api.patch(
            f"/api/v1/inboxes/{ws.inbox_id}",
            headers=ws.auth(),
            json={"settings": {"logo_url": bad_logo}},
        )
        assert refused.status_code == 422, bad_logo
    logo = "https://cdn.example/logo.png"
    saved = await ws.api.patch(
        f"/api/v1/inboxes/{ws.inbox_id}", headers=ws.auth(), json={"settings": {"logo_url": logo}}
    )
    assert saved.status_code == 200 and saved.json()["settings"]["logo_url"] == logo
    home = await ws.api.get(f"/help/{ws.inbox_key}/en/")
    assert f'<img class="logo" src="{logo}" alt="" data-testid="help-logo">' in home.text


async def test_widget_suggests_public_articles_and_records_deflections(
    workspace: Workspace,
) -> None:
    ws = workspace
    public = await _article(
        ws,
        language="ru",
        title="Как вернуть деньги за заказ",
        body="Возврат денег за заказ занимает три дня.",
        status="published",
    )
    draft = await _article(ws, language="ru", title="Возврат денег: черновик", body="заказ")
    await _article(
        ws,
        language="ru",
        title="Возврат денег внутри",
        body="заказ",
        internal=True,
        status="published",
    )
    found = await ws.api.get(
        "/api/v1/widget/kb/suggestions",
        params={"inbox": ws.inbox_key, "q": "Здравствуйте, хочу вернуть деньги за заказы"},
    )
    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert [i["id"] for i in items] == [public["id"]]
    assert items[0]["url"] == f"/help/{ws.inbox_key}/ru/articles/{public['slug']}"
    unknown = await ws.api.get("/api/v1/widget/kb/suggestions", params={"inbox": "nope", "q": "x"})
    assert unknown.status_code == 404
    deflected = await ws.api.post(
        "/api/v1/widget/kb/deflections", json={"inbox": ws.inbox_key, "article_id": public["id"]}
    )
    assert deflected.status_code == 204
    hidden = await ws.api.post(
        "/api/v1/widget/kb/deflections", json={"inbox": ws.inbox_key, "article_id": draft["id"]}
    )
    assert hidden.status_code == 404

    # The reply box: articles for the customer's last messages.
    visitor = await ws.visitor("Анна")
    said = await visitor.say("Добрый день! Как мне вернуть деньги?")
    suggestions = await ws.api.get(
        f"/api/v1/conversations/{said['conversation_id']}/kb-suggestions", headers=ws.auth()
    )
    assert suggestions.status_code == 200, suggestions.text
    assert public["id"] in [s["id"] for s in suggestions.json()["items"]]


async def test_bad_input_is_a_clear_4xx(workspace: Workspace) -> None:
    ws = workspace
    first = await _article(ws, language="ru", title="Оплата картой", slug="card")
    taken = await ws.api.post(
        "/api/v1/kb/articles",
        headers=ws.auth(),
        json={"language": "ru", "title": "x", "slug": "card"},
    )
    assert taken.status_code == 409
    same_language = await ws.api.post(
        "/api/v1/kb/articles",
        headers=ws.auth(),
        json={"language": "ru", "title": "y", "translation_of": first["id"]},
    )
    assert same_language.status_code == 422
    bad_slug = await ws.api.post(
        "/api/v1/kb/articles",
        headers=ws.auth(),
        json={"language": "ru", "title": "x", "slug": "Not A Slug"},
    )
    assert bad_slug.status_code == 422
    # A generated slug that is taken gets a number.
    second = await _article(ws, language="ru", title="Оплата картой")
    assert second["slug"] == "oplata-kartoy"
    third = await _article(ws, language="ru", title="Оплата картой")
    assert third["slug"] == "oplata-kartoy-2"
    assert isinstance(httpx.codes.NOT_FOUND, int)


async def test_editor_preview_is_sanitised(workspace: Workspace) -> None:
    ws = workspace
    response = await ws.api.post(
        "/api/v1/kb/preview",
        headers=ws.auth(),
        json={"body": "**да** <img src=x onerror=alert(1)> [x](javascript:alert(1))"},
    )
    assert response.status_code == 200
    html = response.json()["html"]
    assert "<strong>да</strong>" in html and "<img" not in html and 'href="javascript' not in html


async def test_help_center_refuses_odd_addresses(workspace: Workspace) -> None:
    ws = workspace
    for path in ("/help/-/ru/articles/a%00b", "/help/-/ru/categories/%D0%B0" + "x" * 200):
        assert (await ws.api.get(path)).status_code == 422
    assert (await ws.api.get("/help/-/de/")).status_code == 422
    assert (await ws.api.get("/help/unknown-key/ru/")).status_code == 404


async def test_article_files_are_public_with_the_article_and_go_with_it(
    workspace: Workspace, settings: Any
) -> None:
    from otklik.attachments import service as attachment_service
    from otklik.core.db import Database
    from tests.test_attachments import tiny_png

    ws = workspace
    _, writer = await ws.agent("writer@example.com")
    draft = await _article(ws, writer, language="ru", title="Как оплатить", body="Текст")
    upload = f"/api/v1/kb/articles/{draft['id']}/files"
    image = await ws.api.post(
        upload, headers=ws.auth(writer), files={"file": ("экран.png", tiny_png(), "image/png")}
    )
    assert image.status_code == 201, image.text
    shown = image.json()
    assert shown["inline"] is True and shown["content_type"] == "image/png"
    assert shown["markdown"] == f"![экран.png]({shown['url']})"
    pdf = await ws.api.post(
        upload, headers=ws.auth(writer), files={"file": ("price.pdf", b"%PDF-1.4 x", "x/y")}
    )
    assert pdf.status_code == 201, pdf.text
    assert pdf.json()["markdown"].startswith("[price.pdf](/kb-files/")

    async with httpx.AsyncClient(base_url=ws.server.url, timeout=HTTP_TIMEOUT) as reader:
        # A draft's files are for operators only; nobody else learns they exist.
        assert (await reader.get(shown["url"])).status_code == 404
        seen = await ws.api.get(shown["url"], headers=ws.auth(writer))
        assert seen.status_code == 200 and seen.content == tiny_png()
        published = await ws.api.patch(
            f"/api/v1/kb/articles/{draft['id']}",
            headers=ws.auth(),
            json={"status": "published", "body": f"Вот так:\n\n{shown['markdown']}"},
        )
        assert published.status_code == 200, published.text
        public = await reader.get(shown["url"])
        assert public.status_code == 200 and public.content == tiny_png()
        assert public.headers["content-type"] == "image/png"
        page = await reader.get(f"/help/-/ru/articles/{published.json()['slug']}")
        assert f'<img src="{shown["url"]}" alt="экран.png">' in page.text
        # Once published, only publishers add files; an internal article's files are private.
        refused = await ws.api.post(
            upload, headers=ws.auth(writer), files={"file": ("b.png", tiny_png(), "image/png")}
        )
        assert refused.status_code == 403
        hidden = await ws.api.patch(
            f"/api/v1/kb/articles/{draft['id']}", headers=ws.auth(), json={"internal": True}
        )
        assert hidden.status_code == 200
        assert (await reader.get(shown["url"])).status_code == 404
        # A file of no article, a made-up one, an empty upload: clear answers.
        assert (await reader.get("/kb-files/999999/x.png")).status_code == 404
        empty = await ws.api.post(
            upload, headers=ws.auth(), files={"file": ("e.png", b"", "image/png")}
        )
        assert empty.status_code == 422
        missing = await ws.api.post(
            "/api/v1/kb/articles/999999/files",
            headers=ws.auth(),
            files={"file": ("a.png", tiny_png(), "image/png")},
        )
        assert missing.status_code == 404

    # Unsent-upload housekeeping leaves articles' files alone; deleting the article removes
    # them, from the disk too.
    db = Database(settings)
    try:
        from datetime import timedelta

        async with db.session(write=True) as session:
            pruned = await attachment_service.prune_unsent(
                session, settings=settings, older_than=timedelta(0)
            )
        assert pruned == 0
        async with db.session(write=False) as session:
            row = await attachment_service.of_article(session, attachment_id=shown["id"])
            path = attachment_service.file_path(settings, row)
        assert path.is_file()
        gone = await ws.api.delete(f"/api/v1/kb/articles/{draft['id']}", headers=ws.auth())
        assert gone.status_code == 204
        assert not path.exists()
        assert (await ws.api.get(shown["url"], headers=ws.auth())).status_code == 404
    finally:
        await db.dispose()


async def test_a_large_sitemap_is_an_index_of_numbered_files(
    workspace: Workspace, monkeypatch: Any
) -> None:
    """Past one file's worth of addresses, sitemap.xml lists numbered files that together
    hold every public article once (and nothing else)."""
    ws = workspace
    monkeypatch.setattr(public, "SITEMAP_PAGE", 2)
    for title in ("Первая", "Вторая", "Третья"):
        await _article(ws, language="ru", title=title, status="published")
    await _article(ws, language="ru", title="Скрытая", status="published", internal=True)
    await _article(ws, language="ru", title="Набросок")
    index = await ws.api.get(f"/help/{ws.inbox_key}/sitemap.xml")
    assert index.status_code == 200 and "<sitemapindex" in index.text
    files = re.findall(r"<loc>[^<]*/help/[^/]+/(sitemap-\d+\.xml)</loc>", index.text)
    assert files == ["sitemap-1.xml", "sitemap-2.xml"]
    listed = []
    for name in files:
        page = await ws.api.get(f"/help/{ws.inbox_key}/{name}")
        assert page.status_code == 200 and "<urlset" in page.text
        listed += re.findall(r"/ru/articles/([a-z0-9-]+)</loc>", page.text)
    assert sorted(listed) == ["pervaya", "tretya", "vtoraya"]
    assert (await ws.api.get(f"/help/{ws.inbox_key}/sitemap-3.xml")).status_code == 404
    assert (await ws.api.get(f"/help/{ws.inbox_key}/sitemap-0.xml")).status_code == 422
