"""Pages for enrolment and progress: the course page's enrolment section, the lesson page's
Mark as complete, and My learning."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from courses.models import Enrolment, EnrolmentStatus, Lesson, LessonCompletion, ModuleDueDate
from courses.services.enrolment import ensure_default_cohort, withdraw
from quizzes.models import Quiz
from tests.courses.test_views import assert_accessible_page
from tests.factories import enrol_user, make_cohort, make_course


def lessons_of(course):
    return list(Lesson.objects.filter(course=course).order_by("module__order", "order", "id"))


def complete(user, *lessons):
    for lesson in lessons:
        LessonCompletion.objects.create(user=user, lesson=lesson, completed_at=timezone.now())


def enrol_url(course):
    return reverse("course-enrol", args=[course.slug])


def withdraw_url(course):
    return reverse("course-withdraw", args=[course.slug])


def complete_url(lesson):
    return reverse("lesson-complete", args=[lesson.course.slug, lesson.slug])


def page(response):
    assert response.status_code == 200
    return response.content.decode()


# --- Course page: enrolment section -------------------------------------------------------------


def test_course_page_offers_a_form_per_joinable_cohort_with_a_key_field_only_where_needed(
    client, participant, course
):
    default = ensure_default_cohort(course)
    keyed = make_cohort(course, name="Lima spring run", enrolment_key="andes")
    closed = make_cohort(course, name="Closed run", enrolment_open=False)
    ended = make_cohort(course, name="Ended run", ends_on=timezone.localdate() - timedelta(days=1))
    client.force_login(participant)

    response = client.get(course.get_absolute_url())
    body = page(response)

    assert body.count(f'action="{enrol_url(course)}"') == 2
    assert f'name="cohort" value="{default.pk}"' in body
    assert f'name="cohort" value="{keyed.pk}"' in body
    assert "Lima spring run" in body
    assert f'id="key-{keyed.pk}"' in body
    assert f'id="key-{default.pk}"' not in body
    assert body.count('name="key"') == 1
    for hidden in (closed, ended):
        assert f'name="cohort" value="{hidden.pk}"' not in body
    assert "Sign in to enrol" not in body
    assert_accessible_page(response)


def test_course_page_asks_anonymous_visitors_to_sign_in_to_enrol(client, course):
    body = page(client.get(course.get_absolute_url()))

    assert "Sign in to enrol" in body
    assert f"{reverse('account_login')}?next={course.get_absolute_url()}" in body
    assert enrol_url(course) not in body


def test_course_page_says_enrolment_is_closed_when_no_cohort_is_joinable(client, participant):
    course = make_course()
    course.cohorts.update(enrolment_open=False)
    client.force_login(participant)

    body = page(client.get(course.get_absolute_url()))

    assert "Enrolment in this course is closed." in body
    assert enrol_url(course) not in body


def test_enrolling_from_the_course_page_shows_progress_and_where_to_start(
    client, participant, course
):
    cohort = ensure_default_cohort(course)
    client.force_login(participant)

    response = client.post(enrol_url(course), {"cohort": cohort.pk}, follow=True)
    body = page(response)

    assert response.redirect_chain == [(course.get_absolute_url(), 302)]
    assert Enrolment.objects.get(user=participant).cohort == cohort
    assert "You are enrolled in" in body
    assert 'value="0"' in body and "0% done" in body
    assert f'href="{lessons_of(course)[0].get_absolute_url()}">Start the course' in body
    assert withdraw_url(course) in body
    assert enrol_url(course) not in body


def test_coming_back_to_a_course_shows_kept_progress_and_resume(client, participant, course):
    lessons = lessons_of(course)
    enrolment = enrol_user(participant, course)
    complete(participant, lessons[0], lessons[1])
    withdraw(enrolment, by=participant)
    client.force_login(participant)

    body = page(client.post(enrol_url(course), {"cohort": enrolment.cohort_id}, follow=True))

    assert "25% done" in body  # 2 of 8 required items (6 lessons, 2 quizzes)
    assert f'href="{lessons[2].get_absolute_url()}">Resume' in body
    assert Enrolment.objects.get(user=participant).status == EnrolmentStatus.ACTIVE


def test_wrong_enrolment_key_shows_the_error_and_enrols_nobody(client, participant, course):
    keyed = make_cohort(course, enrolment_key="andes")
    client.force_login(participant)

    body = page(client.post(enrol_url(course), {"cohort": keyed.pk, "key": "alps"}, follow=True))

    assert "The enrolment key is not right." in body
    assert f'id="key-{keyed.pk}"' in body  # the form is offered again
    assert not Enrolment.objects.exists()


def test_right_enrolment_key_enrols(client, participant, course):
    keyed = make_cohort(course, enrolment_key="andes")
    client.force_login(participant)

    client.post(enrol_url(course), {"cohort": keyed.pk, "key": "andes"})

    assert Enrolment.objects.get(user=participant).cohort == keyed


def test_full_cohort_shows_the_error_and_enrols_nobody(client, participant, other_participant):
    course = make_course()
    cohort = make_cohort(course, capacity=1)
    enrol_user(other_participant, course, cohort)
    client.force_login(participant)

    body = page(client.post(enrol_url(course), {"cohort": cohort.pk}, follow=True))

    assert "This cohort is full." in body
    assert not Enrolment.objects.filter(user=participant).exists()


@pytest.mark.parametrize("cohort", ["missing", "other-course", "unknown-id"])
def test_enrolling_without_a_cohort_of_this_course_asks_for_one(
    client, participant, course, cohort
):
    other = ensure_default_cohort(make_course())
    data = {"missing": {}, "other-course": {"cohort": other.pk}, "unknown-id": {"cohort": 999999}}
    client.force_login(participant)

    body = page(client.post(enrol_url(course), data[cohort], follow=True))

    assert "Choose a cohort to join." in body
    assert not Enrolment.objects.exists()


def test_enrolling_with_a_malformed_cohort_asks_for_one(client, participant, course):
    client.force_login(participant)

    response = client.post(enrol_url(course), {"cohort": "first"}, follow=True)

    assert "Choose a cohort to join." in page(response)
    assert not Enrolment.objects.exists()


def test_leaving_a_course_from_its_page_keeps_progress(client, participant, course):
    enrolment = enrol_user(participant, course)
    complete(participant, lessons_of(course)[0])
    client.force_login(participant)

    response = client.post(withdraw_url(course), {"enrolment": enrolment.pk}, follow=True)
    body = page(response)

    assert response.redirect_chain == [(course.get_absolute_url(), 302)]
    assert "You have left the course. Your progress is kept." in body
    assert enrol_url(course) in body
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert LessonCompletion.objects.filter(user=participant).count() == 1


def test_completed_course_cannot_be_left(client, participant, course):
    enrolment = enrol_user(participant, course)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=EnrolmentStatus.COMPLETED, completed_at=timezone.now()
    )
    client.force_login(participant)

    body = page(client.post(withdraw_url(course), {"enrolment": enrolment.pk}, follow=True))

    assert "A completed enrolment cannot be withdrawn." in body
    assert "You have completed this course." in body
    assert withdraw_url(course) not in body  # no button either
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


# --- Lesson page: Mark as complete ---------------------------------------------------------------


def test_lesson_page_offers_mark_as_complete_to_an_enrolled_participant(
    client, participant, course
):
    first, second = lessons_of(course)[:2]
    enrol_user(participant, course)
    client.force_login(participant)

    response = client.get(first.get_absolute_url())
    body = page(response)

    assert f'action="{complete_url(first)}"' in body
    assert f'name="next_url" value="{second.get_absolute_url()}"' in body
    assert "Mark as complete" in body
    assert "You have completed this lesson." not in body
    assert_accessible_page(response)


def test_lesson_page_shows_the_done_note_once_the_lesson_is_complete(client, participant, course):
    lesson = lessons_of(course)[0]
    enrol_user(participant, course)
    complete(participant, lesson)
    client.force_login(participant)

    body = page(client.get(lesson.get_absolute_url()))

    assert "You have completed this lesson." in body
    assert "Mark as complete" not in body


def test_lesson_page_links_a_signed_in_visitor_not_enrolled_to_enrolment(
    client, participant, course
):
    client.force_login(participant)

    body = page(client.get(lessons_of(course)[0].get_absolute_url()))

    assert f'href="{course.get_absolute_url()}#enrolment"' in body
    assert "Mark as complete" not in body


def test_lesson_page_asks_anonymous_visitors_to_sign_in(client, course):
    lesson = lessons_of(course)[0]

    body = page(client.get(lesson.get_absolute_url()))

    assert f"{reverse('account_login')}?next={lesson.get_absolute_url()}" in body
    assert "Mark as complete" not in body


def test_marking_a_lesson_complete_goes_on_to_the_next_lesson(client, participant, course):
    first, second = lessons_of(course)[:2]
    enrol_user(participant, course)
    client.force_login(participant)

    response = client.post(complete_url(first), {"next_url": second.get_absolute_url()})

    assert response.status_code == 302
    assert response["Location"] == second.get_absolute_url()
    assert LessonCompletion.objects.filter(user=participant, lesson=first).exists()


def test_the_next_lesson_says_the_one_before_was_marked_complete(client, participant, course):
    first, second = lessons_of(course)[:2]
    enrol_user(participant, course)
    client.force_login(participant)

    response = client.post(
        complete_url(first), {"next_url": second.get_absolute_url()}, follow=True
    )

    assert response.redirect_chain == [(second.get_absolute_url(), 302)]
    body = page(response)
    status = re.search(r'<div class="wrap" role="status">(.*?)</div>', body, re.S)
    assert status is not None  # announced by screen readers, before the lesson
    assert f"Marked as complete: “\u2068{first.title}\u2069”." in status.group(1)
    assert body.index('role="status"') < body.index('id="lesson-title"')
    assert "Marked as complete" not in page(client.get(second.get_absolute_url()))  # said once


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/phish", "//evil.example/phish", "javascript:alert(1)", ""]
)
def test_marking_complete_never_redirects_off_site(client, participant, course, next_url):
    lesson = lessons_of(course)[0]
    enrol_user(participant, course)
    client.force_login(participant)

    response = client.post(complete_url(lesson), {"next_url": next_url})

    assert response.status_code == 302
    assert response["Location"] == lesson.get_absolute_url()
    assert LessonCompletion.objects.filter(user=participant, lesson=lesson).exists()


def test_marking_complete_without_enrolment_explains_and_records_nothing(
    client, participant, course
):
    lesson = lessons_of(course)[0]
    client.force_login(participant)

    response = client.post(complete_url(lesson), follow=True)

    assert response.redirect_chain == [(lesson.get_absolute_url(), 302)]
    assert "Enrol in the course first." in page(response)
    assert not LessonCompletion.objects.exists()


def test_completing_the_last_item_shows_the_course_completed(client, participant, pass_quiz):
    course = make_course(modules=1, lessons_per_module=2, quizzes_per_module=1)
    first, last = lessons_of(course)
    pass_quiz(participant, Quiz.objects.get(course=course))
    enrolment = enrol_user(participant, course)
    complete(participant, first)
    client.force_login(participant)

    response = client.post(complete_url(last), follow=True)
    body = page(response)

    assert response.redirect_chain == [(course.get_absolute_url(), 302)]
    assert "You have completed the course. Well done!" in body
    assert "You have completed this course." in body
    assert "100% done" in body
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_optional_lesson_done_after_the_course_goes_on_to_the_next_lesson(client, participant):
    course = make_course(modules=1, lessons_per_module=3)
    first, optional, last = lessons_of(course)
    optional.optional = True
    optional.save()
    enrolment = enrol_user(participant, course)
    complete(participant, first, last)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=EnrolmentStatus.COMPLETED, completed_at=timezone.now()
    )
    client.force_login(participant)

    response = client.post(complete_url(optional), {"next_url": last.get_absolute_url()})

    assert response["Location"] == last.get_absolute_url()


# --- My learning ---------------------------------------------------------------------------------


def test_my_learning_lists_current_enrolments_with_progress_and_resume(
    client, participant, other_participant
):
    started = make_course(title="Open contracting basics", modules=1, lessons_per_module=4)
    fresh = make_course(title="Human rights due diligence", modules=1, lessons_per_module=2)
    left = make_course(title="A course left behind")
    someone_elses = make_course(title="Not mine")
    lessons = lessons_of(started)
    enrolment = enrol_user(participant, started)
    complete(participant, lessons[0], lessons[2])
    enrolment.last_lesson = lessons[2]
    enrolment.save()
    enrol_user(participant, fresh)
    withdraw(enrol_user(participant, left), by=participant)
    enrol_user(other_participant, someone_elses)
    client.force_login(participant)

    response = client.get(reverse("my-learning"))
    body = page(response)

    assert "Open contracting basics" in body
    assert "Human rights due diligence" in body
    assert "A course left behind" not in body
    assert "Not mine" not in body
    assert '<progress max="100" value="50"' in body
    assert '<progress max="100" value="0"' in body
    assert f'href="{lessons[3].get_absolute_url()}">Resume' in body
    assert f'href="{lessons_of(fresh)[0].get_absolute_url()}">Start' in body
    assert_accessible_page(response)


def test_my_learning_shows_upcoming_due_dates_of_unfinished_modules(client, participant):
    course = make_course(modules=3, lessons_per_module=1)
    first, second, third = course.modules.order_by("order")
    cohort = make_cohort(course, name="Nairobi cohort")
    today = timezone.localdate()
    soon, later, past = today + timedelta(days=3), today + timedelta(days=10), today - timedelta(1)
    ModuleDueDate.objects.create(cohort=cohort, module=first, due_on=later)  # but finished
    ModuleDueDate.objects.create(cohort=cohort, module=second, due_on=soon)
    ModuleDueDate.objects.create(cohort=cohort, module=third, due_on=past)
    enrol_user(participant, course, cohort)
    complete(participant, first.lessons.get())
    client.force_login(participant)

    body = page(client.get(reverse("my-learning")))

    assert "Nairobi cohort" in body
    assert f"<bdi>Module 2</bdi>: due {dateformat.format(soon, 'j F Y')}" in body
    assert "Module 1</bdi>: due" not in body
    assert "Module 3</bdi>: due" not in body


def test_my_learning_shows_completed_courses_without_resume(client, participant):
    course = make_course(title="Finished course", modules=1, lessons_per_module=1)
    enrolment = enrol_user(participant, course)
    complete(participant, course.lessons.get())
    finished_at = timezone.now()
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=EnrolmentStatus.COMPLETED, completed_at=finished_at
    )
    client.force_login(participant)

    body = page(client.get(reverse("my-learning")))

    assert "Finished course" in body
    assert f"Completed on {dateformat.format(finished_at, 'j F Y')}" in body
    assert '<progress max="100" value="100"' in body
    assert "Resume" not in body


def test_my_learning_says_when_a_certificate_will_come(client, participant):
    course = make_course(title="Finished course", modules=1, lessons_per_module=1)
    held = make_cohort(course, name="Accra 2026", certificates_at_close=True)
    enrolment = enrol_user(participant, course, held)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=EnrolmentStatus.COMPLETED, completed_at=timezone.now()
    )
    client.force_login(participant)

    assert "will be issued when the cohort closes" in page(client.get(reverse("my-learning")))

    held.closed_at = timezone.now()
    held.save()
    assert "Your certificate is being prepared" in page(client.get(reverse("my-learning")))


def test_my_learning_invites_to_browse_when_there_is_nothing_yet(client, participant):
    client.force_login(participant)

    body = page(client.get(reverse("my-learning")))

    assert "You are not enrolled in any course yet." in body


def test_my_learning_makes_the_same_number_of_queries_for_1_and_10_enrolments(
    client, participant, django_assert_max_num_queries
):
    client.force_login(participant)
    counts = []
    for total in (1, 10):
        Enrolment.objects.filter(user=participant).delete()
        for _ in range(total):
            course = make_course(modules=2, lessons_per_module=2, quizzes_per_module=1)
            enrol_user(participant, course)
            complete(participant, course.lessons.first())
            ModuleDueDate.objects.create(
                cohort=ensure_default_cohort(course),
                module=course.modules.first(),
                due_on=timezone.localdate() + timedelta(days=7),
            )
        client.get(reverse("my-learning"))  # outlines built and cached
        with django_assert_max_num_queries(8) as queries:
            body = page(client.get(reverse("my-learning")))
        assert body.count('class="card"') == total
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Sign-in and methods -----------------------------------------------------------------------


@pytest.mark.parametrize("action", ["my-learning", "enrol", "withdraw", "complete"])
def test_anonymous_visitors_are_sent_to_sign_in(client, course, action):
    lesson = lessons_of(course)[0]
    url = {
        "my-learning": reverse("my-learning"),
        "enrol": enrol_url(course),
        "withdraw": withdraw_url(course),
        "complete": complete_url(lesson),
    }[action]

    if action == "my-learning":
        response = client.get(url)
    else:
        response = client.post(url, {"cohort": ensure_default_cohort(course).pk})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"
    assert not Enrolment.objects.exists()
    assert not LessonCompletion.objects.exists()


@pytest.mark.parametrize("action", ["enrol", "complete"])
def test_post_only_pages_refuse_get(client, participant, course, action):
    enrol_user(participant, course)
    url = {
        "enrol": enrol_url(course),
        "withdraw": withdraw_url(course),
        "complete": complete_url(lessons_of(course)[0]),
    }[action]
    client.force_login(participant)

    assert client.get(url).status_code == 405
    assert Enrolment.objects.get(user=participant).status == EnrolmentStatus.ACTIVE
    assert not LessonCompletion.objects.exists()


def test_enrolment_pages_of_an_unpublished_course_are_404_for_participants(client, participant):
    draft = make_course(published=False)
    cohort = ensure_default_cohort(draft)
    client.force_login(participant)

    assert client.post(enrol_url(draft), {"cohort": cohort.pk}).status_code == 404
    assert client.post(complete_url(draft.lessons.first())).status_code == 404
    assert not Enrolment.objects.exists()
