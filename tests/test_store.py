"""The store: an update of one parcel made in place gives what the full rewrite gives.

Two copies of one workspace with a history get the same update: one in place (the parcel's row
updated in ``parcels.gpkg``, the history appended in one SQLite transaction), the other by the
full rewrite (its sync note removed, so landplan cannot trust the files and rewrites them).
The workspaces read back must be equal column by column, history included, and the
GeoPackages stay valid (spatial index, feature counts, last change).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from landplan import Workspace
from landplan.demo import make_demo
from landplan.edit import EditError, update_parcel
from landplan.errors import LandplanError
from landplan.history import SYNC_FILE, change_log, in_sync, read_history

DAY = dt.date(2026, 3, 1)
VALUES = {"holder": "合肥新材料有限公司", "invested_wan": "5200", "supply_date": "2021年3月1日",
          "site_leveled": "是", "graves_moved": "3", "idle_cause": ""}


@pytest.fixture(scope="module")
def started(tmp_path_factory) -> tuple[Path, str]:
    """A 60-parcel demo workspace whose history a first update started."""
    path = tmp_path_factory.mktemp("store") / "park"
    parcels = make_demo(parcels=60, seed=2).parcels
    Workspace(path).write("parcels", parcels)
    parcel = str(parcels["parcel_id"].iloc[17])
    update_parcel(path, parcel, {"holder": "起始企业"}, date=dt.date(2026, 1, 1))
    return path, parcel


def _copy(started, tmp_path, name) -> Path:
    out = tmp_path / name
    shutil.copytree(started[0], out)
    return out


def _state(path: Path):
    ws = Workspace(path)
    versions, changes = read_history(ws)
    return ws.read("parcels"), versions, changes.drop(columns=["recorded_at"])


def _same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    assert list(a.columns) == list(b.columns), what
    for column in a.columns:
        pd.testing.assert_series_equal(a[column], b[column], obj=f"{what}.{column}")


def test_update_in_place_equals_the_full_rewrite(started, tmp_path):
    fast, full = _copy(started, tmp_path, "fast"), _copy(started, tmp_path, "full")
    (full / SYNC_FILE).unlink()  # no note: the files cannot be trusted, everything is rewritten
    layer = fast / "parcels" / "parcels.gpkg"
    inode = layer.stat().st_ino
    a = update_parcel(fast, started[1], VALUES, date=DAY)
    b = update_parcel(full, started[1], VALUES, date=DAY)
    assert layer.stat().st_ino == inode  # updated in place, not replaced
    assert (full / "parcels" / "parcels.gpkg").stat().st_ino != inode
    assert a.change_id == b.change_id == 3
    _same(a.after.reset_index(drop=True), b.after.reset_index(drop=True), "after")
    for what, x, y in zip(("parcels", "versions", "changes"), _state(fast), _state(full), strict=True):
        _same(x, y, what)
    assert in_sync(Workspace(fast)) and in_sync(Workspace(full))
    csv = (fast / "parcels" / "changes.csv").read_text(encoding="utf-8-sig")
    assert csv.count("\n") == 4 and "合肥新材料有限公司" in csv


def test_update_in_place_keeps_the_geopackages_valid(started, tmp_path):
    fast = _copy(started, tmp_path, "fast")
    history = fast / "parcels" / "history.gpkg"
    with sqlite3.connect(history) as con:
        before = con.execute("SELECT last_change FROM gpkg_contents WHERE table_name = 'versions'").fetchone()[0]
    update_parcel(fast, started[1], {"holder": "另一家企业"}, date=DAY)
    with sqlite3.connect(history) as con:
        rows = con.execute("SELECT count(*) FROM versions").fetchone()[0]
        assert con.execute("SELECT count(*) FROM rtree_versions_geom").fetchone()[0] == rows
        assert con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'versions'"
                           ).fetchone()[0] == rows
        after = con.execute("SELECT last_change FROM gpkg_contents WHERE table_name = 'versions'").fetchone()[0]
    assert after > before
    # GDAL finds the new version through the spatial index
    newest = pyogrio.read_dataframe(history, layer="versions", where="valid_to IS NULL AND parcel_id = "
                                    f"'{started[1]}'")
    hits = pyogrio.read_dataframe(history, layer="versions", bbox=tuple(newest.total_bounds))
    assert "另一家企业" in set(hits["holder"])


def test_an_outside_edit_makes_the_next_update_record_it(started, tmp_path):
    path = _copy(started, tmp_path, "outside")
    layer = path / "parcels" / "parcels.gpkg"
    frame = pyogrio.read_dataframe(layer, layer="parcels")
    other = str(frame["parcel_id"].iloc[3])
    frame.loc[3, "holder"] = "QGIS里改的"
    pyogrio.write_dataframe(frame, layer, layer="parcels", promote_to_multi=True)
    assert not in_sync(Workspace(path))
    update_parcel(path, started[1], {"holder": "之后的企业"}, date=DAY)
    log = change_log(path)
    assert list(log["kind"].iloc[-2:]) == ["untracked", "update"]
    assert log["changed"].iloc[-2] == other


def test_update_in_place_refuses_a_date_before_the_version_in_force(started, tmp_path):
    path = _copy(started, tmp_path, "early")
    layer = path / "parcels" / "parcels.gpkg"
    stamp = layer.stat().st_mtime_ns
    with pytest.raises(LandplanError, match="cannot come before"):
        update_parcel(path, started[1], {"holder": "太早"}, date=dt.date(2025, 12, 1))
    assert layer.stat().st_mtime_ns == stamp
    with pytest.raises(EditError, match="no column"):
        update_parcel(path, started[1], {"no_such": "1"}, date=DAY)
    assert in_sync(Workspace(path)) and len(change_log(path)) == 2


def test_postgis_update_is_one_update_in_place(postgis, started, tmp_path):
    from sqlalchemy import create_engine, text

    engine = create_engine(postgis.url)
    with engine.begin() as con:
        con.execute(text("DROP SCHEMA IF EXISTS lp_store CASCADE"))
    engine.dispose()
    url = postgis.url.replace("postgresql+psycopg://", "postgresql://") + "?schema=lp_store"
    folder = _copy(started, tmp_path, "folder")
    db = Workspace(url)
    db.write("parcels", Workspace(folder).read("parcels"))
    version = db.version("parcels")
    with db.engine.connect() as con:
        oid = con.execute(text("SELECT 'lp_store.parcels'::regclass::oid")).scalar()
    result = update_parcel(db, started[1], VALUES, date=DAY)
    assert not result.recorded and result.change_id is None
    update_parcel(folder, started[1], VALUES, date=DAY)
    with db.engine.connect() as con:  # the same table, updated, not dropped and made again
        assert con.execute(text("SELECT 'lp_store.parcels'::regclass::oid")).scalar() == oid
    assert db.version("parcels") != version  # a frame read before is refused on write
    a, b = db.read("parcels"), Workspace(folder).read("parcels")
    _same(pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")), "parcels")
    db.engine.dispose()


def test_workspace_open_takes_a_folder_or_a_url_and_workspace_of_a_url_warns(tmp_path):
    from landplan.store import Workspace as StoreWorkspace
    from landplan.store.postgis import PostGISWorkspace

    assert StoreWorkspace is Workspace  # landplan.workspace re-exports the store's
    folder = Workspace.open(tmp_path / "ws")
    assert type(folder) is Workspace and Workspace.open(folder) is folder
    url = "postgresql://clerk@/park?host=/nonexistent"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning from the way to open a database
        db = Workspace.open(url)
    assert isinstance(db, PostGISWorkspace) and not db.keeps_history
    with pytest.warns(DeprecationWarning, match="Workspace.open"):
        old = Workspace(url)
    assert isinstance(old, PostGISWorkspace)
    db.engine.dispose()
    old.engine.dispose()


def test_a_write_records_the_change_it_is_given(started, tmp_path):
    from landplan.history import Change

    path = _copy(started, tmp_path, "explicit")
    ws = Workspace(path)
    parcels = ws.read("parcels")
    parcels.loc[0, "holder"] = "显式记录"
    change = Change("write", date=DAY, summary="fix a holder")
    ws.write("parcels", parcels, change=change)
    log = change_log(path)
    assert change.change_id == int(log["change_id"].iloc[-1]) == 3
    assert log["summary"].iloc[-1] == "fix a holder (1 changed)"
    with pytest.raises(LandplanError, match="unknown change kind"):
        Change("rename")


def test_a_geoparquet_workspace_is_rewritten_and_gets_the_same_history(started, tmp_path):
    path = _copy(started, tmp_path, "parquet")
    ws = Workspace(path, fmt="parquet")
    ws.write("parcels", ws.read("parcels"))  # the layer moves to GeoParquet (recorded: nothing changed)
    assert (path / "parcels" / "parcels.parquet").exists()
    update_parcel(ws, started[1], {"holder": "列式存储企业"}, date=DAY)
    assert Workspace(path).read("parcels").set_index("parcel_id").loc[started[1], "holder"] == "列式存储企业"
    assert change_log(path)["kind"].iloc[-1] == "update"


def test_a_history_in_wal_mode_is_rewritten_instead(started, tmp_path):
    from landplan.history import PENDING_FILE, mark_synced

    path = _copy(started, tmp_path, "wal")
    with sqlite3.connect(path / "parcels" / "history.gpkg") as con:
        assert con.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    mark_synced(Workspace(path))  # as if landplan had left it so: the in-place path is tried
    layer = path / "parcels" / "parcels.gpkg"
    inode = layer.stat().st_ino
    result = update_parcel(path, started[1], {"holder": "预写日志企业"}, date=DAY)
    assert result.change_id == 3 and layer.stat().st_ino != inode  # rewritten, recorded
    assert not (path / PENDING_FILE).exists() and in_sync(Workspace(path))


_KILLED_IN_TRANSACTION = r"""
import os, signal, sys
from pathlib import Path
from landplan.store import gpkg
from landplan.store.history import PENDING_FILE
ws = Path(sys.argv[1])
(ws / PENDING_FILE).write_text("update\n", encoding="utf-8")
with gpkg.transaction(ws / "parcels" / "parcels.gpkg", {"h": ws / "parcels" / "history.gpkg"}) as con:
    con.execute("UPDATE main.parcels SET holder = 'half-done'")
    con.execute("DELETE FROM h.changes")
    con.execute("PRAGMA main.cache_size = 1")  # spill: the files changed on disk, journals hot
    con.execute("PRAGMA h.cache_size = 1")
    con.execute("UPDATE main.parcels SET holder = 'half-done' || fid")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_reader_undoes_a_transaction_killed_midway(started, tmp_path):
    """A kill inside the in-place transaction leaves hot journals; GDAL reads GeoPackages
    read-only and cannot undo them ("attempt to write a readonly database"): the next reader
    rolls them back first, and the park is as before the edit."""
    import subprocess
    import sys

    path = _copy(started, tmp_path, "killed")
    parcels, versions, changes = _state(path)
    proc = subprocess.run([sys.executable, "-c", _KILLED_IN_TRANSACTION, str(path)], capture_output=True)
    assert proc.returncode == -9
    assert (path / "parcels" / "parcels.gpkg-journal").exists()
    again = _state(path)
    assert not (path / "parcels" / "parcels.gpkg-journal").exists()
    for what, x, y in zip(("parcels", "versions", "changes"), (parcels, versions, changes), again, strict=True):
        _same(x, y, what)
    assert "half-done" not in set(again[0]["holder"])
