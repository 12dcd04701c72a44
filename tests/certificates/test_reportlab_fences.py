"""Fences around the reportlab internals the certificate renderer relies on.

certificates/pdf/ uses reportlab's TrueType machinery below its public API (docs/certificates.md,
"reportlab internals we rely on"): the face's glyph maps and tables, the per-document subsets,
the names and shapes of the font objects it writes, how it draws a ShapedStr, and the stream
filter it deflates with. reportlab is pinned to the minor release these were checked against
(pyproject.toml). Each test checks one of those things in reportlab itself, or that a faster
substitute gives what reportlab's own would, and its message names what to re-check.
"""

import io
import re
from contextlib import nullcontext
from pathlib import Path

import pytest
import reportlab
import uharfbuzz as hb
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFStream
from reportlab import rl_config
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import (
    SUBSETN,
    ShapeData,
    ShapedStr,
    TTFont,
    TTFontFace,
    makeToUnicodeCMap,
)
from reportlab.pdfgen.canvas import Canvas

from certificates.pdf import layout, render_certificate
from certificates.pdf.shaping import _Numbers, fonts
from tests.factories import make_certificate_data

FENCED_RELEASE = "5.1"  # the minor release whose internals these tests were written against
# A font of reportlab's own, not one of the certificate's: pdfmetrics shares the first TTFont
# registered for a face among every name registered for it, so a test font of the certificate's
# faces could stand in for the renderer's own fonts for the rest of the process.
FONT = Path(reportlab.__file__).parent / "fonts" / "VeraBI.ttf"


def changed(what: str) -> str:
    return (
        f"reportlab {reportlab.Version}: {what}. certificates/pdf/ relies on it: re-check "
        "docs/certificates.md ('reportlab internals we rely on') and the code it names"
    )


@pytest.fixture
def registered():
    """registered(font): the font registered for the test only."""
    fonts_registered = []

    def register(font: TTFont) -> TTFont:
        pdfmetrics.registerFont(font)
        assert pdfmetrics.getFont(font.fontName) is font
        fonts_registered.append(font)
        return font

    yield register
    for font in fonts_registered:
        font.unregister()


def certificate(**overrides) -> bytes:
    return render_certificate(
        make_certificate_data(**{"participant_name": "محمد عبد الله", **overrides})
    )


def streams(pdf: bytes) -> list[PDFStream]:
    document = PDFDocument(PDFParser(io.BytesIO(pdf)))
    found = []
    for xref in document.xrefs:
        for objid in sorted(xref.get_objids()):
            obj = document.getobj(objid)
            if isinstance(obj, PDFStream):
                found.append(obj)
    return found


def test_reportlab_is_the_minor_release_the_fences_were_written_for():
    # Passing fences on a new release are necessary, not sufficient: read the list in
    # docs/certificates.md against the new code, then move FENCED_RELEASE and the pin together.
    assert reportlab.Version.rsplit(".", 1)[0] == FENCED_RELEASE, changed(
        f"the fences were written for {FENCED_RELEASE}.x"
    )


def test_a_shaped_str_is_drawn_at_harfbuzz_advances_and_offsets(registered):
    """Layout draws shaping's ShapedStr (glyphs with x advances and offsets) through a text
    object; reportlab turns the ShapeData into a TJ array only for a shapable font."""
    fields = ("cluster", "x_advance", "y_advance", "x_offset", "y_offset", "width")
    assert ShapeData._fields == fields, changed(f"ShapeData's fields are not {fields}")
    assert all(font.shapable for font in fonts().values()), changed("a font is not shapable")
    font = registered(TTFont("Fence-shaped", str(FONT), asciiReadable=0))
    face = font.face
    a, v = face.charWidths[ord("A")], face.charWidths[ord("V")]
    shaped = [ShapeData(0, a - 80, 0, 0, 0, a), ShapeData(1, v + 10, 0, 35, 0, v)]
    canvas = Canvas(io.BytesIO(), pageCompression=0, invariant=1)
    canvas.setFont("Fence-shaped", 10)
    text = canvas.beginText(0, 0)
    text.textLine(ShapedStr("AV", shaped))

    code = text.getCode()
    arrays = re.findall(r"\[([^\]]*)\] TJ", code)
    assert len(arrays) == 1, changed(f"a ShapedStr is not drawn as one TJ array: {code!r}")
    # Walk the TJ array: a glyph moves the pen by its width, a number n by -n thousandths.
    pen, drawn = 0.0, []
    widths = iter((a, v))
    for token in re.findall(r"\((?:\\.|[^)])*\)|-?[\d.]+", arrays[0]):
        if token.startswith("("):
            drawn.append(pen)
            pen += next(widths)
        else:
            pen -= float(token)
    assert drawn == [0, a - 80 + 35], changed("a ShapedStr's glyphs are not drawn at x_offset")
    assert pen == pytest.approx(a - 80 + v + 10), changed(
        "a ShapedStr's pen does not move by the glyphs' x_advance"
    )


