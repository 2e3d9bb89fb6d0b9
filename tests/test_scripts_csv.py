"""Canned answers to and from CSV: round trip, Excel quirks, all-or-nothing import."""

from __future__ import annotations

import csv
import io

from tests.scripts_support import canned, error, team
from tests.support import Workspace

URL = "/api/v1/canned-answers"
CSV = {"Content-Type": "text/csv; charset=utf-8"}


async def test_export_then_import_into_an_empty_desk_round_trips(workspace: Workspace) -> None:
    ws = workspace
    sales = await team(ws, "Продажи", [ws.admin_id])
    await canned(ws, shortcut="hi", title="Привет", text='Строка 1\nСтрока 2, "кавычки"')
    await canned(ws, shortcut="formula", title="=SUM(A1)", text="-5 + 3", category="Math")
    await canned(ws, shortcut="team", title="Team", text="t", scope="team", team_id=sales)
    await canned(ws, shortcut="all", title="All", text="g", scope="global", category="Общее")

    exported = await ws.api.get(f"{URL}/export", headers=ws.auth())
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    by_shortcut = {r["shortcut"]: r for r in rows}
    assert set(by_shortcut) == {"hi", "formula", "team", "all"}
    assert by_shortcut["formula"]["title"] == "'=SUM(A1)"  # not run as a formula
    assert by_shortcut["team"]["team"] == "Продажи" and by_shortcut["team"]["scope"] == "team"

    for answer in (await ws.api.get(URL, headers=ws.auth())).json()["items"]:
        await ws.api.delete(f"{URL}/{answer['id']}", headers=ws.auth())
    imported = await ws.api.post(f"{URL}/import", headers=ws.auth() | CSV, content=exported.content)
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"created": 4, "updated": 0, "skipped": 0}
    after = {a["shortcut"]: a for a in (await ws.api.get(URL, headers=ws.auth())).json()["items"]}
    assert after["hi"]["text"] == 'Строка 1\nСтрока 2, "кавычки"'
    assert after["formula"]["title"] == "=SUM(A1)" and after["formula"]["text"] == "-5 + 3"
    assert after["team"]["team_id"] == sales and after["all"]["scope"] == "global"
    assert after["all"]["category"] == "Общее"


async def test_excel_style_semicolons_in_windows_1251_and_conflict_modes(
    workspace: Workspace,
) -> None:
    ws = workspace
    await canned(ws, shortcut="old", title="Old", text="old text")
    body = "shortcut;title;text;category\nold;Новое;новый текст;\nnew;Другое;ещё;Разное\n"
    headers = ws.auth() | {"Content-Type": "text/csv"}
    skip = await ws.api.post(f"{URL}/import", headers=headers, content=body.encode("cp1251"))
    assert skip.json() == {"created": 1, "updated": 0, "skipped": 1}, skip.text
    fail = await ws.api.post(
        f"{URL}/import",
        headers=headers,
        params={"on_conflict": "fail"},
        content=body.encode("cp1251"),
    )
    assert error(fail)[:2] == (409, "conflict") and "/old" in fail.json()["error"]["message"]
    update = await ws.api.post(
        f"{URL}/import",
        headers=headers,
        params={"on_conflict": "update"},
        content=body.encode("cp1251"),
    )
    assert update.json() == {"created": 0, "updated": 2, "skipped": 0}
    items = {a["shortcut"]: a for a in (await ws.api.get(URL, headers=ws.auth())).json()["items"]}
    assert items["old"]["title"] == "Новое" and items["new"]["category"] == "Разное"
    found = await ws.api.get(URL, headers=ws.auth(), params={"q": "НОВЫЙ"})
    assert [a["shortcut"] for a in found.json()["items"]] == ["old"]  # search text updated


async def test_a_bad_row_imports_nothing_and_says_where(workspace: Workspace) -> None:
    ws = workspace
    _agent_id, agent = await ws.agent("agent@example.com")
    bad = (
        "shortcut,title,text,scope,team\n"
        "fine,Fine,ok,,\n"
        "broken,,no title,,\n"
        "vars,Vars,Hi {{ customer.name }},,\n"
        "ghost,Ghost,t,team,Nobody\n"
    )
    response = await ws.api.post(f"{URL}/import", headers=ws.auth() | CSV, content=bad)
    status, code, message = error(response)
    assert (status, code) == (422, "validation_error")
    assert "row 3: title" in message and "row 4: text" in message and "row 5: team" in message
    assert (await ws.api.get(URL, headers=ws.auth())).json()["items"] == []

    checks = [
        ("title,text\nT,t\n", 422, "missing: shortcut"),
        ("shortcut,title,text,colour\nx,X,x,red\n", 422, "colour"),
        ("shortcut,title,text\na,A,a\na,A,b\n", 422, "same shortcut twice"),
    ]
    for content, status_code, words in checks:
        response = await ws.api.post(f"{URL}/import", headers=ws.auth() | CSV, content=content)
        assert response.status_code == status_code, response.text
        assert words in response.json()["error"]["message"]
    response = await ws.api.post(f"{URL}/import", headers=ws.auth(), json={"shortcut": "x"})
    assert error(response)[:2] == (415, "unsupported_media_type")
    response = await ws.api.post(
        f"{URL}/import",
        headers=ws.auth() | {"Content-Type": "text/csv; charset=utf-8"},
        content="shortcut,title,text\nx,\xff,y\n".encode("latin-1"),
    )
    assert error(response)[:2] == (400, "bad_request")
    # An agent may import personal answers, not global ones.
    response = await ws.api.post(
        f"{URL}/import",
        headers=ws.auth(agent) | CSV,
        content="shortcut,title,text,scope\nmine,Mine,m,personal\nall,All,a,global\n",
    )
    assert response.status_code == 422 and "row 3: Only admins" in response.text
    response = await ws.api.post(
        f"{URL}/import", headers=ws.auth(agent) | CSV, content="shortcut,title,text\nmine,M,m\n"
    )
    assert response.json()["created"] == 1
    mine = (await ws.api.get(URL, headers=ws.auth(agent))).json()["items"]
    assert [(a["shortcut"], a["scope"]) for a in mine] == [("mine", "personal")]
