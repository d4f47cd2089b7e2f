"""The quiz works in a real JupyterLab in a real browser: choose, Check, feedback, score.

The notebook runs in a throwaway JupyterLab (see conftest.py); the test clicks
through the final test's first question as a learner would and saves a
screenshot to test-artifacts/browser/quiz.png. The final test scores first
answers: a learner who clicks A, B, C, D in turn on every question scores only
the questions whose answer is A.
"""

import pytest

from course_utils.quiz import draw_final_test

NOTEBOOKS = ["notebooks/09_test_yourself.ipynb"]
QUESTION = draw_final_test()[0]  # the first question that `final_test()` shows
WRONG = next(letter for letter in QUESTION.letters if letter != QUESTION.correct)
SECOND = draw_final_test()[1]
ANSWERED_A = sum(q.correct == "A" for q in draw_final_test())
CLICKS = sum(len(q.letters) for q in draw_final_test())

pytestmark = pytest.mark.browser


def plain(text: str) -> str:
    """Text as the browser shows it: backticked code is rendered without the backticks."""
    return text.replace("`", "")


def screenshot(page, path) -> None:
    """The window, scrolled so that the quiz's title, score and first question are in view."""
    page.locator(".birnn-quiz h3").evaluate("title => title.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(path))


def question_box(page, index: int):
    return page.locator(".birnn-quiz-question").nth(index)


def choose_and_check(box, letter):
    if letter is not None:
        box.get_by_role("button", name=letter, exact=True).click()
    box.get_by_role("button", name="Check").click()


def test_a_learner_answers_a_question_in_the_browser(notebook, artifacts):
    from playwright.sync_api import expect

    box = question_box(notebook, 0)
    box.scroll_into_view_if_needed()
    feedback = box.locator(".birnn-quiz-feedback")
    score = notebook.locator(".birnn-quiz-score")

    choose_and_check(box, None)
    expect(feedback).to_contain_text("Choose an option first")

    choose_and_check(box, WRONG)
    expect(feedback).to_contain_text(plain(QUESTION.misconceptions[WRONG]))
    expect(score).to_have_text("Score: 0 / 10 right first time, 0 right in the end (1 attempt)")
    screenshot(notebook, artifacts / "quiz-wrong.png")

    choose_and_check(box, QUESTION.correct)
    expect(feedback).to_contain_text("Correct")
    expect(feedback).to_contain_text(plain(QUESTION.explanation[0]))
    expect(feedback).to_contain_text("Not scored: this test counts first answers.")
    expect(score).to_have_text("Score: 0 / 10 right first time, 1 right in the end (2 attempts)")

    box.get_by_role("button", name="Check").click()
    box.get_by_role("button", name="Check").click()
    expect(feedback).to_contain_text("Correct")
    expect(score).to_have_text("Score: 0 / 10 right first time, 1 right in the end (2 attempts)")

    screenshot(notebook, artifacts / "quiz.png")


def test_the_quiz_works_from_the_keyboard(notebook):
    """Tab moves through the option buttons to Check; Enter presses the focused button."""
    from playwright.sync_api import expect

    box = question_box(notebook, 1)
    box.get_by_role("button", name="A", exact=True).focus()
    answer_at = SECOND.letters.index(SECOND.correct)
    for key in ["Tab"] * answer_at + ["Enter"] + ["Tab"] * (len(SECOND.letters) - answer_at) + ["Enter"]:
        notebook.keyboard.press(key)
    expect(box.locator(".birnn-quiz-feedback")).to_contain_text("Correct")


def test_clicking_every_letter_in_turn_scores_only_the_questions_whose_answer_is_a(notebook):
    from playwright.sync_api import expect

    for index, question in enumerate(draw_final_test()):
        box = question_box(notebook, index)
        box.scroll_into_view_if_needed()
        for letter in question.letters:
            choose_and_check(box, letter)
    expect(notebook.locator(".birnn-quiz-score")).to_have_text(
        f"Score: {ANSWERED_A} / 10 right first time, 10 right in the end ({CLICKS} attempts)"
    )
