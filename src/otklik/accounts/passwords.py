"""The password policy, applied wherever a password is set.

Length first (ASVS 2.1.1: at least 12 characters by default), then an offline guessability
check with zxcvbn: its bundled frequency lists hold the most common passwords of public
breaches, so ``password``, ``12345678`` or ``Password123!`` are refused without any request
leaving the server. The agent's own email and name count as easy guesses too.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

from otklik.core.errors import AppError

DEFAULT_MIN_LENGTH = 12
#: zxcvbn's score 3 means "safely unguessable" by an online attacker (≥ 10⁸ guesses).
MIN_SCORE = 3
#: zxcvbn's cost grows with the length; what follows the first 100 characters only adds
#: strength, so it is not looked at.
CHECKED_CHARS = 100


def weak_password(message: str) -> AppError:
    return AppError(422, "weak_password", message)


def check_password(password: str, *, min_length: int, user_inputs: list[str]) -> None:
    """Raise ``weak_password`` (422) unless ``password`` may be used."""
    inputs = [part for value in user_inputs for part in _parts(value)]
    result = zxcvbn(password[:CHECKED_CHARS], user_inputs=inputs)
    weak = result["score"] < MIN_SCORE
    if weak and any(m.get("dictionary_name") == "passwords" for m in result["sequence"]):
        raise weak_password(
            "This password is one of the most common passwords in published breaches. "
            "Choose another."
        )
    if len(password) < min_length:
        raise weak_password(f"The password must have at least {min_length} characters.")
    if weak:
        raise weak_password("This password is too easy to guess. Add words or characters.")


def _parts(value: str) -> list[str]:
    """An email and its local part, a name and its words: each an easy guess."""
    lowered = value.lower()
    parts = [lowered]
    if "@" in lowered:
        parts.append(lowered.split("@", 1)[0])
    parts.extend(word for word in lowered.replace(".", " ").split() if len(word) > 2)
    return parts
