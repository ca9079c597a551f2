"""Two clerks at once: concurrent edits are serialised, none is lost (issue 23, item 1).

Before the workspace lock, two ``landplan update``/``split`` on one folder at once both exited
0 and printed the same change id, and one edit was gone (22 of 60 edits lost in 30 concurrent
pairs); on PostGIS 6 of 12. Here two processes each run a series of edits through the command
line's ``main`` (one process each: the editing, not Python's start, is what races), with random
pauses, on the same workspace. Every edit must either land or be refused with the busy message,
and every one that landed must be in the final state and (for a folder) in the history.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from landplan.errors import WorkspaceError
from landplan.history import change_log, read_history
from landplan.lock import LOCK_FILE, WorkspaceBusyError, WorkspaceChangedError, workspace_lock
from landplan.workspace import Workspace

_WORKER = r"""
import contextlib, io, json, random, sys, time
from landplan.cli import main
edits, seed = json.loads(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
results = []
for argv in edits:
    time.sleep(rng.uniform(0, 0.04))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    results.append({"argv": argv, "rc": rc, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps(results))
"""

#: Parcels of the small park both clerks edit (each a different column, so both values must stay).
SHARED = ["HF-001", "HF-002", "HF-003", "HF-004", "HF-005", "HF-006", "HF-008", "HF-009"]


def _edits(workspace: str, n_rounds: int) -> tuple[list, list]:
    """Clerk A sets holders; clerk B sets investments on the same parcels and splits HF-007."""
    a, b = [], []
    for r in range(n_rounds):
        for pid in SHARED:
            a.append(["update", pid, "--set", f"holder=A{r}-{pid}", "--workspace", workspace])
            b.append(["update", pid, "--set", f"invested_wan={100 * r + int(pid[-1])}",
                      "--workspace", workspace])
    b.insert(len(b) // 2, ["split", "HF-007", "--area-m2", "4000", "--ids", "HF-007-1,HF-007-2",
                           "--workspace", workspace])
    return a, b


def _run_pair(workspace: str, n_rounds: int, env: dict) -> list[dict]:
    return _race(*_edits(workspace, n_rounds), env=env)


def _race(a: list, b: list, *, env: dict | None = None) -> list[dict]:
    """Run the two clerks' edit lists at once, in two processes; every edit's outcome."""
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, json.dumps(edits), str(seed)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for seed, edits in enumerate((a, b))]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        results.extend(json.loads(out))
    return results


def _check_outcomes(results: list[dict]) -> tuple[list, list]:
    landed = [r for r in results if r["rc"] == 0]
    refused = [r for r in results if r["rc"] != 0]
    for r in refused:  # refused only ever with the one-line busy message
        assert r["rc"] == 2, r
        line = r["err"].strip()
        assert "\n" not in line and "workspace busy: " in line and "nothing was written" in line, r
    return landed, refused


def _expected(landed: list[dict]) -> dict:
    """The last value each column of each parcel was set to by an edit that landed."""
    want: dict = {}
    for r in landed:
        argv = r["argv"]
        if argv[0] == "update":
            column, value = argv[3].split("=", 1)
            want[(argv[1], column)] = value  # each clerk's edits are in order in its list
    return want


def _assert_state(parcels, landed):
    by_id = parcels.set_index("parcel_id")
    for (pid, column), value in _expected(landed).items():
        got = by_id.loc[pid, column]
        same = str(got) == value if column == "holder" else float(got) == float(value)
        assert same, (pid, column, got, value)
    split_landed = any(r["argv"][0] == "split" for r in landed)
    assert ("HF-007" in by_id.index) != split_landed
    assert {"HF-007-1", "HF-007-2"} <= set(by_id.index) or not split_landed


def test_concurrent_edits_of_a_folder_are_all_kept(tmp_path, parcels_only_workspace):
    ws_path = tmp_path / "ws"
    shutil.copytree(parcels_only_workspace, ws_path)
    n_rounds = 3  # 2 × 24 updates and a split, racing
    results = _run_pair(str(ws_path), n_rounds, dict(os.environ, LANDPLAN_LOCK_WAIT_S="60"))
    landed, refused = _check_outcomes(results)
    assert len(landed) == len(results) == 2 * n_rounds * len(SHARED) + 1 and not refused
    ws = Workspace(ws_path)
    _assert_state(ws.read("parcels"), landed)
    # every edit is one change of the history, with its own id, and the history is consistent
    versions, changes = read_history(ws)
    edits = changes[changes["kind"].isin(["update", "split"])]
    assert len(edits) == len(landed)
    assert changes["change_id"].is_unique
    printed = [r["out"] for r in landed]
    ids = [line for out in printed for line in out.splitlines() if "change" in line.lower()]
    assert len(set(ids)) == len(ids)  # no two edits report the same change
    commands = sorted(edits["command"])
    assert commands == sorted("landplan " + " ".join(r["argv"]) for r in landed)
    assert ws.read("parcels")["parcel_id"].is_unique


def test_an_import_while_another_clerk_edits_keeps_both(tmp_path, parcels_only_workspace):
    """An attribute import (what the app's upload does) racing ``landplan update``s: before the
    lock 2 of 7 such imports were lost after the app had said 导入完成."""
    ws_path = tmp_path / "ws"
    shutil.copytree(parcels_only_workspace, ws_path)
    a = [["update", pid, "--set", f"holder=A{r}-{pid}", "--workspace", str(ws_path)]
         for r in range(2) for pid in SHARED]
    b = []
    for r in range(6):
        table = tmp_path / f"attributes-{r}.csv"
        table.write_text("宗地号,已完成投资(万元)\n" + "".join(f"{pid},{1000 * r + k}\n" for k, pid in
                                                       enumerate(SHARED)), encoding="utf-8")
        b.append(["import", str(table), "--layer", "parcels", "--workspace", str(ws_path)])
    results = _race(a, b)
    landed, refused = _check_outcomes(results)
    assert len(landed) == len(results), [r["err"] for r in refused]
    parcels = Workspace(ws_path).read("parcels").set_index("parcel_id")
    for k, pid in enumerate(SHARED):
        assert parcels.loc[pid, "holder"] == f"A1-{pid}"
        assert parcels.loc[pid, "invested_wan"] == 5000 + k
    kinds = list(change_log(ws_path)["kind"])
    assert kinds.count("update") == len(a) and kinds.count("import") == len(b)


def test_with_no_wait_an_edit_is_refused_whole_or_kept_whole(tmp_path, parcels_only_workspace):
    """LANDPLAN_LOCK_WAIT_S=0: a clerk who finds the workspace busy is told so at once; what
    was refused is not in the workspace, what landed is, in the history too."""
    ws_path = tmp_path / "ws"
    shutil.copytree(parcels_only_workspace, ws_path)
    results = _run_pair(str(ws_path), 2, dict(os.environ, LANDPLAN_LOCK_WAIT_S="0"))
    landed, refused = _check_outcomes(results)
    assert landed and len(landed) + len(refused) == len(results)
    ws = Workspace(ws_path)
    _assert_state(ws.read("parcels"), landed)
    changes = change_log(ws)
    assert len(changes[changes["kind"].isin(["update", "split"])]) == len(landed)


def _pg_park(postgis, schema: str, parcels_only_workspace) -> str:
    """A fresh schema of the test database holding the small park's parcels; its URL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(postgis.url)
    with engine.begin() as con:
        con.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()
    url = postgis.url.replace("postgresql+psycopg://", "postgresql://") + f"?schema={schema}"
    Workspace(url).write("parcels", Workspace(parcels_only_workspace).read("parcels"))
    return url


def test_concurrent_edits_of_a_postgis_workspace_are_all_kept(postgis, parcels_only_workspace):
    url = _pg_park(postgis, "clerks", parcels_only_workspace)
    results = _run_pair(url, 2, dict(os.environ, LANDPLAN_LOCK_WAIT_S="60"))
    landed, refused = _check_outcomes(results)
    assert len(landed) == len(results) and not refused
    _assert_state(Workspace(url).read("parcels"), landed)


def test_busy_message_names_the_holder_and_nothing_is_written(tmp_path, parcels_only_workspace):
    ws_path = tmp_path / "ws"
    shutil.copytree(parcels_only_workspace, ws_path)
    before = (ws_path / "parcels" / "parcels.gpkg").read_bytes()
    ws = Workspace(ws_path)
    with workspace_lock(ws, what="landplan split HF-001 (test)"):
        start = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "landplan.cli", "update", "HF-002", "--set",
                              "holder=X", "--workspace", str(ws_path)], capture_output=True,
                             text=True, env=dict(os.environ, LANDPLAN_LOCK_WAIT_S="0.5"))
        waited = time.perf_counter() - start
    assert run.returncode == 2
    line = run.stderr.strip()
    assert "\n" not in line
    assert f"workspace busy: {ws_path} is being changed by landplan split HF-001 (test) " \
           f"(pid {os.getpid()}) since " in line
    assert "waited 0.5 s, nothing was written: try again when it has finished" in line
    assert waited < 10
    assert (ws_path / "parcels" / "parcels.gpkg").read_bytes() == before
    # after the holder let go the same command goes through
    again = subprocess.run([sys.executable, "-m", "landplan.cli", "update", "HF-002", "--set",
                            "holder=X", "--workspace", str(ws_path)], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert (ws_path / LOCK_FILE).read_text() == ""  # no holder named while nobody holds it


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path):
    ws_path = tmp_path / "ws"
    ws_path.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\nfrom landplan.lock import workspace_lock\n"
        f"with workspace_lock({str(ws_path)!r}):\n    print('held', flush=True)\n    time.sleep(600)")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(WorkspaceBusyError, match=r"\(pid \d+\) since "), \
            workspace_lock(ws_path, wait_s=0.2):
        pass
    holder.kill()
    holder.wait()
    with workspace_lock(ws_path, wait_s=5):  # the kernel released it with the process
        pass


