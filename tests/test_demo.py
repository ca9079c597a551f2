"""Tests of the synthetic demo park (landplan.demo) and of the committed demo workspace data/."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from geopandas.testing import assert_geodataframe_equal

from landplan.demo import DEMO_AS_OF, LEDGER_YEARS, make_demo
from landplan.schema import ENUMS, validate_layer
from landplan.units import M2_PER_MU
from landplan.workspace import Workspace

DATA = Path(__file__).resolve().parents[1] / "data"
VECTOR = ("parcels", "roads", "pipelines", "powerlines", "facilities")


@pytest.fixture(scope="module")
def park():
    return make_demo(parcels=300, seed=0)


# ------------------------------------------------------------------ SPEC §8 idle land, written out
def anniversary(d: date, years: int) -> date:
    """The calendar anniversary ``years`` later; 29 February → 28 February."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def idle_case(row, area_m2: float, as_of: date) -> tuple[str, str]:
    """(idle_status, idle_disposal) of one parcel at ``as_of``, following SPEC §8 literally."""
    if row.status == "reserve" or pd.isna(row.agreed_start_date):
        return "not_applicable", "none"
    start = row.agreed_start_date.date()
    started = not pd.isna(row.actual_start_date) and row.actual_start_date.date() <= as_of
    if not started:
        if as_of < start:
            return "not_idle", "none"
        if as_of < anniversary(start, 1):
            return "not_due", "none"
        status, since = "idle_unstarted", start
    elif not pd.isna(row.halted_since) and (
        row.developed_area_m2 < area_m2 / 3 or row.invested_wan < 0.25 * row.agreed_investment_wan
    ):
        since = row.halted_since.date()
        if as_of < anniversary(since, 1):
            return "not_due", "none"
        status = "idle_halted"
    else:
        return "not_idle", "none"
    cause = "enterprise" if pd.isna(row.idle_cause) else row.idle_cause
    if cause in ("government", "force_majeure"):
        return status, "negotiate"
    return status, "recover" if as_of >= anniversary(since, 2) else "idle_fee"


def idle_table(parcels, as_of: date = DEMO_AS_OF) -> pd.DataFrame:
    cases = [idle_case(row, area, as_of) for row, area in
             zip(parcels.itertuples(), parcels.area, strict=True)]
    out = parcels.drop(columns="geometry").copy()
    out["idle_status"] = [c[0] for c in cases]
    out["idle_disposal"] = [c[1] for c in cases]
    return out


