"""The certificate as a document for everyone: its title, language and author are set for
viewers and screen readers, its text is real text read in the order it is printed, and the
signatory's lines are printed only when there is something to print."""

import io

import pdfplumber
import pypdfium2
import pytest
from pdfminer.pdftypes import resolve1

from certificates import services
from certificates.models import CertificateTemplate
from certificates.pdf import render_certificate
from tests.factories import CERTIFICATE_CODE, make_certificate_data, make_completion, make_course

ARABIC = {
    "language": "ar",
    "participant_name": "محمد عبد الله",
    "course_title": "العناية الواجبة بحقوق الإنسان في المشتريات العامة",
    "signatory_name": "أمينة أوكافور",
    "signatory_title": "مديرة البرنامج",
}
SIGNATURE_LINE_LENGTH = 220
NAME_SIZE, TITLE_SIZE = 12, 10  # the signatory's name and title; nothing else is that size


def read_lines(pdf: bytes) -> list[str]:
    """The page's text as pdfium hands it to a reader (Chromium's viewer and its accessibility
    tree): one entry per line, in the order it is read."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].get_textpage().get_text_range().splitlines()
    finally:
        document.close()


def signature_lines(pdf: bytes) -> list[dict]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [
            line
            for line in document.pages[0].lines
            if round(line["x1"] - line["x0"]) == SIGNATURE_LINE_LENGTH
        ]


def tops(pdf: bytes, size: float) -> set[int]:
    """Where the lines drawn at `size` points stand, from the page's top."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return {round(c["top"]) for c in document.pages[0].chars if round(c["size"], 1) == size}


@pytest.mark.parametrize(
    ("overrides", "title", "language"),
    [
        ({}, "Certificate of Completion — José Núñez", "en"),
        ({"language": "fr"}, "Certificat de réussite — José Núñez", "fr"),
        (ARABIC, "شهادة إتمام — محمد عبد الله", "ar"),
    ],
)
def test_document_title_author_subject_and_language_are_set(overrides, title, language):
    pdf = render_certificate(make_certificate_data(**overrides))

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        info, catalog = document.metadata, document.doc.catalog
        assert info["Title"] == title
        assert info["Author"] == "Public Procurement and Human Rights Learning Lab"
        assert info["Subject"] == make_certificate_data(**overrides).course_title
        assert catalog["Lang"].decode() == language
        # Viewers show the title, not the file's name, in their title bar and to screen readers.
        assert resolve1(catalog["ViewerPreferences"])["DisplayDocTitle"] is True


def test_english_text_is_read_in_the_order_it_is_printed():
    pdf = render_certificate(make_certificate_data())

    assert read_lines(pdf) == [
        "PUBLIC PROCUREMENT AND HUMAN RIGHTS LEARNING LAB",
        "Certificate of Completion",
        "This is to certify that",
        "José Núñez",
        "has successfully completed the course",
        "Human Rights Due Diligence in Public Procurement",
        "Completed on 12 March 2025",
        "Amina Okafor",
        "Programme Director",
        f"Verification code: {CERTIFICATE_CODE}",
        f"https://learn.example.org/certificates/verify/{CERTIFICATE_CODE}/",
    ]


def test_arabic_text_is_read_line_by_line_in_reading_order():
    pdf = render_certificate(make_certificate_data(**ARABIC))

    lines = read_lines(pdf)

    # The verification code's line mixes Arabic and Latin: a reader orders its two runs by
    # its own rules, so only its presence on a line of its own is asserted.
    assert lines[:9] == [
        "Public Procurement and Human Rights Learning Lab",
        "شهادة إتمام",
        "تُمنح هذه الشهادة إلى",
        "محمد عبد الله",
        "لإتمام الدورة التدريبية بنجاح",
        "العناية الواجبة بحقوق الإنسان في المشتريات العامة",
        "تاريخ الإتمام: 12 مارس 2025",
        "أمينة أوكافور",
        "مديرة البرنامج",
    ]
    assert CERTIFICATE_CODE in lines[9] and "مديرة" not in lines[9]
    assert lines[10:] == [f"https://learn.example.org/certificates/verify/{CERTIFICATE_CODE}/"]


@pytest.mark.parametrize("overrides", [{}, ARABIC], ids=["en", "ar"])
def test_signatory_name_and_title_are_printed_under_the_signature_line(overrides):
    data = make_certificate_data(**overrides)
    pdf = render_certificate(data)

    (line,) = signature_lines(pdf)
    (name_top,) = tops(pdf, NAME_SIZE)
    (title_top,) = tops(pdf, TITLE_SIZE)
    assert line["top"] < name_top < title_top
    assert [data.signatory_name, data.signatory_title] == read_lines(pdf)[7:9]


@pytest.mark.parametrize("overrides", [{}, ARABIC], ids=["en", "ar"])
def test_without_a_signatory_there_is_no_signature_line_and_nothing_blank(overrides):
    pdf = render_certificate(
        make_certificate_data(**{**overrides, "signatory_name": "", "signatory_title": " "})
    )

    assert signature_lines(pdf) == []
    lines = read_lines(pdf)
    assert all(line.strip() for line in lines)
    assert len(lines) == 9  # the body's seven lines, the code and the link
    assert tops(pdf, NAME_SIZE) == tops(pdf, TITLE_SIZE) == set()


def test_a_name_without_a_title_stands_alone_under_the_line():
    full = render_certificate(make_certificate_data())
    pdf = render_certificate(make_certificate_data(signatory_title=""))

    assert len(signature_lines(pdf)) == 1
    assert read_lines(pdf)[7:9] == ["Amina Okafor", f"Verification code: {CERTIFICATE_CODE}"]
    assert tops(pdf, NAME_SIZE) == tops(full, NAME_SIZE)
    assert tops(pdf, TITLE_SIZE) == set()


def test_a_title_without_a_name_takes_the_name_s_place_under_the_line():
    full = render_certificate(make_certificate_data())
    pdf = render_certificate(make_certificate_data(signatory_name=""))

    (line,) = signature_lines(pdf)
    (name_top,) = tops(full, NAME_SIZE)
    (title_top,) = tops(pdf, TITLE_SIZE)
    assert line["top"] < title_top <= name_top + 2
    assert tops(pdf, NAME_SIZE) == set()
    assert "Amina" not in "\n".join(read_lines(pdf))


def test_a_template_without_a_signatory_issues_certificates_without_a_signature_line(db):
    course = make_course(modules=1, lessons_per_module=1)
    CertificateTemplate.objects.create(course=course, issuing_organisation="Learning Lab")
    enrolment = make_completion(course)

    (certificate,) = services.issue_certificates([enrolment.pk]).issued

    with certificate.pdf.open("rb") as handle:
        pdf = handle.read()
    assert signature_lines(pdf) == []
    assert read_lines(pdf)[0] == "LEARNING LAB"


def test_a_template_may_leave_the_signatory_empty(db):
    template = CertificateTemplate(course=make_course(), issuing_organisation="Learning Lab")

    template.full_clean()
