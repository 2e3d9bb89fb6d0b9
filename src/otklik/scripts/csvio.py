"""Canned answers to and from CSV (Excel and LibreOffice friendly).

Columns: ``shortcut,title,text,category,scope,team`` (``team`` is the team's name, so a file
moves between installations). Export writes UTF-8 with a BOM so Excel shows Cyrillic right;
cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) get a leading
``'``, which import takes off again. Import reads UTF-8 (BOM or not) or Windows-1251, with
``,`` ``;`` or tab between cells, and is all or nothing: one bad row and nothing is saved.
"""

from __future__ import annotations

import csv
import io
from typing import Literal

from pydantic import ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import Agent, Team
from otklik.core.clock import utcnow
from otklik.core.errors import AppError, invalid
from otklik.scripts import canned, events, scopes
from otklik.scripts.models import CannedAnswer
from otklik.scripts.schemas import CannedAnswerIn, ImportResult

COLUMNS = ("shortcut", "title", "text", "category", "scope", "team")
REQUIRED = ("shortcut", "title", "text")
MAX_ROWS = 5000
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
OnConflict = Literal["skip", "update", "fail"]


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA) else value


def _uncell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA) else value


async def export_csv(session: AsyncSession, *, agent: Agent, scope: str | None) -> str:
    answers = await canned.list_answers(session, agent=agent, scope=scope, limit=MAX_ROWS)
    team_ids = {a.team_id for a in answers if a.team_id is not None}
    names: dict[int, str] = {}
    if team_ids:
        found = await session.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids)))
        names = {team_id: name for team_id, name in found}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for a in sorted(answers, key=lambda a: (a.scope, a.category or "", a.shortcut)):
        team = names.get(a.team_id, "") if a.team_id is not None else ""
        row = (a.shortcut, a.title, a.text, a.category or "", a.scope, team)
        writer.writerow([_cell(v) for v in row])
    return "\ufeff" + out.getvalue()


def decode(body: bytes, charset: str | None) -> str:
    if charset:
        try:
            return body.decode(charset).removeprefix("\ufeff")
        except (LookupError, UnicodeDecodeError) as exc:
            raise AppError(400, "bad_request", f"The file is not valid {charset} text.") from exc
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1251", errors="strict")


def _rows(text: str) -> list[dict[str, str]]:
    try:
        return _read_rows(text)
    except csv.Error as exc:  # e.g. a stray carriage return inside an unquoted cell
        raise invalid(f"The file is not valid CSV: {exc}.") from None


def _read_rows(text: str) -> list[dict[str, str]]:
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="": the csv module sees line ends as they are (\r, \n, \r\n), as it expects.
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise invalid(
            f"The CSV needs the columns {', '.join(REQUIRED)}; missing: {', '.join(missing)}."
        )
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise invalid(f"Unknown CSV columns: {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}.")
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            raise invalid(f"At most {MAX_ROWS} rows per import.")
        if None in row:
            raise invalid(f"Row {reader.line_num}: more cells than columns.")
        cells = {k: _uncell(v or "") for k, v in row.items()}
        if any(v.strip() for v in cells.values()):
            rows.append(cells)
    return rows


async def _parse(
    session: AsyncSession, agent: Agent, rows: list[dict[str, str]]
) -> list[tuple[CannedAnswerIn, scopes.Placement]]:
    names = {r["team"].strip() for r in rows if r.get("team", "").strip()}
    teams: dict[str, int] = {}
    if names:
        found = await session.execute(select(Team.name, Team.id).where(Team.name.in_(names)))
        teams = {name: team_id for name, team_id in found}
    parsed = []
    errors = []
    for number, row in enumerate(rows, start=2):
        team_name = row.get("team", "").strip()
        scope = row.get("scope", "").strip().lower() or ("team" if team_name else "personal")
        try:
            if team_name and team_name not in teams:
                raise ValueError(f"team: no team named {team_name!r}")
            if scope == "team" and not team_name:
                raise ValueError("team: a team's name is required for scope 'team'")
            data = CannedAnswerIn.model_validate(
                {
                    "shortcut": row.get("shortcut", ""),
                    "title": row.get("title", ""),
                    "text": row.get("text", ""),
                    "category": row.get("category") or None,
                    "scope": scope,
                    "team_id": teams.get(team_name) if team_name else None,
                }
            )
            placement = await scopes.place(
                session, agent=agent, scope=data.scope, team_id=data.team_id
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "row"
            errors.append(f"row {number}: {where}: {first['msg']}")
        except ValueError as exc:
            errors.append(f"row {number}: {exc}")
        except AppError as exc:
            errors.append(f"row {number}: {exc.message}")
        else:
            parsed.append((data, placement))
        if len(errors) >= 5:
            break
    if errors:
        raise invalid("Nothing was imported. " + "; ".join(errors))
    return parsed


async def import_csv(
    session: AsyncSession, *, agent: Agent, text: str, on_conflict: OnConflict
) -> ImportResult:
    parsed = await _parse(session, agent, _rows(text))
    keys = {(placement.key, data.shortcut) for data, placement in parsed}
    if len(keys) < len(parsed):
        raise invalid("Nothing was imported: the file has the same shortcut twice in one scope.")
    existing: dict[tuple[str, str], CannedAnswer] = {}
    if keys:
        found = await session.scalars(
            select(CannedAnswer).where(
                tuple_(CannedAnswer.scope_key, CannedAnswer.shortcut).in_(list(keys))
            )
        )
        existing = {(a.scope_key, a.shortcut): a for a in found}
    if existing and on_conflict == "fail":
        taken = ", ".join(f"/{s}" for _k, s in sorted(existing))
        raise AppError(409, "conflict", f"Nothing was imported: these shortcuts exist: {taken}.")
    created = updated = skipped = 0
    now = utcnow()
    for data, placement in parsed:
        answer = existing.get((placement.key, data.shortcut))
        if answer is not None and on_conflict == "skip":
            skipped += 1
            continue
        if answer is None:
            answer = CannedAnswer(
                shortcut=data.shortcut, usage_count=0, created_by_id=agent.id, created_at=now
            )
            scopes.apply(answer, placement)
            session.add(answer)
            created += 1
        else:
            updated += 1
        answer.title = data.title
        answer.text = data.text
        answer.category = data.category
        answer.updated_at = now
        answer.search_text = canned.search_text(answer)
    await scopes.flush_unique(
        session, "Nothing was imported: a shortcut was taken meanwhile; try again."
    )
    if created or updated:
        await events.imported(session, created=created, updated=updated)
    return ImportResult(created=created, updated=updated, skipped=skipped)
