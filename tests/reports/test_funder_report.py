"""The funder report: a PDF of the suppressed statistics, in the requester's language, for
staff only, prepared in the background as an export job (asked for on its page or through the
API); what it says, read back from the PDF as a reader's software would."""

import datetime
import io
import re

import pdfplumber
import pytest
from bidi import get_display
from django.core import mail
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from reports.charts import value_text
from reports.filters import ReportFilters
from reports.funder import render_funder_report
from reports.models import ExportJob
from reports.statistics import COMPLETION_RATE, FIGURES, get_report
from tests.factories import make_cohort, make_course
from tests.reports.conftest import enrolment
from tests.reports.test_statistics import MARCH, march  # noqa: F401 - a fixture
from tests.reports.test_suppression import three_from_tuvalu  # noqa: F401 - a fixture

URL = "/reports/funder/"
EXPORTS = "/reports/exports/"
API = "/api/v1/exports/"
GENERATED = datetime.date(2026, 5, 14)
ARABIC = re.compile("[\u0600-\u06ff]")
MARGIN = 20  # points: no glyph comes closer to the page's edge


def pages_of(pdf: bytes) -> list[dict]:
    """Each page's size, characters and text (lines with Arabic put in logical order)."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [
            {
                "width": page.width,
                "height": page.height,
                "chars": page.chars,
                "text": "\n".join(
                    get_display(line, base_dir="R") if ARABIC.search(line) else line
                    for line in page.extract_text().splitlines()
                ),
            }
            for page in document.pages
        ]


def text_of(pdf: bytes) -> str:
    return "\n".join(page["text"] for page in pages_of(pdf))


def section(text: str, heading: str, next_heading: str) -> str:
    return text[text.index(f"\n{heading}\n") : text.index(f"\n{next_heading}\n")]


def table(text: str) -> dict[str, list[str]]:
    """A table's rows as printed: name -> its seven figures (the last seven words of a line)."""
    rows = {}
    for line in text.splitlines():
        words = line.split()
        cells = words[-len(FIGURES) :]
        if len(words) > len(FIGURES) and all(_is_cell(cell) for cell in cells):
            rows[" ".join(words[: -len(FIGURES)])] = cells
    return rows


def _is_cell(word: str) -> bool:
    return bool(re.fullmatch(r"<\d+|\u2013|[\d,]+(\.\d)?%?", word))


def printed(figures: dict, k: int) -> list[str]:
    return [value_text(figures[name], k=k, percent=name == COMPLETION_RATE) for name in FIGURES]


# --- What it says ---------------------------------------------------------------------------


@pytest.mark.usefixtures("march")
def test_the_pdf_has_the_period_the_headline_figures_and_a_table_by_country():
    pdf = render_funder_report(ReportFilters(**MARCH), language="en", generated_on=GENERATED)

    text = text_of(pdf)
    assert pdf.startswith(b"%PDF")
    assert "Completion report" in text
    assert "From 1 March 2026 to 31 March 2026" in text
    assert "Generated on 14 May 2026" in text
    assert "Public Procurement and Human Rights Learning Lab".upper() in text
    # The headline figures (test_statistics works them out by hand), each over its name.
    first_page = pages_of(pdf)[0]["text"]
    headline = (("4", "Enrolments"), ("33.3%", "Completion rate"),
                ("16.5", "Median days to complete"), ("1", "Certificates revoked"))  # fmt: skip
    for figure, name in headline:
        assert re.search(rf"(^|\s){re.escape(figure)}(\s|$)", first_page), figure
        assert name in first_page
    countries = table(section(text, "By country", "By organisation type"))
    report = get_report(ReportFilters(**MARCH))
    for row in report.breakdowns["country"]:
        assert countries[row.label] == printed(row.figures, 1), row.label
    assert countries["All"] == printed(report.totals, 1)
    assert {"Kenya", "Nigeria", "France"} <= countries.keys()
    for heading in ("By region", "By organisation type", "By month", "By course",
                    "How these figures are counted"):  # fmt: skip
        assert f"\n{heading}\n" in text
    assert re.search(r"Page 1 of \d", text)


@pytest.mark.usefixtures("three_from_tuvalu")
def test_a_country_of_three_never_appears_as_a_number_nor_by_subtraction():
    pdf = render_funder_report(ReportFilters(), language="en", generated_on=GENERATED)

    text = text_of(pdf)
    countries = table(section(text, "By country", "By organisation type"))
    regions = table(section(text, "By region", "By country"))
    report = get_report(ReportFilters())
    # The PDF shows the report's suppressed figures, no more.
    for row in report.breakdowns["country"]:
        assert countries[row.label] == printed(row.figures, 5), row.label
    # Tuvalu's 3 participants (2 completed): "<5", or a zero where the total is zero too.
    assert set(countries["Tuvalu"]) <= {"<5", "0"} and "<5" in countries["Tuvalu"]
    assert set(regions["Oceania"]) <= {"<5", "0"} and set(regions["Polynesia"]) <= {"<5", "0"}
    assert "Tuvalu 3" not in text and "Tuvalu 2" not in text
    # No count is the total minus the others: never a single hidden row under a shown total.
    total = countries.pop("All")
    for column, name in enumerate(FIGURES):
        if name in (COMPLETION_RATE, "median_days_to_complete"):
            continue
        hidden = [cells[column] for cells in countries.values() if not cells[column].isdigit()]
        assert not (len(hidden) == 1 and total[column].isdigit()), name


