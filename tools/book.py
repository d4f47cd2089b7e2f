"""Build the course as a static book (`make book`): one web page per stored notebook, no kernel needed.

The stored notebooks are rendered as they are, outputs included, never executed (nbval already proves the
outputs current). Sphinx with myst-nb and sphinx-book-theme does the rendering; its settings are
`book/conf.py`. This tool writes the pages Sphinx reads, from the course manifest (`course_utils.course`),
into `<out>/source/`, then runs Sphinx into `<out>/html/` with warnings as errors:

- `index.md`, the landing page: the course map (`map_rows()`) and one table of contents per section
  (lessons, exercises, solutions), in course order;
- a copy of each notebook, in the repository's own folders (`notebooks/`, `exercises/`, `solutions/`), so
  that the links between notebooks resolve as they do in JupyterLab, and so does each notebook's own line
  of launch links under its heading (Binder, Colab, a JupyterHub: `course_utils.course.launch_links`, written
  by tools/launch_links.py). No widget can run without a kernel, so the copy, and only the copy, changes
  there: the quiz cell's widget becomes the quiz written out as HTML (`quiz_html`), each answer folded away
  in a `<details>`; every other widget shows its text version instead (the explorers' text tables); and
  progress bars, stored at 0%, are left out (`static_outputs`).

Run `python -m tools.book` from the repository root (`--out FOLDER` builds elsewhere; default `book/_build`).
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import re
import shutil
import sys
from pathlib import Path

from course_utils.course import FINAL_TEST_LESSON, LESSONS, map_rows
from course_utils.files import atomic_write, file_kind
from course_utils.quiz.bank import BANK_DIR, FINAL_TEST, load_bank_file
from course_utils.quiz.values import Bank, Question

ROOT = Path(__file__).resolve().parent.parent
BOOK_DIR = ROOT / "book"  # conf.py and the book's static files
DEFAULT_OUT = BOOK_DIR / "_build"
# Written into every source folder this tool makes: only a folder holding it is ever deleted to start afresh.
MARKER = ".birnn-book-source"
# The cells that show a quiz widget: `quiz("02_shapes")` in a lesson, `final_test()` in the final test.
LESSON_QUIZ_CALL = re.compile(r"""^\s*quiz\(\s*["'](?P<bank>\w+)["']\s*\)\s*$""", re.MULTILINE)
FINAL_TEST_CALL = re.compile(r"^\s*final_test\(\s*\)\s*$", re.MULTILINE)
INLINE_CODE = re.compile(r"`([^`]+)`")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# The text of a tqdm progress bar's widget, stored as it was drawn first: "train:   0%|          | 0/5 [...".
PROGRESS_BAR_TEXT = re.compile(r"^[^\n|]*\d+%\|[^|]*\| *\d+/\d+ \[")


def pages() -> list[tuple[str, list[str]]]:
    """The book's sections in order, each with its pages as paths in the repository ("notebooks/01_concept.ipynb")."""
    exercises = [lesson.exercise.notebook for lesson in LESSONS if lesson.exercise]
    return [
        ("Lessons", [f"notebooks/{lesson.notebook}.ipynb" for lesson in LESSONS]),
        ("Exercises", [f"exercises/{name}.ipynb" for name in exercises]),
        ("Worked solutions", [f"solutions/{name}.ipynb" for name in exercises]),
    ]


def index_page() -> str:
    """The landing page in MyST Markdown: the course map, then a table of contents per section."""
    lines = [
        "# birnn-course: bidirectional RNNs in PyTorch",
        "",
        "A course of Jupyter notebooks on bidirectional recurrent networks (RNN, GRU, LSTM) in PyTorch. "
        "This book shows every notebook with its stored outputs; to run one, use the links under its heading "
        "(Binder, Colab or a JupyterHub), or clone the repository and run `make lab`.",
        "",
        "## The notebooks",
        "",
        "| # | notebook | what you learn | minutes |",
        "|---|---|---|---|",
        *map_rows("notebooks/"),
        "",
        "Each lesson ends with a quiz and points to an exercise, whose worked solution follows in its own section.",
    ]
    for caption, paths in pages():
        lines += ["", "```{toctree}", f":caption: {caption}", ":maxdepth: 1", ""]
        lines += [path.removesuffix(".ipynb") for path in paths]
        lines.append("```")
    return "\n".join(lines) + "\n"


def inline_html(text: str) -> str:
    """Bank text as HTML: escaped, with `backticked` spans as <code>."""
    return INLINE_CODE.sub(r"<code>\1</code>", html.escape(text))


def question_html(question: Question) -> str:
    """One question: its prompt and code, its lettered options, and the answer with its steps folded away."""
    parts = [f'<li class="book-quiz-question" id="quiz-{html.escape(question.id)}">']
    parts.append(f"<p>{inline_html(question.prompt)}</p>")
    if question.code:
        parts.append(f"<pre><code>{html.escape(question.code)}</code></pre>")
    parts.append('<ol type="A" class="book-quiz-options">')
    parts += [f"<li>{inline_html(option)}</li>" for option in question.options]
    parts.append("</ol>")
    parts.append('<details class="book-quiz-answer"><summary>Show the answer</summary>')
    parts.append(
        f"<p>The answer is <strong>{question.correct}</strong>: {inline_html(question.option(question.correct))}</p>"
    )
    parts.append("<ol>" + "".join(f"<li>{inline_html(step)}</li>" for step in question.explanation) + "</ol>")
    parts.append("</details></li>")
    return "\n".join(parts)


def quiz_html(bank: Bank) -> str:
    """A whole quiz as static HTML, for a page without a kernel (the notebook's widget needs one)."""
    return "\n".join(
        [
            f'<section class="book-quiz" aria-label="Quiz: {html.escape(bank.title)}">',
            "<p>Read each question and pick your answer, then open the answer below it. To answer with the "
            "buttons and keep your score, run this notebook (links under its heading).</p>",
            '<ol class="book-quiz-questions">',
            *(question_html(question) for question in bank.questions),
            "</ol></section>",
        ]
    )


def quiz_bank_of(notebook_name: str) -> str | None:
    """The bank whose quiz a notebook shows: its own for a lesson with a quiz, the final test's for 09."""
    if notebook_name == FINAL_TEST_LESSON:
        return FINAL_TEST
    return next((lesson.notebook for lesson in LESSONS if lesson.notebook == notebook_name and lesson.quiz), None)


def shows_quiz(cell: dict, bank: str) -> bool:
    """True for the code cell that shows `bank`'s quiz widget."""
    if cell["cell_type"] != "code":
        return False
    source = "".join(cell["source"])
    if bank == FINAL_TEST:
        return bool(FINAL_TEST_CALL.search(source))
    return any(match["bank"] == bank for match in LESSON_QUIZ_CALL.finditer(source))


def static_outputs(outputs: list[dict]) -> list[dict]:
    """A code cell's outputs without their widget views: the text version of each widget stays, except a
    progress bar's, which would show 0% for a run that finished."""
    kept = []
    for output in outputs:
        data = output.get("data", {})
        if WIDGET_VIEW not in data:
            kept.append(output)
        elif not PROGRESS_BAR_TEXT.match("".join(data.get("text/plain", ""))):
            kept.append({**output, "data": {mime: value for mime, value in data.items() if mime != WIDGET_VIEW}})
    return kept


def book_notebook(notebook: dict, path: str) -> dict:
    """A copy of the stored notebook at `path` as the book shows it: widgets as text (`static_outputs`), and
    its quiz (if it has one) as static HTML in place of the widget. Raises ValueError if the quiz cell is
    not found exactly once (the notebook changed how it shows its quiz: update `shows_quiz`)."""
    page = copy.deepcopy(notebook)
    for cell in page["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = static_outputs(cell["outputs"])
    bank_name = quiz_bank_of(Path(path).stem) if path.startswith("notebooks/") else None
    if bank_name is None:
        return page
    quiz_cells = [cell for cell in page["cells"] if shows_quiz(cell, bank_name)]
    if len(quiz_cells) != 1:
        raise ValueError(
            f"{path}: expected one cell showing the quiz {bank_name!r}, found {len(quiz_cells)}; "
            "update tools/book.py (shows_quiz) to find it"
        )
    bank = load_bank_file(BANK_DIR / f"{bank_name}.json")
    quiz_cells[0]["outputs"] = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"text/html": quiz_html(bank), "text/plain": f"The quiz {bank.title!r}"},
        }
    ]
    return page


