"""Question analysis of a quiz for those who manage a cohort: the pages under /facilitate/ and
GET /api/v1/quizzes/{id}/statistics/, by role, with small cells, first or all attempts, pools
and bad input."""

import pytest
from django.urls import reverse

from accounts.services import issue_api_token
from courses.models import EnrolmentStatus
from quizzes.models import Attempt
from quizzes.services import start_attempt, submit_attempt
from tests.courses.test_views import assert_accessible_page
from tests.factories import enrol_user, make_cohort, make_facilitator_user, make_user

from .factories import (
    add_multiple_response,
    add_short_answer,
    add_single_choice,
    add_true_false,
    make_empty_quiz,
    make_module,
    right_answer,
    wrong_answer,
)

PAGE_QUERIES = 8
API_QUERIES = 5


@pytest.fixture
def quiz(db):
    module = make_module(title="Buying with due diligence")
    quiz = make_empty_quiz(module, title="Due diligence check", pass_mark=50)
    add_single_choice(quiz, key="single", prompt="Which **pillar** covers remedy?")
    add_true_false(quiz, key="tf", prompt="States shed their duties by privatising.")
    add_multiple_response(quiz, key="multi", right=2, wrong=1, partial_credit=True)
    add_short_answer(quiz, key="short")
    return quiz


@pytest.fixture
def cohort(quiz, facilitator):
    cohort = make_cohort(quiz.course, name="Nairobi 2026")
    cohort.facilitators.add(facilitator)
    return cohort


def people(cohort, count):
    users = [make_user() for _ in range(count)]
    for user in users:
        enrol_user(user, cohort.course, cohort)
    return users


def take(user, quiz, *, right=()):
    """A submitted attempt: the right answer to the questions keyed in `right`, a wrong one
    (the first wrong choice) to the others."""
    attempt, _created = start_attempt(user, quiz)
    drawn = quiz.questions.filter(pk__in=[item["question"] for item in attempt.layout])
    answers = {
        str(q.pk): right_answer(q, attempt) if q.key in right else wrong_answer(q, attempt)
        for q in drawn
    }
    return submit_attempt(attempt.user, attempt.pk, answers=answers).attempt


def page_url(cohort, quiz, **query):
    url = reverse("facilitate-quiz-analysis", args=[cohort.pk, quiz.pk])
    return url + (f"?attempts={query['attempts']}" if query else "")


def all_url(quiz):
    return reverse("facilitate-quiz-analysis-all", args=[quiz.pk])


def list_url(cohort):
    return reverse("facilitate-cohort-quizzes", args=[cohort.pk])


def api_url(quiz):
    return f"/api/v1/quizzes/{quiz.pk}/statistics/"


def questions_of(data):
    return {q["prompt"]: q for q in data["questions"]}


def snapshot():
    return list(Attempt.objects.order_by("pk").values())


