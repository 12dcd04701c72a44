"""A course in another language is a translation of an original: one level, one translation
per language; packages name their original; the catalogue and course page offer the versions;
a course's text carries its own language and direction whatever the interface's."""

import pytest
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from courses import selectors
from courses.exceptions import PackageError
from courses.models import Course
from courses.services import export_course_package, import_course_package
from courses.services.enrolment import enrol, ensure_default_cohort
from quizzes.models import Question, QuestionType
from quizzes.services import start_attempt, submit_attempt
from tests.factories import make_course, make_quiz, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions():
    """An English original with French and Arabic translations, all published."""
    original = make_course(title="Buying well", slug="buying-well", language="en")
    french = make_course(
        title="Bien acheter", slug="buying-well-fr", language="fr", translation_of=original
    )
    arabic = make_course(
        title="الشراء الجيد", slug="buying-well-ar", language="ar", translation_of=original
    )
    return original, french, arabic


def refused(course) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        course.full_clean()
    return error.value.message_dict


# --- The model -------------------------------------------------------------------------------


def test_a_translation_of_a_translation_is_refused(versions):
    _original, french, _arabic = versions
    spanish = Course(title="Comprar bien", slug="buying-well-es", language="es")
    spanish.translation_of = french

    errors = refused(spanish)

    assert errors == {
        "translation_of": ["“buying-well-fr” is itself a translation: name its original instead."]
    }


def test_a_course_with_translations_cannot_become_a_translation(versions):
    original, _french, _arabic = versions
    other = make_course(language="es")
    original.translation_of = other

    assert "translation_of" in refused(original)


def test_a_translation_in_its_original_language_is_refused(versions):
    original = versions[0]
    copy = Course(title="Buying well again", slug="again", language="en", translation_of=original)

    assert refused(copy) == {
        "language": ["A translation must be in another language than its original, “buying-well”."]
    }


def test_an_original_cannot_move_into_the_language_of_its_translation(versions):
    original = versions[0]
    original.language = "fr"

    assert refused(original) == {
        "language": ["A translation of this course is in this language already."]
    }


