"""The instructor's guide (`INSTRUCTORS.md`): its generated parts are current and come from the banks and the
checks, and its generator (`tools.instructors`) keeps the hand-written text and names stale parts."""

import re
import shutil
import textwrap

import pytest

from course_utils.course import LESSONS
from course_utils.quiz.registry import BANKS
from tools import instructors
from tools.instructors import (
    CLOSING,
    GUIDE,
    README,
    GuideError,
    check_units,
    generated_parts,
    markdown_text,
    notebook_resources,
    replace_parts,
    slip_messages,
)

GUIDE_TEXT = GUIDE.read_text("utf-8")
README_TEXT = README.read_text("utf-8")


def part(name: str, text: str = GUIDE_TEXT) -> str:
    """The body of one generated part of the guide."""
    found = re.search(rf"<!-- generated: {name}\b[^\n]*-->\n(.*?){re.escape(CLOSING)}", text, re.DOTALL)
    assert found, f"INSTRUCTORS.md has no generated part {name!r}"
    return found.group(1)


def section(heading: str) -> str:
    """The text under a `## heading` of the guide, up to the next one."""
    return GUIDE_TEXT.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


# ---- the guide as stored -----------------------------------------------------------------------------


def test_generated_parts_are_current():
    _, stale = replace_parts(GUIDE_TEXT, generated_parts(README_TEXT))
    assert stale == [], f"run `python -m tools.instructors`: stale parts {stale}"


def test_lesson_table_has_every_lesson_in_course_order():
    rows = [line for line in part("lesson-table").splitlines() if line.startswith("| ") and "·" in line]
    assert [row.split("|")[2].strip() for row in rows] == [f"`{entry.notebook}`" for entry in LESSONS]


def test_lesson_table_takes_the_run_time_from_the_readme_table():
    measured = notebook_resources(README_TEXT)
    for entry in LESSONS:
        row = next(line for line in part("lesson-table").splitlines() if f"`{entry.notebook}`" in line)
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[2:4] == [measured[entry.notebook].total_s, measured[entry.notebook].peak_mb]


def test_every_lesson_has_a_live_demo_line():
    demos = section("What to demo live")
    missing = [entry.label for entry in LESSONS if f"- **{entry.label} · " not in demos]
    assert missing == []


def test_every_misconception_of_every_bank_appears():
    text = part("misconceptions")
    missing = [
        (question.id, letter)
        for bank in BANKS.values()
        for question in bank.questions
        for letter, sentence in question.misconceptions.items()
        if markdown_text(sentence) not in text
    ]
    assert missing == []


def test_every_quiz_prompt_appears():
    text = part("misconceptions")
    assert [q.id for bank in BANKS.values() for q in bank.questions if markdown_text(q.prompt) not in text] == []


def test_final_test_part_counts_every_question_of_its_bank():
    rows = [line for line in part("final-test").splitlines() if line.startswith("| ") and "·" in line]
    assert sum(int(row.strip("|").split("|")[2]) for row in rows) == len(BANKS["final_test"].questions)


def test_every_slip_the_checks_name_appears_under_its_task():
    text = part("slips")
    slips = slip_messages(check_units())
    for entry in LESSONS:
        for task in entry.exercise.tasks if entry.exercise else ():
            under_task = text.split(f"`{task}`:\n", 1)[1].split("\n`", 1)[0]
            missing = [slip.message for slip in slips[task] if markdown_text(slip.message) not in under_task]
            assert missing == [], f"{task}: {missing}"


def test_a_slip_added_to_a_real_check_makes_the_guide_stale(tmp_path):
    checks = tmp_path / "course_utils" / "checks"
    shutil.copytree(instructors.CHECKS, checks, ignore=shutil.ignore_patterns("__pycache__"))
    source = (checks / "lesson01.py").read_text("utf-8")
    slip = '(h_last, "A slip no check named before: the guide must list it."),\n'
    (checks / "lesson01.py").write_text(source.replace("    return [\n", "    return [\n        " + slip, 1), "utf-8")
    text, stale = replace_parts(GUIDE_TEXT, generated_parts(README_TEXT, checks))
    assert stale == ["slips"]
    assert "A slip no check named before" in part("slips", text)


def test_the_checks_name_slips_for_most_tasks():
    # A harvest that silently found nothing would pass the test above; most checks name their slips.
    slips = slip_messages(check_units())
    assert sum(bool(found) for found in slips.values()) >= len(slips) * 3 // 4


