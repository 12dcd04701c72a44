"""Offline re-reading, the server's side (docs/offline.md): the service worker's script, the
offline page, which pages the worker may keep and what of them, and signing out. The worker
itself is tested in a browser: tests/browser/test_offline.py."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from elearn.offline import OFFLINE_COPY_HEADER, static_version
from tests.factories import enrol_user

ROOT = Path(__file__).resolve().parents[2]
ROLES = ["anonymous", "participant", "other_participant", "facilitator", "admin_user"]
# What the worker cuts out of a page before keeping it (templates/offline/sw.js, OMIT).
OMIT = re.compile(r"<!--offline:omit-->[\s\S]*?<!--/offline:omit-->")


def visitor(request, client, role):
    """A test client for the role, and the user (None for an anonymous visitor)."""
    if role == "anonymous":
        return client, None
    user = request.getfixturevalue(role)
    client.force_login(user)
    return client, user


def lesson_url(course, position=0):
    lesson = course.modules.order_by("order").first().lessons.get(order=position)
    return reverse("lesson-detail", args=[course.slug, lesson.slug])


def kept_copy(response) -> str:
    return OMIT.sub("", response.content.decode())


def test_service_worker_is_served_from_the_root_and_always_checked_for_updates(client, db):
    response = client.get("/sw.js")

    assert reverse("service-worker") == "/sw.js"  # its scope: the whole site
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assert f'const VERSION = "{static_version()}";' in script
    assert 'const STYLESHEET = "/static/css/site.css";' in script
    assert f'const OFFLINE_URL = "{reverse("offline")}";' in script


@pytest.mark.parametrize("role", ROLES)
def test_service_worker_is_the_same_for_everyone_and_holds_nothing_personal(
    request, client, db, role, django_assert_max_num_queries
):
    anonymous = client.get("/sw.js").content
    client, user = visitor(request, client, role)

    with django_assert_max_num_queries(2):  # the session and the user, nothing else
        response = client.get("/sw.js")

    assert response.content == anonymous
    if user is not None:
        assert user.email not in response.content.decode()


def test_service_worker_refuses_a_post_and_changes_nothing(client, participant):
    client.force_login(participant)
    before = client.get("/sw.js").content

    response = client.post("/sw.js", {"version": "x"})

    assert response.status_code == 405
    assert client.get("/sw.js").content == before


def test_version_is_the_manifest_s_hash_in_production(settings, tmp_path):
    manifest = {"version": "1.1", "paths": {"css/site.css": "css/site.0123abcd.css"},
                "hash": "5f2c9e0a41b7d3e8"}  # fmt: skip
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }

    assert static_version() == "5f2c9e0a41b7"


def test_version_follows_the_static_files_with_debug_on(settings, tmp_path):
    settings.DEBUG = True
    settings.STATICFILES_DIRS = [tmp_path]
    stylesheet = tmp_path / "site.css"
    stylesheet.write_text("body { color: black; }")
    before = static_version()

    assert static_version() == before  # stable while nothing changes
    stylesheet.write_text("body { color: #1b1f23; }")
    assert static_version() != before


def test_worker_and_page_script_name_the_same_cache_of_lessons(client, db):
    worker = client.get("/sw.js").content.decode()
    page_script = (ROOT / "static" / "js" / "offline.js").read_text()

    (name,) = re.findall(r'const LESSONS = "([^"]+)"', worker)
    assert f'var LESSONS = "{name}"' in page_script


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "You are offline"),
        ("fr", "Vous êtes hors ligne"),
        ("es", "No tiene conexión"),
        ("ar", "أنت غير متصل بالإنترنت"),
    ],
)
def test_offline_page_says_what_can_be_read_in_each_language(client, db, language, heading):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get(reverse("offline"))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert page.count("<h1") == 1
    assert "data-offline-lessons" in page
    assert f'dir="{"rtl" if language == "ar" else "ltr"}"' in page


@pytest.mark.parametrize("role", ROLES)
def test_offline_page_as_kept_holds_nothing_about_the_person(
    request, client, db, role, django_assert_max_num_queries
):
    client, user = visitor(request, client, role)

    with django_assert_max_num_queries(3):
        response = client.get(reverse("offline"))

    kept = kept_copy(response)
    assert "You are offline" in kept
    for personal in ("csrfmiddlewaretoken", "Sign out", "Sign in", "elearn-signed-out"):
        assert personal not in kept
    if user is not None:
        assert user.full_name not in kept and user.email not in kept


@pytest.mark.parametrize("role", ROLES)
def test_lesson_page_may_be_kept_only_for_someone_signed_in(request, client, role, course):
    client, user = visitor(request, client, role)
    if role == "participant":
        enrol_user(user, course)

    response = client.get(lesson_url(course))

    assert response.status_code == 200
    assert response.get(OFFLINE_COPY_HEADER) == (None if user is None else "lesson")


def test_kept_lesson_holds_its_text_but_not_progress_forms_or_navigation(
    client, participant, course
):
    enrol_user(participant, course)
    client.force_login(participant)
    client.post(reverse("lesson-complete", args=[course.slug, "m1-lesson-1"]))

    kept = kept_copy(client.get(lesson_url(course)))

    assert "Body of lesson 1.1." in kept
    assert "Lesson 1.1</h1>" in kept
    assert 'rel="next"' in kept  # the pager leads to the next lesson, kept or not
    for personal in (
        "You have completed this lesson.",
        "Course outline",  # its marks show progress
        "csrfmiddlewaretoken",
        "Sign out",
        "My learning",
        participant.full_name,
    ):
        assert personal not in kept


@pytest.mark.parametrize(
    "page",
    [
        lambda course: reverse("quiz-detail", args=[course.modules.first().quizzes.first().pk]),
        lambda course: reverse("course-detail", args=[course.slug]),
        lambda course: reverse("my-learning"),
        lambda course: reverse("profile"),
        lambda course: reverse("home"),
        lambda course: reverse("offline"),
        lambda course: "/api/v1/courses/",
    ],
    ids=["quiz", "course", "my-learning", "profile", "catalogue", "offline", "api"],
)
def test_no_other_page_may_be_kept(client, participant, course, page):
    enrol_user(participant, course)
    client.force_login(participant)

    response = client.get(page(course))

    assert response.status_code == 200
    assert OFFLINE_COPY_HEADER not in response


def test_signing_out_tells_the_browser_to_forget_the_kept_lessons(client, participant):
    client.force_login(participant)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session


def test_asking_to_sign_out_clears_nothing_until_confirmed(client, participant):
    client.force_login(participant)

    response = client.get(reverse("account_logout"))

    assert response.status_code == 200
    assert "Clear-Site-Data" not in response
    assert client.session["_auth_user_id"] == str(participant.pk)


def test_pages_shown_to_someone_signed_out_tell_the_page_script_to_forget_kept_lessons(
    client, participant
):
    marker = '<meta name="elearn-signed-out" content="1">'
    assert marker in client.get(reverse("home")).content.decode()

    client.force_login(participant)
    assert marker not in client.get(reverse("home")).content.decode()
