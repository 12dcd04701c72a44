"""Quiz pages: the quiz, taking an attempt (works without JavaScript), results and review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from courses.outline import get_outline
from elearn.errors import DomainError

from . import selectors, services
from .exceptions import AlreadySubmitted, InvalidAnswers, NotEnrolled, TimeUp
from .models import QuestionType


@login_required
def quiz_detail(request, quiz_id):
    """The quiz's settings and one's own record at it, for those who may see it (the API's
    rule: selectors.check_quiz_access); anyone else gets a 403 page that links to enrolment."""
    quiz = selectors.get_quiz_for(request.user, quiz_id)
    try:
        enrolment = selectors.check_quiz_access(request.user, quiz)
    except NotEnrolled as error:
        context = {"quiz": quiz, "course": quiz.course, "message": error.message}
        return render(request, "quizzes/quiz_not_enrolled.html", context, status=403)
    services.close_expired_attempt(request.user, quiz)
    summary = selectors.get_quiz_summary(request.user, quiz, enrolled=enrolment is not None)
    context = {
        "quiz": quiz,
        "course": quiz.course,
        "summary": summary,
        "attempts": selectors.list_attempts(request.user, quiz),
        "module": get_outline(quiz.course).module_of(quiz.pk, kind="quiz"),
    }
    return render(request, "quizzes/quiz_detail.html", context)


@login_required
@require_POST
def start(request, quiz_id):
    quiz = selectors.get_quiz_for(request.user, quiz_id)
    try:
        attempt, _created = services.start_attempt(request.user, quiz)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("quiz-detail", quiz_id=quiz.pk)
    return redirect("attempt-detail", attempt_id=attempt.pk)


@login_required
@require_http_methods(["GET", "POST"])
def attempt_detail(request, attempt_id):
    """An attempt in progress (its form), or a submitted one (its result and review).

    POST saves the answers given (action=save) or submits them (action=submit).
    """
    attempt = selectors.get_attempt_for(request.user, attempt_id)
    attempt = services.close_attempt_if_expired(attempt)
    errors = {}
    if request.method == "POST" and not attempt.is_submitted:
        answers = answers_from_form(request.POST, selectors.get_attempt_questions(attempt))
        try:
            if request.POST.get("action") == "submit":
                services.submit_attempt(request.user, attempt.pk, answers=answers)
                return redirect("attempt-detail", attempt_id=attempt.pk)
            services.save_answers(attempt, answers=answers)
            messages.success(request, _("Your answers are saved."))
            return redirect("attempt-detail", attempt_id=attempt.pk)
        except InvalidAnswers as error:
            errors = error.errors
            messages.error(request, error.message)
        except TimeUp as error:
            messages.error(request, error.message)
        except AlreadySubmitted:
            return redirect("attempt-detail", attempt_id=attempt.pk)
        attempt = selectors.get_attempt_for(request.user, attempt_id)
    detail = selectors.get_attempt_detail(attempt)
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "course": attempt.quiz.course,
        "detail": detail,
    }
    if not attempt.is_submitted:
        # After a refused save, show what was typed rather than what was saved before.
        given = {**detail.answers, **answers} if errors else detail.answers
        context["rows"] = form_rows(detail.questions, given, errors)
    template = "quizzes/attempt_result.html" if attempt.is_submitted else "quizzes/attempt.html"
    return render(request, template, context, status=400 if errors else 200)


def form_rows(questions, answers, errors) -> list[dict]:
    """Each question with what is given for it, ready for the form: which choices are checked,
    which option each matching prompt has, the text typed, and its error messages."""
    rows = []
    for number, question in enumerate(questions, start=1):
        given = answers.get(str(question.id))
        picked = {str(v) for v in given} if isinstance(given, list) else {str(given)}
        matched = given if isinstance(given, dict) else {}
        rows.append(
            {
                "number": number,
                "question": question,
                "choices": [(c, str(c.id) in picked) for c in question.choices],
                "prompts": [(p, matched.get(str(p.id))) for p in question.prompts],
                "text": "" if given is None or isinstance(given, list | dict) else str(given),
                "errors": errors.get(str(question.id), []),
            }
        )
    return rows


def answers_from_form(data, questions) -> dict:
    """The answers in a posted attempt form, by question id, in the API's formats.

    Form fields: q-<question> (single choice, true/false, short answer, numeric), q-<question>
    repeated (multiple response), q-<question>-<prompt> (matching). A question left blank is
    sent as None, which clears a saved answer.
    """
    answers = {}
    for question in questions:
        name = f"q-{question.id}"
        if question.type == QuestionType.MATCHING:
            chosen = {
                str(prompt.id): data.get(f"{name}-{prompt.id}")
                for prompt in question.prompts
                if data.get(f"{name}-{prompt.id}")
            }
            value = chosen or None
        elif question.type == QuestionType.MULTIPLE_RESPONSE:
            value = data.getlist(name) or None
        else:
            value = data.get(name, "").strip() or None
        answers[str(question.id)] = value
    return answers
