"""Fonts and text shaping: from a line of Unicode text to positioned glyphs in embedded fonts.

Every run of text is shaped with HarfBuzz (uharfbuzz) so Arabic joins, Vietnamese marks sit right
and Latin kerns. reportlab's own font machinery still embeds the (subset) Noto fonts and writes
the glyphs; `_ShapingFont` bridges the two. Shaped glyphs that have no character of their own
(Arabic contextual forms, ligatures) are given private-use codes whose ToUnicode entries spell
the source text, so copying or extracting the text gives the participant's name back.

Glyphs are written in visual order (left to right), as PDF requires: `ordering` cuts a line into
runs of one direction and puts them in the order of the Unicode Bidirectional Algorithm.
Right-to-left runs carry their text mirrored in ToUnicode, so that the text extracted from a
line, read left to right, is what the algorithm displays.

A shaped line also knows its ink: the box its glyphs cover once HarfBuzz has placed them, marks
stacked above or below included, so that `fitting` can keep it inside the page.

Fonts are registered once per process, lazily, and shaped lines are cached: the fonts' glyph
codes and widths are process state shared by every render, so the renderer is meant for one
thread per process (Celery prefork workers, gunicorn sync workers).

`_ShapingFont` reaches into reportlab's TrueType internals (the face's glyph tables, the
per-document subsets, the font objects `addObjects` writes); docs/certificates.md lists each,
tests/certificates/test_reportlab_fences.py checks that each still exists and behaves as relied
upon, and where a change would otherwise go unnoticed the code stops with `ReportlabChanged`.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path

import reportlab
import uharfbuzz as hb
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFObject
from reportlab.pdfbase.ttfonts import SUBSETN, ShapeData, ShapedStr, TTFont, makeToUnicodeCMap

from .ordering import visual_runs

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"


class ReportlabChanged(RuntimeError):
    """reportlab no longer has an internal the renderer relies on, or it behaves otherwise:
    rather than write a certificate whose text extracts wrong or whose glyphs sit wrong."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"reportlab {reportlab.Version}: {what}. certificates/pdf/shaping.py relies on it: "
            "run tests/certificates/test_reportlab_fences.py and re-check the list in "
            "docs/certificates.md ('reportlab internals we rely on') before moving the pin."
        )


