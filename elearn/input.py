"""What a request may carry: text the database, the JSON encoder and a PDF can all hold.

Checked once, where input enters: the API's parsers (elearn.parsers) for request bodies, and
`RefuseUnstorableInput` (elearn.middleware) for paths, query strings and page forms. Everything
behind them can assume that text holds characters only.

PostgreSQL refuses NUL in text and in jsonb; a lone surrogate (which JSON's \\udXXX escapes can
carry) cannot be encoded in UTF-8, so SQLite would store it and every later read of the row
would fail; non-characters (U+FFFE, U+FDD0...) are reserved by Unicode never to be characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

# Deepest nesting of arrays and objects a JSON body may have: our deepest real body is three
# levels ({"answers": {"12": {"pair": "option"}}}); a deeper one is an attack on the parser.
MAX_JSON_DEPTH = 20

_NONCHARACTERS = "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
)
_UNSTORABLE = re.compile(f"[\x00\ud800-\udfff\ufdd0-\ufdef{re.escape(_NONCHARACTERS)}]")


def first_unstorable_character(text: str) -> str | None:
    """The first character of `text` that must not be stored (see the module's docstring)."""
    found = _UNSTORABLE.search(text)
    return found.group() if found else None


def unstorable_message(character: str) -> str:
    if character == "\x00":
        return _("Text cannot contain a NUL character (U+0000).")
    return _("Text cannot contain U+%(code)04X, which is not a character.") % {
        "code": ord(character)
    }


def find_unstorable_text(data: Any) -> dict | None:
    """Errors for every string (keys included) in parsed input that must not be stored,
    shaped like a serializer's: {field: {key: [message]}}, or None when all text is clean.
    Raises ValueError when the input is nested deeper than MAX_JSON_DEPTH."""
    errors: dict = {}
    for path, text in _strings(data):
        character = first_unstorable_character(text)
        if character is None:
            continue
        # Keys are echoed in the errors: a bad one is shown with U+FFFD in place of what it
        # holds, or the error itself could not be encoded.
        path = [_UNSTORABLE.sub("\ufffd", key) for key in path] or ["non_field_errors"]
        node = errors
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node.setdefault(path[-1], []).append(unstorable_message(character))
    return errors or None


def _strings(data: Any) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path, text) for each string in `data`, walked without recursion so depth is checked
    before it can exhaust the stack."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_JSON_DEPTH:
            raise ValueError("nested too deeply")
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                key = str(key)
                yield (*path, key), key
                stack.append((item, (*path, key)))
        elif isinstance(value, (list, tuple)):
            stack.extend((item, (*path, str(index))) for index, item in enumerate(value))


def find_unstorable_fields(fields: Iterable[tuple[str, list[str]]]) -> dict | None:
    """The same errors for form-shaped input (a QueryDict's `lists()`): {field: [message]}."""
    errors: dict = {}
    for name, values in fields:
        for text in (name, *values):
            character = first_unstorable_character(text)
            if character is not None:
                key = _UNSTORABLE.sub("\ufffd", name)
                errors.setdefault(key, []).append(unstorable_message(character))
                break
    return errors or None


def optional_id_field(help_text: str) -> serializers.IntegerField:
    """An optional id in an API query (`?cohort=` is none): anything that is not an id a
    database can hold (text, 0, 2**63) is a 400, not a 500 or a filter that matches nothing."""
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1, help_text=help_text
    )
