"""The course's shape in one place: its lessons in order, each with its notebook, map entry, quiz and exercise.

Whatever lists the lessons reads `LESSONS`: the quiz banks (`quiz.bank`), the progress view and
its exercise checks (`learner.report`), the checks' task names (`checks.runner.run_check`), and
the tests that keep the README's map, lesson 00's map, the notebooks' titles and next-lesson links,
the exercises and the lessons' import contract in step with it. Adding a lesson is adding its
`Lesson` here and writing the files it names; the tests say which are missing.

No torch, nothing but the standard library: the quiz and the maintainer tools import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit


@dataclass(frozen=True)
class Exercise:
    """A lesson's exercise: `exercises/<notebook>.ipynb`, solved in `solutions/<notebook>.ipynb`.

    tasks: the names its checks report (`CheckReport.task`), in the order the exercise asks for them.
    """

    notebook: str
    tasks: tuple[str, ...]


@dataclass(frozen=True)
class Lesson:
    """One notebook of the course, as the course map shows it.

    notebook: its file name under `notebooks/`, without `.ipynb`; also its quiz bank's name
    (`quiz/banks/<notebook>.json`, where `quiz` is True) and its key in the progress store.
    number: the number it shows ("04"); title: its heading after the number; summary: what the
    map says it teaches; minutes: a learner's time for it, exercise included; module: the package
    under `course_utils.lessons` that only it (and lessons sharing its topic) imports, or None.
    """

    notebook: str
    number: str
    title: str
    summary: str
    minutes: int
    quiz: bool = True
    exercise: Exercise | None = None
    module: str | None = None
    optional: bool = False

    @property
    def label(self) -> str:
        """The number as the map and the heading show it: "04", or "04 (optional)"."""
        return f"{self.number} (optional)" if self.optional else self.number

    @property
    def heading(self) -> str:
        """The notebook's first line: "# 04 · Padding and packing"."""
        return f"# {self.label} · {self.title}"


LESSONS: tuple[Lesson, ...] = (
    Lesson("00_start_here", "00", "Start here", "how the course works; check your set-up", 5, quiz=False),
    Lesson(
        "01_concept",
        "01",
        "Why read both ways",
        "why read both ways; a bidirectional RNN built by hand and matched to `nn.RNN`",
        30,
        exercise=Exercise("01_concept_exercise", ("run_one_direction", "bidirectional_pass")),
        module="concept",
    ),
    Lesson(
        "02_shapes",
        "02",
        "Shapes: output, h_n and parameters",
        "`output`, `h_n`, layers x directions, parameter counts",
        30,
        exercise=Exercise("02_shapes_exercise", ("predict_shapes", "count_parameters", "split_by_direction")),
        module="shapes",
    ),
    Lesson(
        "03_batch_first",
        "03",
        "`batch_first`: the mistake that does not raise",
        "the `batch_first` mistake that raises no error, and how to catch it",
        25,
        exercise=Exercise("03_batch_first_exercise", ("mixes_sequences", "FixedTagger")),
    ),
    Lesson(
        "04_packing",
        "04",
        "Padding and packing",
        "variable lengths: padding, packing, and what pads do to the backward direction",
        25,
        exercise=Exercise("04_packing_exercise", ("encode_packed", "final_states")),
        module="packing",
    ),
    Lesson(
        "04_packing_speed",
        "04",
        "Packing at speed",
        "is packing fast? why a packed training step is slow on a CPU, and an exact method within a small factor "
        "of padding's time",
        15,
        exercise=Exercise("04_packing_speed_exercise", ("reverse_steps", "bidirectional_within_lengths")),
        module="packing",
        optional=True,
    ),
    Lesson(
        "05_training",
        "05",
        "Training the bidirectional tagger",
        "the full pipeline trained against a forward-only baseline",
        35,
        exercise=Exercise(
            "05_training_exercise",
            ("forward_ceiling_by_step", "train_gru_tagger", "split_indices", "train_step", "validate"),
        ),
        module="training",
    ),
    Lesson(
        "06_why_not_wait",
        "06",
        "Why not just wait? Output delays against a bidirectional RNN",
        "why not just delay the output? delayed, backward-only and merged models against a BiRNN",
        30,
        exercise=Exercise(
            "06_why_not_wait_exercise",
            ("delayed_logits", "merge_probabilities", "covering_delay", "waiting for the window"),
        ),
        module="why_not_wait",
    ),
    Lesson(
        "07_speaker_id",
        "07",
        "Who is speaking? A sequence classifier on real recordings",
        "a whole-sequence classifier on real recordings of different lengths (who is speaking?)",
        30,
        exercise=Exercise(
            "07_speaker_id_exercise", ("mean_pool", "SpeakerClassifier.forward", "training on Japanese Vowels")
        ),
        module="speaker_id",
    ),
    Lesson(
        "08_capstone_word_segmentation",
        "08",
        "Capstone: putting the spaces back",
        "capstone: put the spaces back into real English text",
        40,
        exercise=Exercise("08_capstone_word_segmentation_exercise", ("space_labels", "label_long_text")),
        module="word_segmentation",
    ),
    Lesson(
        "09_test_yourself",
        "09",
        "Test yourself",
        "a final test across all topics, with a score per topic",
        20,
        quiz=False,
    ),
)