def test_threads_are_serialised_and_the_lock_is_reentrant(tmp_path):
    ws_path = tmp_path / "ws"
    inside, overlaps = [0], []

    def work():
        for _ in range(20):
            with workspace_lock(ws_path, wait_s=30), workspace_lock(ws_path, wait_s=0):
                inside[0] += 1
                overlaps.append(inside[0])
                time.sleep(0.001)
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(overlaps) == 80 and max(overlaps) == 1


def test_a_frame_read_before_another_write_is_refused(tmp_path, parcels_only_workspace):
    """The Python API: read, someone else writes, write the stale frame: refused, not lost."""
    ws_path = tmp_path / "ws"
    shutil.copytree(parcels_only_workspace, ws_path)
    ws = Workspace(ws_path)
    mine = ws.read("parcels")
    mine.loc[mine["parcel_id"] == "HF-001", "holder"] = "mine"
    theirs = Workspace(ws_path).read("parcels")
    theirs.loc[theirs["parcel_id"] == "HF-002", "holder"] = "theirs"
    Workspace(ws_path).write("parcels", theirs)
    with pytest.raises(WorkspaceChangedError, match=r"layer parcels was changed by another writer "
                       r"after it was read here .*read it again and redo the change"):
        ws.write("parcels", mine)
    assert isinstance(WorkspaceChangedError("x"), WorkspaceError)
    now = ws.read("parcels").set_index("parcel_id")["holder"]
    assert now["HF-002"] == "theirs" and now["HF-001"] != "mine"
    # re-read and redo: lands; the frame written may be written again (it is the version in force)
    fresh = ws.read("parcels")
    fresh.loc[fresh["parcel_id"] == "HF-001", "holder"] = "mine"
    ws.write("parcels", fresh)
    fresh.loc[fresh["parcel_id"] == "HF-003", "holder"] = "mine too"
    ws.write("parcels", fresh)
    now = ws.read("parcels").set_index("parcel_id")["holder"]
    assert (now["HF-001"], now["HF-002"], now["HF-003"]) == ("mine", "theirs", "mine too")
    # a frame read elsewhere (another workspace) is not compared
    other = tmp_path / "other"
    Workspace(other).write("parcels", Workspace(Path(parcels_only_workspace)).read("parcels"))


