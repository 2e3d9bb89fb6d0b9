"""Companies from a CSV or XLSX file (issue 15): name, domains, external id and attributes,
upserted by external id, else a domain, else the name; contacts at a domain join the
company; a contacts file links its rows to a company by its name or domain."""

from __future__ import annotations

from typing import Any

from tests import import_support as imp
from tests.support import Workspace

MAPPING = {
    "Account": "external_id",
    "Company": "name",
    "Sites": "domains",
    "Industry": "attribute:industry",
}
FILE = (
    "Account,Company,Sites,Industry\n"
    'A-1,Acme,"acme.example, https://www.acme-shop.example/",retail\n'
    "A-2,Globex,globex.example,\n"
    "A-3,Webmail Inc,gmail.com,\n"
    ",,initech.example,\n"
    "A-4,Acme copy,acme.example,\n"
)


async def _companies(ws: Workspace) -> dict[str, dict[str, Any]]:
    response = await ws.api.get("/api/v1/companies", headers=ws.auth())
    assert response.status_code == 200, response.text
    return {c["name"]: c for c in response.json()["items"]}


async def test_companies_are_checked_imported_and_a_second_import_changes_nothing(
    workspace: Workspace,
) -> None:
    ws = workspace
    contact = await ws.api.post(
        "/api/v1/contacts", headers=ws.auth(), json={"emails": ["buyer@globex.example"]}
    )
    assert contact.status_code == 201, contact.text
    dry = await imp.run(
        ws, FILE.encode(), MAPPING, filename="c.csv", kind="companies", dry_run=True
    )
    assert dry["kind"] == "companies"
    assert (dry["total"], dry["created"], dry["failed"]) == (5, 2, 3)
    assert [(e["row"], e["column"]) for e in dry["errors"]] == [(3, "Sites"), (4, None), (5, None)]
    assert "public mail service" in dry["errors"][0]["message"]
    assert dry["errors"][1]["message"] == "A new company needs a name."
    assert dry["errors"][2]["message"] == "Row 1 has this domain too."
    assert await _companies(ws) == {}

    done = await imp.run(ws, FILE.encode(), MAPPING, filename="c.csv", kind="companies")
    assert (done["created"], done["failed"]) == (2, 3)
    found = await _companies(ws)
    assert set(found) == {"Acme", "Globex"}
    assert found["Acme"]["domains"] == ["acme-shop.example", "acme.example"]
    assert found["Acme"]["attributes"] == {"industry": "retail"}
    assert found["Globex"]["contacts"] == 1  # the contact at globex.example joined it
    exported = await ws.api.get("/api/v1/companies/export", headers=ws.auth())
    assert "A-1,Acme" in exported.content.decode("utf-8-sig")

    again = await imp.run(ws, FILE.encode(), MAPPING, filename="c.csv", kind="companies")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


async def test_a_workbook_updates_companies_by_external_id_domain_or_name(
    workspace: Workspace,
) -> None:
    ws = workspace
    await imp.run(ws, FILE.encode(), MAPPING, filename="c.csv", kind="companies")
    acme_id = (await _companies(ws))["Acme"]["id"]
    book = imp.workbook(
        [
            ["Account", "Company", "Sites", "Industry"],
            ["A-1", "ACME Corp", None, "wholesale"],  # by external id: renamed
            [None, None, "globex.example, globex.test", "energy"],  # by domain
            [None, "ACME Corp", "acme.example", None],  # by domain: nothing new
            ["A-9", "Initech", "globex.example", None],  # another company's domain
            ["A-7", "Globex", None, None],  # Globex has another external id
        ]
    )
    result = await imp.run(ws, book, MAPPING, kind="companies")
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 2, 1)
    assert [e["row"] for e in result["errors"]] == [4, 5]
    assert result["errors"][0]["message"] == "Row 2 has this domain too."
    assert "has the external id A-2, not A-7" in result["errors"][1]["message"]
    found = await _companies(ws)
    assert found["ACME Corp"]["id"] == acme_id
    assert found["ACME Corp"]["attributes"] == {"industry": "wholesale"}
    assert found["Globex"]["domains"] == ["globex.example", "globex.test"]


async def test_contacts_join_a_company_named_or_by_its_domain(workspace: Workspace) -> None:
    ws = workspace
    await imp.run(ws, FILE.encode(), MAPPING, filename="c.csv", kind="companies")
    ids = {name: c["id"] for name, c in (await _companies(ws)).items()}
    text = "email,firm\na@mail.example,acme-shop.example\nb@mail.example,GLOBEX\n"
    result = await imp.run(
        ws, text.encode(), {"email": "email", "firm": "company"}, filename="p.csv"
    )
    assert (result["created"], result["failed"]) == (2, 0)
    a = (await imp.contacts(ws, q="a@mail.example"))[0]
    b = (await imp.contacts(ws, q="b@mail.example"))[0]
    assert (a["company_id"], b["company_id"]) == (ids["Acme"], ids["Globex"])
    assert set(await _companies(ws)) == {"Acme", "Globex"}  # no company made of a domain


async def test_company_mappings_are_checked(workspace: Workspace) -> None:
    ws = workspace
    for mapping in ({"Company": "email"}, {"Industry": "attribute:industry"}, {"Nope": "name"}):
        response = await imp.start(ws, FILE.encode(), mapping, filename="c.csv", kind="companies")
        assert response.status_code == 422, response.text
    response = await imp.start(ws, FILE.encode(), MAPPING, filename="c.csv", kind="people")
    assert response.status_code == 422
    _, token = await ws.agent("company-import-agent@example.com")
    response = await imp.start(
        ws, FILE.encode(), MAPPING, filename="c.csv", kind="companies", token=token
    )
    assert response.status_code == 403
    assert await _companies(ws) == {}
