"""The cohort dashboard: the progress matrix, at risk, the funnel, a participant's activity
and due date extensions, and who may see them."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import dashboard
from courses.exceptions import InvalidExtension, NotAllowed
from courses.models import (
    DueDateExtension,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonCompletion,
    ModuleDueDate,
)
from courses.selectors import get_my_learning
from courses.services.due_dates import extend_due_date, remove_due_date_extension
from courses.services.progress import record_lesson_completion, record_lesson_visit
from quizzes.models import Quiz
from quizzes.services import start_attempt, submit_attempt
from tests.factories import enrol_user, make_cohort, make_course, make_user


@pytest.fixture
def course(db):
    return make_course(modules=2, lessons_per_module=2, quizzes_per_module=1)


@pytest.fixture
def cohort(course, facilitator):
    cohort = make_cohort(course, name="Nairobi 2026", time_zone="Africa/Nairobi")
    cohort.facilitators.add(facilitator)
    return cohort


def lessons(course, module=None):
    qs = Lesson.objects.filter(course=course).order_by("module__order", "order")
    return list(qs.filter(module__order=module) if module is not None else qs)


def quiz_of(course, module):
    return Quiz.objects.get(course=course, module__order=module)


def pass_quiz(user, quiz):
    attempt, _created = start_attempt(user, quiz)
    answers = {  # each question's right choice, by its id in the attempt
        str(item["question"]): next(
            opaque
            for opaque, choice in item["choices"]
            if choice == quiz.questions.get(pk=item["question"]).choices.get(is_correct=True).pk
        )
        for item in attempt.layout
    }
    return submit_attempt(attempt.user, attempt.pk, answers=answers).attempt


def join(cohort, *, active_days_ago=0, **user_fields):
    """A participant of the cohort, last active `active_days_ago` days ago."""
    enrolment = enrol_user(make_user(**user_fields), cohort.course, cohort)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        last_activity_at=timezone.now() - timedelta(days=active_days_ago)
    )
    enrolment.refresh_from_db()
    return enrolment


def row_of(progress, enrolment):
    return next(r for r in progress.rows if r.enrolment_id == enrolment.pk)


# --- Reads: states, at risk, the funnel --------------------------------------------------------


def test_each_participants_state_and_module_cells(cohort, course):
    fresh = join(cohort, full_name="Amina Diallo")
    started = join(cohort, full_name="Bola Ade")
    record_lesson_visit(started, lessons(course)[0])
    done = join(cohort, full_name="Carmen Ruiz")
    for lesson in lessons(course):
        record_lesson_completion(done.user, lesson)
    for module in (0, 1):
        pass_quiz(done.user, quiz_of(course, module))

    progress = dashboard.get_cohort_progress(cohort)

    assert [r.name for r in progress.rows] == ["Amina Diallo", "Bola Ade", "Carmen Ruiz"]
    assert row_of(progress, fresh).state == dashboard.NOT_STARTED
    assert row_of(progress, started).state == dashboard.IN_PROGRESS
    carmen = row_of(progress, done)
    assert carmen.state == dashboard.COMPLETED
    assert carmen.percent == 100
    first = carmen.modules[0]
    assert (first.lessons_done, first.lessons_required, first.complete) == (2, 2, True)
    assert first.quizzes[0].passed and first.quizzes[0].best_score == 100
    bola = row_of(progress, started).modules[0]
    assert (bola.started, bola.complete, bola.lessons_done) == (True, False, 0)


def test_the_funnel_counts_started_completed_and_quiz_passed_per_module(cohort, course):
    a, b, c = (join(cohort) for _ in range(3))
    record_lesson_visit(a, lessons(course, 0)[0])
    for lesson in lessons(course, 0):
        record_lesson_completion(b.user, lesson)
        record_lesson_completion(c.user, lesson)
    pass_quiz(c.user, quiz_of(course, 0))

    first, second = dashboard.get_cohort_progress(cohort).funnel

    assert (first.started, first.completed, first.quiz_passed) == (3, 1, 1)
    assert (second.started, second.completed, second.quiz_passed) == (0, 0, 0)


def test_inactive_for_the_cohorts_days_is_at_risk(cohort):
    cohort.at_risk_after_days = 7
    cohort.save()
    recent = join(cohort, active_days_ago=6)
    idle = join(cohort, active_days_ago=8)
    never = enrol_user(make_user(), cohort.course, cohort)
    Enrolment.objects.filter(pk=never.pk).update(enrolled_at=timezone.now() - timedelta(days=9))

    progress = dashboard.get_cohort_progress(cohort)

    assert not row_of(progress, recent).at_risk
    assert row_of(progress, idle).at_risk_reasons == (dashboard.INACTIVE,)
    assert row_of(progress, never).at_risk_reasons == (dashboard.INACTIVE,)
    assert progress.at_risk_count == 2
    assert sorted(dashboard.list_at_risk_enrolments(cohort)) == sorted([idle.pk, never.pk])


def test_behind_a_due_date_in_the_cohorts_time_zone_is_at_risk(cohort, course):
    module = course.modules.get(order=0)
    ModuleDueDate.objects.create(cohort=cohort, module=module, due_on=date(2026, 3, 1))
    behind = join(cohort)
    ahead = join(cohort)
    for lesson in lessons(course, 0):
        record_lesson_completion(ahead.user, lesson)
    pass_quiz(ahead.user, quiz_of(course, 0))
    nairobi = ZoneInfo("Africa/Nairobi")  # UTC+3
    late_on_the_first = datetime(2026, 3, 1, 23, 30, tzinfo=nairobi)
    early_on_the_second = datetime(2026, 3, 2, 0, 30, tzinfo=nairobi)  # still 1 March in UTC
    Enrolment.objects.update(last_activity_at=early_on_the_second)

    on_the_day = dashboard.get_cohort_progress(cohort, now=late_on_the_first)
    next_day = dashboard.get_cohort_progress(cohort, now=early_on_the_second)

    assert not row_of(on_the_day, behind).at_risk
    assert row_of(next_day, behind).at_risk_reasons == (dashboard.OVERDUE,)
    assert row_of(next_day, behind).modules[0].overdue
    assert not row_of(next_day, ahead).at_risk


def test_an_extension_takes_the_place_of_the_cohorts_due_date(cohort, course, facilitator):
    module = course.modules.get(order=0)
    yesterday = timezone.localdate() - timedelta(days=1)
    ModuleDueDate.objects.create(cohort=cohort, module=module, due_on=yesterday)
    behind = join(cohort)

    extend_due_date(behind, module, due_on=yesterday + timedelta(days=10), by=facilitator)
    row = row_of(dashboard.get_cohort_progress(cohort), behind)

    assert not row.at_risk
    assert row.modules[0].extended
    assert row.modules[0].due_on == yesterday + timedelta(days=10)
    mine = get_my_learning(behind.user)[0]["progress"].modules[0]
    assert mine.due_on == yesterday + timedelta(days=10)


def test_completed_and_withdrawn_participants_are_never_at_risk(cohort):
    done = join(cohort, active_days_ago=30)
    Enrolment.objects.filter(pk=done.pk).update(
        status=EnrolmentStatus.COMPLETED, completed_at=timezone.now() - timedelta(days=30)
    )
    left = join(cohort, active_days_ago=30)
    Enrolment.objects.filter(pk=left.pk).update(
        status=EnrolmentStatus.WITHDRAWN, withdrawn_at=timezone.now()
    )

    progress = dashboard.get_cohort_progress(cohort)

    assert [r.enrolment_id for r in progress.rows] == [done.pk]
    assert progress.at_risk_count == 0


# --- Extensions --------------------------------------------------------------------------------


def test_an_extension_must_be_later_than_the_cohorts_date_and_not_past(cohort, course, facilitator):
    module = course.modules.get(order=0)
    due = timezone.localdate() + timedelta(days=5)
    ModuleDueDate.objects.create(cohort=cohort, module=module, due_on=due)
    enrolment = join(cohort)

    with pytest.raises(InvalidExtension):
        extend_due_date(enrolment, module, due_on=due, by=facilitator)
    with pytest.raises(InvalidExtension):
        extend_due_date(enrolment, module, due_on=due - timedelta(days=10), by=facilitator)
    assert not DueDateExtension.objects.exists()


def test_only_who_manages_the_cohort_extends_or_removes(cohort, course, other_participant):
    module = course.modules.get(order=0)
    enrolment = join(cohort)
    stranger = make_user()
    with pytest.raises(NotAllowed):
        extend_due_date(enrolment, module, due_on=timezone.localdate(), by=stranger)
    with pytest.raises(NotAllowed):
        remove_due_date_extension(enrolment, module, by=stranger)


def test_a_module_of_another_course_cannot_be_extended(cohort, facilitator):
    other_module = make_course().modules.first()
    with pytest.raises(InvalidExtension):
        extend_due_date(join(cohort), other_module, due_on=timezone.localdate(), by=facilitator)


# --- Pages -------------------------------------------------------------------------------------


def dashboard_url(cohort):
    return reverse("facilitate-cohort", args=[cohort.pk])


def detail_url(cohort, enrolment):
    return reverse("facilitate-participant", args=[cohort.pk, enrolment.pk])


@pytest.mark.parametrize(
    "who, status",
    [
        ("participant_of_cohort", 404),
        ("participant_elsewhere", 404),
        ("facilitator_elsewhere", 404),
        ("facilitator", 200),
        ("admin_user", 200),
    ],
)
def test_who_may_see_the_dashboard_and_a_participants_page(client, cohort, request, who, status):
    enrolment = join(cohort, full_name="Amina Diallo", email="amina@example.org")
    users = {
        "participant_of_cohort": lambda: enrolment.user,
        "participant_elsewhere": lambda: enrol_user(make_user(), make_course()).user,
        "facilitator_elsewhere": lambda: _facilitator_of(make_cohort(make_course())),
        "facilitator": lambda: request.getfixturevalue("facilitator"),
        "admin_user": lambda: request.getfixturevalue("admin_user"),
    }
    client.force_login(users[who]())

    page = client.get(dashboard_url(cohort))
    detail = client.get(detail_url(cohort, enrolment))

    assert (page.status_code, detail.status_code) == (status, status)
    if status == 404:
        assert "amina@example.org" not in page.content.decode() + detail.content.decode()


def _facilitator_of(cohort):
    user = make_user()
    cohort.facilitators.add(user)
    return user


def test_anonymous_visitors_are_sent_to_sign_in(client, cohort):
    enrolment = join(cohort)
    for url in (dashboard_url(cohort), detail_url(cohort, enrolment)):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


def test_a_facilitator_removed_from_the_cohort_loses_it_at_once(client, cohort, facilitator):
    client.force_login(facilitator)
    assert client.get(dashboard_url(cohort)).status_code == 200

    cohort.facilitators.remove(facilitator)

    assert client.get(dashboard_url(cohort)).status_code == 404


def test_a_participant_of_another_cohort_is_not_found_in_this_ones_pages(
    client, cohort, facilitator
):
    elsewhere = enrol_user(make_user(), cohort.course)  # the default cohort
    client.force_login(facilitator)

    assert client.get(detail_url(cohort, elsewhere)).status_code == 404


def test_the_dashboard_shows_figures_the_matrix_and_the_funnel(client, cohort, facilitator, course):
    join(cohort, full_name="Amina Diallo", active_days_ago=20)
    join(cohort, full_name="Bola Ade")
    client.force_login(facilitator)

    body = client.get(dashboard_url(cohort)).content.decode()

    assert "Amina Diallo" in body and "Bola Ade" in body
    assert "Module 1" in body and "Module 2" in body
    assert 'class="figure">1</span> at risk' in body
    assert body.count("<h1") == 1


def test_filters_find_the_participants_asked_for(client, cohort, facilitator):
    join(cohort, full_name="Amina Diallo", country="SN", active_days_ago=20)
    join(cohort, full_name="Bola Ade", country="NG", organisation_type="ngo")
    client.force_login(facilitator)

    def names(**query):
        page = client.get(dashboard_url(cohort), query)
        return [r.name for r in page.context["page"].object_list]

    assert names(state="at_risk") == ["Amina Diallo"]
    assert names(country="NG") == ["Bola Ade"]
    assert names(organisation_type="ngo") == ["Bola Ade"]
    assert names(q="DIALLO") == ["Amina Diallo"]
    assert names(state="completed") == []
    assert names(sort="name", order="desc") == ["Bola Ade", "Amina Diallo"]


def test_bad_filters_are_form_errors_not_failures(client, cohort, facilitator):
    join(cohort, full_name="Amina Diallo")
    client.force_login(facilitator)

    response = client.get(
        dashboard_url(cohort), {"state": "asleep", "country": "ZZ", "sort": "x", "page": "-1"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert [r.name for r in response.context["page"].object_list] == ["Amina Diallo"]


def test_the_matrix_is_paginated(client, cohort, facilitator):
    for n in range(55):
        join(cohort, full_name=f"Participant {n:02d}")
    client.force_login(facilitator)

    first = client.get(dashboard_url(cohort)).context["page"]
    second = client.get(dashboard_url(cohort), {"page": 2}).context["page"]

    assert len(first.object_list) == 50 and len(second.object_list) == 5
    assert second.object_list[0].name == "Participant 50"


@pytest.mark.parametrize("size", [5, 50])
def test_the_dashboard_makes_a_bounded_number_of_queries(
    client, cohort, facilitator, course, django_assert_max_num_queries, size
):
    for n in range(size):
        enrolment = join(cohort)
        record_lesson_completion(enrolment.user, lessons(course)[n % 4])
    client.force_login(facilitator)
    client.get(dashboard_url(cohort))  # the outline is cached by the first view

    with django_assert_max_num_queries(14):
        assert client.get(dashboard_url(cohort)).status_code == 200


@pytest.mark.parametrize("size", [1, 10])
def test_a_participants_page_makes_a_bounded_number_of_queries(
    client, cohort, facilitator, course, django_assert_max_num_queries, size
):
    enrolment = join(cohort)
    for lesson in lessons(course)[:size]:
        record_lesson_visit(enrolment, lesson)
        record_lesson_completion(enrolment.user, lesson)
    for _ in range(min(size, 3)):
        pass_quiz(enrolment.user, quiz_of(course, 0))
    client.force_login(facilitator)
    client.get(detail_url(cohort, enrolment))

    with django_assert_max_num_queries(22):
        assert client.get(detail_url(cohort, enrolment)).status_code == 200


def test_a_participants_page_shows_their_activity(client, cohort, facilitator, course):
    enrolment = join(cohort, full_name="Amina Diallo")
    first = lessons(course)[0]
    record_lesson_visit(enrolment, first)
    record_lesson_completion(enrolment.user, first)
    pass_quiz(enrolment.user, quiz_of(course, 0))
    client.force_login(facilitator)

    events = client.get(detail_url(cohort, enrolment)).context["events"]

    kinds = [e.kind for e in events]
    assert {
        "enrolled",
        "visited",
        "lesson_completed",
        "attempt_started",
        "attempt_submitted",
    } <= set(kinds)
    assert kinds[-1] == "enrolled"  # newest first
    submitted = next(e for e in events if e.kind == "attempt_submitted")
    assert "100%" in submitted.detail


def test_a_facilitator_extends_and_restores_a_due_date_on_the_page(
    client, cohort, facilitator, course
):
    module = course.modules.get(order=0)
    ModuleDueDate.objects.create(cohort=cohort, module=module, due_on=timezone.localdate())
    enrolment = join(cohort)
    client.force_login(facilitator)
    later = timezone.localdate() + timedelta(days=7)

    response = client.post(
        detail_url(cohort, enrolment),
        {"module": module.pk, "due_on": later.isoformat(), "action": "extend"},
    )
    assert response.status_code == 302
    assert DueDateExtension.objects.get(enrolment=enrolment).due_on == later

    client.post(detail_url(cohort, enrolment), {"module": module.pk, "action": "remove"})
    assert not DueDateExtension.objects.exists()


def test_a_bad_extension_on_the_page_is_a_form_error_and_changes_nothing(
    client, cohort, facilitator, course
):
    module = course.modules.get(order=0)
    enrolment = join(cohort)
    other_module = make_course().modules.first()
    client.force_login(facilitator)
    url = detail_url(cohort, enrolment)

    past = client.post(url, {"module": module.pk, "due_on": "2020-01-01", "action": "extend"})
    missing = client.post(url, {"module": module.pk, "due_on": "", "action": "extend"})
    garbage = client.post(url, {"module": module.pk, "due_on": "soon", "action": "extend"})
    foreign = client.post(
        url, {"module": other_module.pk, "due_on": "2099-01-01", "action": "extend"}
    )

    assert (past.status_code, missing.status_code, garbage.status_code) == (400, 400, 400)
    assert "Choose a date from today onwards." in past.content.decode()
    assert foreign.status_code == 404
    assert not DueDateExtension.objects.exists()


def test_the_cohort_list_links_each_cohort_to_its_dashboard(client, cohort, facilitator):
    client.force_login(facilitator)

    body = client.get(reverse("facilitate-cohorts")).content.decode()

    assert f'href="{dashboard_url(cohort)}"' in body


def test_a_lesson_completed_before_enrolling_counts(cohort, course):
    user = make_user()
    LessonCompletion.objects.create(
        user=user, lesson=lessons(course)[0], completed_at=timezone.now()
    )
    enrolment = enrol_user(user, course, cohort)

    row = row_of(dashboard.get_cohort_progress(cohort), enrolment)

    assert row.modules[0].lessons_done == 1


def test_the_dashboard_links_to_the_cohorts_question_analysis(client, cohort, facilitator):
    client.force_login(facilitator)

    body = client.get(dashboard_url(cohort)).content.decode()

    assert f'href="{reverse("facilitate-cohort-quizzes", args=[cohort.pk])}"' in body


def test_a_quiz_attempt_in_progress_is_said_so_not_shown_as_a_score(
    client, cohort, facilitator, course
):
    enrolment = join(cohort)
    start_attempt(enrolment.user, quiz_of(course, 0))
    client.force_login(facilitator)

    page = client.get(dashboard_url(cohort)).content.decode()
    detail = client.get(detail_url(cohort, enrolment)).content.decode()

    assert "quiz in progress" in page and "quiz in progress" in detail
    assert "quiz %" not in page and "best %" not in detail
