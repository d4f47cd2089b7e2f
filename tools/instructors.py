"""Write the generated parts of the instructor's guide, `INSTRUCTORS.md`, from the course's own sources.

    python -m tools.instructors            rewrite the generated parts
    python -m tools.instructors --check    only name the stale parts (exit status 1)

The guide is hand-written except for the parts between two marker comments:

    <!-- generated: misconceptions: written by python -m tools.instructors, do not edit -->
    ...
    <!-- end generated -->

Each part is rebuilt from what the course already states once, and nothing else in the file changes:

* `lesson-table`: per lesson (course order, `course_utils.course.LESSONS`), the time its notebook takes to
  run top to bottom on a 2-core machine and its peak memory, read from the README's "Time and memory per
  notebook" table (printed by `python -m tools.notebook_resources`, parsed here, never measured again),
  the learner's time (`Lesson.minutes`) and a class time: the learner's time plus DISCUSSION_MINUTES.
* `misconceptions`: per lesson quiz, each question's prompt and the misconception of each wrong option,
  from the banks (`course_utils.quiz.registry.BANKS`).
* `final-test`: the topics the final test asks about and how many questions each gets.
* `slips`: per exercise task, the slips its check names (`slip_messages`, read from the check modules).

NOTE [ how the slips are found ]: `slip_messages` reads the check modules' source with `ast`, without running
a check, and takes the sentences a check names a slip with, in the forms the checks use
(`course_utils.checks.comparators`):

* by its result: a `Mistake` pair `(the wrong result or a test on it, the sentence)`, handed to `expect_close`
  or compared by the check itself: every pair whose first item is not a constant and whose second item is a
  sentence (MIN_SLIP_WORDS words or more);
* by the error it raises: what a function handed to `explaining_errors` returns (a lambda, a function or
  method by name, a `functools.partial`, and the explainers those call);
* the explanation handed to `with_explanation(message, explanation)`, directly or through a local name;
* what a function whose docstring speaks of slips or mistakes returns, and the sentence keys of the dicts it
  builds ({sentence: the result of that slip}).

A sentence is a string, an f-string, a sum of them or a module constant holding one; an f-string shows a
placeholder as `{name}`, or as `…` when it holds more than a name. A sentence belongs to the task whose check
function (the one that calls `run_check("<task>", ...)`) reaches the code it sits in through the names that
code uses in its own module (a package's modules count as one), so a helper two checks share lists its slips
under both. A plain `raise Mismatch(...)` is how a check says what failed; it is not listed as a slip.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path

from course_utils.course import FINAL_TEST_LESSON, LESSONS, Lesson, lesson
from course_utils.files import atomic_write, reading
from course_utils.quiz.bank import FINAL_TEST
from course_utils.quiz.registry import BANKS
from course_utils.quiz.session import final_test
from course_utils.quiz.values import Bank

# tools/ sits at the top of the repository (tools are never installed).
ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "INSTRUCTORS.md"
README = ROOT / "README.md"
CHECKS = ROOT / "course_utils" / "checks"
RESOURCES_HEADING = "### Time and memory per notebook"
# A class spends this long beyond the learner's own time: a short live demo and going over the quiz together.
DISCUSSION_MINUTES = 10
OPENING = re.compile(r"^<!-- generated: (?P<name>[a-z-]+)\b[^\n]*-->\n", re.MULTILINE)
CLOSING = "<!-- end generated -->"
MIN_SLIP_WORDS = 4  # a pair's second item shorter than this is a label ("sequence", "unit"), not a sentence
FIX = "run `python -m tools.instructors` from the repository root"


class GuideError(ValueError):
    """The guide or a source it is built from cannot be used as it is; the message says what to do."""


# ---- the lesson table, from the README's measured table ------------------------------------------------


@dataclass(frozen=True)
class NotebookResources:
    """One row of the README's "Time and memory per notebook" table."""

    total_s: str
    peak_mb: str


