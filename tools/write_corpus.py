"""Rewrite the capstone's shipped text and checkpoints: `python -m tools.write_corpus --write-checkpoint`.

For maintainers (not installed with the package). `--write-checkpoint` trains
both capstone models with the same `train_capstones` the notebook calls
(deterministic: seeds, one thread per model) and writes their weights, the vocabulary
and the training histories to `course_utils/assets/word_segmentation/`.
`--write-corpus` first replaces the shipped text with the running Python's
`pydoc_data.topics` (the checkpoints must then be written again).
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import sys

from course_utils.checkpoints import save_checkpoint
from course_utils.files import atomic_write
from course_utils.lessons.word_segmentation import (
    ASSET_DIR,
    CHECKPOINT_NAMES,
    HISTORIES_PATH,
    MODEL_NAMES,
    TOPICS_PATH,
    VOCAB_PATH,
    capstone_data,
    checkpoint_path,
    evaluate_segmenter,
    forget_cached_text,
    format_scores,
    train_capstones,
)


def write_topics() -> str:
    """Replace the shipped text with this Python's `pydoc_data.topics`; return this Python's version."""
    try:
        from pydoc_data import topics
    except ImportError as error:  # some Linux packages split the documentation topics out
        raise ImportError(
            "this Python lacks the standard library's pydoc_data.topics: install its full standard library "
            "(on Debian/Ubuntu, the libpythonX.Y-stdlib package)"
        ) from error
    version = platform.python_version()
    with atomic_write(TOPICS_PATH, "wb") as file:
        # mtime 0 and the final file's name in the header: the same text always gives the same bytes
        with gzip.GzipFile(filename=TOPICS_PATH.name, mode="wb", fileobj=file, mtime=0) as raw:
            raw.write(json.dumps({"python": version, "topics": topics.topics}, sort_keys=True).encode("utf-8"))
    return version


def write_checkpoints(progress: bool = False) -> dict:
    """Train both capstone models; write their weights, the vocabulary and the histories under ASSET_DIR.

    Returns the test scores of both models, `{"bidirectional": scores, "forward-only": scores}`.
    """
    data = capstone_data()
    ASSET_DIR.mkdir(parents=True, exist_ok=True)
    data.vocab.save(VOCAB_PATH)
    scores, histories = {}, {}
    trained = train_capstones(data, progress=progress)
    for bidirectional, name in MODEL_NAMES.items():
        model, history = trained[bidirectional]
        save_checkpoint(model, checkpoint_path(bidirectional))
        histories[name] = [{key: value for key, value in row.items() if key != "seconds"} for row in history.rows]
        scores[name] = evaluate_segmenter(model, data.vocab, data.splits["test"])
    with atomic_write(HISTORIES_PATH) as file:
        file.write(json.dumps(histories, indent=1) + "\n")
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.write_corpus",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument(
        "--write-corpus", action="store_true", help=f"replace {TOPICS_PATH.name} with this Python's pydoc_data.topics"
    )
    parser.add_argument(
        "--write-checkpoint",
        action="store_true",
        help=f"train both models and write them, with the vocabulary, to {ASSET_DIR}",
    )
    args = parser.parse_args(argv)
    if not (args.write_corpus or args.write_checkpoint):
        parser.print_help()
        return 1
    if args.write_corpus:
        print(f"wrote {TOPICS_PATH.name}: pydoc_data.topics of Python {write_topics()}")
        forget_cached_text()
    if not args.write_checkpoint:
        return 0
    for name, scores in write_checkpoints(progress=True).items():
        print(format_scores(name, scores))
    written = [VOCAB_PATH.name, HISTORIES_PATH.name, *CHECKPOINT_NAMES.values()]
    print(f"wrote {', '.join(written)} in {ASSET_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
