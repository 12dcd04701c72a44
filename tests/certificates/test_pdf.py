import io
from datetime import date
from decimal import Decimal

import pdfplumber
import pypdfium2
import pytest
import zxingcpp
from bidi import get_display

from certificates.pdf import CertificateData, render_certificate
from tests.factories import make_certificate_data

URL = "https://learn.example.org/certificates/verify/7KQ2-M9XD-4HTP-WC3A/"


def make_data(**overrides) -> CertificateData:
    return make_certificate_data(
        **{"cohort_name": "Spring 2025", "hours": Decimal("12.5"), "verification_url": URL,
           **overrides}
    )  # fmt: skip


def logical_text(pdf_bytes: bytes) -> str:
    """Page 1's text in logical order: pdfplumber gives each line in visual (left-to-right)
    order, so lines holding Arabic are put back through the bidi algorithm."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        text = pdf.pages[0].extract_text()
    lines = []
    for line in text.splitlines():
        has_arabic = any("\u0600" <= ch <= "\u06ff" for ch in line)
        lines.append(get_display(line, base_dir="R" if has_arabic else "L") if has_arabic else line)
    return "\n".join(lines)


def decode_qr(pdf_bytes: bytes) -> str:
    pdf = pypdfium2.PdfDocument(pdf_bytes)
    try:
        image = pdf[0].render(scale=3).to_pil()
    finally:
        pdf.close()
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1
    return results[0].text


@pytest.mark.parametrize(
    "name",
    [
        "José Núñez",
        "Nguyễn Thị Minh",
        "Αλέξανδρος Παπαδόπουλος",
        "Łukasz Żółć",
        "Алексей Иванов",
        "محمد عبد الله",
    ],
)
def test_text_holds_exact_name_course_date_and_code(name):
    pdf = render_certificate(make_data(participant_name=name))

    text = logical_text(pdf)

    assert name in text
    assert "Human Rights Due Diligence in Public Procurement" in text
    assert "12 March 2025" in text
    assert "7KQ2-M9XD-4HTP-WC3A" in text
    assert URL in text


@pytest.mark.parametrize(
    ("language", "written_date"),
    [("en", "1 March 2025"), ("fr", "1er mars 2025"), ("es", "1 de marzo de 2025")],
)
def test_date_is_written_in_the_course_language(language, written_date):
    pdf = render_certificate(make_data(language=language, completion_date=date(2025, 3, 1)))

    assert written_date in logical_text(pdf)


@pytest.mark.parametrize("name", ["محمد عبد الله", "Łukasz Żółć"])
def test_arabic_course_renders_any_name_title_and_date(name):
    title = "العناية الواجبة بحقوق الإنسان في المشتريات العامة"
    pdf = render_certificate(make_data(participant_name=name, course_title=title, language="ar"))

    text = logical_text(pdf)

    assert name in text
    assert title in text
    assert "شهادة إتمام" in text
    assert "مارس" in text
    assert "7KQ2-M9XD-4HTP-WC3A" in text


@pytest.mark.parametrize("language", ["en", "ar"])
def test_qr_code_decodes_to_the_verification_url(language):
    pdf = render_certificate(make_data(language=language))

    assert decode_qr(pdf) == URL


@pytest.mark.parametrize(("paper", "size"), [("A4", (842, 595)), ("LETTER", (792, 612))])
def test_paper_is_landscape(paper, size):
    pdf = render_certificate(make_data(paper=paper))

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 1
        page = doc.pages[0]
        assert (round(page.width), round(page.height)) == size


def test_output_is_a_small_valid_pdf():
    pdf = render_certificate(make_data(participant_name="محمد عبد الله"))

    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) < 300_000
    assert len(pypdfium2.PdfDocument(pdf)) == 1


def test_rendering_is_deterministic():
    assert render_certificate(make_data()) == render_certificate(make_data())


def test_wording_overrides_replace_the_defaults():
    pdf = render_certificate(make_data(wording={"title": "Certificate of Achievement"}))

    text = logical_text(pdf)
    assert "Certificate of Achievement" in text
    assert "Certificate of Completion" not in text


@pytest.mark.parametrize(
    "overrides",
    [
        {"participant_name": ""},
        {"participant_name": "   "},
        {"language": "de"},
        {"paper": "A3"},
        {"primary_colour": "navy"},
        {"wording": {"subtitle": "x"}},
        {"verification_code": ""},
        {"hours": Decimal("0")},
    ],
)
def test_bad_data_is_refused(overrides):
    with pytest.raises(ValueError):
        make_data(**overrides)
