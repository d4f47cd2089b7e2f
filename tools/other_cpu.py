"""Run a command as if on another CPU: other float kernels, so rounding differs from the usual run.

    python -m tools.other_cpu pytest --nbval ... notebooks/

Stored notebook outputs were made on one machine; a learner's or CI's machine
rounds floats differently (other vector units, other BLAS paths). This runner
stands in for such a machine on the developer's own one. It sets, for the
command and every kernel it starts:

* `MKL_CBWR=COMPATIBLE`: MKL's conditional bitwise reproducibility mode, which
  takes its SSE2 code path instead of the AVX2/AVX-512 one;
* `ATEN_CPU_CAPABILITY=default`: ATen's own vectorised kernels without AVX2 or
  AVX-512;
* oneDNN off (`torch.backends.mkldnn.enabled = False`), through an IPython
  startup file, because no environment variable turns it off; kernels started
  with `IPYTHONDIR` pointing at the folder this runner prepares run it first.

None of these makes two CPUs agree bit for bit; together they change enough
trailing digits that a stored output which depends on them fails here, before
it fails elsewhere. Facts and claims must pass under them too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ENVIRONMENT = {"MKL_CBWR": "COMPATIBLE", "ATEN_CPU_CAPABILITY": "default"}
STARTUP_FILE = "00-onednn-off.py"
STARTUP_CODE = '''"""Written by tools/other_cpu.py: turn oneDNN off in every kernel of the run."""

import torch

torch.backends.mkldnn.enabled = False
'''


def prepare_ipython_dir(folder: Path) -> Path:
    """Make `folder` an IPYTHONDIR whose default profile turns oneDNN off at kernel start; return it."""
    startup = folder / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / STARTUP_FILE).write_text(STARTUP_CODE, encoding="utf-8")
    return folder


def environment(ipython_dir: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) with the other-CPU switches and the prepared IPYTHONDIR."""
    env = dict(os.environ if base is None else base)
    env.update(ENVIRONMENT)
    env["IPYTHONDIR"] = str(prepare_ipython_dir(ipython_dir))
    return env


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m tools.other_cpu COMMAND [ARGS...]   e.g. pytest --nbval notebooks/", file=sys.stderr)
        return 2
    # The IPython folder goes next to the one the caller uses (the Makefile's throwaway test home).
    home = Path(os.environ.get("IPYTHONDIR", Path.home() / ".ipython")).parent
    env = environment(home / ".ipython-other-cpu")
    command = [sys.executable, "-m", *args] if args[0] == "pytest" else args
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
