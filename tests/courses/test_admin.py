"""The admin keeps the services' rules: publishing opens the self-paced cohort, enrolments are
withdrawn (never deleted), attempts are read only, a question keeps its quiz."""

import pytest
from django.urls import reverse

from courses.models import Cohort, Course, Enrolment, EnrolmentStatus
from quizzes.services import start_attempt
from tests.factories import enrol_user, make_completion, make_course, make_quiz, make_user


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


def test_publishing_a_course_in_the_admin_opens_its_self_paced_cohort(admin):
    course = make_course(published=False)
    assert not Cohort.objects.filter(course=course).exists()
    response = admin.post(
        reverse("admin:courses_course_change", args=[course.pk]),
        {
            "title": course.title, "slug": course.slug, "summary": "", "language": "en",
            "published": "on", "order": 0, "estimated_hours": "3",
            "modules-TOTAL_FORMS": 0, "modules-INITIAL_FORMS": 0,
        },
    )  # fmt: skip
    errors = response.context and response.context["adminform"].form.errors
    assert response.status_code == 302, errors
    assert Course.objects.get(pk=course.pk).published
    assert Cohort.objects.filter(course=course, is_default=True).count() == 1


def test_withdraw_action_withdraws_active_enrolments_and_leaves_completed_ones(admin):
    course = make_course()
    active = enrol_user(make_user(), course)
    done = make_completion(course)
    response = admin.post(
        reverse("admin:courses_enrolment_changelist"),
        {"action": "withdraw_selected", "_selected_action": [active.pk, done.pk]},
    )
    assert response.status_code == 302
    assert Enrolment.objects.get(pk=active.pk).status == EnrolmentStatus.WITHDRAWN
    assert Enrolment.objects.get(pk=done.pk).status == EnrolmentStatus.COMPLETED


@pytest.mark.parametrize("model", ["enrolment", "attempt"])
def test_enrolments_and_attempts_cannot_be_deleted_in_the_admin(admin, model):
    course = make_course()
    enrolment = enrol_user(make_user(), course)
    objects = {"enrolment": enrolment}
    quiz = make_quiz(module=course.modules.first())
    objects["attempt"], _created = start_attempt(enrolment.user, quiz)
    target = objects[model]
    app = "courses" if model == "enrolment" else "quizzes"
    assert admin.get(reverse(f"admin:{app}_{model}_delete", args=[target.pk])).status_code == 403
    response = admin.post(
        reverse(f"admin:{app}_{model}_changelist"),
        {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert type(target).objects.filter(pk=target.pk).exists()


def test_a_saved_question_keeps_its_quiz_in_the_admin(admin):
    # Moved, a question would drop out of its quiz's attempts and scores (docs/quizzes.md).
    course = make_course()
    quiz, other = make_quiz(module=course.modules.first()), make_quiz(module=course.modules.first())
    question = quiz.questions.first()
    change = reverse("admin:quizzes_question_change", args=[question.pk])
    form = admin.get(change).context["adminform"].form
    assert "quiz" not in form.fields
    # The page's own values, with another quiz.
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value is not None}
    data |= {"quiz": other.pk, "choices-TOTAL_FORMS": 0, "choices-INITIAL_FORMS": 0}
    data |= {"pairs-TOTAL_FORMS": 0, "pairs-INITIAL_FORMS": 0}
    response = admin.post(change, data)
    errors = response.context and (
        response.context["adminform"].form.errors,
        [inline.formset.errors for inline in response.context["inline_admin_formsets"]],
    )
    assert response.status_code == 302, errors
    question.refresh_from_db()
    assert question.quiz_id == quiz.pk
    # A new question is written in the quiz chosen.
    add = admin.get(reverse("admin:quizzes_question_add")).context["adminform"].form
    assert "quiz" in add.fields
