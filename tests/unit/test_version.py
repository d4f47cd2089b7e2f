"""The course's version is written once (`course_utils.__version__`) and every place that names it agrees:
the installed distribution's metadata, CHANGELOG.md's newest entry and CITATION.cff."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import yaml
from packaging.version import Version

import course_utils
from course_utils.course import REPOSITORY_URL

ROOT = Path(__file__).resolve().parents[2]
# A release heading of CHANGELOG.md: "## [0.2.0] - 2026-12-06".
RELEASE = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})$", re.MULTILINE)


def changelog_releases() -> list[tuple[str, str]]:
    """(version, date) of each release in CHANGELOG.md, newest first, as the file lists them."""
    return [(m["version"], m["date"]) for m in RELEASE.finditer((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))]


def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_the_version_is_a_release_version():
    assert str(Version(course_utils.__version__)) == course_utils.__version__


def test_the_installed_distribution_has_the_packages_version():
    # An editable install keeps the version it was installed with: after changing __version__, install again.
    assert importlib.metadata.version("birnn-course") == course_utils.__version__


def test_the_changelogs_newest_entry_is_this_version():
    releases = changelog_releases()
    assert releases, "CHANGELOG.md has no '## [version] - YYYY-MM-DD' heading"
    assert releases[0][0] == course_utils.__version__


def test_the_changelog_lists_releases_newest_first_with_no_unreleased_section():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = [Version(version) for version, _ in changelog_releases()]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    assert "[Unreleased]" not in text


def test_the_citation_names_this_version_and_the_changelogs_date():
    newest_version, newest_date = changelog_releases()[0]
    cff = citation()
    assert (cff["version"], str(cff["date-released"])) == (course_utils.__version__, newest_date)
    assert newest_version == course_utils.__version__


def test_the_citation_points_at_the_courses_repository_and_licence():
    cff = citation()
    assert cff["repository-code"] == REPOSITORY_URL
    assert cff["license"] == "MIT" and cff["cff-version"] == "1.2.0"
