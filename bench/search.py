"""Search latency over N messages: a rare, a middle and a very common word in each language.

Seeds a workspace (``otklik.demo``: contacts, inboxes, N/10 conversations), then N messages of
a synthetic Russian and English corpus written the way the app writes them (``insert`` of
``Message``: the column default computes the search terms, the index follows in the same
transaction). Each query is asked in a *different word form* than most of its matches
("заказов" for "заказ", "orders" for "order"), through the search service exactly as
``GET /api/v1/search`` calls it (parse, the capped candidate query, ranking, snippets), and,
in the same run, as the raw FTS query: FTS5's own ``ORDER BY rank`` / PostgreSQL's
``ts_rank`` over every match, and the capped candidate query alone.

    python -m bench.search --messages 20000 [--database postgresql+asyncpg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, text

from bench.cli import add_storage_args, storage_settings
from bench.report import Check, Reporter, Result, summary_ms
from otklik import demo
from otklik.config import Settings
from otklik.conversations.models import Conversation, Message
from otklik.core.db import Database
from otklik.core.fulltext import parse, pg_tsquery
from otklik.core.migrate import upgrade_async
from otklik.search import service as search
from otklik.search.schemas import CANDIDATES
from otklik.wiring import install

#: (language, how common, the forms written in messages, the form searched for, share of
#: that language's messages holding it).
WORDS = (
    ("ru", "rare", ("ёлка", "ёлки", "ёлку"), "елками", 0.0002),
    ("ru", "middle", ("доставка", "доставки", "доставку"), "доставкой", 0.01),
    ("ru", "common", ("заказ", "заказа", "заказу"), "заказов", 0.4),
    ("en", "rare", ("refund", "refunded"), "refunds", 0.0002),
    ("en", "middle", ("delivery", "delivered"), "deliveries", 0.01),
    ("en", "common", ("order", "ordered"), "orders", 0.4),
)
_SYLLABLES = {
    "ru": "ка ло ми ну ра те по ве сти жи да бо ры ша ню зо".split(),
    "en": "ka lo mi nu ra te po ve sti ji da bo ry sha new zo".split(),
}
BATCH = 5000


def _fillers(language: str, rng: random.Random, count: int = 5000) -> list[str]:
    syllables = _SYLLABLES[language]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(count)]


def corpus(n: int, seed: int = 7) -> list[str]:
    """``n`` messages, half Russian, half English, 8–20 words with Zipf-like fillers."""
    rng = random.Random(seed)
    fillers = {lang: _fillers(lang, rng) for lang in _SYLLABLES}
    weights = [1 / (rank + 1) for rank in range(5000)]
    texts = []
    for i in range(n):
        language = "ru" if i % 2 == 0 else "en"
        words = rng.choices(fillers[language], weights, k=rng.randint(8, 20))
        for lang, _, forms, _, share in WORDS:
            if lang == language and rng.random() < share:
                words.insert(rng.randrange(len(words)), rng.choice(forms))
        texts.append(" ".join(words).capitalize() + ".")
    return texts


async def seed(db: Database, n: int, progress: Callable[[int], None]) -> None:
    await demo.ensure_workspace(db)
    await demo.add_conversations(
        db, count=max(1, n // 10), messages_per_conversation=1, progress=None, seed=1
    )
    async with db.session(write=False) as session:
        conversation_ids = list((await session.execute(select(Conversation.id))).scalars())
    texts = corpus(n)
    for start in range(0, n, BATCH):
        rows = [
            {
                "conversation_id": conversation_ids[(start + i) % len(conversation_ids)],
                "author_type": "contact",
                "private": False,
                "text": body,
            }
            for i, body in enumerate(texts[start : start + BATCH])
        ]
        async with db.session(write=True) as session:
            await session.execute(insert(Message), rows)
        progress(len(rows))
    # Statistics for the planner, and (PostgreSQL) the GIN index's pending list merged, as
    # autovacuum would have done on a database that grew over months, not in a minute.
    async with db.read_engine.connect() as conn:
        if db.dialect == "postgresql":
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE messages"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()


def _raw_queries(dialect: str) -> tuple[str, str]:
    """The raw FTS query ranked over every match, and the capped candidates alone."""
    if dialect == "sqlite":
        return (
            "SELECT rowid, bm25(messages_fts) FROM messages_fts WHERE messages_fts MATCH :q"
            " ORDER BY rank LIMIT 10",
            "SELECT rowid, bm25(messages_fts) FROM messages_fts WHERE messages_fts MATCH :q"
            f" ORDER BY rowid DESC LIMIT {CANDIDATES}",
        )
    q = "to_tsquery('simple'::regconfig, '{q}')"  # inlined, as the service does
    return (
        f"SELECT id FROM messages WHERE search_tsv @@ {q}"
        f" ORDER BY ts_rank(search_tsv, {q}) DESC LIMIT 10",
        f"SELECT id, ts_rank(search_tsv, {q}) FROM messages WHERE search_tsv @@ {q}"
        f" ORDER BY id DESC LIMIT {CANDIDATES}",
    )


@dataclass
class Series:
    language: str
    frequency: str
    query: str
    matches: int = 0
    service: list[float] | None = None
    raw_ranked: list[float] | None = None
    raw_capped: list[float] | None = None


async def _time(rounds: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    await call()  # warm
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - t0)
    return samples


async def measure(db: Database, rounds: int) -> list[Series]:
    ranked_sql, capped_sql = _raw_queries(db.dialect)
    out = []
    for language, frequency, _, asked, _ in WORDS:
        series = Series(language, frequency, asked)
        query = parse(asked + " ")
        assert query is not None
        match = (
            pg_tsquery(query) if db.dialect == "postgresql" else f'"{query.clauses[0].terms[0]}"'
        )
        async with db.session(write=False) as session:
            count_sql = (
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH :q"
                if db.dialect == "sqlite"
                else "SELECT count(*) FROM messages"
                " WHERE search_tsv @@ to_tsquery('simple'::regconfig, :q)"
            )
            series.matches = int(
                (await session.execute(text(count_sql), {"q": match})).scalar_one()
            )

            async def service(session: Any = session, asked: str = asked) -> Any:
                return await search.search(session, asked + " ", kinds=["messages"])

            async def raw(sql: str, session: Any = session, match: str = match) -> Any:
                if db.dialect == "postgresql":
                    inlined = sql.format(q=match.replace("'", "''"))
                    return (await session.execute(text(inlined))).all()
                return (await session.execute(text(sql), {"q": match})).all()

            series.service = await _time(rounds, service)
            series.raw_ranked = await _time(rounds, functools.partial(raw, ranked_sql))
            series.raw_capped = await _time(rounds, functools.partial(raw, capped_sql))
        out.append(series)
    return out


def record(report: Reporter, database: str, n: int, seed_s: float, found: list[Series]) -> None:
    report.add(Result("search", "otklik", database, "seed", round(seed_s, 1), "s", {"messages": n}))
    for s in found:
        label = f"search {s.language} {s.frequency} ({s.query!r}, {s.matches:,} matches)"
        for target, samples in (
            ("otklik", s.service),
            ("raw-sql", s.raw_ranked),
            ("raw-capped", s.raw_capped),
        ):
            stats = summary_ms(samples or [])
            report.add_rows(
                label,
                target,
                database,
                [("p50", stats["p50_ms"], "ms"), ("p95", stats["p95_ms"], "ms")],
                {"messages": n, "matches": s.matches},
            )
        report.check(
            Check(
                label,
                database,
                "search p95 ≤ 50 ms",
                summary_ms(s.service or [])["p95_ms"],
                "ms",
                50.0,
                False,
            )
        )


async def run(settings: Settings, n: int, rounds: int, report: Reporter, database: str) -> None:
    await upgrade_async(settings)
    install()
    db = Database(settings)
    try:
        async with db.session(write=False) as session:
            existing = int(
                (await session.execute(select(func.count()).select_from(Message))).scalar_one()
            )
        t0 = time.monotonic()
        if existing < n:
            done = 0

            def progress(k: int) -> None:
                nonlocal done
                done += k
                if done % (BATCH * 20) == 0 or done >= n:
                    report.note("search", f"seeded {done:,} of {n:,} messages")

            await seed(db, n, progress)
        record(report, database, n, time.monotonic() - t0, await measure(db, rounds))
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=50)
    add_storage_args(ap)
    args = ap.parse_args(argv)
    settings = storage_settings(args, "search")
    report = Reporter(None)
    database = "postgres" if args.database else "sqlite"
    asyncio.run(run(settings, args.messages, args.rounds, report, database))
    print("\n" + report.table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