def notebook_resources(readme_text: str) -> dict[str, NotebookResources]:
    """{notebook: its measured run time and peak memory}, parsed from the README's table under RESOURCES_HEADING."""
    _, found, after = readme_text.partition(RESOURCES_HEADING)
    table = [line for line in after.split("\n## ")[0].splitlines() if line.startswith("|")]
    if not found or len(table) < 3:
        raise GuideError(
            f"README.md has no table under {RESOURCES_HEADING!r}: print it with `python -m tools.notebook_resources` "
            "and put it back under that heading"
        )
    header = _cells(table[0])
    try:
        total, peak = header.index("total (s)"), header.index("peak memory (MB)")
    except ValueError:
        raise GuideError(
            f"the README's table under {RESOURCES_HEADING!r} has the columns {header}; the guide reads "
            "'total (s)' and 'peak memory (MB)': print the table again with `python -m tools.notebook_resources`"
        ) from None
    rows = [_cells(line) for line in table[2:]]
    return {row[0]: NotebookResources(row[total], row[peak]) for row in rows if len(row) == len(header)}


def _cells(line: str) -> list[str]:
    """The cells of one Markdown table row, stripped."""
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def class_minutes(entry: Lesson) -> int:
    """The suggested class time of a lesson: the learner's time plus DISCUSSION_MINUTES."""
    return entry.minutes + DISCUSSION_MINUTES


def lesson_table(resources: dict[str, NotebookResources]) -> str:
    """The `lesson-table` part: one row per lesson, in course order."""
    missing = [entry.notebook for entry in LESSONS if entry.notebook not in resources]
    if missing:
        raise GuideError(
            f"the README's table under {RESOURCES_HEADING!r} has no row for {', '.join(missing)}: measure it with "
            "`python -m tools.notebook_resources` and update that table"
        )
    lines = [
        'Run time and memory: the README\'s measurements (section "Time and memory per notebook", made with',
        "`python -m tools.notebook_resources` on a 2-core machine without a GPU), read from the README, not",
        "measured again. Class time: the learner's time plus "
        f"{DISCUSSION_MINUTES} minutes for a live demo and the quiz discussion.",
        "",
        "| lesson | notebook | run time, 2 cores (s) | peak memory (MB) | learner time (min) | class time (min) |",
        "|---|---|---|---|---|---|",
    ]
    for entry in LESSONS:
        measured = resources[entry.notebook]
        lines.append(
            f"| {entry.label} · {entry.title} | `{entry.notebook}` | {measured.total_s} | {measured.peak_mb} | "
            f"{entry.minutes} | {class_minutes(entry)} |"
        )
    return "\n".join(lines)


# ---- the quizzes' misconceptions and the final test's topics ------------------------------------------


def markdown_text(text: str) -> str:
    """`text` as Markdown shows it literally: one line, asterisks outside `code` escaped (2*10 stays a product)."""
    pieces = " ".join(text.split()).split("`")  # the odd pieces are inside code spans
    escaped = (piece if inside else piece.replace("*", r"\*") for piece, inside in zip(pieces, cycle((False, True))))
    return "`".join(escaped)


def misconceptions(banks: dict[str, Bank]) -> str:
    """The `misconceptions` part: per lesson quiz, then for the final test, each question's topic and prompt and
    the misconception of each wrong option."""
    lines: list[str] = []
    for entry in LESSONS:
        if entry.quiz:
            lines += ["", f"### {entry.label} · {entry.title}", "", *_question_lines(banks[entry.notebook])]
    final = lesson(FINAL_TEST_LESSON)
    lines += [
        "",
        f"### {final.label} · {final.title} (the final test's own bank)",
        "",
        *_question_lines(banks[FINAL_TEST]),
    ]
    return "\n".join(lines[1:])


def _question_lines(bank: Bank) -> list[str]:
    """One bullet per question of `bank` (its topic, and its lesson when that is not the bank's own), with one
    sub-bullet per wrong option's misconception."""
    lines = []
    for question in bank.questions:
        where = "" if question.notebook == bank.name else f" (`{question.notebook}`)"
        lines.append(f"- **{markdown_text(question.topic)}**{where}: {markdown_text(question.prompt)}")
        wrong = sorted(question.misconceptions)
        lines += [f"  - {markdown_text(question.misconceptions[letter])}" for letter in wrong]
    return lines


