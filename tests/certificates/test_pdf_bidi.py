"""Lines mixing right-to-left and left-to-right text are drawn in the order of the Unicode
Bidirectional Algorithm (UAX #9), in a paragraph of the certificate's direction.

A line is read here as it stands on the page: each glyph's text from left to right
(pdfplumber). The expected orders are written by hand the same way: numbers and Latin words as
typed, and a right-to-left word's letters from its last to its first (`backwards`).
"""

import io

import pdfplumber
import pytest
from bidi import get_display

from certificates.pdf import CertificateData, render_certificate
from tests.factories import make_certificate_data

NAME_SIZE = 40  # the participant's name on its own line, at its nominal size


def backwards(word: str) -> str:
    """A right-to-left word as it stands on the page: its first letter rightmost."""
    return word[::-1]


def make_data(**overrides) -> CertificateData:
    return make_certificate_data(**{"language": "ar", **overrides})


def drawn_lines(pdf: bytes, size: float) -> list[str]:
    """The lines drawn at `size` points from the top of the page down, each as its glyphs'
    text from left to right (a glyph drawn for a letter's mark reads as nothing)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = [c for c in doc.pages[0].chars if round(c["size"], 1) == size]
    lines: dict[float, list[dict]] = {}
    for c in chars:
        lines.setdefault(round(c["matrix"][5], 1), []).append(c)
    return [
        "".join(c["text"] for c in sorted(lines[baseline], key=lambda c: c["x0"])).replace(
            "\u200b", ""
        )
        for baseline in sorted(lines, reverse=True)
    ]


def drawn_name(language: str, name: str) -> str:
    (line,) = drawn_lines(
        render_certificate(make_data(language=language, participant_name=name)), NAME_SIZE
    )
    return line


# (certificate language, line as typed, line as drawn, left to right)
SAMPLES = {
    # A number after an Arabic word belongs to the right-to-left text (rule W2 makes it an
    # Arabic number), so it stands at the word's left, whatever the paragraph's direction.
    "a group number, Arabic certificate": ("ar", "مجموعة 2", "2 " + backwards("مجموعة")),
    "a group number, English certificate": ("en", "مجموعة 2", "2 " + backwards("مجموعة")),
    # Years after an Arabic word are Arabic numbers, and a hyphen does not join Arabic numbers
    # (W4 joins European ones only): read from the right, 2024, the hyphen, then 2025.
    "a cohort's years, Arabic certificate": (
        "ar",
        "فوج 2024-2025",
        "2025-2024 " + backwards("فوج"),
    ),
    "a cohort's years, English certificate": (
        "en",
        "فوج 2024-2025",
        "2025-2024 " + backwards("فوج"),
    ),
    # An Arabic name with a Latin organisation: the hyphen between them takes the paragraph's
    # direction (N2), so the Latin words come first on the reading side.
    "an Arabic name and a Latin organisation, Arabic certificate": (
        "ar",
        "محمد عبد الله - Learning Lab",
        "Learning Lab - " + " ".join(backwards(w) for w in ("الله", "عبد", "محمد")),
    ),
    "an Arabic name and a Latin organisation, English certificate": (
        "en",
        "محمد عبد الله - Learning Lab",
        " ".join(backwards(w) for w in ("الله", "عبد", "محمد")) + " - Learning Lab",
    ),
    # Brackets around Latin text after Latin text are Latin (N0): both stay with the name.
    "a Latin name with a bracketed degree, Arabic certificate": (
        "ar",
        "Amina Okafor (PhD)",
        "Amina Okafor (PhD)",
    ),
    # A full stop ending the line takes the paragraph's direction (N1, N2): at the far left.
    "a Latin name ending in a full stop, Arabic certificate": (
        "ar",
        "José Núñez Jr.",
        ".José Núñez Jr",
    ),
}


@pytest.mark.parametrize(("language", "typed", "drawn"), SAMPLES.values(), ids=SAMPLES.keys())
def test_mixed_line_is_drawn_in_the_order_of_the_unicode_bidi_algorithm(language, typed, drawn):
    assert drawn_name(language, typed) == drawn


# The algorithm read back over what is drawn gives the line as typed, where it can: the
# order of "فوج 2024-2025" is not, since the years drawn first on the left are no longer
# preceded by an Arabic letter and read back as one left-to-right number, "2025-2024".
READ_BACK = [
    "a group number, Arabic certificate",
    "an Arabic name and a Latin organisation, Arabic certificate",
    "an Arabic name and a Latin organisation, English certificate",
    "a Latin name with a bracketed degree, Arabic certificate",
    "a Latin name ending in a full stop, Arabic certificate",
]


@pytest.mark.parametrize(
    ("language", "typed", "_drawn"), [SAMPLES[k] for k in READ_BACK], ids=READ_BACK
)
def test_text_read_back_through_the_algorithm_is_the_text_typed(language, typed, _drawn):
    drawn = drawn_name(language, typed)

    assert get_display(drawn, base_dir="R" if language == "ar" else "L") == typed


MIXED = {
    "mirrored guillemets and brackets": "«مرحبا» [1] (José)",
    "Arabic-Indic digits and a version": "الإصدار \u0662\u066b\u0665 (beta) - v2.5",  # 2.5
    "an isolate, brackets and a time": "\u2067محمد\u2069 (José) 12:30",
    "an override": "\u202eJosé Núñez\u202c و 3",
    "percent, Arabic-Indic digits and brackets": "Note: 10% (٣٠ دقيقة) - 2 ساعة",
    "two paragraphs": "محمد (2024)\u2029José (2025)",
}


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("typed", MIXED.values(), ids=MIXED.keys())
def test_any_line_is_drawn_in_python_bidi_s_display_order(language, typed):
    # The renderer reads python-bidi's resolved levels and orders its shaped runs itself
    # (rules L1 and L2): characters stand exactly where python-bidi's get_display puts them.
    assert drawn_name(language, typed) == get_display(
        typed, base_dir="R" if language == "ar" else "L"
    )


def test_arabic_certificate_orders_cohort_years_name_and_latin_organisation():
    pdf = render_certificate(
        make_data(participant_name="محمد عبد الله", cohort_name="فوج 2024-2025")
    )

    assert drawn_lines(pdf, 11) == ["Public Procurement and Human Rights Learning Lab"]
    assert drawn_lines(pdf, NAME_SIZE) == [" ".join(backwards(w) for w in ("الله", "عبد", "محمد"))]
    # "تاريخ الإتمام: 12 مارس 2025   ·   الدفعة: فوج 2024-2025", read from the right.
    assert drawn_lines(pdf, 12.5) == [
        "2025-2024 "
        + backwards("فوج")
        + " :"
        + backwards("الدفعة")
        + "   ·   2025 "
        + backwards("مارس")
        + " 12 :"
        + backwards("الإتمام")
        + " "
        + backwards("تاريخ")
    ]
