"""Tests of landplan.economics: hand-worked parcels, the textbook payback, the floor check
with and without the 56号 exception, park totals, and the join by parcel_id.

The parcels lie in EPSG:4527; a 100 m × 100 m box is exactly 15 mu. Figures per mu:
P1 costs 8 (acquisition) + 10 (development) + 30/15 (extension) + 15/15 (earthworks) = 21
and received 600/15 = 40: paid at sale. P2 costs 76 per mu (its own acquisition price 63) and
received 20: net outlay 56; local tax per mu (share 0.5) 10 in 2019–2023, 24 in 2024:
cumulative −6 after year 5 and 24 in year 6: static payback 5 + 6/24 = 5.25 years (the
textbook shape of §3.4). P3 the same costs, ledger 10 per mu in 2023 and 2024 only:
36 still owed after year 2, static payback 2 + 36/10 = 5.6 years. P4 has no ledger rows.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from landplan import labels
from landplan.economics import (
    FLOOR_PRICE_YUAN_PER_M2,
    EconomicsInputs,
    class_change_summary,
    discounted_payback_years,
    floor_price_check,
    local_tax_by_year,
    parcel_economics,
    park_economics,
    promised_payback_years,
    retained_share_of_mix,
    static_payback_years,
)
from landplan.errors import ParameterError, SchemaError

X0, Y0 = 39_500_000.0, 3_400_000.0
AS_OF = dt.date(2025, 6, 30)


def _inputs(**kw) -> EconomicsInputs:
    base = dict(land_grade=8, land_grade_source="307 annex 2 (2006)", development_wan_per_mu=10.0,
                retained_local_share=0.5, discount_rate=0.1, tax_lag_years=2, acquisition_wan_per_mu=8.0)
    return EconomicsInputs(**{**base, **kw})


def _park():
    ids = ["P1", "P2", "P3", "P4"]
    parcels = gpd.GeoDataFrame({
        "parcel_id": ids,
        "land_price_wan": [600.0, 300.0, 300.0, 300.0],
        "supply_date": pd.to_datetime(["2018-03-01", "2019-05-01", "2023-01-10", "2020-01-01"]),
    }, geometry=[box(X0 + 200 * i, Y0, X0 + 200 * i + 100, Y0 + 100) for i in range(4)], crs="EPSG:4527")
    costs = pd.DataFrame({
        "parcel_id": ["P1", "P2", "P3", "P4"],
        "acquisition_wan_per_mu": [np.nan, 63.0, 63.0, 63.0],
        "extension_cost_wan": [30.0, 45.0, 45.0, 45.0],
        "earthwork_cost_wan": [15.0, 0.0, 0.0, 0.0],
    })
    # tax_wan = local per mu ÷ share × 15 mu
    rows = [("P2", y, 300.0) for y in range(2019, 2024)] + [("P2", 2024, 720.0)]
    rows += [("P3", 2023, 300.0), ("P3", 2024, 300.0), ("P1", 2020, 150.0), ("P1", 2026, 999.0)]
    ledger = pd.DataFrame(rows, columns=["parcel_id", "year", "tax_wan"])
    return parcels, ledger, costs


def test_textbook_payback_is_5_25_years():
    years, within = static_payback_years([560.0], [[100.0] * 5 + [240.0]])
    assert years[0] == 5.25 and within[0]
    # not within the years given: NaN and the flag
    years, within = static_payback_years([560.0, 0.0], [[100.0] * 5, [1.0] * 5])
    assert np.isnan(years[0]) and not within[0]
    assert years[1] == 0.0 and within[1]


def test_discounted_payback_discounts_each_year():
    # 10 % rate: 110 in year 1 is worth 100, 121 in year 2 is worth 100
    years, _ = discounted_payback_years([150.0], [[110.0, 121.0]], 0.1)
    assert years[0] == pytest.approx(1.5, abs=1e-12)
    years, _ = discounted_payback_years([100.0], [[50.0, 50.0]], 0.1)
    assert np.isnan(years[0])


def test_parcel_costs_return_and_payback_by_hand():
    parcels, ledger, costs = _park()
    out = parcel_economics(parcels, ledger, costs, _inputs(), as_of=AS_OF)
    assert list(out.index) == ["P1", "P2", "P3", "P4"]
    assert out.loc["P1", "area_mu"] == pytest.approx(15.0, abs=1e-9)
    assert out.loc["P1", "cost_wan_per_mu"] == pytest.approx(21.0)
    assert out.loc["P1", "acquisition_wan_per_mu"] == 8.0  # the park's 区片 price where the column is empty
    assert out.loc["P1", "net_outlay_wan_per_mu"] == pytest.approx(-19.0)
    assert out.loc["P1", "econ_status"] == "paid_at_sale" and out.loc["P1", "static_payback_years"] == 0.0
    # the 2026 row is after as_of: not counted
    assert out.loc["P1", "return_to_date_wan_per_mu"] == pytest.approx(5.0)

    p2 = out.loc["P2"]
    assert p2["cost_wan_per_mu"] == pytest.approx(76.0)
    assert p2["price_wan_per_mu"] == pytest.approx(20.0)
    assert p2["net_outlay_wan_per_mu"] == pytest.approx(56.0)
    assert p2["net_outlay_wan"] == pytest.approx(56.0 * 15)
    assert p2["return_to_date_wan_per_mu"] == pytest.approx(74.0)
    assert p2["local_tax_wan_per_mu"] == pytest.approx(24.0) and p2["local_tax_year"] == 2024
    assert p2["static_payback_years"] == pytest.approx(5.25, abs=1e-12)
    assert p2["econ_status"] == "paid_back"
    # discounted: Σ 10/1.1^t (t = 1…5) = 37.908, + 24/1.1^6 = 51.455, 4.545 left, 24/1.1^7 = 12.316 in year 7
    pv = [10 / 1.1 ** t for t in range(1, 6)] + [24 / 1.1 ** 6]
    expected = 6 + (56 - sum(pv)) / (24 / 1.1 ** 7)
    assert p2["discounted_payback_years"] == pytest.approx(expected, abs=1e-9)
    assert p2["discounted_payback_years"] == pytest.approx(6.369, abs=1e-3)
    full, _ = discounted_payback_years([56.0], [[10.0] * 5 + [24.0] * 45], 0.1)
    assert p2["discounted_payback_years"] == pytest.approx(full[0], abs=1e-9)

    p3 = out.loc["P3"]
    assert p3["static_payback_years"] == pytest.approx(5.6, abs=1e-12)
    assert p3["econ_status"] == "will_pay_back"
    full, _ = discounted_payback_years([56.0], [[10.0] * 50], 0.1)
    assert p3["discounted_payback_years"] == pytest.approx(full[0], abs=1e-9)


def test_no_ledger_means_no_return_not_zero():
    parcels, ledger, costs = _park()
    out = parcel_economics(parcels, ledger, costs, _inputs(), as_of=AS_OF)
    p4 = out.loc["P4"]
    assert p4["econ_status"] == "no_ledger"
    for col in ("return_to_date_wan_per_mu", "return_to_date_wan", "local_tax_wan_per_mu",
                "static_payback_years", "discounted_payback_years"):
        assert np.isnan(p4[col]), col
    assert pd.isna(p4["static_payback_within_horizon"])
    # the park's return is the sum over parcels with a ledger: P4 adds nothing, and is counted apart
    park = park_economics(out)
    assert park["payback"].loc["no_ledger", "parcels"] == 1
    assert park["totals"]["return_to_date_wan"] == pytest.approx((5.0 + 74.0 + 20.0) * 15)


def test_not_within_horizon_is_nan_with_its_flag():
    parcels, ledger, costs = _park()
    out = parcel_economics(parcels, ledger, costs, _inputs(horizon_years=5), as_of=AS_OF)
    assert np.isnan(out.loc["P3", "static_payback_years"])  # 5.6 years > 5
    assert out.loc["P3", "econ_status"] == "not_within_horizon"
    assert not out.loc["P3", "static_payback_within_horizon"]
    assert out.loc["P2", "econ_status"] == "paid_back"  # already paid back: its 5.25 years are history
    assert park_economics(out)["not_paying_back"] == ["P3"]


def test_ids_are_joined_after_a_shuffle():
    parcels, ledger, costs = _park()
    ref = parcel_economics(parcels, ledger, costs, _inputs(), as_of=AS_OF)
    rng = np.random.default_rng(3)
    shuffled = parcel_economics(parcels.iloc[rng.permutation(4)], ledger.iloc[rng.permutation(len(ledger))],
                                costs.iloc[[3, 1, 0, 2]], _inputs(), as_of=AS_OF)
    pd.testing.assert_frame_equal(shuffled.loc[ref.index], ref, check_exact=False, rtol=1e-12)
    # costs on an unknown parcel or twice on one: refused, never aligned by position
    with pytest.raises(SchemaError):
        parcel_economics(parcels, ledger, pd.concat([costs, costs.iloc[:1]]), _inputs(), as_of=AS_OF)
    bad = costs.assign(parcel_id=["P1", "P2", "P3", "X9"])
    with pytest.raises(SchemaError, match="X9"):
        parcel_economics(parcels, ledger, bad, _inputs(), as_of=AS_OF)


def test_floor_check_with_and_without_the_70_percent_exception():
    grade8 = FLOOR_PRICE_YUAN_PER_M2[8]
    assert grade8 == 252.0
    controls = dict(plot_ratio_control=1.0, building_coverage_control_pct=30.0, investment_control_wan_per_mu=200.0)
    qualifying = dict(priority_industry=True, plot_ratio=1.4, building_coverage_pct=42.0,
                      investment_wan_per_mu=220.0, **controls)
    got = floor_price_check([200.0], 8, **qualifying)
    assert got.loc[0, "floor_exception"] == "priority_intensive"
    assert got.loc[0, "floor_yuan_per_m2"] == pytest.approx(0.7 * 252.0)
    assert not got.loc[0, "below_floor"]
    assert floor_price_check([176.0], 8, **qualifying).loc[0, "below_floor"]  # 176 < 176.4
    # each condition missed by a little: the full floor
    for key, value in (("plot_ratio", 1.39), ("building_coverage_pct", 41.9), ("investment_wan_per_mu", 219.0)):
        got = floor_price_check([200.0], 8, **{**qualifying, key: value})
        assert got.loc[0, "floor_exception"] == "none", key
        assert got.loc[0, "floor_yuan_per_m2"] == 252.0 and got.loc[0, "below_floor"], key
    got = floor_price_check([200.0], 8, **{**qualifying, "priority_industry": False})
    assert got.loc[0, "floor_exception"] == "none" and got.loc[0, "below_floor"]
    got = floor_price_check([200.0], 8)  # no facts: not assessed, full floor
    assert got.loc[0, "floor_exception"] == "not_assessed" and got.loc[0, "below_floor"]
    # 56号: never below the actual cost sum; a provincial floor raises the grade's
    assert floor_price_check([200.0], 8, cost_yuan_per_m2=300.0, **qualifying).loc[0, "floor_yuan_per_m2"] == 300.0
    assert floor_price_check([300.0], 8, provincial_floor_yuan_per_m2=375.0).loc[0, "below_floor"]
    # an unconfirmed grade has no floor: no judgement
    got = floor_price_check([10.0, 500.0], [5, 4])
    assert pd.isna(got.loc[0, "below_floor"]) and not got.loc[1, "below_floor"]


def test_inputs_refuse_what_the_document_does_not_give():
    with pytest.raises(ParameterError, match="UNCONFIRMED"):
        _inputs(land_grade=5)
    assert _inputs(land_grade=5, floor_prices_yuan_per_m2={5: 400.0}).base_floor_yuan_per_m2 == 400.0
    with pytest.raises(ParameterError, match="only raise"):
        _inputs(provincial_floor_yuan_per_m2=200.0, provincial_floor_source="a provincial table")
    assert _inputs(provincial_floor_yuan_per_m2=375.0,
                   provincial_floor_source="Quzhou 2024 no. 9").base_floor_yuan_per_m2 == 375.0
    with pytest.raises(ParameterError):
        _inputs(land_grade_source=" ")
    with pytest.raises(ParameterError):
        _inputs(retained_local_share=1.5)
    assert retained_share_of_mix(0.75, 0.25) == 0.475
    with pytest.raises(ParameterError, match="priority_industry"):
        floor_price_check([200.0], 8, priority_industry=["maybe"])
    with pytest.raises(ParameterError):
        retained_share_of_mix(0.5, 0.3)


def test_local_tax_by_year_and_a_promise_with_its_lag():
    parcels, ledger, _ = _park()
    rows = local_tax_by_year(parcels, ledger, _inputs(), as_of=AS_OF)
    p2 = rows[rows["parcel_id"] == "P2"]
    assert list(p2["year"]) == list(range(2019, 2025))
    assert list(p2["local_tax_wan_per_mu"].round(9)) == [10.0] * 5 + [24.0]
    assert 2026 not in set(rows["year"])
    # 56 per mu owed, 20 per mu promised (10 kept), nothing in the first 2 years: 2 + 5.6
    got = promised_payback_years([56.0], [20.0], _inputs(discount_rate=0.0))
    assert got.loc[0, "static_payback_years"] == pytest.approx(7.6)
    full, _ = discounted_payback_years([56.0], [[0.0, 0.0] + [10.0] * 48], 0.1)
    assert promised_payback_years([56.0], [20.0], _inputs()).loc[0, "discounted_payback_years"] == \
        pytest.approx(full[0], abs=1e-9)


def test_park_totals_equal_the_sum_of_the_parcels():
    from landplan.demo import make_demo
    from landplan.efficiency import evaluate_efficiency
    from landplan.rules import load_ruleset

    park = make_demo(parcels=300, seed=1)
    inputs = _inputs(discount_rate=0.05)
    table = parcel_economics(park.parcels, park.ledger, None, inputs, as_of=AS_OF)
    result = park_economics(table)
    for col in ("area_mu", "net_outlay_wan", "return_to_date_wan"):
        assert result["totals"][col] == pytest.approx(table[col].sum(skipna=True), rel=1e-12), col
    # cost and land price over the parcels whose net outlay is known: cost − price = net outlay
    costed = table["net_outlay_wan"].notna()
    assert (~costed).any() and table.loc[~costed, "cost_wan"].notna().any()  # the case exists
    tot = result["totals"]
    assert tot["cost_wan"] == pytest.approx(table.loc[costed, "cost_wan"].sum(), rel=1e-12)
    assert tot["cost_wan"] - tot["land_price_wan"] == pytest.approx(tot["net_outlay_wan"], rel=1e-9)
    assert tot["costed_parcels"] == costed.sum()
    assert result["payback"]["parcels"].sum() == len(table)
    assert result["payback"]["area_mu"].sum() == pytest.approx(table["area_mu"].sum())
    # per zone (joined by parcel_id, given shuffled): the zones add up to the park
    zone = pd.Series(np.where(np.arange(len(table)) % 3 == 0, "north", "south"), index=table.index)
    by_zone = park_economics(table, zones=zone.sample(frac=1.0, random_state=0))["by_zone"]
    for col in ("area_mu", "cost_wan", "net_outlay_wan", "return_to_date_wan"):
        assert by_zone[col].sum() == pytest.approx(result["totals"][col], rel=1e-12), col
    assert by_zone.loc["north", "area_mu"] == pytest.approx(table["area_mu"].to_numpy()[::3].sum())
    for col in [by_zone.index.name, *by_zone.columns]:
        assert labels.has(f"col.{col}"), col
    no_rows = ~table.index.isin(park.ledger["parcel_id"])
    assert no_rows.any() and table.loc[no_rows, "return_to_date_wan"].isna().all()
    # class change: D parcels at the median tax per mu of the C parcels
    eff = evaluate_efficiency(park.parcels, park.ledger, load_ruleset(), year=2024)
    change = park_economics(table, eff, inputs)["class_change"]
    d = change[change["efficiency_class"] == "D"]
    assert len(d)
    c_median = eff.loc[eff["efficiency_class"] == "C", "tax_per_mu_wan"].median()
    assert (d["target_tax_per_mu_wan"] == c_median).all()
    owed = table.loc[d.index, "net_outlay_wan_per_mu"] - table.loc[d.index, "discounted_return_to_date_wan_per_mu"]
    pid = d.index[(owed > 0) & d["discounted_payback_years_after"].notna()][0]
    row = table.loc[pid]
    # from the year after the latest ledger row, the larger of its own tax and the C median
    t_last = int(row["local_tax_year"]) - AS_OF.year + int(row["years_to_date"])
    flow = max(row["local_tax_wan_per_mu"], c_median * 0.5)
    flows = [0.0] * t_last + [flow] * (50 - t_last)
    full, _ = discounted_payback_years([row["net_outlay_wan_per_mu"] - row["discounted_return_to_date_wan_per_mu"]],
                                       [flows], 0.05)
    assert d.loc[pid, "discounted_payback_years_after"] == pytest.approx(full[0], abs=1e-9)


def test_every_output_word_is_in_the_catalogue_and_reads_right():
    from wordcheck import cjk_in, codes_in

    parcels, ledger, costs = _park()
    out = parcel_economics(parcels, ledger, costs, _inputs(), as_of=AS_OF)
    words = []
    for col in out.columns:
        assert labels.has(f"col.{col}"), col
        words.append((labels.column(col, "zh"), labels.column(col, "en")))
    coded = {"econ_status": out["econ_status"].unique(), "floor_exception": out["floor_exception"].unique(),
             "payback_class": park_economics(out)["payback"].index}
    for kind, codes in coded.items():
        assert labels.kind_of(kind) == kind
        for code in codes:
            assert labels.has(f"val.{kind}.{code}"), (kind, code)
            words.append((labels.value(kind, code, "zh"), labels.value(kind, code, "en")))
    for zh, en in words:
        assert not codes_in(zh), zh
        assert not cjk_in(en), en


def _one_parcel(rows, *, supply="2020-03-01", price_wan=0.0):
    """One 15-mu parcel with a net outlay of 10 万元/亩 (acquisition 0, development 10)."""
    parcels = gpd.GeoDataFrame({"parcel_id": ["Q1"], "land_price_wan": [price_wan],
                                "supply_date": pd.to_datetime([supply])},
                               geometry=[box(X0, Y0, X0 + 100, Y0 + 100)], crs="EPSG:4527")
    ledger = pd.DataFrame([("Q1", y, tax) for y, tax in rows], columns=["parcel_id", "year", "tax_wan"])
    return parcels, ledger


def _change(rows, c_tax, b_median, *, as_of=dt.date(2023, 6, 30), rate=0.0):
    """The C→B change of one class-C parcel, the B parcels' median tax per mu ``b_median``."""
    parcels, ledger = _one_parcel(rows)
    inputs = _inputs(acquisition_wan_per_mu=0.0, development_wan_per_mu=10.0, retained_local_share=0.5,
                     discount_rate=rate)
    table = parcel_economics(parcels, ledger, None, inputs, as_of=as_of)
    eff = pd.DataFrame({"efficiency_class": ["C", "B"], "tax_per_mu_wan": [c_tax, b_median]},
                       index=["Q1", "other"])
    return table, park_economics(table, eff, inputs)["class_change"]


