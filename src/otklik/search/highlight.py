"""Snippets of a hit's text with the matching words marked: HTML-escaped, ``<mark>`` around
each word whose term the query looks for (so "заказов" is marked for the query "заказ")."""

from __future__ import annotations

import html
import re

from otklik.core.fulltext import Query, fold, term

_WORD = re.compile(r"[^\W_]+")
#: Characters of context shown around the first match.
SNIPPET_CHARS = 160


def _matches(word: str, exact: frozenset[str], prefixes: tuple[str, ...]) -> bool:
    folded = fold(word)
    found = term(folded)
    if found in exact:
        return True
    return any(found.startswith(p) or folded.startswith(p) for p in prefixes)


def snippet(text: str, query: Query, *, width: int = SNIPPET_CHARS) -> str:
    """Up to ``width`` characters of ``text`` around its first match, escaped and marked."""
    exact, prefixes = query.exact(), query.prefixes()
    spans = [
        (m.start(), m.end()) for m in _WORD.finditer(text) if _matches(m.group(), exact, prefixes)
    ]
    start = 0
    if spans and len(text) > width:
        start = max(0, spans[0][0] - width // 4)
        # Begin at a word boundary.
        while 0 < start < spans[0][0] and not text[start - 1].isspace():
            start += 1
    end = min(len(text), start + width)
    out: list[str] = ["…" if start > 0 else ""]
    position = start
    for left, right in spans:
        if left < start or right > end:
            continue
        out.append(html.escape(text[position:left]))
        out.append(f"<mark>{html.escape(text[left:right])}</mark>")
        position = right
    out.append(html.escape(text[position:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)
