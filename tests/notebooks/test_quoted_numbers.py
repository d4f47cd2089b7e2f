"""Every quoted number is printed: a result a learner reads in prose or in a comment comes from a cell of that notebook.

What is checked. In every notebook of notebooks/ and solutions/, the text of each markdown cell and
the comments of each code cell (`#` to the end of the line, outside strings, found with `tokenize`)
are searched for quoted result numbers:

* decimals: `0.944`, `.95`, `1.0`, and powers of ten `1e-12`, `6.4e-4`;
* percentages: `88%`, `12 %`, `98.7%`;
* ratios: `1.41x`, `3x`, `15.7 x`, `2×`.

Left out, because they are sizes, names or references rather than results:

* plain integers with neither `%` nor `x` (sizes: 1000 sequences, 10 time steps, seeds 0-9);
* products `2 x 100`, `1000 × 10`, `2 x H` (an `x` followed by a number or a one-letter name multiplies);
* runs with two or more dots: versions and dates (`3.11.7`, `2.13.0`, `09.05.2026`), cell numbers `3.2.1`;
* a number right after a word that makes it a version or a reference: `torch 2.13`, `Python 3.11`,
  `version 2.1`, `CC BY 4.0`, `cell 3.2`, `section 4.1`, `lesson 5.2`, `figure 2.1` (see REFERENCE_WORD);
* numbers inside a word or name (`x_1.5`, `v2.1`, `5.1f`, `float32`; a unit may follow: `0.8s`, `1.5MiB`),
  and numbers in link targets, URLs and HTML attributes other than `alt` (a markdown image's alt text is
  prose and is checked);
* ranges written with two dots (`0.93..0.98`) are read as their two ends.

Inline code and fenced code in markdown are read like the rest of the prose: a number there is
usually a setting that also stands in a code cell, or a line the notebook prints, and then it passes.

When a number counts as printed (a sign is ignored: `-1.0` is quoted as 1.0):

1. Outputs. It appears in the notebook's stored outputs: stream text, `text/plain`, `text/html` with
   its tags stripped (an `<img>`'s alt text kept), a figure's alt text (the output's metadata), and
   an error's value and traceback, of the text's own cell, a cell above it, or the cell right after
   it (prose that introduces what the next cell prints); a cell further down does not count, so a
   number cannot pass on a chance match with a later, unrelated result. A quoted number
   with k decimals matches a printed number with at least k decimals that rounds to it (the printed
   value lies within half a unit of the k-th decimal): prose 0.94 is printed by 0.944 or 0.9400 but
   not by 0.9 or 0.95; `6e-4` by `6.4e-04`. Printed numbers with neither a decimal point, `%` nor
   `x` (bare integers) never count: they are everywhere (shapes, counts).
   * a percentage p% matches a printed percentage the same way, or a printed fraction f with at least
     two decimals more than p, whose 100 f rounds to p (88% by 0.88, 0.884 or 88.2%, not by 0.9);
   * a decimal matches a printed percentage as a fraction (0.97 by 97.0%);
   * a ratio r matches any printed number that rounds to it (1.4x by 1.4x, 1.41x or 1.41).
2. Code. It stands in the code of one of the notebook's code cells, outside comments: a float literal
   or a number in a string (a setting or a bound the learner sees, `lr=0.03`, `>= 0.90`), equal in
   value (0.9 and 0.90 are equal; 90% equals 0.90). Integer literals do not count (`range(3)` does
   not make "3x" a setting).
3. ALLOWED. The notebook (or every notebook, `*`) allow-lists it as written in the text, with the
   reason it is not a result: a size of the task, a default of a library, the seed card's figures,
   a general fact. Keep that list short: a trained number or a timing does not go there.

What to do when the test fails: print the number in a cell of the notebook (a cell above the text
that quotes it), quote the value a cell already prints, or drop the number. `python
tests/notebooks/test_quoted_numbers.py` prints the same list for every notebook.
"""

from __future__ import annotations

import html
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tools.notebook_json import cell_source

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))

