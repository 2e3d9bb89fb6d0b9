"""The Contacts page in a real browser (issue 15): find a contact by a phone typed another
way, edit it inline, add a note, open its conversation in a click; filter by tag and tag
in bulk; the Companies tab."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AdminApi, E2EServer
from tests.e2e.test_workspace import LIVE, login
from tests.e2e.visitors import Visitor
from tests.import_support import XLSX, workbook

pytestmark = pytest.mark.e2e


@pytest.fixture
def visitor(e2e_server: E2EServer) -> Iterator[Visitor]:
    v = Visitor(e2e_server, "Зоя")
    try:
        yield v
    finally:
        v.close()


def row(page: Page, contact_id: int) -> object:
    return page.locator(f'[data-testid="contact-row"][data-contact-id="{contact_id}"]')


def test_the_contacts_page_finds_edits_notes_and_tags(
    page: Page, e2e_server: E2EServer, visitor: Visitor
) -> None:
    said = visitor.say("Где мой заказ?")
    conversation_id = said["conversation_id"]
    admin = AdminApi(e2e_server)
    try:
        company = admin.http.post(
            "/api/v1/companies", json={"name": "ACME", "domains": ["acme.example"]}
        )
        assert company.status_code == 201, company.text
        ivan = admin.http.post(
            "/api/v1/contacts",
            json={
                "name": "Ivan Petrov",
                "emails": ["ivan@acme.example"],
                "phones": ["+79031112233"],
            },
        )
        assert ivan.status_code == 201, ivan.text
        ivan_id = ivan.json()["id"]
        zoya_id = admin.http.get(f"/api/v1/conversations/{conversation_id}").json()["contact"]["id"]
    finally:
        admin.close()

    login(page, e2e_server)
    page.get_by_test_id("nav-contacts").click()
    expect(page).to_have_url(f"{e2e_server.url}/app/contacts")
    rows = page.get_by_test_id("contact-row")
    expect(rows).to_have_count(2, timeout=LIVE)

    # A phone typed the Russian way finds the contact.
    page.get_by_test_id("contacts-search").fill("8 (903) 111-22-33")
    expect(rows).to_have_count(1, timeout=LIVE)
    expect(rows.first).to_contain_text("Ivan Petrov")
    rows.first.get_by_test_id("contact-link").click()

    # The contact page: joined to its company by the email's domain; edited inline.
    expect(page.get_by_test_id("contact-page")).to_be_visible()
    expect(page.get_by_test_id("contact-company")).to_have_text("ACME")
    page.get_by_test_id("field-tags").fill("VIP, b2b")
    page.get_by_test_id("field-timezone").fill("Mars/Olympus")
    page.get_by_test_id("contact-save").click()
    expect(page.get_by_test_id("contact-error")).to_contain_text("Mars/Olympus")
    page.get_by_test_id("field-timezone").fill("Europe/Moscow")
    page.get_by_test_id("contact-save").click()
    expect(page.get_by_test_id("contact-notice")).to_be_visible()
    expect(page.get_by_test_id("field-tags")).to_have_value("b2b, vip")
    page.get_by_test_id("note-text").fill("Prefers email")
    page.get_by_test_id("note-add").click()
    expect(page.get_by_test_id("note")).to_contain_text("Prefers email")
    page.reload()
    expect(page.get_by_test_id("field-timezone")).to_have_value("Europe/Moscow")
    expect(page.get_by_test_id("note")).to_contain_text("Prefers email")

    # Another operator's change shows up live.
    admin = AdminApi(e2e_server)
    try:
        changed = admin.http.patch(f"/api/v1/contacts/{ivan_id}", json={"language": "en"})
        assert changed.status_code == 200, changed.text
    finally:
        admin.close()
    expect(page.get_by_test_id("field-language")).to_have_value("en", timeout=LIVE)

    # Back to the list: filter by tag; then tag Зоя in bulk.
    page.get_by_test_id("tab-contacts").click()
    page.get_by_test_id("contacts-filter-tag").fill("vip")
    expect(rows).to_have_count(1, timeout=LIVE)
    expect(row(page, ivan_id)).to_be_visible()  # type: ignore[arg-type]
    # Saved as a shared segment; applied again after the filter is cleared.
    page.get_by_test_id("segment-name").fill("VIP")
    page.get_by_test_id("segment-shared").check()
    page.get_by_test_id("segment-save").click()
    expect(page.get_by_test_id("segment")).to_have_text("VIP")
    page.get_by_test_id("contacts-filter-tag").fill("")
    expect(rows).to_have_count(2, timeout=LIVE)
    page.get_by_test_id("segment").click()
    expect(page.get_by_test_id("contacts-filter-tag")).to_have_value("vip")
    expect(rows).to_have_count(1, timeout=LIVE)
    page.get_by_test_id("contacts-filter-tag").fill("")
    expect(rows).to_have_count(2, timeout=LIVE)
    page.locator(
        f'[data-testid="contact-row"][data-contact-id="{zoya_id}"] [data-testid="contact-select"]'
    ).check()
    page.get_by_test_id("bulk-tag").fill("spring")
    page.get_by_test_id("bulk-tag-apply").click()
    zoya = page.locator(f'[data-testid="contact-row"][data-contact-id="{zoya_id}"]')
    expect(zoya.get_by_test_id("contact-tag")).to_have_text("spring", timeout=LIVE)

    # Зоя's page lists her conversation; one click opens it in the workspace.
    zoya.get_by_test_id("contact-link").click()
    page.get_by_test_id("contact-conversation").first.click()
    expect(page).to_have_url(f"{e2e_server.url}/app/c/{conversation_id}")
    # The conversation's customer card shows the tags and leads back to the contact page.
    card = page.get_by_test_id("customer-card")
    expect(card.get_by_test_id("card-tags")).to_have_text("spring", timeout=LIVE)
    card.get_by_test_id("card-open-contact").click()
    expect(page).to_have_url(f"{e2e_server.url}/app/contacts/{zoya_id}")
    expect(page.get_by_test_id("contact-title")).to_have_text("Зоя")

    # Companies: ACME counts its contact; a new one is added.
    page.get_by_test_id("nav-contacts").click()
    page.get_by_test_id("tab-companies").click()
    companies = page.get_by_test_id("company-row")
    expect(companies).to_have_count(1, timeout=LIVE)
    expect(companies.first).to_contain_text("acme.example")
    expect(companies.first.get_by_test_id("company-contacts")).to_have_text("1")
    page.get_by_test_id("company-name").fill("Globex")
    page.get_by_test_id("company-domains").fill("gmail.com")
    page.get_by_test_id("company-add").click()
    expect(page.get_by_test_id("companies-error")).to_contain_text("gmail.com")
    page.get_by_test_id("company-domains").fill("globex.example")
    page.get_by_test_id("company-add").click()
    expect(companies).to_have_count(2, timeout=LIVE)


def test_the_import_wizard_imports_csv_and_xlsx_contacts_then_companies(
    page: Page, e2e_server: E2EServer
) -> None:
    login(page, e2e_server)
    page.get_by_test_id("nav-contacts").click()
    page.get_by_test_id("import-wizard").locator("summary").click()
    page.get_by_test_id("import-file").set_input_files(
        {
            "name": "contacts.csv",
            "mimeType": "text/csv",
            "buffer": "Name;Email;Plan\nАнна;anna@import.example;gold\nBoris;not-an-email;\n"
            "Vera;vera@import.example;silver\n".encode(),
        }
    )
    # The columns are guessed from their names; Plan becomes an attribute by hand.
    expect(page.get_by_test_id("import-map-Email")).to_have_value("email")
    page.get_by_test_id("import-map-Plan").select_option("attribute:plan")

    page.get_by_test_id("import-dry-run").click()
    expect(page.get_by_test_id("import-result")).to_have_text(
        "Would create 2, update 0; unchanged 0; rows with errors 1.", timeout=LIVE
    )
    expect(page.get_by_test_id("import-errors")).to_contain_text("not-an-email")
    expect(page.get_by_test_id("contact-row")).to_have_count(0)

    page.get_by_test_id("import-run").click()
    expect(page.get_by_test_id("import-result")).to_have_text(
        "Created 2, updated 0; unchanged 0; rows with errors 1.", timeout=LIVE
    )
    expect(page.get_by_test_id("contact-row")).to_have_count(2, timeout=LIVE)
    expect(page.get_by_test_id("export-contacts-csv")).to_have_attribute(
        "href", "/api/v1/contacts/export?format=csv"
    )

    # An XLSX workbook: the server reads its header row for the mapping.
    page.get_by_test_id("import-file").set_input_files(
        {
            "name": "more.xlsx",
            "mimeType": XLSX,
            "buffer": workbook([["Name", "Email"], ["Gleb", "gleb@import.example"]]),
        }
    )
    expect(page.get_by_test_id("import-map-Name")).to_have_value("name")
    page.get_by_test_id("import-run").click()
    expect(page.get_by_test_id("import-result")).to_have_text(
        "Created 1, updated 0; unchanged 0; rows with errors 0.", timeout=LIVE
    )
    expect(page.get_by_test_id("contact-row")).to_have_count(3, timeout=LIVE)

    # Companies: the contacts at the company's domain join it.
    page.get_by_test_id("import-kind-companies").check()
    page.get_by_test_id("import-file").set_input_files(
        {
            "name": "companies.csv",
            "mimeType": "text/csv",
            "buffer": b"Company,Website\nImport Co,https://import.example\n",
        }
    )
    expect(page.get_by_test_id("import-map-Website")).to_have_value("domains")
    page.get_by_test_id("import-run").click()
    expect(page.get_by_test_id("import-result")).to_have_text(
        "Created 1, updated 0; unchanged 0; rows with errors 0.", timeout=LIVE
    )
    page.get_by_test_id("tab-companies").click()
    company = page.get_by_test_id("company-row").filter(has_text="Import Co")
    expect(company).to_contain_text("import.example", timeout=LIVE)
    expect(company.get_by_test_id("company-contacts")).to_have_text("3")