# --- Who may see it -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_and_refused_by_the_api(
    client, api_client, quiz, cohort
):
    for url in (page_url(cohort, quiz), all_url(quiz), list_url(cohort)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={url}"
    response = api_client.get(api_url(quiz), {"cohort": cohort.pk})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def _outsider(who, cohort):
    if who == "participant_here":
        return people(cohort, 1)[0]
    if who == "participant_elsewhere":
        return people(make_cohort(cohort.course), 1)[0]
    user = make_facilitator_user()  # facilitates another cohort of the same course
    make_cohort(cohort.course).facilitators.add(user)
    return user


@pytest.mark.parametrize(
    "who", ["participant_here", "participant_elsewhere", "facilitator_elsewhere"]
)
def test_who_does_not_manage_the_cohort_gets_not_found(client, api_client, quiz, cohort, who):
    for user in people(cohort, 5):
        take(user, quiz, right={"single"})
    outsider = _outsider(who, cohort)
    client.force_login(outsider)
    api_client.force_authenticate(outsider)

    for url in (page_url(cohort, quiz), all_url(quiz), list_url(cohort)):
        assert client.get(url).status_code == 404, url
    for query in ({"cohort": cohort.pk}, {}):
        response = api_client.get(api_url(quiz), query)
        if query:
            assert response.status_code == 404
            assert response.json() == {"code": "not_found", "detail": "Not found."}
        else:  # no cohort: only admins may ask for all of them
            assert response.status_code == 400
            assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("who", ["facilitator", "admin_user"])
def test_the_cohorts_facilitator_and_admins_see_the_analysis(
    request, client, api_client, quiz, cohort, who
):
    for user in people(cohort, 5):
        take(user, quiz, right={"single"})
    viewer = request.getfixturevalue(who)
    client.force_login(viewer)
    api_client.force_authenticate(viewer)

    response = client.get(page_url(cohort, quiz))
    assert response.status_code == 200
    assert_accessible_page(response)
    assert client.get(list_url(cohort)).status_code == 200
    response = api_client.get(api_url(quiz), {"cohort": cohort.pk})
    assert response.status_code == 200
    assert response.json()["summary"]["attempts"] == 5


def test_a_bi_tool_reads_the_analysis_with_a_token(api_client, quiz, cohort, facilitator):
    for user in people(cohort, 5):
        take(user, quiz)
    token = issue_api_token(facilitator).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get(api_url(quiz), {"cohort": cohort.pk, "attempts": "all"})
    assert response.status_code == 200
    assert response.json()["attempts"] == "all"


def test_a_facilitator_removed_from_the_cohort_loses_access_at_once(
    client, api_client, quiz, cohort, facilitator
):
    client.force_login(facilitator)
    api_client.force_authenticate(facilitator)
    assert client.get(page_url(cohort, quiz)).status_code == 200
    assert api_client.get(api_url(quiz), {"cohort": cohort.pk}).status_code == 200

    cohort.facilitators.remove(facilitator)

    assert client.get(page_url(cohort, quiz)).status_code == 404
    assert client.get(list_url(cohort)).status_code == 404
    assert api_client.get(api_url(quiz), {"cohort": cohort.pk}).status_code == 404


def test_all_cohorts_are_for_admins_and_count_every_attempt(
    client, api_client, quiz, cohort, facilitator, admin_user
):
    for user in people(cohort, 3) + people(make_cohort(quiz.course), 3):
        take(user, quiz)

    client.force_login(facilitator)
    assert client.get(all_url(quiz)).status_code == 404
    api_client.force_authenticate(facilitator)
    response = api_client.get(api_url(quiz))
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": {"cohort": ["Give the id of a cohort you facilitate."]},
    }

    client.force_login(admin_user)
    response = client.get(all_url(quiz))
    assert response.status_code == 200
    assert "All cohorts" in response.content.decode()
    api_client.force_authenticate(admin_user)
    data = api_client.get(api_url(quiz)).json()
    assert (data["cohort"], data["summary"]["attempts"], data["summary"]["participants"]) == (
        None,
        6,
        6,
    )
    assert api_client.get(api_url(quiz), {"cohort": cohort.pk}).json()["summary"]["attempts"] == 3
    assert api_client.get(api_url(quiz) + "?cohort=").json()["summary"]["attempts"] == 6


# --- The numbers --------------------------------------------------------------------------------


