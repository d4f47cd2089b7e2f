"""Every learner can use the course: no serious or critical accessibility problem in any notebook's
outputs, and the explorers work from the keyboard alone.

Each notebook runs top to bottom in JupyterLab (one server for all of them, every cell drawn: see
conftest.py). Then axe-core, vendored in tests/browser/axe/ (version and licence in its README), checks
the page against the WCAG 2.1 A and AA rules, **inside the notebook's outputs only** (`.jp-OutputArea`):
they are what the course makes. The rest of the page is JupyterLab's own interface (toolbar, cell
editors, notebook list), which the course cannot change; axe finds problems there too. They are written
to the artifacts with the rest, but never fail the test. Moderate and minor findings in the outputs are
written there as well: test-artifacts/browser/axe-<notebook>.json.

The keyboard tests use only Tab, Shift+Tab, the arrow keys, Enter and Space once the first control has
focus (the quiz's keyboard test is in test_quiz_in_jupyterlab.py).
"""

import json
import re
from pathlib import Path

import pytest
from conftest import KERNEL, KERNEL_DISPLAY_NAME, ROOT, run_in_lab

NOTEBOOKS = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "notebooks").glob("*.ipynb"))
AXE = Path(__file__).parent / "axe" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
RUN_ALL_S = 1200  # a notebook that trains takes minutes in the browser on a busy 2-core machine
OUTPUTS = {"include": [[".jp-OutputArea"]]}
JUPYTERLAB_ITSELF = {"exclude": [[".jp-OutputArea"]]}

pytestmark = pytest.mark.browser


def run_axe(page, context: dict) -> list[dict]:
    """axe-core's violations of the WCAG 2.1 A/AA rules inside `context` (axe's include/exclude form)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "([context, tags]) => axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(result => result.violations)",
        [context, WCAG_TAGS],
    )


def summary(violations: list[dict]) -> list[dict]:
    """The violations as the artifact keeps them: rule, impact, what it asks, and where (first 5 nodes)."""
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": len(v["nodes"]),
            "examples": [{"target": node["target"], "html": node["html"][:300]} for node in v["nodes"][:5]],
        }
        for v in violations
    ]


def failing(violations: list[dict]) -> list[str]:
    """One line per serious or critical violation, naming the rule and the first element it found."""
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])} element(s)): {v['help']}; first: {v['nodes'][0]['html'][:200]}"
        for v in violations
        if v["impact"] in FAILING_IMPACTS
    ]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: Path(path).stem)
def test_no_serious_or_critical_axe_violation_in_a_notebooks_outputs(notebook, lab_server, page, artifacts):
    run_in_lab(page, lab_server, Path(notebook).name, timeout_s=RUN_ALL_S)
    assert page.locator(".jp-Notebook .jp-OutputArea-output").count() > 0
    in_outputs, in_jupyterlab = run_axe(page, OUTPUTS), run_axe(page, JUPYTERLAB_ITSELF)
    lab_server.end_sessions()  # frees the kernel (and its CPU) before the next notebook
    report = {"outputs": summary(in_outputs), "jupyterlab_itself_not_ours": summary(in_jupyterlab)}
    (artifacts / f"axe-{Path(notebook).stem}.json").write_text(json.dumps(report, indent=1))
    assert not failing(in_outputs), "\n".join(failing(in_outputs))


# ----------------------------------------------------------------- keyboard only

EXPLORERS = "explorers.ipynb"
EXPLORER_CELLS = [
    "import torch\n\n"
    "from course_utils.lessons.concept import PipelineViewer\n"
    "from course_utils.models import SequenceTagger\n\n"
    "torch.manual_seed(0)\n"
    "PipelineViewer(SequenceTagger(3, 4, 5), torch.randn(5, 6, 3))",
    "from course_utils.lessons.shapes import ShapeExplorer\n\nShapeExplorer()",
]


@pytest.fixture
def explorers(lab_server, page):
    """A notebook with a pipeline viewer (an untrained tagger, 5 sequences) and a shape explorer, run in JupyterLab."""
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in EXPLORER_CELLS])
    notebook.metadata["kernelspec"] = {"name": KERNEL, "display_name": KERNEL_DISPLAY_NAME, "language": "python"}
    nbformat.write(notebook, lab_server.folder / EXPLORERS)
    run_in_lab(page, lab_server, EXPLORERS)
    yield page
    lab_server.end_sessions()


def press(page, *keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def test_the_pipeline_viewer_works_from_the_keyboard(explorers, artifacts):
    from playwright.sync_api import expect

    viewer = explorers.locator(".birnn-pipeline-viewer")
    picture = viewer.get_by_role("img")

    def shows(stage: str, sequence: int) -> None:
        expect(picture).to_have_attribute("alt", re.compile(rf"^Heat map of stage {stage}: sequence {sequence},"))

    shows("1, input", 0)
    viewer.get_by_role("button", name="1 input").focus()
    press(explorers, "Tab", "Enter")  # the stage button "2 bidirectional RNN"
    shows("2, bidirectional RNN", 0)
    press(explorers, "Tab", "Tab", "Tab", "Tab", "Space")  # past stages 3 and 4 and "previous stage", to "next stage"
    shows("3, linear layer", 0)
    press(explorers, "Tab", "ArrowUp", "ArrowUp")  # the sequence box
    shows("3, linear layer", 2)
    press(explorers, "Shift+Tab", "Shift+Tab", "Enter")  # back to "previous stage"
    shows("2, bidirectional RNN", 2)
    viewer.screenshot(path=str(artifacts / "pipeline-viewer.png"))
    assert not failing(run_axe(explorers, {"include": [[".birnn-pipeline-viewer"]]}))


def test_the_shape_explorer_works_from_the_keyboard(explorers, artifacts):
    from playwright.sync_api import expect

    explorer = explorers.locator(".birnn-shape-explorer")

    def says(text: str) -> None:
        expect(explorer).to_contain_text(text)

    says("nn.LSTM(5, 4, num_layers=1, bidirectional=True, batch_first=True)")
    explorer.get_by_role("button", name="rnn", exact=True).focus()
    press(explorers, "Tab", "Enter")  # the cell button "gru"
    says("nn.GRU(5, 4, num_layers=1")
    press(explorers, "Tab", "Tab", "ArrowUp")  # past "lstm" to the batch size box
    says("(N, L, H_in) = (4, 6, 5)")
    press(explorers, "Tab", "Tab", "Tab", "Tab", "ArrowUp")  # past length, features and hidden to layers
    says("nn.GRU(5, 4, num_layers=2")
    says("weight_ih_l1")
    press(explorers, "Tab", "Space")  # the bidirectional checkbox
    says("bidirectional=False, batch_first=True")
    press(explorers, "Tab", "Space")  # the batch_first checkbox
    says("(L, N, H_in) = (6, 4, 5)")
    explorer.screenshot(path=str(artifacts / "shape-explorer.png"))
    assert not failing(run_axe(explorers, {"include": [[".birnn-shape-explorer"]]}))
