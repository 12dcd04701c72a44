"""Markdown to safe HTML. Author HTML is never trusted: the output is sanitised with nh3."""

import re

import markdown as markdown_lib
import nh3

EXTENSIONS = ["extra", "sane_lists", "smarty"]

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
