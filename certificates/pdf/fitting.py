"""Text that stays in its box: shrink it, then wrap it, then cut it short with an ellipsis.

Every element the certificate prints has a box on the page, and `fit` decides at which size,
on how many lines and with how much of its text it is drawn there. It measures what is drawn:
each line's ink as HarfBuzz places the glyphs (marks stacked above or below a letter
included), not only its advance. Whatever it is given, the result lies inside the box:

1. the text on one line at its nominal size and place, if it fits there (nearly every line of
   nearly every certificate; a few comparisons, the shaped line being cached);
2. one line shrunk, down to `wrap_below` (the minimum size unless the element would rather
   wrap, as a course title does), centred in the box if its ink does not fit where it stands;
3. up to `max_lines` lines, wrapped at spaces and between East Asian wide characters, at the
   largest size down to `min_size` at which they fit;
4. at `min_size`, whole lines while they fit, then the longest start of the rest that fits
   with "…" after it: cut after a word, or inside a long word between grapheme clusters, so
   that a letter keeps its marks. A cluster too tall for the box even alone (a letter under
   hundreds of stacked marks) keeps the marks that fit.

Explicit bidi controls (embeddings, overrides, isolates) are balanced on every line drawn: one
opened and not closed is closed at the line's end, one closing nothing is dropped, so no line,
cut short or not, leaves a control open in the text a reader extracts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from itertools import pairwise
from typing import NamedTuple, TypeVar

from .shaping import ShapedLine, shape

ELLIPSIS = "\u2026"

# Opening controls (LRE, RLE, LRO, RLO; LRI, RLI, FSI) and what closes each (PDF; PDI).
_CLOSER = dict.fromkeys("\u202a\u202b\u202d\u202e", "\u202c") | dict.fromkeys(
    "\u2066\u2067\u2068", "\u2069"
)
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
_OVERHANG = 200  # thousandths of the size: how far letters' ink may pass a line's ends
_EPSILON = 1e-6  # points: two ways of computing one size agree to far better than this
_SIZE_STEPS = 8  # bisections for the size of a wrapped block: 30 pt of range to 0.12 pt

_T = TypeVar("_T")


class Box(NamedTuple):
    """A rectangle on the page, in points from the page's bottom left corner."""

    left: float
    right: float
    bottom: float
    top: float


class Fitted(NamedTuple):
    """How to draw an element: its lines as (start x, baseline y, shaped line), all at `size`
    points; `bottom` is the lowest ink of the block, for what goes under it."""

    size: float
    lines: tuple[tuple[float, float, ShapedLine], ...]
    bottom: float


class _Spec(NamedTuple):
    box: Box
    x: float
    y: float
    align: str
    size: float
    leading: float
    bold: bool
    rtl: bool


def fit(
    text: str,
    box: Box,
    *,
    x: float,
    y: float,
    size: float,
    min_size: float,
    align: str = "c",
    bold: bool = False,
    rtl: bool = False,
    max_lines: int = 1,
    leading: float = 1.25,
    wrap_below: float = 0.0,
) -> Fitted:
    """Fit `text` in `box`, anchored at x (its centre, start or end for `align` "c", "l" or
    "r") with its first baseline at y where it fits there, at `size` points or smaller but
    never smaller than `min_size`. Lines are `leading` sizes apart, more if their ink needs it.
    """
    # 1. As it is, where it stands: nearly every line, decided in four comparisons.
    line = shape(_balanced(text), bold=bold, base_rtl=rtl)
    start = _line_start(align, x, line, size)
    lo, hi = _across(line)
    bottom, top = line.ink[2] * size / 1000, line.ink[3] * size / 1000
    if (
        start + lo * size / 1000 >= box.left
        and start + hi * size / 1000 <= box.right
        and y + bottom >= box.bottom
        and y + top <= box.top
    ):
        return Fitted(size, ((start, y, line),), y + bottom)
    # 2. On one line, shrunk.
    spec = _Spec(box, x, y, align, size, leading, bold, rtl)
    text = unicodedata.normalize("NFC", text)
    one = (_shape(spec, text),)
    largest = _largest_size(spec, one)
    if largest >= (max(min_size, wrap_below) if max_lines > 1 else min_size) - _EPSILON:
        return _place(spec, one, largest)
    # 3. Wrapped.
    if max_lines > 1:
        wrapped = _largest_wrapped(spec, text, min_size, max_lines)
        if wrapped is not None:
            return wrapped
    # 4. Cut short.
    return _place(spec, _cut(spec, text, min_size, max_lines), min_size, grow=True)


def _largest_wrapped(spec: _Spec, text: str, min_size: float, max_lines: int) -> Fitted | None:
    """The block at the largest size from the nominal one down to min_size at which `text`
    wraps into at most max_lines lines that fit; None if it does not at min_size."""

    def wrapped(size: float) -> tuple[ShapedLine, ...] | None:
        _starts, lines, rest = _wrap(spec, text, size, max_lines)
        if rest < len(text) or _largest_size(spec, lines) < size - _EPSILON:
            return None
        return lines

    lines = wrapped(spec.size)
    if lines is not None:
        return _place(spec, lines, spec.size)
    if wrapped(min_size) is None:
        return None
    low, high = min_size, spec.size
    for _ in range(_SIZE_STEPS):
        middle = (low + high) / 2
        low, high = (middle, high) if wrapped(middle) is not None else (low, middle)
    return _place(spec, wrapped(low), low, grow=True)


