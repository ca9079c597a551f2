"""Parcel editing: split by a line or into a target area, merge adjacent parcels, update.

Hand-checked numbers use the small park of conftest (boxes 180 × 120 m in EPSG:4527) and two
adjacent boxes built here; the demo park is copied to tmp_path for every test that writes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import PARK_X0, PARK_Y0, _park_parcels
from conftest import file_hashes as hashes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from landplan import Workspace
from landplan.cli import main
from landplan.edit import EditError, is_extensive, merge_parcels, split_parcel, update_parcel
from landplan.history import change_log
from landplan.units import M2_PER_MU

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def park(tmp_path) -> Path:
    path = tmp_path / "park"
    parcels = _park_parcels()
    parcels["floor_area_m2"] = 9000.0
    parcels["graves_moved"] = pd.array([7] * len(parcels), dtype="Int64")
    parcels["floor_area_ratio_declared"] = 1.2
    parcels["contract_tax_per_mu_wan"] = 30.0
    Workspace(path).write("parcels", parcels)
    return path


def two_boxes(path: Path, **attrs) -> Path:
    """Two adjacent 100 × 50 m parcels sharing a 50 m side (A west, B east)."""
    x0, y0 = PARK_X0, PARK_Y0
    frame = gpd.GeoDataFrame(
        {"parcel_id": ["A", "B"], "land_price_wan": [100.0, 300.0], "land_use": ["100101", "100101"],
         "holder": ["甲公司", "甲公司"], **attrs},
        geometry=[box(x0, y0, x0 + 100, y0 + 50), box(x0 + 100, y0, x0 + 200, y0 + 50)], crs="EPSG:4527")
    Workspace(path).write("parcels", frame)
    return path


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("landplan: error: "), err
    return err


# -------------------------------------------------------------------------------------- split


def test_split_by_line_hand_checked(park):
    """HF-003 is x0+400…x0+580 × y0…y0+120: a vertical cut at x0+460 gives 60 × 120 and 120 × 120."""
    x = PARK_X0 + 460
    result = split_parcel(park, "HF-003", line=f"LINESTRING ({x} {PARK_Y0 - 5}, {x} {PARK_Y0 + 200})",
                          date=pd.Timestamp("2026-03-01").date())
    kids = Workspace(park).read("parcels").set_index("parcel_id").loc[["HF-003-1", "HF-003-2"]]
    assert "HF-003" not in set(Workspace(park).read("parcels")["parcel_id"])
    np.testing.assert_allclose(kids.area.to_numpy(), [7200.0, 14400.0], atol=1e-6)
    assert abs(kids.area.sum() - 21600.0) <= 0.01
    # areas and money area-proportional (1/3, 2/3): invested 5200.5 万元, floor area 9000 m²
    np.testing.assert_allclose(kids["invested_wan"].to_numpy(), [1733.5, 3467.0])
    np.testing.assert_allclose(kids["floor_area_m2"].to_numpy(), [3000.0, 6000.0])
    assert kids["graves_moved"].tolist() == [2, 5]  # 7 × 1/3 = 2.33, 7 × 2/3 = 4.67: whole, sum 7
    # codes, text, dates and rates copied
    for column in ("holder", "land_use", "industry_code", "status", "supply_date",
                   "floor_area_ratio_declared", "contract_tax_per_mu_wan"):
        assert kids[column].nunique() == 1, column
    assert kids["floor_area_ratio_declared"].iloc[0] == 1.2
    assert kids["contract_tax_per_mu_wan"].iloc[0] == 30.0
    assert kids["industry_code"].iloc[0] == "34" and kids["status"].iloc[0] == "under_construction"
    assert kids["parent_ids"].tolist() == ["HF-003", "HF-003"]
    assert result.change_id is not None


def test_extensive_rule():
    assert is_extensive("land_price_wan") and is_extensive("acquired_mu") and is_extensive("floor_area_m2")
    assert is_extensive("graves_moved") and is_extensive("load_kva")
    assert not is_extensive("contract_tax_per_mu_wan") and not is_extensive("contract_coverage_min_pct")
    assert not is_extensive("land_use") and not is_extensive("floor_area_ratio_declared")


def test_split_into_target_area_on_the_demo_park(demo):
    ws = Workspace(demo)
    parent = ws.read("parcels").iloc[0]
    pid = parent["parcel_id"]
    assert main(["split", pid, "--area-mu", "20", "--date", "2026-03-01", "--workspace", str(demo)]) == 0
    after = ws.read("parcels").set_index("parcel_id")
    kids = after.loc[[f"{pid}-1", f"{pid}-2"]]
    assert abs(kids.area.iloc[0] - 20 * M2_PER_MU) <= 0.01
    assert abs(kids.area.sum() - parent.geometry.area) <= 0.01
    share = kids.area.to_numpy() / parent.geometry.area
    for column in ("land_price_wan", "invested_wan", "agreed_investment_wan", "compensation_paid_wan",
                   "acquired_mu", "developed_area_m2", "area_declared_m2"):
        np.testing.assert_allclose(kids[column].to_numpy(), parent[column] * share, rtol=1e-9, err_msg=column)
        assert kids[column].sum() == pytest.approx(parent[column], rel=1e-12)
    for column in ("graves_moved", "houses_demolished", "households_resettled"):
        assert int(kids[column].sum()) == int(parent[column])
    for column in ("holder", "land_use", "industry_code", "status", "approval_batch", "supply_date"):
        assert (kids[column] == parent[column]).all(), column
    assert len(after) == 301
    # the cut is perpendicular to the long axis: the cut edge is parallel to the short side
    rect = np.asarray(shapely.minimum_rotated_rectangle(parent.geometry).exterior.coords)
    sides = [rect[1] - rect[0], rect[2] - rect[1]]
    short = min(sides, key=lambda s: np.hypot(*s))
    shared = kids.geometry.iloc[0].intersection(kids.geometry.iloc[1])
    cut = np.asarray(shapely.get_coordinates(shared))
    direction = cut[-1] - cut[0]
    cos = abs(direction @ short) / (np.hypot(*direction) * np.hypot(*short))
    assert cos == pytest.approx(1.0, abs=1e-9)


def test_split_ids_never_collide(park):
    ws = Workspace(park)
    parcels = ws.read("parcels")
    parcels.loc[parcels["parcel_id"] == "HF-002", "parcel_id"] = "HF-001-1"  # an id in the way
    ws.write("parcels", parcels)
    split_parcel(park, "HF-001", area_m2=5000)
    ids = set(ws.read("parcels")["parcel_id"])
    assert {"HF-001-1", "HF-001-2", "HF-001-3"} <= ids
    with pytest.raises(EditError, match="already used"):
        split_parcel(park, "HF-004", area_m2=5000, ids=["X", "HF-001"])  # HF-001 is in the history


@pytest.mark.parametrize("args, message", [
    (["HF-003", "--line", f"LINESTRING ({PARK_X0 + 5000} {PARK_Y0}, {PARK_X0 + 5000} {PARK_Y0 + 100})"],
     "the line misses parcel HF-003"),
    (["HF-003", "--line", f"LINESTRING ({PARK_X0 + 460} {PARK_Y0 - 5}, {PARK_X0 + 460} {PARK_Y0 + 50})"],
     "does not cut parcel HF-003 into two or more parts"),
    (["HF-404", "--area-m2", "100"], "parcel 'HF-404' is not in the parcels layer"),
    (["HF-003", "--area-m2", "21600"], "must lie between 0 and the area of parcel HF-003"),
    (["HF-003", "--area-mu", "40"], "must lie between 0 and the area"),
    (["HF-003", "--line", "LINESTRING (0 0, 1"], "not valid WKT"),
    (["HF-003", "--area-m2", "100", "--date", "2026-13-01"], "--date '2026-13-01'"),
])
def test_split_refused_leaves_workspace_unchanged(park, capsys, args, message):
    before = hashes(park)
    assert main(["split", *args, "--workspace", str(park)]) == 2
    assert message in one_line_error(capsys)
    assert hashes(park) == before


def test_split_by_line_file(park, tmp_path):
    wkt = tmp_path / "cut.wkt"
    wkt.write_text(f"LINESTRING ({PARK_X0 + 460} {PARK_Y0 - 5}, {PARK_X0 + 460} {PARK_Y0 + 200})")
    geojson = tmp_path / "cut.geojson"
    gpd.GeoDataFrame(geometry=[shapely.LineString([(PARK_X0 + 250, PARK_Y0 - 5), (PARK_X0 + 250, PARK_Y0 + 200)])],
                     crs="EPSG:4527").to_crs(4326).to_file(geojson)  # reprojected back on reading
    assert main(["split", "HF-003", "--line", str(wkt), "--ids", "N1,N2", "--workspace", str(park)]) == 0
    assert main(["split", "HF-002", "--line", str(geojson), "--workspace", str(park)]) == 0
    areas = Workspace(park).read("parcels").set_index("parcel_id").area
    assert areas["N1"] == pytest.approx(7200.0) and areas["HF-002-1"] == pytest.approx(50 * 120, abs=1e-3)


# -------------------------------------------------------------------------------------- merge


def test_merge_sums_money_and_keeps_shared_codes(tmp_path):
    path = two_boxes(tmp_path / "ws")
    result = merge_parcels(path, ["A", "B"], new_id="AB")
    parcels = Workspace(path).read("parcels")
    assert parcels["parcel_id"].tolist() == ["AB"]
    merged = parcels.iloc[0]
    assert merged.geometry.area == pytest.approx(10000.0) and merged.geometry.geom_type == "Polygon"
    assert merged["land_price_wan"] == 400.0 and merged["land_use"] == "100101"
    assert merged["holder"] == "甲公司" and merged["parent_ids"] == "A,B"
    assert result.kind == "merge" and len(result.before) == 2


def test_merge_differing_codes_needs_keep(tmp_path, capsys):
    path = two_boxes(tmp_path / "ws", industry_code=["39", "26"])
    before = hashes(path)
    assert main(["merge", "A", "B", "--workspace", str(path)]) == 2
    assert "differ in industry_code" in one_line_error(capsys) and hashes(path) == before
    assert main(["merge", "A", "B", "--keep", "B", "--workspace", str(path)]) == 0
    merged = Workspace(path).read("parcels").iloc[0]
    assert merged["industry_code"] == "26" and merged["parcel_id"] == "A+B"


def test_merge_non_adjacent_refused(park, capsys):
    """HF-001 and HF-002 are 20 m apart (a road between them); HF-001 and HF-004 likewise."""
    before = hashes(park)
    assert main(["merge", "HF-001", "HF-002", "--workspace", str(park)]) == 2
    assert "shares no boundary" in one_line_error(capsys)
    assert hashes(park) == before


def test_merge_touching_at_a_corner_is_not_adjacent(tmp_path):
    x0, y0 = PARK_X0, PARK_Y0
    frame = gpd.GeoDataFrame({"parcel_id": ["A", "B"]}, crs="EPSG:4527",
                             geometry=[box(x0, y0, x0 + 10, y0 + 10), box(x0 + 10, y0 + 10, x0 + 20, y0 + 20)])
    Workspace(tmp_path).write("parcels", frame)
    with pytest.raises(EditError, match="shares no boundary"):
        merge_parcels(tmp_path, ["A", "B"])


@pytest.mark.parametrize("ids, message", [
    (["HF-001", "HF-001"], "cannot be merged with itself"),
    (["HF-001"], "two or more parcel ids"),
    (["HF-001", "HF-404"], "parcel 'HF-404' is not in the parcels layer"),
])
def test_merge_bad_ids_refused(park, capsys, ids, message):
    before = hashes(park)
    assert main(["merge", *ids, "--workspace", str(park)]) == 2
    assert message in one_line_error(capsys)
    assert hashes(park) == before


# -------------------------------------------------------------------------------------- update


def test_update_reads_values_as_on_import(park, capsys):
    assert main(["update", "HF-002", "--set", "status=在建", "--set", "actual_start_date=2026年4月1日",
                 "--set", "invested_wan=1200", "--date", "2026-04-01", "--workspace", str(park)]) == 0
    row = Workspace(park).read("parcels").set_index("parcel_id").loc["HF-002"]
    assert row["status"] == "under_construction" and row["invested_wan"] == 1200.0
    assert row["actual_start_date"] == pd.Timestamp("2026-04-01")
    log = change_log(park)
    assert log["kind"].tolist()[-1] == "update" and "landplan update HF-002" in log["command"].iloc[-1]
    before = hashes(park)
    assert main(["update", "HF-002", "--set", "status=施工中", "--workspace", str(park)]) == 2
    assert "field status" in one_line_error(capsys)
    assert main(["update", "HF-002", "--set", "nonsense=1", "--workspace", str(park)]) == 2
    assert "no column 'nonsense'" in one_line_error(capsys)
    assert hashes(park) == before
    same = update_parcel(park, "HF-002", {"status": "在建"})  # already so: nothing recorded
    assert same.change_id is None and len(change_log(park)) == len(log)
    update_parcel(park, "HF-002", {"invested_wan": ""})
    assert pd.isna(Workspace(park).read("parcels").set_index("parcel_id").loc["HF-002", "invested_wan"])


# -------------------------------------------------------------------------------------- laws


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(width=st.floats(20, 400), height=st.floats(20, 400), angle=st.floats(0, 180),
       fraction=st.floats(0.05, 0.95))
def test_split_then_merge_conserves_area(width, height, angle, fraction):
    parcel = shapely.affinity.rotate(box(PARK_X0, PARK_Y0, PARK_X0 + width, PARK_Y0 + height), angle)
    neighbour = box(PARK_X0 - 1000, PARK_Y0 - 1000, PARK_X0 - 900, PARK_Y0 - 900)
    frame = gpd.GeoDataFrame({"parcel_id": ["P", "Q"], "land_price_wan": [1000.0, 5.0]},
                             geometry=[parcel, neighbour], crs="EPSG:4527")
    with tempfile.TemporaryDirectory() as tmp:
        Workspace(tmp).write("parcels", frame)
        total = Workspace(tmp).read("parcels").area.sum()
        target = fraction * parcel.area
        result = split_parcel(tmp, "P", area_m2=target)
        assert abs(result.after.area.iloc[0] - target) <= 0.01
        assert abs(result.after.area.sum() - parcel.area) <= 0.01
        merge_parcels(tmp, list(result.after["parcel_id"]), new_id="M")
        after = Workspace(tmp).read("parcels").set_index("parcel_id")
        assert abs(after.area.sum() - total) <= 0.01
        assert abs(after.area["M"] - parcel.area) <= 0.01
        assert after.loc["M", "land_price_wan"] == pytest.approx(1000.0, rel=1e-12)


def test_edit_errors_name_parameters_the_command_line_names_flags(tmp_path):
    """The library names the edit's parameters (`keep`, `values`, `line`); the command line
    prints its flags for them (cli.FLAGS)."""
    from landplan.cli import error_words
    from landplan.edit import EditParameterError, read_line
    from landplan.errors import ParameterError

    path = two_boxes(tmp_path / "ws", industry_code=["39", "26"])
    with pytest.raises(EditParameterError) as caught:
        merge_parcels(path, ["A", "B"], keep="Z")
    assert isinstance(caught.value, ParameterError) and isinstance(caught.value, EditError)
    assert caught.value.param == "keep" and str(caught.value).startswith("`keep`=Z: not one of the merged")
    assert error_words(caught.value).startswith("--keep Z: not one of the merged")
    with pytest.raises(EditError, match=r"give `keep=ID` to keep") as caught:
        merge_parcels(path, ["A", "B"])
    assert "give --keep ID to keep" in error_words(caught.value)
    with pytest.raises(EditError, match=r"nothing to set; give `values=") as caught:
        update_parcel(path, "A", {})
    assert error_words(caught.value).endswith("nothing to set; give --set COLUMN=VALUE")
    with pytest.raises(EditParameterError) as caught:
        read_line("no-such-file.wkt", None)
    assert error_words(caught.value).startswith("--line no-such-file.wkt: neither WKT")
    with pytest.raises(EditError) as caught:
        split_parcel(path, "A", area_m2=10, area_mu=1)
    assert error_words(caught.value) == "split: give exactly one of --line, --area-m2 or --area-mu"
