"""Fixtures for the browser tests: a throwaway JupyterLab server and a headless Chromium page.

The server runs from this Python environment (`sys.executable -m jupyter lab`)
on a free local port, in a temporary folder holding a copy of the notebooks
under test (the test module's `NOTEBOOKS`), with Jupyter's config, data and
runtime folders in that temporary place too (the venv's own `python3` kernel
is still found under sys.prefix). One server serves all of a module's
notebooks. JupyterLab is set to draw every cell (no windowing), so every
output is in the page. The kernels save the learner's progress where a
learner's would be, in Jupyter's data folder (`Lab.progress_file`), here the
throwaway one. Every wait has a timeout, and teardown stops the kernels, then the server's
whole process group.

The browser is $CHROMIUM if set (any Chromium or Chrome executable), else
Debian's /usr/bin/chromium. Without it (or without Playwright) the tests are
skipped and the run ends with a banner that says so and how to get Chromium,
except in CI (CI=true), where `.ci/run` installs Chromium and a missing browser
is a failure.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from course_utils.learner.store import ENV_VAR as PROGRESS_ENV_VAR

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DEBIAN_CHROMIUM = "/usr/bin/chromium"
CHROMIUM = Path(os.environ.get("CHROMIUM") or DEBIAN_CHROMIUM)
GET_CHROMIUM = f"""\
The quiz was not clicked through in a real browser. To run these tests, give them a Chromium:
  Debian or Ubuntu:  sudo apt-get install chromium           (installs {DEBIAN_CHROMIUM})
  macOS:             brew install --cask chromium, then
                     make test CHROMIUM=/Applications/Chromium.app/Contents/MacOS/Chromium
  a Chrome or Chromium you already have:  make test CHROMIUM=/path/to/its/executable
(Playwright drives it; `playwright install` is not needed.)"""
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The standard kernel the notebooks name; JupyterLab shows its display name in the status bar.
KERNEL = "python3"
KERNEL_DISPLAY_NAME = "Python 3 (ipykernel)"
IDLE = f"{KERNEL_DISPLAY_NAME} | Idle"
# JupyterLab reads overrides.json from its app settings folder: no news popup, and no windowing, so that
# every cell and every output is drawn in the page, not only those scrolled into view.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}
SERVER_START_S = 90
STOP_S = 15


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must provide it (.ci/run installs Chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_api():
    if not CHROMIUM.is_file():
        _unavailable(f"no Chromium at {CHROMIUM} (set CHROMIUM=/path/to/chromium to use another)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as api:
        yield api


class Lab:
    """A running JupyterLab server: its URL, token, and the folder it serves."""

    def __init__(self, url: str, token: str, folder: Path, process: subprocess.Popen, log: Path):
        self.url, self.token, self.folder, self.process, self.log = url, token, folder, process, log

    def api(self, method: str, path: str, body=None, timeout: float = 30):
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def start_session(self, notebook: str) -> None:
        """Start the notebook's kernel before the page opens, so no "Select Kernel" dialog appears."""
        self.api(
            "POST",
            "/api/sessions",
            {"path": notebook, "type": "notebook", "name": notebook, "kernel": {"name": KERNEL}},
        )

    @property
    def progress_file(self) -> Path:
        """Where the kernels save the learner's progress: birnn-course/progress.json in the server's data folder."""
        return self.folder.parent / "data" / "birnn-course" / "progress.json"

    def end_sessions(self) -> None:
        """Shut down every kernel the server runs (a module that runs many notebooks frees each one's)."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}", timeout=STOP_S)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_ready(lab: Lab) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {lab.process.returncode}:\n{lab.log_tail()}")
        try:
            lab.api("GET", "/api/status", timeout=5)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {SERVER_START_S} s:\n{lab.log_tail()}")


def _stop(lab: Lab) -> None:
    """Shut the kernels down through the API, then stop the server's process group."""
    try:
        for kernel in lab.api("GET", "/api/kernels", timeout=5):
            lab.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=STOP_S)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        pass  # the server is already gone; its process group is handled below
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(lab.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            lab.process.wait(timeout=STOP_S)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def lab_server(request, tmp_path_factory, playwright_api):
    """A JupyterLab server on copies of the module's `NOTEBOOKS` (paths under the repository), side by side."""
    base = tmp_path_factory.mktemp("jupyterlab")
    folder, settings = base / "work", base / "app-settings"
    folder.mkdir()
    settings.mkdir()
    for notebook in request.module.NOTEBOOKS:
        shutil.copy(ROOT / notebook, folder / Path(notebook).name)
    (settings / "overrides.json").write_text(json.dumps(LAB_SETTINGS))
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    env.pop(
        PROGRESS_ENV_VAR, None
    )  # the tests' own store: the kernels use the default place, in JUPYTER_DATA_DIR below
    env.update(
        {
            name: str(base / sub)
            for name, sub in (
                ("JUPYTER_CONFIG_DIR", "config"),
                ("JUPYTER_DATA_DIR", "data"),
                ("JUPYTER_RUNTIME_DIR", "runtime"),
                ("IPYTHONDIR", "ipython"),
            )
        }
    )
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={folder}",
        f"--LabApp.app_settings_dir={settings}",
    ]
    log = base / "server.log"
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    lab = Lab(f"http://127.0.0.1:{port}", token, folder, process, log)
    try:
        _wait_until_ready(lab)
        yield lab
    finally:
        _stop(lab)