def _wrap(
    spec: _Spec, text: str, size: float, max_lines: int
) -> tuple[list[int], tuple[ShapedLine, ...], int]:
    """Greedy wrapping at `size`: up to max_lines lines, each as long as fits across the box
    (a first word too long for the box makes a line on its own). The longest line is found
    by bisection, so a long text is not shaped once per word. Returns where each line starts
    in the text, the lines, and where the text left over starts."""
    units = _units(text)
    starts, lines, i = [], [], 0
    while i < len(units) and len(lines) < max_lines:
        start, first = units[i][0], i + 1

        def line_to(end: int, start: int = start, first: int = first):
            line = _shape(spec, text[start : units[end - 1][1]])
            return (end, line) if end == first or _fits_across(spec, line, size) else None

        i, line = _longest(line_to, first, len(units))
        starts.append(start)
        lines.append(line)
    return starts, tuple(lines), units[i][0] if i < len(units) else len(text)


def _cut(spec: _Spec, text: str, size: float, max_lines: int) -> tuple[ShapedLine, ...]:
    """The lines at `size`: whole lines while they fit, then the longest start of the rest
    that fits followed by an ellipsis (or the ellipsis alone, or nothing, if that is all that
    fits)."""
    starts, lines, _rest = _wrap(spec, text, size, max_lines)
    for k in range(len(lines) - 1, -1, -1):
        last = _shortened(spec, text[starts[k] :], size, lines[:k])
        if last is not None:
            return (*lines[:k], last)
    ellipsis = (_shape(spec, ELLIPSIS),)
    return ellipsis if _largest_size(spec, ellipsis) >= size - _EPSILON else ()


def _shortened(
    spec: _Spec, text: str, size: float, above: tuple[ShapedLine, ...]
) -> ShapedLine | None:
    """The longest start of `text` followed by "…" that fits at `size` under the lines
    `above`: cut after a word, or between grapheme clusters where that keeps twice as much
    (a long word); or else the first cluster with as many of its marks as fit; None if not
    even that fits."""

    def kept(end: int) -> tuple[int, ShapedLine] | None:
        start = text[:end]
        while start and (start[-1].isspace() or start[-1] in _CLOSER):
            start = start[:-1]  # no "…" after a space, nor after a control opening nothing
        if not start:
            return None
        line = _shape(spec, _balanced(start) + ELLIPSIS)
        return (end, line) if _largest_size(spec, (*above, line)) >= size - _EPSILON else None

    ends = [end for _start, end in _units(text)]
    by_word = _longest(lambda n: kept(ends[n - 1]), 1, len(ends))
    bounds = [*_grapheme_starts(text)[1:], len(text)]
    by_cluster = _longest(lambda n: kept(bounds[n - 1]), 1, len(bounds))
    if by_cluster is None and bounds:
        by_cluster = _longest(kept, 1, bounds[0] - 1)
    if by_word is not None and (by_cluster is None or 2 * by_word[0] >= by_cluster[0]):
        return by_word[1]
    return by_cluster[1] if by_cluster is not None else None


def _longest(attempt: Callable[[int], _T | None], low: int, high: int) -> _T | None:
    """attempt(n) for the largest n from low to high for which it is not None, by bisection
    (attempts are assumed to fail from some n on); None if attempt(low) is None."""
    if high < low:
        return None
    best = attempt(low)
    if best is None:
        return None
    while low < high:
        middle = (low + high + 1) // 2
        result = attempt(middle)
        if result is None:
            high = middle - 1
        else:
            low, best = middle, result
    return best


# measuring and placing ---------------------------------------------------------------------


def _shape(spec: _Spec, text: str) -> ShapedLine:
    return shape(_balanced(text), bold=spec.bold, base_rtl=spec.rtl)


def _start(align: str, advance: float) -> float:
    """Where a line starts from its anchor, in thousandths of the size."""
    if align == "c":
        return -advance / 2
    return -advance if align == "r" else 0.0


def _line_start(align: str, x: float, line: ShapedLine, size: float) -> float:
    """Where a line anchored at x starts on the page, reckoned as the renderer always has (from
    its pieces' widths at the size), so that an ordinary certificate's bytes do not change."""
    width = sum(piece.advance * size / 1000 for piece in line.pieces)
    return x - width / 2 if align == "c" else x - width if align == "r" else x


def _across(line: ShapedLine) -> tuple[float, float]:
    """What of a line must stay inside its box across, from its start, in thousandths of the
    size: its advance, and its ink where it passes the advance by more than letters' ink
    does (a J's hook, an f's ear), as marks hung before the first letter do."""
    return min(0.0, line.ink[0] + _OVERHANG), max(line.advance, line.ink[1] - _OVERHANG)


