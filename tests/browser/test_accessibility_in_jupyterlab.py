"""Every learner can use the course: no serious or critical accessibility problem in any notebook's
outputs, and the explorers work from the keyboard alone.

Each notebook runs top to bottom in JupyterLab (one server for all of them, every cell drawn: see
conftest.py). Then axe-core, vendored in tests/browser/axe/ (version and licence in its README), checks
the page against the WCAG 2.1 A and AA rules, **inside the notebook's outputs only** (`.jp-OutputArea`):
they are what the course makes. It does so twice on the same run, under JupyterLab Light and under
JupyterLab Dark (switched from the Settings menu, as a learner would), so colour contrast is checked
against both themes' backgrounds: the course's colours follow the theme (NOTE [ colours under
JupyterLab's themes ] in course_utils/display.py). The second theme adds a few seconds per notebook.
The rest of the page is JupyterLab's own interface (toolbar, cell editors, notebook list), which the
course cannot change; axe finds problems there too (checked under Light only). They are written to the
artifacts with the rest, but never fail the test. Moderate and minor findings in the outputs are written
there as well: test-artifacts/browser/axe-<notebook>.json.

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
LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"
NOTEBOOK_SCROLLER = ".jp-NotebookPanel .jp-WindowedPanel-outer"  # the notebook's scrolling box
MENUS_AND_TOOLBARS_PX = 400  # more than JupyterLab's menu bar, toolbars and status bar take above and below it
NOTEBOOK_BACKGROUND_IS_DARK = """dark => {
    const background = getComputedStyle(document.querySelector('.jp-Notebook')).backgroundColor;
    const [r, g, b] = background.match(/\\d+/g).map(Number);
    return (r + g + b < 384) === dark;
}"""

pytestmark = pytest.mark.browser


# JupyterLab 4.6 wraps the page in an empty `<html> > .jp-ThemedContainer` of height 0 with `overflow:
# hidden`; the shell inside it is positioned absolutely, so the browser draws everything, but axe takes
# every element for clipped by that wrapper and skips the colour-contrast rule on all of them (the rule
# came out "inapplicable" in every output). Giving the wrapper the viewport's height changes nothing drawn
# and lets axe see the text; test_the_dark_pass_finds_text_that_only_the_light_theme_can_read checks it.
SHOW_AXE_THE_PAGE = (
    "() => document.querySelectorAll('html > .jp-ThemedContainer').forEach(e => { e.style.height = '100vh'; })"
)


def run_axe(page, context: dict) -> list[dict]:
    """axe-core's violations of the WCAG 2.1 A/AA rules inside `context` (axe's include/exclude form)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    page.evaluate(SHOW_AXE_THE_PAGE)
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


def show_whole_notebook(page) -> None:
    """Make the window as tall as the open notebook, so that every output is on screen.

    axe measures colour contrast only on screen: text below the fold comes out "incomplete" (its background
    cannot be read there), never as a violation, so without this only the first screenful was checked.
    """
    height = page.evaluate(f"() => document.querySelector('{NOTEBOOK_SCROLLER}').scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": height + MENUS_AND_TOOLBARS_PX})
    page.wait_for_function(f"h => document.querySelector('{NOTEBOOK_SCROLLER}').clientHeight >= h", arg=height)


def use_theme(page, theme: str) -> None:
    """Switch JupyterLab to `theme` from Settings > Theme and wait until the page has it.

    JupyterLab keeps the choice in its user settings, which outlive the page: the test switches back.
    """
    from playwright.sync_api import expect

    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Settings$")).click()
    page.locator(".lm-Menu-item", has_text=re.compile("^Theme$")).click()
    label = page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(theme)}$"))
    page.locator(".lm-Menu-item[data-command='apputils:change-theme']", has=label).click()
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", theme)
    # The name comes before the theme's stylesheet has loaded: wait for the notebook's own background.
    page.wait_for_function(NOTEBOOK_BACKGROUND_IS_DARK, arg=theme == DARK)
    # JupyterLab covers the page with its splash screen while it changes theme, then fades it out; axe
    # finds the outputs "overlapped by another element" until it is gone.
    expect(page.locator("#jupyterlab-splash")).to_have_count(0)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: Path(path).stem)
def test_no_serious_or_critical_axe_violation_in_a_notebooks_outputs(notebook, lab_server, page, artifacts):
    run_in_lab(page, lab_server, Path(notebook).name, timeout_s=RUN_ALL_S)
    assert page.locator(".jp-Notebook .jp-OutputArea-output").count() > 0
    show_whole_notebook(page)
    use_theme(page, LIGHT)  # whatever an earlier test left in the user settings
    in_outputs = {LIGHT: run_axe(page, OUTPUTS)}
    in_jupyterlab = run_axe(page, JUPYTERLAB_ITSELF)
    try:
        use_theme(page, DARK)
        in_outputs[DARK] = run_axe(page, OUTPUTS)
    finally:
        use_theme(page, LIGHT)
    lab_server.end_sessions()  # frees the kernel (and its CPU) before the next notebook
    report = {
        **{f"outputs in {theme}": summary(found) for theme, found in in_outputs.items()},
        "jupyterlab_itself_not_ours": summary(in_jupyterlab),
    }
    (artifacts / f"axe-{Path(notebook).stem}.json").write_text(json.dumps(report, indent=1))
    problems = [f"{theme}: {line}" for theme, found in in_outputs.items() for line in failing(found)]
    assert not problems, "\n".join(problems)


LOW_CONTRAST = "low_contrast.ipynb"
# Dark grey text, as the quiz's hints were before they followed the theme: 7.5:1 on Light's white
# background, about 2.5:1 on Dark's.
DARK_GREY_TEXT = "from IPython.display import HTML\n\nHTML(\"<p style='color:#555'>A hint in dark grey.</p>\")"


def test_the_dark_pass_finds_text_that_only_the_light_theme_can_read(lab_server, page):
    import nbformat

    # Below a few screenfuls of other outputs: axe must see past the first screenful (show_whole_notebook).
    cells = [nbformat.v4.new_code_cell(f"print({line})") for line in range(60)] + [
        nbformat.v4.new_code_cell(DARK_GREY_TEXT)
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": KERNEL, "display_name": KERNEL_DISPLAY_NAME, "language": "python"}
    nbformat.write(notebook, lab_server.folder / LOW_CONTRAST)
    run_in_lab(page, lab_server, LOW_CONTRAST)
    show_whole_notebook(page)
    use_theme(page, LIGHT)
    in_light = run_axe(page, OUTPUTS)
    try:
        use_theme(page, DARK)
        in_dark = run_axe(page, OUTPUTS)
    finally:
        use_theme(page, LIGHT)
    lab_server.end_sessions()
    assert [v["id"] for v in in_light] == []
    assert [(v["id"], v["impact"]) for v in in_dark] == [("color-contrast", "serious")]


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
