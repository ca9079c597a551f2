"""A reader that stops early (``landplan rules | head -1``) ends the command quietly: exit 0,
nothing on stderr, no traceback."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys

F_SETPIPE_SZ = 1031  # Linux: the pipe's buffer, made smaller than what `rules` prints


def test_closed_pipe_is_not_a_traceback(repo_root):
    read_fd, write_fd = os.pipe()
    fcntl.fcntl(write_fd, F_SETPIPE_SZ, 4096)
    proc = subprocess.Popen([sys.executable, "-m", "landplan.cli", "rules", "--workspace",
                             str(repo_root / "data")], stdout=write_fd,
                            stderr=subprocess.PIPE, cwd=repo_root)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as out:
        assert out.readline()  # the first line, as `head -1` reads it; then the reader goes away
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err
