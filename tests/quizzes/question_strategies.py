"""Hypothesis strategies: question specs of the six types with awkward text (GIFT's special
characters, Arabic, new lines), for export-then-import round trips."""

from hypothesis import strategies as st

from courses.packages import ChoiceSpec, PairSpec, QuestionSpec
from quizzes.grading import normalise_text

_AWKWARD = st.sampled_from(
    [
        "~",
        "=",
        "#",
        "{",
        "}",
        ":",
        "\\",
        "\\n",
        "\n",
        "%",
        "[markdown]",
        "//",
        "####",
        " ",
        "->",
        "مشتريات",
        "عامة",
        "é",
        "ñ",
        "«",
        "»",
        "'",
        '"',
        "<b>",
        "&amp;",
        "T",
        "1..5",
    ]
)
_CHARS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"))


def texts(*, arrow: bool = True):
    """Non-empty text without spaces at either end (as every reader keeps it)."""
    piece = st.one_of(_AWKWARD, st.text(_CHARS, min_size=1, max_size=6))
    text = st.lists(piece, min_size=1, max_size=6).map("".join).map(str.strip)
    if not arrow:
        text = text.map(_without_arrows)
    return text.filter(bool)


def _without_arrows(text: str) -> str:
    """The text with no "->" left: replacing once can make one ("->>" gives "->")."""
    while "->" in text:
        text = text.replace("->", "-")
    return text.strip()


def _letter(i):
    return "abcdefghijklmnopqrstuvwxyz"[i]


@st.composite
def questions(draw, *, fmt: str, key: str):
    """One question that the format `fmt` (gift or xml) can hold exactly."""
    kind = draw(
        st.sampled_from(
            [
                "single_choice",
                "multiple_response",
                "true_false",
                "short_answer",
                "numeric",
                "matching",
            ]
        )
    )
    general = draw(st.one_of(st.just(""), texts()))
    feedback_correct = feedback_incorrect = general
    both = fmt == "xml" and kind in ("single_choice", "multiple_response", "matching")
    if both and draw(st.booleans()):
        feedback_incorrect = draw(st.one_of(st.just(""), texts()))
    question = QuestionSpec(
        key=key,
        type=kind,
        prompt=draw(texts()),
        points=draw(st.integers(1, 50)) if fmt == "xml" else 1,
        feedback_correct=feedback_correct,
        feedback_incorrect=feedback_incorrect,
    )
    feedback = st.one_of(st.just(""), texts())
    if kind in ("single_choice", "multiple_response"):
        count = draw(st.integers(2, 5))
        if kind == "single_choice":
            right = {draw(st.integers(0, count - 1))}
        else:
            right = set(draw(st.lists(st.integers(0, count - 1), min_size=1, unique=True)))
            question.partial_credit = len(right) > 1
        question.choices = [
            ChoiceSpec(_letter(i), draw(texts()), i in right, draw(feedback)) for i in range(count)
        ]
    elif kind == "true_false":
        answer = draw(st.booleans())
        question.choices = [
            ChoiceSpec("true", "True", answer, draw(feedback)),
            ChoiceSpec("false", "False", not answer, draw(feedback)),
        ]
    elif kind == "short_answer":
        answer = texts(arrow=fmt == "xml").filter(normalise_text)
        question.accepted_answers = draw(st.lists(answer, min_size=1, max_size=3))
    elif kind == "numeric":
        number = st.decimals(-(10**6), 10**6, places=3, allow_nan=False, allow_infinity=False)
        question.numeric_answer = draw(number)
        question.tolerance = draw(st.decimals(0, 1000, places=2))
    else:
        question.partial_credit = True
        question.pairs = [
            PairSpec(str(i + 1), draw(texts(arrow=fmt == "xml")), draw(texts()))
            for i in range(draw(st.integers(2, 4)))
        ]
    return question


@st.composite
def question_lists(draw, *, fmt: str):
    keys = draw(
        st.lists(
            st.from_regex(r"[a-z][a-z0-9_-]{0,15}", fullmatch=True),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    return [draw(questions(fmt=fmt, key=key)) for key in keys]