def _fits_across(spec: _Spec, line: ShapedLine, size: float) -> bool:
    start, (lo, hi) = _line_start(spec.align, spec.x, line, size), _across(line)
    return start + lo * size / 1000 >= spec.box.left and start + hi * size / 1000 <= spec.box.right


def _steps(spec: _Spec, lines: tuple[ShapedLine, ...]) -> list[float]:
    """Baseline to baseline between consecutive lines, in thousandths of the size: the
    leading, or more where the ink of one line would reach the next."""
    leading = spec.leading * 1000
    return [max(leading, below.ink[3] - above.ink[2]) for above, below in pairwise(lines)]


def _largest_size(spec: _Spec, lines: tuple[ShapedLine, ...]) -> float:
    """The largest size, up to the nominal one, at which the block fits in the box (across,
    from its anchor; and down, from its first line's ink top to its last line's ink bottom)."""
    box, x, size = spec.box, spec.x, spec.size
    for line in lines:
        start, (lo, hi) = _start(spec.align, line.advance), _across(line)
        if start + hi > 0:
            size = min(size, (box.right - x) * 1000 / (start + hi))
        if start + lo < 0:
            size = min(size, (x - box.left) * 1000 / -(start + lo))
    if lines:
        depth = sum(_steps(spec, lines)) if len(lines) > 1 else 0.0
        height = lines[0].ink[3] + depth - lines[-1].ink[2]
        if height > 0:
            size = min(size, (box.top - box.bottom) * 1000 / height)
    return max(size, 0.0)


def _place(
    spec: _Spec, lines: tuple[ShapedLine, ...], size: float, *, grow: bool = False
) -> Fitted:
    """The block at `size` (with grow: as large as it fits, up to the nominal size), its
    first baseline at y if it fits there, else centred in the box."""
    if not lines:
        return Fitted(size, (), spec.y)
    if grow:
        size = max(size, _largest_size(spec, lines))
    steps = [step * size / 1000 for step in _steps(spec, lines)] if len(lines) > 1 else []
    y, box = spec.y, spec.box
    top = y + lines[0].ink[3] * size / 1000
    bottom = y - sum(steps) + lines[-1].ink[2] * size / 1000
    if top > box.top or bottom < box.bottom:
        shift = (box.top + box.bottom - top - bottom) / 2
        y, bottom = y + shift, bottom + shift
    placed = [(_line_start(spec.align, spec.x, lines[0], size), y, lines[0])]
    for step, line in zip(steps, lines[1:], strict=True):
        y -= step
        placed.append((_line_start(spec.align, spec.x, line, size), y, line))
    return Fitted(size, tuple(placed), bottom)


# text ----------------------------------------------------------------------------------------


def _balanced(text: str) -> str:
    """`text` with its explicit bidi controls paired: closers closing nothing dropped,
    openers left open closed at the end."""
    if text.isascii() or not _BIDI_CONTROL.search(text):
        return text
    out, opened = [], []
    for ch in text:
        if ch in _CLOSER:
            opened.append(ch)
        elif ch == "\u202c":  # PDF closes the last embedding or override, not across an isolate
            if not opened or _CLOSER[opened[-1]] != ch:
                continue
            opened.pop()
        elif ch == "\u2069":  # PDI closes the last isolate and what was opened inside it
            if ch not in (_CLOSER[c] for c in opened):
                continue
            while _CLOSER[opened.pop()] != ch:
                pass
        out.append(ch)
    out.extend(_CLOSER[ch] for ch in reversed(opened))
    return "".join(out)


def _joins(previous: str, ch: str) -> bool:
    """Whether `ch` continues the grapheme cluster that `previous` is part of: Unicode's
    extended grapheme clusters, the rules that matter for names and titles (marks, joiners,
    spacing marks, Thai and Lao AM, Indic conjuncts, Hangul jamo, emoji modifiers)."""
    if unicodedata.category(ch) in ("Mn", "Me", "Mc") or ch in "\u200c\u200d\u0e33\u0eb3":
        return True
    if previous == "\u200d" or "\u1160" <= ch <= "\u11ff" or "\U0001f3fb" <= ch <= "\U0001f3ff":
        return True
    return unicodedata.combining(previous) == 9 and unicodedata.category(ch) == "Lo"


def _grapheme_starts(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if i == 0 or not _joins(text[i - 1], ch)]


def _units(text: str) -> list[tuple[int, int]]:
    """(start, end) of the pieces a line does not break inside: words between spaces, and
    each East Asian wide character on its own."""
    units: list[tuple[int, int]] = []
    word: tuple[int, int] | None = None
    for start, end in pairwise([*_grapheme_starts(text), len(text)]):
        cluster = text[start:end]
        if cluster.isspace():
            if word:
                units.append(word)
            word = None
        elif unicodedata.east_asian_width(cluster[0]) in ("W", "F"):
            if word:
                units.append(word)
            units.append((start, end))
            word = None
        else:
            word = (word[0], end) if word else (start, end)
    if word:
        units.append(word)
    return units