def test_a_second_translation_into_one_language_is_refused_by_clean_and_the_database(versions):
    original = versions[0]
    second = Course(title="Acheter bien", slug="second-fr", language="fr", translation_of=original)

    assert refused(second) == {
        "__all__": ["The original course already has a translation in this language."]
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_a_course_cannot_be_its_own_translation_in_the_database():
    course = make_course()
    course.translation_of_id = course.pk

    assert "translation_of" in refused(course)
    with pytest.raises(IntegrityError), transaction.atomic():
        course.save()


def test_deleting_an_original_leaves_its_translations_as_courses_of_their_own(versions):
    original, french, arabic = versions

    original.delete()

    french.refresh_from_db()
    arabic.refresh_from_db()
    assert french.translation_of is None and arabic.translation_of is None


def test_admin_offers_originals_only_and_refuses_a_translation_of_a_translation(
    client, admin_user, versions
):
    _original, french, _arabic = versions
    spanish = make_course(language="es", published=False)
    client.force_login(admin_user)
    url = reverse("admin:courses_course_change", args=[spanish.pk])

    form = client.get(url).content.decode()
    response = client.post(
        url,
        {
            "title": spanish.title, "slug": spanish.slug, "summary": "", "language": "es",
            "translation_of": french.pk, "order": 0, "estimated_hours": "1",
            "modules-TOTAL_FORMS": 0, "modules-INITIAL_FORMS": 0,
        },
    )  # fmt: skip

    assert f'<option value="{french.pk}">' not in form
    assert response.status_code == 200
    assert "translation_of" in response.context["adminform"].form.errors
    spanish.refresh_from_db()
    assert spanish.translation_of is None


# --- Reading the versions --------------------------------------------------------------------


def test_versions_are_the_original_then_translations_by_language_in_one_query(
    versions, participant, django_assert_max_num_queries
):
    original, french, arabic = versions

    with django_assert_max_num_queries(1):
        found = list(selectors.list_versions(participant, arabic))

    assert found == [original, french, arabic]


def test_unpublished_versions_are_listed_for_admins_only(versions, participant, admin_user):
    original, french, arabic = versions
    french.published = False
    french.save()

    assert list(selectors.list_versions(participant, original)) == [original, arabic]
    assert list(selectors.list_versions(admin_user, original)) == [original, french, arabic]


# --- Course packages -------------------------------------------------------------------------


def write_package(root, *, slug, language, translation_of=None, title="A course"):
    """A one-lesson package folder; `translation_of` written when given."""
    course = {"slug": slug, "title": title, "language": language}
    if translation_of is not None:
        course["translation_of"] = translation_of
    course["published"] = True
    course["modules"] = [{"slug": "m", "title": "M", "lessons": ["lessons/one.md"]}]
    (root / "lessons").mkdir(parents=True)
    (root / "lessons" / "one.md").write_text("---\ntitle: One\nminutes: 5\n---\n\nText.\n")
    (root / "course.yaml").write_text(yaml.safe_dump(course, allow_unicode=True, sort_keys=False))
    return root


def test_a_translation_package_names_its_original_and_exports_it_back(tmp_path):
    original = import_course_package(write_package(tmp_path / "en", slug="o", language="en"))
    package = write_package(tmp_path / "fr", slug="o-fr", language="fr", translation_of="o")

    french = import_course_package(package).course
    export_course_package(french, tmp_path / "export")

    assert french.translation_of == original.course
    exported = yaml.safe_load((tmp_path / "export" / "course.yaml").read_text())
    assert exported["translation_of"] == "o"
    assert list(exported)[:5] == ["slug", "title", "summary", "language", "translation_of"]
    assert import_course_package(tmp_path / "export").course.translation_of == original.course
    export_course_package(original.course, tmp_path / "export-en")
    assert "translation_of" not in (tmp_path / "export-en" / "course.yaml").read_text()


BAD_TRANSLATIONS = [
    pytest.param(
        {"slug": "t", "language": "fr", "translation_of": "missing"},
        "course.yaml: translation_of: there is no course 'missing'",
        id="no-original",
    ),
    pytest.param(
        {"slug": "t", "language": "es", "translation_of": "o-fr"},
        "course.yaml: translation_of: “o-fr” is itself a translation",
        id="translation-of-a-translation",
    ),
    pytest.param(
        {"slug": "t", "language": "en", "translation_of": "o"},
        "course.yaml: language: A translation must be in another language than its original",
        id="same-language",
    ),
    pytest.param(
        {"slug": "t", "language": "fr", "translation_of": "o"},
        "course.yaml: translation_of: The original course already has a translation in this",
        id="second-in-one-language",
    ),
    pytest.param(
        {"slug": "o", "language": "en", "translation_of": "other"},
        "course.yaml: translation_of: This course has translations of its own",
        id="original-becomes-translation",
    ),
    pytest.param(
        {"slug": "o", "language": "fr"},
        "course.yaml: language: A translation of this course is in this language already.",
        id="original-into-a-translation-language",
    ),
    pytest.param(
        {"slug": "t", "language": "fr", "translation_of": "t"},
        "course.yaml, line 4: translation_of: a course cannot be a translation of itself",
        id="itself",
    ),
    pytest.param(
        {"slug": "t", "language": "fr", "translation_of": "not a slug"},
        "course.yaml, line 4: translation_of: 'not a slug' is not a valid slug",
        id="not-a-slug",
    ),
]


@pytest.mark.parametrize(("fields", "message"), BAD_TRANSLATIONS)
def test_a_bad_translation_package_is_refused_naming_course_yaml_and_changes_nothing(
    tmp_path, fields, message
):
    import_course_package(write_package(tmp_path / "o", slug="o", language="en"))
    import_course_package(write_package(tmp_path / "other", slug="other", language="es"))
    import_course_package(
        write_package(tmp_path / "o-fr", slug="o-fr", language="fr", translation_of="o")
    )
    before = list(Course.objects.order_by("pk").values())

    with pytest.raises(PackageError) as error:
        import_course_package(write_package(tmp_path / "bad", title="Changed", **fields))

    assert message in error.value.message
    assert list(Course.objects.order_by("pk").values()) == before


# --- Pages -----------------------------------------------------------------------------------


def test_catalogue_shows_versions_as_one_entry_in_the_visitors_language(
    client, versions, django_assert_max_num_queries
):
    original, french, arabic = versions
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    with django_assert_max_num_queries(6):
        response = client.get(reverse("home"))

    assert [entry.course for entry in response.context["entries"]] == [french]
    assertContains(response, "Bien acheter")
    assertNotContains(response, "Buying well</a>")
    assertContains(
        response,
        f'<a href="{original.get_absolute_url()}" hreflang="en" lang="en" dir="ltr">English'
        f'<span class="visually-hidden">: Buying well</span></a>',
        html=True,
    )
    assertContains(
        response,
        f'<a href="{arabic.get_absolute_url()}" hreflang="ar" lang="ar" dir="rtl">العربيّة'
        f'<span class="visually-hidden">: الشراء الجيد</span></a>',
        html=True,
    )


def test_catalogue_shows_the_original_when_there_is_no_version_in_the_visitors_language(
    client, versions
):
    original, _french, _arabic = versions
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    response = client.get(reverse("home"))

    (entry,) = response.context["entries"]
    assert entry.course == original
    assert [version.language for version in entry.others] == ["fr", "ar"]


def test_catalogue_and_course_page_hide_unpublished_versions_from_participants(client, versions):
    original, french, _arabic = versions
    french.published = False
    french.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    home = client.get(reverse("home"))
    page = client.get(original.get_absolute_url())

    assert [entry.course for entry in home.context["entries"]] == [original]
    for response in (home, page):
        assertNotContains(response, french.get_absolute_url())


def test_course_page_offers_the_other_versions_and_names_them_in_its_head(client, versions):
    original, french, arabic = versions

    response = client.get(french.get_absolute_url())

    assertContains(response, "Also in:")
    assertContains(response, f'href="{original.get_absolute_url()}" hreflang="en" lang="en"')
    assertContains(response, f'href="{arabic.get_absolute_url()}" hreflang="ar" lang="ar"')
    assertNotContains(response, f'href="{french.get_absolute_url()}" hreflang')
    head = response.content.decode().split("</head>")[0]
    for course in versions:
        link = f'<link rel="alternate" hreflang="{course.language}" '
        assert f'{link}href="http://testserver{course.get_absolute_url()}">' in head


def test_course_page_without_versions_has_no_alternates(client, course):
    response = client.get(course.get_absolute_url())

    assertNotContains(response, 'rel="alternate"')
    assertNotContains(response, "Also in:")


def test_versions_links_are_translated(client, versions):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"

    response = client.get(versions[0].get_absolute_url())

    assertContains(response, "بلغات أخرى:")


@pytest.fixture
def arabic_course(db):
    """An Arabic course with a table in a lesson and a quiz of choices and a matching question,
    shown in the review after each attempt."""
    course = make_course(title="المشتريات", language="ar", lessons_per_module=1)
    lesson = course.lessons.get()
    lesson.body = "| المرحلة | المخاطر |\n| --- | --- |\n| التخطيط | العمل الجبري |\n"
    lesson.save()
    quiz = make_quiz(module=course.modules.get(), questions=1)
    matching = Question.objects.create(
        quiz=quiz, key="match", type=QuestionType.MATCHING, prompt="طابِق", order=1
    )
    matching.pairs.create(key="1", prompt="المبدأ", answer="الحماية", order=0)
    matching.pairs.create(key="2", prompt="الركيزة", answer="الاحترام", order=1)
    ensure_default_cohort(course)
    return course


def test_an_arabic_course_is_right_to_left_in_an_english_interface(client, arabic_course):
    user = make_user()
    enrol(user, arabic_course.cohorts.get())
    client.force_login(user)
    content = 'lang="ar" dir="rtl"'
    quiz = arabic_course.quizzes.get()

    course_page = client.get(arabic_course.get_absolute_url())
    lesson_page = client.get(arabic_course.lessons.get().get_absolute_url())
    attempt, _created = start_attempt(user, quiz)
    attempt_page = client.get(reverse("attempt-detail", args=[attempt.pk]))
    question = quiz.questions.get(key="q1")
    shown = {choice: opaque for opaque, choice in attempt.layout[0]["choices"]}
    submit_attempt(
        attempt.user,
        attempt.pk,
        answers={str(question.pk): shown[question.choices.get(key="a").pk]},
    )
    review_page = client.get(reverse("attempt-detail", args=[attempt.pk]))

    for response in (course_page, lesson_page, attempt_page, review_page):
        assertContains(response, '<html lang="en" dir="ltr">')
    assertContains(course_page, f"<h1 {content}>المشتريات</h1>", html=True)
    assertContains(course_page, f"<span {content}>Lesson 1.1</span>", html=True)
    prose = lesson_page.content.decode().split(f'<div class="prose" {content}>')[1]
    assert prose.lstrip().startswith("<table>")
    assertContains(attempt_page, f'id="prompt-{question.pk}" {content}')
    assertContains(attempt_page, f"{content}>Right</label>")
    assertContains(attempt_page, f"{content}>المبدأ</label>")
    assertContains(attempt_page, f'" {content}>الحماية</option>')
    assertContains(review_page, f'<div class="prose" {content}>')
    assertContains(review_page, f"<span {content}>Right</span>", html=True)
    assertContains(review_page, f'<th scope="row" {content}>المبدأ</th>', html=True)
    assertContains(review_page, f"<span {content}>الحماية</span>", html=True)  # in its cell


# --- The API ---------------------------------------------------------------------------------


def test_api_gives_each_course_its_language_original_and_other_versions(
    api_client, versions, django_assert_max_num_queries
):
    original, french, arabic = versions
    arabic.published = False
    arabic.save()

    with django_assert_max_num_queries(3):
        listed = api_client.get("/api/v1/courses/").json()["results"]
    detail = api_client.get(f"/api/v1/courses/{french.slug}/").json()

    by_slug = {course["slug"]: course for course in listed}
    assert set(by_slug) == {original.slug, french.slug}
    assert by_slug[original.slug]["translation_of"] is None
    assert by_slug[original.slug]["translations"] == [
        {"id": french.pk, "slug": french.slug, "language": "fr", "title": "Bien acheter"}
    ]
    assert detail["language"] == "fr"
    assert detail["translation_of"] == original.slug
    assert detail["translations"] == [
        {"id": original.pk, "slug": original.slug, "language": "en", "title": "Buying well"}
    ]


def test_api_shows_admins_unpublished_versions(api_client, versions, admin_user):
    original, _french, arabic = versions
    arabic.published = False
    arabic.save()
    api_client.force_authenticate(admin_user)

    detail = api_client.get(f"/api/v1/courses/{original.slug}/").json()

    assert [v["language"] for v in detail["translations"]] == ["fr", "ar"]