class _ShapingFont(TTFont):
    """A TTFont that draws HarfBuzz glyphs and keeps their source text for ToUnicode."""

    def __init__(self, name: str, path: Path) -> None:
        # Subsets hold only the glyphs a certificate uses. reportlab's default (asciiReadable)
        # also embeds all printable ASCII in every subset so that the content stream reads as
        # ASCII; it made certificates half as large again, and slower to subset and deflate,
        # for no visible difference: text is extracted through ToUnicode either way.
        super().__init__(name, str(path), asciiReadable=0)
        # reportlab draws a ShapedStr at HarfBuzz's positions only for a font it calls shapable
        # (its own uharfbuzz import worked, rl_config.unShapedFontGlob spares the name); for
        # any other it writes the glyphs at their plain widths, unkerned and marks misplaced.
        if not self.shapable:
            raise ReportlabChanged(f"TTFont {name!r} is not shapable")
        face = self.face
        if not (isinstance(face.charToGlyph, dict) and isinstance(face.charWidths, dict)):
            raise ReportlabChanged("TTFontFace.charToGlyph or charWidths is not a dict")
        # Every subset reads the font's tables again (the whole glyph table each time, sliced
        # out of the file's bytes); the file does not change, so each is sliced out once.
        face.get_table = cache(face.get_table)
        data = path.read_bytes()
        self.hb_font = hb.Font(hb.Face(hb.Blob(data)))
        self.upem = self.hb_font.face.upem
        self._codes: dict[tuple[int, str], int] = {}
        self.code_text: dict[int, str] = {}
        self._next_private = 0xE000
        self.chars = frozenset(chr(c) for c in self.face.charToGlyph)
        self.inks = _Inks(self.hb_font)

    def code_for(self, gid: int, text: str) -> int:
        """A character code that draws glyph `gid` and extracts as `text`."""
        key = (gid, text)
        code = self._codes.get(key)
        if code is None:
            face = self.face
            if len(text) == 1 and face.charToGlyph.get(ord(text)) == gid:
                code = ord(text)
            else:
                code = self._next_private
                while code in face.charToGlyph:
                    code += 1
                if code > 0xF8FF:
                    raise ValueError(f"font {self.fontName}: private-use codes exhausted")
                self._next_private = code + 1
                face.charToGlyph[code] = gid
                face.charWidths[code] = self.hb_font.get_glyph_h_advance(gid) * 1000 / self.upem
                self.code_text[code] = text
            self._codes[key] = code
        return code

    def addObjects(self, doc) -> None:
        """reportlab's font objects for the document, then, in each subset's objects, the
        widths as one formatted array and the ToUnicode entries of the shaped glyphs."""
        # reportlab calls this only for a font the document used, whose per-document state
        # holds the character codes of each subset; it deletes the state as it finishes.
        state = self.state.get(doc)
        if state is None or not state.subsets:
            raise ReportlabChanged("TTFont.state[doc].subsets is missing in addObjects")
        subsets = [list(s) for s in state.subsets]
        super().addObjects(doc)
        fonts_by_base = {
            getattr(font, "BaseFont", None): font
            for font in doc.idToObject["BasicFonts"].dict.values()
        }
        for n, subset in enumerate(subsets):
            base = b"".join((SUBSETN(n), b"+", self.face.name, self.face.subfontNameX))
            base = base.decode("pdfdoc")
            font = fonts_by_base.get(base)
            stream = doc.idToObject.get("toUnicodeCMap:" + base)
            if font is None or stream is None or not isinstance(font.Widths, PDFArray):
                raise ReportlabChanged(
                    f"no font object {base!r} with a Widths PDFArray and a ToUnicode stream "
                    "named 'toUnicodeCMap:' + BaseFont"
                )
            font.Widths = _Numbers(font.Widths.sequence)
            if any(c in self.code_text for c in subset):
                stream.content = _to_unicode_cmap(base, subset, self.code_text)


class _Inks(dict):
    """Glyph id -> the glyph's ink box (left, right, bottom, top) in thousandths of the font
    size from its origin, read from the font the first time it is asked for. A glyph that
    draws nothing (a space) has an empty box, inside out, which widens no union."""

    def __init__(self, hb_font: hb.Font) -> None:
        super().__init__()
        self.hb_font = hb_font
        self.scale = 1000 / hb_font.face.upem

    def __missing__(self, gid: int) -> tuple[float, float, float, float]:
        extents = self.hb_font.get_glyph_extents(gid)
        if extents is None or not extents.width or not extents.height:
            box = (math.inf, -math.inf, math.inf, -math.inf)
        else:
            left, top = extents.x_bearing * self.scale, extents.y_bearing * self.scale
            box = (left, left + extents.width * self.scale, top + extents.height * self.scale, top)
        self[gid] = box
        return box


class _Numbers(PDFObject):
    """A PDF array of numbers formatted in one call: reportlab's PDFArray formats each element
    through its generic object formatter, which for a subset's glyph widths (one number per
    glyph) was a tenth of writing a certificate."""

    def __init__(self, numbers) -> None:
        self.numbers = list(numbers)

    def format(self, document) -> bytes:
        return b"[ " + fp_str(*self.numbers).encode("ascii") + b" ]" if self.numbers else b"[ ]"