# Numbers that are neither printed nor set in code and are not results, as written in the text.
# Key: the notebook's path from the repository root, or "*" for every notebook. Each with its reason.
ALLOWED: dict[str, dict[str, str]] = {
    "notebooks/00_start_here.ipynb": {
        "0.90": "the form of a claim line, shown as an example; 0.90 is lesson 05's target, a bound set in its code",
    },
    "notebooks/04_packing_speed.ipynb": {
        "1e-16": "float64's rounding unit (machine epsilon 2.2e-16), a property of the number format",
    },
    "notebooks/08_capstone_word_segmentation.ipynb": {
        "0.0075": "a learning rate the learner is invited to try, a setting and not a result",
        "1.33": "80 / 60, the ratio of the two models' sizes, worked out in the comment itself",
        "1e-6": "names lesson 01's section *Why within 1e-6*, a tolerance and not a result",
    },
    "solutions/01_concept_exercise.ipynb": {
        "1e-5": "the tolerance the exercise's checks allow, a setting of course_utils.checks",
    },
    "solutions/06_why_not_wait_exercise.ipynb": {
        "1e-45": "a fact of float32: about the smallest positive value it holds (subnormal 1.4e-45)",
        "0.03": "the learning rate of lesson 05's recipe that the check trains with, a setting",
    },
    "solutions/07_speaker_id_exercise.ipynb": {
        "0.01": "the learning rate of lesson 07's recipe that the check trains with, a setting",
    },
    "solutions/08_capstone_word_segmentation_exercise.ipynb": {
        "1.00": "a perfect F1, the top of the scale the text explains, not a measurement",
    },
}

# --------------------------------------------------------------------------------------------- finding numbers

# A number: digits with dots (a version when there are two or more), or `.5`; a power of ten; a unit or
# `%` / `x` after it. The checks on what comes before and after are in `numbers_in`.
_NUMBER = re.compile(
    r"(?P<num>\d+(?:\.\d+)*|\.\d+)(?P<exp>[eE][-+]?\d+)?"
    r"(?P<suffix>\s?%|\s?[x×](?![\w(])|)"
)
# Units a number may carry glued to it and still be a number (`0.8s`, `12.5MiB`).
_UNIT = re.compile(r"(?:s|ms|us|µs|ns|min|h|[kMG]i?B|[kMG])(?![\w])")
# A word right before a number that makes it a version or a reference, not a result.
REFERENCE_WORD = re.compile(
    r"(?:\b(?:torch|pytorch|python|numpy|matplotlib|jupyterlab|ipykernel|cuda|cudnn|onednn|mkl|version|versions"
    r"|release|v|cc[ -]by|cell|cells|section|sections|lesson|lessons|chapter|part|question|exercise|exercises"
    r"|figure|fig\.|table|item|items|issue|pep|step|steps)|§)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Number:
    """A number as written: `text` and its kind ("decimal", "percent", "ratio" or "int"), `value` (for a
    percentage, in percent), `exponent`: that of its last digit (-3 for 0.944, -4 for 6e-4, 0 for 88%)."""

    text: str
    kind: str
    value: Decimal
    exponent: int
    start: int
    end: int


def numbers_in(text: str, *, prose: bool = True) -> list[Number]:
    """The numbers in `text`. For `prose`, leave out versions and references (REFERENCE_WORD); numbers inside
    words are left out either way (a letter, digit or dot right before, a letter right after)."""
    text = text.replace("..", "  ")  # 0.93..0.98: two numbers (same length, so positions still hold)
    found = []
    for m in _NUMBER.finditer(text):
        start, end = m.start(), m.end()
        before = text[:start]
        if before and (before[-1].isalnum() or before[-1] in "._"):
            continue
        num, exp, suffix = m["num"], m["exp"] or "", m["suffix"]
        if num.count(".") >= 2:
            continue  # 3.11.7, 2.13.0, 09.05.2026
        if not suffix:
            after = text[end:]
            if after[:1].isalnum() or after[:1] == "_":
                unit = _UNIT.match(after)
                if not unit:
                    continue  # 5.1f, 2D, 3rd
        if prose and REFERENCE_WORD.search(before[-20:]):
            continue
        if suffix.strip() in ("x", "×"):
            if re.match(r"\s*(?:\d|[A-Za-z](?!\w))", text[end:]) or re.search(r"[x×*]\s*$", before):
                continue  # 2 x 100, 1000 × 10, 2 x H: a product
            kind = "ratio"
        elif suffix.strip() == "%":
            kind = "percent"
        elif "." in num or exp:
            kind = "decimal"
        else:
            kind = "int"
        value = Decimal(num + exp)
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        found.append(Number(m[0].strip(), kind, value, exponent, start, end))
    return found


def quoted_numbers(text: str) -> list[Number]:
    """The result numbers a learner reads in `text`: decimals, percentages and ratios, not plain integers."""
    return [n for n in numbers_in(text) if n.kind != "int"]


# --------------------------------------------------------------------------------------------- reading cells


class _Text(HTMLParser):
    """Text of an HTML output: the data between the tags, an image's alt text, no attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.extend(f" {value} " for name, value in attrs if name == "alt" and value)
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(fragment: str) -> str:
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts)


_IMG_ALT = re.compile(r"<img\b[^>]*?\balt\s*=\s*(?:\"([^\"]*)\"|'([^']*)')[^>]*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][^>]*>", re.DOTALL)


def prose_lines(markdown: str) -> list[str]:
    """The lines of a markdown cell as a reader sees them: no link targets, URLs, HTML comments or tags (an
    image's alt text kept)."""
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.DOTALL)
    text = _IMG_ALT.sub(lambda m: f" {m[1] or m[2] or ''} ", text)
    text = _TAG.sub(" ", text)
    text = re.sub(r"(\]\()[^)\s]*(\s+\"[^\"]*\")?\)", r"\1)", text)  # [text](target), ![alt](src "title")
    text = re.sub(r"https?://\S+", " ", text)
    return html.unescape(text).split("\n")


def _tokens(code: str) -> list[tokenize.TokenInfo]:
    # IPython's magics and shell lines are not Python: blank them, keeping the line numbers.
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in code.split("\n")]
    try:
        return list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []


def comment_lines(code: str) -> list[str]:
    """The comments of a code cell, without their `#`; a comment on lines of its own that goes on over the
    next lines is one (a comment after code on each of several lines is one per line)."""
    lines: list[str] = []
    last_row = -2  # the line of the last comment that stood on a line of its own
    for tok in _tokens(code):
        if tok.type == tokenize.COMMENT:
            text = tok.string.lstrip("#").strip()
            alone = tok.line.lstrip().startswith("#")
            if alone and tok.start[0] == last_row + 1 and lines:
                lines[-1] += " " + text
            else:
                lines.append(text)
            last_row = tok.start[0] if alone else -2
    return lines


def code_numbers(code: str) -> list[Number]:
    """The settings a code cell shows: float literals, and the numbers in its strings (not integer literals)."""
    found = []
    for tok in _tokens(code):
        if tok.type == tokenize.NUMBER:
            literal = tok.string.replace("_", "").lower()
            if literal.startswith(("0x", "0o", "0b")) or literal.endswith("j"):
                continue
            for n in numbers_in(literal, prose=False):
                if n.kind != "int":
                    found.append(n)
        elif tok.type == tokenize.STRING:
            found.extend(n for n in numbers_in(tok.string, prose=False) if n.kind != "int")
    return found


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def output_texts(cell: dict) -> list[str]:
    """What a code cell printed: stream text, text/plain, text/html without tags, figure alt texts, errors."""
    texts = []
    for out in cell.get("outputs", []):
        kind = out["output_type"]
        if kind == "stream":
            texts.append("".join(out["text"]))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if "text/plain" in data:
                texts.append("".join(data["text/plain"]))
            if "text/html" in data:
                texts.append(html_text("".join(data["text/html"])))
            for meta in out.get("metadata", {}).values():
                if isinstance(meta, dict) and meta.get("alt"):
                    texts.append(meta["alt"])
        elif kind == "error":
            texts.append(_ANSI.sub("", "\n".join([out.get("evalue", ""), *out.get("traceback", [])])))
    return texts