# The notebook that holds the final test; its questions come from `quiz/banks/final_test.json`.
FINAL_TEST_LESSON = "09_test_yourself"
# Every task name any exercise's checks report, for `run_check` to refuse a name no exercise has.
TASKS: frozenset[str] = frozenset(task for lesson in LESSONS if lesson.exercise for task in lesson.exercise.tasks)


def lesson(notebook: str) -> Lesson:
    """The lesson whose notebook is `notebook` ("04_packing"); a ValueError naming the lessons otherwise."""
    for candidate in LESSONS:
        if candidate.notebook == notebook:
            return candidate
    names = ", ".join(candidate.notebook for candidate in LESSONS)
    raise ValueError(f"no lesson's notebook is called {notebook!r}; the course's notebooks are: {names}")


def quiz_notebooks() -> tuple[str, ...]:
    """The lessons with a quiz bank of their own, in course order."""
    return tuple(candidate.notebook for candidate in LESSONS if candidate.quiz)


def exercise_tasks() -> dict[str, tuple[str, ...]]:
    """{lesson notebook: its exercise's task names}, in course order, for the lessons with an exercise."""
    return {candidate.notebook: candidate.exercise.tasks for candidate in LESSONS if candidate.exercise}


def map_rows(prefix: str = "") -> list[str]:
    """The course map as Markdown table rows: number, notebook (`prefix` before its name), summary, minutes."""
    return [f"| {entry.label} | `{prefix}{entry.notebook}` | {entry.summary} | {entry.minutes} |" for entry in LESSONS]


# Where the course is published: the one setting every launch link is built from (a fork changes this line).
REPOSITORY_URL = "https://github.com/birnn-course/birnn-course"
BRANCH = "main"
# The JupyterHub the hub links open (nbgitpuller clones the repository there): an instructor sets their own.
JUPYTERHUB_URL = "https://hub.example.org"


def launch_links(path: str) -> dict[str, str]:
    """Links that open the notebook at `path` (relative to the repository root, e.g.
    "notebooks/01_concept.ipynb") on Binder, Colab and a JupyterHub (through nbgitpuller), all built
    from REPOSITORY_URL, BRANCH and JUPYTERHUB_URL."""
    if not isinstance(path, str) or not path.endswith(".ipynb") or path.startswith("/") or ".." in path.split("/"):
        example = "notebooks/00_start_here.ipynb"
        raise ValueError(f"path must be a notebook's path inside the repository, such as {example!r}, got {path!r}")
    owner_and_name = urlsplit(REPOSITORY_URL).path.strip("/")
    folder = owner_and_name.rsplit("/", 1)[-1]  # the folder nbgitpuller clones into: the repository's name
    return {
        "Binder": f"https://mybinder.org/v2/gh/{owner_and_name}/{BRANCH}?urlpath={quote(f'lab/tree/{path}', safe='')}",
        "Colab": f"https://colab.research.google.com/github/{owner_and_name}/blob/{BRANCH}/{path}",
        "JupyterHub": (
            f"{JUPYTERHUB_URL}/hub/user-redirect/git-pull?repo={quote(REPOSITORY_URL, safe='')}"
            f"&branch={BRANCH}&urlpath={quote(f'lab/tree/{folder}/{path}', safe='')}"
        ),
    }