def _to_unicode_cmap(base: str, subset: list[int], code_text: dict[int, str]) -> str:
    """reportlab's ToUnicode CMap for a subset, with the source text of the shaped glyphs."""
    lines = makeToUnicodeCMap(base, subset).split("\n")
    begin = f"{len(subset)} beginbfchar"
    if begin not in lines or len(lines) < lines.index(begin) + 1 + len(subset):
        raise ReportlabChanged(f"makeToUnicodeCMap has no line {begin!r} followed by its entries")
    first = lines.index(begin) + 1
    for i, c in enumerate(subset):
        text = code_text.get(c)
        if text is not None:
            # Only a cluster's first glyph carries its text; the others extract as a zero-width
            # space, so a name drawn with extra glyphs (a base and its mark) is not repeated.
            hexed = text.encode("utf-16-be").hex().upper() or "200B"
            lines[first + i] = f"<{i:02X}> <{hexed}>"
    return "\n".join(lines)


@cache
def fonts() -> dict[str, _ShapingFont]:
    """Register the bundled fonts once per process."""
    files = {
        "serif": "NotoSerif-Regular.ttf",
        "serif-bold": "NotoSerif-Bold.ttf",
        "naskh": "NotoNaskhArabic-Regular.ttf",
        "naskh-bold": "NotoNaskhArabic-Bold.ttf",
    }
    registered = {}
    for key, filename in files.items():
        font = _ShapingFont(f"Cert-{key}", FONT_DIR / filename)
        pdfmetrics.registerFont(font)
        # reportlab hands the first TTFont registered for a face to every name registered for
        # it: another font of these faces registered first would draw without our ToUnicode.
        if pdfmetrics.getFont(font.fontName) is not font:
            raise ReportlabChanged(
                f"pdfmetrics.getFont({font.fontName!r}) is another font object (was a font of "
                f"the face {filename} registered before?)"
            )
        registered[key] = font
    return registered


_FIRST_RTL = "\u0590"  # Hebrew, the first block with right-to-left letters

Ink = tuple[float, float, float, float]  # left, right, bottom, top


@dataclass(frozen=True)
class Piece:
    """A shaped run in one font and one direction, ready to draw with a text object.

    `stretches` are its glyphs cut where their height changes: (rise, glyphs), the rise in
    thousandths of the font size. Most pieces are one stretch at rise 0; marks that HarfBuzz
    stacks above or below a letter make stretches of their own, drawn with a text rise (`Ts`).
    reportlab can draw the vertical offsets of a ShapedStr itself, but after two stacked marks
    it loses track of the rise it set and leaves it set: the rise is graphics state, so every
    line drawn afterwards moved up or down with it (the course title, date, code and URL off
    the page under a name with a few stacked accents). So the glyphs given to reportlab never
    have a vertical offset. Glyphs are a plain string when none is kerned or offset: reportlab
    writes it exactly as it would the ShapedStr, without walking every glyph's position on
    every render.
    """

    font: _ShapingFont
    stretches: tuple[tuple[float, str | ShapedStr], ...]
    advance: float  # in thousandths of the font size
    ink: Ink  # from the piece's start on the baseline, in thousandths of the font size


@dataclass(frozen=True)
class ShapedLine:
    """One line of text shaped: its pieces in visual order, its advance (the width a reader
    sees and a PDF reader reports, in thousandths of the font size) and its ink, the box that
    its glyphs cover from the line's start on the baseline (advance box included)."""

    pieces: tuple[Piece, ...]
    advance: float
    ink: Ink


