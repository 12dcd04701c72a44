"""Who may export what, at every door: the page's form and the API, then a job's status, file
and download. Anyone signed in without the right is told "not found", as on the pages the data
comes from; anonymous visitors are sent to sign in (pages) or refused (API)."""

import pytest
from django.urls import reverse

from reports.models import ExportJob
from tests.factories import enrol_user, make_cohort, make_course, make_facilitator_user, make_user
from tests.quizzes.factories import add_single_choice, make_empty_quiz

from .test_exports import API, PAGE, ask, ask_api, body

PERSONAS = [
    "anonymous",
    "participant_here",
    "participant_elsewhere",
    "facilitator_here",
    "facilitator_elsewhere",
    "staff",
]
# (kind, parameters: names of the fixture's objects, who may have it)
EXPORTS = {
    "cohort matrix": ("cohort_progress", {"cohort": "here"}, {"facilitator_here", "staff"}),
    "completion rows": ("completions", {}, {"staff"}),
    "statistics": ("statistics", {"group_by": "country"}, {"staff"}),
    "question analysis of a cohort": (
        "item_analysis", {"quiz": "quiz", "cohort": "here"}, {"facilitator_here", "staff"},
    ),
    "question analysis of every cohort": ("item_analysis", {"quiz": "quiz"}, {"staff"}),
}  # fmt: skip


@pytest.fixture
def world(db):
    course = make_course(modules=1, lessons_per_module=1)
    quiz = make_empty_quiz(course.modules.get(), title="Check")
    add_single_choice(quiz, key="q")
    here, elsewhere = make_cohort(course, name="Here"), make_cohort(course, name="Elsewhere")
    people = {
        "participant_here": make_user(),
        "participant_elsewhere": make_user(),
        "facilitator_here": make_facilitator_user(),
        "facilitator_elsewhere": make_facilitator_user(),
        "staff": make_user(is_staff=True),
    }
    enrol_user(people["participant_here"], course, here)
    enrol_user(people["participant_elsewhere"], course, elsewhere)
    here.facilitators.add(people["facilitator_here"])
    elsewhere.facilitators.add(people["facilitator_elsewhere"])
    return {"people": people, "here": here, "quiz": quiz}


def _parameters(world, parameters):
    return {name: world[value].pk if value in world else value
            for name, value in parameters.items()}  # fmt: skip


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_page_form(client, world, persona, export):
    kind, parameters, allowed = EXPORTS[export]
    if persona != "anonymous":
        client.force_login(world["people"][persona])

    response = ask(client, kind, "csv", **_parameters(world, parameters))

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif persona in allowed:
        assert response.status_code == 200
        assert body(response).startswith(b"\xef\xbb\xbf")
    else:
        assert response.status_code == 404
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_api(api_client, world, persona, export):
    kind, parameters, allowed = EXPORTS[export]
    if persona != "anonymous":
        api_client.force_authenticate(world["people"][persona])

    response = ask_api(api_client, kind, "json", **_parameters(world, parameters))

    if persona == "anonymous":
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    elif persona in allowed:
        assert response.status_code == 200
        assert b'"kind": "' + kind.encode() in body(response)
    else:
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "detail": "Not found."}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_funder_pdf_is_for_staff_alone_at_every_door(
    client, api_client, world, persona, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    if persona != "anonymous":
        client.force_login(world["people"][persona])
        api_client.force_authenticate(world["people"][persona])

    with django_capture_on_commit_callbacks(execute=True):
        pages = [ask(client, "funder_pdf", "pdf", country="KE"),
                 client.post(reverse("reports-funder"), {"country": "KE"})]  # fmt: skip
        api = ask_api(api_client, "funder_pdf", "pdf", country="KE")

    if persona == "anonymous":
        assert [page.status_code for page in pages] == [302, 302]
        assert api.status_code == 401
        assert not ExportJob.objects.exists()
    elif persona == "staff":  # always a job, never the file at once: the same one each time
        assert [page.status_code for page in pages] == [303, 303]
        assert api.status_code == 201
        job = ExportJob.objects.get()
        assert (job.kind, job.format, job.status) == ("funder_pdf", "pdf", "done")
        assert api.json()["id"] == job.pk
    else:
        assert [page.status_code for page in pages] == [404, 404]
        assert api.status_code == 404
        assert api.json() == {"code": "not_found", "detail": "Not found."}
        assert not ExportJob.objects.exists()


@pytest.mark.parametrize("format", ["csv", "xlsx", "json"])
def test_the_funder_pdf_is_a_pdf_only(api_client, client, world, format):
    staff = world["people"]["staff"]
    api_client.force_authenticate(staff)
    client.force_login(staff)

    response = ask_api(api_client, "funder_pdf", format)
    page = ask(client, "funder_pdf", format)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"]["format"] == ["Choose one of: pdf."]
    assert page.status_code == 400
    assert "format: Choose one of: pdf." in page.content.decode()
    assert not ExportJob.objects.exists()


@pytest.fixture
def job(world, tmp_path, settings, django_capture_on_commit_callbacks):
    """A finished job of the staff member's: completions, prepared in the background."""
    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_STREAM_MAX_ROWS = 0
    from django.test import Client

    client = Client()
    client.force_login(world["people"]["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, "completions", "csv")
    assert response.status_code == 303
    job = ExportJob.objects.get()
    assert job.status == "done"
    return job


@pytest.mark.parametrize("persona", [*PERSONAS, "another_staff_member"])
def test_a_job_is_for_its_requester_alone(client, api_client, world, job, persona):
    urls = {
        "status": f"{API}{job.pk}/",
        "file": f"{API}{job.pk}/file/",
        "download": reverse("reports-export-download", args=[job.pk]),
    }
    user = None
    if persona == "another_staff_member":
        user = make_user(is_staff=True, is_superuser=True)
    elif persona != "anonymous":
        user = world["people"][persona]
    if user is not None:
        client.force_login(user)
        api_client.force_authenticate(user)

    download = client.get(urls["download"])
    status, file = api_client.get(urls["status"]), api_client.get(urls["file"])

    if persona == "anonymous":
        assert download.status_code == 302
        assert (status.status_code, file.status_code) == (401, 401)
    elif persona == "staff":  # the requester
        assert (download.status_code, status.status_code, file.status_code) == (200, 200, 200)
        assert body(download) == body(file)
    else:
        assert (download.status_code, status.status_code, file.status_code) == (404, 404, 404)
    if user is not None:
        listed = client.get(PAGE)
        assert listed.status_code == 200
        assert (f'id="export-{job.pk}"' in listed.content.decode()) == (persona == "staff")