def test_the_renderers_fonts_are_the_ones_reportlab_draws_with():
    """pdfmetrics gives the first TTFont registered for a face to every name registered for it:
    the certificate's text is drawn, and its ToUnicode written, by `_ShapingFont` only while
    no other font of its faces was registered before it."""
    for font in fonts().values():
        assert pdfmetrics.getFont(font.fontName) is font, changed(
            f"pdfmetrics.getFont({font.fontName!r}) is another font object"
        )


def test_a_code_added_to_the_face_is_assigned_measured_and_embedded():
    """shaping gives glyphs that have no character (Arabic forms, ligatures) private-use codes
    by adding them to face.charToGlyph and face.charWidths; reportlab must then assign the
    code a byte in a subset, report its width and embed its glyph."""
    font = TTFont("Fence-private", str(FONT), asciiReadable=0)
    face = font.face
    assert isinstance(face, TTFontFace), changed("TTFont.face is not a TTFontFace")
    gid = face.charToGlyph[ord("Q")]
    face.charToGlyph[0xE000] = gid
    face.charWidths[0xE000] = 777.0

    [(subset, codes)] = font.splitString(chr(0xE000), doc := pdfdoc.PDFDocument())
    code = font.state[doc].subsets[subset][codes[0]]
    assert code == 0xE000, changed("splitString does not assign codes from face.charToGlyph")
    assert face.getCharWidth(0xE000) == 777.0, changed("getCharWidth does not read charWidths")
    embedded = hb.Font(hb.Face(face.makeSubset([0, 0xE000])))
    original = hb.Font(hb.Face(hb.Blob(FONT.read_bytes())))
    # The subset's glyph 1 is the first after .notdef: the glyph of the first code given.
    assert embedded.get_glyph_extents(1) == original.get_glyph_extents(gid), changed(
        "makeSubset embeds another glyph than face.charToGlyph names"
    )


def test_subsets_read_font_tables_through_the_faces_get_table():
    """shaping caches face.get_table per font: correct only while a table depends on its tag
    alone, and useful only while makeSubset reads tables through it."""
    face = TTFont("Fence-tables", str(FONT), asciiReadable=0).face
    assert face.get_table("glyf") == face.get_table("glyf"), changed("get_table is not pure")
    asked = []
    plain = face.get_table

    def counting(tag):
        asked.append(tag)
        return plain(tag)

    face.get_table = counting
    face.makeSubset([0, ord("A")])
    assert "glyf" in asked, changed("makeSubset no longer reads tables through face.get_table")


