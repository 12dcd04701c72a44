"""import_questions and export_questions, and question files in course packages: all or nothing,
nothing replaced, nothing half imported."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from courses.exceptions import PackageError
from courses.services import export_questions, import_course_package
from quizzes.models import Choice, MatchPair, Question
from tests.courses.test_packages import ids, package_files, snapshot, write
from tests.quizzes.factories import add_every_type, add_multiple_response, make_empty_quiz

pytestmark = pytest.mark.django_db

BANK = """\
// A small bank
$CATEGORY: $course$/Procurement

::pillars::How many pillars do the UN Guiding Principles have?{
~Two#No.
=Three#Yes: protect, respect, remedy.
~Four
}

::privatising::States keep their human rights duties when they privatise a service.{T}

::year::In which year were the UNGPs endorsed?{#2011####Resolution 17/4.}
"""


def rows(quiz):
    """Everything the quiz's questions hold, for "nothing changed" checks."""
    return (
        list(Question.objects.filter(quiz=quiz).values().order_by("pk")),
        list(Choice.objects.filter(question__quiz=quiz).values().order_by("pk")),
        list(MatchPair.objects.filter(question__quiz=quiz).values().order_by("pk")),
    )


def test_import_adds_the_questions_after_the_quiz_own(tmp_path, capsys):
    quiz = make_empty_quiz()
    add_every_type(quiz)
    before = list(quiz.questions.values_list("key", flat=True))
    (tmp_path / "bank.gift").write_text(BANK, encoding="utf-8")

    call_command("import_questions", str(tmp_path / "bank.gift"), "--quiz", str(quiz.pk))

    out, err = capsys.readouterr()
    assert "Added 3 questions to 'Check your understanding': pillars, privatising, year" in out
    assert "bank.gift, line 2: question categories are ignored" in err
    assert list(quiz.questions.values_list("key", flat=True)) == [
        *before,
        "pillars",
        "privatising",
        "year",
    ]
    pillars = quiz.questions.get(key="pillars")
    assert [(c.key, c.text, c.is_correct) for c in pillars.choices.all()] == [
        ("a", "Two", False),
        ("b", "Three", True),
        ("c", "Four", False),
    ]
    assert "<p>How many pillars" in pillars.prompt_html
    year = quiz.questions.get(key="year")
    assert (year.numeric_answer, year.feedback_incorrect) == (Decimal(2011), "Resolution 17/4.")


def test_import_of_moodle_xml(tmp_path):
    quiz = make_empty_quiz()
    (tmp_path / "bank.xml").write_text(
        '<?xml version="1.0"?><quiz><question type="shortanswer"><name><text>name-it</text></name>'
        "<questiontext><text>Name the 2011 framework.</text></questiontext>"
        '<answer fraction="100"><text>UNGPs</text></answer></question></quiz>',
        encoding="utf-8",
    )

    call_command("import_questions", str(tmp_path / "bank.xml"), "--quiz", str(quiz.pk))

    assert quiz.questions.get().accepted_answers == ["UNGPs"]


def test_one_bad_question_changes_nothing(tmp_path):
    quiz = make_empty_quiz()
    add_every_type(quiz)
    before = rows(quiz)
    (tmp_path / "bank.gift").write_text(BANK + "\n::essay::Discuss.{}\n", encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("import_questions", str(tmp_path / "bank.gift"), "--quiz", str(quiz.pk))

    assert str(error.value) == (
        "bank.gift: 1 question cannot be imported:\n"
        "  line 14: an essay question (empty answer block {}): not supported\n"
        "Nothing was changed."
    )
    assert rows(quiz) == before


def test_a_key_the_quiz_already_has_changes_nothing(tmp_path):
    quiz = make_empty_quiz()
    add_every_type(quiz)  # keys q1 ... q6
    before = rows(quiz)
    (tmp_path / "bank.gift").write_text("::new::Fine?{T}\n\n::q2::Clash?{F}\n", encoding="utf-8")

    with pytest.raises(CommandError, match="already has questions with the keys q2; questions"):
        call_command("import_questions", str(tmp_path / "bank.gift"), "--quiz", str(quiz.pk))

    assert rows(quiz) == before


def test_a_50_mb_file_is_refused_unread(tmp_path):
    quiz = make_empty_quiz()
    path = tmp_path / "huge.xml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)

    with pytest.raises(
        CommandError, match=r"the file is 50.0 MB; a question file may be at most 5 MB"
    ):
        call_command("import_questions", str(path), "--quiz", str(quiz.pk))

    assert not quiz.questions.exists()


def test_unbalanced_braces_and_external_entities_change_nothing(tmp_path):
    quiz = make_empty_quiz()
    (tmp_path / "a.gift").write_text("Fine?{T}\n\nBroken?{=a ~b\n", encoding="utf-8")
    (tmp_path / "b.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<quiz>&x;</quiz>",
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match="line 3: unbalanced braces"):
        call_command("import_questions", str(tmp_path / "a.gift"), "--quiz", str(quiz.pk))
    with pytest.raises(CommandError, match="document type or entities"):
        call_command("import_questions", str(tmp_path / "b.xml"), "--quiz", str(quiz.pk))

    assert not quiz.questions.exists()


@pytest.mark.parametrize(
    ("name", "quiz_id", "message"),
    [
        ("bank.yaml", None, "a question file is GIFT"),
        ("missing.gift", None, "no such file"),
        ("bank.gift", 999999, "No quiz with the id 999999"),
    ],
)
def test_bad_arguments_are_clear_errors(tmp_path, name, quiz_id, message):
    quiz = make_empty_quiz()
    for existing in ("bank.yaml", "bank.gift"):
        (tmp_path / existing).write_text("Fine?{T}\n", encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        call_command("import_questions", str(tmp_path / name), "--quiz", str(quiz_id or quiz.pk))

    assert not quiz.questions.exists()


@pytest.mark.parametrize("fmt", ["gift", "xml"])
def test_export_then_import_into_another_quiz_gives_the_same_questions(tmp_path, fmt, capsys):
    source = make_empty_quiz()
    questions = add_every_type(source)
    Question.objects.filter(pk=questions["matching"].pk).update(partial_credit=True)
    Question.objects.filter(quiz=source).update(
        feedback_correct="See the lesson.", feedback_incorrect="See the lesson."
    )
    target = make_empty_quiz()
    path = tmp_path / f"bank.{fmt}"

    call_command("export_questions", "--quiz", str(source.pk), "--format", fmt, "-o", str(path))
    call_command("import_questions", str(path), "--quiz", str(target.pk))

    def content(quiz):
        return [
            (
                q.key,
                q.type,
                q.prompt,
                q.feedback_correct,
                q.feedback_incorrect,
                q.accepted_answers,
                q.numeric_answer,
                q.tolerance,
                [(c.text, c.is_correct, c.feedback) for c in q.choices.all()],
                [(p.prompt, p.answer) for p in q.pairs.all()],
            )
            for q in quiz.questions.all()
        ]

    assert content(target) == content(source)


def test_export_reports_what_the_format_cannot_say(capsys):
    quiz = make_empty_quiz()
    add_multiple_response(quiz, key="pick", partial_credit=False)

    call_command("export_questions", "--quiz", str(quiz.pk), "--format", "gift")

    out, err = capsys.readouterr()
    assert out.startswith("::pick::[markdown]")
    assert "question 'pick': all-or-nothing multiple response is written with Moodle weights" in err


def test_export_reads_the_quiz_in_a_bounded_number_of_queries(django_assert_max_num_queries):
    quiz = make_empty_quiz()
    add_every_type(quiz)
    add_multiple_response(quiz, key="more")
    with django_assert_max_num_queries(4):  # the quiz, its questions, their choices and pairs
        export_questions(quiz, fmt="xml")


# --- Course packages -----------------------------------------------------------------------


def package_with_bank(bank=BANK):
    files = package_files()
    quiz = files["quizzes/basics-check.yaml"]
    del quiz["questions"]
    quiz["questions_from"] = "quizzes/basics.gift"
    files["quizzes/basics.gift"] = bank
    return files


def test_a_package_quiz_takes_its_questions_from_a_gift_file(tmp_path, capsys):
    write(tmp_path / "pkg", package_with_bank())

    call_command("import_course", str(tmp_path / "pkg"))

    assert "quizzes/basics.gift, line 2: question categories are ignored" in capsys.readouterr().err
    result_quiz = Question.objects.filter(quiz__slug="basics-check")
    assert list(result_quiz.values_list("key", flat=True)) == ["pillars", "privatising", "year"]


def test_reimporting_a_package_with_a_question_file_changes_nothing(tmp_path):
    root = write(tmp_path / "pkg", package_with_bank())
    course = import_course_package(root).course
    before, before_ids = snapshot(course), ids(course)

    result = import_course_package(root)

    assert snapshot(course) == before
    assert ids(course) == before_ids
    assert all(
        not counts["created"] and not counts["updated"] and not counts["deleted"]
        for kind, counts in result.counts.items()
        if kind != "courses"
    )


def test_a_bad_question_file_in_a_package_changes_nothing(tmp_path):
    root = write(tmp_path / "pkg", package_with_bank(BANK + "\nA description only.\n"))

    with pytest.raises(PackageError, match=r"quizzes/basics.gift: 1 question cannot be imported"):
        import_course_package(root)

    assert not Question.objects.exists()


def test_a_quiz_with_both_questions_and_a_question_file_is_refused(tmp_path):
    files = package_with_bank()
    files["quizzes/basics-check.yaml"]["questions"] = package_files()["quizzes/basics-check.yaml"][
        "questions"
    ]

    with pytest.raises(
        PackageError, match="questions_from: give either questions or questions_from"
    ):
        import_course_package(write(tmp_path / "pkg", files))


def test_a_question_file_of_another_kind_is_named_by_its_path_in_the_package(tmp_path):
    files = package_with_bank()
    files["quizzes/basics-check.yaml"]["questions_from"] = "quizzes/basics.txt"
    files["quizzes/basics.txt"] = BANK

    with pytest.raises(PackageError, match=r"^quizzes/basics.txt: a question file is GIFT"):
        import_course_package(write(tmp_path / "pkg", files))
