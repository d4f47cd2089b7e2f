"""Specification of course_utils.display: the described image and the verdict box the plots, quiz and checks share."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.display import PALETTE, DescribedImage, image_html, verdict_box

ROOT = Path(__file__).resolve().parents[2]
# The smallest PNG: a 1x1 transparent pixel.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_a_described_image_shows_as_html_with_alt_text_as_png_and_as_its_description():
    image = DescribedImage(PNG, 'a "small" <dot> & more')
    data, metadata = image._repr_mimebundle_()
    encoded = base64.b64encode(PNG).decode("ascii")
    assert data == {
        "text/html": f'<img alt="a &quot;small&quot; &lt;dot&gt; &amp; more" src="data:image/png;base64,{encoded}">',
        "image/png": encoded,
        "text/plain": 'a "small" <dot> & more',
    }
    assert metadata == {"image/png": {"alt": 'a "small" <dot> & more'}}
    assert repr(image) == 'a "small" <dot> & more'


def test_a_described_image_needs_a_png_and_a_description():
    with pytest.raises(ValueError, match="description must be a non-empty str"):
        DescribedImage(PNG, " ")
    with pytest.raises(TypeError, match="png must be the bytes of a PNG image"):
        DescribedImage(b"GIF89a", "a gif")


def test_image_html_escapes_the_description_and_can_cap_the_width():
    tag = image_html(PNG, 'a "quoted" <b>word</b> & more', max_width="720px")
    assert tag.startswith('<img alt="a &quot;quoted&quot; &lt;b&gt;word&lt;/b&gt; &amp; more" style="max-width:720px"')


def test_a_verdict_box_has_a_bar_in_its_tones_colour():
    assert verdict_box("good", "x<br>y", lines=True) == (
        "<div style='border-left: 4px solid #1a7f37; border-left: 4px solid var(--jp-success-color1, #1a7f37); "
        "padding-left: 8px; font-family: monospace'>x<br>y</div>"
    )
    prose = verdict_box("warning", "Choose an option first.")
    assert prose.startswith("<div style='border-left: 4px solid #b26a00; ")
    assert f"border-left: 4px solid {PALETTE['warning']}; padding-left: 8px; " in prose
    assert "white-space: normal" in prose and prose.endswith(">Choose an option first.</div>")


def test_a_verdict_box_refuses_a_tone_outside_the_palette():
    with pytest.raises(ValueError, match="tone must be one of"):
        verdict_box("green", "x")


def test_the_display_base_imports_without_torch_numpy_or_matplotlib():
    code = "import sys, course_utils.display; print([m for m in ('torch', 'numpy', 'matplotlib') if m in sys.modules])"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_quiz_and_the_checks_show_their_verdicts_in_the_same_box():
    from course_utils.checks import run_check
    from course_utils.quiz import BANKS
    from course_utils.quiz.grading import grade
    from course_utils.quiz.widgets import feedback_html

    question = BANKS["02_shapes"].questions[0]
    right = feedback_html(grade(question, question.correct))
    passed = run_check("task", {"case": lambda: None})._repr_html_()
    bar = f"<div style='border-left: 4px solid #1a7f37; border-left: 4px solid {PALETTE['good']}; padding-left: 8px; "
    assert right.startswith(bar) and passed.startswith(bar)
