"""Course packages: import, re-import in place, export, and refusal of bad packages."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from courses.exceptions import PackageError
from courses.models import Course, Lesson, Module
from courses.services import export_course_package, import_course_package
from quizzes import services as quiz_services
from quizzes.models import Choice, MatchPair, Question, Quiz
from tests.quizzes.factories import enrol_in, matching_answer

pytestmark = pytest.mark.django_db

DEMO_PACKAGE = Path(settings.BASE_DIR) / "demo" / "procurement-human-rights-foundations"


# --- Helpers ---------------------------------------------------------------------------------


def lesson_file(title, *, minutes=10, body="Some text.", slug=None):
    front = f"slug: {slug}\n" if slug else ""
    return f'---\n{front}title: "{title}"\nminutes: {minutes}\n---\n\n{body}\n'


def package_files():
    """A small package using every question type: two modules, four lessons, two quizzes.

    Values are file contents: dicts are written as YAML, str as text, bytes as they are.
    """
    return {
        "course.yaml": {
            "slug": "buying-well",
            "title": "Buying well",
            "summary": "Human rights in public contracts.",
            "language": "en",
            "estimated_hours": 2.5,
            "published": True,
            "order": 3,
            "modules": [
                {
                    "slug": "basics",
                    "title": "Basics",
                    "lessons": ["lessons/intro.md", "lessons/terms.md"],
                    "quizzes": ["quizzes/basics-check.yaml"],
                },
                {
                    "slug": "practice",
                    "title": "Practice",
                    "lessons": ["lessons/planning.md", "lessons/contracts.md"],
                    "quizzes": ["quizzes/practice-check.yaml"],
                },
            ],
        },
        "lessons/intro.md": lesson_file(
            "Why it matters",
            minutes=12,
            body="# Why it matters\n\nPublic buyers spend **a lot**.\n\n- one\n- two",
        ),
        "lessons/terms.md": lesson_file("Key terms", slug="key-terms", body="Term\n: Meaning"),
        "lessons/planning.md": lesson_file("Planning", minutes=8),
        "lessons/contracts.md": lesson_file("Contract clauses", minutes=9),
        "quizzes/basics-check.yaml": {
            "slug": "basics-check",
            "title": "Check the basics",
            "description": "Three *questions*.",
            "questions": [
                {
                    "key": "pillars",
                    "type": "single_choice",
                    "prompt": "How many pillars?",
                    "points": 2,
                    "feedback_correct": "Yes.",
                    "feedback_incorrect": "Look again.",
                    "choices": [
                        {"text": "Two", "feedback": "Too few."},
                        {"text": "Three", "correct": True},
                        {"key": "four", "text": "Four"},
                    ],
                },
                {
                    "key": "risks",
                    "type": "multiple_response",
                    "prompt": "Which are human rights risks?",
                    "partial_credit": True,
                    "choices": [
                        {"key": "forced", "text": "Forced labour", "correct": True},
                        {"key": "child", "text": "Child labour", "correct": True},
                        {"key": "late", "text": "Late delivery"},
                    ],
                },
                {
                    "key": "binding",
                    "type": "true_false",
                    "prompt": "The UNGPs are a treaty.",
                    "answer": False,
                    "feedback_true": "No, they are not.",
                    "feedback_false": "Right.",
                },
            ],
        },
        "quizzes/practice-check.yaml": {
            "slug": "practice-check",
            "title": "Check the practice",
            "pass_mark": 80,
            "max_attempts": 3,
            "time_limit_minutes": 20,
            "shuffle_questions": True,
            "shuffle_choices": True,
            "draw_count": 2,
            "review_policy": "after_passing",
            "questions": [
                {
                    "key": "standard",
                    "type": "short_answer",
                    "prompt": "Which ISO standard covers sustainable procurement?",
                    "accepted_answers": ["ISO 20400", "20400"],
                },
                {
                    "key": "gdp-share",
                    "type": "numeric",
                    "prompt": "Procurement as a percentage of GDP?",
                    "answer": 12.5,
                    "tolerance": 0.5,
                },
                {
                    "key": "match-instruments",
                    "type": "matching",
                    "prompt": "Match each instrument to its kind.",
                    "pairs": [
                        {"prompt": "UNGPs", "answer": "Soft law"},
                        {"prompt": "Directive 2014/24/EU", "answer": "EU law"},
                    ],
                },
            ],
        },
    }


def write(root, files):
    """Write a package folder from package_files()-style contents and return its path."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            text = yaml.safe_dump(content, sort_keys=False, allow_unicode=True)
            path.write_text(text, encoding="utf-8")
    return root