# --------------------------------------------------------------------------------------------- matching


def _rounds_to(printed: Decimal, printed_exponent: int, quoted: Number) -> bool:
    """`printed` (with its last digit at 10**printed_exponent) rounds to the quoted number."""
    return printed_exponent <= quoted.exponent and abs(abs(printed) - abs(quoted.value)) <= Decimal(5).scaleb(
        quoted.exponent - 1
    )


def is_printed(quoted: Number, printed: list[Number]) -> bool:
    """The quoted number is a printed one, or that one rounded (rules in the module's docstring)."""
    for p in printed:
        if p.kind == "int":
            continue
        if quoted.kind == "percent" and p.kind != "percent":
            # a fraction (0.88 for 88%), or a number of percent printed without its sign (88.2)
            readings = [(p.value.scaleb(2), p.exponent + 2)] + ([(p.value, p.exponent)] if p.value >= 1 else [])
        elif quoted.kind != "percent" and p.kind == "percent":
            readings = [(p.value.scaleb(-2), p.exponent - 2), (p.value, p.exponent)]  # 97.0% for 0.97
        else:
            readings = [(p.value, p.exponent)]
        if any(_rounds_to(value, exponent, quoted) for value, exponent in readings):
            return True
    return False


def is_set_in_code(quoted: Number, settings: list[Number]) -> bool:
    """The quoted number equals a float literal or a number in a string of the notebook's code."""
    for s in settings:
        value = s.value.scaleb(-2) if s.kind == "percent" else s.value
        wanted = quoted.value.scaleb(-2) if quoted.kind == "percent" else quoted.value
        if abs(value) == abs(wanted):
            return True
    return False


@dataclass(frozen=True)
class Unprinted:
    cell: int  # the position in the notebook's `cells`, from 0
    cell_type: str  # "markdown" or "code" (a comment)
    number: str  # as written
    line: str  # the sentence or comment around it