def test_a_postgis_workspace_says_it_keeps_no_history_and_writes_no_file(
        postgis, parcels_only_workspace, tmp_path, monkeypatch, capsys):
    """Issue 17, item 10: an edit of a PostGIS workspace wrote ./postgresql:/…/history.gpkg."""
    from landplan.cli import main

    url = _pg_park(postgis, "nohistory", parcels_only_workspace)
    monkeypatch.chdir(tmp_path)
    assert main(["update", "HF-002", "--set", "holder=X", "--workspace", url, "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "this workspace keeps no history (PostGIS)" in printed and "nothing changed" not in printed
    assert main(["history", "--workspace", url, "--lang", "en"]) == 0
    assert "this workspace keeps no history" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []  # nothing written outside the database
    assert Workspace(url).read("parcels").set_index("parcel_id").loc["HF-002", "holder"] == "X"


def test_a_geoparquet_store_keeps_no_read_stamp(tmp_path, parcels_only_workspace):
    import geopandas as gpd

    ws = Workspace(tmp_path / "pq", fmt="parquet")
    ws.write("parcels", Workspace(parcels_only_workspace).read("parcels"))
    parcels = ws.read("parcels")
    assert parcels.attrs["landplan_read_as"][1:] == ("parcels", parcels.attrs["landplan_read_as"][2])
    assert str(tmp_path) not in repr(parcels.attrs)  # the stamp names no path
    ws.write("parcels", parcels)
    stored = gpd.read_parquet(ws.existing_path("parcels"))
    assert "landplan_read_as" not in stored.attrs
    # a frame from an exported GeoParquet file (its stamp comes back as a list) is not compared
    exported = tmp_path / "export.parquet"
    ws.read("parcels").to_parquet(exported)
    again = gpd.read_parquet(exported)
    Workspace(tmp_path / "pq", fmt="parquet").write("parcels", ws.read("parcels"))  # a write meanwhile
    ws.write("parcels", again)