def import_files(root, files):
    return import_course_package(write(root, files))


def snapshot(course):
    """Everything a package describes, without database ids."""
    course = Course.objects.get(pk=course.pk)
    return {
        "slug": course.slug,
        "title": course.title,
        "summary": course.summary,
        "language": course.language,
        "estimated_hours": course.estimated_hours,
        "published": course.published,
        "order": course.order,
        "modules": [
            {
                "slug": module.slug,
                "title": module.title,
                "order": module.order,
                "lessons": [
                    {
                        "slug": lesson.slug,
                        "title": lesson.title,
                        "order": lesson.order,
                        "minutes": lesson.estimated_minutes,
                        "body": lesson.body,
                        "body_html": lesson.body_html,
                    }
                    for lesson in module.lessons.all()
                ],
                "quizzes": [quiz_snapshot(quiz) for quiz in module.quizzes.all()],
            }
            for module in course.modules.all()
        ],
    }


def quiz_snapshot(quiz):
    return {
        "slug": quiz.slug,
        "title": quiz.title,
        "description": quiz.description,
        "order": quiz.order,
        "pass_mark": quiz.pass_mark,
        "max_attempts": quiz.max_attempts,
        "time_limit_minutes": quiz.time_limit_minutes,
        "shuffle_questions": quiz.shuffle_questions,
        "shuffle_choices": quiz.shuffle_choices,
        "draw_count": quiz.draw_count,
        "review_policy": quiz.review_policy,
        "questions": [
            {
                "key": q.key,
                "type": q.type,
                "prompt": q.prompt,
                "points": q.points,
                "order": q.order,
                "feedback_correct": q.feedback_correct,
                "feedback_incorrect": q.feedback_incorrect,
                "partial_credit": q.partial_credit,
                "accepted_answers": q.accepted_answers,
                "numeric_answer": q.numeric_answer,
                "tolerance": q.tolerance,
                "choices": [
                    (c.key, c.text, c.is_correct, c.feedback, c.order) for c in q.choices.all()
                ],
                "pairs": [(p.key, p.prompt, p.answer, p.order) for p in q.pairs.all()],
            }
            for q in quiz.questions.all()
        ],
    }


def ids(course):
    """The database id of every row the package made, by slug or key."""
    questions = Question.objects.filter(quiz__course=course)
    return {
        "course": Course.objects.get(pk=course.pk).pk,
        "modules": dict(Module.objects.filter(course=course).values_list("slug", "pk")),
        "lessons": dict(Lesson.objects.filter(course=course).values_list("slug", "pk")),
        "quizzes": dict(Quiz.objects.filter(course=course).values_list("slug", "pk")),
        "questions": {(q.quiz.slug, q.key): q.pk for q in questions.select_related("quiz")},
        "choices": {
            (c.question.quiz.slug, c.question.key, c.key): c.pk
            for c in Choice.objects.filter(question__in=questions).select_related("question__quiz")
        },
        "pairs": {
            (p.question.quiz.slug, p.question.key, p.key): p.pk
            for p in MatchPair.objects.filter(question__in=questions).select_related(
                "question__quiz"
            )
        },
    }


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Course, Module, Lesson, Quiz, Question, Choice, MatchPair)
    }


def changes(result):
    """What an import created, updated or deleted, apart from the course row itself."""
    return {
        (kind, what): n
        for kind, counts in result.counts.items()
        if kind != "courses"
        for what, n in counts.items()
        if n
    }


# --- Import ----------------------------------------------------------------------------------


def test_import_creates_course_modules_and_lessons_in_package_order(tmp_path):
    result = import_files(tmp_path / "pkg", package_files())

    course = result.course
    assert result.created
    assert (course.slug, course.title, course.summary, course.language) == (
        "buying-well",
        "Buying well",
        "Human rights in public contracts.",
        "en",
    )
    assert course.estimated_hours == Decimal("2.5")
    assert course.published is True
    assert course.order == 3
    modules = list(course.modules.all())
    assert [(m.slug, m.title, m.order) for m in modules] == [
        ("basics", "Basics", 0),
        ("practice", "Practice", 1),
    ]
    assert [
        (lesson.slug, lesson.title, lesson.estimated_minutes) for lesson in modules[0].lessons.all()
    ] == [
        ("intro", "Why it matters", 12),
        ("key-terms", "Key terms", 10),
    ]
    assert [lesson.slug for lesson in modules[1].lessons.all()] == ["planning", "contracts"]


