"""Run a command in a child process and measure what it took: wall time and peak memory.

``run_capped([...])`` starts the command under a small Python wrapper that waits for it and
reports the child's peak resident set (``RUSAGE_CHILDREN`` of the wrapper, which has no other
child), so the figure is the command's own, whatever else the test process has run. The
command is killed after ``timeout_s`` (the test then fails on the time, not by hanging).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass

_WRAPPER = r"""
import json, resource, subprocess, sys
argv, timeout = json.loads(sys.argv[1]), float(sys.argv[2])
try:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    rc, out, err = done.returncode, done.stdout, done.stderr
except subprocess.TimeoutExpired as exc:
    rc, out, err = -9, (exc.stdout or b"").decode(errors="replace"), "TIMEOUT"
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(json.dumps({"rc": rc, "out": out, "err": err, "peak_kib": peak_kib}))
"""


@dataclass
class Capped:
    returncode: int
    stdout: str
    stderr: str
    peak_mb: float
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.stderr == "TIMEOUT"


def landplan_cmd(*args: str) -> list[str]:
    """The ``landplan`` console command of this interpreter's environment."""
    return [sys.executable, "-c", "import sys; from landplan.cli import main; sys.exit(main())", *args]


def run_capped(argv: list[str], *, timeout_s: float = 60.0, cwd=None) -> Capped:
    start = time.perf_counter()
    wrapper = subprocess.run([sys.executable, "-c", _WRAPPER, json.dumps(argv), str(timeout_s)],
                             capture_output=True, text=True, cwd=cwd, timeout=timeout_s + 30)
    seconds = time.perf_counter() - start
    got = json.loads(wrapper.stdout)
    return Capped(got["rc"], got["out"], got["err"], got["peak_kib"] / 1024, seconds)
