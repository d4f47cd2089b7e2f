"""Specification of checkpoint integrity: a damaged file is refused, naming it and the fix, never loaded (issue 16)."""

import os
import random
import stat
import zipfile

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.checkpoints import DIGEST_TAG, load_checkpoint, save_checkpoint
from course_utils.files import DamagedFileError
from course_utils.models import SequenceTagger

PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None)


def tagger(seed=0):
    torch.manual_seed(seed)
    return SequenceTagger(8, 6, 5)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A saved tagger: its path, its bytes and its weights."""
    model = tagger()
    path = save_checkpoint(model, tmp_path_factory.mktemp("ckpt") / "tagger.pt")
    return path, path.read_bytes(), {k: v.clone() for k, v in model.state_dict().items()}


def central_directory_entry(data: bytes, suffix: str) -> int:
    """Offset of the central directory entry of the zip member whose name ends with `suffix`."""
    start = 0
    while True:
        entry = data.index(b"PK\x01\x02", start)
        name_length = int.from_bytes(data[entry + 28 : entry + 30], "little")
        if data[entry + 46 : entry + 46 + name_length].decode().endswith(suffix):
            return entry
        start = entry + 4


def load_or_error(path):
    """`("loaded", weights)` or `("refused", error)` for a fresh tagger loading `path`."""
    model = tagger(seed=1)
    try:
        load_checkpoint(model, path)
    except DamagedFileError as error:
        return "refused", error
    return "loaded", model.state_dict()


def test_three_hundred_one_byte_changes_never_load_altered_weights(saved, tmp_path):
    path, data, weights = saved
    rng = random.Random(0)
    outcomes = {"refused": 0, "identical": 0, "altered": 0}
    for _ in range(300):
        damaged = bytearray(data)
        position = rng.randrange(len(damaged))
        damaged[position] = (damaged[position] + rng.randrange(1, 256)) % 256
        (tmp_path / "damaged.pt").write_bytes(bytes(damaged))
        kind, result = load_or_error(tmp_path / "damaged.pt")
        if kind == "refused":
            outcomes["refused"] += 1
            assert str(tmp_path / "damaged.pt") in str(result) and "save_checkpoint" in str(result)
        elif all(torch.equal(result[k], weights[k]) for k in weights):
            outcomes["identical"] += 1  # the byte was one no reader looks at (a timestamp, padding)
        else:
            outcomes["altered"] += 1
    assert outcomes["altered"] == 0, outcomes
    assert outcomes["refused"] > 150, outcomes


def test_a_change_the_zip_checksums_miss_is_caught_by_the_weights_checksum(saved, tmp_path):
    # The central directory's "external attributes" of a member: Python's zipfile ignores them, but torch's reader
    # takes the directory bit (0x10) seriously and then reads that member as empty, so other weights would load.
    path, data, _ = saved
    damaged = bytearray(data)
    damaged[central_directory_entry(data, "data/3") + 38] |= 0x10  # byte 38 of an entry: external attributes
    (tmp_path / "attributes.pt").write_bytes(bytes(damaged))
    with zipfile.ZipFile(tmp_path / "attributes.pt") as archive:
        assert archive.testzip() is None  # the zip's own checksums see nothing wrong
    kind, error = load_or_error(tmp_path / "attributes.pt")
    assert kind == "refused" and "do not match the checksum save_checkpoint stored" in str(error)


@pytest.mark.parametrize("cut", [0, 10, 100, 0.5, -1])
def test_a_truncated_checkpoint_is_refused_with_its_name(saved, tmp_path, cut):
    path, data, _ = saved
    keep = int(len(data) * cut) if isinstance(cut, float) else (len(data) + cut if cut < 0 else cut)
    (tmp_path / "cut.pt").write_bytes(data[:keep])
    # one byte off the end cuts the checksum in the zip comment short; any other cut breaks the zip itself
    expected = r"cut\.pt: (it is not a complete checkpoint|its weights do not match the checksum).* Save it again"
    with pytest.raises(DamagedFileError, match=expected):
        load_checkpoint(tagger(), tmp_path / "cut.pt")


def test_a_text_file_is_refused_as_not_a_checkpoint(tmp_path):
    (tmp_path / "notes.pt").write_text("epoch 1: loss 0.4\n")
    with pytest.raises(DamagedFileError, match="notes.pt: it is not a complete checkpoint .*zip"):
        load_checkpoint(tagger(), tmp_path / "notes.pt")


def test_weights_that_are_nan_are_refused_naming_the_tensor(tmp_path):
    model = tagger()
    with torch.no_grad():
        model.head.bias[2] = float("nan")
    path = save_checkpoint(model, tmp_path / "diverged.pt")
    with pytest.raises(ValueError, match="the weights 'head.bias' hold NaN or inf"):
        load_checkpoint(tagger(), path)


def test_a_checkpoint_without_the_weights_checksum_still_loads(tmp_path):
    model = tagger()
    torch.save(model.state_dict(), tmp_path / "plain.pt")  # written by torch itself: no checksum in the comment
    other = load_checkpoint(tagger(seed=1), tmp_path / "plain.pt")
    assert all(torch.equal(other.state_dict()[k], v) for k, v in model.state_dict().items())


def test_the_checksum_sits_in_the_zip_comment_and_torch_load_still_reads_a_plain_state_dict(saved):
    path, _, weights = saved
    with zipfile.ZipFile(path) as archive:
        assert archive.comment.decode().startswith(DIGEST_TAG)
    state = torch.load(path, weights_only=True)
    assert list(state) == list(weights)


@pytest.mark.parametrize("path", [None, 3, ["a.pt"], b"a.pt"])
def test_a_path_of_the_wrong_type_is_named(path):
    with pytest.raises(TypeError, match="path must be a file path"):
        save_checkpoint(tagger(), path)
    with pytest.raises(TypeError, match="path must be a file path"):
        load_checkpoint(tagger(), path)


def test_loading_a_folder_says_it_is_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder, not a checkpoint file"):
        load_checkpoint(tagger(), tmp_path)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_saved_checkpoint_has_the_permissions_of_any_new_file(tmp_path):
    old = os.umask(0o022)
    try:
        path = save_checkpoint(tagger(), tmp_path / "m.pt")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0o600


def test_ctrl_c_while_saving_leaves_the_old_checkpoint(tmp_path, monkeypatch):
    path = save_checkpoint(tagger(), tmp_path / "m.pt")
    before = path.read_bytes()

    def interrupted(obj, file):
        file.write(b"PK\x03\x04partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tagger(seed=3), path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.pt"]


@PROPERTY
@given(
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)), min_size=1, max_size=4)
)
def test_no_set_of_byte_changes_loads_altered_weights(saved, tmp_path_factory, edits):
    path, data, weights = saved
    damaged = bytearray(data)
    for position, delta in edits:
        damaged[position % len(damaged)] = (damaged[position % len(damaged)] + delta) % 256
    target = tmp_path_factory.mktemp("edits") / "edited.pt"
    target.write_bytes(bytes(damaged))
    kind, result = load_or_error(target)
    assert kind == "refused" or all(torch.equal(result[k], weights[k]) for k in weights)


# --- what loading may cost, what saving may replace (issue 27) -----------------------------------


def bomb(path, member_bytes):
    """A small zip whose one part unpacks to `member_bytes` zeros (a 'zip bomb' shaped like a checkpoint)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
        with archive.open("archive/data/0", "w", force_zip64=True) as part:
            chunk = bytes(1 << 20)
            for _ in range(member_bytes >> 20):
                part.write(chunk)
    return path


