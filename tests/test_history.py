"""Parcel history: the change log, parcels as of a date, lineage, checks of a hand-edited file.

Every test works on a copy of the demo park (data/) in tmp_path, or on a small workspace
built in code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import file_hashes as hashes
from geopandas.testing import assert_geodataframe_equal

from landplan import Workspace, export_layer, import_layer
from landplan.cli import main
from landplan.edit import merge_parcels, split_parcel, update_parcel
from landplan.evaluate import evaluate
from landplan.history import (
    change_log,
    changes_between,
    has_history,
    history_path,
    parcel_history,
    parcels_as_of,
)

DATA = Path(__file__).resolve().parent.parent / "data"
SPLIT_DAY = dt.date(2026, 3, 1)


@pytest.fixture
def split_demo(demo) -> tuple[Path, str]:
    """The demo park with its first parcel split into 20 mu + the rest on 2026-03-01."""
    pid = Workspace(demo).read("parcels")["parcel_id"].iloc[0]
    split_parcel(demo, pid, area_mu=20, date=SPLIT_DAY)
    return demo, pid


def test_a_workspace_without_history_is_the_state_for_every_date():
    ws = Workspace(DATA)
    assert not has_history(ws)
    current = ws.read("parcels")
    for day in (dt.date(2000, 1, 1), dt.date(2026, 6, 30)):
        assert_geodataframe_equal(parcels_as_of(ws, day), current)
    assert len(evaluate(DATA, as_of=dt.date(2026, 6, 30))) == 300
    assert change_log(ws).empty and changes_between(ws, dt.date(2000, 1, 1), dt.date(2100, 1, 1)).empty


def test_as_of_before_a_split_evaluates_the_parent_after_it_the_children(split_demo):
    path, pid = split_demo
    before = evaluate(path, as_of=SPLIT_DAY - dt.timedelta(days=1))
    after = evaluate(path, as_of=SPLIT_DAY)
    kids = {f"{pid}-1", f"{pid}-2"}
    assert pid in set(before["parcel_id"]) and not kids & set(before["parcel_id"])
    assert pid not in set(after["parcel_id"]) and kids <= set(after["parcel_id"])
    assert len(before) == 300 and len(after) == 301
    assert abs(before["area_m2"].sum() - after["area_m2"].sum()) <= 0.01
    parent = before.set_index("parcel_id").loc[pid]
    children = after.set_index("parcel_id").loc[sorted(kids)]
    assert abs(children["area_m2"].sum() - parent["area_m2"]) <= 0.01
    assert children["area_mu"].iloc[0] == pytest.approx(20.0, abs=0.01 / 666.67)


def test_as_of_through_the_command_line(split_demo, tmp_path):
    path, pid = split_demo
    out = tmp_path / "e.gpkg"   # a GeoPackage keeps the canonical columns (a CSV is for people)
    assert main(["evaluate", "--workspace", str(path), "--as-of", "2026-02-28", "--out", str(out)]) == 0
    ids = set(pyogrio.read_dataframe(out, read_geometry=False)["parcel_id"].astype(str))
    assert pid in ids and f"{pid}-1" not in ids
    assert main(["idle", "--workspace", str(path), "--as-of", "2026-03-01"]) == 0


def test_versions_rebuild_every_state_exactly(demo):
    ws = Workspace(demo)
    original = ws.read("parcels")
    pid = original["parcel_id"].iloc[5]
    split_parcel(ws, pid, area_m2=3000, date=dt.date(2026, 3, 1))
    after_split = ws.read("parcels")
    update_parcel(ws, f"{pid}-2", {"status": "halted", "halted_since": "2026-04-01"}, date=dt.date(2026, 4, 1))
    after_update = ws.read("parcels")
    merge_parcels(ws, [f"{pid}-1", f"{pid}-2"], keep=f"{pid}-2", date=dt.date(2026, 5, 1))

    def same(a, b):
        key = list(b["parcel_id"])
        a = a.set_index("parcel_id").loc[key].reset_index()
        assert_geodataframe_equal(a[b.columns], b.reset_index(drop=True), check_like=True)

    same(parcels_as_of(ws, dt.date(2026, 2, 28)), original)
    same(parcels_as_of(ws, dt.date(2026, 3, 1)), after_split)
    same(parcels_as_of(ws, dt.date(2026, 4, 30)), after_update)
    same(parcels_as_of(ws, dt.date(2030, 1, 1)), ws.read("parcels"))
    log = change_log(ws)
    assert log["kind"].tolist() == ["baseline", "split", "update", "merge"]
    assert log["effective_date"].dt.date.tolist()[1:] == [dt.date(2026, 3, 1), dt.date(2026, 4, 1),
                                                          dt.date(2026, 5, 1)]
    csv = pd.read_csv(demo / "parcels" / "changes.csv", encoding="utf-8-sig")
    assert csv["kind"].tolist() == log["kind"].tolist()


def test_history_prints_lineage(split_demo, capsys):
    path, pid = split_demo
    merge_parcels(path, [f"{pid}-1", f"{pid}-2"], new_id="M1", date=dt.date(2026, 9, 1))
    table = parcel_history(path, f"{pid}-1")
    assert dict(zip(table["parcel_id"], table["relation"], strict=False)) == {
        pid: "ancestor", f"{pid}-1": "self", "M1": "descendant"}
    full = parcel_history(path, pid)
    assert set(full["parcel_id"]) == {pid, f"{pid}-1", f"{pid}-2", "M1"}
    assert full["valid_from"].iloc[0] is pd.NaT and full["kind"].iloc[0] == "baseline"
    assert main(["history", pid, "--workspace", str(path), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    relations = {line.split()[0] for line in text.splitlines()[1:]}  # the first column, by its words
    assert "parent" not in relations and "came" in relations and "2026-03-01" in text and "M1" in text
    assert "descendant" not in text  # the code reads as its words
    assert main(["history", "M1", "--workspace", str(path), "--lang", "en"]) == 0
    assert "parent" in {line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]}
    assert main(["history", "NOPE", "--workspace", str(path)]) == 2


def test_changes_between_reads_a_year(split_demo):
    path, pid = split_demo
    update_parcel(path, f"{pid}-2", {"invested_wan": "99"}, date=dt.date(2027, 2, 1))
    year = changes_between(path, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert set(year["kind"]) == {"split"}
    assert sorted(zip(year["parcel_id"], year["action"], strict=True)) == [
        (pid, "ended"), (f"{pid}-1", "created"), (f"{pid}-2", "created")]
    nxt = changes_between(path, dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert nxt["action"].tolist() == ["changed"] and nxt["changed_columns"].iloc[0] == "invested_wan"


def test_import_is_logged(demo, tmp_path, capsys):
    source = tmp_path / "宗地.gpkg"
    ws = Workspace(demo)
    parcels = ws.read("parcels")
    parcels.loc[0, "holder"] = "新权利人有限公司"
    pyogrio.write_dataframe(parcels, source, layer="parcels")
    assert main(["import", str(source), "--layer", "parcels", "--workspace", str(demo),
                 "--date", "2026-05-01"]) == 0
    log = change_log(demo)
    assert log["kind"].tolist() == ["baseline", "import"]
    row = log.iloc[-1]
    assert row["effective_date"] == pd.Timestamp("2026-05-01") and row["changed"] == parcels["parcel_id"].iloc[0]
    assert row["command"].startswith("landplan import ") and "宗地.gpkg" in row["command"]
    assert parcels_as_of(demo, dt.date(2026, 4, 30)).set_index("parcel_id").loc[row["changed"], "holder"] \
        != "新权利人有限公司"
    # the same file again: logged, nothing changed
    import_layer(source, "parcels", workspace=demo)
    assert change_log(demo)["summary"].iloc[-1].endswith("(no parcel changed)")
    # into an empty workspace: the first parcels hold since always
    fresh = tmp_path / "fresh"
    import_layer(source, "parcels", workspace=fresh)
    assert change_log(fresh)["kind"].tolist() == ["import"]
    assert len(parcels_as_of(fresh, dt.date(1990, 1, 1))) == 300


def test_plain_writes_are_recorded_once_a_history_exists(demo):
    ws = Workspace(demo)
    parcels = ws.read("parcels")
    ws.write("parcels", parcels)
    assert not has_history(ws)  # no history, no recording: the demo stays as it is
    split_parcel(ws, parcels["parcel_id"].iloc[0], area_m2=1000)
    parcels = ws.read("parcels")
    ws.write("parcels", parcels)  # unchanged: not a change
    assert change_log(ws)["kind"].tolist() == ["baseline", "split"]
    parcels.loc[3, "holder"] = "X"
    ws.write("parcels", parcels)
    assert change_log(ws)["kind"].tolist() == ["baseline", "split", "write"]


def test_an_edit_outside_landplan_is_recorded_as_untracked(split_demo):
    path, pid = split_demo
    ws = Workspace(path)
    parcels = ws.read("parcels")
    parcels.loc[parcels["parcel_id"] == f"{pid}-1", "holder"] = "QGIS edit"
    ws._store("parcels", parcels, "gpkg")  # what a GIS editing parcels.gpkg directly does
    update_parcel(path, f"{pid}-2", {"invested_wan": "1"}, date=dt.date(2026, 12, 1))
    log = change_log(path)
    assert log["kind"].tolist() == ["baseline", "split", "untracked", "update"]
    assert log["changed"].iloc[2] == f"{pid}-1"


def test_a_backdated_edit_is_refused(split_demo, capsys):
    path, pid = split_demo
    before = hashes(path)
    assert main(["update", f"{pid}-1", "--set", "invested_wan=5", "--date", "2026-02-01",
                 "--workspace", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "give --date 2026-03-01 or later" in err
    assert hashes(path) == before


# ----------------------------------------------------------------- a history edited by hand


def _edit_by_hand(path: Path, edit) -> None:
    target = history_path(path)
    versions = pyogrio.read_dataframe(target, layer="versions")
    changes = pyogrio.read_dataframe(target, layer="changes")
    versions, changes = edit(versions, changes)
    target.unlink()
    pyogrio.write_dataframe(versions, target, layer="versions", driver="GPKG")
    pyogrio.write_dataframe(changes, target, layer="changes", driver="GPKG")


def _overlap(versions, changes):
    kid = versions.index[versions["parcel_id"].str.endswith("-2")][-1]
    versions.loc[kid, "valid_from"] = pd.Timestamp("2026-01-01")  # the update's version: now too early
    return versions, changes


def _unknown_change(versions, changes):
    versions.loc[versions.index[-1], "change_id"] = 99
    return versions, changes


def _orphan(versions, changes):
    parent = versions.index[versions["ended_by"].eq(2).fillna(False)]
    return versions.drop(index=parent), changes


def _garbage(path: Path) -> None:
    history_path(path).write_bytes(b"this is not a GeoPackage")


@pytest.mark.parametrize("edit, message", [
    (_overlap, "field valid_from: parcel .*-2: versions \\d+ and \\d+ are in force on the same days"),
    (_unknown_change, "field change_id: version \\d+ points to change 99, which is not in the changes layer"),
    (_orphan, "field parent_ids: parcel .*-1 \\(made by split change 2\\): parent .* has no version"),
    (_garbage, "history.gpkg: cannot be read"),
])
def test_a_history_edited_into_an_invalid_state_is_refused(split_demo, capsys, edit, message):
    path, pid = split_demo
    update_parcel(path, f"{pid}-2", {"invested_wan": "7"}, date=dt.date(2026, 6, 1))
    if edit is _garbage:
        edit(path)
    else:
        _edit_by_hand(path, edit)
    before = hashes(path)
    for argv in (["update", f"{pid}-1", "--set", "invested_wan=5"],
                 ["evaluate", "--as-of", "2026-06-30", "--out", str(path.parent / "e.csv")],
                 ["history", pid]):
        assert main([*argv, "--workspace", str(path)]) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and str(history_path(path)) in err, err
        assert pd.Series([err]).str.contains(message).all(), err
        if edit is not _garbage:
            assert "feature " in err
    assert hashes(path) == before and not (path.parent / "e.csv").exists()


# ----------------------------------------------------------------- exports carry the lineage


@pytest.mark.parametrize("fmt, name", [("gpkg", "p.gpkg"), ("shp", "p.zip"), ("geojson", "p.geojson"),
                                       ("parquet", "p.parquet")])
def test_exports_carry_parent_ids(demo, tmp_path, fmt, name):
    ws = Workspace(demo)
    pid = ws.read("parcels")["parcel_id"].iloc[0]
    split_parcel(ws, pid, area_m2=2000)
    out = tmp_path / name
    export_layer("parcels", workspace=ws, fmt=fmt, out=out)
    back = Workspace(tmp_path / "back")
    import_layer(out, "parcels", workspace=back)
    got = back.read("parcels").set_index("parcel_id")["parent_ids"]
    assert got[f"{pid}-1"] == pid and got[f"{pid}-2"] == pid
    assert got.drop([f"{pid}-1", f"{pid}-2"]).isna().all()
    np.testing.assert_allclose(back.read("parcels").area.sum(), ws.read("parcels").area.sum(), rtol=1e-7)  # GeoJSON: WGS84, 9 decimals


def test_first_parcels_of_an_empty_workspace_written_plainly_have_no_history(tmp_path):
    frame = gpd.read_file(DATA / "parcels" / "parcels.gpkg", rows=3)
    Workspace(tmp_path).write("parcels", frame)
    assert not has_history(tmp_path)