def final_test_topics(banks: dict[str, Bank]) -> str:
    """The `final-test` part: per lesson, the final test's topics and how many questions each gets."""
    questions = banks[FINAL_TEST].questions
    drawn = inspect.signature(final_test).parameters["n"].default
    lines = [
        f"The final test's bank holds {len(questions)} questions; `final_test()` in `{FINAL_TEST_LESSON}` draws "
        f"{drawn} of them, spread over the levels and the lessons (`final_test(seed=1)` draws another set).",
        "",
        "| lesson | topic | questions | levels |",
        "|---|---|---|---|",
    ]
    for entry in LESSONS:
        asked = [question for question in questions if question.notebook == entry.notebook]
        for topic in dict.fromkeys(question.topic for question in asked):
            levels = [question.difficulty for question in asked if question.topic == topic]
            lines.append(
                f"| {entry.label} · {entry.title} | {markdown_text(topic)} | {len(levels)} | "
                f"{', '.join(dict.fromkeys(levels))} |"
            )
    return "\n".join(lines)


# ---- the slips each exercise check names: see NOTE [ how the slips are found ] ------------------------


@dataclass(frozen=True)
class Slip:
    """A slip a check names: by its wrong result ("result") or by the error it raises ("error")."""

    message: str
    by: str


def check_units(checks: Path = CHECKS) -> list[list[tuple[str, str]]]:
    """The check modules' sources as units of (file name, source): one per `lessonNN*.py`, one per package."""
    units = []
    for path in sorted(checks.glob("lesson*")):
        files = sorted(path.glob("*.py")) if path.is_dir() else [path] if path.suffix == ".py" else []
        if files:
            units.append([(str(file.relative_to(checks.parent.parent)), file.read_text("utf-8")) for file in files])
    return units


def slip_messages(units: Iterable[list[tuple[str, str]]]) -> dict[str, list[Slip]]:
    """{task: the slips its check names, in source order}, from the check modules' sources (see the NOTE)."""
    found: dict[str, list[Slip]] = {}
    for unit in units:
        found.update(_Unit(unit).slips_by_task())
    return found


