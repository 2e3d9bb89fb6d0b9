"""Helpers of the import tests: an upload (CSV or XLSX), waiting for the job, a workbook."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

from openpyxl import Workbook

from tests.support import Workspace

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[list[Any]]) -> bytes:
    """An XLSX file whose first sheet has ``rows`` (typed cells: numbers, dates, booleans)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def start(
    ws: Workspace,
    data: bytes,
    mapping: dict[str, str],
    *,
    filename: str = "file.xlsx",
    kind: str = "contacts",
    dry_run: bool = False,
    token: str | None = None,
) -> Any:
    media = XLSX if filename.endswith(".xlsx") else "text/csv"
    return await ws.api.post(
        "/api/v1/contacts/imports",
        headers=ws.auth(token),
        files={"file": (filename, data, media)},
        data={"mapping": json.dumps(mapping), "dry_run": str(dry_run).lower(), "kind": kind},
    )


async def run(ws: Workspace, data: bytes, mapping: dict[str, str], **options: Any) -> Any:
    """The finished import (it must start: 202)."""
    response = await start(ws, data, mapping, **options)
    assert response.status_code == 202, response.text
    import_id = response.json()["id"]
    for _ in range(400):
        got = await ws.api.get(f"/api/v1/contacts/imports/{import_id}", headers=ws.auth())
        assert got.status_code == 200, got.text
        if got.json()["state"] in ("done", "failed"):
            return got.json()
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not finish")


async def columns(ws: Workspace, data: bytes, filename: str, token: str | None = None) -> Any:
    return await ws.api.post(
        "/api/v1/contacts/imports/columns",
        headers=ws.auth(token),
        files={"file": (filename, data, XLSX)},
    )


async def contacts(ws: Workspace, **params: Any) -> list[dict[str, Any]]:
    response = await ws.api.get("/api/v1/contacts", headers=ws.auth(), params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
