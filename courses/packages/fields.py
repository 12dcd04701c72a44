"""Typed access to one mapping of fields read from a file, with errors naming file and line.

The YAML loader (yaml_io) gives mappings that know their lines; the GIFT and Moodle XML readers
build `Located` mappings, so a question from any of them is checked by the same code.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..exceptions import PackageError
from .specs import MISSING, SLUG_RE


class Located(dict):
    """A mapping of fields that starts on `line` (key_lines: the line of each key, if known)."""

    def __init__(self, data=(), *, line: int | None = None, key_lines=None):
        super().__init__(data)
        self.line = line
        self.key_lines = dict(key_lines or {})


class Fields:
    """Typed access to one YAML mapping, with errors that name the file and line."""

    def __init__(self, data: Any, file: str, parent: Fields | None = None):
        self.file = file
        if not isinstance(data, dict):
            line = parent.line if parent else None
            raise PackageError("expected a mapping of fields (key: value)", file=file, line=line)
        self.data = data
        self.line = getattr(data, "line", None) or (parent.line if parent else None)
        self.key_lines = getattr(data, "key_lines", {})
        self.used: set[str] = set()

    def finish(self):
        """Refuse any field that was never read: a typo must not vanish silently."""
        for key in self.data:
            if key not in self.used:
                raise PackageError(
                    f"{key}: unknown field (a typo, or a field that does not apply here)",
                    file=self.file,
                    line=self.key_lines.get(key, self.line),
                )

    def fail(self, name: str, message: str):
        """Refuse the field `name`, pointing at its line, or the mapping's if it is missing."""
        line = self.key_lines.get(name, self.line)
        raise PackageError(f"{name}: {message}", file=self.file, line=line)

    def get(self, name: str, kind: type, default: Any = MISSING) -> Any:
        self.used.add(name)
        value = self.data.get(name, MISSING)
        if value is MISSING or value is None:
            if default is MISSING:
                self.fail(name, "is required")
            return default
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if (kind is not bool and isinstance(value, bool)) or not isinstance(value, kind):
            self.fail(name, f"must be {_KIND_NAMES[kind]}, not {type(value).__name__}")
        return value

    def text(self, name: str, *, max_length: int | None = None) -> str:
        value = self.get(name, str).strip()
        if not value:
            self.fail(name, "must not be empty")
        if max_length is not None and len(value) > max_length:
            self.fail(name, f"is {len(value)} characters long; the most is {max_length}")
        return value

    def slug(self, name: str, default: Any = MISSING) -> str:
        value = self.get(name, str, default)
        if not SLUG_RE.match(value) or len(value) > 100:
            self.fail(name, f"{value!r} is not a valid slug (letters, digits, '-' and '_')")
        return value

    def integer(self, name: str, default: Any = MISSING, *, minimum=None, maximum=None):
        value = self.get(name, int, default)
        if value is None:
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.fail(
                name,
                f"must be between {minimum} and {maximum}"
                if maximum is not None
                else f"must be at least {minimum}",
            )
        return value

    def decimal(
        self, name: str, default: Any = MISSING, *, minimum=None, digits: int, places: int
    ) -> Decimal:
        """A number that fits a DecimalField(max_digits=digits, decimal_places=places)."""
        value = self.get(name, object, default)
        if isinstance(value, bool):
            self.fail(name, f"must be a number, not {value!r}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(name, f"must be a number, not {value!r}")
        if not number.is_finite():
            self.fail(name, "must be a finite number")
        if minimum is not None and number < minimum:
            self.fail(name, f"must be a number of at least {minimum}")
        if number.normalize().as_tuple().exponent < -places:
            self.fail(name, f"{value!r} has too many decimal places; the most is {places}")
        if abs(number) >= Decimal(10) ** (digits - places):
            self.fail(name, f"must be less than {10 ** (digits - places)}")
        return number

    def path_in_package(self, value: Any, root: Path, name: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(name, f"expected a file path, not {value!r}")
        resolved = (root / value).resolve()
        if not resolved.is_relative_to(root.resolve()):
            self.fail(name, f"{value!r} is outside the package folder")
        if not resolved.is_file():
            self.fail(name, f"{value}: no such file")
        return resolved.relative_to(root.resolve()).as_posix()


_KIND_NAMES = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    object: "a value",
}
