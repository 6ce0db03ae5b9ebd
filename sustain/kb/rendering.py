"""Markdown to safe HTML, and to the plain text that the search index and snippets read."""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

# CommonMark plus tables and strikethrough; raw HTML in the source is escaped by the parser
# ("html": False) and nh3 cleans whatever the renderer produced, links included.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)
_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "img", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"},
               "td": {"align"}}  # fmt: skip
_SPACES = re.compile(r"\s+")
# The only images an article may show are its own files (``/kb/<slug>/files/<id>/<name>``):
# a remote image would tell a third party who reads the article (a tracking pixel).
OWN_FILE_URL = re.compile(r"/kb/[-a-zA-Z0-9_]+/files/[0-9]+/[^/?#\s\"'<>]+")


def _own_images_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not OWN_FILE_URL.fullmatch(value):
        return None
    return value


def render_markdown(source: str) -> str:
    return nh3.clean(
        _MARKDOWN.render(source),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_own_images_only,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def plain_text(body_html: str) -> str:
    """The words of rendered HTML, one space between them."""
    stripped = nh3.clean(body_html.replace("<", " <"), tags=set())
    return _SPACES.sub(" ", html.unescape(stripped)).strip()