def _around(line: str, number: Number, width: int = 160) -> str:
    """The sentence of `line` that holds the number, shortened to about `width` characters."""
    starts = [0] + [m.end() for m in re.finditer(r"[.!?;]\s+(?=[A-Z*(`\"-])", line) if m.end() <= number.start]
    ends = [m.start() + 1 for m in re.finditer(r"[.!?;](\s|$)", line) if m.start() >= number.end]
    start, end = starts[-1], (ends[0] if ends else len(line))
    if end - start > width:
        start = max(start, number.start - width // 2)
        end = min(end, number.end + width // 2)
    sentence = line[start:end].strip()
    return ("..." if start > 0 and sentence[:1].islower() else "") + sentence


def quoted_text(notebook: dict) -> str:
    """All the text the test reads in `notebook`: its markdown and its code cells' comments, one line each."""
    lines = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            lines += prose_lines(cell_source(cell))
        elif cell["cell_type"] == "code":
            lines += comment_lines(cell_source(cell))
    return "\n".join(lines)


def unprinted_numbers(notebook: dict, name: str) -> list[Unprinted]:
    """Every quoted result number of `notebook` that it neither prints, nor sets in code, nor allow-lists.
    `name`: the notebook's path from the repository root, as ALLOWED names it."""
    allowed = {**ALLOWED.get("*", {}), **ALLOWED.get(name, {})}
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    printed_by = [
        [n for text in output_texts(c) for n in numbers_in(text, prose=False)] if c["cell_type"] == "code" else []
        for c in notebook["cells"]
    ]
    settings = [n for c in code_cells for n in code_numbers(cell_source(c))]
    found = []
    for index, cell in enumerate(notebook["cells"]):
        # printed by the text's own cell, a cell above it, or the next one (prose that introduces a line below)
        printed = [n for numbers in printed_by[: index + 2] for n in numbers]
        if cell["cell_type"] == "markdown":
            lines = prose_lines(cell_source(cell))
        elif cell["cell_type"] == "code":
            lines = comment_lines(cell_source(cell))
        else:
            continue
        for line in lines:
            for quoted in quoted_numbers(line):
                if quoted.text in allowed:
                    continue
                if is_printed(quoted, printed) or is_set_in_code(quoted, settings):
                    continue
                found.append(Unprinted(index, cell["cell_type"], quoted.text, _around(line, quoted)))
    return found


def report(name: str, found: list[Unprinted]) -> str:
    lines = [f"{name}: {len(found)} quoted number(s) that no cell prints"]
    for f in found:
        where = "markdown" if f.cell_type == "markdown" else "code comment"
        lines.append(f"  cell {f.cell} ({where}): {f.number!r} in: {f.line}")
    return "\n".join(lines)


HOW_TO_FIX = (
    "A number the learner reads must be printed by a cell of the same notebook. For each: print it in a cell "
    "above the text, quote the value a cell already prints (rounded is fine: 0.94 for a printed 0.944), or drop "
    "it. A number that is not a result (a size of the task, a library default, the seed card's figures) goes in "
    "ALLOWED in tests/notebooks/test_quoted_numbers.py, with its reason."
)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --------------------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("path", NOTEBOOKS, ids=relative)
def test_every_quoted_number_is_printed(path):
    name = relative(path)
    found = unprinted_numbers(json.loads(path.read_text()), name)
    assert not found, report(name, found) + "\n\n" + HOW_TO_FIX


def test_allow_list_names_numbers_the_notebooks_still_quote_and_gives_reasons():
    texts = {relative(p): quoted_text(json.loads(p.read_text())) for p in NOTEBOOKS}
    for name, entries in ALLOWED.items():
        assert name in texts or name == "*", f"ALLOWED names {name}, not a notebook of notebooks/ or solutions/"
        for number, reason in entries.items():
            where = f"ALLOWED[{name!r}][{number!r}]"
            assert [n.text for n in quoted_numbers(number)] == [number], f"{where} is not one quoted number"
            assert len(reason.split()) >= 4, f"{where}: say why it is not a result"
            quoted = {
                n.text for text in (texts.values() if name == "*" else [texts[name]]) for n in quoted_numbers(text)
            }
            assert number in quoted, f"{where}: no longer quoted there, remove the entry"


def test_the_detector_reports_a_made_up_number_and_not_a_printed_one():
    name = "notebooks/05_training.ipynb"
    notebook = json.loads((ROOT / name).read_text())
    printed = [
        n
        for c in notebook["cells"]
        if c["cell_type"] == "code"
        for t in output_texts(c)
        for n in numbers_in(t, prose=False)
    ]
    precise = [n for n in printed if n.kind == "decimal" and n.exponent <= -3 and Decimal("0.01") <= n.value < 100]
    assert precise, f"{name} prints no decimal with 3 or more digits: pick another notebook for this test"
    shown = precise[0].text
    rounded = str(precise[0].value.quantize(Decimal("0.01")))
    made_up = ["0.8123", "12.34%", "3.71x"]
    for number in made_up:
        assert not is_printed(numbers_in(number)[0], printed), f"{name} prints {number}: pick another made-up number"

    notebook["cells"] += [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": [
                f"The tagger reaches accuracy {made_up[0]} here, {made_up[1]} better, a {made_up[2]} speed-up.\n",
                f"It prints {shown} (about {rounded}) with a learning rate of 0.0421;\n",
                "see cell 3.2, torch 2.13.0, Python 3.11 and 1000 x 10 steps.",
            ],
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": f"lr = 0.0421\ns = '# 0.5' + 'a'  # reaches {made_up[0]} too\n",
        },
    ]
    markdown, code = len(notebook["cells"]) - 2, len(notebook["cells"]) - 1
    found = unprinted_numbers(notebook, name)
    reported = {(f.cell, f.cell_type, f.number) for f in found}
    assert {(markdown, "markdown", n) for n in made_up} | {(code, "code", made_up[0])} <= reported
    for number in (shown, rounded, "0.0421", "3.2", "2.13", "2.13.0", "3.11", "1000 x", "0.5"):
        assert (markdown, "markdown", number) not in reported, f"{number} is printed, set in code or no result"
        assert (code, "code", number) not in reported, f"{number} is in a string, not a comment"
    message = report(name, found)
    assert f"cell {markdown} (markdown): '{made_up[0]}' in: The tagger reaches accuracy {made_up[0]} here" in message
    assert f"cell {code} (code comment): '{made_up[0]}' in: reaches {made_up[0]} too" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("accuracy 0.944, .95 and 1e-12 or 6.4e-4", ["0.944", ".95", "1e-12", "6.4e-4"]),
        ("88% and 12 % and 98.7%", ["88%", "12 %", "98.7%"]),
        ("1.41x faster, 3x, 15.7 x as long, 2× the parameters", ["1.41x", "3x", "15.7 x", "2×"]),
        ("torch 2.13, Python 3.11.7, CC BY 4.0, cell 3.2, 2026.05.09, 1000 x 10, 2 × 40", []),
        ("x_1.5, v2.1, {v:5.1f}, float32, 1000 sequences, seeds 0-9", []),
        ("between 0.93..0.98 here", ["0.93", "0.98"]),
        ("![curve 0.25](img_0.5.png) [see](https://example.org/v1.5)", ["0.25"]),
    ],
)
def test_which_numbers_count_as_quoted(text, expected):
    assert [n.text for n in quoted_numbers(prose_lines(text)[0])] == expected


