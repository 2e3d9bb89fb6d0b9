"""Milliseconds per mail to parse the email fixture set (tests/fixtures/email), p50 and p99.

``python -m bench.email_parse [--rounds N]``: every fixture is parsed ``N`` times (after one
warm-up round) by ``parse_mail`` — the work ``ingest`` does in its worker thread — plus two
synthetic mails at the limits (a deeply nested one and one with a huge header), which must be
turned away cheaply.
"""

from __future__ import annotations

import argparse
import statistics
import time
from email.message import EmailMessage
from pathlib import Path

from otklik.channels.email.parse import MAX_HEADER_BYTES, parse_mail

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "email"


def _nested(depth: int) -> bytes:
    body = f"--b{depth}\nContent-Type: text/plain\n\ndeep\n"
    for level in range(depth, 0, -1):
        body = f'--b{level - 1}\nContent-Type: multipart/mixed; boundary="b{level}"\n\n{body}'
        body += f"--b{level}--\n"
    head = 'From: a@b.example\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b0"\n\n'
    return (head + body + "--b0--\n").encode()


def _huge_header() -> bytes:
    mail = EmailMessage()
    mail["From"] = "a@b.example"
    mail["X-Padding"] = " ".join(f"w{i}" for i in range(MAX_HEADER_BYTES))
    mail.set_content("hello")
    return mail.as_bytes()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _measure(mails: list[bytes], rounds: int) -> list[float]:
    for raw in mails:
        parse_mail(raw)  # warm-up: imports, regex compilation, codec lookups
    times: list[float] = []
    for _ in range(rounds):
        for raw in mails:
            start = time.perf_counter()
            parse_mail(raw)
            times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    fixtures = [p.read_bytes() for p in sorted(FIXTURES.glob("*/*.eml"))]
    times = _measure(fixtures, args.rounds)
    print(f"{len(fixtures)} fixtures x {args.rounds} rounds")
    print(
        f"ms per mail: p50 {statistics.median(times):.2f}  p99 {_percentile(times, 0.99):.2f}"
        f"  max {max(times):.2f}"
    )
    for name, raw in (("nested 500 deep", _nested(500)), ("huge header", _huge_header())):
        limit = _measure([raw], 5)
        print(
            f"{name} ({len(raw) // 1024} KB, over the limit): p50 {statistics.median(limit):.2f} ms"
        )


if __name__ == "__main__":
    main()
