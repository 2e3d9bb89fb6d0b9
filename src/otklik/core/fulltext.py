"""Full-text search terms, shared by the writers of searchable rows and the search service.

Both backends index the same *terms*, computed here by the app (ADR 23): the text split into
words of letters and digits (as SQLite FTS5's ``unicode61`` tokenizer splits), lower-cased,
``ё`` folded to ``е``, and each word reduced to its Snowball stem — Russian for Cyrillic
words, English for Latin ones; words with digits (order numbers, phone numbers) are kept as
they are. The space-separated terms are written with the row (a ``search_terms`` column);
SQLite's FTS5 table and PostgreSQL's ``tsvector`` (the ``simple`` configuration) only split
them on spaces, so a query matches the same rows on both.

A query is analysed the same way (:func:`parse`): words are ANDed, ``"quoted words"`` are a
phrase, a word written with punctuation inside (an email, ``ORD-2024-117``) is the phrase of
its parts — found as written — and the last word, while the user is still typing it, is a
prefix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")
_DIGIT = re.compile(r"\d")
_RUSSIAN = snowballstemmer.stemmer("russian")
_ENGLISH = snowballstemmer.stemmer("english")
#: A prefix shorter than this matches too many words to be worth it: it is a whole word.
MIN_PREFIX = 2


def fold(word: str) -> str:
    return word.lower().replace("ё", "е")


@lru_cache(maxsize=100_000)
def term(folded: str) -> str:
    """The index term of one folded word (cached: words repeat, Zipf's law)."""
    if _DIGIT.search(folded):
        return folded
    if _CYRILLIC.search(folded):
        return str(_RUSSIAN.stemWord(folded))
    if _LATIN.search(folded):
        return str(_ENGLISH.stemWord(folded))
    return folded


def words(text: str) -> list[str]:
    """The words of ``text`` as written (letters and digits)."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return _WORD.findall(text)


def terms(text: str) -> list[str]:
    return [term(fold(word)) for word in words(text)]


def analyze(*parts: object) -> str:
    """The ``search_terms`` of a row from its searchable values (``None`` skipped)."""
    return " ".join(
        " ".join(terms(str(part))) for part in parts if part is not None and part != ""
    ).strip()


# --- queries ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clause:
    """Terms that must stand one after another (a single term is a phrase of one); when
    ``prefixes`` is set the last term is being typed and any term starting with one of them
    matches it."""

    terms: tuple[str, ...]
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    clauses: tuple[Clause, ...]

    def exact(self) -> frozenset[str]:
        return frozenset(t for c in self.clauses for t in c.terms)

    def prefixes(self) -> tuple[str, ...]:
        return tuple(p for c in self.clauses for p in c.prefixes)


_QUOTED = re.compile(r'"([^"]*)"?')


def parse(q: str) -> Query | None:
    """The query the user typed; ``None`` when it has no word to look for."""
    clauses: list[Clause] = []
    position = 0
    for found in _QUOTED.finditer(q):
        clauses.extend(_plain(q[position : found.start()], typing=False))
        phrase = tuple(terms(found.group(1)))
        if phrase:
            clauses.append(Clause(phrase))
        position = found.end()
    tail = q[position:]
    typing = bool(tail) and not tail[-1].isspace()
    clauses.extend(_plain(tail, typing=typing))
    return Query(tuple(clauses)) if clauses else None


def _plain(text: str, *, typing: bool) -> list[Clause]:
    chunks = text.split()
    clauses: list[Clause] = []
    for index, chunk in enumerate(chunks):
        written = words(chunk)
        if not written:
            continue
        found = tuple(term(fold(word)) for word in written)
        last = fold(written[-1])
        if typing and index == len(chunks) - 1 and len(last) >= MIN_PREFIX:
            prefixes = tuple(dict.fromkeys((found[-1], last)))
            clauses.append(Clause(found[:-1], prefixes))
        else:
            clauses.append(Clause(found))
    return clauses


def fts5_match(query: Query) -> str:
    """The FTS5 ``MATCH`` expression (terms are letters and digits: quoting is safe)."""
    parts = []
    for clause in query.clauses:
        head = " ".join(clause.terms)
        if not clause.prefixes:
            parts.append(f'"{head}"')
            continue
        options = [f'"{head} {p}"*' if head else f'"{p}"*' for p in clause.prefixes]
        parts.append(options[0] if len(options) == 1 else f"({' OR '.join(options)})")
    return " AND ".join(parts)


def pg_tsquery(query: Query) -> str:
    """The same query for PostgreSQL's ``to_tsquery('simple', …)``."""
    parts = []
    for clause in query.clauses:
        head = [f"'{t}'" for t in clause.terms]
        if not clause.prefixes:
            parts.append(f"({' <-> '.join(head)})")
            continue
        options = [" <-> ".join([*head, f"'{p}':*"]) for p in clause.prefixes]
        parts.append(f"({' | '.join(f'({o})' for o in options)})")
    return " & ".join(parts)
