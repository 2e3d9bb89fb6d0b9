"""Article Markdown to safe HTML: ``markdown-it-py`` renders (raw HTML in the source is not
passed through), then ``nh3`` (the Rust ``ammonia`` sanitiser) keeps only an allow-list of
tags, attributes and URL schemes — so a ``javascript:`` link, an ``onerror`` attribute or a
``<script>`` written by an author (or pasted from a customer's message) never reaches a
reader. Both are maintained libraries; nothing here parses HTML by hand."""

from __future__ import annotations

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

_TAGS = {
    "a", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead",
    "tr", "ul",
}  # fmt: skip


def render(markdown: str) -> str:
    """The article's HTML, safe to put in a page as it is."""
    html = _markdown.render(markdown)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}, "img": {"src", "alt", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def plain(markdown: str, limit: int = 200) -> str:
    """The article's text without markup, cut to ``limit`` characters (meta description)."""
    text = _SPACES.sub(" ", _TAG.sub(" ", nh3.clean(_markdown.render(markdown), tags=set())))
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya",
    }
)  # fmt: skip
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(title: str) -> str:
    """A URL slug from a title (Russian transliterated); ``article`` when nothing is left."""
    text = unicodedata.normalize("NFKD", title.lower().translate(_TRANSLIT))
    slug = _NOT_SLUG.sub("-", text.encode("ascii", "ignore").decode()).strip("-")
    return slug[:100].strip("-") or "article"
