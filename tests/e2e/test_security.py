"""Two-factor sign-in in a real browser: an admin turns it on from their security page
(QR code, confirmation code, recovery codes), then signs in with the password and a code."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from otklik.accounts import totp
from tests.e2e.conftest import E2EServer
from tests.e2e.waiting import wait_for_js

pytestmark = pytest.mark.e2e


def test_enrol_in_2fa_then_sign_in_with_a_code(browser: Browser, e2e_server: E2EServer) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(e2e_server.url + "/app/")
    page.get_by_test_id("login-email").fill(e2e_server.admin_email)
    page.get_by_test_id("login-password").fill(e2e_server.admin_password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("workspace")).to_be_visible()

    # The name in the header opens one's own security settings.
    page.get_by_test_id("current-agent").click()
    expect(page.get_by_test_id("settings-security")).to_be_visible()
    expect(page.get_by_test_id("session-row")).to_have_count(1)
    page.get_by_test_id("two-factor-start").click()
    qr = page.get_by_test_id("two-factor-qr")
    expect(qr).to_be_visible()
    # The QR code is an image the browser really loaded from the server (with its cookie).
    wait_for_js(page, "el => el.complete && el.naturalWidth > 0", qr.element_handle())
    secret = page.get_by_test_id("two-factor-secret").inner_text().strip()
    page.get_by_test_id("two-factor-code").fill(totp.code_at(secret, totp.current_step(secret)))
    page.get_by_test_id("two-factor-confirm").click()
    expect(page.get_by_test_id("recovery-code")).to_have_count(10)
    recovery = page.get_by_test_id("recovery-code").first.inner_text().strip()
    page.get_by_test_id("recovery-done").click()
    expect(page.get_by_test_id("recovery-codes")).to_have_count(0)
    expect(page.get_by_test_id("two-factor-state")).to_contain_text("10 recovery codes left")

    page.get_by_test_id("logout-button").click()
    page.get_by_test_id("login-email").fill(e2e_server.admin_email)
    page.get_by_test_id("login-password").fill(e2e_server.admin_password)
    page.get_by_test_id("login-submit").click()
    # The password alone is not enough now: the second step asks for a code.
    code_field = page.get_by_test_id("login-code")
    expect(code_field).to_be_visible()
    code_field.fill("000000")
    page.get_by_test_id("login-code-submit").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("not right")
    # The enrolment used this step's code: the app's next one signs in.
    code_field.fill(totp.code_at(secret, totp.current_step(secret) + 1))
    page.get_by_test_id("login-code-submit").click()
    expect(page.get_by_test_id("workspace")).to_be_visible()

    # A recovery code works once, in a second browser.
    other = browser.new_context(locale="en-US").new_page()
    other.goto(e2e_server.url + "/app/")
    other.get_by_test_id("login-email").fill(e2e_server.admin_email)
    other.get_by_test_id("login-password").fill(e2e_server.admin_password)
    other.get_by_test_id("login-submit").click()
    other.get_by_test_id("login-code").fill(recovery)
    other.get_by_test_id("login-code-submit").click()
    expect(other.get_by_test_id("workspace")).to_be_visible()

    # The first browser sees both sessions and ends the other one.
    page.get_by_test_id("current-agent").click()
    expect(page.get_by_test_id("session-row")).to_have_count(2)
    page.get_by_test_id("sessions-revoke-others").click()
    page.get_by_test_id("sessions-revoke-others-confirm").click()
    expect(page.get_by_test_id("session-row")).to_have_count(1)
    other.reload()
    expect(other.get_by_test_id("login-email")).to_be_visible()
    other.context.close()
    context.close()
