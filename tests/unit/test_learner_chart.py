"""The chart of progress() (`course_utils.learner.chart`): three bars per lesson, described in words."""

import base64
import html
import os
import subprocess
import sys
from pathlib import Path

from course_utils.learner.chart import progress_chart
from course_utils.learner.report import progress_report
from course_utils.learner.store import ENV_VAR, empty_progress, record_answer, record_final_test, update_progress
from course_utils.quiz import BANKS

ROOT = Path(__file__).resolve().parents[2]
SHAPES = BANKS["02_shapes"].questions


def at(day):
    return f"2026-05-{day:02d}T12:00:00+00:00"


def lessons_of(*answers, final_tests=()):
    """The lessons' progress of a store holding answers (question, round, outcome, day) and final tests."""
    data = empty_progress()
    for question_id, round_id, outcome, day in answers:
        record_answer(data, question_id, round_id, outcome, at(day))
    for round_id, by_topic in final_tests:
        correct, asked = sum(c for c, _ in by_topic.values()), sum(a for _, a in by_topic.values())
        record_final_test(data, round_id, correct, asked, by_topic, at(1))
    return progress_report(data, BANKS).lessons


def test_the_chart_description_gives_each_lessons_latest_final_test_score():
    lessons = lessons_of(final_tests=[("t1", {"04_packing": (1, 2)})])
    assert "04_packing: quiz 0 of 7, checks 0 of 2, final test 1 of 2;" in progress_chart(lessons).description


def test_the_chart_is_an_image_whose_alt_text_is_its_description():
    chart = progress_chart(lessons_of((SHAPES[0].id, "r", "right", 1)))
    data, metadata = chart._repr_mimebundle_()
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    assert data["text/html"].startswith(f'<img alt="{html.escape(chart.description)}" src="data:image/png;base64,')
    assert data["text/plain"] == chart.description == metadata["image/png"]["alt"]


def test_drawing_the_chart_does_not_import_torch(throwaway_progress):
    update_progress(lambda data: record_answer(data, SHAPES[0].id, "r", "right", at(1)))
    code = (
        "import sys\nfrom course_utils.quiz import progress\nprogress()\n"
        "print('torch imported:', 'torch' in sys.modules, '| matplotlib:', 'matplotlib' in sys.modules)"
    )
    env = {**os.environ, ENV_VAR: str(throwaway_progress)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("torch imported: False | matplotlib: True")
    assert "Bar chart of your progress per lesson" in out.stdout
