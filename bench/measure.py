"""How the benchmarks measure a command (one helper for every script in bench/).

`timed(cmd)` runs cmd as a child of this process and takes its own resource usage from
`os.wait4`: wall time, CPU time (user + system, the steadier figure on a shared machine)
and peak RSS of that child alone (not the largest of all children so far, as
RUSAGE_CHILDREN would give). The child's output is discarded; its stderr is shown when
it fails (exit codes 0 and 1 are success: 1 means error findings were written).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from typing import NamedTuple

AUDIT = [sys.executable, "-c", "from audit.cli import main; main()"]


class Measured(NamedTuple):
    wall: float   # seconds
    mb: int       # peak resident memory, MB
    rc: int       # exit code
    cpu: float    # user + system seconds


def timed(cmd: list[str]) -> Measured:
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = rc = os.waitstatus_to_exitcode(status)
        if rc not in (0, 1):
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace")[-2000:])
    return Measured(wall, usage.ru_maxrss // 1024, rc, usage.ru_utime + usage.ru_stime)


def load() -> str:
    """The machine's load average (1, 5, 15 min): print it beside every figure."""
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"