def test_a_zip_bomb_is_refused_from_its_declared_sizes_before_anything_is_unpacked(tmp_path, monkeypatch):
    path = bomb(tmp_path / "bomb.pt", 256 << 20)
    assert path.stat().st_size < 1 << 20

    def unpacks(*args, **kwargs):
        raise AssertionError("the checkpoint was unpacked before its sizes were checked")

    monkeypatch.setattr(zipfile.ZipFile, "testzip", unpacks)
    monkeypatch.setattr(torch, "load", unpacks)
    with pytest.raises(DamagedFileError, match=r"bomb.pt: its parts would take 268,435,\d+ bytes unpacked") as caught:
        load_checkpoint(tagger(), path)
    assert "this model's weights take" in str(caught.value) and "nothing was unpacked" in str(caught.value)
    assert str(caught.value).startswith(f"{path}: its parts")


def test_a_checkpoint_with_too_many_parts_is_refused_before_anything_is_unpacked(tmp_path, monkeypatch):
    path = tmp_path / "parts.pt"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(5000):
            archive.writestr(f"archive/data/{index}", b"")
    monkeypatch.setattr(zipfile.ZipFile, "testzip", lambda self: pytest.fail("unpacked"))
    with pytest.raises(DamagedFileError, match="parts.pt: it has 5000 parts") as caught:
        load_checkpoint(tagger(), path)
    assert str(caught.value).startswith(f"{path}: it has 5000 parts")


def test_a_checkpoint_of_a_larger_model_still_names_the_shapes_that_differ(tmp_path):
    path = save_checkpoint(SequenceTagger(8, 24, 5), tmp_path / "larger.pt")
    with pytest.raises(ValueError, match=r"shape differs: rnn.weight_ih_l0: checkpoint \(24, 8\), model \(6, 8\)"):
        load_checkpoint(tagger(), path)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_saving_over_a_read_only_checkpoint_is_refused_and_names_it(tmp_path):
    path = save_checkpoint(tagger(), tmp_path / "keep.pt")
    before = path.read_bytes()
    path.chmod(0o444)
    with pytest.raises(PermissionError, match=f"{path} is read-only"):
        save_checkpoint(tagger(seed=2), path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["keep.pt"]


def test_a_checkpoint_from_a_newer_torch_says_to_upgrade_torch_not_that_it_is_damaged(saved, tmp_path):
    """A real checkpoint whose `version` record is newer than this torch reads (issue 27, item 10)."""
    path, _, _ = saved
    newer = tmp_path / "newer.pt"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(newer, "w") as copy:
        for part in source.infolist():
            data = b"99\n" if part.filename.endswith("/version") else source.read(part)
            copy.writestr(part, data)  # same names and settings, fresh CRCs: the zip itself stays sound
        copy.comment = source.comment
    with pytest.raises(DamagedFileError) as caught:
        load_checkpoint(tagger(), newer)
    message = str(caught.value)
    assert "newer version of torch" in message and f"this torch is {torch.__version__}" in message
    assert "pip install --upgrade torch" in message and "not written by save_checkpoint" not in message


@pytest.mark.parametrize("error", [IndexError("pop from empty list"), EOFError(), KeyError("data/0")])
def test_whatever_torch_load_raises_on_a_damaged_pickle_is_a_damaged_file(saved, monkeypatch, error):
    """torch's weights-only unpickler fails differently across releases (torch 2.2: an IndexError from
    its stack, seen once in make test-versions' 300 random one-byte changes): each says the file is damaged."""

    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr(torch, "load", fails)
    with pytest.raises(DamagedFileError, match="save_checkpoint"):
        load_checkpoint(tagger(seed=1), saved[0])