def test_add_objects_keeps_subsets_in_document_state_and_names_font_objects_as_assumed(
    registered,
):
    """_ShapingFont.addObjects reads the subsets from the per-document state before reportlab
    deletes it, then finds each subset's font object (by BaseFont, with its Widths as a
    PDFArray) and ToUnicode stream (by its name) to rewrite them."""
    seen = {}

    class Probe(TTFont):
        def addObjects(self, doc):
            state = self.state.get(doc)
            seen["subsets"] = [list(s) for s in state.subsets] if state else None
            super().addObjects(doc)
            seen["fonts"] = list(doc.idToObject["BasicFonts"].dict.values())
            seen["objects"] = doc.idToObject

    font = registered(Probe("Fence-objects", str(FONT), asciiReadable=0))
    canvas = Canvas(io.BytesIO(), pageCompression=0, invariant=1)
    canvas.setFont("Fence-objects", 12)
    canvas.drawString(10, 10, "Ab")
    canvas.showPage()
    canvas.save()

    assert seen["subsets"] and {ord("A"), ord("b")} <= set(seen["subsets"][0]), changed(
        "TTFont.state[doc].subsets does not hold the document's codes when addObjects runs"
    )
    for n, subset in enumerate(seen["subsets"]):
        base = b"".join((SUBSETN(n), b"+", font.face.name, font.face.subfontNameX)).decode()
        [pdf_font] = [f for f in seen["fonts"] if getattr(f, "BaseFont", None) == base]
        assert isinstance(pdf_font.Widths, pdfdoc.PDFArray), changed("Widths is no PDFArray")
        assert pdf_font.Widths.sequence == [font.face.getCharWidth(c) for c in subset], changed(
            "Widths.sequence is not the subset's widths"
        )
        stream = seen["objects"].get("toUnicodeCMap:" + base)
        assert stream is not None, changed("no ToUnicode stream named 'toUnicodeCMap:' + BaseFont")
        assert stream.content == makeToUnicodeCMap(base, subset), changed(
            "the ToUnicode stream's content is not makeToUnicodeCMap(BaseFont, subset)"
        )


def test_to_unicode_cmap_has_one_entry_per_code_after_its_count():
    lines = makeToUnicodeCMap("AAAAAA+Font", [0, 0x41, 0xE000]).split("\n")
    begin = lines.index("3 beginbfchar")
    expected = ["<00> <0000>", "<01> <0041>", "<02> <E000>", "endbfchar"]
    assert lines[begin + 1 : begin + 5] == expected, changed(
        "makeToUnicodeCMap no longer writes '<n> beginbfchar' then '<index> <code>' lines"
    )


def test_widths_array_writes_the_tokens_reportlabs_array_writes():
    """_Numbers formats a subset's widths in one call instead of PDFArray's one per number:
    the same PDF, whitespace apart."""
    widths = [0, 250, 600.5, 1000, 0.25, 333.333, *range(400, 430)]
    doc = pdfdoc.PDFDocument()
    fast = pdfdoc.format(_Numbers(widths), doc)
    plain = pdfdoc.format(pdfdoc.PDFArray(widths), doc)
    assert fast.split() == plain.split(), changed("PDFArray writes numbers otherwise")
    empty = pdfdoc.format(pdfdoc.PDFArray([]), doc)
    assert pdfdoc.format(_Numbers([]), doc).split() == empty.split(), changed("[] differs")


def test_certificate_streams_are_deflated_at_the_fastest_level_and_not_ascii85():
    """layout swaps pdfdoc.PDFZCompress for a level-1 deflater and turns rl_config.useA85 off
    while a certificate is drawn and saved; reportlab must read both at the time it writes."""
    before = rl_config.useA85, pdfdoc.PDFZCompress
    found = streams(certificate())

    assert found
    for stream in found:
        assert stream.attrs.get("Filter") is not None
        filters = stream.attrs["Filter"]
        names = [f.name for f in (filters if isinstance(filters, list) else [filters])]
        assert names == ["FlateDecode"], changed(f"a stream is written with filters {names}")
        assert stream.rawdata[:2] == b"\x78\x01", changed(
            "a stream is not deflated by pdfdoc.PDFZCompress as swapped in by layout"
        )
    assert (rl_config.useA85, pdfdoc.PDFZCompress) == before, "the settings were not restored"
    assert isinstance(before[1], pdfdoc.PDFStreamFilterZCompress)


def test_quick_binary_streams_change_only_how_streams_are_encoded(monkeypatch):
    """The same certificate with reportlab's own encoding (ASCII85 over deflate at the default
    level): every stream decodes to the same bytes."""
    fast = certificate()
    monkeypatch.setattr(layout, "_binary_streams", nullcontext)
    plain = certificate()

    assert [s.get_data() for s in streams(fast)] == [s.get_data() for s in streams(plain)]
