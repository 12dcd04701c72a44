"""The completion check (the rule of when a course is complete, run after every lesson completed
and every quiz passed) is prepared once per connection on PostgreSQL, and judges alike without;
so is the activity note that locks the enrolment before it after a quiz is passed."""

from django.db import connection

from courses.models import EnrolmentStatus
from courses.services.progress import record_lesson_completion
from quizzes import services
from tests.factories import enrol_user, make_course, make_user
from tests.prepared_statements import needs_postgresql, prepared_statements
from tests.quizzes.factories import add_single_choice, make_empty_quiz, right_answer

pytestmark = needs_postgresql


def completion_check_statements() -> tuple[int, int]:
    return prepared_statements('%SELECT e.id FROM "courses_enrolment" e%')


def test_the_completion_check_is_prepared_once_per_connection(db):
    course = make_course(modules=1, lessons_per_module=3)
    user = make_user()
    enrolment = enrol_user(user, course)
    statements, runs = completion_check_statements()

    outcomes = [record_lesson_completion(user, lesson) for lesson in course.lessons.all()]

    # One statement (or two: psycopg keys a statement by its parameters' types too), planned
    # once and run after each lesson; the last lesson completes the course.
    assert completion_check_statements()[0] - statements in (1, 2)
    assert completion_check_statements()[1] - runs == 3
    assert [o.course_completed for o in outcomes] == [False, False, True]
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_without_prepared_statements_the_completion_check_judges_alike(db):
    course = make_course(modules=1, lessons_per_module=2)
    user = make_user()
    enrol_user(user, course)
    first, last = course.lessons.all()
    statements, runs = completion_check_statements()
    threshold = connection.connection.prepare_threshold
    connection.connection.prepare_threshold = None  # DATABASE_PREPARED_STATEMENTS=0
    try:
        outcomes = [record_lesson_completion(user, lesson) for lesson in (first, last)]
    finally:
        connection.connection.prepare_threshold = threshold

    assert completion_check_statements() == (statements, runs)
    assert [o.course_completed for o in outcomes] == [False, True]


def test_the_activity_note_of_a_quiz_pass_is_prepared_once_per_connection(db):
    # It locks the enrolment before the completion check, after every quiz passed.
    quiz = make_empty_quiz(pass_mark=50)
    question = add_single_choice(quiz)
    users = [make_user() for _ in range(3)]
    for user in users:
        enrol_user(user, quiz.course)
    statements, runs = prepared_statements('%UPDATE "courses_enrolment" SET last_activity_at%')

    for user in users:
        attempt, _created = services.start_attempt(user, quiz)
        services.submit_attempt(
            user, attempt.pk, answers={question.pk: right_answer(question, attempt)}
        )

    after = prepared_statements('%UPDATE "courses_enrolment" SET last_activity_at%')
    assert after[0] - statements in (1, 2)
    assert after[1] - runs == 3