def test_the_api_gives_the_summary_and_each_questions_numbers(
    api_client, quiz, cohort, facilitator
):
    # Three of five get the single choice right; everyone gets true/false right; two get the
    # multiple response question right, three pick its wrong choice only (no credit); nobody
    # gets the short answer.
    users = people(cohort, 5)
    for user in users[:2]:
        take(user, quiz, right={"single", "tf", "multi"})
    take(users[2], quiz, right={"single", "tf"})
    for user in users[3:]:
        take(user, quiz, right={"tf"})
    api_client.force_authenticate(facilitator)

    data = api_client.get(api_url(quiz), {"cohort": cohort.pk}).json()

    assert (data["quiz"], data["cohort"], data["attempts"]) == (quiz.pk, cohort.pk, "first")
    assert (data["min_cell"], data["suppressed"]) == (5, False)
    # Scores (four questions of 1 point): 75% twice, 50%, 25% twice; the pass mark is 50%.
    assert data["summary"] == {
        "attempts": 5,
        "participants": 5,
        "suppressed": False,
        "mean_score": 50.0,
        "median_score": 50.0,
        "pass_rate": 0.6,
    }
    questions = questions_of(data)
    single = questions["Which pillar covers remedy?"]
    assert (single["type"], single["attempts"], single["facility"]) == ("single_choice", 5, 0.6)
    options = [(o["text"], o["correct"], o["chosen"], o["share"]) for o in single["options"]]
    assert options == [
        ("Right", True, 3, 0.6),
        ("Wrong", False, 2, 0.4),
        ("Also wrong", False, 0, 0.0),
    ]
    # Single choice 1 1 1 0 0 against the rest 2/3 2/3 1/3 1/3 1/3: dx .4 .4 .4 -.6 -.6,
    # dy .2 .2 -2/15 -2/15 -2/15 -> sxy 4/15, sxx 1.2, syy 2/15 -> r = (4/15) / 0.4 = 2/3.
    assert single["discrimination"] == pytest.approx(2 / 3, abs=1e-4)
    multi = questions["Question 3?"]
    assert (multi["facility"], multi["fully_correct"]) == (0.4, 0.4)
    assert single["flags"] == []
    tf = questions["States shed their duties by privatising."]
    assert (tf["facility"], tf["discrimination"], tf["flags"]) == (1.0, None, ["easy"])
    short = questions["Question 4?"]
    assert (short["facility"], short["flags"], short["options"]) == (0.0, ["hard"], [])


def test_first_attempts_or_all_attempts(api_client, client, quiz, cohort, facilitator):
    for user in people(cohort, 5):
        take(user, quiz)  # all wrong first
        take(user, quiz, right={"single", "tf", "multi", "short"})
    api_client.force_authenticate(facilitator)

    first = api_client.get(api_url(quiz), {"cohort": cohort.pk}).json()
    every = api_client.get(api_url(quiz), {"cohort": cohort.pk, "attempts": "all"}).json()

    assert (first["summary"]["attempts"], first["summary"]["participants"]) == (5, 5)
    assert (every["summary"]["attempts"], every["summary"]["participants"]) == (10, 5)
    assert first["summary"]["pass_rate"] == 0.0
    assert every["summary"]["pass_rate"] == 0.5
    assert questions_of(first)["Question 4?"]["facility"] == 0.0
    assert questions_of(every)["Question 4?"]["facility"] == 0.5

    client.force_login(facilitator)
    body = client.get(page_url(cohort, quiz, attempts="all")).content.decode()
    assert 'href="?attempts=all" aria-current="page"' in body
    assert '<span class="figure">10</span> attempts analysed' in body


def test_a_pool_analyses_each_question_over_the_attempts_that_drew_it(
    api_client, quiz, cohort, facilitator, settings
):
    settings.STATISTICS_MIN_CELL = 1
    quiz.draw_count = 2
    quiz.save()
    attempts = [take(user, quiz, right={"single", "tf"}) for user in people(cohort, 8)]
    drawn = {}
    for attempt in attempts:
        for item in attempt.layout:
            drawn[item["question"]] = drawn.get(item["question"], 0) + 1
    api_client.force_authenticate(facilitator)
    data = api_client.get(api_url(quiz), {"cohort": cohort.pk, "attempts": "all"}).json()

    assert data["summary"]["attempts"] == 8
    assert {q["id"]: q["attempts"] for q in data["questions"]} == {
        q.pk: drawn.get(q.pk, 0) for q in quiz.questions.all()
    }
    assert sum(q["attempts"] for q in data["questions"]) == 16
    right = {"single_choice": 1.0, "true_false": 1.0, "multiple_response": 0.0, "short_answer": 0.0}
    for question in data["questions"]:
        if question["attempts"]:
            assert question["facility"] == right[question["type"]]


def test_a_withdrawn_participants_attempts_leave_the_cohort_but_not_all_cohorts(
    api_client, quiz, cohort, admin_user
):
    users = people(cohort, 6)
    for user in users:
        take(user, quiz)
    users[0].enrolments.update(status=EnrolmentStatus.WITHDRAWN)
    api_client.force_authenticate(admin_user)

    in_cohort = api_client.get(api_url(quiz), {"cohort": cohort.pk}).json()
    everyone = api_client.get(api_url(quiz)).json()

    assert in_cohort["summary"]["participants"] == 5
    assert everyone["summary"]["participants"] == 6