@pytest.mark.usefixtures("march")
def test_an_arabic_report_is_shaped_right_to_left_and_stays_inside_its_pages():
    pdf = render_funder_report(ReportFilters(**MARCH), language="ar", generated_on=GENERATED)

    pages = pages_of(pdf)
    text = "\n".join(page["text"] for page in pages)
    assert "كينيا" in text and "نيجيريا" in text and "فرنسا" in text  # country names
    assert "مارس" in text and "2026" in text  # March 2026, as Django writes it in Arabic
    chars = [c for page in pages for c in page["chars"]]
    assert any("NotoNaskhArabic" in c["fontname"] for c in chars)
    for page in pages:
        assert [c["text"] for c in page["chars"] if _outside(c, page)] == []
    # Mirrored: a country's name on the right, its figures to its left.
    [kenya_page] = [page for page in pages if "كينيا" in page["text"]]
    row = _chars_on_the_line_of(kenya_page, "NotoNaskhArabic", near_text="كينيا")
    names = [c for c in row if "NotoNaskhArabic" in c["fontname"]]
    figures = [c for c in row if c["text"].isdigit()]
    assert min(c["x0"] for c in names) > kenya_page["width"] / 2
    assert figures and max(c["x1"] for c in figures) < min(c["x0"] for c in names)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_long_names_stay_inside_their_pages(db, settings, min_cell, language):
    min_cell(1)
    settings.CERTIFICATE_ISSUER = "Public Procurement and Human Rights Learning Lab " * 6
    # As long as they may be (200 characters), and the organisation longer still.
    course = make_course(
        title=("Human rights due diligence across the procurement cycle " * 4)[:200]
    )
    cohort = make_cohort(course, name=("Spring intake of the procurement academy " * 5)[:200])
    for country in ("KE", "CD", "GS", "VC"):  # some of the longest names
        enrolment(course, enrolled="2026-03-02", country=country, cohort=cohort,
                  organisation_type="nhri")  # fmt: skip

    pdf = render_funder_report(ReportFilters(course=course, cohort=cohort), language=language)

    pages = pages_of(pdf)
    for page in pages:
        assert [c["text"] for c in page["chars"] if _outside(c, page)] == []
    text = "\n".join(page["text"] for page in pages)
    assert "Human rights due diligence" in text and "Spring intake" in text


def _outside(char: dict, page: dict) -> bool:
    return (
        char["x0"] < MARGIN
        or char["x1"] > page["width"] - MARGIN
        or char["top"] < MARGIN
        or char["bottom"] > page["height"] - MARGIN
    )


def _chars_on_the_line_of(page: dict, font: str, *, near_text: str) -> list[dict]:
    """The characters of the table row whose name is `near_text` (extracted in visual order)."""
    with_font = [c for c in page["chars"] if font in c["fontname"]]
    visual = near_text[::-1]
    lines: dict[float, list[dict]] = {}
    for c in page["chars"]:
        lines.setdefault(round(c["top"]), []).append(c)
    for top, chars in lines.items():
        arabic = "".join(c["text"] for c in sorted(chars, key=lambda c: c["x0"]) if c in with_font)
        if get_display(arabic, base_dir="R") == near_text or arabic == visual:
            return [c for c in page["chars"] if abs(c["top"] - top) < 3]
    raise AssertionError(f"no line with {near_text}")


def test_a_report_with_nobody_in_it_says_so(db):
    text = text_of(render_funder_report(ReportFilters(), language="en", generated_on=GENERATED))

    assert "All time" in text
    assert "No enrolment matches these filters." in text


def test_an_unknown_language_is_refused(db):
    with pytest.raises(ValueError, match="unknown language"):
        render_funder_report(ReportFilters(), language="de")


# --- The page: a job in the background ---------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    for response in (client.get(URL), client.post(URL, {})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["participant", "facilitator"])
def test_participants_and_facilitators_get_a_404_and_nothing_is_made(
    client_for, persona, request, django_capture_on_commit_callbacks
):
    client = client_for(request.getfixturevalue(persona))

    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(URL).status_code == 404
        assert client.post(URL, {"from": "2026-03-01"}).status_code == 404

    assert not ExportJob.objects.exists()


