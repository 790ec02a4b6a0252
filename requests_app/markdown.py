"""User text (descriptions, comments) rendered from Markdown and sanitised with nh3.

Markdown passes raw HTML through, so nh3 decides what survives: a fixed set of tags and
attributes, http/https/mailto links only (no `javascript:`), and every link marked
rel="nofollow noopener".

Images are never loaded: every image (Markdown `![alt](url)` or raw `<img>`) is shown as a link to it
(issue 12 case 8: an image from another site tells that site who opened the issue, and when). The page's
Content-Security-Policy (`img-src 'self' data:`) would block it anyway.
"""

from html import escape
from html.parser import HTMLParser

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "details",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",  # kept through the first clean only, to be turned into a link
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["fenced_code", "tables", "sane_lists", "nl2br"]


class _ImagesAsLinks(HTMLParser):
    """Re-emits sanitised HTML as it is, but each `<img>` as `<a href=src>Image: alt</a>`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag != "img":
            self.out.append(self.get_starttag_text() or "")
            return
        values = dict(attrs)
        src = values.get("src") or ""
        alt = values.get("alt") or values.get("title") or src
        if src:
            self.out.append(f'<a href="{escape(src)}">{escape(f"Image: {alt}")}</a>')

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(data)

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
    )


def markdown_to_html(text: str) -> SafeString:
    """`text` (Markdown, any raw HTML in it) as safe HTML: nh3's allow-list, images as links."""
    html = markdown_lib.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    rewriter = _ImagesAsLinks()
    rewriter.feed(_clean(html))
    rewriter.close()
    # Cleaned again: the links made from images get the same URL schemes and rel as every other link.
    return mark_safe(_clean("".join(rewriter.out)))  # noqa: S308 - nh3 has sanitised it
