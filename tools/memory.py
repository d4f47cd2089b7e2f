"""Peak memory of one piece of work in this process, for the benchmark (Linux; None elsewhere).

`ru_maxrss` is a high-water mark of the whole process that never comes down,
so it cannot tell two contenders apart. Linux lets a process reset its mark
(write 5 to /proc/self/clear_refs), and glibc can give its free memory back
(`malloc_trim`); between the two, the mark's rise during one run is what that
run needed, allocator overhead included.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable
from pathlib import Path


def peak_growth_mib(run: Callable[[], object]) -> float | None:
    """How far this process's peak resident memory rises above its current size while `run()` runs, in MiB.

    Linux only (None elsewhere, or where /proc/self/clear_refs cannot be
    written): glibc's free memory is given back first (`malloc_trim`), the
    kernel's high-water mark reset (writing 5 to /proc/self/clear_refs), and
    VmHWM read after. Call `fix_allocator_threshold()` once first, or blocks
    that glibc keeps after one contender make the next look smaller.
    """
    status, clear_refs = Path("/proc/self/status"), Path("/proc/self/clear_refs")
    if not status.exists():
        return None
    _glibc_call("malloc_trim", 0)
    try:
        clear_refs.write_text("5")
    except OSError:
        return None
    before = _status_kib(status, "VmRSS")
    run()
    return (_status_kib(status, "VmHWM") - before) / 1024


def fix_allocator_threshold() -> None:
    """Make glibc serve every block of 128 KiB or more with its own mapping, returned on free (no-op elsewhere).

    glibc raises that threshold as a program frees large blocks, and then keeps
    them; fixing it lets the resident size follow the memory in use, so that
    `peak_growth_mib` measures each contender alike.
    """
    m_mmap_threshold = -3  # mallopt's parameter number in glibc's malloc.h
    _glibc_call("mallopt", m_mmap_threshold, 128 * 1024)


def _glibc_call(name, *arguments) -> None:
    library = ctypes.util.find_library("c")
    function = getattr(ctypes.CDLL(library), name, None) if library and sys.platform.startswith("linux") else None
    if function is not None:
        function(*arguments)


def _status_kib(status: Path, field: str) -> int:
    for line in status.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise ValueError(f"{field} not found in {status}")
