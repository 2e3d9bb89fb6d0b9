"""The contacts list and search (``GET /api/v1/contacts``) over N contacts: p50/p95 of each
kind of query through the listing service exactly as the endpoint calls it (an admin's
scope), beside the same query as raw SQL in the same run.

Seeds N contacts with one ``INSERT … SELECT`` over a generated series, in its order (names
from 100 surnames spread evenly over the ids as in a real workspace, a unique email and
phone each, a tag on 1 %), the search index filled by its triggers (SQLite) or its
generated column (PostgreSQL), and an address row per email and phone as the API writes
them.

    python -m bench.contacts --contacts 1000000 [--database postgresql+asyncpg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select, text

from bench.cli import add_storage_args, storage_settings
from bench.report import summary_ms
from otklik.accounts import access
from otklik.config import Settings
from otklik.contacts.listing import Filters, list_contacts
from otklik.contacts.models import Contact
from otklik.core.db import Database
from otklik.core.fulltext import analyze
from otklik.core.migrate import upgrade_async
from otklik.wiring import install

SURNAMES = (
    "Ivanov Petrov Sidorov Smirnov Kuznetsov Popov Vasiliev Sokolov Mikhailov Novikov "
    "Fedorov Morozov Volkov Alekseev Lebedev Semenov Egorov Pavlov Kozlov Stepanov "
    "Nikolaev Orlov Andreev Makarov Nikitin Zakharov Zaitsev Soloviev Borisov Yakovlev "
    "Grigoriev Romanov Vorobiev Sergeev Kuzmin Frolov Alexandrov Dmitriev Korolev Gusev "
    "Kiselev Ilyin Maksimov Polyakov Sorokin Vinogradov Kovalev Belov Medvedev Antonov "
    "Tarasov Zhukov Baranov Filippov Komarov Davydov Belyaev Gerasimov Bogdanov Osipov "
    "Sidorenko Matveev Titov Markov Mironov Krylov Kulikov Karpov Vlasov Melnikov "
    "Denisov Gavrilov Tikhonov Kazakov Afanasiev Danilov Savelyev Timofeev Fomin Chernov "
    "Abramov Martynov Efimov Fedotov Shcherbakov Nazarov Kalinin Isaev Chernyshev Bykov "
    "Maslov Rodionov Konovalov Lazarev Voronin Klimov Filatov Ponomarev Golubev Kudryavtsev"
).split()
_SEED_SQL = """
INSERT INTO contacts (name, email, attributes, visitor, created_at, updated_at, search_terms,
                      other_emails, phones, tags, consent, last_seen_at)
SELECT 'Client' || n || ' ' || s.surname,
       'client' || n || '@corp' || (n % 5000) || '.example',
       '{{}}', '{{}}', {now}, {now},
       'client' || n || ' ' || s.term || ' client' || n || ' corp' || (n % 5000) || ' exampl'
         || ' 7' || (9000000000 + n),
       '[]', CAST('["+7' || (9000000000 + n) || '"]' AS {json}),
       CAST(CASE WHEN n % 100 = 0 THEN '["vip"]' ELSE '[]' END AS {json}), '{{}}', {now}
