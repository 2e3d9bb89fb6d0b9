"""The mail parser over our fixture set (tests/fixtures/email, sample mails written for Otklik).

Each fixture has its expected text, files and classification in ``expected.toml``. The score is
the share of fixtures that come out exactly right; quote stripping must stay at 90 % or more in
each language, and no fixture may lose a file or be misclassified.
"""

from __future__ import annotations

import asyncio
import random
import re
import tomllib
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from otklik.channels.email.parse import (
    KEEP_TEXT,
    MAX_CONTAINERS,
    MAX_HEADER_BYTES,
    channel_data,
    parse_mail,
    parse_off_loop,
    strip_quotes,
)

FIXTURES = Path(__file__).parent / "fixtures" / "email"
EXPECTED: list[dict[str, Any]] = tomllib.loads((FIXTURES / "expected.toml").read_text())["mail"]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _differences(expected: dict[str, Any]) -> list[str]:
    parsed = parse_mail((FIXTURES / expected["file"]).read_bytes())
    wrong: list[str] = []
    if _norm(parsed.text) != _norm(expected["text"]):
        wrong.append(f"text {parsed.text!r}")
    if parsed.subject != expected["subject"]:
        wrong.append(f"subject {parsed.subject!r}")
    if [a["filename"] for a in parsed.attachments] != expected["files"]:
        wrong.append(f"files {[a['filename'] for a in parsed.attachments]}")
    if any(a["size"] == 0 for a in parsed.attachments):
        wrong.append("an empty file")
    if parsed.automatic != expected.get("automatic"):
        wrong.append(f"automatic {parsed.automatic!r}")
    if parsed.notes != expected.get("notes", []):
        wrong.append(f"notes {parsed.notes}")
    if [f["from"] for f in parsed.forwarded] != expected.get("forwarded", []):
        wrong.append(f"forwarded {[f['from'] for f in parsed.forwarded]}")
    bounce = expected.get("bounce")
    if bounce is not None:
        if parsed.bounce is None:
            wrong.append("not read as a bounce")
        elif (parsed.bounce.reason, parsed.bounce.failed, bool(parsed.bounce.returned_ids)) != (
            bounce["reason"],
            bounce["failed"],
            bounce["returns_token"],
        ):
            wrong.append(f"bounce {parsed.bounce}")
    if "\ufffd" in parsed.text + parsed.subject + (parsed.from_name or ""):
        wrong.append("U+FFFD in the text")
    original = parsed.full_text.splitlines()
    if parsed.full_text and any(line not in original for line in parsed.text.splitlines()):
        wrong.append("the shown text is not taken from the stored original")
    return wrong


def test_the_fixture_set_scores_at_least_90_percent() -> None:
    results = {e["file"]: _differences(e) for e in EXPECTED}
    for name, wrong in results.items():
        if wrong:
            print(f"MISS {name}: {'; '.join(wrong)}")
    for kind in ("quotes", "mime"):
        for lang in ("en", "ru"):
            group = [e["file"] for e in EXPECTED if e["kind"] == kind and e["lang"] == lang]
            right = sum(1 for name in group if not results[name])
            print(f"{kind}/{lang}: {right}/{len(group)} = {right / len(group):.0%}")
            assert group and right / len(group) >= 0.9, (kind, lang)
    total = sum(1 for wrong in results.values() if not wrong)
    print(f"all: {total}/{len(results)} = {total / len(results):.0%}")
    # Files and classification are not a matter of taste: none may be wrong.
    hard = [
        (name, w)
        for name, wrong in results.items()
        for w in wrong
        if not w.startswith("text ") or "files" in w
    ]
    assert not hard, hard
    assert len(EXPECTED) >= 40


def test_the_original_stays_one_click_away() -> None:
    raw = (FIXTURES / "quotes" / "ru_outlook_block.eml").read_bytes()
    parsed = parse_mail(raw)
    data = channel_data(parsed)
    assert parsed.text == "Отмените, пожалуйста.\n\nИван Петров"
    assert "Хотите отменить заказ целиком?" in data["full_text"]
    assert data["full_text"].startswith("Отмените, пожалуйста.")


def test_forwarded_mail_is_a_file_and_is_read() -> None:
    parsed = parse_mail((FIXTURES / "mime" / "forwarded_rfc822_en.eml").read_bytes())
    (forwarded,) = parsed.forwarded
    assert forwarded["subject"] == "Your receipt"
    assert forwarded["text"] == "Total: 120.00 EUR"
    (eml,) = parsed.files
    assert eml.filename == "Your receipt.eml"
    # The kept file is the whole forwarded mail, with its own attachment inside.
    inner = parse_mail(eml.data)
    assert inner.from_address == "receipts@store.example"
    assert [a["filename"] for a in inner.attachments] == ["receipt.pdf"]