def test_import_renders_lesson_markdown_to_body_html(tmp_path):
    import_files(tmp_path / "pkg", package_files())

    intro = Lesson.objects.get(slug="intro")
    assert intro.body.startswith("# Why it matters")
    assert "<h2>Why it matters</h2>" in intro.body_html
    assert "<strong>a lot</strong>" in intro.body_html
    assert "<li>one</li>" in intro.body_html
    assert "<dt>Term</dt>" in Lesson.objects.get(slug="key-terms").body_html


def test_import_creates_quizzes_with_their_settings_and_defaults(tmp_path):
    import_files(tmp_path / "pkg", package_files())

    basics = Quiz.objects.get(slug="basics-check")
    assert basics.module.slug == "basics"
    assert basics.description == "Three *questions*."
    assert "<em>questions</em>" in basics.description_html
    assert (basics.pass_mark, basics.max_attempts, basics.time_limit_minutes) == (70, None, None)
    assert (basics.shuffle_questions, basics.shuffle_choices, basics.draw_count) == (
        False,
        False,
        None,
    )
    assert basics.review_policy == "after_each_attempt"
    practice = Quiz.objects.get(slug="practice-check")
    assert practice.module.slug == "practice"
    assert (practice.pass_mark, practice.max_attempts, practice.time_limit_minutes) == (80, 3, 20)
    assert (practice.shuffle_questions, practice.shuffle_choices, practice.draw_count) == (
        True,
        True,
        2,
    )
    assert practice.review_policy == "after_passing"


def test_import_creates_single_choice_question_with_default_choice_keys(tmp_path):
    import_files(tmp_path / "pkg", package_files())

    question = Question.objects.get(key="pillars")
    assert (question.type, question.prompt, question.points, question.order) == (
        "single_choice",
        "How many pillars?",
        2,
        0,
    )
    assert (question.feedback_correct, question.feedback_incorrect) == ("Yes.", "Look again.")
    assert [(c.key, c.text, c.is_correct, c.feedback) for c in question.choices.all()] == [
        ("a", "Two", False, "Too few."),
        ("b", "Three", True, ""),
        ("four", "Four", False, ""),
    ]


def test_import_creates_multiple_response_question_with_partial_credit(tmp_path):
    import_files(tmp_path / "pkg", package_files())

    question = Question.objects.get(key="risks")
    assert question.type == "multiple_response"
    assert question.partial_credit is True
    assert question.points == 1
    assert [(c.key, c.is_correct) for c in question.choices.all()] == [
        ("forced", True),
        ("child", True),
        ("late", False),
    ]


def test_import_makes_the_two_choices_of_a_true_false_question(tmp_path):
    import_files(tmp_path / "pkg", package_files())

    question = Question.objects.get(key="binding")
    assert question.type == "true_false"
    assert [(c.key, c.text, c.is_correct, c.feedback) for c in question.choices.all()] == [
        ("true", "True", False, "No, they are not."),
        ("false", "False", True, "Right."),
    ]


def test_import_creates_short_answer_numeric_and_matching_questions(tmp_path):
    import_files(tmp_path / "pkg", package_files())

    short = Question.objects.get(key="standard")
    assert short.type == "short_answer"
    assert short.accepted_answers == ["ISO 20400", "20400"]
    assert not short.choices.exists()
    numeric = Question.objects.get(key="gdp-share")
    assert numeric.type == "numeric"
    assert (numeric.numeric_answer, numeric.tolerance) == (Decimal("12.5"), Decimal("0.5"))
    matching = Question.objects.get(key="match-instruments")
    assert matching.type == "matching"
    assert [(p.key, p.prompt, p.answer) for p in matching.pairs.all()] == [
        ("1", "UNGPs", "Soft law"),
        ("2", "Directive 2014/24/EU", "EU law"),
    ]
    assert [q.key for q in Quiz.objects.get(slug="practice-check").questions.all()] == [
        "standard",
        "gdp-share",
        "match-instruments",
    ]


def test_numeric_tolerance_defaults_to_zero(tmp_path):
    files = package_files()
    del files["quizzes/practice-check.yaml"]["questions"][1]["tolerance"]

    import_files(tmp_path / "pkg", files)

    assert Question.objects.get(key="gdp-share").tolerance == 0


def test_matching_questions_keep_partial_credit_through_export_and_import(tmp_path):
    files = package_files()
    quiz = next(q for name, q in files.items() if name.startswith("quizzes/")
                and any(x["key"] == "match-instruments" for x in q["questions"]))  # fmt: skip
    next(x for x in quiz["questions"] if x["key"] == "match-instruments")["partial_credit"] = True
    import_files(tmp_path / "pkg", files)
    assert Question.objects.get(key="match-instruments").partial_credit is True

    course = Course.objects.get()
    export_course_package(course, tmp_path / "out")
    Question.objects.filter(key="match-instruments").update(partial_credit=False)
    import_course_package(tmp_path / "out")
    assert Question.objects.get(key="match-instruments").partial_credit is True


