"""Specification of tools.write_corpus: the maintainer's command that rewrites the capstone's shipped files."""

import gzip
import json
import platform

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
