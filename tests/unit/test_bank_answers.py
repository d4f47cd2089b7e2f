"""Every answer the bank claims to be computable is computed here with torch.

A question's `verify` code runs after its displayed `code` (so the code a
learner sees is run too) and sets `result`; the stored answer must equal it.
The snippets may use `torch`, `nn`, `options`, and two helpers:
`raises(code)` says whether running `code` raises, and `only(predicate)`
returns the one option whose code (backticks removed) satisfies `predicate`,
or the list of all that do when that is not exactly one.
"""

import pytest
import torch
from torch import nn

from course_utils.quiz import QUESTIONS

VERIFIED = [q for q in QUESTIONS.values() if q.verify]


def strip_code(option: str) -> str:
    return option.replace("`", "")


def run_verify(question):
    namespace = {"torch": torch, "nn": nn, "options": list(question.options)}

    def raises(code: str) -> bool:
        try:
            exec(code, dict(namespace))
        except Exception:
            return True
        return False

    def only(predicate):
        matches = [option for option in question.options if predicate(strip_code(option))]
        return matches[0] if len(matches) == 1 else matches

    namespace.update(raises=raises, only=only)
    torch.manual_seed(0)
    exec(question.code or "", namespace)
    exec(question.verify, namespace)
    return namespace["result"]


def test_the_bank_proves_a_good_share_of_its_answers():
    assert len(VERIFIED) >= 30


@pytest.mark.parametrize("question", VERIFIED, ids=lambda q: q.id)
def test_the_stored_answer_matches_the_computed_one(question, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # snippets that save files write here
    expected = question.expect or question.option(question.correct)
    assert str(run_verify(question)) == expected, (
        f"{question.id}: the bank says {question.correct} ({question.option(question.correct)!r})"
    )


@pytest.mark.parametrize("question", VERIFIED, ids=lambda q: q.id)
def test_a_wrong_option_would_fail_the_proof(question):
    """The proof must single out the answer: no wrong option's text passes as the result."""
    wrong = [question.option(letter) for letter in question.letters if letter != question.correct]
    expected = question.expect or question.option(question.correct)
    assert all(expected not in option for option in wrong)
