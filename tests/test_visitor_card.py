"""The customer card's visitor details: what the widget reports (pages, language, time zone,
phone) and what the User-Agent says (browser, system), kept on the contact, live."""

from __future__ import annotations

import time
from typing import Any

from otklik.contacts.visitor import describe_agent
from tests.support import Workspace

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


def now_ms(ago: float = 0) -> int:
    return int((time.time() - ago) * 1000)


async def contact(ws: Workspace, contact_id: int) -> Any:
    response = await ws.api.get(f"/api/v1/contacts/{contact_id}", headers=ws.auth())
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_widget_report_fills_the_card_live(workspace: Workspace) -> None:
    visitor = await workspace.visitor("Olga")
    await visitor.say("Hello")
    assert (await contact(workspace, visitor.contact_id))["visitor"] is None
    sock = await workspace.agent_socket()
    await sock.ready()
    report = {
        "pages": [
            {"url": "https://shop.example/", "title": "Shop", "at": now_ms(120)},
            {"url": "javascript:alert(1)", "at": now_ms(90)},  # not a web page: dropped
            {"url": "https://shop.example/catalog", "title": "Catalog", "at": now_ms(60)},
            {"url": "https://shop.example/cart", "title": "Cart", "at": now_ms(5)},
        ],
        "language": "ru-RU",
        "timezone": "Asia/Yekaterinburg",
        "phone": "+7 912 000-00-00",
    }
    response = await workspace.api.post(
        "/api/v1/widget/visit",
        headers={**visitor.headers, "User-Agent": CHROME_WINDOWS},
        json=report,
    )
    assert response.status_code == 204, response.text
    frame = await sock.until(
        lambda f: (
            f.get("type") == "contact.updated" and f["data"]["contact"]["id"] == visitor.contact_id
        )
    )
    info = frame["data"]["contact"]["visitor"]
    assert info["page"]["url"] == "https://shop.example/cart"
    assert info["page"]["title"] == "Cart"
    assert [p["url"] for p in info["history"]] == [
        "https://shop.example/catalog",
        "https://shop.example/",
    ]
    assert (info["browser"], info["os"], info["device"]) == ("Chrome 120", "Windows 10", None)
    assert (info["language"], info["timezone"], info["phone"]) == (
        "ru-RU",
        "Asia/Yekaterinburg",
        "+7 912 000-00-00",
    )
    assert info["city"] is None  # no GeoIP database: no city, no network lookup
    assert (await contact(workspace, visitor.contact_id))["visitor"] == info

    # The next page (the same pages again are not repeated); an unknown zone is ignored.
    again = await workspace.api.post(
        "/api/v1/widget/visit",
        headers={**visitor.headers, "User-Agent": SAFARI_IPHONE},
        json={
            "pages": [*report["pages"], {"url": "https://shop.example/pay", "at": now_ms()}],
            "timezone": "Mars/Olympus",
        },
    )
    assert again.status_code == 204
    info = (await contact(workspace, visitor.contact_id))["visitor"]
    assert info["page"]["url"] == "https://shop.example/pay"
    assert len(info["history"]) == 3
    assert (info["browser"], info["os"], info["device"]) == (
        "Mobile Safari 17",
        "iOS 17.1",
        "iPhone",
    )
    assert info["timezone"] == "Asia/Yekaterinburg"

    # Nothing new: no write, no frame.
    same = await workspace.api.post(
        "/api/v1/widget/visit",
        headers={**visitor.headers, "User-Agent": SAFARI_IPHONE},
        json={"pages": [report["pages"][0]]},
    )
    assert same.status_code == 204
    frames = await sock.quiet(0.3)
    assert [f for f in frames if f.get("type") == "contact.updated"][1:] == []  # the 2nd only
    await sock.close()


async def test_bad_reports_are_refused(workspace: Workspace) -> None:
    visitor = await workspace.visitor("Olga")
    for body in (
        {"phone": "call me maybe"},
        {"language": "ru_RU; drop"},
        {"pages": [{"url": "https://x.example/", "at": -1}]},
        {"pages": [{"url": "", "at": 1}]},
        {"unknown": 1},
    ):
        response = await workspace.api.post(
            "/api/v1/widget/visit", headers=visitor.headers, json=body
        )
        assert response.status_code == 422, (body, response.text)
    anonymous = await workspace.api.post("/api/v1/widget/visit", json={"pages": []})
    assert anonymous.status_code == 401


def test_user_agents_in_words() -> None:
    assert describe_agent(CHROME_WINDOWS) == ("Chrome 120", "Windows 10", None)
    assert describe_agent(SAFARI_IPHONE) == ("Mobile Safari 17", "iOS 17.1", "iPhone")
    assert describe_agent("curl/8.5.0")[1] is None
    assert describe_agent("") == (None, None, None)
