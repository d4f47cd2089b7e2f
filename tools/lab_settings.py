"""Give the course's own JupyterLab (the one `make lab` starts from .venv) the settings the course wants.

Today that is one: no "Would you like to get notified about official Jupyter news?" prompt, and no
check for JupyterLab updates (the course pins what it installs). JupyterLab reads default settings
that override its own from `<environment>/share/jupyter/lab/settings/overrides.json`; this tool
merges the course's settings into that file of the environment it runs in (`sys.prefix`):

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
from pathlib import Path

from course_utils.files import atomic_write, damaged, file_kind, reading

# plugin id -> {setting: value}, in the form of JupyterLab's settings schemas (fetchNews is a string there).
COURSE_SETTINGS: dict[str, dict[str, object]] = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}
FIX = "fix or remove it yourself (JupyterLab reads it at start), then run `make lab` again"


def overrides_path(prefix: str | os.PathLike) -> Path:
    """Where a JupyterLab installed in the environment at `prefix` reads its overriding default settings."""
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def merged(existing: dict[str, dict[str, object]], course: dict[str, dict[str, object]]) -> dict:
    """`existing` settings with the course's set on top: other plugins' and other keys' settings are kept."""
    result = {plugin: dict(settings) for plugin, settings in existing.items()}
    for plugin, settings in course.items():
        result.setdefault(plugin, {}).update(settings)
    return result


def read_overrides(path: Path) -> dict[str, dict[str, object]]:
    """The settings in the overrides file at `path` ({} when there is none); refuse a file that is not one."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return {}
    if not stat.S_ISREG(status.st_mode):
        raise ValueError(f"{path} is {file_kind(status.st_mode)}, not a regular file, so it was left as it is: {FIX}")
    with reading(path, "JupyterLab settings file", FIX):
        settings = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(settings, dict) or not all(isinstance(value, dict) for value in settings.values()):
        raise damaged(path, "not a JSON object of {plugin id: {setting: value}}, so it was left as it is", FIX)
    return settings


def install(prefix: str | os.PathLike = sys.prefix) -> Path:
    """Merge the course's settings into the overrides file of the environment at `prefix`; return its path.

    The file is written only when the merge changes it, in one step (course_utils.files.atomic_write).
    """
    path = overrides_path(prefix)
    existing = read_overrides(path)
    settings = merged(existing, COURSE_SETTINGS)
    if settings != existing:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as file:
            file.write(json.dumps(settings, indent=2) + "\n")
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