def test_a_class_change_by_hand_starts_after_the_latest_ledger_row():
    # supply 2020 (year 1); local tax 1 万元/亩 in 2020 and 2021 (15 mu × 1 ÷ 0.5 = 30 万元 a year);
    # the ledger ends in 2021 but as_of is 2023 (year 4). Owed after year 2: 10 − 2 = 8.
    table, change = _change([(2020, 30.0), (2021, 30.0)], c_tax=2.0, b_median=4.0)
    assert int(table.loc["Q1", "years_to_date"]) == 4
    # its own payback: the current 1 a year from year 3 → 2 + 8 / 1 = 10 years (rate 0)
    assert table.loc["Q1", "discounted_payback_years"] == pytest.approx(10.0, abs=1e-12)
    # B's median 4 per mu keeps 0.5 × 4 = 2 a year from year 3 on: 2 + 8 / 2 = 6 years
    # (the old code started after as_of, year 4: 4 + 8 / 2 = 8)
    assert change.loc["Q1", "discounted_payback_years_after"] == pytest.approx(6.0, abs=1e-12)
    summary = class_change_summary(change)
    assert summary.loc["C", ["parcels", "shorter", "within_after"]].tolist() == [1, 1, 1]
    assert summary.loc["C", "median_after_years"] == pytest.approx(6.0)