def fresh_folder(folder: Path) -> None:
    """Make `folder` empty: a folder this tool made before (it holds MARKER) is deleted first; anything else
    in the way is refused with an error, never deleted."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise FileExistsError(f"{folder} is {file_kind(folder.lstat().st_mode)}, not a book source folder: move it")
    if folder.exists():
        if not (folder / MARKER).is_file():
            raise FileExistsError(
                f"{folder} was not written by tools/book.py (no {MARKER} in it): move it or pick --out"
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("written by tools/book.py; deleted and rewritten on every build\n")


def write_sources(source: Path, root: Path = ROOT) -> list[str]:
    """Write the book's pages into `source` (emptied first); returns the notebook paths written, in order."""
    fresh_folder(source)
    with atomic_write(source / "index.md") as file:
        file.write(index_page())
    written = []
    for _, paths in pages():
        for path in paths:
            if not (root / path).is_file():
                raise FileNotFoundError(
                    f"{root / path} is missing, though the course manifest (course_utils/course.py) lists it: "
                    "write it (for an exercise: make exercises) or remove it from LESSONS"
                )
            notebook = json.loads((root / path).read_text(encoding="utf-8"))
            (source / path).parent.mkdir(exist_ok=True)
            with atomic_write(source / path) as file:
                json.dump(book_notebook(notebook, path), file, ensure_ascii=False, indent=1)
            written.append(path)
    return written


def build(out: Path = DEFAULT_OUT) -> int:
    """Write the sources into `out/source` and build the HTML book into `out/html`, warnings as errors;
    returns Sphinx's exit status (0 when the book built without a warning)."""
    try:
        from sphinx.cmd.build import build_main
    except ImportError:
        raise SystemExit(
            'Sphinx is not installed here: run make book, or pip install -c constraints.txt -e ".[book]"'
        ) from None

    write_sources(out / "source")
    return build_main(
        ["-W", "--keep-going", "-q", "-b", "html", "-c", str(BOOK_DIR), str(out / "source"), str(out / "html")]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the course's static book with Sphinx (see tools/book.py).")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="build folder (default: book/_build)")
    out = parser.parse_args(argv).out.resolve()
    status = build(out)
    if status == 0:
        print(f"The book is in {out / 'html'}: open index.html in a browser, or publish the folder as it is.")
    return status


if __name__ == "__main__":
    sys.exit(main())
