"""Reading a CSV of addresses for enrolment: UTF-8 (a byte order mark is fine), an optional
header line, an address then an optional name on each line, separated by `,` or `;`, at most
2,000 addresses and 1 MB, no address twice. Every bad line is reported at once."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from elearn.input import first_unstorable_character, unstorable_message

from ...exceptions import InvalidUpload

MAX_UPLOAD_BYTES = 1024 * 1024
MAX_UPLOAD_ROWS = 2000
HEADER_CELLS = {"email", "e-mail", "email address", "e-mail address"}
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class UploadRow:
    line: int
    email: str  # lower case: an address in any case is the same address
    name: str


def parse_enrolment_csv(data: bytes | str) -> list[UploadRow]:
    """The rows of a CSV of addresses, or InvalidUpload listing every bad line (see the module's
    rules: UTF-8, optional header, address then optional name, `,` or `;`, no duplicates)."""
    text = _decode(data)
    lines = [line.rstrip("\n") for line in io.StringIO(text, newline=None)]
    delimiter = _delimiter([line for line in lines if line.strip()])
    rows: list[UploadRow] = []
    problems: list[tuple[int | None, str]] = []
    seen: dict[str, int] = {}
    first = True
    data_rows = 0
    for number, cells in enumerate(_cells(lines, delimiter), start=1):
        cells = [cell.strip() for cell in cells]
        while cells and not cells[-1]:  # spreadsheets pad rows with empty cells
            cells.pop()
        if not cells:
            continue
        is_first, first = first, False
        if is_first and cells[0].lower() in HEADER_CELLS:
            continue
        data_rows += 1
        if data_rows > MAX_UPLOAD_ROWS:
            raise InvalidUpload(
                [(None, _("The list has more than 2,000 addresses: split it into smaller lists."))]
            )
        problem = _row_problem(cells, is_first)
        # The preview is stored, and PostgreSQL refuses NUL: refused here, like a form's text.
        if problem is None and (character := first_unstorable_character("".join(cells))):
            problem = unstorable_message(character)
        if problem is None:
            email = cells[0].lower()
            if email in seen:
                problem = _("%(email)s is already on line %(line)d.") % {
                    "email": email,
                    "line": seen[email],
                }
            else:
                seen[email] = number
                name = cells[1] if len(cells) > 1 else ""
                rows.append(UploadRow(number, email, name[:MAX_NAME_LENGTH]))
        if problem is not None:
            problems.append((number, problem))
    if problems:
        raise InvalidUpload(problems)
    if not rows:
        raise InvalidUpload([(None, _("The list has no addresses."))])
    return rows


def _decode(data: bytes | str) -> str:
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > MAX_UPLOAD_BYTES:
        raise InvalidUpload(
            [(None, _("The list is larger than 1 MB: split it into smaller lists."))]
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            message = _("This line is not UTF-8 text: in a spreadsheet, save as “CSV UTF-8”.")
            raise InvalidUpload([(line, message)]) from None
    return data.removeprefix("\ufeff")


def _delimiter(lines: list[str]) -> str:
    """`,` or `;` (spreadsheets in many languages save CSV with semicolons): whichever puts an
    address (or the header) in the first column of more of the first lines; `,` on a tie."""

    def first_cells_understood(delimiter: str) -> int:
        understood = 0
        for cells in _cells(lines[:100], delimiter):
            first = cells[0].strip() if cells else ""
            understood += first.lower() in HEADER_CELLS or _is_email(first)
        return understood

    return max((",", ";"), key=first_cells_understood)  # max keeps the first of equals


def _cells(lines: list[str], delimiter: str):
    for line in lines:
        try:
            yield next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
        except csv.Error:
            yield [line]


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return len(value) <= 254


def _row_problem(cells: list[str], is_first: bool) -> str | None:
    if len(cells) > 2:
        return _("Too many columns: put the address first and, if you like, the name second.")
    email = cells[0]
    if not email:
        return _("There is no address in the first column.")
    if email.count("@") > 1 or (len(cells) > 1 and "@" in cells[1]):
        return _("Two addresses on one line: put one address per line.")
    if not _is_email(email):
        if is_first and "@" not in email:
            return _(
                "“%(value)s” is not an email address (a header line must start with “email”)."
            ) % {"value": email}
        return _("“%(value)s” is not an email address.") % {"value": email}
    return None