def test_attempts_in_progress_are_not_analysed(api_client, quiz, cohort, facilitator):
    users = people(cohort, 5)
    for user in users:
        take(user, quiz)
    start_attempt(users[0], quiz)
    api_client.force_authenticate(facilitator)
    data = api_client.get(api_url(quiz), {"cohort": cohort.pk, "attempts": "all"}).json()
    assert data["summary"]["attempts"] == 5


# --- Small cells --------------------------------------------------------------------------------


def test_fewer_than_five_participants_show_counts_only(
    client, api_client, quiz, cohort, facilitator
):
    for user in people(cohort, 4):
        take(user, quiz, right={"single"})
    api_client.force_authenticate(facilitator)

    data = api_client.get(api_url(quiz), {"cohort": cohort.pk}).json()

    assert data["suppressed"] is True
    assert data["summary"] == {
        "attempts": 4,
        "participants": 4,
        "suppressed": True,
        "mean_score": None,
        "median_score": None,
        "pass_rate": None,
    }
    single = questions_of(data)["Which pillar covers remedy?"]
    assert (single["attempts"], single["participants"], single["suppressed"]) == (4, 4, True)
    assert single["facility"] is single["discrimination"] is single["fully_correct"] is None
    assert single["flags"] == []
    assert {(o["chosen"], o["share"]) for o in single["options"]} == {(None, None)}

    client.force_login(facilitator)
    body = client.get(page_url(cohort, quiz)).content.decode()
    assert "These attempts come from fewer than 5 participants." in body
    assert '<span aria-hidden="true">&lt;5</span>' in body
    assert "Answers chosen</h2>" not in body
    assert " of 4 (" not in body


def test_in_a_pool_a_question_drawn_for_fewer_than_five_people_keeps_only_its_counts(
    client, api_client, quiz, cohort, facilitator
):
    # 5 attempts drawing 2 of 4 questions: 10 draws, so some question has fewer than 5.
    quiz.draw_count = 2
    quiz.save()
    for user in people(cohort, 5):
        take(user, quiz, right={"single", "tf"})
    api_client.force_authenticate(facilitator)

    data = api_client.get(api_url(quiz), {"cohort": cohort.pk}).json()

    assert (data["suppressed"], data["summary"]["participants"]) == (False, 5)
    assert data["summary"]["mean_score"] is not None
    hidden = [q for q in data["questions"] if q["suppressed"]]
    assert hidden
    for question in hidden:
        assert 0 < question["participants"] < 5
        assert question["facility"] is question["discrimination"] is None
    client.force_login(facilitator)
    body = client.get(page_url(cohort, quiz)).content.decode()
    assert "Not shown: fewer than 5 participants</td>" in body


def test_the_minimum_comes_from_the_statistics_setting(
    api_client, quiz, cohort, facilitator, settings
):
    settings.STATISTICS_MIN_CELL = 3
    for user in people(cohort, 3):
        take(user, quiz, right={"single"})
    api_client.force_authenticate(facilitator)
    data = api_client.get(api_url(quiz), {"cohort": cohort.pk}).json()
    assert (data["min_cell"], data["suppressed"]) == (3, False)
    assert questions_of(data)["Which pillar covers remedy?"]["facility"] == 1.0


# --- The page -----------------------------------------------------------------------------------


def test_the_page_shows_the_figures_reasons_and_answer_shares(client, quiz, cohort, facilitator):
    users = people(cohort, 5)
    for user in users[:3]:
        take(user, quiz, right={"single", "tf"})
    for user in users[3:]:
        take(user, quiz, right={"tf"})
    client.force_login(facilitator)

    response = client.get(page_url(cohort, quiz))
    body = response.content.decode()

    assert_accessible_page(response)
    assert "Question analysis: Due diligence check" in body
    assert '<a href="?attempts=first" aria-current="page">First attempts</a>' in body
    assert '<span class="figure">5</span> participants' in body
    assert "Which pillar covers remedy?" in body  # the prompt as plain text
    assert "Almost everyone gets this right." in body  # true/false
    assert "Few get this right: check the question and its answer." in body  # short answer
    assert "3 of 5 (60%)" in body  # "Right" of the single choice question
    assert "2 of 5 (40%)" in body
    assert (
        'class="share-bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true"'
        in body
    )
    assert 'width="60.0"' in body