def test_an_imported_matching_question_with_partial_credit_earns_a_share_per_pair(
    tmp_path, participant
):
    files = package_files()
    quiz = files["quizzes/practice-check.yaml"]
    quiz["draw_count"] = None  # every question, so the matching one is in the attempt
    matching = next(x for x in quiz["questions"] if x["key"] == "match-instruments")
    matching.update(partial_credit=True, points=2)
    import_files(tmp_path / "pkg", files)
    question = Question.objects.get(key="match-instruments")
    enrol_in(participant, question.quiz.course)

    attempt, _ = quiz_services.start_attempt(participant, question.quiz)
    half_right = matching_answer(question, attempt, wrong=1)  # first prompt: second's answer
    submission = quiz_services.submit_attempt(
        participant, attempt.pk, answers={question.pk: half_right}
    )
    attempt = submission.attempt

    result = attempt.results[str(question.pk)]
    assert (result["points"], result["max_points"], result["outcome"]) == ("1.00", 2, "partial")


def test_partial_credit_on_a_single_choice_question_is_refused_as_unknown(tmp_path):
    files = package_files()
    files["quizzes/basics-check.yaml"]["questions"][0]["partial_credit"] = True

    with pytest.raises(PackageError, match="partial_credit: unknown field") as error:
        import_files(tmp_path / "pkg", files)

    assert error.value.file == "quizzes/basics-check.yaml"
    assert Question.objects.count() == 0


@pytest.mark.parametrize(
    "file,change",
    [
        ("course.yaml", lambda data: data.update(sumary="A typo of summary")),
        ("course.yaml", lambda data: data["modules"][0].update(lesson=[])),
        ("quizzes/basics-check.yaml", lambda data: data.update(passmark=80)),
        (
            "quizzes/basics-check.yaml",
            lambda data: data["questions"][0].update(feedback_corect="x"),
        ),
        (
            "quizzes/basics-check.yaml",
            lambda data: data["questions"][0]["choices"][0].update(corect=True),
        ),
    ],
)
def test_unknown_fields_are_refused_naming_the_field_and_line(tmp_path, file, change):
    files = package_files()
    change(files[file])

    with pytest.raises(PackageError, match="unknown field") as error:
        import_files(tmp_path / "pkg", files)

    assert error.value.file == file
    assert error.value.line is not None


def test_import_reads_lessons_saved_with_a_byte_order_mark_and_windows_line_endings(tmp_path):
    files = package_files()
    text = lesson_file("Planning", body="First line.\n\n## Next")
    files["lessons/planning.md"] = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()

    import_files(tmp_path / "pkg", files)

    planning = Lesson.objects.get(slug="planning")
    assert planning.title == "Planning"
    assert planning.body == "First line.\n\n## Next"
    assert "<h2>Next</h2>" in planning.body_html


def test_yaml_anchors_and_merge_keys_can_share_question_settings(tmp_path):
    files = package_files()
    files["quizzes/basics-check.yaml"] = (
        "slug: basics-check\n"
        "title: Check the basics\n"
        "questions:\n"
        "  - &statement\n"
        "    key: binding\n"
        "    type: true_false\n"
        "    points: 2\n"
        "    prompt: Binding?\n"
        "    answer: no\n"
        "  - <<: *statement\n"
        "    key: voluntary\n"
        "    answer: yes\n"
    )

    import_files(tmp_path / "pkg", files)

    questions = Quiz.objects.get(slug="basics-check").questions.all()
    assert [(q.key, q.type, q.points, q.prompt) for q in questions] == [
        ("binding", "true_false", 2, "Binding?"),
        ("voluntary", "true_false", 2, "Binding?"),
    ]
    assert [c.key for q in questions for c in q.choices.all() if c.is_correct] == ["false", "true"]


# --- Re-import -------------------------------------------------------------------------------


def test_reimporting_the_same_package_changes_nothing_and_keeps_every_id(tmp_path):
    package = write(tmp_path / "pkg", package_files())
    course = import_course_package(package).course
    before, before_ids = snapshot(course), ids(course)

    result = import_course_package(package)

    assert not result.created
    assert changes(result) == {}
    assert snapshot(course) == before
    assert ids(course) == before_ids
    assert before_ids["choices"] and before_ids["pairs"]