def test_a_class_change_never_lengthens_a_payback():
    # the parcel already keeps 1 a year; the B median (1.5 per mu → 0.75 kept) is less: it keeps
    # its own 1, and the payback stays 10 years (the old code gave 2 + 8 / 0.75 ≈ 12.67, later ones 14.7)
    table, change = _change([(2020, 30.0), (2021, 30.0)], c_tax=2.0, b_median=1.5)
    assert change.loc["Q1", "discounted_payback_years_after"] == pytest.approx(10.0, abs=1e-12)
    # discounted at 5 %: the same start and a flow at least as large → never longer
    table, change = _change([(2020, 30.0), (2021, 30.0)], c_tax=2.0, b_median=1.5, rate=0.05)
    assert change.loc["Q1", "discounted_payback_years_after"] == pytest.approx(
        table.loc["Q1", "discounted_payback_years"], abs=1e-9)
    # a parcel that does not pay back within the horizon counts as the longest in the medians
    table, change = _change([(2020, 3.0), (2021, 3.0)], c_tax=0.2, b_median=4.0, rate=0.05)
    assert np.isnan(table.loc["Q1", "discounted_payback_years"])
    summary = class_change_summary(change)
    assert np.isnan(summary.loc["C", "median_before_years"])
    assert summary.loc["C", "median_after_years"] > 0 and summary.loc["C", "within_before"] == 0