def test_the_page_in_arabic_keeps_bar_widths_readable(client, quiz, cohort, facilitator):
    for user in people(cohort, 5):
        take(user, quiz, right={"single"})
    client.force_login(facilitator)
    client.cookies["django_language"] = "ar"
    response = client.get(page_url(cohort, quiz))
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()
    assert 'width="100.0"' in response.content.decode()  # not "100,0"


def test_the_cohorts_quiz_list_links_each_quiz_with_its_numbers(client, quiz, cohort, facilitator):
    other = make_empty_quiz(quiz.module, title="Second check", order=1)
    for user in people(cohort, 2):
        take(user, quiz)
        take(user, quiz)
    take(people(make_cohort(quiz.course), 1)[0], quiz)  # another cohort's: not counted
    client.force_login(facilitator)

    response = client.get(list_url(cohort))
    body = response.content.decode()

    assert_accessible_page(response)
    assert "Quizzes of <bdi>Nairobi 2026</bdi>" in body
    assert page_url(cohort, quiz) in body
    assert page_url(cohort, other) in body
    counts = {q.pk: (q.submitted_attempts, q.participants) for q in response.context["quizzes"]}
    assert counts == {quiz.pk: (4, 2), other.pk: (0, 0)}


# --- Bounded queries ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 50])
def test_queries_do_not_grow_with_the_number_of_attempts(
    client, api_client, quiz, cohort, facilitator, count, django_assert_max_num_queries
):
    for user in people(cohort, count):
        take(user, quiz, right={"single"})
    client.force_login(facilitator)
    api_client.force_authenticate(facilitator)

    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(page_url(cohort, quiz, attempts="all"))
    assert response.status_code == 200
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert client.get(list_url(cohort)).status_code == 200
    with django_assert_max_num_queries(API_QUERIES):
        response = api_client.get(api_url(quiz), {"cohort": cohort.pk, "attempts": "all"})
    assert response.json()["summary"]["attempts"] == count


# --- Bad input ----------------------------------------------------------------------------------


def test_bad_input_is_a_clear_error_and_changes_nothing(
    client, api_client, quiz, cohort, facilitator, admin_user
):
    for user in people(cohort, 5):
        take(user, quiz)
    before = snapshot()
    api_client.force_authenticate(facilitator)

    response = api_client.get(api_url(quiz), {"cohort": cohort.pk, "attempts": "other"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "attempts" in response.json()["detail"]
    for bad in ("abc", "0", "-3", str(2**70)):
        response = api_client.get(api_url(quiz), {"cohort": bad})
        assert response.status_code == 400, bad
        assert response.json()["code"] == "invalid"
        assert "cohort" in response.json()["detail"]
    for query in ({"cohort": 999999}, {"cohort": make_cohort(quiz.course).pk}):
        response = api_client.get(api_url(quiz), query)
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "detail": "Not found."}
    response = api_client.get("/api/v1/quizzes/999999/statistics/", {"cohort": cohort.pk})
    assert response.status_code == 404
    elsewhere = make_empty_quiz(title="Another course's quiz")  # a quiz of another course
    assert api_client.get(api_url(elsewhere), {"cohort": cohort.pk}).status_code == 404
    api_client.force_authenticate(admin_user)
    assert api_client.get("/api/v1/quizzes/999999/statistics/").status_code == 404

    client.force_login(facilitator)
    assert client.get(page_url(cohort, quiz, attempts="other")).status_code == 400
    assert (
        client.get(reverse("facilitate-quiz-analysis", args=[cohort.pk, 999999])).status_code == 404
    )
    assert (
        client.get(reverse("facilitate-quiz-analysis", args=[999999, quiz.pk])).status_code == 404
    )
    assert (
        client.get(reverse("facilitate-quiz-analysis", args=[cohort.pk, elsewhere.pk])).status_code
        == 404
    )
    assert client.get(reverse("facilitate-cohort-quizzes", args=[999999])).status_code == 404
    assert snapshot() == before
