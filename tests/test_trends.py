"""landplan.trends: the ledger's years per parcel, enterprise, industry and park, worked by hand
and checked against the one-year evaluation of landplan.efficiency."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from landplan import trends
from landplan.demo import make_demo
from landplan.efficiency import evaluate_efficiency, evaluate_enterprises
from landplan.rules import load_rules

NAN = float("nan")


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture
def parcels() -> gpd.GeoDataFrame:
    """P1 100 m × 100 m = 15 mu (GB/T 4754 division 34), P2 200 m × 100 m = 30 mu (3911 → 39)."""
    x, y = 39_500_000, 3_400_000
    return gpd.GeoDataFrame({"parcel_id": ["P1", "P2"], "industry_code": ["34", "3911"]},
                            geometry=[box(x, y, x + 100, y + 100), box(x + 200, y, x + 400, y + 100)],
                            crs="EPSG:4527")


@pytest.fixture
def ledger() -> pd.DataFrame:
    """E1 on P1 every year; E2 on P2 in 2022 and 2024 (none in 2023); in 2024 E1 also holds
    0.4 of P2 and E2 0.6."""
    return pd.DataFrame({
        "enterprise_id": ["E1", "E1", "E1", "E2", "E2", "E1"],
        "name": ["甲", "甲", "甲", "乙", "乙", "甲"],
        "parcel_id": ["P1", "P1", "P1", "P2", "P2", "P2"],
        "year": [2022, 2023, 2024, 2022, 2024, 2024],
        "share": [NAN, NAN, NAN, NAN, 0.6, 0.4],
        "tax_wan": [30.0, 45.0, 60.0, 90.0, 120.0, 30.0],
        "output_wan": [300.0, 330.0, 360.0, 600.0, 900.0, 100.0],
    })


def _rows(frame: pd.DataFrame, key: str, unit) -> pd.DataFrame:
    return frame[frame[key].eq(unit) if unit is not None else frame[key].isna()].set_index("year")


def _values(series: pd.Series) -> list[float]:
    return series.to_numpy(dtype="float64", na_value=np.nan).tolist()


def test_parcels_by_hand(parcels, ledger, rules):
    out = trends.parcel_trends(parcels, ledger, rules)
    assert len(out) == 6 and out["year"].tolist() == [2022, 2023, 2024] * 2
    p1, p2 = _rows(out, "parcel_id", "P1"), _rows(out, "parcel_id", "P2")
    assert _values(p1["area_mu"]) == pytest.approx([15.0] * 3)
    assert _values(p1["tax_per_mu_wan"]) == pytest.approx([2.0, 3.0, 4.0])
    assert _values(p1["output_per_mu_wan"]) == pytest.approx([20.0, 22.0, 24.0])
    assert _values(p1["tax_per_mu_wan_yoy_pct"]) == pytest.approx([NAN, 50.0, 100 / 3], nan_ok=True)
    assert _values(p1["output_wan_yoy_pct"]) == pytest.approx([NAN, 10.0, 100 * 30 / 330], nan_ok=True)
    # P2 has no rows in 2023: empty figures (never 0), so no change into or out of 2023
    assert _values(p2["tax_wan"]) == pytest.approx([90.0, NAN, 150.0], nan_ok=True)
    assert _values(p2["tax_per_mu_wan"]) == pytest.approx([3.0, NAN, 5.0], nan_ok=True)
    assert p2["tax_per_mu_wan_yoy_pct"].isna().all()
    assert p2["enterprises"].tolist() == [1, 0, 2]
    assert p2["industry_code"].tolist() == ["3911"] * 3


def test_enterprises_by_hand(parcels, ledger, rules):
    out = trends.enterprise_trends(parcels, ledger, rules)
    e1, e2 = _rows(out, "enterprise_id", "E1"), _rows(out, "enterprise_id", "E2")
    assert e1["name"].tolist() == ["甲"] * 3
    # 2024: E1 holds P1 (15 mu) and 0.4 of P2 (12 mu): 90 / 27
    assert _values(e1["land_mu"]) == pytest.approx([15.0, 15.0, 27.0])
    assert _values(e1["tax_per_mu_wan"]) == pytest.approx([2.0, 3.0, 90 / 27])
    assert _values(e1["tax_per_mu_wan_yoy_pct"]) == pytest.approx([NAN, 50.0, 100 * (90 / 27 - 3) / 3],
                                                                  nan_ok=True)
    assert _values(e2["land_mu"]) == pytest.approx([30.0, NAN, 18.0], nan_ok=True)
    assert _values(e2["tax_per_mu_wan"]) == pytest.approx([3.0, NAN, 120 / 18], nan_ok=True)
    assert e2["parcels"].tolist() == [1, 0, 1]
    assert e2["tax_per_mu_wan_yoy_pct"].isna().all()


def test_park_and_industries_by_hand(parcels, ledger, rules):
    rows = trends.parcel_trends(parcels, ledger, rules)
    park = trends.group_trends(rows).set_index("year")
    assert _values(park["tax_wan"]) == pytest.approx([120.0, 45.0, 210.0])
    # 2023: only P1 (15 mu) has rows
    assert _values(park["area_mu"]) == pytest.approx([45.0, 15.0, 45.0])
    assert park["parcels"].tolist() == [2, 1, 2]
    assert _values(park["tax_per_mu_wan"]) == pytest.approx([120 / 45, 3.0, 210 / 45])
    assert _values(park["tax_per_mu_wan_yoy_pct"]) == pytest.approx(
        [NAN, 100 * (3 - 120 / 45) / (120 / 45), 100 * (210 / 45 - 3) / 3], nan_ok=True)
    by = trends.group_trends(rows, by="industry")
    assert sorted(by["industry_code"].unique()) == ["34", "39"]
    assert _values(_rows(by, "industry_code", "34")["tax_per_mu_wan"]) == pytest.approx([2.0, 3.0, 4.0])
    d39 = _rows(by, "industry_code", "39")
    assert _values(d39["tax_per_mu_wan"]) == pytest.approx([3.0, NAN, 5.0], nan_ok=True)
    assert d39["parcels"].tolist() == [1, 0, 1]


def test_a_year_without_ledger_rows_is_empty_not_zero(parcels, ledger, rules):
    gap = ledger[ledger["year"] != 2023]
    assert trends.ledger_years(gap) == [2022, 2023, 2024]
    park = trends.group_trends(trends.parcel_trends(parcels, gap, rules)).set_index("year")
    assert park.loc[2023, "parcels"] == 0
    for name in ("tax_wan", "area_mu", "tax_per_mu_wan", "output_per_mu_wan"):
        assert np.isnan(park.loc[2023, name]), name
    assert np.isnan(park.loc[2024, "tax_per_mu_wan_yoy_pct"])
    ent = trends.enterprise_trends(parcels, gap, rules)
    assert ent.loc[ent["year"] == 2023, "tax_wan"].isna().all()


def test_unknown_parcels_and_codes(parcels, ledger, rules):
    stray = pd.concat([ledger, ledger.iloc[:1].assign(parcel_id="P9", tax_wan=1e6)])
    park = trends.group_trends(trends.parcel_trends(parcels, stray, rules)).set_index("year")
    assert park.loc[2022, "tax_wan"] == pytest.approx(120.0)  # left out, as the evaluation does
    assert [trends.division(c) for c in ("34", "3911", "C34", 34.0, "M0-local", None, " ")] == \
        ["34", "39", "34", "34", "M0-local", None, None]
    with pytest.raises(ValueError):
        trends.group_trends(trends.parcel_trends(parcels, ledger, rules), by="holder")
    # a mistyped year (2204 for 2024) makes no 180 empty years, and no change across the gap
    typo = ledger.assign(year=ledger["year"].replace({2024: 2204}))
    rows = trends.parcel_trends(parcels, typo, rules)
    assert sorted(rows["year"].unique()) == [2022, 2023, 2204]
    park = trends.group_trends(rows).set_index("year")
    assert park.loc[2023, "tax_per_mu_wan_yoy_pct"] == pytest.approx(12.5)
    assert np.isnan(park.loc[2204, "tax_per_mu_wan_yoy_pct"])


@pytest.fixture(scope="module")
def demo_park():
    park = make_demo(parcels=400, seed=3)
    return park.parcels, park.ledger


def test_each_year_reads_as_the_evaluation_of_that_year(demo_park, rules):
    parcels, ledger = demo_park
    rows = trends.parcel_trends(parcels, ledger, rules)
    ents = trends.enterprise_trends(parcels, ledger, rules)
    years = trends.ledger_years(ledger)
    assert len(years) >= 3
    for year in years[-2:]:
        want = evaluate_efficiency(parcels, ledger, rules, year=year)
        got = rows[rows["year"] == year].set_index("parcel_id").loc[want.index]
        for name in (*trends.PER_MU, *trends.FIGURES, "efficiency_score", "tax_per_mu_wan_yoy_pct"):
            assert _values(got[name]) == pytest.approx(_values(want[name]), nan_ok=True), name
        assert got["efficiency_class"].fillna("").tolist() == want["efficiency_class"].fillna("").tolist()
        want_e = evaluate_enterprises(parcels, ledger, rules, year=year)
        got_e = ents[ents["year"] == year].set_index("enterprise_id").loc[want_e.index]
        for name in ("land_mu", *trends.PER_MU, "efficiency_score", "tax_per_mu_wan_yoy_pct"):
            assert _values(got_e[name]) == pytest.approx(_values(want_e[name]), nan_ok=True), name


def test_industries_add_up_to_the_park(demo_park, rules):
    parcels, ledger = demo_park
    rows = trends.parcel_trends(parcels, ledger, rules)
    park = trends.group_trends(rows).set_index("year")
    by = trends.group_trends(rows, by="industry")
    assert by["industry_code"].nunique(dropna=False) > 3
    sums = by.groupby("year")[["parcels", "area_mu", *trends.FIGURES]].sum(min_count=1)
    for name in ("parcels", "area_mu", *trends.FIGURES):
        assert _values(sums[name]) == pytest.approx(_values(park[name])), name
    # a park's per mu is the industries' numerators over their land
    has = rows[rows["tax_wan"].notna() & (rows["area_mu"] > 0)]
    pooled = has.groupby("year")["tax_wan"].sum() / has.groupby("year")["area_mu"].sum()
    assert _values(park["tax_per_mu_wan"]) == pytest.approx(_values(pooled))


def test_a_big_park_takes_seconds(rules):
    """100,000 parcels × 4 years, 130,000 enterprises (measured on the demo's 100,000-parcel
    park: parcels 0.9 s, enterprises 1.5 s, industries 0.3 s)."""
    rng = np.random.default_rng(0)
    n, years = 100_000, [2022, 2023, 2024, 2025]
    parcels = pd.DataFrame({"parcel_id": [f"P{i:06d}" for i in range(n)],
                            "area_mu": rng.uniform(5, 80, n),
                            "industry_code": rng.choice(["13", "26", "34", "39", None], n)})
    holder = np.concatenate([np.arange(n), rng.integers(0, n, n // 3)])  # a third shared
    ent = np.concatenate([np.arange(n), n + np.arange(n // 3)])
    k = len(holder)
    ledger = pd.DataFrame({
        "enterprise_id": np.tile([f"E{e:07d}" for e in ent], len(years)),
        "parcel_id": np.tile(parcels["parcel_id"].to_numpy()[holder], len(years)),
        "year": np.repeat(years, k),
        "tax_wan": rng.uniform(0, 500, k * len(years)),
        "output_wan": rng.uniform(0, 5000, k * len(years)),
    })
    start = time.perf_counter()
    rows = trends.parcel_trends(parcels, ledger, rules)
    ents = trends.enterprise_trends(parcels, ledger, rules)
    trends.group_trends(rows, by="industry")
    took = time.perf_counter() - start
    assert len(rows) == n * len(years) and len(ents) == len(ent) * len(years)
    assert took < 15, f"{took:.1f} s"
