"""Killed at any moment: a change is all there or not at all, nothing is left behind (issue 17, 14).

Before the commit journal, a kill between writing the parcels layer and renaming its history
left them out of step (the next command recorded the edit as ``untracked``, losing its command,
kind and date), and killed writers left ``.~history.*.gpkg`` temp files that nothing removed.

Here each editing command is killed by an injected fault at every rename it makes (just before
and just after it: a kill between two renames is the worst moment), and by ``kill -9`` at
moments spread over its run. After each kill the next reader must find the layer and its history
in step and the change either fully there or fully absent; after the next command no temporary
file may be left.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from landplan.history import _untracked, change_log, read_history
from landplan.io.atomic import JOURNAL
from landplan.workspace import Workspace

#: Runs each case in a forked child whose N-th os.replace kills it (before or after renaming).
_FAULTS = r"""
import contextlib, io, json, os, sys
from landplan.cli import main
cases = json.loads(sys.argv[1])
out = []
for case in cases:
    pid = os.fork()
    if pid == 0:
        real, count = os.replace, [0]
        def replace(a, b, n=case["n"], when=case["when"]):
            count[0] += 1
            if count[0] == n and when == "before":
                os._exit(137)
            real(a, b)
            if count[0] == n and when == "after":
                os._exit(137)
        os.replace = replace
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            rc = main(case["argv"])
        os._exit(100 + count[0] if rc == 0 else rc)  # 100 + renames made: the case ran to its end
    _, status = os.waitpid(pid, 0)
    out.append(os.waitstatus_to_exitcode(status))