def test_readme_links_the_guide():
    assert "](INSTRUCTORS.md)" in README_TEXT


# ---- finding the slips in a check's source ---------------------------------------------------------


CHECK_SOURCE = textwrap.dedent(
    '''
    HINT = "The steps run backwards: read from step 0 to step L-1."

    def _mistakes(expected):
        return [(expected.flip(1), HINT), (expected * 2, f"Doubled: the sum of {expected} was not halved.")]

    def _explain(error):
        if "shape" in str(error):
            return "The weights are transposed: multiply by W.T, not W."
        return ""

    def check_reverse(fn):
        def run():
            with explaining_errors(_explain):
                got = fn()
            expect_close(got, 1, "result", (), 0.1, _mistakes(got))
        return run_check("reverse", {"case": run})

    def check_other(fn):
        why = _other_slip(fn) if fn else ""
        raise Mismatch(with_explanation("wrong", why))
        return run_check("other", {})

    def _other_slip(fn):
        """The slip a wrong answer shows."""
        return "You counted the pads as steps."
    '''
)


def slips_of(source: str) -> dict[str, list[tuple[str, str]]]:
    found = slip_messages([[("lesson99.py", source)]])
    return {task: [(slip.by, slip.message) for slip in slips] for task, slips in found.items()}


def test_harvest_finds_result_and_error_slips_of_each_task():
    assert slips_of(CHECK_SOURCE) == {
        "reverse": [
            ("result", "The steps run backwards: read from step 0 to step L-1."),
            ("result", "Doubled: the sum of {expected} was not halved."),
            ("error", "The weights are transposed: multiply by W.T, not W."),
        ],
        "other": [("result", "You counted the pads as steps.")],
    }


def test_a_slip_added_to_a_check_is_found():
    added = CHECK_SOURCE.replace(
        "(expected * 2,", '(expected + 1, "Off by one: every value is one too high."), (expected * 2,'
    )
    assert ("result", "Off by one: every value is one too high.") in slips_of(added)["reverse"]


def test_a_label_pair_is_not_a_slip():
    source = 'def check_x(fn):\n    axes = (fn, "unit")\n    return run_check("x", {})\n'
    assert slips_of(source) == {"x": []}


def test_a_task_without_its_check_stops_the_slips_part():
    slips = slip_messages(check_units())
    slips.pop("run_one_direction")
    with pytest.raises(GuideError, match="run_one_direction"):
        instructors.slips_part(slips)


# ---- rewriting and checking the guide -------------------------------------------------------------------


def guide(first: str = "old", second: str = "old") -> str:
    return (
        "# Guide\nhand-written\n<!-- generated: first: do not edit -->\n"
        f"{first}\n{CLOSING}\nmore hand-written\n<!-- generated: second -->\n{second}\n{CLOSING}\nend\n"
    )


def test_replace_parts_rewrites_the_parts_and_keeps_the_rest():
    text, changed = replace_parts(guide(), {"first": "new 1", "second": "old"})
    assert text == guide(first="new 1") and changed == ["first"]


def test_replace_parts_refuses_a_missing_or_unknown_part():
    with pytest.raises(GuideError, match="no place for the generated part.*third"):
        replace_parts(guide(), {"first": "", "second": "", "third": ""})
    with pytest.raises(GuideError, match="'second' is unknown"):
        replace_parts(guide(), {"first": ""})


def test_replace_parts_refuses_an_unclosed_part():
    with pytest.raises(GuideError, match="never closed"):
        replace_parts("<!-- generated: first -->\ntext\n", {"first": "text"})


def test_check_names_the_stale_part_and_leaves_the_file(tmp_path, monkeypatch, capsys):
    path = tmp_path / "INSTRUCTORS.md"
    path.write_text(guide(), "utf-8")
    monkeypatch.setattr(instructors, "GUIDE", path)
    monkeypatch.setattr(instructors, "generated_parts", lambda readme: {"first": "old", "second": "new"})
    assert instructors.main(["--check"]) == 1
    assert "generated part 'second'" in capsys.readouterr().out
    assert path.read_text("utf-8") == guide()
    assert instructors.main([]) == 0
    assert path.read_text("utf-8") == guide(second="new")
    assert instructors.main(["--check"]) == 0


def test_a_folder_in_place_of_the_guide_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(instructors, "GUIDE", tmp_path)
    assert instructors.main([]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_readme_without_the_timing_table_is_a_clear_error():
    with pytest.raises(GuideError, match="tools.notebook_resources"):
        notebook_resources("# README\nno table here\n")