def test_reimport_after_edits_updates_in_place_and_keeps_ids(tmp_path):
    course = import_files(tmp_path / "v1", package_files()).course
    before = ids(course)
    files = package_files()
    basics, practice = files["course.yaml"]["modules"]
    files["lessons/intro.md"] = lesson_file("Why public buying matters", minutes=12)
    basics["lessons"].remove("lessons/terms.md")  # moved to the other module
    practice["lessons"] = ["lessons/terms.md", "lessons/planning.md", "lessons/new.md"]
    files["lessons/new.md"] = lesson_file("A new lesson")
    del files["lessons/contracts.md"]  # removed
    files["course.yaml"]["modules"] = [practice, basics]  # reordered
    pillars = files["quizzes/basics-check.yaml"]["questions"][0]
    pillars["choices"] = [
        {"key": "b", "text": "Three (protect, respect, remedy)", "correct": True},
        {"key": "five", "text": "Five"},
        {"key": "a", "text": "Two"},
    ]

    result = import_files(tmp_path / "v2", files)

    assert not result.created
    after = ids(course)
    assert after["course"] == before["course"]
    assert after["modules"] == before["modules"]
    assert [m.slug for m in course.modules.all()] == ["practice", "basics"]
    assert [lesson.slug for lesson in Module.objects.get(slug="practice").lessons.all()] == [
        "key-terms",
        "planning",
        "new",
    ]
    assert [lesson.slug for lesson in Module.objects.get(slug="basics").lessons.all()] == ["intro"]
    assert Lesson.objects.get(slug="intro").title == "Why public buying matters"
    for slug in ("intro", "key-terms", "planning"):
        assert after["lessons"][slug] == before["lessons"][slug]
    assert "contracts" not in after["lessons"]
    assert "new" not in before["lessons"]
    assert after["quizzes"] == before["quizzes"]
    assert after["questions"] == before["questions"]
    question = Question.objects.get(key="pillars")
    assert [(c.key, c.text, c.is_correct) for c in question.choices.all()] == [
        ("b", "Three (protect, respect, remedy)", True),
        ("five", "Five", False),
        ("a", "Two", False),
    ]
    for key in ("a", "b"):
        assert (
            after["choices"][("basics-check", "pillars", key)]
            == (before["choices"][("basics-check", "pillars", key)])
        )
    assert ("basics-check", "pillars", "four") not in after["choices"]
    unchanged = {k: v for k, v in before["choices"].items() if k[1] != "pillars"}
    assert unchanged.items() <= after["choices"].items()
    assert after["pairs"] == before["pairs"]


def test_reimport_deletes_a_module_the_package_no_longer_lists_but_keeps_lessons_moved_out(
    tmp_path,
):
    course = import_files(tmp_path / "v1", package_files()).course
    before = ids(course)
    files = package_files()
    basics, practice = files["course.yaml"]["modules"]
    basics["lessons"] += practice["lessons"][:1]
    basics["quizzes"] += practice["quizzes"]
    files["course.yaml"]["modules"] = [basics]

    import_files(tmp_path / "v2", files)

    assert list(course.modules.values_list("slug", flat=True)) == ["basics"]
    assert Lesson.objects.get(slug="planning").pk == before["lessons"]["planning"]
    assert Quiz.objects.get(slug="practice-check").pk == before["quizzes"]["practice-check"]
    assert not Lesson.objects.filter(slug="contracts").exists()


def test_reimport_can_change_a_question_type_and_drops_what_the_old_type_needed(tmp_path):
    course = import_files(tmp_path / "v1", package_files()).course
    before = ids(course)
    files = package_files()
    files["quizzes/basics-check.yaml"]["questions"][0] = {
        "key": "pillars",
        "type": "numeric",
        "prompt": "How many pillars?",
        "answer": 3,
    }

    import_files(tmp_path / "v2", files)

    question = Question.objects.get(key="pillars")
    assert question.pk == before["questions"][("basics-check", "pillars")]
    assert (question.type, question.numeric_answer) == ("numeric", Decimal(3))
    assert not question.choices.exists()


# --- Export ----------------------------------------------------------------------------------


def test_export_then_import_into_an_empty_database_gives_the_same_course(tmp_path):
    course = import_files(tmp_path / "pkg", package_files()).course
    before = snapshot(course)
    export_course_package(course, tmp_path / "export")
    course.delete()
    assert row_counts()["Question"] == 0

    result = import_course_package(tmp_path / "export")

    assert result.created
    assert snapshot(result.course) == before