@pytest.mark.parametrize(
    ("quoted", "printed", "expected"),
    [
        ("0.94", "acc 0.944", True),
        ("0.94", "acc 0.9400", True),
        ("0.94", "acc 0.9", False),
        ("0.94", "acc 0.95", False),
        ("0.97", "97.0% correct", True),
        ("88%", "recall 0.88", True),
        ("88%", "recall 0.884", True),
        ("88%", "recall 88.2%", True),
        ("88%", "recall 0.9", False),
        ("88%", "88 of 100", False),
        ("1.4x", "1.41x", True),
        ("1.4x", "ratio 1.41", True),
        ("3x", "3 layers", False),
        ("6e-4", "up to 6.4e-04 apart", True),
        ("-1.0", "mean 1.04", True),
    ],
)
def test_when_a_number_counts_as_printed(quoted, printed, expected):
    assert is_printed(numbers_in(quoted)[0], numbers_in(printed, prose=False)) is expected


def test_a_setting_in_code_counts_and_an_integer_does_not():
    settings = code_numbers("train(lr=3e-2, epochs=3)\nclaim_at_least('acc >= 0.90', acc, 0.9)  # 0.77 here")
    assert is_set_in_code(numbers_in("0.03")[0], settings)
    assert is_set_in_code(numbers_in("90%")[0], settings)
    assert not is_set_in_code(numbers_in("3x")[0], settings)
    assert not is_set_in_code(numbers_in("0.77")[0], settings)
    assert comment_lines("s = '# 0.5 not a comment'  # 0.77 here\n%timeit f()") == ["0.77 here"]
    code = "# one comment\n# over two lines\na = 1  # a comment\nb = 2  # and another\n"
    assert comment_lines(code) == ["one comment over two lines", "a comment", "and another"]


if __name__ == "__main__":
    # The full list, for whoever edits the notebooks: `python tests/notebooks/test_quoted_numbers.py`.
    total = 0
    for path in NOTEBOOKS:
        found = unprinted_numbers(json.loads(path.read_text()), relative(path))
        total += len(found)
        print(report(relative(path), found), end="\n\n")
    print(f"{total} quoted number(s) that no cell prints\n\n{HOW_TO_FIX}")
    sys.exit(1 if total else 0)