def test_the_form_is_filled_in_from_the_statistics_page_that_links_to_it(client_for, admin_user):
    statistics = client_for(admin_user).get(reverse("reports"), {"country": "KE"})
    assertContains(statistics, f'href="{URL}?country=KE"')

    response = client_for(admin_user).get(URL, {"country": "KE", "from": "2026-03-01"})

    assertContains(response, "<h1>Funder report</h1>", html=True)
    assertContains(response, "Create the PDF")
    assertContains(response, f'href="{EXPORTS}"')
    assert response.context["form"]["country"].value() == "KE"
    assert response.context["form"]["date_from"].value() == "2026-03-01"


@pytest.mark.usefixtures("march")
def test_creating_the_pdf_makes_a_job_that_stores_it_with_the_figures_in_the_requesters_language(
    client_for, admin_user, settings, tmp_path, django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    admin_user.preferred_language = "fr"
    admin_user.save(update_fields=["preferred_language"])
    client = client_for(admin_user)

    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        django_assert_max_num_queries(8),
    ):
        response = client.post(URL, {"from": "2026-03-01", "to": "2026-03-31"})

    job = ExportJob.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"{EXPORTS}#export-{job.pk}"
    assert (job.kind, job.format, job.language, job.status) == ("funder_pdf", "pdf", "fr", "queued")
    assert job.parameters == {"from": "2026-03-01", "to": "2026-03-31"}
    assert job.file_name == "completion-report_2026-03-01_2026-03-31.pdf"
    assert len(callbacks) == 1  # the task, enqueued after commit

    with django_capture_on_commit_callbacks(execute=True):  # the email
        callbacks[0]()  # the worker, in the background (eager here)

    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total, job.percent) == ("done", 1, 1, 100)
    assert job.expires_at - job.finished_at == datetime.timedelta(days=7)
    [email] = mail.outbox
    assert email.to == [admin_user.email]
    download = client.get(reverse("reports-export-download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        'attachment; filename="completion-report_2026-03-01_2026-03-31.pdf"'
    )
    assert "no-store" in download["Cache-Control"]
    pdf = b"".join(download.streaming_content)
    text = text_of(pdf)
    assert "Rapport d\u2019achèvement" in text  # in French, the requester's language
    assert "Période : 1 mars 2026 \u2013 31 mars 2026" in text
    with translation.override("fr"):
        report = get_report(ReportFilters(**MARCH))
        countries = table(section(text, "Par pays", "Par type d\u2019organisation"))
        for row in report.breakdowns["country"]:
            assert countries[row.label] == printed(row.figures, 1), row.label
        assert {"Kenya", "Nigeria", "France"} <= countries.keys()


@pytest.mark.usefixtures("march")
def test_the_exports_page_says_the_pdf_is_being_prepared_and_pressing_twice_makes_one_job(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.post(URL, {"country": "KE"}, follow=True)
        second = client.post(URL, {"country": "KE"}, follow=True)

    job = ExportJob.objects.get()
    assert len(callbacks) == 1
    assert first.redirect_chain == second.redirect_chain == [(f"{EXPORTS}#export-{job.pk}", 303)]
    assertContains(first, "Funder report (PDF): the file is being prepared in the background.")
    assertContains(first, f'id="export-{job.pk}"')
    assertContains(second, "This export is already being prepared")
    assertNotContains(first, "<dt>Progress</dt>", html=False)  # a document has no rows to count
    # Other filters are another report.
    with django_capture_on_commit_callbacks(execute=False):
        client.post(URL, {"country": "NG"})
    assert ExportJob.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"from": "2026-02-30"}, "date_from", "Enter a valid date"),
        ({"from": "not a day"}, "date_from", "Enter a valid date"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "date_to", "The last day comes before"),
        ({"country": "ZZ"}, "country", "Select a valid choice"),
        ({"course": "no-such-course"}, "course", "Select a valid choice"),
    ],
)
def test_bad_filters_are_a_form_error_and_nothing_is_made(
    client_for, admin_user, django_capture_on_commit_callbacks, data, field, message
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(URL, data)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in str(response.context["form"].errors[field])
    assertContains(response, message, status_code=400)
    assert not ExportJob.objects.exists()


# --- The API ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("march")
def test_the_api_answers_a_job_whose_file_is_the_pdf(
    api_client, admin_user, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    api_client.force_authenticate(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            API,
            {"kind": "funder_pdf", "format": "pdf", "parameters": {"country": "KE"}},
            format="json",
            HTTP_ACCEPT_LANGUAGE="es",
        )

    assert response.status_code == 201
    job = api_client.get(f"{API}{response.json()['id']}/").json()
    assert (job["kind"], job["format"], job["status"]) == ("funder_pdf", "pdf", "done")
    assert (job["rows_done"], job["rows_total"], job["parameters"]) == (1, 1, {"country": "KE"})
    file = api_client.get(job["download_url"])
    assert file.status_code == 200 and file["Content-Type"] == "application/pdf"
    assert file["Content-Disposition"] == 'attachment; filename="completion-report.pdf"'
    text = text_of(b"".join(file.streaming_content))
    assert "País: Kenia" in text  # the filter in words, in the language of the request
