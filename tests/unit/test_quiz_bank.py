"""The question bank: what it holds, and how a malformed file is reported."""

import importlib
import importlib.util
import json
import re
import shutil

import pytest

from course_utils.quiz.bank import (
    BANK_DIR,
    DIFFICULTIES,
    FINAL_TEST,
    NOTEBOOK_BANKS,
    BankError,
    load_bank_file,
    load_banks,
)

BANKS = load_banks()


def test_the_bank_holds_at_least_40_questions():
    assert sum(len(bank.questions) for bank in BANKS.values()) >= 40


@pytest.mark.parametrize("notebook", NOTEBOOK_BANKS)
def test_each_notebook_quiz_has_3_to_7_questions(notebook):
    assert 3 <= len(BANKS[notebook].questions) <= 7


def test_the_final_test_bank_mixes_every_difficulty_and_notebook():
    questions = BANKS[FINAL_TEST].questions
    assert len(questions) >= 12
    assert {q.difficulty for q in questions} == set(DIFFICULTIES)
    assert {q.notebook for q in questions} == set(NOTEBOOK_BANKS)


def test_every_option_but_the_answer_names_a_misconception():
    for bank in BANKS.values():
        for q in bank.questions:
            assert set(q.misconceptions) == set(q.letters) - {q.correct}, q.id


def test_the_traps_the_course_promises_are_asked_about():
    topics = {q.topic for bank in BANKS.values() for q in bank.questions}
    for topic in (
        "h_n layout",
        "output[:, -1] and the backward direction",
        "padding and the backward direction",
        "lengths on the CPU",
        "parameter counts",
        "the silent mistake",
    ):
        assert topic in topics


def test_the_batch_first_question_teaches_that_the_mistake_is_silent():
    question = next(q for q in BANKS["03_batch_first"].questions if q.id == "03-silent-mistake")
    assert "silently wrong" in question.option(question.correct)
    raising = [letter for letter in question.misconceptions if "raises" in question.option(letter)]
    assert raising and "nothing is raised" in question.misconceptions[raising[0]]


@pytest.fixture
def bank_copy(tmp_path):
    """A writable copy of the bank; `edit(name, change, position)` rewrites one question of a file."""
    directory = tmp_path / "bank"
    shutil.copytree(BANK_DIR, directory)

    def edit(name, change, position=0):
        path = directory / f"{name}.json"
        data = json.loads(path.read_text())
        change(data["questions"][position])
        path.write_text(json.dumps(data))
        return data["questions"][position]["id"]

    return directory, edit


def error_for(directory):
    with pytest.raises(BankError) as caught:
        load_banks(directory)
    return str(caught.value)


def test_an_unmodified_copy_loads(bank_copy):
    directory, _ = bank_copy
    assert load_banks(directory).keys() == BANKS.keys()


def test_a_missing_explanation_names_file_question_and_field(bank_copy):
    directory, edit = bank_copy
    qid = edit("02_shapes", lambda q: q.pop("explanation"))
    message = error_for(directory)
    assert "02_shapes.json" in message and repr(qid) in message and "'explanation'" in message


def test_an_empty_explanation_is_rejected(bank_copy):
    directory, edit = bank_copy
    edit("02_shapes", lambda q: q.update(explanation=[]))
    assert "'explanation'" in error_for(directory)


def test_no_correct_option_is_rejected(bank_copy):
    directory, edit = bank_copy
    qid = edit("04_packing", lambda q: q.pop("correct"))
    message = error_for(directory)
    assert "04_packing.json" in message and repr(qid) in message and "'correct'" in message


def test_a_correct_option_out_of_range_lists_the_valid_letters(bank_copy):
    directory, edit = bank_copy
    edit("01_concept", lambda q: q.update(correct="F"))
    message = error_for(directory)
    assert "'correct'" in message and "A, B, C, D" in message


def test_a_duplicate_id_across_files_names_both_files(bank_copy):
    directory, edit = bank_copy
    taken = BANKS["01_concept"].questions[0].id
    edit("05_training", lambda q: q.update(id=taken))
    message = error_for(directory)
    assert "05_training.json" in message and "01_concept.json" in message and repr(taken) in message


def test_a_duplicate_id_within_a_file_is_rejected(bank_copy):
    directory, edit = bank_copy
    second = BANKS["03_batch_first"].questions[1].id
    edit("03_batch_first", lambda q: q.update(id=second))
    message = error_for(directory)
    assert "03_batch_first.json" in message and repr(second) in message and "'id'" in message


def test_a_wrong_option_without_a_misconception_is_rejected(bank_copy):
    directory, edit = bank_copy

    def drop_one(question):
        question["misconceptions"].popitem()

    edit("08_capstone_word_segmentation", drop_one)
    assert "'misconceptions'" in error_for(directory)


def test_an_unknown_difficulty_is_rejected(bank_copy):
    directory, edit = bank_copy
    edit("02_shapes", lambda q: q.update(difficulty="tricky"))
    assert "easy, medium, hard" in error_for(directory)


def test_a_final_test_question_must_name_a_known_notebook(bank_copy):
    directory, edit = bank_copy
    edit(FINAL_TEST, lambda q: q.update(notebook="99_missing"))
    assert "'notebook'" in error_for(directory)


def test_an_expect_found_in_a_wrong_option_is_rejected(bank_copy):
    directory, edit = bank_copy
    position, question = next((i, q) for i, q in enumerate(BANKS["01_concept"].questions) if q.expect)
    wrong = next(letter for letter in question.letters if letter != question.correct)
    edit("01_concept", lambda q: q.update(expect=question.option(wrong)), position)
    assert "'expect'" in error_for(directory)


def test_invalid_json_names_the_file(tmp_path):
    path = tmp_path / "02_shapes.json"
    path.write_text("{not json")
    with pytest.raises(BankError, match="02_shapes.json: not valid JSON"):
        load_bank_file(path)


def test_a_bank_file_that_is_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "02_shapes.json"
    path.write_bytes(b'{"title": "\xff"}')
    with pytest.raises(BankError, match="02_shapes.json: not UTF-8 text"):
        load_bank_file(path)


def test_a_missing_bank_file_is_reported(tmp_path):
    with pytest.raises(BankError, match="01_concept.json: bank file not found"):
        load_banks(tmp_path)


def test_code_may_be_stored_as_a_list_of_lines():
    question = next(q for q in BANKS["02_shapes"].questions if q.code)
    assert "\n" in question.code


def test_every_course_utils_name_the_bank_mentions_exists():
    text = " ".join(path.read_text() for path in BANK_DIR.glob("*.json"))
    names = set(re.findall(r"course_utils\.([\w.]+)\.(\w+)", text))
    assert names
    for module, name in names:
        parent = importlib.import_module(f"course_utils.{module}")
        # a name is an attribute of its module, or a submodule (`lessons.why_not_wait`)
        exists = hasattr(parent, name) or importlib.util.find_spec(f"course_utils.{module}.{name}") is not None
        assert exists, f"course_utils.{module}.{name}"