print(json.dumps(out))
"""

EDITS = {
    "update": ["update", "HF-002", "--set", "holder=新权利人"],
    "split": ["split", "HF-004", "--area-m2", "9000", "--ids", "HF-004-A,HF-004-B"],
    "merge": ["merge", "HF-005-1", "HF-005-2", "--id", "HF-005M"],
}


def _applied(parcels, kind: str) -> bool:
    ids = set(parcels["parcel_id"])
    if kind == "update":
        return parcels.set_index("parcel_id").loc["HF-002", "holder"] == "新权利人"
    if kind == "split":
        assert ("HF-004" in ids) != ({"HF-004-A", "HF-004-B"} <= ids)
        return "HF-004" not in ids
    assert ("HF-005M" in ids) != ({"HF-005-1", "HF-005-2"} <= ids)
    return "HF-005M" in ids


def _temp_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".~*"))


def _check_in_step(ws_path: Path, kind: str, changes_before: int) -> bool:
    """The layer and its history agree; the change is all there or absent. Returns which."""
    ws = Workspace(ws_path)
    parcels = ws.read("parcels")  # a reader finishes a commit a killed writer left
    assert not (ws_path / JOURNAL).exists()
    versions, changes = read_history(ws)
    assert _untracked(ws, versions) == ([], [], []), "layer and history out of step"
    applied = _applied(parcels, kind)
    assert len(changes) == changes_before + applied
    if applied:
        assert changes["kind"].iloc[-1] == kind and changes["command"].iloc[-1].startswith(f"landplan {kind}")
    log_copy = (ws_path / "parcels" / "changes.csv").read_text(encoding="utf-8-sig")
    assert len(log_copy.strip().splitlines()) == len(changes) + 1  # the people's copy is in step
    assert parcels["parcel_id"].is_unique
    return applied


@pytest.fixture
def history_workspace(tmp_path, parcels_only_workspace) -> Path:
    """The small park with a history (an update and a split of HF-005 made it)."""
    path = tmp_path / "template"
    shutil.copytree(parcels_only_workspace, path)
    from landplan.edit import split_parcel, update_parcel

    update_parcel(path, "HF-009", {"holder": "第一次修改"})
    split_parcel(path, "HF-005", area_m2=10000)
    return path


def test_a_fault_at_every_rename_leaves_the_change_whole_or_absent(tmp_path, history_workspace):
    changes_before = len(change_log(history_workspace))
    # how many renames each edit makes when nothing goes wrong
    dry = {kind: tmp_path / f"dry-{kind}" for kind in EDITS}
    cases = []
    for kind, path in dry.items():
        shutil.copytree(history_workspace, path)
        cases.append({"argv": [*EDITS[kind], "--workspace", str(path)], "n": 0, "when": "never"})
    codes = json.loads(subprocess.run([sys.executable, "-c", _FAULTS, json.dumps(cases)],
                                      capture_output=True, text=True, check=True).stdout)
    renames = {kind: code - 100 for kind, code in zip(EDITS, codes, strict=True)}
    assert all(n >= 3 for n in renames.values()), renames  # layer, history, changes.csv at least
    for kind, path in dry.items():
        assert _check_in_step(path, kind, changes_before)
    # now kill each edit at each rename, before and after it
    cases, where = [], []
    for kind, n_renames in renames.items():
        for n in range(1, n_renames + 1):
            for when in ("before", "after"):
                path = tmp_path / f"{kind}-{n}-{when}"
                shutil.copytree(history_workspace, path)
                cases.append({"argv": [*EDITS[kind], "--workspace", str(path)], "n": n, "when": when})
                where.append((kind, path))
    codes = json.loads(subprocess.run([sys.executable, "-c", _FAULTS, json.dumps(cases)],
                                      capture_output=True, text=True, check=True).stdout)
    assert codes == [137] * len(cases)
    outcomes = {}
    for (kind, path), case in zip(where, cases, strict=True):
        outcomes[(kind, case["n"], case["when"])] = _check_in_step(path, kind, changes_before)
    for kind, n_renames in renames.items():  # the change happens at one rename, the journal's
        seen = [outcomes[(kind, n, w)] for n in range(1, n_renames + 1) for w in ("before", "after")]
        assert seen == sorted(seen) and seen[0] is False and seen[-1] is True, (kind, seen)
    # the next command removes every temporary file the killed ones left
    for kind, path in where:
        left = _temp_files(path)
        _next_command(path)
        assert _temp_files(path) == [], (kind, left)


def _next_command(path: Path) -> None:
    """What the clerk runs next (in this process: its start-up is not what is tested)."""
    from landplan.cli import main

    assert main(["history", "--workspace", str(path)]) == 0
    assert main(["update", "HF-003", "--set", "holder=后来", "--workspace", str(path)]) == 0


#: Moments of the run at which test_kill_9_at_moments_over_the_run kills each edit.
MOMENTS = 5


@pytest.mark.parametrize("kind", list(EDITS))
def test_kill_9_at_moments_over_the_run(tmp_path, history_workspace, kind):
    """Real SIGKILLs at moments over the last 40 % of the command's run (the first part is
    Python's start-up, which writes nothing)."""
    changes_before = len(change_log(history_workspace))
    probe = tmp_path / "probe"
    shutil.copytree(history_workspace, probe)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "landplan.cli", *EDITS[kind], "--workspace", str(probe)],
                   check=True, capture_output=True)
    duration = time.perf_counter() - start
    for k in range(MOMENTS):
        path = tmp_path / f"kill-{k}"
        shutil.copytree(history_workspace, path)
        proc = subprocess.Popen([sys.executable, "-m", "landplan.cli", *EDITS[kind], "--workspace",
                                 str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * (0.6 + 0.4 * k / MOMENTS))  # most of the run is Python's start-up
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _check_in_step(path, kind, changes_before)  # which moments landed depends on the machine
        _next_command(path)
        assert _temp_files(path) == []


_PARENT = r"""
import multiprocessing, os, sys, time
from landplan import engine
def slow():
    time.sleep(120)
context = multiprocessing.get_context("fork")
receive, send = context.Pipe(duplex=False)
child = context.Process(target=engine._worker, args=(send, slow, os.getpid()), daemon=True)
child.start()
print(child.pid, flush=True)
time.sleep(120)
"""


def test_a_forked_worker_dies_with_its_killed_parent():
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    time.sleep(0.3)
    assert not _gone(child)  # running
    parent.kill()
    parent.wait()
    for _ in range(50):
        if _gone(child):
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the worker outlived its killed parent")


def _gone(pid: int) -> bool:
    """Ended (a zombie waiting to be reaped counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True


_KILLED_IMPORT = r"""
import os, sys
from landplan.cli import main
from landplan.io import importer
real = importer.open_source
def open_and_die(*args, **kwargs):
    real(*args, **kwargs)
    os._exit(137)  # killed with the archive unpacked in its scratch folder
importer.open_source = open_and_die
main(sys.argv[1:])
"""


def test_an_import_killed_midway_leaves_a_scratch_folder_the_next_command_removes(
        tmp_path, parcels_only_workspace):
    import tempfile
    import zipfile

    ws = tmp_path / "ws"
    shutil.copytree(parcels_only_workspace, ws)
    table = tmp_path / "attributes.csv"
    table.write_text("宗地号,土地使用权人\nHF-002,X\n", encoding="utf-8")
    archive = tmp_path / "attributes.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(table, "attributes.csv")
    killed = subprocess.run([sys.executable, "-c", _KILLED_IMPORT, "import", str(archive), "--layer",
                             "parcels", "--workspace", str(ws)], capture_output=True, text=True)
    assert killed.returncode == 137
    left = [p for p in Path(tempfile.gettempdir()).glob("landplan-import-*")
            if p.name.split("-")[2].isdigit()]
    dead = [p for p in left if not _alive_pid(int(p.name.split("-")[2]))]
    assert dead and any(p.rglob("attributes.csv") for p in dead)
    mine = Path(tempfile.mkdtemp(prefix=f"landplan-import-{os.getpid()}-"))  # a live one stays
    try:
        from landplan.cli import main

        assert main(["import", str(table), "--layer", "parcels", "--workspace", str(ws)]) == 0
        assert not any(p.exists() for p in dead)
        assert mine.exists()
    finally:
        shutil.rmtree(mine)
    assert _temp_files(ws) == []


def _alive_pid(pid: int) -> bool:
    return not _gone(pid) if Path(f"/proc/{pid}").exists() else False


def test_edits_of_a_workspace_named_by_a_relative_path(tmp_path, parcels_only_workspace, monkeypatch):
    """`landplan update … --workspace ws` from the folder above it (the commit's journal
    names files relative to the workspace; mkstemp gives absolute names)."""
    from landplan.cli import main

    shutil.copytree(parcels_only_workspace, tmp_path / "ws")
    monkeypatch.chdir(tmp_path)
    assert main(["update", "HF-002", "--set", "holder=甲", "--workspace", "ws"]) == 0
    assert main(["update", "HF-002", "--set", "holder=乙", "--workspace", "ws"]) == 0
    assert main(["split", "HF-004", "--area-m2", "9000", "--workspace", "ws"]) == 0
    assert Workspace("ws").read("parcels").set_index("parcel_id").loc["HF-002", "holder"] == "乙"
    assert len(change_log("ws")) == 4 and _temp_files(tmp_path / "ws") == []
