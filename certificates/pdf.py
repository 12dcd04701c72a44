"""Certificate PDF renderer: a pure function from plain data to PDF bytes.

Text is real, extractable text in embedded (subset) Noto fonts. Every run of text is shaped with
HarfBuzz (uharfbuzz) so Arabic joins, Vietnamese marks sit right and Latin kerns. Shaped glyphs
that have no character of their own (Arabic contextual forms, ligatures) are given private-use
codes whose ToUnicode entries spell the source text, so copying or extracting the text gives the
participant's name back. Glyphs are written in visual order (left to right), as PDF requires;
right-to-left runs carry their text mirrored in ToUnicode so that a reader applying the bidi
algorithm to the extracted line recovers the logical text.

Fonts are registered once per process, lazily. The renderer shares them across calls and is
meant for one thread per process (Celery prefork workers, gunicorn sync workers).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType

import segno
import uharfbuzz as hb
from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, ShapeData, ShapedStr, TTFont, makeToUnicodeCMap
from reportlab.pdfgen.canvas import Canvas

__all__ = ["LANGUAGES", "PAPERS", "WORDING_KEYS", "CertificateData", "render_certificate"]

FONT_DIR = Path(__file__).resolve().parent / "fonts"
LANGUAGES = ("en", "fr", "es", "ar")
PAPERS = {"A4": landscape(A4), "LETTER": landscape(LETTER)}
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")

# Wording per language. Placeholders: {date}, {hours}, {cohort}. Arabic uses a construction that
# needs no grammatical gender ("this certificate is awarded to ... for completing ...").
DEFAULT_WORDING: dict[str, dict[str, str]] = {
    "en": {
        "title": "Certificate of Completion",
        "before_name": "This is to certify that",
        "after_name": "has successfully completed the course",
        "cohort": "Cohort: {cohort}",
        "hours": "Duration: {hours} hours",
        "hours_one": "Duration: 1 hour",
        "date": "Completed on {date}",
        "code": "Verification code",
    },
    "fr": {
        "title": "Certificat de réussite",
        "before_name": "Le présent certificat atteste que",
        "after_name": "a suivi avec succès la formation",
        "cohort": "Promotion\u00a0: {cohort}",
        "hours": "Durée\u00a0: {hours} heures",
        "hours_one": "Durée\u00a0: 1 heure",
        "date": "Achevée le {date}",
        "code": "Code de vérification",
    },
    "es": {
        "title": "Certificado de finalización",
        "before_name": "Se certifica que",
        "after_name": "ha completado satisfactoriamente el curso",
        "cohort": "Cohorte: {cohort}",
        "hours": "Duración: {hours} horas",
        "hours_one": "Duración: 1 hora",
        "date": "Finalizado el {date}",
        "code": "Código de verificación",
    },
    "ar": {
        "title": "شهادة إتمام",
        "before_name": "تُمنح هذه الشهادة إلى",
        "after_name": "لإتمام الدورة التدريبية بنجاح",
        "cohort": "الدفعة: {cohort}",
        "hours": "عدد الساعات: {hours}",
        "hours_one": "عدد الساعات: 1",
        "date": "تاريخ الإتمام: {date}",
        "code": "رمز التحقق",
    },
}
WORDING_KEYS = frozenset(DEFAULT_WORDING["en"])

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": (
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
    ),
    "ar": "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
}


@dataclass(frozen=True, kw_only=True)
class CertificateData:
    """Everything printed on one certificate; validated on construction (ValueError)."""

    participant_name: str
    course_title: str
    language: str
    completion_date: date
    issuing_organisation: str
    signatory_name: str
    signatory_title: str
    verification_code: str
    verification_url: str
    cohort_name: str = ""
    hours: Decimal | None = None
    paper: str = "A4"
    logo_png: bytes | None = None
    primary_colour: str = "#1F3A5F"
    accent_colour: str = "#B08D57"
    wording: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        for name in (
            "participant_name",
            "course_title",
            "issuing_organisation",
            "verification_code",
            "verification_url",
        ):
            if not str(getattr(self, name) or "").strip():
                raise ValueError(f"{name} must not be empty")
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}; expected one of {LANGUAGES}")
        if self.paper not in PAPERS:
            raise ValueError(f"unknown paper {self.paper!r}; expected one of {tuple(PAPERS)}")
        if not isinstance(self.completion_date, date):
            raise ValueError("completion_date must be a date")
        if self.hours is not None and Decimal(self.hours) <= 0:
            raise ValueError("hours must be positive")
        for name in ("primary_colour", "accent_colour"):
            if not _HEX.match(getattr(self, name)):
                raise ValueError(f"{name} must be a #RRGGBB colour")
        unknown = set(self.wording) - WORDING_KEYS
        if unknown:
            raise ValueError(f"unknown wording keys: {sorted(unknown)}")
        if self.logo_png is not None and not self.logo_png.startswith(b"\x89PNG"):
            raise ValueError("logo_png must be PNG bytes")


def render_certificate(data: CertificateData) -> bytes:
    """Render one certificate to PDF bytes. Pure: no I/O besides reading the bundled fonts."""
    return _Layout(data).render()


# --------------------------------------------------------------------------------------------
# Fonts and shaping


class _ShapingFont(TTFont):
    """A TTFont that draws HarfBuzz glyphs and keeps their source text for ToUnicode."""

    def __init__(self, name: str, path: Path) -> None:
        super().__init__(name, str(path))
        data = path.read_bytes()
        self.hb_font = hb.Font(hb.Face(hb.Blob(data)))
        self.upem = self.hb_font.face.upem
        self._codes: dict[tuple[int, str], int] = {}
        self.code_text: dict[int, str] = {}
        self._next_private = 0xE000
        self.chars = frozenset(chr(c) for c in self.face.charToGlyph)

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
        state = self.state.get(doc)
        subsets = [list(s) for s in state.subsets] if state else []
        super().addObjects(doc)
        for n, subset in enumerate(subsets):
            if not any(c in self.code_text for c in subset):
                continue
            base = b"".join((SUBSETN(n), b"+", self.face.name, self.face.subfontNameX))
            base = base.decode("pdfdoc")
            stream = doc.idToObject["toUnicodeCMap:" + base]
            stream.content = _to_unicode_cmap(base, subset, self.code_text)


def _to_unicode_cmap(base: str, subset: list[int], code_text: dict[int, str]) -> str:
    cmap = makeToUnicodeCMap(base, subset)
    lines = []
    for i, c in enumerate(subset):
        text = code_text.get(c)
        if text is None:
            continue
        hexed = "".join(f"{u:04X}" for u in _utf16(text)) or "200B"
        lines.append(f"<{i:02X}> <{hexed}>")
    pattern = re.compile(r"^<([0-9A-F]{2})> <[0-9A-F]+>$", re.M)
    replace = {line[1:3]: line for line in lines}
    return pattern.sub(lambda m: replace.get(m.group(1), m.group(0)), cmap)


def _utf16(text: str) -> list[int]:
    data = text.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


@cache
def _fonts() -> dict[str, _ShapingFont]:
    """Register the bundled fonts once per process."""
    files = {
        "serif": "NotoSerif-Regular.ttf",
        "serif-bold": "NotoSerif-Bold.ttf",
        "naskh": "NotoNaskhArabic-Regular.ttf",
        "naskh-bold": "NotoNaskhArabic-Bold.ttf",
    }
    fonts = {}
    for key, filename in files.items():
        font = _ShapingFont(f"Cert-{key}", FONT_DIR / filename)
        pdfmetrics.registerFont(font)
        fonts[key] = font
    return fonts


def _is_rtl_char(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("R", "AL")


def _is_ltr_char(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("L", "EN", "AN")


def _runs(text: str, base_rtl: bool) -> list[tuple[bool, str]]:
    """Split one line into directional runs in visual order (a simplified bidi algorithm).

    Strong characters set the direction; numbers count as left to right; neutrals between two
    runs of one direction join it, other neutrals take the paragraph's direction. Enough for
    single-line certificate text (names, titles, dates, codes); no explicit embeddings.
    """
    dirs: list[bool | None] = [
        True if _is_rtl_char(ch) else False if _is_ltr_char(ch) else None for ch in text
    ]
    resolved: list[bool] = []
    for i, d in enumerate(dirs):
        if d is not None:
            resolved.append(d)
            continue
        before = next((x for x in reversed(dirs[:i]) if x is not None), base_rtl)
        after = next((x for x in dirs[i + 1 :] if x is not None), base_rtl)
        resolved.append(before if before == after else base_rtl)
    runs: list[tuple[bool, str]] = []
    for ch, rtl in zip(text, resolved, strict=True):
        if runs and runs[-1][0] == rtl:
            runs[-1] = (rtl, runs[-1][1] + ch)
        else:
            runs.append((rtl, ch))
    return runs[::-1] if base_rtl else runs


@dataclass(frozen=True)
class _Piece:
    font: _ShapingFont
    text: ShapedStr
    width: float  # in points


@lru_cache(maxsize=1024)
def _shape(text: str, *, size: float, bold: bool, base_rtl: bool) -> tuple[_Piece, ...]:
    """Shape a line into pieces (one font, one direction each) in visual order.

    Cached: the wording, organisation and signatory repeat on every certificate of a course.
    """
    fonts = _fonts()
    latin = fonts["serif-bold" if bold else "serif"]
    arabic = fonts["naskh-bold" if bold else "naskh"]
    pieces = []
    for rtl, run in _runs(unicodedata.normalize("NFC", text), base_rtl):
        # Within a run, split where the font changes (Arabic script vs everything else).
        chunks: list[tuple[_ShapingFont, str]] = []
        for ch in run:
            font = arabic if (rtl and ch in arabic.chars) or _is_rtl_char(ch) else latin
            if chunks and chunks[-1][0] is font:
                chunks[-1] = (font, chunks[-1][1] + ch)
            else:
                chunks.append((font, ch))
        if rtl:
            chunks.reverse()
        pieces.extend(_shape_run(font, chunk, size, rtl) for font, chunk in chunks)
    return tuple(pieces)


def _shape_run(font: _ShapingFont, text: str, size: float, rtl: bool) -> _Piece:
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
    chars, shape_data, seen = [], [], set()
    advance = 0.0
    for info, pos in zip(infos, positions, strict=True):
        cluster = info.cluster
        source = "" if cluster in seen else text[cluster : next_cluster[cluster]]
        seen.add(cluster)
        if rtl:
            source = source[::-1]
        code = font.code_for(info.codepoint, source)
        chars.append(chr(code))
        x_advance = pos.x_advance * scale
        advance += x_advance
        shape_data.append(
            ShapeData(
                cluster,
                x_advance,
                pos.y_advance * scale,
                pos.x_offset * scale,
                pos.y_offset * scale,
                font.face.charWidths[code],
            )
        )
    return _Piece(font, ShapedStr("".join(chars), shape_data), advance * size / 1000)


# --------------------------------------------------------------------------------------------
# Layout


def _format_date(value: date, language: str) -> str:
    month = _MONTHS[language].split()[value.month - 1]
    if language == "en":
        return f"{value.day} {month} {value.year}"
    if language == "fr":
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {month} {value.year}"
    if language == "es":
        return f"{value.day} de {month} de {value.year}"
    return f"{value.day} {month} {value.year}"


def _format_hours(hours: Decimal, language: str) -> str:
    text = format(Decimal(hours).normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if language in ("fr", "es") else text


class _Layout:
    def __init__(self, data: CertificateData) -> None:
        self.data = data
        self.rtl = data.language == "ar"
        self.words = {**DEFAULT_WORDING[data.language], **data.wording}
        self.width, self.height = PAPERS[data.paper]
        self.primary = HexColor(data.primary_colour)
        self.accent = HexColor(data.accent_colour)
        self.ink = HexColor("#222222")
        self.muted = HexColor("#555555")

    def render(self) -> bytes:
        out = io.BytesIO()
        d = self.data
        c = Canvas(
            out,
            pagesize=(self.width, self.height),
            pageCompression=1,
            invariant=1,
            initialFontName=_fonts()["serif"].fontName,
        )
        c.setTitle(f"{self.words['title']} — {d.participant_name}")
        c.setAuthor(d.issuing_organisation)
        c.setSubject(d.course_title)
        self.c = c
        self._frame()
        self._body()
        self._footer()
        c.showPage()
        with _binary_streams():
            c.save()
        return out.getvalue()

    # drawing helpers ------------------------------------------------------------------------

    def _line(
        self, text, *, y, size, bold=False, colour=None, max_width=None, x=None, align="c", rtl=None
    ):
        """Draw one line centred (or aligned at x); shrink it to max_width. Returns the size."""
        pieces = _shape(text, size=size, bold=bold, base_rtl=self.rtl if rtl is None else rtl)
        width = sum(p.width for p in pieces)
        if max_width and width > max_width:
            size = size * max_width / width
            pieces = _shape(text, size=size, bold=bold, base_rtl=self.rtl if rtl is None else rtl)
            width = sum(p.width for p in pieces)
        if x is None:
            x = self.width / 2
        start = {"c": x - width / 2, "l": x, "r": x - width}[align]
        self.c.setFillColor(colour or self.ink)
        for piece in pieces:
            self.c.setFont(piece.font.fontName, size)
            self.c.drawString(start, y, piece.text)
            start += piece.width
        return size

    def _wrap(self, text: str, *, size: float, bold: bool, max_width: float) -> list[str]:
        words, lines, current = text.split(), [], ""
        for word in words:
            trial = f"{current} {word}".strip()
            pieces = _shape(trial, size=size, bold=bold, base_rtl=self.rtl)
            if current and sum(p.width for p in pieces) > max_width:
                lines.append(current)
                current = word
            else:
                current = trial
        if current:
            lines.append(current)
        return lines

    # page parts -----------------------------------------------------------------------------

    def _frame(self) -> None:
        c, w, h = self.c, self.width, self.height
        c.setStrokeColor(self.primary)
        c.setLineWidth(6)
        c.rect(18, 18, w - 36, h - 36)
        c.setStrokeColor(self.accent)
        c.setLineWidth(1.2)
        c.rect(30, 30, w - 60, h - 60)
        c.setLineWidth(0.5)
        c.rect(34, 34, w - 68, h - 68)
        # Small diamonds at the corners of the inner frame.
        c.setFillColor(self.accent)
        for x, y in ((32, 32), (w - 32, 32), (32, h - 32), (w - 32, h - 32)):
            p = c.beginPath()
            p.moveTo(x, y - 6)
            p.lineTo(x + 6, y)
            p.lineTo(x, y + 6)
            p.lineTo(x - 6, y)
            p.close()
            c.drawPath(p, stroke=0, fill=1)

    def _body(self) -> None:
        d, w, h, words = self.data, self.width, self.height, self.words
        top = h - 84
        if d.logo_png:
            logo = ImageReader(io.BytesIO(d.logo_png))
            iw, ih = logo.getSize()
            lh = 48
            lw = min(iw * lh / ih, 180)
            self.c.drawImage(logo, w / 2 - lw / 2, top - lh + 24, lw, lh, mask="auto")
            top -= lh - 8
        organisation = d.issuing_organisation if self.rtl else d.issuing_organisation.upper()
        self._line(organisation, y=top, size=11, colour=self.accent, max_width=w - 160)
        self._line(words["title"], y=top - 54, size=36, bold=True, colour=self.primary)
        self._rule(top - 72, 70)
        self._line(words["before_name"], y=top - 108, size=14, colour=self.muted)
        name_y = top - 166
        self._line(d.participant_name, y=name_y, size=40, bold=True, max_width=w - 200)
        self._rule(name_y - 18, 190)
        self._line(words["after_name"], y=name_y - 50, size=14, colour=self.muted)
        title_lines = self._wrap(d.course_title, size=21, bold=True, max_width=w - 220)[:2]
        y = name_y - 86
        for line in title_lines:
            self._line(line, y=y, size=21, bold=True, colour=self.primary, max_width=w - 200)
            y -= 28
        details = [words["date"].format(date=_format_date(d.completion_date, d.language))]
        if d.hours is not None:
            hours = _format_hours(d.hours, d.language)
            details.append(
                words["hours_one"] if hours == "1" else words["hours"].format(hours=hours)
            )
        if d.cohort_name:
            details.append(words["cohort"].format(cohort=d.cohort_name))
        self._line("   ·   ".join(details), y=y - 8, size=12.5, max_width=w - 220)

    def _rule(self, y: float, half: float) -> None:
        self.c.setStrokeColor(self.accent)
        self.c.setLineWidth(0.8)
        self.c.line(self.width / 2 - half, y, self.width / 2 + half, y)

    def _footer(self) -> None:
        d, w = self.data, self.width
        qr_size = 84
        margin = 58
        # Signature block on the reading side's start, QR code on the other side.
        sig_x = w - margin - 110 if self.rtl else margin + 110
        qr_x = margin if self.rtl else w - margin - qr_size
        base = 66
        self.c.setStrokeColor(self.ink)
        self.c.setLineWidth(0.7)
        self.c.line(sig_x - 110, base + 34, sig_x + 110, base + 34)
        self._line(d.signatory_name, x=sig_x, y=base + 18, size=12, bold=True, max_width=220)
        self._line(d.signatory_title, x=sig_x, y=base + 3, size=10, colour=self.muted,
                   max_width=220)  # fmt: skip
        _draw_qr(self.c, d.verification_url, x=qr_x, y=base + 14, size=qr_size)
        # Code and URL under the QR code, aligned on its outer edge so they stay in the frame.
        edge, align = (qr_x, "l") if self.rtl else (qr_x + qr_size, "r")
        self._line(f"{self.words['code']}: {d.verification_code}", x=edge, y=base + 2, size=9,
                   align=align, max_width=300)  # fmt: skip
        self._line(d.verification_url, x=edge, y=base - 9, size=7.5, colour=self.muted, rtl=False,
                   align=align, max_width=320)  # fmt: skip


_QR_MASK = 6


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Write the page stream deflated but not ASCII85-encoded while the document is saved.

    reportlab encodes compressed streams in ASCII85 by default (rl_config.useA85), in pure
    Python without its optional C accelerator: a few milliseconds per certificate for streams
    25% larger. PDF has not needed 7-bit streams for decades. The setting is process-wide, so it
    is restored afterwards (the renderer runs on one thread per process).
    """
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


def _draw_qr(c: Canvas, url: str, *, x: float, y: float, size: float) -> None:
    """Encode once with segno; draw the dark modules as one path of per-row rectangles.

    The path is written in module units (integer coordinates) under a scaling transform,
    which keeps it small and quick to format; the quiet zone is the page's white margin.
    """
    # A fixed mask skips segno's automatic choice, which scores all eight masks (about half of
    # a render). The mask only makes a symbol slightly easier or harder for a scanner to lock
    # on; any mask decodes, and with error correction M or higher (segno may boost it) a
    # printed certificate scanned from a screen or paper reads reliably.
    matrix = segno.make(url, error="m", mask=_QR_MASK, micro=False).matrix
    n = len(matrix)
    ops = []
    for row, cells in enumerate(matrix):
        col = 0
        while col < n:
            if cells[col]:
                start = col
                while col < n and cells[col]:
                    col += 1
                ops.append(f"{start} {n - row - 1} {col - start} 1 re")
            else:
                col += 1
    module = size / n
    c.saveState()
    c.setFillColor(HexColor("#000000"))
    c.addLiteral(f"{module:.4f} 0 0 {module:.4f} {x:.2f} {y:.2f} cm\n" + "\n".join(ops) + "\nf")
    c.restoreState()
