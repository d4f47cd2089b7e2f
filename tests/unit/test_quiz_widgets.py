"""The ipywidgets form, driven from Python: the same clicks as in the browser, without one."""

import ipywidgets as widgets
import pytest

from course_utils.quiz import BANKS, Quiz, draw_final_test, session
from course_utils.quiz.widgets import inline_html

QUESTIONS = BANKS["02_shapes"].questions
FIRST = QUESTIONS[0]
WRONG = next(letter for letter in FIRST.letters if letter != FIRST.correct)


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def find(root, kind, css=None, description=None):
    return [
        w
        for w in walk(root)
        if isinstance(w, kind)
        and (css is None or css in w._dom_classes)
        and (description is None or getattr(w, "description", None) == description)
    ]


class Form:
    """The parts of one question box, and the quiz's score."""

    def __init__(self, quiz_, index=0):
        self.root = quiz_.widget()
        box = find(self.root, widgets.VBox, css="birnn-quiz-question")[index]
        self.options = {
            row.children[0].description: row.children[0] for row in find(box, widgets.HBox, css="birnn-quiz-option")
        }
        self.check, self.hint, self.show = (
            find(box, widgets.Button, description=d)[0] for d in ("Check", "Hint", "Show answer")
        )
        self.feedback = find(box, widgets.HTML, css="birnn-quiz-feedback")[0]
        self.hint_area = find(box, widgets.HTML, css="birnn-quiz-hint")[0]
        self.score = find(self.root, widgets.HTML, css="birnn-quiz-score")[0]

    def choose_and_check(self, letter):
        self.options[letter].click()
        self.check.click()


@pytest.fixture
def form():
    return Form(Quiz("02_shapes", "Quiz", QUESTIONS))


def test_every_question_gets_a_box_with_a_letter_button_per_option_and_nothing_chosen(form):
    boxes = find(form.root, widgets.VBox, css="birnn-quiz-question")
    assert len(boxes) == len(QUESTIONS)
    assert list(form.options) == list(FIRST.letters)
    assert all(button.button_style == "" for button in form.options.values())


def test_choosing_an_option_highlights_it_alone(form):
    form.options["A"].click()
    form.options["C"].click()
    assert [b.button_style for b in form.options.values()] == ["", "", "info", ""]


def test_check_with_nothing_chosen_asks_for_a_choice(form):
    form.check.click()
    assert "Choose an option first" in form.feedback.value
    assert f"Score: 0 / {len(QUESTIONS)} correct (0 attempts)" in form.score.value


def test_a_wrong_choice_shows_its_misconception_and_no_explanation(form):
    form.choose_and_check(WRONG)
    assert inline_html(FIRST.misconceptions[WRONG]) in form.feedback.value
    assert "Why:" not in form.feedback.value


def test_the_right_choice_shows_the_explanation_and_raises_the_score(form):
    form.choose_and_check(WRONG)
    form.choose_and_check(FIRST.correct)
    assert "Correct" in form.feedback.value and "Why:" in form.feedback.value
    assert "batch_first=True</code>" in form.feedback.value  # backticks become code
    assert f"Score: 1 / {len(QUESTIONS)} correct (2 attempts)" in form.score.value


def test_clicking_check_again_does_not_count_twice(form):
    for _ in range(3):
        form.choose_and_check(FIRST.correct)
    assert f"Score: 1 / {len(QUESTIONS)} correct (1 attempt)" in form.score.value


def test_hint_shows_the_hint_beside_the_feedback(form):
    form.choose_and_check(WRONG)
    form.hint.click()
    assert "Hint:" in form.hint_area.value and "not right" in form.feedback.value


def test_show_answer_reveals_it_without_scoring(form):
    form.show.click()
    form.choose_and_check(FIRST.correct)
    assert "Not scored" in form.feedback.value
    assert f"Score: 0 / {len(QUESTIONS)}" in form.score.value


def test_answers_given_in_text_update_the_widget_score(monkeypatch, capsys):
    quiz_ = Quiz("02_shapes", "Quiz", QUESTIONS)
    monkeypatch.setattr(session, "_ACTIVE", {"02_shapes": quiz_})
    score = Form(quiz_).score
    session.answer(FIRST.id, FIRST.correct)
    assert f"Score: 1 / {len(QUESTIONS)}" in score.value


def test_the_final_test_form_reports_the_score_by_topic():
    quiz_ = Quiz("final_test", "Test yourself", draw_final_test(), with_report=True)
    Form(quiz_).choose_and_check(quiz_.questions[0].correct)
    find(quiz_.widget(), widgets.Button, description="Score by topic")[0].click()
    report = find(quiz_.widget(), widgets.HTML, css="birnn-quiz-report")[0].value
    assert "Score: 1 / 10" in report and "revisit notebooks/" in report
