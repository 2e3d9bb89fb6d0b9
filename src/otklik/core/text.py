"""Comparing names the way people read them."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """A key under which names that differ only in case, Unicode form or spacing are equal.

    NFKC, Python's full Unicode ``casefold`` (Cyrillic, Greek, ``ß`` → ``ss``…), NFKC again
    (casefolding can un-normalise), and runs of whitespace made one space. Databases cannot
    do this for us alike: SQLite's ``lower()`` folds ASCII only."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())
