"""The question bank of the course's quizzes: loading and validating the bank files into `Question`s.

The bank is package data: `course_utils/quiz/banks/<notebook id>.json`, one file per
notebook, plus `final_test.json`. A file looks like

    {"title": "Shapes: output, h_n and parameters",
     "questions": [{"id": "02-output-shape", "topic": "output shape",
                    "difficulty": "easy", "prompt": "...", "code": "...",
                    "options": ["(4, 7, 3)", "(4, 7, 6)", ...], "correct": "B",
                    "explanation": ["step 1", "step 2"], "hint": "...",
                    "misconceptions": {"A": "...", "C": "...", "D": "..."},
                    "verify": "...", "expect": "..."}]}

`code`, `verify` and `expect` are optional; `code` and `verify` may be a
string or a list of lines. In `final_test.json` every question also names the
`notebook` to revisit; elsewhere it is the file's own notebook. `verify` is
Python that sets `result` to the correct option's text (or to `expect`, a
piece of text found in the correct option only); the unit tests run it with
torch to prove the stored answer. Options are lettered A, B, C, ... in the
order stored. Every problem in a file raises `BankError` naming
the file, the question id and the field. The values it builds (`Question`,
`Bank`) are `course_utils.quiz.values`; the banks loaded once for the whole
course are `course_utils.quiz.registry`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from ..course import quiz_notebooks
from .values import LETTERS, Bank, Question

BANK_DIR = Path(__file__).with_name("banks")
# One bank per lesson with a quiz, named after its notebook ("02_shapes.json"), in course order:
# the course manifest (course_utils.course) says which lessons have one.
NOTEBOOK_BANKS = quiz_notebooks()
FINAL_TEST = "final_test"
DIFFICULTIES = ("easy", "medium", "hard")
MIN_OPTIONS = 2

_REQUIRED_TEXT = ("id", "topic", "difficulty", "prompt", "hint", "correct")
_OPTIONAL_TEXT = ("code", "verify", "expect", "notebook")
_MULTILINE = ("code", "verify")  # may be stored as a list of lines, for readable JSON
_KNOWN_FIELDS = set(_REQUIRED_TEXT + _OPTIONAL_TEXT) | {"options", "explanation", "misconceptions"}

Fail = Callable[[str, str], NoReturn]  # fail(field, problem) raises a BankError naming the question


class BankError(ValueError):
    """A bank file that cannot be used; the message names the file, question id and field."""


def load_banks(directory: Path | str = BANK_DIR) -> dict[str, Bank]:
    """Load and validate every bank file; returns {bank name: Bank} in course order.

    Raises BankError for a missing or malformed file, or an id used twice anywhere.
    """
    directory = Path(directory)
    banks = {name: load_bank_file(directory / f"{name}.json") for name in NOTEBOOK_BANKS + (FINAL_TEST,)}
    seen: dict[str, str] = {}
    for bank in banks.values():
        for question in bank.questions:
            if question.id in seen:
                raise BankError(
                    f"{bank.name}.json, question {question.id!r}, field 'id': the id is already used in "
                    f"{seen[question.id]}.json; every id must be unique across the bank"
                )
            seen[question.id] = bank.name
    return banks


def load_bank_file(path: Path | str) -> Bank:
    """Load one bank file and validate each question; raises BankError naming file, id and field."""
    path = Path(path)
    if not path.is_file():
        raise BankError(f"{path.name}: bank file not found at {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise BankError(f"{path.name}: not valid JSON ({error})") from None
    except UnicodeDecodeError as error:
        raise BankError(
            f"{path.name}: not UTF-8 text (byte {error.start}), so not a bank file; save it as UTF-8"
        ) from None
    name = path.stem
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("title"), str)
        or not isinstance(data.get("questions"), list)
    ):
        raise BankError(f"{path.name}: expected an object with a 'title' string and a 'questions' list")
    if not data["questions"]:
        raise BankError(f"{path.name}, field 'questions': the list is empty")
    questions = [_parse_question(item, name, position) for position, item in enumerate(data["questions"])]
    ids = [q.id for q in questions]
    for question_id in ids:
        if ids.count(question_id) > 1:
            raise BankError(f"{path.name}, question {question_id!r}, field 'id': the id appears twice in the file")
    return Bank(name=name, title=data["title"], questions=tuple(questions))


def _parse_question(item, bank_name: str, position: int) -> Question:
    """Build a Question from one JSON object, checking every field."""
    where = f"{bank_name}.json, question #{position + 1}"
    if not isinstance(item, dict):
        raise BankError(f"{where}: expected an object, got {type(item).__name__}")
    if isinstance(item.get("id"), str) and item["id"].strip():
        where = f"{bank_name}.json, question {item['id']!r}"

    def fail(name: str, problem: str) -> NoReturn:
        raise BankError(f"{where}, field {name!r}: {problem}")

    item = _checked_text(item, fail)
    letters = _checked_options(item, fail)
    explanation = item.get("explanation")
    if (
        not isinstance(explanation, list)
        or not explanation
        or not all(isinstance(step, str) and step.strip() for step in explanation)
    ):
        fail("explanation", "missing or empty; it must be a list of one or more steps (strings)")
    _check_misconceptions(item.get("misconceptions"), letters, item["correct"], fail)
    notebook = item.get("notebook", bank_name)
    if notebook not in NOTEBOOK_BANKS:
        fail("notebook", f"must name a course notebook ({', '.join(NOTEBOOK_BANKS)}), got {notebook!r}")
    if "expect" in item:
        if "verify" not in item:
            fail("expect", "only makes sense together with 'verify'")
        _check_expect(item["expect"], item["options"], letters.index(item["correct"]), fail)
    return Question(
        id=item["id"],
        notebook=notebook,
        topic=item["topic"],
        difficulty=item["difficulty"],
        prompt=item["prompt"],
        options=tuple(item["options"]),
        correct=item["correct"],
        explanation=tuple(explanation),
        hint=item["hint"],
        misconceptions=dict(item["misconceptions"]),
        code=item.get("code"),
        verify=item.get("verify"),
        expect=item.get("expect"),
    )


def _checked_text(item: dict, fail: Fail) -> dict:
    """Check the text fields (joining `code`/`verify` given as lists of lines); returns a new dict."""
    unknown = sorted(set(item) - _KNOWN_FIELDS)
    if unknown:
        fail(unknown[0], f"unknown field (known fields: {', '.join(sorted(_KNOWN_FIELDS))})")
    for name in _REQUIRED_TEXT:
        if not isinstance(item.get(name), str) or not item[name].strip():
            fail(name, "missing or empty; it must be a non-empty string")
    item = dict(item)
    for name in _MULTILINE:
        if isinstance(item.get(name), list) and all(isinstance(line, str) for line in item[name]):
            item[name] = "\n".join(item[name])
    for name in _OPTIONAL_TEXT:
        if name in item and (not isinstance(item[name], str) or not item[name].strip()):
            form = "string or list of lines" if name in _MULTILINE else "string"
            fail(name, f"must be a non-empty {form} when present")
    if item["difficulty"] not in DIFFICULTIES:
        fail("difficulty", f"must be one of {', '.join(DIFFICULTIES)}, got {item['difficulty']!r}")
    return item


def _checked_options(item: dict, fail: Fail) -> str:
    """Check `options` and `correct`; returns the option letters, e.g. "ABCD"."""
    options = item.get("options")
    if not isinstance(options, list) or not MIN_OPTIONS <= len(options) <= len(LETTERS):
        fail("options", f"must be a list of {MIN_OPTIONS} to {len(LETTERS)} strings")
    if not all(isinstance(o, str) and o.strip() for o in options) or len(set(options)) != len(options):
        fail("options", "every option must be a non-empty string, and no two may be the same")
    letters = LETTERS[: len(options)]
    if item["correct"] not in letters:
        fail("correct", f"{item['correct']!r} is not one of this question's options ({', '.join(letters)})")
    return letters


def _check_misconceptions(misconceptions, letters: str, correct: str, fail: Fail) -> None:
    """Every wrong option, and only those, must name the misconception behind it."""
    wrong = [letter for letter in letters if letter != correct]
    if not isinstance(misconceptions, dict) or sorted(misconceptions) != wrong:
        fail("misconceptions", f"must map exactly the wrong options ({', '.join(wrong)}) to what choosing them reveals")
    if not all(isinstance(text, str) and text.strip() for text in misconceptions.values()):
        fail("misconceptions", "every misconception must be a non-empty string")


def _check_expect(expect: str, options: list, correct_index: int, fail: Fail) -> None:
    """`expect` must single out the correct option: found in its text and in no other."""
    holders = [i for i, option in enumerate(options) if expect in option]
    if holders != [correct_index]:
        fail("expect", f"{expect!r} must appear in the correct option's text and in no other option")
