"""Whatever it is given, the certificate renderer draws nothing outside the page.

Every glyph's box, as a PDF reader reports it (pdfplumber: the font's ascent and descent
around the baseline, raised or lowered with the glyph), must lie inside the inner frame, for
hostile or absurd data in every field, in a left-to-right and a right-to-left certificate, on
both paper sizes; and the verification code and the date must still be there.
"""

import io
import unicodedata
from itertools import combinations

import pdfplumber
import pytest
from bidi import get_display

from certificates.pdf import CertificateData, render_certificate
from tests.factories import make_certificate_data

CODE = "7KQ2-M9XD-4HTP-WC3A"
FRAME = 34  # the inner frame's distance from the page's edges
SMALLEST = 6  # points: the fine print's floor; the name's and the course title's is 10
ELLIPSIS = "\u2026"
OPENERS, CLOSERS = "\u202a\u202b\u202d\u202e\u2066\u2067\u2068", "\u202c\u2069"

EXTREMES = {
    "200 wide letters": {"participant_name": "W" * 200},
    "200 fullwidth letters": {"participant_name": "\uff37" * 200},
    "200 CJK ideographs": {"participant_name": "\u6f22\u5b57" * 100},
    "a letter under 200 combining marks": {"participant_name": "a" + "\u0301" * 200},
    "a letter between marks above and below": {"participant_name": "a" + "\u0301\u0323" * 100},
    "200 combining marks alone": {"participant_name": "\u0301" * 200},
    "mixed scripts": {
        "participant_name": "José محمد עברית देवनागरी ภาษาไทย Nguyễn Thị Minh " * 6,
    },
    "RTL overrides and isolates": {
        "participant_name": "\u202eJosé Núñez\u202c \u2067محمد\u2069 \u202d\u202e\u2068" * 12,
    },
    "an override never closed": {"participant_name": "\u202e" + "Núñez " * 60},
    "a long course title": {"course_title": "Human Rights Due Diligence in Procurement " * 12},
    "a course title of one long word": {"course_title": "Procurement" * 30},
    "a course title under marks": {"course_title": "a" + "\u0301\u0323" * 100},
    "a long cohort name": {"cohort_name": "Spring intake of the procurement academy " * 8},
    "a cohort name under marks": {"cohort_name": "x" + "\u0301" * 200},
    "a long signatory": {
        "signatory_name": "Amina Okafor-Nwosu " * 12,
        "signatory_title": "Director of Programmes and Learning " * 10,
    },
    "a signatory under marks": {"signatory_name": "a" + "\u0301" * 200},
    "a long organisation": {"issuing_organisation": "Public Procurement Learning Lab " * 12},
    "a long verification URL": {
        "verification_url": "https://learn.example.org/certificates/verify/" + "7KQ2M9XD" * 40
    },
    "long wording": {
        "wording": {
            "title": "Certificate of Completion " * 8,
            "before_name": "This is to certify that " * 12,
            "after_name": "has successfully completed the course " * 10,
        }
    },
    "everything at once": {
        "participant_name": "a" + "\u0301\u0323" * 100 + " " + "W" * 200,
        "course_title": "\u202e" + "Human Rights Due Diligence " * 20,
        "cohort_name": "Spring intake " * 30,
        "signatory_name": "\u0301" * 200,
        "signatory_title": "محمد " * 80,
        "issuing_organisation": "\uff37" * 200,
        "verification_url": "https://learn.example.org/" + "x" * 400,
    },
}
# What of the date survives extraction whole: an Arabic line mixing scripts comes out of
# pdfplumber in pieces.
WRITTEN_DATE = {"en": ["12 March 2025"], "ar": ["12", "مارس", "2025"]}


def make_data(**overrides) -> CertificateData:
    return make_certificate_data(**{"cohort_name": "Spring intake", **overrides})


