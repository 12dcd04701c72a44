"""Markdown to safe HTML. Author HTML is never trusted: the output is sanitised with nh3."""

import re

import markdown as markdown_lib
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    NOIMG,
    ImageInlineProcessor,
    LinkInlineProcessor,
    dequote,
)

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "caption", "code", "dd", "del", "dfn", "div", "dl", "dt",
    "em", "h2", "h3", "h4", "h5", "h6", "hr", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
    "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul", "span", "figure", "figcaption", "section",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "th": {"scope", "colspan", "rowspan", "align"},
    "td": {"colspan", "rowspan", "align"},
    "ol": {"start"},
    "li": {"id"},
    "sup": {"id"},
    "div": {"class"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Any h1 tag, with attributes (`# Title {#id}`) or from raw HTML, not only a bare "<h1>".
H1_TAG = re.compile(r"<(/?)h1\b", re.IGNORECASE)
# After a link's destination: an optional title, set off by white space, then the closing ")".
LINK_TAIL = re.compile(r"""(?:\s+("[^"]*"|'[^']*'|\([^()]*\)))?\s*\)""")


class CommonMarkDestination(LinkInlineProcessor):
    """Python-Markdown's inline link or image, reading `(destination "title")` as CommonMark
    does.

    Python-Markdown takes a quote anywhere inside the parentheses for the start of a title, so
    `[text](javascript:alert('x'))` became a link to `javascript:alert(` titled "x" followed by a
    stray ")" (and an image, which is not kept, left the ")" alone). Here the destination runs to
    white space or the ")" that balances the opening one, and only then may a title follow;
    anything else falls back to Python-Markdown's reading.
    """

    def getLink(self, data, index):
        if not data.startswith("(", index):  # `[text][label]`, or not a link at all
            return super().getLink(data, index)
        position = index + 1
        while position < len(data) and data[position].isspace():
            position += 1
        if data.startswith("<", position):
            return super().getLink(data, index)  # `(<destination> "title")`: read right
        start, depth = position, 0
        while position < len(data) and not data[position].isspace():
            if data[position] == "(":
                depth += 1
            elif data[position] == ")":
                if depth == 0:
                    break
                depth -= 1
            position += 1
        tail = LINK_TAIL.match(data, position)
        if depth or tail is None:
            return super().getLink(data, index)
        href = self.unescape(data[start:position])
        title = tail.group(1)
        if title is not None:
            title = self.RE_TITLE_CLEAN.sub(" ", dequote(self.unescape(title[1:-1].strip())))
        return href, title, tail.end(), True


class CommonMarkImages(CommonMarkDestination, ImageInlineProcessor):
    pass


class CommonMarkLinksExtension(Extension):
    def extendMarkdown(self, md):
        # The names and priorities of the patterns they replace.
        md.inlinePatterns.register(CommonMarkDestination(NOIMG + r"\[", md), "link", 160)
        md.inlinePatterns.register(CommonMarkImages(IMAGE_LINK_RE, md), "image_link", 150)


EXTENSIONS = ["extra", "sane_lists", "smarty", CommonMarkLinksExtension()]


def render_markdown(text: str) -> str:
    """Render author Markdown to HTML that is safe to show as it is.

    Scripts, styles, iframes, forms, event-handler attributes and `javascript:` URLs are removed;
    links get rel="noopener noreferrer". `#` headings become h2, since the page owns the h1.
    """
    html = markdown_lib.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    html = H1_TAG.sub(r"<\1h2", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
