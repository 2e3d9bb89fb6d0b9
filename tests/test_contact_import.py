"""Importing contacts from CSV (issue 15): a column mapping, a dry run that writes nothing
and reports errors per row, the upsert by external id, email or phone (a second import of
the same file changes nothing), bad files refused, admins only; and the exports."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from typing import Any

from otklik.contacts import importing
from otklik.core.clock import utcnow
from otklik.core.db import Database
from tests.support import Workspace

MAPPING = {
    "Full name": "name",
    "E-mail": "email",
    "Phone": "phones",
    "Labels": "tags",
    "Zone": "timezone",
    "Customer no": "external_id",
    "Firm": "company",
    "Plan": "attribute:plan",
    "Ignored": "language",
}
FILE = (
    "Full name;E-mail;Phone;Labels;Zone;Customer no;Firm;Plan;Ignored\n"
    "Anna Petrova;Anna@Shop.Example;8 912 345-67-89;VIP, b2b;Europe/Moscow;C-1;Shop;gold;ru\n"
    "Boris;boris@mail.example;;;;C-2;;;\n"
    "Bad row;not-an-email;call me;;Mars/Olympus;C-3;;;\n"
    "Vera;;+44 20 7946 0958;;;;;silver;en\n"
    "\n"
)


async def _start(
    ws: Workspace,
    content: str | bytes,
    mapping: dict[str, str] | str = MAPPING,
    *,
    dry_run: bool = False,
    token: str | None = None,
) -> Any:
    data = content.encode() if isinstance(content, str) else content
    return await ws.api.post(
        "/api/v1/contacts/imports",
        headers=ws.auth(token),
        files={"file": ("contacts.csv", data, "text/csv")},
        data={
            "mapping": mapping if isinstance(mapping, str) else json.dumps(mapping),
            "dry_run": "true" if dry_run else "false",
        },
    )


async def _run(ws: Workspace, content: str, **options: Any) -> dict[str, Any]:
    response = await _start(ws, content, **options)
    assert response.status_code == 202, response.text
    import_id = response.json()["id"]
    assert response.json()["total"] == 4 or response.json()["total"] > 0
    for _ in range(400):
        got = await ws.api.get(f"/api/v1/contacts/imports/{import_id}", headers=ws.auth())
        assert got.status_code == 200, got.text
        if got.json()["state"] in ("done", "failed"):
            result: dict[str, Any] = got.json()
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not finish")


async def _contacts(ws: Workspace, **params: Any) -> list[dict[str, Any]]:
    response = await ws.api.get("/api/v1/contacts", headers=ws.auth(), params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_dry_run_reports_each_bad_row_and_writes_nothing(workspace: Workspace) -> None:
    ws = workspace
    result = await _run(ws, FILE, dry_run=True)
    assert result["state"] == "done" and result["dry_run"]
    assert (result["total"], result["done"]) == (4, 4)
    assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (
        3,
        0,
        0,
        1,
    )
    errors = {(e["row"], e["column"]) for e in result["errors"]}
    assert errors == {(3, "E-mail"), (3, "Phone"), (3, "Zone")}
    assert any("not a time zone" in e["message"] for e in result["errors"])
    assert await _contacts(ws) == []


async def test_import_maps_columns_and_a_second_import_changes_nothing(
    workspace: Workspace,
) -> None:
    ws = workspace
    first = await _run(ws, FILE)
    assert (first["created"], first["updated"], first["failed"]) == (3, 0, 1)
    anna = (await _contacts(ws, q="anna@shop.example"))[0]
    assert anna["name"] == "Anna Petrova"
    assert anna["phones"] == ["+79123456789"]
    assert anna["tags"] == ["b2b", "vip"]
    assert anna["timezone"] == "Europe/Moscow"
    assert anna["language"] == "ru"
    assert anna["attributes"]["plan"] == "gold"
    assert anna["company_id"] is not None
    company = await ws.api.get(f"/api/v1/companies/{anna['company_id']}", headers=ws.auth())
    assert company.json()["name"] == "Shop"
    assert len(await _contacts(ws, tag="vip")) == 1

    again = await _run(ws, FILE)
    assert (again["created"], again["updated"], again["unchanged"], again["failed"]) == (
        0,
        0,
        3,
        1,
    )
    assert len(await _contacts(ws)) == 3


async def test_rows_merge_with_existing_contacts_by_email_or_phone(workspace: Workspace) -> None:
    ws = workspace
    by_email = await ws.api.post(
        "/api/v1/contacts",
        headers=ws.auth(),
        json={"name": "Anna", "emails": ["anna@shop.example"]},
    )
    by_phone = await ws.api.post(
        "/api/v1/contacts", headers=ws.auth(), json={"name": "Vera", "phones": ["+442079460958"]}
    )
    result = await _run(ws, FILE)
    assert (result["created"], result["updated"], result["failed"]) == (1, 2, 1)
    anna = (await ws.api.get(f"/api/v1/contacts/{by_email.json()['id']}", headers=ws.auth())).json()
    assert anna["name"] == "Anna Petrova" and anna["phones"] == ["+79123456789"]
    vera = (await ws.api.get(f"/api/v1/contacts/{by_phone.json()['id']}", headers=ws.auth())).json()
    assert vera["attributes"]["plan"] == "silver" and vera["language"] == "en"
    # A row whose email is one contact's and phone another's is refused, not merged.
    clash = "Full name;E-mail;Phone\nX;anna@shop.example;+44 20 7946 0958\n"
    result = await _run(
        ws, clash, mapping={"Full name": "name", "E-mail": "email", "Phone": "phone"}
    )
    assert result["failed"] == 1 and "already has the phone" in result["errors"][0]["message"]
    # The same address twice in one file: the later row is reported.
    twice = "email\nnew@x.example\nNEW@x.example\n"
    result = await _run(ws, twice, mapping={"email": "email"})
    assert (result["created"], result["failed"]) == (1, 1)
    assert result["errors"][0] == {"row": 2, "column": None, "message": "Row 1 has this email too."}


async def test_bad_files_and_mappings_are_refused(workspace: Workspace) -> None:
    ws = workspace
    cases: list[tuple[Any, Any, int]] = [
        ("", MAPPING, 422),
        (b"\xff\xfe\x00bad", MAPPING, 422),
        ("a,b\n1,2\n", {"missing": "name"}, 422),
        ("a,b\n1,2\n", {"a": "shoe_size"}, 422),
        ("a,b\n1,2\n", {"a": "email", "b": "email"}, 422),
        ("a,b\n1,2\n", {"a": "tags"}, 422),
        ("a,b\n1,2\n", "not json", 422),
        ("a\n" + "x" * (20 * 1024 * 1024), {"a": "name"}, 413),
    ]
    for content, mapping, status in cases:
        response = await _start(ws, content, mapping)
        assert response.status_code == status, (mapping, response.text)
    assert await _contacts(ws) == []


async def test_only_admins_import_and_export(workspace: Workspace) -> None:
    ws = workspace
    _, token = await ws.agent("import-agent@example.com")
    assert (await _start(ws, FILE, token=token)).status_code == 403
    for path in ("/api/v1/contacts/export", "/api/v1/companies/export"):
        assert (await ws.api.get(path, headers=ws.auth(token))).status_code == 403
    started = await _start(ws, FILE, dry_run=True)
    got = await ws.api.get(
        f"/api/v1/contacts/imports/{started.json()['id']}", headers=ws.auth(token)
    )
    assert got.status_code == 403


async def test_export_is_csv_with_a_header_or_xlsx_and_follows_the_filters(
    workspace: Workspace,
) -> None:
    ws = workspace
    await _run(ws, FILE)
    response = await ws.api.get("/api/v1/contacts/export", headers=ws.auth())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["name"] for r in rows} == {"Anna Petrova", "Boris", "Vera"}
    anna = next(r for r in rows if r["name"] == "Anna Petrova")
    assert (anna["external_id"], anna["phones"], anna["company"]) == ("C-1", "+79123456789", "Shop")
    assert (await _contacts(ws, q="anna@shop.example"))[0]["external_id"] == "C-1"
    vip = await ws.api.get("/api/v1/contacts/export", headers=ws.auth(), params={"tag": "vip"})
    assert [r["name"] for r in csv.DictReader(io.StringIO(vip.content.decode("utf-8-sig")))] == [
        "Anna Petrova"
    ]
    # The export imports back unchanged.
    mapping = {"name": "name", "emails": "emails", "phones": "phones", "external_id": "external_id"}
    back = await _run(ws, response.content.decode("utf-8-sig"), mapping=mapping)
    assert (back["created"], back["updated"], back["unchanged"]) == (0, 0, 3)
    xlsx = await ws.api.get("/api/v1/contacts/export", headers=ws.auth(), params={"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    companies = await ws.api.get("/api/v1/companies/export", headers=ws.auth())
    assert "Shop" in companies.content.decode("utf-8-sig")


async def test_an_import_and_the_rows_it_quotes_are_deleted_after_a_week(
    workspace: Workspace, db: Database
) -> None:
    ws = workspace
    result = await _run(ws, FILE, dry_run=True)
    fresh = await _run(ws, FILE, dry_run=True)
    async with db.session(write=True) as session:
        record = await importing.get_import(session, result["id"])
        record.created_at = utcnow() - timedelta(days=8)
    async with db.session(write=True) as session:
        await importing.prune_old(session)
    gone = await ws.api.get(f"/api/v1/contacts/imports/{result['id']}", headers=ws.auth())
    assert gone.status_code == 404
    kept = await ws.api.get(f"/api/v1/contacts/imports/{fresh['id']}", headers=ws.auth())
    assert kept.status_code == 200


async def test_an_import_updating_contacts_tells_open_cards(workspace: Workspace) -> None:
    """A batch's changes reach operators live (a frame per changed contact with its new
    state), and a tag the contact had already is not stored twice."""
    ws = workspace
    visitor = await ws.visitor("Olga")
    await visitor.say("Hello")
    patched = await ws.api.patch(
        f"/api/v1/contacts/{visitor.contact_id}",
        headers=ws.auth(),
        json={"emails": ["olga@shop.example"], "tags": ["vip"]},
    )
    assert patched.status_code == 200, patched.text
    sock = await ws.agent_socket()
    await sock.ready()
    rows = "email;tags;plan\nolga@shop.example;vip, b2b;gold\nOLGA@shop.example;;silver\n"
    result = await _run(
        ws, rows, mapping={"email": "email", "tags": "tags", "plan": "attribute:plan"}
    )
    assert (result["created"], result["updated"], result["failed"]) == (0, 1, 1)
    frame = await sock.until(
        lambda f: (
            f.get("type") == "contact.updated"
            and f["data"]["contact"]["id"] == visitor.contact_id
            and f["data"]["contact"]["tags"] == ["b2b", "vip"]
        )
    )
    assert frame["data"]["contact"]["attributes"]["plan"] == "gold"
    got = await ws.api.get(f"/api/v1/contacts/{visitor.contact_id}", headers=ws.auth())
    assert got.json()["tags"] == ["b2b", "vip"]
    found = await _contacts(ws, tag="b2b")
    assert [c["id"] for c in found] == [visitor.contact_id]
