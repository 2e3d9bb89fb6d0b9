"""Why a missed target counts as missed, in words, for the breaches report."""

from __future__ import annotations

_REASONS = {
    "first_response": "no operator reply within {n} business minutes",
    "next_response": "no reply to the customer's message within {n} business minutes",
    "resolution": "not resolved within {n} business minutes",
    "ola_response": "OLA of line 2: no response within {n} business minutes",
    "ola_resolution": "OLA of line 2: not handed back or resolved within {n} business minutes",
}


def reason(target: str, minutes: int) -> str:
    """``reason("first_response", 15)``: "no operator reply within 15 business minutes"."""
    return _REASONS.get(target, target + ": missed after {n} business minutes").format(n=minutes)
