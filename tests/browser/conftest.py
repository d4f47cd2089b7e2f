"""Fixtures for the browser tests: a throwaway JupyterLab server and a headless Chromium page.

The server runs from this Python environment (`sys.executable -m jupyter lab`)
on a free local port, in a temporary folder holding a copy of the notebooks
under test (the test module's `NOTEBOOKS`), with Jupyter's config, data and
runtime folders in that temporary place too (the venv's `birnn-course` kernel
is still found under sys.prefix). One server serves all of a module's
notebooks. JupyterLab is set to draw every cell (no windowing), so every
output is in the page. Every wait has a timeout, and teardown stops the
kernels, then the server's whole process group.

Without /usr/bin/chromium (or Playwright) the tests are skipped, except in CI
(CI=true), where `.ci/run` installs Chromium and a missing browser is a failure.
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

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
KERNEL = "birnn-course"
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
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
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


def menu(page, title: str, command: str) -> None:
    """Open a menu of the menu bar and run one of its commands."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{title}$")).click()
    page.locator(f".lm-Menu-item[data-command='{command}']").click()


def run_in_lab(page, lab: Lab, notebook: str, timeout_s: float = 120) -> None:
    """Open `notebook` (a file name in the server's folder) in JupyterLab, clear its stored outputs and run
    every cell; return once the last cell has run, the kernel is idle and every output is drawn."""
    from playwright.sync_api import expect

    lab.start_session(notebook)
    page.goto(f"{lab.url}/lab/tree/{notebook}?token={lab.token}")
    status = page.locator("#jp-main-statusbar")
    expect(status).to_contain_text(f"({KERNEL}) | Idle", timeout=SERVER_START_S * 1000)
    open_sidebar = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if open_sidebar.count():  # fold the file browser (the workspace remembers it between pages)
        open_sidebar.click()
    prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt")
    menu(page, "Edit", "editmenu:clear-all")  # so stored execution counts cannot pass for fresh ones
    expect(prompts.last).to_have_text("[ ]:")
    menu(page, "Run", "runmenu:run-all")
    expect(prompts.last).to_have_text(re.compile(r"\[\d+\]:"), timeout=timeout_s * 1000)  # the last cell has run
    expect(status).to_contain_text(f"({KERNEL}) | Idle")
    # A widget's output stays empty until its view is drawn (after the kernel has gone idle).
    expect(page.locator(".jp-Notebook .jp-OutputArea-output:empty")).to_have_count(0)


@pytest.fixture
def artifacts():
    """The folder for screenshots, test-artifacts/browser/ (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def page(request, playwright_api, artifacts):
    """A fresh headless Chromium page; on failure its screenshot goes to test-artifacts/browser/."""
    browser = playwright_api.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(30_000)
        # Should JupyterLab still ask which kernel to use, accept the one it proposes (birnn-course).
        kernel_dialog = page.locator(".jp-Dialog").filter(has_text="Select Kernel")
        page.add_locator_handler(kernel_dialog, lambda dialog: dialog.get_by_role("button", name="Select").click())
        yield page
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            page.screenshot(path=str(artifacts / f"failed-{request.node.name}.png"))
    finally:
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
