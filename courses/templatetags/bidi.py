"""Names inside translated sentences keep their own direction: "Progress of Regional
e-learning 2026" in Arabic must not reorder the name's words and number around the Arabic.

    {% load bidi %}
    <h1>{% blocktranslate with cohort=cohort.name|isolated %}Progress of {{ cohort }}...
    {% block title %}{% blocktranslate with cohort=cohort.name|isolated_text %}...

`isolated` wraps the value in <bdi> (HTML); `isolated_text` in Unicode's first-strong isolate
and pop directional isolate (U+2068, U+2069), for text where no element may go (<title>).
"""

from django import template
from django.utils.html import format_html

register = template.Library()

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


@register.filter
def isolated(value) -> str:
    """The value, escaped, in a <bdi> element."""
    return format_html("<bdi>{}</bdi>", value)


@register.filter
def isolated_text(value) -> str:
    """The value between a first-strong isolate and its pop (escaped by the template as usual)."""
    return f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"
