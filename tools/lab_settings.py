"""Give the course's own JupyterLab (the one `make lab` starts from .venv) the settings the course wants.

Two today. No "Would you like to get notified about official Jupyter news?" prompt, and no check
for JupyterLab updates (the course pins what it installs): JupyterLab reads default settings that
override its own from `<environment>/share/jupyter/lab/settings/overrides.json`. And no nbgrader
menus and buttons: the course's .venv has nbgrader for the grading tests (`make test-dist`), which
a learner's JupyterLab does not need; nbgrader's JupyterLab extension is listed as disabled in
`<environment>/etc/jupyter/labconfig/page_config.json`, as `jupyter labextension disable` does,
unless that file already says otherwise (`jupyter labextension enable @jupyter/nbgrader` brings it
back, and stays). This tool merges those settings into the files of the environment it runs in
(`sys.prefix`):

* no file yet: it is written with the course's settings alone;
* a file that is a JSON object of settings (another tool's or yours): every setting in it is kept,
  and only the course's keys are set;
* anything else (not valid JSON, not an object of objects, a symbolic link, a folder, a device) is
  not the course's to change: the tool stops with an error that names the file and what to do, and
  writes nothing.

The browser tests write their own settings (tests/browser/conftest.py, LAB_SETTINGS). Run `python -m
tools.lab_settings` with the environment's Python (`make lab` does, each time: it takes milliseconds).
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from course_utils.files import atomic_write, damaged, file_kind, reading

# plugin id -> {setting: value}, in the form of JupyterLab's settings schemas (fetchNews is a string there).
COURSE_SETTINGS: dict[str, dict[str, object]] = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}
# The page configuration's keys the course sets only where they are absent: {key: {extension: disabled}}.
COURSE_PAGE_CONFIG: dict[str, dict[str, object]] = {"disabledExtensions": {"@jupyter/nbgrader": True}}
FIX = "fix or remove it yourself (JupyterLab reads it at start), then run `make lab` again"


def overrides_path(prefix: str | os.PathLike) -> Path:
    """Where a JupyterLab installed in the environment at `prefix` reads its overriding default settings."""
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def page_config_path(prefix: str | os.PathLike) -> Path:
    """Where a JupyterLab installed in the environment at `prefix` reads which extensions are disabled."""
    return Path(prefix) / "etc" / "jupyter" / "labconfig" / "page_config.json"


def merged(existing: dict[str, dict[str, object]], course: dict[str, dict[str, object]], keep: bool = False) -> dict:
    """`existing` settings with the course's set on top: other plugins' and other keys' settings are kept.
    keep: a key `existing` already has keeps its value (the course's fills the gaps only)."""
    result = {name: dict(value) if isinstance(value, dict) else value for name, value in existing.items()}
    for plugin, settings in course.items():
        for key, value in settings.items():
            if not (keep and key in result.get(plugin, {})):
                result.setdefault(plugin, {})[key] = value
    return result


def read_overrides(path: Path, objects: frozenset[str] | None = None) -> dict:
    """The settings in the JSON file at `path` ({} when there is none); refuse a file that is not one: a JSON
    object whose values are objects (those named in `objects` only, when given: the page configuration holds
    other values too)."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return {}
    if not stat.S_ISREG(status.st_mode):
        raise ValueError(f"{path} is {file_kind(status.st_mode)}, not a regular file, so it was left as it is: {FIX}")
    with reading(path, "JupyterLab settings file", FIX):
        settings = json.loads(path.read_text(encoding="utf-8"))
    checked: Iterable[str] = settings.keys() if isinstance(settings, dict) and objects is None else (objects or ())
    if not isinstance(settings, dict) or not all(isinstance(settings.get(key, {}), dict) for key in checked):
        raise damaged(path, "not a JSON object of {name: {key: value}}, so it was left as it is", FIX)
    return settings


def install(prefix: str | os.PathLike = sys.prefix) -> Path:
    """Merge the course's settings into the overrides file and the page configuration of the environment at
    `prefix`; return the overrides file's path.

    Each file is written only when the merge changes it, in one step (course_utils.files.atomic_write).
    Both are read and checked before either is written.
    """
    path, page_path = overrides_path(prefix), page_config_path(prefix)
    existing, page = read_overrides(path), read_overrides(page_path, frozenset(COURSE_PAGE_CONFIG))
    for target, before, after in (
        (path, existing, merged(existing, COURSE_SETTINGS)),
        (page_path, page, merged(page, COURSE_PAGE_CONFIG, keep=True)),
    ):
        if after != before:
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(target) as file:
                file.write(json.dumps(after, indent=2) + "\n")
    return path


def main() -> int:
    try:
        install()
    except (OSError, ValueError) as error:  # DamagedFileError is a ValueError
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