class _Unit:
    """The check modules of one lesson read as one namespace: their top-level definitions and string constants."""

    def __init__(self, sources: list[tuple[str, str]]):
        trees = [ast.parse(source, filename=name) for name, source in sources]
        self.top: dict[str, list[ast.AST]] = {}  # top-level def, class or assignment, by the name it binds
        self.functions: dict[str, list[ast.FunctionDef]] = {}  # every function and method, nested ones too
        self.constants: dict[str, str] = {}
        for tree in trees:
            for statement in tree.body:
                for name in _bound_names(statement):
                    self.top.setdefault(name, []).append(statement)
                if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                    target, text = statement.targets[0], self.text(statement.value)
                    if isinstance(target, ast.Name) and text is not None:
                        self.constants[target.id] = text
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef):
                    self.functions.setdefault(node.name, []).append(node)

    def text(self, node: ast.AST) -> str | None:
        """The text an expression always gives, placeholders as `{name}` or `…`; None when it is not text."""
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            parts = [self.text(part) for part in node.values]
            return None if None in parts else "".join(part or "" for part in parts)
        if isinstance(node, ast.FormattedValue):  # a plain name reads well as a placeholder; an expression does not
            simple = isinstance(node.value, (ast.Name, ast.Attribute))
            return "{" + ast.unparse(node.value) + "}" if simple else "…"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.text(node.left), self.text(node.right)
            return None if left is None or right is None else left + right
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        return None

    def slips_by_task(self) -> dict[str, list[Slip]]:
        """{task: its slips}, for each check function of the unit."""
        tasks = {}
        for statements in self.top.values():
            for statement in statements:
                task = _task_of(statement)
                if task is not None:
                    tasks[task] = self._slips_in(self._reached(statement))
        return tasks

    def _reached(self, start: ast.AST) -> list[ast.AST]:
        """`start` and every top-level definition it uses, directly or through others, in source order."""
        seen, pending = [start], [start]
        while pending:
            for node in ast.walk(pending.pop()):
                name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
                for definition in self.top.get(name, []):
                    if all(definition is not other for other in seen):
                        seen.append(definition)
                        pending.append(definition)
        return sorted(seen, key=lambda node: (getattr(node, "lineno", 0), id(node)))

    def _slips_in(self, definitions: list[ast.AST]) -> list[Slip]:
        slips: dict[str, Slip] = {}
        for definition in definitions:
            for node in ast.walk(definition):
                for slip in self._named_by(node, definition):
                    slips.setdefault(slip.message, slip)
        return list(slips.values())

    def _named_by(self, node: ast.AST, definition: ast.AST) -> Iterator[Slip]:
        """The slips one node of `definition` names, in the four forms of NOTE [ how the slips are found ]."""
        if isinstance(node, ast.Tuple) and len(node.elts) == 2 and not isinstance(node.elts[0], ast.Constant):
            message = self.text(node.elts[1])
            if message is not None and len(message.split()) >= MIN_SLIP_WORDS:
                yield Slip(message, "result")
        if isinstance(node, ast.FunctionDef) and re.search(r"slip|mistake", ast.get_docstring(node) or "", re.I):
            yield from (Slip(message, "result") for message in self._slip_function_texts(node))
        if not isinstance(node, ast.Call) or not node.args:
            return
        if _called_name(node.func) == "explaining_errors":
            yield from (Slip(message, "error") for message in self._explanations(node.args[0], set()))
        elif _called_name(node.func) == "with_explanation" and len(node.args) == 2:
            explanation = node.args[1]
            values = _assigned(definition, explanation.id) if isinstance(explanation, ast.Name) else [explanation]
            for value in values:
                yield from (Slip(message, "result") for message in self._returned(value, set()))

    def _slip_function_texts(self, function: ast.FunctionDef) -> Iterator[str]:
        """The sentences of a function whose docstring speaks of slips or mistakes: what it returns, and the
        keys of the dicts it builds ({sentence: the result of that slip})."""
        for node in ast.walk(function):
            if isinstance(node, ast.Return) and node.value is not None:
                yield from self._returned(node.value, set())
            elif isinstance(node, (ast.Dict, ast.DictComp)):
                keys = node.keys if isinstance(node, ast.Dict) else [node.key]
                texts = (self.text(key) for key in keys if key is not None)
                yield from (text for text in texts if text and len(text.split()) >= MIN_SLIP_WORDS)
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                text = self.text(node.slice)
                if text and len(text.split()) >= MIN_SLIP_WORDS:
                    yield text

    def _explanations(self, explainer: ast.AST, visited: set[int]) -> Iterator[str]:
        """The sentences an error explainer can return (a lambda, a function or method by name, a partial)."""
        if isinstance(explainer, ast.Lambda):
            yield from self._returned(explainer.body, visited)
        elif isinstance(explainer, ast.Call) and _called_name(explainer.func) == "partial" and explainer.args:
            yield from self._explanations(explainer.args[0], visited)
        else:
            for function in self.functions.get(_called_name(explainer), []):
                if id(function) not in visited:
                    visited.add(id(function))
                    for node in ast.walk(function):
                        if isinstance(node, ast.Return) and node.value is not None:
                            yield from self._returned(node.value, visited)

    def _returned(self, value: ast.AST, visited: set[int]) -> Iterator[str]:
        """The non-empty sentences a returned expression gives: text, either branch of `a if c else b`,
        either side of `a or b`, or what a called explainer returns."""
        text = self.text(value)
        if text:
            yield text
        elif isinstance(value, ast.IfExp):
            yield from self._returned(value.body, visited)
            yield from self._returned(value.orelse, visited)
        elif isinstance(value, ast.BoolOp):
            for operand in value.values:
                yield from self._returned(operand, visited)
        elif isinstance(value, ast.Call):
            yield from self._explanations(value.func, visited)


def _bound_names(statement: ast.stmt) -> list[str]:
    """The names a top-level statement binds: a function's or class's name, or an assignment's targets."""
    if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return [node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)]
    return []


def _assigned(definition: ast.AST, name: str) -> list[ast.expr]:
    """The values `definition` assigns to the local `name` (`why = ...`)."""
    return [
        node.value
        for node in ast.walk(definition)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    ]


def _called_name(node: ast.AST) -> str:
    """The last name of a callee: `explaining_errors` for it, `partial` for `functools.partial`, "" otherwise."""
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _task_of(statement: ast.AST) -> str | None:
    """The task a top-level check function reports (`run_check("<task>", ...)` inside it), or None."""
    if not isinstance(statement, ast.FunctionDef):
        return None
    for node in ast.walk(statement):
        if isinstance(node, ast.Call) and _called_name(node.func) == "run_check" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value
    return None


