"""The text of a mail's HTML part (quoted ``<blockquote>`` becomes ``>`` lines)."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _TextOfHtml(HTMLParser):
    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
    )
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        if tag == "blockquote":
            self._quote_depth += 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        if tag == "blockquote" and self._quote_depth:
            self._quote_depth -= 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        text = re.sub(r"\s+", " ", data)
        if self._quote_depth:
            # Quoted HTML becomes "> " lines, so the quote stripper treats it like plain text.
            text = "\n".join("> " + line for line in text.split("\n"))
        self.parts.append(text)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
