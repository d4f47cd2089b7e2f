"""One room per lesson that needs code of its own, named after the lesson.

`concept` (01: a bidirectional RNN by hand, the pipeline viewer), `shapes`
(02: the shape explorer), `packing` (04: padding measured against running each
sequence alone), `training` (05: the tagger pair over seeds), and the packages
`why_not_wait` (06), `speaker_id` (07) and `word_segmentation` (08, the
capstone). Lessons use the core (`course_utils.data`, `models`, `training`,
...), never each other; each package's `__init__` exports its public names.
"""