def test_importing_an_export_over_the_original_changes_nothing(tmp_path):
    course = import_files(tmp_path / "pkg", package_files()).course
    before, before_ids = snapshot(course), ids(course)
    export_course_package(course, tmp_path / "export")

    result = import_course_package(tmp_path / "export")

    assert changes(result) == {}
    assert snapshot(course) == before
    assert ids(course) == before_ids


def test_exporting_a_course_made_outside_a_package_imports_back_unchanged(tmp_path, course):
    before, before_ids = snapshot(course), ids(course)
    export_course_package(course, tmp_path / "export")

    result = import_course_package(tmp_path / "export")

    assert changes(result) == {}
    assert snapshot(course) == before
    assert ids(course) == before_ids


def test_export_keeps_unicode_multiline_text_and_decimals(tmp_path):
    files = package_files()
    files["course.yaml"]["title"] = "Achats publics : droits humains"
    files["course.yaml"]["estimated_hours"] = 4.5
    files["lessons/intro.md"] = lesson_file(
        "المشتريات العامة وحقوق الإنسان",
        body=(
            "    indented code first\n\nMua sắm công và quyền con người.\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |"
        ),
    )
    numeric = files["quizzes/practice-check.yaml"]["questions"][1]
    numeric["answer"], numeric["tolerance"] = -0.125, 0.001
    files["quizzes/basics-check.yaml"]["questions"][0]["prompt"] = "Line one.\n\nLine: two?"
    course = import_files(tmp_path / "pkg", files).course
    before = snapshot(course)
    export_course_package(course, tmp_path / "export")
    course.delete()

    result = import_course_package(tmp_path / "export")

    assert snapshot(result.course) == before


def test_import_and_export_commands_round_trip(tmp_path, capsys):
    write(tmp_path / "pkg", package_files())
    call_command("import_course", str(tmp_path / "pkg"))
    assert "Created course 'buying-well'" in capsys.readouterr().out
    course = Course.objects.get(slug="buying-well")
    before, before_ids = snapshot(course), ids(course)

    call_command("export_course", "buying-well", str(tmp_path / "export"))
    call_command("import_course", str(tmp_path / "export"))

    assert "Updated course 'buying-well'" in capsys.readouterr().out
    assert snapshot(course) == before
    assert ids(course) == before_ids


def test_export_command_writes_into_an_existing_empty_folder(tmp_path):
    import_files(tmp_path / "pkg", package_files())
    (tmp_path / "export").mkdir()

    call_command("export_course", "buying-well", str(tmp_path / "export"))

    assert (tmp_path / "export" / "course.yaml").is_file()


def test_export_command_refuses_a_folder_that_is_not_empty(tmp_path):
    import_files(tmp_path / "pkg", package_files())
    target = tmp_path / "export"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")

    with pytest.raises(CommandError, match="not an empty folder"):
        call_command("export_course", "buying-well", str(target))

    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_export_command_refuses_an_unknown_slug(tmp_path):
    with pytest.raises(CommandError, match="no-such-course"):
        call_command("export_course", "no-such-course", str(tmp_path / "export"))

    assert not (tmp_path / "export").exists()


# --- Bad packages ----------------------------------------------------------------------------


def _missing_course_yaml(files):
    del files["course.yaml"]


def _missing_lesson_file(files):
    files["course.yaml"]["modules"][0]["lessons"].append("lessons/missing.md")


def _path_outside_package(files):
    files["course.yaml"]["modules"][0]["lessons"].append("../outside.md")


def _duplicate_lesson_slug(files):
    files["lessons/intro-again.md"] = lesson_file("Intro again", slug="intro")
    files["course.yaml"]["modules"][1]["lessons"].append("lessons/intro-again.md")


def _duplicate_module_slug(files):
    files["course.yaml"]["modules"][1]["slug"] = "basics"


def _duplicate_quiz_slug(files):
    files["quizzes/practice-check.yaml"]["slug"] = "basics-check"


def _yaml_syntax_error(files):
    files["quizzes/basics-check.yaml"] = (
        "slug: basics-check\ntitle: Check\nquestions:\n  - key: [unclosed\n    type: true_false\n"
    )


def _duplicate_yaml_key(files):
    files["course.yaml"] = yaml.safe_dump(files["course.yaml"], sort_keys=False).replace(
        "summary:", "title: Again\nsummary:"
    )


def _list_as_yaml_key(files):
    files["course.yaml"] = yaml.safe_dump(files["course.yaml"], sort_keys=False).replace(
        "summary:", "[a, b]: c\nsummary:"
    )


def _unknown_question_type(files):
    files["quizzes/practice-check.yaml"]["questions"][0]["type"] = "essay"


def _single_choice_without_correct_choice(files):
    files["quizzes/basics-check.yaml"]["questions"][0]["choices"][1]["correct"] = False


