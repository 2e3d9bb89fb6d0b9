"""In a real browser: an admin requires 2FA of a role and its members are sent to enrol; an
admin limits which sites may frame the widget (frame_origins), with mistakes shown."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from otklik.accounts import totp
from tests.e2e.conftest import AdminApi, E2EServer
from tests.e2e.test_settings import login, open_section

pytestmark = pytest.mark.e2e


def test_an_admin_requires_2fa_of_operators_who_are_then_sent_to_enrol(
    browser: Browser, page: Page, e2e_server: E2EServer
) -> None:
    admin = AdminApi(e2e_server)
    try:
        made = admin.http.post(
            "/api/v1/agents",
            json={
                "email": "lea@example.com",
                "name": "Lea",
                "password": "a long agent password 42",
                "role": "agent",
            },
        )
        assert made.status_code == 201, made.text
    finally:
        admin.close()

    login(page, e2e_server)
    open_section(page, "security")
    policy = page.get_by_test_id("two-factor-policy")
    expect(policy.get_by_test_id("two-factor-policy-source")).to_contain_text(
        "OTKLIK_REQUIRE_2FA_ROLES"
    )
    # Requiring it of admins first needs the admin's own 2FA.
    policy.get_by_test_id("two-factor-policy-admin").check()
    policy.get_by_test_id("two-factor-policy-save").click()
    expect(policy.get_by_test_id("two-factor-policy-error")).to_contain_text("for yourself first")
    policy.get_by_test_id("two-factor-policy-admin").uncheck()
    policy.get_by_test_id("two-factor-policy-agent").check()
    policy.get_by_test_id("two-factor-policy-save").click()
    expect(policy.get_by_test_id("two-factor-policy-saved")).to_be_visible()
    expect(policy.get_by_test_id("two-factor-policy-source")).to_have_text(
        "Saved in the workspace settings."
    )

    operator = browser.new_context(locale="en-US").new_page()
    operator.goto(e2e_server.url + "/app/")
    operator.get_by_test_id("login-email").fill("lea@example.com")
    operator.get_by_test_id("login-password").fill("a long agent password 42")
    operator.get_by_test_id("login-submit").click()
    expect(operator.get_by_test_id("two-factor-required")).to_be_visible()
    expect(operator.get_by_test_id("two-factor-start")).to_be_visible()
    # Operators do not see the workspace-wide setting.
    expect(operator.get_by_test_id("two-factor-policy")).to_have_count(0)
    # Once it is on, the workspace opens (live: its socket is let in now).
    operator.get_by_test_id("two-factor-start").click()
    secret = operator.get_by_test_id("two-factor-secret").inner_text().strip()
    operator.get_by_test_id("two-factor-code").fill(totp.code_at(secret, totp.current_step(secret)))
    operator.get_by_test_id("two-factor-confirm").click()
    operator.get_by_test_id("recovery-done").click()
    expect(operator.get_by_test_id("two-factor-required")).to_have_count(0)
    operator.goto(e2e_server.url + "/app/")
    expect(operator.get_by_test_id("workspace")).to_be_visible()
    expect(operator.get_by_test_id("login-email")).to_have_count(0)
    operator.context.close()


def test_the_sites_that_may_frame_the_widget_are_set_in_the_inbox_settings(
    page: Page, e2e_server: E2EServer
) -> None:
    login(page, e2e_server)
    open_section(page, "inboxes")
    form = page.get_by_test_id("inbox-form")
    field = form.get_by_test_id("inbox-frame-origins")
    expect(field).to_have_value("")
    field.fill("https://shop.example\nshop.example/page")
    expect(form.get_by_test_id("inbox-frame-origins-error")).to_contain_text(
        "Not a site address: shop.example/page."
    )
    form.get_by_test_id("inbox-save").click()
    expect(form.get_by_test_id("inbox-save-message")).to_have_count(0)

    field.fill("https://shop.example\nhttps://*.shop.example")
    expect(form.get_by_test_id("inbox-frame-origins-error")).to_have_count(0)
    form.get_by_test_id("inbox-save").click()
    expect(form.get_by_test_id("inbox-save-message")).to_have_text("Saved.")

    frame = httpx.get(f"{e2e_server.url}/widget/frame", params={"inbox": e2e_server.inbox_key})
    policy = frame.headers["Content-Security-Policy"]
    assert "frame-ancestors https://shop.example https://*.shop.example" in policy, policy
    page.reload()
    expect(page.get_by_test_id("inbox-frame-origins")).to_have_value(
        "https://shop.example\nhttps://*.shop.example"
    )
