"""Every course package in demo/ (setup_demo loads them all) imports, reads in its own language
and direction, and can be taken to a certificate worded in that language: the English course
and its translations alike, each found when the tests are collected."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from pytest_django.asserts import assertContains

from certificates.models import Certificate, CertificateStatus
from certificates.pdf.wording import DEFAULT_WORDING
from courses.management.commands.setup_demo import demo_packages
from courses.models import Course, EnrolmentStatus, Lesson
from courses.packages import read_package
from courses.services import import_course_package
from courses.services.enrolment import enrol, ensure_default_cohort
from courses.services.progress import record_lesson_completion
from quizzes.models import Question, QuestionType, ReviewPolicy
from quizzes.services import start_attempt, submit_attempt
from tests.certificates.test_pdf import logical_text
from tests.courses.test_translations import write_package
from tests.factories import make_user

PACKAGES = demo_packages(Path(settings.BASE_DIR) / "demo")


def test_demo_folder_holds_the_english_course():
    assert "procurement-human-rights-foundations" in [package.name for package in PACKAGES]


def import_with_its_original(package: Path) -> Course:
    """The package's course, its original imported first when it is a translation."""
    spec = read_package(package)
    if spec.translation_of:
        slugs = {yaml.safe_load((p / "course.yaml").read_text())["slug"]: p for p in PACKAGES}
        assert spec.translation_of in slugs, f"the original is not in demo/: {spec.translation_of}"
        import_course_package(slugs[spec.translation_of])
    return import_course_package(package).course


def correct_answers(attempt) -> dict[str, object]:
    """The right answer to every question of the attempt, read from the database."""
    questions = Question.objects.filter(quiz=attempt.quiz).prefetch_related("choices", "pairs")
    by_id = {question.pk: question for question in questions}
    answers = {}
    for item in attempt.layout:
        question = by_id[item["question"]]
        shown = {choice: opaque for opaque, choice in item["choices"]}  # ids in the attempt
        correct = [shown[c.pk] for c in question.choices.all() if c.is_correct]
        if question.type in (QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE):
            answer = correct[0]
        elif question.type == QuestionType.MULTIPLE_RESPONSE:
            answer = correct
        elif question.type == QuestionType.SHORT_ANSWER:
            answer = question.accepted_answers[0]
        elif question.type == QuestionType.NUMERIC:
            answer = f"{question.numeric_answer.normalize():f}"
        else:  # matching: each prompt to the option showing its answer's text
            text_of = {pair.pk: pair.answer for pair in question.pairs.all()}
            option_for = {text_of[pair]: token for token, pair in item["options"]}
            answer = {str(pair): option_for[text_of[pair]] for pair in item["prompts"]}
        answers[str(question.pk)] = answer
    return answers


@pytest.mark.django_db
@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.name)
def test_demo_package_reads_in_its_language_and_completes_to_a_certificate(
    package, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    course = import_with_its_original(package)
    assert course.published
    content = f'lang="{course.language}" dir="{course.text_direction}"'
    user = make_user(full_name="Amina Diallo")
    enrol(user, ensure_default_cohort(course))
    client.force_login(user)

    page = client.get(course.get_absolute_url())
    assertContains(page, f"<h1 {content}>")
    lessons = list(Lesson.objects.filter(course=course).order_by("module__order", "order"))
    for lesson in lessons:
        page = client.get(lesson.get_absolute_url())
        assertContains(page, f'<h1 id="lesson-title" {content}>')
        assertContains(page, f'<div class="prose" {content}>')

    with django_capture_on_commit_callbacks(execute=True):
        for lesson in lessons:
            record_lesson_completion(user, lesson)
        for quiz in course.quizzes.order_by("module__order", "order"):
            attempt, _created = start_attempt(user, quiz)
            form = client.get(reverse("attempt-detail", args=[attempt.pk]))
            for item in attempt.layout:
                assertContains(form, f'id="prompt-{item["question"]}" {content}>')
            submitted = submit_attempt(user, attempt.pk, answers=correct_answers(attempt)).attempt
            assert submitted.passed and submitted.score == 100, quiz.slug
            result = client.get(reverse("attempt-detail", args=[attempt.pk]))
            if quiz.review_policy != ReviewPolicy.NEVER:
                assertContains(result, f'<div class="prose" {content}>')

    enrolment = user.enrolments.get(course=course)
    assert enrolment.status == EnrolmentStatus.COMPLETED
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.status == CertificateStatus.ISSUED
    assert certificate.course_language == course.language
    text = logical_text(certificate.pdf.read())
    assert DEFAULT_WORDING[course.language]["title"] in text
    assert "Amina Diallo" in text


def test_setup_demo_loads_every_package_originals_first_and_only_once(settings, tmp_path, db):
    settings.BASE_DIR, settings.VAR_DIR = tmp_path, tmp_path
    # The translation's folder comes first by name: setup_demo must still load it second.
    write_package(tmp_path / "demo" / "a-fr", slug="b-fr", language="fr", translation_of="b")
    write_package(tmp_path / "demo" / "b", slug="b", language="en")
    (tmp_path / "demo" / "notes").mkdir()  # no course.yaml: not a package

    first, second = StringIO(), StringIO()
    call_command("setup_demo", stdout=first)
    edited = Course.objects.filter(slug="b").update(title="Edited in the admin")
    call_command("setup_demo", stdout=second)

    assert Course.objects.get(slug="b-fr").translation_of == Course.objects.get(slug="b")
    assert first.getvalue().count("Loaded the demo course") == 2
    assert edited == 1 and "Loaded the demo course" not in second.getvalue()
    assert Course.objects.get(slug="b").title == "Edited in the admin"


def test_setup_demo_stops_at_a_bad_package_naming_it_and_loads_nothing(settings, tmp_path, db):
    settings.BASE_DIR, settings.VAR_DIR = tmp_path, tmp_path
    write_package(tmp_path / "demo" / "b", slug="b", language="en")
    write_package(tmp_path / "demo" / "c-fr", slug="c-fr", language="fr", translation_of="c")

    with pytest.raises(CommandError) as error:
        call_command("setup_demo", stdout=StringIO())

    assert str(tmp_path / "demo" / "c-fr") in str(error.value)
    assert "course.yaml: translation_of: there is no course 'c'" in str(error.value)
    assert not Course.objects.exists()
