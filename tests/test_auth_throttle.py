"""Sign-in throttling: per account with exponential backoff, a much higher ceiling per
address, devices that signed in before trusted more, state shared by every process."""

from __future__ import annotations

from tests.auth_support import Browser, frozen
from tests.support import ADMIN_EMAIL, ADMIN_PASSWORD, LiveServer, Workspace


async def test_failures_for_made_up_emails_do_not_block_a_known_account(
    workspace: Workspace,
) -> None:
    # Defect 5: five failures for made-up emails from one address gave everyone behind it a 429.
    stranger = Browser(workspace.server.url)
    for n in range(20):
        bad = await stranger.login(f"nobody{n}@example.com", "guess-guess")
        assert bad.status_code == 401, bad.text
    colleague = Browser(workspace.server.url)  # same address, never signed in here before
    ok = await colleague.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert ok.status_code == 200, ok.text
    await stranger.close()
    await colleague.close()


async def test_an_account_backs_off_exponentially(workspace: Workspace) -> None:
    attacker = Browser(workspace.server.url)
    with frozen() as clock:
        for _ in range(5):
            bad = await attacker.login(ADMIN_EMAIL, "not-the-password")
            assert bad.status_code == 401
            assert bad.json()["error"]["code"] == "invalid_credentials"
        limited = await attacker.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert limited.headers["retry-after"] == "30"
        clock.advance(seconds=31)
        again = await attacker.login(ADMIN_EMAIL, "still-not-it")
        assert again.status_code == 401
        doubled = await attacker.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        assert doubled.status_code == 429 and doubled.headers["retry-after"] == "60"
        clock.advance(seconds=61)
        # After the wait the right password works, and the count starts again from zero.
        assert (await attacker.login(ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 200
        assert (await attacker.login(ADMIN_EMAIL, "wrong-once")).status_code == 401
        assert (await attacker.login(ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 200
    await attacker.close()


async def test_a_stranger_cannot_lock_an_operator_out_of_their_own_browser(
    workspace: Workspace,
) -> None:
    operator = Browser(workspace.server.url)
    assert (await operator.login(ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 200
    assert (await operator.request("POST", "/api/v1/auth/logout")).status_code == 204
    stranger = Browser(workspace.server.url)
    for _ in range(8):
        await stranger.login(ADMIN_EMAIL, "guessing")
    assert (await stranger.login(ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 429
    # The operator's browser holds a device cookie from its last sign-in: it is let in.
    assert (await operator.login(ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 200
    # ...but guessing from a trusted device is throttled on its own.
    for _ in range(5):
        assert (await operator.login(ADMIN_EMAIL, "typo")).status_code == 401
    assert (await operator.login(ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 429
    await operator.close()
    await stranger.close()


async def test_the_address_ceiling_holds_strangers_not_known_devices(
    workspace: Workspace,
) -> None:
    workspace.server.settings.login_ip_failures_per_hour = 10
    operator = Browser(workspace.server.url)
    assert (await operator.login(ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 200
    sprayer = Browser(workspace.server.url)
    for n in range(10):
        assert (await sprayer.login(f"user{n}@example.com", "Spring2026!")).status_code == 401
    refused = await sprayer.login(f"user{99}@example.com", "Spring2026!")
    assert refused.status_code == 429
    assert 3500 <= int(refused.headers["retry-after"]) <= 3600
    newcomer = Browser(workspace.server.url)
    assert (await newcomer.login(ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 429
    assert (await operator.login(ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 200
    for browser in (operator, sprayer, newcomer):
        await browser.close()


async def test_counts_are_shared_by_every_server_process(workspace: Workspace) -> None:
    """Two app instances on one database (as ``--workers 2``): failures split between
    them add up."""
    second = LiveServer(workspace.server.settings)
    await second.start()
    try:
        one, two = Browser(workspace.server.url), Browser(second.url)
        for n in range(5):
            browser = one if n % 2 else two
            assert (await browser.login(ADMIN_EMAIL, "wrong")).status_code == 401
        assert (await one.login(ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 429
        assert (await two.login(ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 429
        await one.close()
        await two.close()
    finally:
        await second.stop()
