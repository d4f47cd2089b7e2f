"""The settings `make lab` gives the venv's JupyterLab (tools/lab_settings.py): no news prompt, no nbgrader
menus, other settings kept."""

import json
import os

import pytest

from course_utils.files import DamagedFileError
from tools.lab_settings import COURSE_SETTINGS, install, overrides_path, page_config_path

NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def test_a_new_environment_gets_the_course_settings_where_jupyterlab_reads_them(tmp_path):
    path = install(tmp_path)
    assert path == tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(path.read_text()) == COURSE_SETTINGS
    assert COURSE_SETTINGS[NOTIFICATION] == {"fetchNews": "false", "checkForUpdates": False}


def test_settings_already_there_are_kept_and_only_the_course_keys_are_set(tmp_path):
    path = overrides_path(tmp_path)
    path.parent.mkdir(parents=True)
    theirs = {
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
        NOTIFICATION: {"doNotDisturb": True},
    }
    path.write_text(json.dumps(theirs))
    install(tmp_path)
    assert json.loads(path.read_text()) == {
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
        NOTIFICATION: {"doNotDisturb": True, "fetchNews": "false", "checkForUpdates": False},
    }


def test_a_second_run_leaves_the_file_untouched(tmp_path):
    path = install(tmp_path)
    os.utime(path, (1_000_000, 1_000_000))
    install(tmp_path)
    assert path.stat().st_mtime == 1_000_000


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"plugin": "not an object"}'])
def test_a_file_that_is_not_a_settings_object_is_left_as_it_is(tmp_path, content):
    path = overrides_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(DamagedFileError, match="overrides.json"):
        install(tmp_path)
    assert path.read_text() == content


def test_a_symbolic_link_is_not_followed_out_of_the_environment(tmp_path):
    elsewhere = tmp_path / "shared-settings.json"
    elsewhere.write_text("{}")
    path = overrides_path(tmp_path / "venv")
    path.parent.mkdir(parents=True)
    path.symlink_to(elsewhere)
    with pytest.raises(ValueError, match="a symbolic link, not a regular file"):
        install(tmp_path / "venv")
    assert elsewhere.read_text() == "{}" and path.is_symlink()


def test_nbgraders_extension_is_listed_as_disabled_where_jupyterlab_reads_it(tmp_path):
    install(tmp_path)
    path = page_config_path(tmp_path)
    assert path == tmp_path / "etc" / "jupyter" / "labconfig" / "page_config.json"
    assert json.loads(path.read_text()) == {"disabledExtensions": {"@jupyter/nbgrader": True}}


def test_an_extension_someone_enabled_stays_enabled_and_other_keys_are_kept(tmp_path):
    path = page_config_path(tmp_path)
    path.parent.mkdir(parents=True)
    # What `jupyter labextension enable @jupyter/nbgrader` writes, and another key of the page configuration.
    theirs = {"disabledExtensions": {"@jupyter/nbgrader": False}, "lockedExtensions": {}, "buildAvailable": False}
    path.write_text(json.dumps(theirs))
    install(tmp_path)
    assert json.loads(path.read_text()) == theirs


def test_a_page_configuration_that_is_not_one_is_left_as_it_is_and_nothing_is_written(tmp_path):
    path = page_config_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('{"disabledExtensions": ["@jupyter/nbgrader"]}')
    with pytest.raises(DamagedFileError, match="page_config.json"):
        install(tmp_path)
    assert not overrides_path(tmp_path).exists()  # both files are checked before either is written