def page_of(pdf: bytes):
    """Page 1's size, its characters in drawing order, its text (each line in logical order)
    and its horizontal rules."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        text = "\n".join(
            get_display(line, base_dir="R")
            if any("\u0600" <= ch <= "\u06ff" for ch in line)
            else line
            for line in page.extract_text().splitlines()
        )
        return page.width, page.height, page.chars, text, page.lines


@pytest.mark.parametrize("paper", ["A4", "LETTER"])
@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("overrides", EXTREMES.values(), ids=EXTREMES.keys())
def test_every_glyph_lies_inside_the_frame_and_code_and_date_remain(overrides, language, paper):
    pdf = render_certificate(make_data(language=language, paper=paper, **overrides))

    width, height, chars, text, _rules = page_of(pdf)

    outside = [
        (c["text"], round(c["x0"]), round(c["x1"]), round(c["top"]), round(c["bottom"]))
        for c in chars
        if c["x0"] < FRAME
        or c["x1"] > width - FRAME
        or c["top"] < FRAME
        or c["bottom"] > height - FRAME
    ]
    assert outside == []
    assert min(c["size"] for c in chars) >= SMALLEST
    assert CODE in text
    assert all(written in text for written in WRITTEN_DATE[language])


LATIN_EXTREMES = {
    "an ordinary certificate": {},
    "a long name of short words": {"participant_name": "Maria de los Ángeles " * 14},
    "200 wide letters": {"participant_name": "W" * 200},
    "everything long": {
        "participant_name": "Maria de los Ángeles " * 14,
        "course_title": "Human Rights Due Diligence in Procurement " * 12,
        "cohort_name": "Spring intake of the procurement academy " * 8,
        "signatory_name": "Amina Okafor-Nwosu " * 12,
        "signatory_title": "Director of Programmes and Learning " * 10,
        "issuing_organisation": "Public Procurement Learning Lab " * 12,
        "wording": {"before_name": "This is to certify that " * 12},
    },
}


def runs_of(chars) -> list[tuple[tuple[float, float], tuple[float, float, float, float]]]:
    """The runs of characters drawn one after the other on one baseline at one size (lines
    of text, and pieces of lines drawn apart): their (baseline, size) and box (x0, x1, top,
    bottom)."""
    runs = []
    for c in chars:
        line = (c["matrix"][5], c["size"])
        if runs and runs[-1][0] == line and abs(c["x0"] - runs[-1][1][1]) < 0.5:
            x0, _x1, top, bottom = runs[-1][1]
            runs[-1] = (line, (x0, c["x1"], min(top, c["top"]), max(bottom, c["bottom"])))
        else:
            runs.append((line, (c["x0"], c["x1"], c["top"], c["bottom"])))
    return runs


@pytest.mark.parametrize("paper", ["A4", "LETTER"])
@pytest.mark.parametrize("overrides", LATIN_EXTREMES.values(), ids=LATIN_EXTREMES.keys())
def test_lines_of_text_overlap_neither_each_other_nor_the_rules(overrides, paper):
    pdf = render_certificate(make_data(paper=paper, **overrides))

    _width, _height, chars, _text, rules = page_of(pdf)

    # In Latin text with no marks raised or lowered, a character's box as pdfplumber reports
    # it (the font's ascent and descent) is where it is drawn. (Arabic's boxes reach far
    # below its letters: an Arabic certificate's lines overlap in those terms when nothing is
    # amiss.)
    runs = runs_of(chars)
    for (line_a, a), (line_b, b) in combinations(runs, 2):
        if line_a != line_b:  # kerned letters of one line may overlap
            assert a[3] <= b[2] or b[3] <= a[2] or a[1] <= b[0] or b[1] <= a[0]
    runs = [box for _line, box in runs]
    for rule in rules:
        crossing = [r for r in runs if r[2] < rule["top"] < r[3] and r[0] < rule["x1"]]
        assert not [r for r in crossing if r[1] > rule["x0"]]


def test_ordinary_certificate_keeps_its_sizes():
    pdf = render_certificate(make_data(participant_name="Nguyễn Thị Minh"))

    _width, _height, chars, text, _rules = page_of(pdf)

    sizes = {round(c["size"], 2) for c in chars}
    assert sizes == {11, 36, 14, 40, 21, 12.5, 12, 10, 9, 7.5}
    assert ELLIPSIS not in text


def test_name_too_long_for_a_line_stays_ten_points_tall():
    pdf = render_certificate(make_data(participant_name="Z" * 200))

    _width, _height, chars, text, _rules = page_of(pdf)

    assert {c["size"] >= 10 for c in chars if c["text"] == "Z"} == {True}
    assert "Z" * 20 + ELLIPSIS in text


def test_long_name_of_several_words_wraps_onto_two_lines_whole():
    name = " ".join(f"Name{n}" for n in range(28))

    pdf = render_certificate(make_data(participant_name=name))

    _width, _height, chars, text, _rules = page_of(pdf)
    lines = [line for line in text.splitlines() if "Name" in line]
    assert len(lines) == 2
    assert " ".join(lines) == name
    assert {c["size"] >= 10 for c in chars if c["text"] == "N"} == {True}


def test_name_cut_short_keeps_every_letter_with_its_mark():
    pdf = render_certificate(make_data(participant_name="x\u0301" * 300))

    _width, _height, chars, _text, _rules = page_of(pdf)

    before = "".join(c["text"] for c in chars).split(ELLIPSIS)[0]
    name = before[len(before.rstrip("x\u0301")) :]
    assert len(name) > 10
    assert name == "x\u0301" * (len(name) // 2)
    assert unicodedata.combining(name[-1])


@pytest.mark.parametrize(
    "name",
    [
        "\u202e" + "Núñez " * 60,
        ("\u2067محمد " * 60),
        "\u202dJosé \u202e" * 90 + "\u202c" * 200,
    ],
)
def test_text_cut_short_leaves_no_bidi_control_open(name):
    pdf = render_certificate(make_data(participant_name=name))

    _width, _height, chars, text, _rules = page_of(pdf)

    assert ELLIPSIS in text
    lines: dict[float, str] = {}
    for c in chars:
        baseline = round(c["matrix"][5], 1)
        lines[baseline] = lines.get(baseline, "") + c["text"]
    # Each line is checked whole: drawn in display order, a closer stands left of its opener
    # where the algorithm reverses what they enclose (an isolate at an odd level).
    for drawn in lines.values():
        assert sum(map(drawn.count, OPENERS[:4])) == drawn.count(CLOSERS[0])
        assert sum(map(drawn.count, OPENERS[4:])) == drawn.count(CLOSERS[1])
