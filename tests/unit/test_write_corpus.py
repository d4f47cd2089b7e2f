"""Specification of tools.write_corpus: the maintainer's command that rewrites the capstone's shipped files."""

import gzip
import json
import platform
import pydoc_data
import sys

import pytest

from tools import write_corpus


def test_write_topics_stores_this_pythons_text_the_same_way_each_time(tmp_path, monkeypatch):
    from pydoc_data import topics

    monkeypatch.setattr(write_corpus, "TOPICS_PATH", tmp_path / "topics.json.gz")
    assert write_corpus.write_topics() == platform.python_version()
    first = write_corpus.TOPICS_PATH.read_bytes()
    write_corpus.write_topics()
    assert write_corpus.TOPICS_PATH.read_bytes() == first
    assert json.loads(gzip.decompress(first))["topics"] == topics.topics


def test_checkpoint_command_needs_its_flag(capsys):
    assert write_corpus.main([]) == 1
    assert "--write-checkpoint" in capsys.readouterr().out


def test_write_topics_interrupted_leaves_the_old_text_whole(tmp_path, monkeypatch):
    path = tmp_path / "topics.json.gz"
    path.write_bytes(gzip.compress(b'{"python": "old", "topics": {"a": "b"}}'))
    before = path.read_bytes()
    monkeypatch.setattr(write_corpus, "TOPICS_PATH", path)
    real_write = gzip.GzipFile.write

    def interrupted_halfway(self, data):
        real_write(self, data[: len(data) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(gzip.GzipFile, "write", interrupted_halfway)
    with pytest.raises(KeyboardInterrupt):
        write_corpus.write_topics()
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["topics.json.gz"]


def test_write_topics_writes_the_same_file_again_for_the_same_text(tmp_path, monkeypatch):
    # The same text, the same header (mtime 0, the file's own name): a rewrite is no change. The compressed
    # bytes themselves are zlib's to choose (another Python's zlib packs them differently), so the test
    # compares the header and the text, not the deflate stream.
    shipped = write_corpus.TOPICS_PATH.read_bytes()
    content = json.loads(gzip.decompress(shipped))

    class Topics:
        topics = content["topics"]

    monkeypatch.setitem(sys.modules, "pydoc_data.topics", Topics)
    # `from pydoc_data import topics` reads the package's attribute once an earlier test imported the real one
    monkeypatch.setattr(pydoc_data, "topics", Topics, raising=False)
    monkeypatch.setattr(platform, "python_version", lambda: content["python"])
    monkeypatch.setattr(write_corpus, "TOPICS_PATH", tmp_path / write_corpus.TOPICS_PATH.name)
    write_corpus.write_topics()
    written = write_corpus.TOPICS_PATH.read_bytes()
    assert gzip.decompress(written) == gzip.decompress(shipped)
    header_end = written.index(b"\0", 10) + 1  # fixed 10-byte header, then the file's name ending in NUL
    assert written[:header_end] == shipped[:header_end] and written[4:8] == bytes(4)  # same name, mtime 0
