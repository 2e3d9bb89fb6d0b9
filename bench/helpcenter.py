"""Help-center page latency (issue 13: p95 ≤ 50 ms per page at 10,000 articles).

Seeds N published articles per language (plus drafts and internal ones, which the pages must
skip) in 20 categories of 5 sections each, written as the app writes them (the search terms
computed, the index following in the same transaction), then asks the app itself — routing,
Jinja2, the Markdown render, the view counter's write — through an in-process HTTP client:
the home page, a category, an article (a random one each time), a search and the sitemap.

    python -m bench.helpcenter --articles 10000 [--database postgresql+asyncpg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from bench.cli import add_storage_args, storage_settings
from bench.report import Check, Reporter, Result, summary_ms
from otklik.app import create_app
from otklik.config import Settings
from otklik.core.clock import utcnow
from otklik.core.db import Database
from otklik.core.fulltext import analyze
from otklik.core.migrate import upgrade_async
from otklik.kb.models import KbArticle, KbCategory

BATCH = 2000
_WORDS = {
    "ru": "заказ доставка оплата возврат карта курьер адрес скидка подписка тариф".split(),
    "en": "order delivery payment refund card courier address discount plan invoice".split(),
}


def _body(language: str, rng: random.Random) -> str:
    words = _WORDS[language]
    paragraphs = [" ".join(rng.choice(words) for _ in range(rng.randint(30, 60))) for _ in range(4)]
    return "## " + rng.choice(words) + "\n\n" + "\n\n".join(paragraphs) + "\n\n- a\n- b\n"


async def seed(db: Database, n: int) -> list[str]:
    """``n`` articles per language; returns the Russian slugs."""
    rng = random.Random(13)
    async with db.session(write=True) as session:
        categories = []
        for c in range(20):
            parent = KbCategory(
                slug=f"cat-{c}", name_ru=f"Раздел {c}", name_en=f"Category {c}", position=c
            )
            session.add(parent)
            await session.flush()
            categories.append(parent.id)
            for s in range(5):
                section = KbCategory(
                    slug=f"cat-{c}-{s}",
                    name_ru=f"Подраздел {s}",
                    name_en=f"Section {s}",
                    parent_id=parent.id,
                    position=s,
                )
                session.add(section)
                await session.flush()
                categories.append(section.id)
    slugs = []
    now = utcnow()
    for start in range(0, n, BATCH):
        rows = []
        for i in range(start, min(n, start + BATCH)):
            for language in ("ru", "en"):
                title = f"{rng.choice(_WORDS[language])} {i}"
                body = _body(language, rng)
                status = "draft" if i % 20 == 0 else "published"
                rows.append(
                    {
                        "group_id": i + 1,
                        "language": language,
                        "category_id": rng.choice(categories),
                        "slug": f"a-{i}",
                        "title": title,
                        "body": body,
                        "status": status,
                        "internal": i % 25 == 0,
                        "position": i,
                        "created_at": now,
                        "updated_at": now,
                        "published_at": now,
                        "search_terms": analyze(title, body),
                    }
                )
            slugs.append(f"a-{i}")
        async with db.session(write=True) as session:
            await session.execute(insert(KbArticle), rows)
    return slugs


async def measure(settings: Settings, slugs: list[str], rounds: int) -> dict[str, list[float]]:
    app = create_app(settings)
    rng = random.Random(5)
    pages = {
        "home": lambda: "/help/-/ru/",
        "category": lambda: f"/help/-/ru/categories/cat-{rng.randrange(20)}",
        "article": lambda: f"/help/-/ru/articles/{rng.choice(slugs)}",
        "search": lambda: "/help/-/ru/search?q=" + rng.choice(_WORDS["ru"]),
        "sitemap": lambda: "/help/-/sitemap.xml",
    }
    out: dict[str, list[float]] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for name, path in pages.items():
                samples = []
                for k in range(rounds + 3):
                    t0 = time.perf_counter()
                    response = await client.get(path())
                    elapsed = time.perf_counter() - t0
                    assert response.status_code in (200, 404), (name, response.status_code)
                    if k >= 3:  # warm-up
                        samples.append(elapsed)
                out[name] = samples
    return out


async def run(settings: Settings, n: int, rounds: int, report: Reporter, database: str) -> None:
    await upgrade_async(settings)
    db = Database(settings)
    try:
        async with db.session(write=False) as session:
            existing = int(
                (await session.execute(select(func.count()).select_from(KbArticle))).scalar_one()
            )
        t0 = time.monotonic()
        if existing:
            rows = await _slugs(db)
        else:
            rows = await seed(db, n)
        report.add(
            Result(
                "helpcenter",
                "otklik",
                database,
                "seed",
                round(time.monotonic() - t0, 1),
                "s",
                {"articles": n},
            )
        )
    finally:
        await db.dispose()
    found = await measure(settings, rows, rounds)
    for name, samples in found.items():
        stats = summary_ms(samples)
        label = f"help center {name}"
        report.add_rows(
            label,
            "otklik",
            database,
            [("p50", stats["p50_ms"], "ms"), ("p95", stats["p95_ms"], "ms")],
            {"articles": n},
        )
        report.check(Check(label, database, "page p95 ≤ 50 ms", stats["p95_ms"], "ms", 50.0, False))


async def _slugs(db: Database) -> list[str]:
    async with db.session(write=False) as session:
        rows: Any = await session.scalars(select(KbArticle.slug).where(KbArticle.language == "ru"))
        return list(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=100)
    add_storage_args(ap)
    args = ap.parse_args(argv)
    settings = storage_settings(args, "helpcenter")
    report = Reporter(None)
    database = "postgres" if args.database else "sqlite"
    asyncio.run(run(settings, args.articles, args.rounds, report, database))
    print("\n" + report.table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