def slips_part(slips: dict[str, list[Slip]]) -> str:
    """The `slips` part: per lesson with an exercise, per task in the exercise's order, the slips its check names."""
    missing = [task for entry in LESSONS if entry.exercise for task in entry.exercise.tasks if task not in slips]
    if missing:
        raise GuideError(
            f"no check in course_utils/checks calls run_check with the task {', '.join(map(repr, missing))}: "
            "a task of course_utils/course.py has lost its check, or the check names it differently"
        )
    lines: list[str] = []
    for entry in LESSONS:
        if entry.exercise is None:
            continue
        lines += ["", f"### {entry.label} · {entry.title} (`exercises/{entry.exercise.notebook}.ipynb`)"]
        for task in entry.exercise.tasks:
            lines += ["", f"`{task}`:", ""]
            named = slips[task]
            lines += [f"- *{slip.by}*: {markdown_text(slip.message)}" for slip in named] or ["- (names no slip)"]
    return "\n".join(lines[1:])


# ---- the guide's parts, rewritten or checked ------------------------------------------------------------


def generated_parts(readme_text: str, checks: Path = CHECKS) -> dict[str, str]:
    """{part name: its text}, every generated part of the guide built from the course's sources."""
    return {
        "lesson-table": lesson_table(notebook_resources(readme_text)),
        "misconceptions": misconceptions(BANKS),
        "final-test": final_test_topics(BANKS),
        "slips": slips_part(slip_messages(check_units(checks))),
    }


def replace_parts(guide_text: str, parts: dict[str, str]) -> tuple[str, list[str]]:
    """`guide_text` with each marked part replaced by `parts`, and the names of those that changed.

    Raises GuideError for a part the guide has no markers for, a marker of a part this tool does not know,
    an opening marker without its closing one, and a part marked twice.
    """
    pieces, changed, seen, position = [], [], [], 0
    for opening in OPENING.finditer(guide_text):
        name = opening.group("name")
        if opening.start() < position:
            raise GuideError(f"INSTRUCTORS.md: the marker of part {name!r} sits inside another generated part")
        end = guide_text.find(CLOSING, opening.end())
        if name not in parts or name in seen or end < 0:
            problem = "is unknown" if name not in parts else "is marked twice" if name in seen else "is never closed"
            raise GuideError(
                f"INSTRUCTORS.md: the generated part {name!r} {problem}; the parts are {', '.join(parts)}, "
                f"each once, between '<!-- generated: NAME -->' and '{CLOSING}' lines"
            )
        seen.append(name)
        body = parts[name] + "\n"
        if guide_text[opening.end() : end] != body:
            changed.append(name)
        pieces += [guide_text[position : opening.end()], body]
        position = end
    absent = [name for name in parts if name not in seen]
    if absent:
        raise GuideError(
            f"INSTRUCTORS.md has no place for the generated part(s) {', '.join(absent)}: add the lines "
            f"'<!-- generated: NAME -->' and '{CLOSING}' where each belongs"
        )
    return "".join(pieces) + guide_text[position:], changed


def _read(path: Path, what: str) -> str:
    with reading(path, what, "restore it with `git checkout -- " + path.name + "`"):
        return path.read_text("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only name the stale generated parts (exit status 1)")
    args = parser.parse_args(argv)
    try:
        guide_text = _read(GUIDE, "instructor's guide")
        new_text, changed = replace_parts(guide_text, generated_parts(_read(README, "README")))
        if args.check:
            for name in changed:
                print(f"stale: INSTRUCTORS.md, generated part {name!r} ({FIX})")
            return 1 if changed else 0
        if changed:
            with atomic_write(GUIDE) as file:
                file.write(new_text)
        print(f"INSTRUCTORS.md: rewrote {', '.join(changed)}" if changed else "INSTRUCTORS.md is up to date")
        return 0
    except (ValueError, OSError) as error:  # GuideError, DamagedFileError, a file that cannot be read or written
        print(f"error: {error}; INSTRUCTORS.md was left as it was", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
