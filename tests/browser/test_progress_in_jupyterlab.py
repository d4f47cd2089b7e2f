"""A learner's progress survives the kernel: answer in JupyterLab, restart, and progress() still shows it.

Notebook 09 runs in a throwaway JupyterLab (see conftest.py), whose kernels
save progress where a learner's would be, in Jupyter's data folder. The test
answers the final test's first question wrong, then right; restarts the kernel
and runs every cell again; then the question says how it went before, and the
progress() cell at the end of the notebook shows the answer, its lesson's
score in the final test (0: the test scores first answers), and the chart.
Screenshot: test-artifacts/browser/progress.png.
"""

import json

import pytest
from conftest import run_all

from course_utils.quiz import draw_final_test

NOTEBOOKS = ["notebooks/09_test_yourself.ipynb"]
QUESTION = draw_final_test()[0]  # the first question that `final_test()` shows
WRONG = next(letter for letter in QUESTION.letters if letter != QUESTION.correct)
ASKED_ON_ITS_LESSON = sum(q.notebook == QUESTION.notebook for q in draw_final_test())

pytestmark = pytest.mark.browser


def test_an_answer_survives_a_kernel_restart_and_progress_shows_it(notebook, lab_server, artifacts):
    from playwright.sync_api import expect

    box = notebook.locator(".birnn-quiz-question").first
    box.scroll_into_view_if_needed()
    for letter in (WRONG, QUESTION.correct):
        box.get_by_role("button", name=letter, exact=True).click()
        box.get_by_role("button", name="Check").click()
    expect(box.locator(".birnn-quiz-feedback")).to_contain_text("Correct")
    saved = json.loads(lab_server.progress_file.read_text())
    assert saved["questions"][QUESTION.id]["tries"][0]["first"] == "wrong"

    run_all(notebook, "runmenu:restart-and-run-all")

    box = notebook.locator(".birnn-quiz-question").first
    expect(box.locator(".birnn-quiz-earlier")).to_contain_text("wrong at first, then right")
    view = notebook.locator(".jp-Notebook .jp-CodeCell").last.locator(".jp-OutputArea")
    lesson = view.locator("tr", has_text=QUESTION.notebook)
    expect(lesson.locator("td").nth(3)).to_have_text(f"0 / {ASKED_ON_ITS_LESSON}")  # first answers: wrong
    expect(lesson.locator("td").nth(4)).to_contain_text(f"revisit {QUESTION.topic}")
    expect(view).to_contain_text("review() asks again the 1 question you missed or looked up.")
    expect(view.locator("img[alt^='Bar chart of your progress per lesson']")).to_be_visible()
    view.scroll_into_view_if_needed()
    notebook.screenshot(path=str(artifacts / "progress.png"))