def _single_choice_with_two_correct_choices(files):
    files["quizzes/basics-check.yaml"]["questions"][0]["choices"][0]["correct"] = True


def _course_without_title(files):
    del files["course.yaml"]["title"]


def _lesson_without_title(files):
    files["lessons/planning.md"] = "---\nminutes: 5\n---\n\nText.\n"


def _minutes_not_a_number(files):
    files["lessons/intro.md"] = '---\ntitle: "Intro"\n\nminutes: "ten"\n---\n\nText.\n'


def _lesson_without_front_matter(files):
    files["lessons/intro.md"] = "# Intro\n\nNo front matter here.\n"


def _unsupported_language(files):
    files["course.yaml"]["language"] = "de"


def _draw_count_larger_than_pool(files):
    files["quizzes/practice-check.yaml"]["draw_count"] = 4


def _title_too_long(files):
    files["course.yaml"]["modules"][1]["title"] = "Practice " * 30


def _hours_with_two_decimal_places(files):
    files["course.yaml"]["estimated_hours"] = 2.75


def _numeric_answer_too_precise(files):
    files["quizzes/practice-check.yaml"]["questions"][1]["answer"] = 0.1234567


def _not_utf8(files):
    files["lessons/planning.md"] = lesson_file("Planification", body="Été").encode("latin-1")


def _accepted_answer_only_punctuation(files):
    files["quizzes/practice-check.yaml"]["questions"][0]["accepted_answers"] = ["ISO 20400", "..."]


BAD_PACKAGES = [
    pytest.param(_missing_course_yaml, ["course.yaml", "no such file"], id="no-course-yaml"),
    pytest.param(
        _missing_lesson_file, ["course.yaml", "lessons/missing.md", "no such file"], id="no-lesson"
    ),
    pytest.param(
        _path_outside_package,
        ["course.yaml", "'../outside.md'", "outside the package"],
        id="path-escapes",
    ),
    pytest.param(
        _duplicate_lesson_slug,
        ["lessons/intro-again.md", "'intro'", "lessons/intro.md"],
        id="duplicate-lesson-slug",
    ),
    pytest.param(
        _duplicate_module_slug, ["course.yaml", "'basics'", "twice"], id="duplicate-module-slug"
    ),
    pytest.param(
        _duplicate_quiz_slug,
        ["quizzes/practice-check.yaml", "'basics-check'", "quizzes/basics-check.yaml"],
        id="duplicate-quiz-slug",
    ),
    pytest.param(
        _yaml_syntax_error, ["quizzes/basics-check.yaml, line 5", "YAML error"], id="yaml-syntax"
    ),
    pytest.param(
        _duplicate_yaml_key, ["course.yaml, line 3", "'title' appears twice"], id="duplicate-key"
    ),
    pytest.param(
        _list_as_yaml_key, ["course.yaml, line 3", "a list cannot be a key"], id="list-as-key"
    ),
    pytest.param(
        _unknown_question_type,
        ["quizzes/practice-check.yaml", "'essay'", "unknown question type"],
        id="unknown-type",
    ),
    pytest.param(
        _single_choice_without_correct_choice,
        ["quizzes/basics-check.yaml", "exactly one correct choice, not 0"],
        id="single-choice-no-correct",
    ),
    pytest.param(
        _single_choice_with_two_correct_choices,
        ["quizzes/basics-check.yaml", "exactly one correct choice, not 2"],
        id="single-choice-two-correct",
    ),
    pytest.param(
        _course_without_title, ["course.yaml", "title: is required"], id="course-no-title"
    ),
    pytest.param(
        _lesson_without_title,
        ["lessons/planning.md, line 2", "title: is required"],
        id="lesson-no-title",
    ),
    pytest.param(
        _minutes_not_a_number,
        ["lessons/intro.md, line 4", "minutes: must be a whole number"],
        id="minutes-wrong-type",
    ),
    pytest.param(
        _lesson_without_front_matter,
        ["lessons/intro.md, line 1", "front matter"],
        id="no-front-matter",
    ),
    pytest.param(
        _unsupported_language, ["course.yaml", "language", "'de'", "en, fr, es, ar"], id="language"
    ),
    pytest.param(
        _draw_count_larger_than_pool,
        ["quizzes/practice-check.yaml", "draw_count", "pool of 3"],
        id="draw-count",
    ),
    pytest.param(
        _title_too_long,
        ["course.yaml", "title: is 269 characters long; the most is 200"],
        id="title-too-long",
    ),
    pytest.param(
        _hours_with_two_decimal_places,
        ["course.yaml", "estimated_hours: 2.75 has too many decimal places; the most is 1"],
        id="hours-decimals",
    ),
    pytest.param(
        _numeric_answer_too_precise,
        ["quizzes/practice-check.yaml", "answer: 0.1234567 has too many decimal places"],
        id="numeric-answer-decimals",
    ),
    pytest.param(_not_utf8, ["lessons/planning.md, line 6", "not UTF-8"], id="not-utf8"),
    pytest.param(
        _accepted_answer_only_punctuation,
        ["quizzes/practice-check.yaml", "accepted_answers", "only punctuation"],
        id="accepted-answer-only-punctuation",
    ),
]


