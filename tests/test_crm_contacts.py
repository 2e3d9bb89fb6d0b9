"""CRM contacts (issue 15): emails and phones (normalised, one contact per address),
tags, language, time zone, consent, notes, companies linked by email domain, the contacts
list with search and filters, and who may see what."""

from __future__ import annotations

from typing import Any

from tests.support import Workspace


async def _create(ws: Workspace, **body: Any) -> dict[str, Any]:
    response = await ws.api.post("/api/v1/contacts", headers=ws.auth(), json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _patch(ws: Workspace, contact_id: int, token: str | None = None, **body: Any) -> Any:
    return await ws.api.patch(f"/api/v1/contacts/{contact_id}", headers=ws.auth(token), json=body)


async def _list(ws: Workspace, token: str | None = None, **params: Any) -> list[int]:
    response = await ws.api.get("/api/v1/contacts", headers=ws.auth(token), params=params)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


async def _company(ws: Workspace, **body: Any) -> dict[str, Any]:
    response = await ws.api.post("/api/v1/companies", headers=ws.auth(), json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_emails_and_phones_are_normalised_and_each_belongs_to_one_contact(
    workspace: Workspace,
) -> None:
    ws = workspace
    anna = await _create(
        ws,
        name="Anna Petrova",
        emails=[" Anna@Shop.Example ", "anna.p@home.example", "anna@shop.example"],
        phones=["8 (912) 345-67-89", "+44 20 7946 0958"],
    )
    assert anna["email"] == "anna@shop.example"
    assert anna["emails"] == ["anna@shop.example", "anna.p@home.example"]
    assert anna["phones"] == ["+79123456789", "+442079460958"]

    # Another contact may not take one of them: the answer names the owner.
    response = await ws.api.post(
        "/api/v1/contacts", headers=ws.auth(), json={"name": "B", "phones": ["+7 912 345 67 89"]}
    )
    assert response.status_code == 409, response.text
    assert f"Contact {anna['id']}" in response.json()["error"]["message"]
    other = await _create(ws, name="Boris")
    response = await _patch(ws, other["id"], emails=["ANNA.P@home.example"])
    assert response.status_code == 409
    # Nothing was half-written: Boris has no email, Anna keeps hers.
    boris = (await ws.api.get(f"/api/v1/contacts/{other['id']}", headers=ws.auth())).json()
    assert boris["emails"] == [] and boris["phones"] == []
    # Anna may reorder her own (the first is where replies go) and drop one; the freed
    # address is free for Boris then.
    response = await _patch(ws, anna["id"], emails=["anna.p@home.example"])
    assert response.json()["email"] == "anna.p@home.example"
    response = await _patch(ws, other["id"], emails=["anna@shop.example"])
    assert response.status_code == 200, response.text


async def test_bad_input_is_a_clear_4xx_and_changes_nothing(workspace: Workspace) -> None:
    ws = workspace
    contact = await _create(ws, name="Vera", language="ru", timezone="Europe/Moscow")
    cases: list[tuple[dict[str, Any], int]] = [
        ({"emails": ["not-an-email"]}, 422),
        ({"phones": ["call me"]}, 422),
        ({"phones": ["12"]}, 422),
        ({"timezone": "Mars/Olympus"}, 422),
        ({"language": "русский"}, 422),
        ({"company_id": 999999}, 404),
        ({"consent": {"Marketing!": True}}, 422),
        ({"tags": [""]}, 422),
        ({"nickname": "V"}, 422),
        ({"name": "Vera", "emails": ["vera@example.com"], "phones": ["nope"]}, 422),
    ]
    for body, status in cases:
        response = await _patch(ws, contact["id"], **body)
        assert response.status_code == status, (body, response.text)
        assert "error" in response.json() or "detail" in response.json()
    after = (await ws.api.get(f"/api/v1/contacts/{contact['id']}", headers=ws.auth())).json()
    assert (after["name"], after["emails"], after["timezone"]) == ("Vera", [], "Europe/Moscow")


async def test_fields_tags_consent_change_and_operators_hear_it(workspace: Workspace) -> None:
    ws = workspace
    visitor = await ws.visitor("Olga")
    await visitor.say("Hello")
    sock = await ws.agent_socket()
    await sock.ready()
    response = await _patch(
        ws,
        visitor.contact_id,
        tags=["VIP", "b2b", "vip"],
        language="en-GB",
        timezone="Asia/Yekaterinburg",
        consent={"marketing": True, "processing": False},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tags"] == ["b2b", "vip"]
    assert (body["language"], body["timezone"]) == ("en-GB", "Asia/Yekaterinburg")
    assert body["consent"]["marketing"]["granted"] is True
    given_at = body["consent"]["marketing"]["at"]
    frame = await sock.until(
        lambda f: (
            f.get("type") == "contact.updated" and f["data"]["contact"]["id"] == visitor.contact_id
        )
    )
    assert frame["data"]["contact"]["tags"] == ["b2b", "vip"]
    # An unchanged answer keeps the time it was given; a changed one gets a new time.
    again = (await _patch(ws, visitor.contact_id, consent={"marketing": True})).json()
    assert again["consent"]["marketing"]["at"] == given_at
    withdrawn = (await _patch(ws, visitor.contact_id, consent={"marketing": False})).json()
    assert withdrawn["consent"]["marketing"]["granted"] is False
    # Left-out fields stay; null clears one.
    cleared = (await _patch(ws, visitor.contact_id, timezone=None)).json()
    assert cleared["timezone"] is None and cleared["language"] == "en-GB"
    assert cleared["created_at"] and cleared["name"] == "Olga"


async def test_companies_link_contacts_by_domain_but_not_webmail(workspace: Workspace) -> None:
    ws = workspace
    early = await _create(ws, name="Early", emails=["early@acme.example"])
    gmail = await _create(ws, name="Gmail", emails=["someone@gmail.com"])
    acme = await _company(ws, name="ACME", domains=["ACME.example"], attributes={"plan": "pro"})
    assert acme["domains"] == ["acme.example"]
    assert acme["attributes"] == {"plan": "pro"}
    # The contact already at the domain joined it; a new one joins on creation.
    got = (await ws.api.get(f"/api/v1/contacts/{early['id']}", headers=ws.auth())).json()
    assert got["company_id"] == acme["id"]
    late = await _create(ws, name="Late", emails=["late@acme.example"])
    assert late["company_id"] == acme["id"]
    assert (await _list(ws, company_id=acme["id"])) == [late["id"], early["id"]]
    listed = (await ws.api.get(f"/api/v1/companies/{acme['id']}", headers=ws.auth())).json()
    assert listed["contacts"] == 2

    # Webmail is nobody's company; a domain is one company's.
    response = await ws.api.post(
        "/api/v1/companies", headers=ws.auth(), json={"name": "G", "domains": ["gmail.com"]}
    )
    assert response.status_code == 422
    response = await ws.api.post(
        "/api/v1/companies", headers=ws.auth(), json={"name": "A2", "domains": ["acme.example"]}
    )
    assert response.status_code == 409
    response = await ws.api.post(
        "/api/v1/companies", headers=ws.auth(), json={"name": "X", "domains": ["not a domain"]}
    )
    assert response.status_code == 422
    got = (await ws.api.get(f"/api/v1/contacts/{gmail['id']}", headers=ws.auth())).json()
    assert got["company_id"] is None

    found = await ws.api.get("/api/v1/companies", headers=ws.auth(), params={"q": "acme"})
    assert [c["id"] for c in found.json()["items"]] == [acme["id"]]

    # Deleting the company leaves its contacts without one.
    assert (
        await ws.api.delete(f"/api/v1/companies/{acme['id']}", headers=ws.auth())
    ).status_code == 204
    got = (await ws.api.get(f"/api/v1/contacts/{late['id']}", headers=ws.auth())).json()
    assert got["company_id"] is None


async def test_the_list_finds_by_name_email_phone_attribute_and_filters(
    workspace: Workspace,
) -> None:
    ws = workspace
    definition = await ws.api.post(
        "/api/v1/attribute-definitions",
        headers=ws.auth(),
        json={"entity": "contact", "key": "order", "label": "Order", "type": "text"},
    )
    assert definition.status_code == 201, definition.text
    ivan = await _create(
        ws, name="Ivan Sidorov", emails=["ivan@corp.example"], phones=["+7 903 111-22-33"]
    )
    maria = await _create(ws, name="Maria Ivanova", tags=["vip"])
    response = await ws.api.put(
        f"/api/v1/contacts/{maria['id']}/attributes",
        headers=ws.auth(),
        json={"values": {"order": "A-7781"}},
    )
    assert response.status_code == 200, response.text

    assert await _list(ws, q="Sidorov") == [ivan["id"]]
    assert await _list(ws, q="IVAN@corp.example") == [ivan["id"]]
    assert await _list(ws, q="8 903 111 22 33") == [ivan["id"]]
    assert await _list(ws, q="79031112233") == [ivan["id"]]
    assert await _list(ws, q="A-7781") == [maria["id"]]
    assert await _list(ws, q="nobody-like-this") == []
    assert await _list(ws, tag="VIP") == [maria["id"]]
    assert ivan["id"] in await _list(ws, verified=False)
    assert await _list(ws, verified=True) == []
    # Paging: newest first, then on with next_before.
    page = await ws.api.get("/api/v1/contacts", headers=ws.auth(), params={"limit": 1})
    assert [c["id"] for c in page.json()["items"]] == [maria["id"]]
    rest = await _list(ws, before=page.json()["next_before"], limit=1)
    assert rest == [ivan["id"]]
    for bad in ({"limit": 0}, {"limit": 1000}, {"seen_after": "yesterday"}, {"verified": "maybe"}):
        response = await ws.api.get("/api/v1/contacts", headers=ws.auth(), params=bad)
        assert response.status_code == 422, bad

    # Bulk tag: every listed contact at once.
    response = await ws.api.post(
        "/api/v1/contacts/tags",
        headers=ws.auth(),
        json={"contact_ids": [ivan["id"], maria["id"]], "add": ["Spring"], "remove": ["vip"]},
    )
    assert response.json() == {"updated": 2}
    assert await _list(ws, tag="spring") == [maria["id"], ivan["id"]]
    assert await _list(ws, tag="vip") == []


async def test_operators_see_only_contacts_of_conversations_they_may_see(
    workspace: Workspace,
) -> None:
    ws = workspace
    mine = await ws.visitor("Seen Customer")
    await mine.say("hi")
    hidden = await _create(ws, name="Hidden Customer", phones=["+7 999 000 11 22"])
    agent_id, token = await ws.agent("crm-agent@example.com")
    response = await ws.api.put(
        f"/api/v1/inboxes/{ws.inbox_id}/members",
        headers=ws.auth(),
        json={"agent_ids": [ws.admin_id, agent_id]},
    )
    assert response.status_code == 200, response.text
    assert await _list(ws, token) == [mine.contact_id]
    assert await _list(ws, token, q="Customer") == [mine.contact_id]
    assert await _list(ws, token, q="+79990001122") == []
    for method, path, body in (
        ("GET", f"/api/v1/contacts/{hidden['id']}", None),
        ("PATCH", f"/api/v1/contacts/{hidden['id']}", {"tags": ["x"]}),
        ("GET", f"/api/v1/contacts/{hidden['id']}/notes", None),
        ("POST", f"/api/v1/contacts/{hidden['id']}/notes", {"text": "x"}),
    ):
        response = await ws.api.request(method, path, headers=ws.auth(token), json=body)
        assert response.status_code == 404, (method, path, response.text)
    response = await ws.api.post(
        "/api/v1/contacts/tags",
        headers=ws.auth(token),
        json={"contact_ids": [mine.contact_id, hidden["id"]], "add": ["x"]},
    )
    assert response.status_code == 404
    # Only admins create contacts; only supervisors and admins change companies.
    response = await ws.api.post("/api/v1/contacts", headers=ws.auth(token), json={"name": "N"})
    assert response.status_code == 403
    response = await ws.api.post("/api/v1/companies", headers=ws.auth(token), json={"name": "N"})
    assert response.status_code == 403


async def test_notes_keep_author_and_time_and_only_the_author_edits(
    workspace: Workspace,
) -> None:
    ws = workspace
    visitor = await ws.visitor("Noted")
    await visitor.say("hi")
    agent_id, token = await ws.agent("noter@example.com")
    await ws.api.put(
        f"/api/v1/inboxes/{ws.inbox_id}/members",
        headers=ws.auth(),
        json={"agent_ids": [ws.admin_id, agent_id]},
    )
    path = f"/api/v1/contacts/{visitor.contact_id}/notes"
    sock = await ws.agent_socket()
    await sock.ready()
    response = await ws.api.post(path, headers=ws.auth(token), json={"text": " Prefers email "})
    assert response.status_code == 201, response.text
    note = response.json()
    assert (note["author_id"], note["text"]) == (agent_id, "Prefers email")
    assert note["created_at"]
    await sock.until(
        lambda f: f.get("type") == "contact_note.changed" and f["data"]["id"] == note["id"]
    )
    admin_note = await ws.api.post(path, headers=ws.auth(), json={"text": "VIP since 2020"})
    # The agent may not edit the admin's note; the admin may edit any.
    response = await ws.api.patch(
        f"{path}/{admin_note.json()['id']}", headers=ws.auth(token), json={"text": "changed"}
    )
    assert response.status_code == 403
    response = await ws.api.patch(
        f"{path}/{note['id']}", headers=ws.auth(), json={"text": "Prefers email, not calls"}
    )
    assert response.status_code == 200
    assert (await ws.api.post(path, headers=ws.auth(), json={"text": "  "})).status_code == 422
    listed = (await ws.api.get(path, headers=ws.auth(token))).json()["items"]
    assert [n["text"] for n in listed] == ["VIP since 2020", "Prefers email, not calls"]
    assert (await ws.api.delete(f"{path}/{note['id']}", headers=ws.auth(token))).status_code == 204
    response = await ws.api.delete(f"{path}/{note['id']}", headers=ws.auth(token))
    assert response.status_code == 404


async def test_segments_are_ones_own_or_shared(workspace: Workspace) -> None:
    ws = workspace
    agent_id, token = await ws.agent("segments@example.com")
    mine = await ws.api.post(
        "/api/v1/contact-segments",
        headers=ws.auth(),
        json={"name": "Admin's VIPs", "filters": {"tag": "vip", "verified": True}},
    )
    assert mine.status_code == 201, mine.text
    assert mine.json()["filters"] == {"q": None, "tag": "vip", "company_id": None, "verified": True}
    shared = await ws.api.post(
        "/api/v1/contact-segments",
        headers=ws.auth(),
        json={"name": "B2B", "filters": {"tag": "b2b"}, "shared": True},
    )
    own = await ws.api.post(
        "/api/v1/contact-segments",
        headers=ws.auth(token),
        json={"name": "Mine", "filters": {"q": "Ivan"}},
    )
    listed = await ws.api.get("/api/v1/contact-segments", headers=ws.auth(token))
    assert [s["name"] for s in listed.json()["items"]] == ["B2B", "Mine"]
    # Another's: a private one does not exist, a shared one is not theirs to delete.
    path = "/api/v1/contact-segments/{}"
    response = await ws.api.delete(path.format(mine.json()["id"]), headers=ws.auth(token))
    assert response.status_code == 404
    response = await ws.api.delete(path.format(shared.json()["id"]), headers=ws.auth(token))
    assert response.status_code == 403
    response = await ws.api.delete(path.format(own.json()["id"]), headers=ws.auth(token))
    assert response.status_code == 204
    for bad in ({"name": "", "filters": {}}, {"name": "X", "filters": {"colour": "red"}}):
        response = await ws.api.post("/api/v1/contact-segments", headers=ws.auth(), json=bad)
        assert response.status_code == 422, bad
