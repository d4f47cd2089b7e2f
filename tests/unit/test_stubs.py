"""Specification of course_utils.stubs: the exercise stub the generator writes and the checks recognise."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.stubs import STUB_PREFIX, stub_hint, stub_line

ROOT = Path(__file__).resolve().parents[2]


def test_the_stub_line_raises_not_implemented_error_with_the_prefix_and_the_hint():
    assert stub_line("    ", "flip the time axis") == (
        '    raise NotImplementedError("your code here: flip the time axis")'
    )
    with pytest.raises(NotImplementedError) as raised:
        exec(stub_line("", 'a "quoted" hint'))
    assert raised.value.args == (STUB_PREFIX + 'a "quoted" hint',)


def test_the_stub_line_keeps_unicode_and_refuses_an_indent_that_is_not_whitespace():
    assert stub_line("\t", "sum over L ≥ 1") == '\traise NotImplementedError("your code here: sum over L ≥ 1")'
    with pytest.raises(ValueError, match="indent must be the stub's leading whitespace"):
        stub_line("x = ", "hint")


@pytest.mark.parametrize(
    "message, hint",
    [(STUB_PREFIX + "flip it", "flip it"), (STUB_PREFIX, ""), ("my helper is not done", None), (None, None)],
)
def test_the_hint_is_read_back_only_from_a_stubs_message(message, hint):
    assert stub_hint(message) == hint


@pytest.mark.parametrize("module", ["course_utils.stubs", "course_utils.verdicts", "tools.exercises"])
def test_the_generator_and_the_stub_contract_import_without_torch(module):
    code = f"import sys, {module}; print(sorted(m for m in ('torch', 'numpy') if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