@pytest.mark.parametrize("break_package, expected", BAD_PACKAGES)
def test_bad_package_is_refused_with_one_error_naming_the_file_and_changes_nothing(
    tmp_path, break_package, expected
):
    (tmp_path / "outside.md").write_text(lesson_file("Outside"), encoding="utf-8")
    files = package_files()
    break_package(files)
    package = write(tmp_path / "pkg", files)

    with pytest.raises(PackageError) as error:
        import_course_package(package)

    for part in expected:
        assert part in error.value.message
    assert row_counts() == dict.fromkeys(row_counts(), 0)


@pytest.mark.parametrize("break_package, expected", BAD_PACKAGES)
def test_bad_package_over_an_existing_course_changes_nothing(tmp_path, break_package, expected):
    (tmp_path / "outside.md").write_text(lesson_file("Outside"), encoding="utf-8")
    course = import_files(tmp_path / "v1", package_files()).course
    before, before_ids, before_counts = snapshot(course), ids(course), row_counts()
    files = package_files()
    # Edits the import would make if it went ahead despite the error.
    files["course.yaml"]["title"] = "Buying better"
    files["course.yaml"]["modules"][1]["lessons"].remove("lessons/contracts.md")
    files["lessons/terms.md"] = lesson_file("Renamed", slug="key-terms")
    files["quizzes/basics-check.yaml"]["questions"].pop(1)
    files["lessons/new.md"] = lesson_file("New")
    files["course.yaml"]["modules"][1]["lessons"].append("lessons/new.md")
    break_package(files)
    package = write(tmp_path / "v2", files)

    with pytest.raises(PackageError) as error:
        import_course_package(package)

    for part in expected:
        assert part in error.value.message
    assert row_counts() == before_counts
    assert snapshot(course) == before
    assert ids(course) == before_ids


@pytest.mark.parametrize("break_package, expected", BAD_PACKAGES)
def test_import_command_turns_a_bad_package_into_a_command_error(tmp_path, break_package, expected):
    (tmp_path / "outside.md").write_text(lesson_file("Outside"), encoding="utf-8")
    files = package_files()
    break_package(files)
    package = write(tmp_path / "pkg", files)

    with pytest.raises(CommandError) as error:
        call_command("import_course", str(package))

    for part in expected:
        assert part in str(error.value)
    assert "Nothing was changed." in str(error.value)
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_import_command_reports_what_it_changed(tmp_path, capsys):
    import_files(tmp_path / "v1", package_files())
    files = package_files()
    files["lessons/intro.md"] = lesson_file("Renamed")
    write(tmp_path / "v2", files)

    call_command("import_course", str(tmp_path / "v2"))

    out = capsys.readouterr().out
    assert "Updated course 'buying-well'" in out
    assert "lessons: 1 updated" in out


# --- The demo course -------------------------------------------------------------------------


def test_demo_course_package_imports_with_a_quiz_per_module_and_varied_questions():
    course = import_course_package(DEMO_PACKAGE).course

    modules = list(course.modules.all())
    assert len(modules) >= 4
    assert Lesson.objects.filter(course=course).count() >= 12
    for module in modules:
        quizzes = list(module.quizzes.all())
        assert len(quizzes) == 1, module.slug
        assert quizzes[0].questions.count() >= 5, quizzes[0].slug
    types = set(Question.objects.filter(quiz__course=course).values_list("type", flat=True))
    assert len(types) >= 4
    assert all(lesson.body_html.strip() for lesson in Lesson.objects.filter(course=course))


def test_demo_course_package_reimports_and_exports_without_changes(tmp_path):
    course = import_course_package(DEMO_PACKAGE).course
    before, before_ids = snapshot(course), ids(course)

    assert changes(import_course_package(DEMO_PACKAGE)) == {}
    export_course_package(course, tmp_path / "export")
    assert changes(import_course_package(tmp_path / "export")) == {}

    assert snapshot(course) == before
    assert ids(course) == before_ids
