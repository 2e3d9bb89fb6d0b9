"""Contacts from an XLSX workbook (issue 15) and typed attribute values: the same mapping,
dry run with per-row errors and upsert as a CSV file; a cell or a CSV text becomes the
defined attribute's number, yes/no, date or list option, and a bad one is the row's error."""

from __future__ import annotations

from datetime import date

from tests import import_support as imp
from tests.support import Workspace

MAPPING = {
    "Name": "name",
    "Email": "email",
    "Phone": "phone",
    "Seats": "attribute:seats",
    "Paying": "attribute:paying",
    "Renewal": "attribute:renewal",
    "Plan": "attribute:plan",
    "Note": "attribute:note",
}
HEADER = ["Name", "Email", "Phone", "Seats", "Paying", "Renewal", "Plan", "Note", None]


async def _define_attributes(ws: Workspace) -> None:
    for key, type_, options in (
        ("seats", "number", []),
        ("paying", "boolean", []),
        ("renewal", "date", []),
        ("plan", "list", ["Gold", "Silver"]),
    ):
        response = await ws.api.post(
            "/api/v1/attribute-definitions",
            headers=ws.auth(),
            json={"entity": "contact", "key": key, "label": key, "type": type_, "options": options},
        )
        assert response.status_code == 201, response.text


def _book() -> bytes:
    return imp.workbook(
        [
            HEADER,
            # Typed cells: a whole number, a yes/no, a date cell, a phone typed as a number.
            ["Anna", "anna@shop.example", 79123456789, 12, True, date(2027, 1, 31), "gold"],
            ["Boris", "boris@shop.example", None, "7,5", "да", "31.12.2026", "Silver", "hi"],
            ["Bad", "bad@shop.example", None, "many", "maybe", "2026-13-01", "Bronze"],
            [],
            ["Vera", "not-an-email", None, 3],
        ]
    )


async def test_a_workbook_is_checked_then_imported_with_typed_values(
    workspace: Workspace,
) -> None:
    ws = workspace
    await _define_attributes(ws)
    book = _book()
    got = await imp.columns(ws, book, "clients.xlsx")
    assert got.status_code == 200, got.text
    assert got.json()["columns"] == HEADER[:-1]

    dry = await imp.run(ws, book, MAPPING, dry_run=True)
    assert dry["state"] == "done" and dry["filename"] == "file.xlsx"
    assert (dry["total"], dry["created"], dry["failed"]) == (4, 2, 2)
    errors = {(e["row"], e["column"]): e["message"] for e in dry["errors"]}
    assert set(errors) == {
        (3, "Seats"),
        (3, "Paying"),
        (3, "Renewal"),
        (3, "Plan"),
        (5, "Email"),
    }
    assert errors[(3, "Seats")] == "seats must be a number."
    assert "Gold, Silver" in errors[(3, "Plan")]
    assert await imp.contacts(ws) == []

    done = await imp.run(ws, book, MAPPING)
    assert (done["created"], done["failed"]) == (2, 2)
    anna = (await imp.contacts(ws, q="anna@shop.example"))[0]
    assert anna["phones"] == ["+79123456789"]
    assert {k: anna["attributes"][k] for k in ("seats", "paying", "renewal", "plan")} == {
        "seats": 12,
        "paying": True,
        "renewal": date(2027, 1, 31).isoformat(),
        "plan": "Gold",
    }
    boris = (await imp.contacts(ws, q="boris@shop.example"))[0]
    assert boris["attributes"]["seats"] == 7.5 and boris["attributes"]["paying"] is True
    assert (boris["attributes"]["renewal"], boris["attributes"]["note"]) == ("2026-12-31", "hi")

    again = await imp.run(ws, book, MAPPING)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


async def test_a_typed_csv_value_is_converted_and_a_bad_one_reported(
    workspace: Workspace,
) -> None:
    ws = workspace
    await _define_attributes(ws)
    text = "Email;Seats;Paying\na@x.example;1 200;no\nb@x.example;12.5.1;1\n"
    mapping = {"Email": "email", "Seats": "attribute:seats", "Paying": "attribute:paying"}
    result = await imp.run(ws, text.encode(), mapping, filename="c.csv")
    assert (result["created"], result["failed"]) == (1, 1)
    assert result["errors"] == [{"row": 2, "column": "Seats", "message": "seats must be a number."}]
    a = (await imp.contacts(ws, q="a@x.example"))[0]
    assert (a["attributes"]["seats"], a["attributes"]["paying"]) == (1200, False)


async def test_damaged_or_old_excel_files_are_refused(workspace: Workspace) -> None:
    ws = workspace
    for data in (b"PK\x03\x04 not really a zip", b"\xd0\xcf\x11\xe0 an xls file"):
        response = await imp.start(ws, data, {"Name": "name"})
        assert response.status_code == 422, response.text
        assert (await imp.columns(ws, data, "x.xlsx")).status_code == 422
    # A workbook whose sheet is empty has no header row.
    response = await imp.start(ws, imp.workbook([]), {"Name": "name"})
    assert response.status_code == 422 and "header" in response.text
    assert (await imp.columns(ws, imp.workbook([]), "empty.xlsx")).status_code == 422
    assert await imp.contacts(ws) == []


async def test_only_admins_read_a_files_columns(workspace: Workspace) -> None:
    ws = workspace
    _, token = await ws.agent("columns-agent@example.com")
    book = imp.workbook([["Name"], ["A"]])
    assert (await imp.columns(ws, book, "a.xlsx", token=token)).status_code == 403
    assert (await imp.columns(ws, b"Name\nA\n", "a.csv")).json() == {"columns": ["Name"]}
