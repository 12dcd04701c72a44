"""The order a line is drawn in: the Unicode Bidirectional Algorithm (UAX #9).

`visual_runs` cuts a line into runs of one direction and puts them from left to right, as
python-bidi, the standard implementation, displays the line; `shaping` shapes each run with
HarfBuzz. Right-to-left certificates (Arabic) are paragraphs of that direction: a Latin name or
organisation on them, or a number after an Arabic word on any certificate, stands where the
algorithm puts it.
"""

from __future__ import annotations

from itertools import pairwise

import bidi
from bidi import get_display

_FIRST_RTL = "\u0590"  # Hebrew: no character before it is right to left or a bidi control
_RESET_BEFORE_SEPARATOR = frozenset({"WS", "FSI", "LRI", "RLI", "PDI"})
_RETAINED_CONTROLS = frozenset({"RLE", "LRE", "RLO", "LRO", "PDF", "BN"})


def visual_runs(text: str, *, rtl: bool) -> list[tuple[bool, str]]:
    """The line's runs from left to right, each as (right to left, its text in logical order),
    in a paragraph of the certificate's direction (`rtl`: right to left, for Arabic).

    python-bidi (the Rust unicode-bidi crate) resolves every character's embedding level. Its
    `get_display` returns only the characters reordered, which cannot be cut back into runs for
    HarfBuzz (which of two identical characters went where, which bracket to mirror), so the
    levels are read from its debug output and rules L1 and L2 order the runs as unicode-bidi's
    own `visual_runs` does: characters stand exactly where `get_display` puts them
    (tests/certificates/test_pdf_bidi.py). HarfBuzz then shapes each run in logical order in its
    direction, which mirrors brackets (rule L4) and keeps marks with their letters (L3). Each
    line is a paragraph of its own: a wrapped text is broken in logical order, then each line
    is ordered.
    """
    if not text:
        return []
    if not rtl and max(text) < _FIRST_RTL:
        return [(False, text)]  # all at level 0 (most lines of most certificates)
    classes, levels = _resolved_levels(text, rtl)
    base = 1 if rtl else 0
    runs: list[tuple[bool, str]] = []
    ends = [i + 1 for i, bidi_class in enumerate(classes) if bidi_class == "B"]
    for start, end in pairwise([0, *ends, len(text)]):
        # get_display reorders each paragraph on its own, and leaves one that resolved to no
        # odd level as it is (the shortcut of unicode-bidi's `reorder_line`, before L1).
        if start == end:
            continue
        if not any(level % 2 for level in levels[start:end]):
            runs.append((False, text[start:end]))
            continue
        line_levels = _reset_to_paragraph_level(classes[start:end], levels[start:end], base)
        runs.extend(
            (level % 2 == 1, text[start + i : start + j])
            for i, j, level in _in_visual_order(line_levels)
        )
    return runs


def _resolved_levels(text: str, rtl: bool) -> tuple[list[str], list[int]]:
    """Each character's bidi class and resolved embedding level (rules P2 to I2), as
    python-bidi shows them with debug=True: the unicode-bidi crate's BidiInfo, with one class
    and one level for every byte of the text's UTF-8."""
    shown = get_display(text, base_dir="R" if rtl else "L", debug=True)
    classes_at = shown.find("\n    original_classes: [\n")
    levels_at = shown.find("\n    levels: [\n", classes_at)
    end = shown.find("\n    paragraphs: [", levels_at)
    # ["original_classes:", "[", "AL,", ..., "],"] and ["levels:", "[", "Level(", "1,", "),", ...]
    classes = [token.rstrip(",") for token in shown[classes_at:levels_at].split()[2:-1]]
    levels = [token for token in shown[levels_at:end].split()[2:-1] if token[0].isdigit()]
    encoded = text.encode()
    if min(classes_at, levels_at, end) < 0 or not len(classes) == len(levels) == len(encoded):
        raise RuntimeError(
            f"python-bidi {bidi.VERSION}: no bidi classes and levels in its debug output; "
            "pyproject.toml bounds the versions whose output certificates/pdf/ordering.py reads"
        )
    firsts = [i for i, byte in enumerate(encoded) if byte & 0xC0 != 0x80]
    return [classes[i] for i in firsts], [int(levels[i].rstrip(",")) for i in firsts]


def _reset_to_paragraph_level(classes: list[str], levels: list[int], base: int) -> list[int]:
    """Rule L1 on one line: separators, and the whitespace and isolate controls before them
    or at the line's end, at the paragraph's level; retained controls at the level before
    them (unicode-bidi's `reorder_levels`, character by character)."""
    levels = list(levels)
    reset_from: int | None = 0
    previous = base
    for i, bidi_class in enumerate(classes):
        if bidi_class in ("B", "S"):
            start = i if reset_from is None else reset_from
            levels[start : i + 1] = [base] * (i + 1 - start)
            reset_from = None
        elif bidi_class in _RESET_BEFORE_SEPARATOR:
            reset_from = i if reset_from is None else reset_from
        elif bidi_class in _RETAINED_CONTROLS:
            reset_from = i if reset_from is None else reset_from
            levels[i] = previous
        else:
            reset_from = None
        previous = levels[i]
    if reset_from is not None:
        levels[reset_from:] = [base] * (len(levels) - reset_from)
    return levels


def _in_visual_order(levels: list[int]) -> list[tuple[int, int, int]]:
    """Rule L2: the line's level runs as (start, end, level), from left to right. From the
    highest level down to the lowest odd one, every stretch of runs at that level or higher
    is reversed."""
    runs, start = [], 0
    for i in range(1, len(levels) + 1):
        if i == len(levels) or levels[i] != levels[start]:
            runs.append((start, i, levels[start]))
            start = i
    lowest_odd = min(levels) if min(levels) % 2 else min(levels) + 1
    for level in range(max(levels), lowest_odd - 1, -1):
        i = 0
        while i < len(runs):
            if runs[i][2] < level:
                i += 1
                continue
            j = i + 1
            while j < len(runs) and runs[j][2] >= level:
                j += 1
            runs[i:j] = runs[i:j][::-1]
            i = j
    return runs