def nested_mail(depth: int) -> bytes:
    body = f"--b{depth}\nContent-Type: text/plain\n\ndeep inside\n"
    for level in range(depth, 0, -1):
        body = (
            f'--b{level - 1}\nContent-Type: multipart/mixed; boundary="b{level}"\n\n'
            f"{body}--b{level}--\n"
        )
    head = (
        "From: Tom <tom@customer.example>\nTo: support@example.com\nSubject: Nested\n"
        "Message-ID: <nested@customer.example>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b0"\n\n'
    )
    return (head + body + "--b0--\n").encode()


@pytest.mark.parametrize("depth", [30, MAX_CONTAINERS + 5])
def test_too_deep_mail_is_kept_whole_with_a_note(depth: int) -> None:
    raw = nested_mail(depth)
    parsed = parse_mail(raw)
    assert parsed.over_limit is not None and "nested" in parsed.over_limit
    assert parsed.notes == ["over_limit"]
    assert [(f.filename, f.data) for f in parsed.files] == [("original.eml", raw)]
    # The headers are still read: it threads and has a sender like any mail.
    assert parsed.from_address == "tom@customer.example"
    assert parsed.message_id == "<nested@customer.example>"
    assert channel_data(parsed)["over_limit"] == parsed.over_limit


def test_a_huge_header_is_not_parsed() -> None:
    message = EmailMessage()
    message["From"] = "Tom <tom@customer.example>"
    message["Subject"] = "Many recipients"
    message["Message-ID"] = "<huge@customer.example>"
    message["X-Padding"] = " ".join(f"word{i}" for i in range(MAX_HEADER_BYTES // 5))
    message.set_content("Hello")
    parsed = parse_mail(message.as_bytes())
    assert parsed.over_limit is not None and "header" in parsed.over_limit
    assert parsed.from_address == "tom@customer.example"
    assert parsed.files[0].filename == "original.eml"


@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_a_very_long_text_is_cut_for_the_view_and_kept_whole(subtype: str) -> None:
    line = "Строка отчёта номер {}, всё в порядке."
    lines = [line.format(i) for i in range(60_000)]  # ~2.7 MB of text
    body = "\n".join(lines) if subtype == "plain" else "".join(f"<p>{x}</p>" for x in lines)
    message = EmailMessage()
    message["From"] = "Tom <tom@customer.example>"
    message["Subject"] = "Log"
    message["Message-ID"] = "<long@customer.example>"
    message.set_content(body, subtype=subtype)
    raw = message.as_bytes()
    parsed = parse_mail(raw)
    assert parsed.notes == ["truncated"]
    assert parsed.over_limit is None
    assert parsed.text.startswith("Строка отчёта номер 0, всё в порядке.")
    assert len(parsed.text) <= KEEP_TEXT and len(parsed.full_text) <= KEEP_TEXT
    # Nothing is lost: the whole mail is its attachment, and its last line is in it.
    (original,) = parsed.files
    assert original.filename == "original.eml" and original.data == raw
    kept = message_from_bytes(original.data, policy=policy.default)
    assert isinstance(kept, EmailMessage)
    assert line.format(59_999) in kept.get_content()


async def test_parsing_runs_off_the_event_loop() -> None:
    raw = nested_mail(15)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    parsed = await parse_off_loop(raw)
    task.cancel()
    assert parsed.text == "deep inside"
    assert ticks > 0  # the loop kept running while the worker thread parsed


def test_broken_mail_never_raises() -> None:
    """Truncated, bit-flipped and spliced fixtures: every one parses (or is kept whole)."""
    rng = random.Random(18)
    mails = [(FIXTURES / e["file"]).read_bytes() for e in EXPECTED]
    splices = [b"=?x-unknown?q?=FF?=", b"\r\n\r\n", b"boundary=", b"filename*=utf-8''%FF%"]
    for _ in range(400):
        raw = bytearray(rng.choice(mails))
        roll = rng.random()
        if roll < 0.3:
            raw = raw[: rng.randrange(len(raw))]
        elif roll < 0.7:
            for _ in range(rng.randint(1, 20)):
                raw[rng.randrange(len(raw))] = rng.randrange(256)
        else:
            at = rng.randrange(len(raw))
            raw[at:at] = rng.choice(splices)
        parsed = parse_mail(bytes(raw))
        assert parsed.message_id


@pytest.mark.parametrize(
    "text",
    [
        "Посылка?\nОтправлено с курьером вчера, трек 123.\nГде она?",
        "In 2025 my manager wrote:\nwe always refund a double charge.\nPlease do.",
        "Добрый день!\n\nСчета за 2026 год пришлите на <buh@customer.example>:\n1. январь",
        "From: our accountant\nDate: yesterday\nthe numbers are below.",
        "Вы писали, что доставка бесплатная:\nа в чеке 300 рублей.",
        "You wrote on the site that returns are free:\nwhy was I charged?",
    ],
)
def test_a_customers_own_text_is_never_cut(text: str) -> None:
    assert strip_quotes(text) == text
