"""YAML in (with line numbers for errors, duplicate keys refused) and out (readable blocks)."""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal
from typing import Any

import yaml

from ..exceptions import PackageError


class _Mapping(dict):
    """A YAML mapping that remembers the line it starts on and the line of each key."""

    line: int | None = None
    key_lines: dict[Any, int]


class _Loader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys and numbers lines from `line_offset` + 1."""

    def __init__(self, stream, line_offset: int = 0):
        super().__init__(stream)
        self.line_offset = line_offset

    def line_of(self, node) -> int:
        return node.start_mark.line + 1 + self.line_offset


MERGE_TAG = "tag:yaml.org,2002:merge"


def _construct_mapping(loader: _Loader, node):
    key_lines = {}
    for key_node, _value_node in node.value:
        if key_node.tag == MERGE_TAG:
            continue  # `<<: *defaults`: SafeLoader merges it in below; later keys override it
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            problem = f"a {type(key).__name__} cannot be a key"
            raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
        if key in key_lines:
            problem = f"the key {key!r} appears twice"
            raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
        key_lines[key] = loader.line_of(key_node)
    mapping = _Mapping(yaml.SafeLoader.construct_mapping(loader, node, deep=True))
    mapping.line = loader.line_of(node)
    mapping.key_lines = key_lines
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str, file: str, line_offset: int = 0) -> Any:
    """Parse YAML text that starts on line `line_offset` + 1 of `file`."""
    loader = _Loader(text, line_offset)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 + line_offset if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise PackageError(f"YAML error: {problem}", file=file, line=line) from None
    finally:
        loader.dispose()


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_decimal(dumper, value):
    if value == value.to_integral_value():
        return dumper.represent_int(int(value))
    return dumper.represent_float(float(value))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(Decimal, _represent_decimal)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
