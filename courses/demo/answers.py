"""How the demo's participants answer quiz questions: right with a chance that grows with
their ability (a logistic curve per question), wrong the way people usually are. A few
questions are written to be flagged by the question analysis, as real cohorts flag them."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from quizzes.grading import LayoutItem, QuestionData, grade_attempt, shown_answers
from quizzes.models import QuestionType, Quiz

from ..outline import Outline

# How likely a participant is to answer a question right: a logistic curve of their ability,
# (slope, difficulty). Questions follow their type, except a few that trip real cohorts up, so
# that the question analysis has something to flag.
BY_TYPE = {
    QuestionType.SINGLE_CHOICE: (2.0, -1.0),
    QuestionType.TRUE_FALSE: (1.8, -1.1),
    QuestionType.MULTIPLE_RESPONSE: (2.0, -0.2),
    QuestionType.SHORT_ANSWER: (1.8, -0.6),
    QuestionType.NUMERIC: (1.8, -0.4),
    QuestionType.MATCHING: (2.0, 0.0),
}
BY_QUESTION = {
    "risks-only-abroad": (1.0, -5.0),  # everyone knows: it tells nobody apart
    "number-of-fundamental-conventions": (0.1, 0.4),  # eight until 2022: a coin toss for all
    "australia-mandatory-criteria": (1.4, 2.7),  # few remember that there are seven
}
# The wrong answer most of those who miss a question give: a choice's key, or what they type.
MISTAKES = {
    "procurement-share-of-gdp": "c",  # about 30%: procurement's share of government spending
    "number-of-principles": "30",
    "year-of-endorsement": "2008",
    "number-of-fundamental-conventions": "8",
    "leverage-little-influence": "b",
    "iso-standard-number": "ISO 14001",
    "iso-clause-process": "c",
    "complete-term-procurement": "finance",
    "uk-turnover-threshold": "100",
    "australia-revenue-threshold": "b",
    "australia-mandatory-criteria": "5",
    "uk-statement-name": "report",
    "uk-no-website": "b",
    "top-priority": "b",
    "first-response-to-problem": "b",
    "complaint-process-name": "whistleblowing line",
    "ongoing-disclosure-tool": "b",
    "tazreen-logo-link": "b",  # a licensing case, not a public contract
    "buying-together-name": "joint procurement",  # article 38, not article 37
}
LATER = 0.2  # how much harder each module's questions are than the one before


class QuizAnswers:
    """The questions of a course's quizzes, read once, and answers drawn to them."""

    def __init__(self, outline: Outline, quizzes: Iterable[Quiz]):
        self.depth = {  # the quiz's module: 0 for the first
            item.id: index
            for index, module in enumerate(outline.modules)
            for item in module.items
            if item.kind == "quiz"
        }
        self.questions: dict[int, dict[int, tuple[QuestionData, str]]] = {
            quiz.pk: {
                q.pk: (QuestionData.from_model(q), q.key)
                for q in quiz.questions.prefetch_related("choices", "pairs")
            }
            for quiz in quizzes
        }

    def draw(
        self, quiz: Quiz, layout: list[dict], ability: float, rng, want: bool | None = None
    ) -> dict[str, Any]:
        """Answers to the attempt's questions, each right with the chance the participant's
        ability gives; drawn again until the attempt passes (want True) or fails (False). As a
        participant gives them (choices by their ids in the attempt)."""
        questions = self.questions[quiz.pk]
        items = [LayoutItem.from_json(item) for item in layout]
        for _draw in range(50):
            answers = {}
            for item in layout:
                question, key = questions[item["question"]]
                slope, difficulty = BY_QUESTION.get(key) or BY_TYPE[question.type]
                if key not in BY_QUESTION:
                    difficulty += LATER * self.depth[quiz.pk]
                right = rng.random() < 1 / (1 + math.exp(-slope * (ability - difficulty)))
                answers[str(question.id)] = _answer(question, key, item, right=right, rng=rng)
            if want is None:
                return shown_answers(items, answers)
            grade = grade_attempt(
                {pk: data for pk, (data, _key) in questions.items()},
                items,
                answers,
                pass_mark=quiz.pass_mark,
            )
            if grade.passed == want:
                return shown_answers(items, answers)
        answers = {
            str(item["question"]): _answer(*questions[item["question"]], item, right=want, rng=rng)
            for item in layout
        }
        return shown_answers(items, answers)


def _answer(question: QuestionData, key: str, item: dict, *, right: bool, rng) -> Any:
    """An answer to the question as shown in `item`, as stored (choices by their ids in the
    quiz): the right one, or a likely mistake."""
    kind = question.type
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE):
        wrong = [c for c in question.choices if not c.is_correct]
        if right or not wrong:
            return next(c.id for c in question.choices if c.is_correct)
        usual = next((c for c in wrong if c.key == MISTAKES.get(key)), None)
        return usual.id if usual and rng.random() < 0.7 else rng.choice(wrong).id
    if kind == QuestionType.MULTIPLE_RESPONSE:
        correct = [c.id for c in question.choices if c.is_correct]
        wrong = [c.id for c in question.choices if not c.is_correct]
        if right:
            return correct
        picked = set(correct)
        if len(picked) > 1 and (not wrong or rng.random() < 0.6):
            picked.discard(rng.choice(correct))
        if wrong and (picked == set(correct) or rng.random() < 0.4):
            picked.add(rng.choice(wrong))
        return sorted(picked)
    if kind == QuestionType.SHORT_ANSWER:
        return question.accepted_answers[0] if right else MISTAKES.get(key, "not sure")
    if kind == QuestionType.NUMERIC:
        answer = question.numeric_answer
        if right:
            return f"{answer.normalize():f}"
        if key in MISTAKES and rng.random() < 0.7:
            return MISTAKES[key]
        return f"{(answer + (question.tolerance + 1) * rng.choice((-2, -1, 1, 2))).normalize():f}"
    if kind == QuestionType.MATCHING:
        # Pairs with the same answer text share one option: match by the text.
        text_of = {pair.id: pair.answer for pair in question.pairs}
        token_for_text = {text_of[pair]: token for token, pair in item["options"]}
        chosen = {str(pair): token_for_text[text_of[pair]] for pair in item["prompts"]}
        if not right and len(item["prompts"]) > 1:
            first, second = (str(pair) for pair in rng.sample(item["prompts"], 2))
            chosen[first], chosen[second] = chosen[second], chosen[first]
        return chosen
    return None