@lru_cache(maxsize=1024)
def shape(text: str, *, bold: bool, base_rtl: bool) -> ShapedLine:
    """Shape a line into pieces (one font, one direction each) in visual order.

    Cached, and independent of the font size: the wording, organisation and signatory repeat
    on every certificate of a course, and a line shrunk to fit is not shaped a second time.
    """
    registered = fonts()
    latin = registered["serif-bold" if bold else "serif"]
    arabic = registered["naskh-bold" if bold else "naskh"]
    pieces = []
    for rtl, run in visual_runs(unicodedata.normalize("NFC", text), rtl=base_rtl):
        # Within a run, split where the font changes (Arabic script vs everything else).
        chunks: list[tuple[_ShapingFont, str]] = []
        if not rtl and max(run) < _FIRST_RTL:
            chunks.append((latin, run))  # nothing right to left: one chunk (most lines)
        else:
            for ch in run:
                right_to_left = unicodedata.bidirectional(ch) in ("R", "AL")
                font = arabic if (rtl and ch in arabic.chars) or right_to_left else latin
                if chunks and chunks[-1][0] is font:
                    chunks[-1] = (font, chunks[-1][1] + ch)
                else:
                    chunks.append((font, ch))
        if rtl:
            chunks.reverse()
        pieces.extend(_shape_run(font, chunk, rtl) for font, chunk in chunks)
    advance, left, right, bottom, top = 0.0, 0.0, 0.0, 0.0, 0.0
    for piece in pieces:
        p_left, p_right, p_bottom, p_top = piece.ink
        left, right = min(left, advance + p_left), max(right, advance + p_right)
        bottom, top = min(bottom, p_bottom), max(top, p_top)
        advance += piece.advance
    return ShapedLine(tuple(pieces), advance, (left, right, bottom, top))


def _shape_run(font: _ShapingFont, text: str, rtl: bool) -> Piece:
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    buf.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS
    hb.shape(font.hb_font, buf, {"kern": True, "liga": True})
    infos, positions = buf.glyph_infos, buf.glyph_positions
    clusters = [*sorted({info.cluster for info in infos}), len(text)]
    next_cluster = dict(pairwise(clusters))
    scale = 1000 / font.upem
    inks, widths = font.inks, font.face.charWidths
    seen = set()
    chars: list[str] = []
    shape_data: list[ShapeData] = []
    stretches = [(0.0, chars, shape_data)]
    raised = 0.0
    advance = left = right = bottom = top = 0.0
    for info, pos in zip(infos, positions, strict=True):
        cluster, gid = info.cluster, info.codepoint
        source = "" if cluster in seen else text[cluster : next_cluster[cluster]]
        seen.add(cluster)
        if rtl:
            source = source[::-1]
        code = font.code_for(gid, source)
        x_advance, x_offset, rise = pos.x_advance * scale, pos.x_offset * scale, pos.y_offset
        x = advance + x_offset
        if x_offset:
            # An offset glyph's own box, where a PDF reader reports it.
            left, right = min(left, x), max(right, x + x_advance)
        if rise:
            rise *= scale
        # Comparisons rather than min() and max(): this runs for every glyph shaped.
        ink_left, ink_right, ink_bottom, ink_top = inks[gid]
        if x + ink_left < left:
            left = x + ink_left
        if x + ink_right > right:
            right = x + ink_right
        if rise + ink_bottom < bottom:
            bottom = rise + ink_bottom
        if rise + ink_top > top:
            top = rise + ink_top
        advance += x_advance
        if rise != raised:
            chars, shape_data, raised = [], [], rise
            stretches.append((rise, chars, shape_data))
        chars.append(chr(code))
        shape_data.append(
            ShapeData(cluster, x_advance, pos.y_advance * scale, x_offset, 0, widths[code])
        )
    # The first stretch is empty when the first glyph is raised; none is if there is no glyph.
    stretches = [stretch for stretch in stretches if stretch[1]] or stretches[:1]
    return Piece(
        font,
        tuple((rise, _glyphs(chars, data)) for rise, chars, data in stretches),
        advance,
        (left, max(right, advance), bottom, top),
    )


def _glyphs(chars: list[str], shape_data: list[ShapeData]) -> str | ShapedStr:
    glyphs = "".join(chars)
    if all(s.x_offset == 0 and s.width == s.x_advance for s in shape_data):
        return glyphs
    return ShapedStr(glyphs, shape_data)
