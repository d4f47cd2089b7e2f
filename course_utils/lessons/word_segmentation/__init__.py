"""Lesson 08, the capstone: put the spaces back into English text, one character at a time.

The task. Take a sentence, remove its spaces, and label every remaining
character 1 if a space followed it, else 0 (`space_labels`):

    "the cat sat"  ->  "thecatsat", labels 0 0 1 0 0 1 0 0 0

Whether a word ends at a character depends on what comes *after* it (`the`
ends in "the cat" but not in "there"), so a forward-only tagger must guess
where a bidirectional one can look.

The text. Prose from the Python documentation that every Python installs,
`pydoc_data.topics` (the text behind `help("assert")`): nothing to download.
That text changes a little between Python releases, so the course ships a
copy of it, taken from Python 3.11.7 (`assets/word_segmentation/
pydoc_topics.json.gz`; `load_topics`), and every learner gets the same
sentences, splits and figures whatever their Python.
`corpus_sentences` keeps only prose: paragraphs are joined, list bullets and
`*emphasis*` marks dropped, curly quotes made straight, then every sentence
made only of letters, digits, spaces and `, ; : ' " ( ) - _ .`, starting with a
capital or a quote and ending with `.` or `:`, is kept (code, grammar rules
and tables fail that test). Sentences longer than 120 characters
are cut at clause punctuation (`, ; :`); pieces of 20 to 120 characters are
kept, each once, in the order the topics sort.

The rooms: `corpus` (the text, its sentences, labels and splits), `batching`
(vocabulary, ids, loaders), `model` (the tagger, its training and the shipped
checkpoints), `segmentation` (predictions on any text), `metrics` (scores and
error analysis). The pieces: `split_sentences` (train/validation/test), `CharVocab` (ids, with
padding 0 and unknown 1), `make_segmentation_loaders` (variable-length
batches of similar lengths), `CharTagger` (embedding + the course's
`SequenceTagger`, which runs each sentence within its length),
`train_capstone` (one model) and `train_capstones` (both, side by side on
two cores), `boundary_scores` (precision, recall, F1 of the predicted
spaces), `word_end_recall` (error analysis), the shipped checkpoints
(`load_capstone`, `get_capstones`) and `segment(text)`.

The shipped files live in `assets/word_segmentation/`: the weights of both
models (state_dicts, about 80 KB each), the vocabulary and the training
histories. `python -m tools.write_corpus --write-checkpoint` (a maintainer's tool, not
installed with the package) rewrites them
with the same `train_capstone` the notebook calls (deterministic: seeds, one
thread), so they can be reproduced. `--write-corpus` replaces the shipped
text with the running Python's `pydoc_data.topics` (the checkpoints must then
be written again).
"""

from .batching import (
    BATCH_SIZE,
    MIN_COUNT,
    PAD_ID,
    PAD_TOKEN,
    UNK_ID,
    UNK_TOKEN,
    CharVocab,
    collate_ids,
    encode_sentences,
    make_segmentation_loaders,
)
from .corpus import (
    ASSET_DIR,
    MAX_LEN,
    MIN_LEN,
    PUNCTUATION,
    TOPICS_PATH,
    corpus_sentences,
    forget_cached_text,
    insert_spaces,
    load_topics,
    plot_length_histogram,
    space_labels,
    split_sentences,
)
from .metrics import (
    WORD_END_KINDS,
    boundary_scores,
    evaluate_segmenter,
    format_scores,
    known_words,
    missed_word_ends,
    word_end_recall,
)
from .model import (
    CHECKPOINT_NAMES,
    EMBED_DIM,
    EPOCHS,
    HIDDEN_SIZE,
    HISTORIES_PATH,
    LR,
    MODEL_NAMES,
    NUM_CLASSES,
    VOCAB_PATH,
    CapstoneData,
    CharTagger,
    build_segmenter,
    capstone_data,
    checkpoint_path,
    forward_hidden_size,
    get_capstones,
    load_capstone,
    train_capstone,
    train_capstones,
)
from .segmentation import (
    MARGIN,
    WINDOW,
    Segmenter,
    default_segmenter,
    predict_spaces,
    segment,
)

__all__ = [
    "ASSET_DIR",
    "BATCH_SIZE",
    "CHECKPOINT_NAMES",
    "CapstoneData",
    "CharTagger",
    "CharVocab",
    "EMBED_DIM",
    "EPOCHS",
    "HIDDEN_SIZE",
    "HISTORIES_PATH",
    "LR",
    "MARGIN",
    "MAX_LEN",
    "MIN_COUNT",
    "MIN_LEN",
    "MODEL_NAMES",
    "NUM_CLASSES",
    "PAD_ID",
    "PAD_TOKEN",
    "PUNCTUATION",
    "Segmenter",
    "TOPICS_PATH",
    "UNK_ID",
    "UNK_TOKEN",
    "VOCAB_PATH",
    "WINDOW",
    "WORD_END_KINDS",
    "boundary_scores",
    "build_segmenter",
    "capstone_data",
    "checkpoint_path",
    "collate_ids",
    "corpus_sentences",
    "default_segmenter",
    "encode_sentences",
    "evaluate_segmenter",
    "forget_cached_text",
    "format_scores",
    "forward_hidden_size",
    "get_capstones",
    "insert_spaces",
    "known_words",
    "load_capstone",
    "load_topics",
    "make_segmentation_loaders",
    "missed_word_ends",
    "plot_length_histogram",
    "predict_spaces",
    "segment",
    "space_labels",
    "split_sentences",
    "train_capstone",
    "train_capstones",
    "word_end_recall",
]