@pytest.fixture
def notebook(request, lab_server, page):
    """The module's first notebook open in JupyterLab, its stored outputs cleared and every cell run again."""
    run_in_lab(page, lab_server, Path(request.module.NOTEBOOKS[0]).name)
    return page


def run_in_lab(page, lab: Lab, notebook: str, timeout_s: float = 120) -> None:
    """Open `notebook` (a file name in the server's folder) in JupyterLab and run every cell (see `run_all`)."""
    from playwright.sync_api import expect

    lab.start_session(notebook)
    # `reset` empties the workspace first. The server keeps it between pages, and it would reopen every
    # notebook an earlier test opened: each tab a kernel and a page of outputs, where `.jp-Notebook`
    # finds cells of the wrong notebook (a run once waited for "[ ]:" and read another tab's "[29]:").
    page.goto(f"{lab.url}/lab/tree/{notebook}?reset&token={lab.token}")
    # JupyterLab's first page load can take longer than 30 s on a busy 2-core machine
    expect(page.locator("#jp-main-statusbar")).to_contain_text(IDLE, timeout=SERVER_START_S * 1000)
    expect(page.locator(".jp-NotebookPanel")).to_have_count(1)
    open_sidebar = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if open_sidebar.count():  # fold the file browser, which an emptied workspace opens
        open_sidebar.click()
    run_all(page, "runmenu:run-all", timeout_s)


def run_all(page, command: str, timeout_s: float = 120) -> None:
    """Clear every output, run every cell with a Run menu command; return once the last cell has run,
    the kernel is idle and every output is drawn.

    Clearing first resets the execution counts, so a stored count cannot pass for a fresh one.
    """
    from playwright.sync_api import expect

    prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt")
    menu(page, "Edit", "editmenu:clear-all")
    expect(prompts.last).to_have_text("[ ]:")
    menu(page, "Run", command)
    if command.startswith("runmenu:restart"):  # JupyterLab asks before it restarts a kernel
        page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(prompts.last).to_have_text(re.compile(r"\[\d+\]:"), timeout=timeout_s * 1000)  # the last cell has run
    expect(page.locator("#jp-main-statusbar")).to_contain_text(IDLE)
    # A widget's output stays empty until its view is drawn (after the kernel has gone idle).
    expect(page.locator(".jp-Notebook .jp-OutputArea-output:empty")).to_have_count(0)


def menu(page, title: str, command: str) -> None:
    """Open a menu of the menu bar and run one of its commands."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{title}$")).click()
    page.locator(f".lm-Menu-item[data-command='{command}']").click()


@pytest.fixture
def artifacts():
    """The folder for screenshots, test-artifacts/browser/ (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def page(request, playwright_api, artifacts):
    """A fresh headless Chromium page; on failure its screenshot goes to test-artifacts/browser/."""
    from playwright.sync_api import expect

    browser = playwright_api.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(30_000)
        # Assertions wait as long as actions: on a busy machine a kernel takes more than expect's default 5 s
        # to start or to answer a click.
        expect.set_options(timeout=30_000)
        # Should JupyterLab still ask which kernel to use, accept the one it proposes (python3).
        kernel_dialog = page.locator(".jp-Dialog").filter(has_text="Select Kernel")
        page.add_locator_handler(kernel_dialog, lambda dialog: dialog.get_by_role("button", name="Select").click())
        yield page
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            page.screenshot(path=str(artifacts / f"failed-{request.node.name}.png"))
    finally:
        browser.close()


def pytest_terminal_summary(terminalreporter) -> None:
    """End the run with a banner when browser tests were skipped: a quiet "3 skipped" is easy to miss."""
    skipped = [report for report in terminalreporter.stats.get("skipped", []) if "browser" in report.keywords]
    if not skipped:
        return
    reasons = sorted({report.longrepr[2].removeprefix("Skipped: ") for report in skipped})
    terminalreporter.section("BROWSER TESTS DID NOT RUN", sep="!", red=True, bold=True)
    terminalreporter.line(f"{len(skipped)} browser test(s) skipped: {'; '.join(reasons)}", red=True, bold=True)
    terminalreporter.line(GET_CHROMIUM)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