FROM {series} JOIN surnames s ON s.k = n % 100
ORDER BY n
"""


def _series(dialect: str, n: int) -> str:
    if dialect == "postgresql":
        return f"generate_series(1, {n}) AS seq(n)"
    return f"(WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n}) SELECT n FROM seq) AS seq"  # noqa: E501


async def seed(db: Database, n: int) -> None:
    dialect = db.dialect
    now = "CURRENT_TIMESTAMP" if dialect == "sqlite" else "now()"
    async with db.session(write=True) as session:
        temp = "TEMP " if dialect == "sqlite" else "TEMPORARY "
        await session.execute(
            text(f"CREATE {temp}TABLE surnames (k INTEGER, surname TEXT, term TEXT)")
        )
        await session.execute(
            text("INSERT INTO surnames VALUES (:k, :surname, :term)"),
            [{"k": k, "surname": s, "term": analyze(s)} for k, s in enumerate(SURNAMES)],
        )
        json = "json" if dialect == "postgresql" else "TEXT"
        await session.execute(
            text(_SEED_SQL.format(now=now, series=_series(dialect, n), json=json))
        )
        await session.execute(
            text(
                "INSERT INTO contact_addresses (contact_id, kind, value)"
                " SELECT id, 'email', email FROM contacts WHERE email IS NOT NULL"
            )
        )
        phone = "'+7' || (9000000000 + id)"
        await session.execute(
            text(
                "INSERT INTO contact_addresses (contact_id, kind, value)"
                f" SELECT id, 'phone', {phone} FROM contacts"
            )
        )
        await session.execute(
            text(
                "INSERT INTO contact_tags (contact_id, tag)"
                " SELECT id, 'vip' FROM contacts WHERE id % 100 = 0"
            )
        )
    async with db.read_engine.connect() as conn:
        if dialect == "postgresql":
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE contacts"))
            await conn.execute(text("VACUUM ANALYZE contact_addresses"))
            await conn.execute(text("VACUUM ANALYZE contact_tags"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()


def cases(n: int, dialect: str) -> list[tuple[str, Filters, str, dict[str, Any]]]:
    """(label, the service's filters, the equivalent raw SQL, its parameters)."""
    rare = n // 2
    fts = (
        "SELECT c.id FROM contacts c JOIN contacts_fts f ON f.rowid = c.id"
        " WHERE contacts_fts MATCH :q ORDER BY f.rowid DESC LIMIT 51"
        if dialect == "sqlite"
        else "SELECT id FROM contacts WHERE search_tsv @@ to_tsquery('simple', :q)"
        " ORDER BY id DESC LIMIT 51"
    )
    fts_arg = (lambda word: f'"{word}"*') if dialect == "sqlite" else (lambda word: f"{word}:*")
    return [
        ("first page", Filters(), "SELECT id FROM contacts ORDER BY id DESC LIMIT 51", {}),
        (
            "name, 1 % match ('Petrov')",
            Filters(q="Petrov"),
            fts,
            {"q": fts_arg(analyze("Petrov"))},
        ),
        (
            f"name, 1 match ('Client{rare}')",
            Filters(q=f"Client{rare}"),
            fts,
            {"q": fts_arg(f"client{rare}")},
        ),
        (
            "email, exact",
            Filters(q=f"CLIENT{rare}@corp{rare % 5000}.example"),
            "SELECT id FROM contacts WHERE id IN (SELECT contact_id FROM contact_addresses"
            " WHERE kind = 'email' AND value = :v UNION SELECT id FROM contacts WHERE email = :v)"
            " ORDER BY id DESC LIMIT 51",
            {"v": f"client{rare}@corp{rare % 5000}.example"},
        ),
        (
            "phone, written another way",
            Filters(q=f"8 ({str(9000000000 + rare)[:3]}) {str(9000000000 + rare)[3:]}"),
            "SELECT id FROM contacts WHERE id IN (SELECT contact_id FROM contact_addresses"
            " WHERE kind = 'phone' AND value = :v) ORDER BY id DESC LIMIT 51",
            {"v": f"+7{9000000000 + rare}"},
        ),
        (
            "tag 'vip' (1 %)",
            Filters(tag="vip"),
            "SELECT id FROM contacts WHERE id IN (SELECT contact_id FROM contact_tags"
            " WHERE tag = 'vip') ORDER BY id DESC LIMIT 51",
            {},
        ),
    ]


async def _time(rounds: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    await call()  # warm
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - t0)
    return samples


async def run(settings: Settings, n: int, rounds: int) -> None:
    await upgrade_async(settings)
    install()
    db = Database(settings)
    try:
        async with db.session(write=False) as session:
            existing = int(
                (await session.execute(select(func.count()).select_from(Contact))).scalar_one()
            )
        if existing < n:
            t0 = time.monotonic()
            await seed(db, n - existing)
            print(f"seeded {n - existing:,} contacts in {time.monotonic() - t0:.1f} s")
        admin = access.Scope(agent_id=1, role="admin", inbox_ids=frozenset(), team_ids=frozenset())
        print(f"{'query':40} {'target':8} {'p50 ms':>8} {'p95 ms':>8} {'found':>6}")
        for label, filters, sql, params in cases(n, db.dialect):
            async with db.session(write=False) as session:
                access.bind(session, admin)
                page = await list_contacts(session, filters, before=None, limit=50)

                async def service(session: Any = session, filters: Filters = filters) -> Any:
                    return await list_contacts(session, filters, before=None, limit=50)

                async def raw(session: Any = session, sql: str = sql, params: Any = params) -> Any:
                    rows = (await session.execute(text(sql), params)).scalars().all()
                    return (
                        await session.execute(select(Contact).where(Contact.id.in_(rows)))
                    ).all()

                for target, call in (("otklik", service), ("raw-sql", raw)):
                    stats = summary_ms(await _time(rounds, call))
                    print(
                        f"{label:40} {target:8} {stats['p50_ms']:8.2f}"
                        f" {stats['p95_ms']:8.2f} {len(page.items):6}"
                    )
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contacts", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=50)
    add_storage_args(ap)
    args = ap.parse_args(argv)
    settings = storage_settings(args, "contacts")
    asyncio.run(run(settings, args.contacts, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