def test_anniversary_rule():
    assert anniversary(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert anniversary(date(2023, 6, 30), 2) == date(2025, 6, 30)


def test_chinese_numbers_for_names():
    from landplan.demo.base import _cn_number, _road_names

    assert [_cn_number(i) for i in (1, 10, 12, 20, 99, 417)] == ["一", "十", "十二", "二十", "九十九", "417"]
    names = _road_names(("桃花", "海棠"), 400, "路")
    assert list(names[:3]) == ["桃花路", "海棠路", "桃花二路"]
    assert len(set(names)) == 400  # big parks: numbered names stay distinct


# ------------------------------------------------------------------ determinism, schema
def test_same_seed_same_park(park):
    again = make_demo(parcels=300, seed=0)
    for name in VECTOR:
        assert_geodataframe_equal(getattr(park, name), getattr(again, name))
    pd.testing.assert_frame_equal(park.ledger, again.ledger)
    np.testing.assert_array_equal(park.dem, again.dem)
    assert park.dem_transform == again.dem_transform


def test_other_seed_other_park(park):
    other = make_demo(parcels=300, seed=1)
    assert len(other.parcels) == 300
    assert not park.parcels.geometry.geom_equals(other.parcels.geometry).all()
    assert not park.ledger["revenue_wan"].equals(other.ledger["revenue_wan"])


@pytest.mark.parametrize("n", [1, 57, 1234])
def test_exact_count_and_canonical_schema(n):
    small = make_demo(parcels=n, seed=3)
    assert len(small.parcels) == n
    for name, frame in small.layers().items():
        validate_layer(name, frame)  # raises on a wrong dtype, enum, duplicate id, bad geometry


def test_layers_are_canonical(park):
    for name, frame in park.layers().items():
        validate_layer(name, frame)
    assert park.crs.to_epsg() == 4527
    for name in VECTOR:
        assert getattr(park, name).crs == park.crs
    assert park.parcels["parcel_id"].str.fullmatch(r"340104\d{6}GB\d{5}").all()
    assert park.ledger["enterprise_id"].str.fullmatch(r"91340[0-9]{3}[0-9A-HJ-NPQRTUWXY]{10}").all()


def test_parcels_near_hefei(park):
    lonlat = park.parcels.to_crs(4490).geometry.union_all().centroid
    assert 116.9 < lonlat.x < 117.5 and 31.5 < lonlat.y < 32.1


def test_uscc_check_digits(park):
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [pow(3, i, 31) for i in range(17)]
    for code in park.ledger["enterprise_id"].unique():
        total = sum(alphabet.index(c) * w for c, w in zip(code[:17], weights, strict=True))
        assert alphabet[(31 - total % 31) % 31] == code[17], code


# ------------------------------------------------------------------ geometry
def test_parcels_valid_and_not_overlapping(park):
    geoms = park.parcels.geometry
    assert geoms.is_valid.all()
    assert not geoms.is_empty.any()
    left, right = park.parcels.sindex.query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(
        shapely.intersection(geoms.values[left[pairs]], geoms.values[right[pairs]]))
    assert overlap.sum() < 1.0
    assert pairs.sum() > 100  # neighbours share edges


def test_parcel_sizes(park):
    mu = park.parcels.area / M2_PER_MU
    assert mu.min() >= 10 and mu.max() <= 300
    assert (mu > 150).any() and (mu < 20).any()
    declared = park.parcels["area_declared_m2"]
    assert ((declared - park.parcels.area).abs() / park.parcels.area).max() < 0.02


def test_some_parcels_irregular(park):
    geoms = park.parcels.geometry.values
    assert (shapely.get_num_interior_rings(shapely.get_geometry(geoms, 0)) > 0).any()  # a hole
    assert (shapely.get_num_geometries(geoms) == 2).any()  # two parts
    vertices = shapely.get_num_coordinates(geoms)
    assert (vertices == 6).sum() >= 2  # cut corners: 5 corners + closing point
    assert (vertices == 7).sum() >= 2  # L-shapes


def test_dem(park):
    dem, t = park.dem, park.dem_transform
    assert dem.dtype == np.float32 and t.a == 10.0 and t.e == -10.0
    minx, miny, maxx, maxy = park.parcels.total_bounds
    assert t.c < minx and t.f > maxy
    assert t.c + dem.shape[1] * t.a > maxx and t.f + dem.shape[0] * t.e < miny
    assert dem.min() > 10 and dem.max() - dem.min() > 10  # a hill on a gentle slope
    assert (~park.parcels["site_leveled"]).sum() >= 2


# ------------------------------------------------------------------ status and idle land
def test_every_status(park):
    assert set(park.parcels["status"]) == set(ENUMS["parcel_status"])


def test_every_idle_case_at_as_of(park):
    t = idle_table(park.parcels)
    agreed = t["agreed_start_date"].dt.date

    def some(mask) -> bool:
        return bool(mask.any())

    assert some((t.idle_status == "not_applicable") & (t.status == "reserve"))
    assert some((t.idle_status == "not_applicable") & (t.status != "reserve") & agreed.isna())
    assert some((t.idle_status == "not_idle") & (agreed > DEMO_AS_OF))
    assert some((t.idle_status == "not_due") & t.halted_since.isna())
    assert some((t.idle_status == "not_due") & t.halted_since.notna())
    unstarted = t.idle_status == "idle_unstarted"
    assert some(unstarted & (t.idle_disposal == "recover"))
    assert some(unstarted & (t.idle_disposal == "idle_fee"))
    assert some(unstarted & (t.idle_disposal == "negotiate") & (t.idle_cause == "government"))
    assert some(unstarted & (t.idle_disposal == "negotiate") & (t.idle_cause == "force_majeure"))
    assert some(unstarted & t.idle_cause.isna())  # empty cause = enterprise
    assert some(unstarted & (t.idle_cause == "enterprise"))
    halted = t.idle_status == "idle_halted"
    area = park.parcels.area
    assert some(halted & (t.developed_area_m2 < area / 3))
    assert some(halted & (t.developed_area_m2 >= area / 3)
                & (t.invested_wan < 0.25 * t.agreed_investment_wan))
    assert some((t.status == "halted") & (t.idle_status == "not_idle"))
    leap_day = agreed.map(lambda d: (d.month, d.day) == (2, 29), na_action="ignore").fillna(False)
    # agreed start 2024-02-29: the 2-year anniversary is 2026-02-28 ≤ DEMO_AS_OF → recover
    assert some(leap_day & unstarted & (t.idle_disposal == "recover"))


def test_idle_cases_move_with_the_date(park):
    before = idle_table(park.parcels, date(2025, 6, 30))["idle_status"]
    now = idle_table(park.parcels)["idle_status"]
    assert (before != now).any()


def test_no_buildings_before_start_and_ratios_in_production(park):
    p = park.parcels
    empty = p["status"].isin(["reserve", "supplied"])
    buildings = ["floor_area_m2", "footprint_area_m2", "developed_area_m2"]
    assert (p.loc[empty, buildings] == 0).all().all()
    assert p.loc[empty, "actual_start_date"].isna().all()
    prod = p[p["status"] == "in_production"]
    far = prod["floor_area_m2"] / prod.area
    cover = prod["footprint_area_m2"] / prod.area
    assert far.median() > 0.8 and far.max() <= 2.0
    assert 0.3 < cover.median() < 0.6
    assert (cover < 0.3).sum() >= 1 and (far < 0.6).sum() >= 1  # a few fail the 2008 indicators
    assert (cover <= far + 1e-9).all()


def test_dates_consistent(park):
    p = park.parcels
    as_of = pd.Timestamp(DEMO_AS_OF)
    for column in ("supply_date", "actual_start_date", "halted_since"):
        assert (p[column].dropna() <= as_of).all(), column
    started = p["actual_start_date"].notna() & p["supply_date"].notna()
    assert (p.loc[started, "supply_date"] <= p.loc[started, "actual_start_date"]).all()
    halted = p["halted_since"].notna()
    assert (p.loc[halted, "actual_start_date"] < p.loc[halted, "halted_since"]).all()
    assert (p["status"] == "halted").sum() == halted.sum()


# ------------------------------------------------------------------ networks
def test_networks(park):
    pipes = park.pipelines
    for kind in ENUMS["pipe_kind"]:
        statuses = set(pipes.loc[pipes["kind"] == kind, "status"])
        assert {"built", "planned"} <= statuses, kind
    assert set(park.powerlines["voltage_kv"]) == {10.0, 110.0}
    mv = park.powerlines[park.powerlines["voltage_kv"] == 10]
    assert {"built", "planned"} <= set(mv["status"])
    assert set(park.roads["grade"]) == {"arterial", "secondary", "branch"}
    assert {"planned", "under_construction", "built"} == set(park.roads["status"])
    arterial = park.roads[park.roads["grade"] == "arterial"]
    assert arterial["width_m"].between(40, 50).all()
    assert park.roads["name"].str.endswith(("路", "大道")).all()
    subs = park.facilities[park.facilities["kind"] == "substation"]
    assert len(subs) >= 2 and (subs["capacity_unit"] == "MVA").all()
    assert {"water_plant", "sewage_plant", "gas_station"} <= set(park.facilities["kind"])
    # pipes lie under their road: within the half width of some road centreline
    gaps = park.roads.sindex.nearest(pipes.geometry, return_distance=True)[1]
    assert gaps.max() <= 25.0
    # some built-up parcels lack a gas main nearby: the gaps are deliberate
    gas = pipes[(pipes["kind"] == "gas") & (pipes["status"] == "built")]
    dist = gas.sindex.nearest(park.parcels.geometry, return_distance=True)[1]
    assert (dist > 150).any() and (dist < 30).mean() > 0.5


def test_transmission_lines_avoid_parcels(park):
    lines = park.powerlines[park.powerlines["voltage_kv"] == 110]
    crossing = park.parcels.sindex.query(lines.geometry, predicate="intersects")
    assert crossing.shape[1] == 0


# ------------------------------------------------------------------ ledger
def test_ledger(park):
    led, parcels = park.ledger, park.parcels
    assert led["parcel_id"].isin(parcels["parcel_id"]).all()
    assert set(led["year"]) == set(LEDGER_YEARS)
    assert not led.duplicated(["enterprise_id", "parcel_id", "year"]).any()
    status = parcels.set_index("parcel_id")["status"]
    assert set(status[led["parcel_id"]]) <= {"completed", "in_production", "halted"}
    per_parcel = led.groupby(["year", "parcel_id"])["enterprise_id"].nunique()
    assert per_parcel.max() in (2, 3)
    shared = per_parcel[per_parcel > 1].reset_index()
    rows = led.merge(shared[["year", "parcel_id"]])
    assert rows["share"].notna().any() and rows["share"].isna().any()
    sums = rows.dropna(subset=["share"]).groupby(["year", "parcel_id"])["share"].sum()
    assert np.allclose(sums, 1.0)
    assert (led.groupby(["year", "enterprise_id"])["parcel_id"].nunique() == 2).any()
    assert led[["tax_wan", "emission_t", "rd_wan"]].isna().any().all()
    assert not (led["revenue_wan"] == 0).any()
    revenue = led["revenue_wan"].dropna()
    assert revenue.mean() > 1.5 * revenue.median()  # skewed: a few strong firms
    # a halted factory whose figures collapse
    halted = led[led["parcel_id"].isin(parcels.loc[parcels.status == "halted", "parcel_id"])]
    by_year = halted.pivot_table(index="parcel_id", columns="year", values="revenue_wan",
                                 aggfunc="sum")
    assert (by_year[LEDGER_YEARS[-1]] < 0.1 * by_year[LEDGER_YEARS[0]]).any()


# ------------------------------------------------------------------ the committed workspace
def test_committed_data_is_the_default_demo(park):
    ws = Workspace(DATA)
    for name in VECTOR:
        stored, made = ws.read(name), getattr(park, name)
        assert list(stored.columns) == list(made.columns), name
        pd.testing.assert_frame_equal(stored.drop(columns="geometry"),
                                      made.drop(columns="geometry"), obj=name)
        assert stored.crs.equals(made.crs)
        a, b = (shapely.normalize(f.geometry.values) for f in (stored, made))
        assert shapely.equals_exact(a, b, tolerance=1e-3).all(), name  # within 1 mm
    pd.testing.assert_frame_equal(ws.read("ledger"), park.ledger)
    with rasterio.open(ws.dem_path) as src:
        assert src.crs.to_epsg() == 4527
        assert src.transform == park.dem_transform
        np.testing.assert_array_equal(src.read(1), park.dem)


def test_committed_data_is_small():
    total = sum(f.stat().st_size for f in DATA.rglob("*") if f.is_file())
    assert total < 5 * 1024 * 1024


@pytest.mark.parametrize("module", ["landplan.demo.park"])
def test_doctests(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
