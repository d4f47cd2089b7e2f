"""Stop `make` early, with one clear line, when this Python cannot build the course's venv."""
import sys

if sys.version_info < (3, 10):
    sys.exit(
        f"birnn-course needs Python 3.10 or newer; `{sys.executable}` is "
        f"{sys.version.split()[0]}. Run `make PYTHON=python3.11 ...` with a newer one."
    )
try:
    import ensurepip  # noqa: F401  (venv needs it to put pip in the new environment)
    import venv  # noqa: F401
except ImportError:
    sys.exit(
        "This Python has no venv/ensurepip support. On Debian/Ubuntu: "
        "`sudo apt-get install python3-venv`, then run make again."
    )
