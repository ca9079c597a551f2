"""Compliance: land-use control indicators against the 2008 tables and the 2023 edition.

Parks are built in code: squares in EPSG:4527 (CGCS2000 GK zone 39, zone-prefixed eastings)
whose area is known exactly (a 100 m square is 10,000 m² = 15 mu).
"""

from __future__ import annotations

import copy
import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from landplan.compliance import INDICATORS, THRESHOLD_KEYS, evaluate_compliance, thresholds_for
from landplan.errors import RuleError, SchemaError
from landplan.rules import load_rules, merge_rules, rule_source
from landplan.workspace import Workspace

X0, Y0 = 39_512_000.0, 3_521_000.0
AREA_COLUMNS = ("floor_area_m2", "footprint_area_m2", "green_area_m2", "admin_area_m2")


def park(rows: list[dict], *, side: float = 100.0) -> gpd.GeoDataFrame:
    """Parcels P1, P2, … as ``side`` m squares in a row, with the given attributes (status
    ``in_production`` unless given: the indicators are judged for built projects)."""
    frame = pd.DataFrame([{"status": "in_production", **row} for row in rows])
    frame.insert(0, "parcel_id", [f"P{i + 1}" for i in range(len(rows))])
    geoms = [box(X0 + 200 * i, Y0, X0 + 200 * i + side, Y0 + side) for i in range(len(rows))]
    return gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4527")


def with_rules(override: dict) -> dict:
    return merge_rules(load_rules(), override, origin="test")


@pytest.fixture(scope="module")
def rules() -> dict:
    return load_rules()


# --- floor-area ratio ---------------------------------------------------------------------


def test_far_boundary_equal_passes(rules):
    # 2017 code 39 -> 2002 row 40, FAR >= 1.0; parcel area 10,000 m².
    parcels = park([{"industry_code": "39", "floor_area_m2": 10000.0},
                    {"industry_code": "39", "floor_area_m2": 9999.0},
                    {"industry_code": "39", "floor_area_m2": 25000.0}])
    out = evaluate_compliance(parcels, rules)
    assert list(out.index) == ["P1", "P2", "P3"]
    assert out.index.name == "parcel_id"
    assert out["floor_area_ratio"].tolist() == [1.0, 0.9999, 2.5]
    assert out["floor_area_ratio_min"].tolist() == [1.0, 1.0, 1.0]
    assert out["floor_area_ratio_ok"].dtype == "boolean"
    assert out["floor_area_ratio_ok"].tolist() == [True, False, True]
    assert "floor_area_ratio" in out.loc["P2", "compliance_failed"].split(", ")
    assert "floor_area_ratio" not in out.loc["P1", "compliance_failed"]


def test_far_max_when_set():
    rules = with_rules({"compliance": {"thresholds": {"40": {"floor_area_ratio_max": 2.0}}}})
    parcels = park([{"industry_code": "39", "floor_area_m2": f} for f in (20000.0, 20001.0)])
    out = evaluate_compliance(parcels, rules)
    assert out["floor_area_ratio_max"].tolist() == [2.0, 2.0]
    assert out["floor_area_ratio_ok"].tolist() == [True, False]


@pytest.mark.parametrize(
    ("code", "far_min", "ok_at_085"),
    [
        ("39", 1.0, False),   # 2017 electronics -> 2002 row 40 (1.0), not 2002 row 39 (0.7)
        ("38", 0.7, True),    # 2017 electrical -> 2002 row 39; 2002 has no row 38
        ("30", 0.7, True),    # 2017 non-metallic minerals -> 2002 row 31, not 30 plastics (1.0)
        ("3911", 1.0, False),  # a 4-digit code uses its first two digits
        ("C39", 1.0, False),  # a leading section letter is ignored
        ("43", math.nan, None),  # 2017 repair: no 2008 row
        ("13", 1.0, False),   # unchanged codes 13-28
    ],
)
def test_code_mapping_2017_to_2002(rules, code, far_min, ok_at_085):
    parcels = park([{"industry_code": code, "floor_area_m2": 8500.0}])
    out = evaluate_compliance(parcels, rules)
    got = out.loc["P1", "floor_area_ratio_min"]
    assert (math.isnan(got) and math.isnan(far_min)) or got == far_min
    flag = out.loc["P1", "floor_area_ratio_ok"]
    if ok_at_085 is None:
        assert flag is pd.NA
    else:
        assert flag == ok_at_085


def test_code_43_basis_says_no_row(rules):
    out = evaluate_compliance(park([{"industry_code": "43", "floor_area_m2": 8500.0}]), rules)
    basis = out.loc["P1", "compliance_basis"]
    assert "行业 43（2017）无 2008 表行（未确认）" in basis
    assert "容积率" in basis.split("无阈值")[1]
    assert "industry 43 (2017) has no 2008 table row (unconfirmed)" in out.loc["P1", "compliance_basis_en"]


def test_parcels_with_2002_codes():
    rules = with_rules({"compliance": {"parcel_code_standard": "GB/T 4754-2002"}})
    assert thresholds_for("39", rules)["floor_area_ratio_min"].value == 0.7
    assert thresholds_for("30", rules)["floor_area_ratio_min"].value == 1.0


# --- editions -----------------------------------------------------------------------------


def _coverage_green_park() -> gpd.GeoDataFrame:
    # coverage 35 %, green 18 %, admin 7 % (boundary): fails 2023, passes 2008.
    return park([{"industry_code": "39", "floor_area_m2": 12000.0, "footprint_area_m2": 3500.0,
                  "green_area_m2": 1800.0, "admin_area_m2": 700.0},
                 {"industry_code": "39", "floor_area_m2": 12000.0, "footprint_area_m2": 4000.0,
                  "green_area_m2": 1500.0, "admin_area_m2": 701.0}])


def test_edition_2023_when_chosen():
    rules = with_rules({"compliance": {"edition": 2023}})
    out = evaluate_compliance(_coverage_green_park(), rules)
    assert out["building_coverage_pct"].tolist() == [35.0, 40.0]
    assert out["building_coverage_pct_min"].tolist() == [40.0, 40.0]
    assert out["building_coverage_pct_ok"].tolist() == [False, True]
    assert out["green_ratio_pct_max"].tolist() == [15.0, 15.0]
    assert out["green_ratio_pct_ok"].tolist() == [False, True]
    assert out["admin_ratio_pct_max"].tolist() == [7.0, 7.0]
    assert out["admin_ratio_pct_ok"].tolist() == [True, False]
    assert out.loc["P1", "compliance_failed"] == "building_coverage_pct, green_ratio_pct"
    assert out.loc["P2", "compliance_failed"] == "admin_ratio_pct"
    basis = out.loc["P1", "compliance_basis"]
    assert "2023 版（未确认）：建筑系数 ≥ 40.0%、绿地率 ≤ 15.0%" in basis
    assert "2008 版（2023 版无此项，回退）：容积率 ≥ 1.00" in basis
    assert "2008 (not in 2023, fallback): floor area ratio ≥ 1.00" in out.loc["P1", "compliance_basis_en"]

    thr = thresholds_for("39", rules)
    cov, far = thr["building_coverage_pct_min"], thr["floor_area_ratio_min"]
    assert (cov.value, cov.edition, cov.unconfirmed, cov.fallback) == (40.0, "2023", True, False)
    assert cov.key == "compliance.editions.2023.default.building_coverage_pct_min"
    assert (far.value, far.edition, far.fallback) == (1.0, "2008", True)
    assert far.key == "compliance.thresholds.40.floor_area_ratio_min"
    assert set(thr) == set(THRESHOLD_KEYS)


def test_edition_2008_via_merge_rules():
    rules = with_rules({"compliance": {"edition": 2008}})
    out = evaluate_compliance(_coverage_green_park(), rules)
    assert out["building_coverage_pct_min"].tolist() == [30.0, 30.0]
    assert out["green_ratio_pct_max"].tolist() == [20.0, 20.0]
    assert out["building_coverage_pct_ok"].tolist() == [True, True]
    assert out["green_ratio_pct_ok"].tolist() == [True, True]
    assert out.loc["P1", "compliance_failed"] == ""
    assert "回退" not in out.loc["P1", "compliance_basis"]
    assert "2008 版：" in out.loc["P1", "compliance_basis"]
    far = thresholds_for("39", rules)["floor_area_ratio_min"]
    assert (far.value, far.edition, far.fallback) == (1.0, "2008", False)


def test_edition_per_code_entry_comes_first():
    rules = with_rules({"compliance": {"edition": 2023, "editions": {"2023": {
        "39": {"floor_area_ratio_min": 1.2, "building_coverage_pct_min": 45}}}}})
    thr = thresholds_for("39", rules)
    far = thr["floor_area_ratio_min"]
    assert (far.value, far.edition, far.fallback, far.overridden) == (1.2, "2023", False, True)
    assert far.key == "compliance.editions.2023.39.floor_area_ratio_min"
    assert thr["building_coverage_pct_min"].value == 45.0
    assert thresholds_for("38", rules)["building_coverage_pct_min"].value == 40.0


def test_unknown_edition_is_a_rule_error():
    with pytest.raises(RuleError, match="compliance.edition: 2030 has no block"):  # refused on load
        with_rules({"compliance": {"edition": 2030}})
    rules = copy.deepcopy(load_rules())  # a rules dict built in code
    rules["compliance"]["edition"] = 2030
    with pytest.raises(RuleError, match="2030"):
        evaluate_compliance(park([{"industry_code": "39"}]), rules)


# --- what is judged: the finished project (issue 18 point 4) ----------------------------


def test_only_finished_projects_are_judged(rules):
    # FAR 0.2 < 1.0 and coverage 10 % < 30 % on every parcel (2,000 and 1,000 m² on 10,000 m²)
    statuses = [("planned", None), ("reserve", None), ("supplied", None), ("under_construction", None),
                ("halted", None), ("halted", "2021-05-01"), ("completed", None), ("in_production", None),
                (None, None)]
    parcels = park([{"industry_code": "39", "floor_area_m2": 2000.0, "footprint_area_m2": 1000.0,
                     "status": st, "production_date": pd.Timestamp(d) if d else pd.NaT}
                    for st, d in statuses])
    out = evaluate_compliance(parcels, rules)
    assert out["floor_area_ratio"].tolist() == [0.2] * 9  # the ratios describe every parcel
    assert out["building_coverage_pct"].tolist() == [10.0] * 9
    assert out["compliance_scope"].tolist() == ["not_built"] * 5 + ["checked"] * 3 + ["no_status"]
    judged = out["compliance_scope"].eq("checked")
    for ind in INDICATORS:
        assert out.loc[~judged, f"{ind}_ok"].isna().all(), ind
    assert out.loc[~judged, "compliance_failed"].eq("").all()
    assert out.loc[judged, "compliance_failed"].eq("floor_area_ratio, building_coverage_pct").all()
    assert out.loc[judged, "compliance_note"].eq("").all()
    note = out.loc["P4", "compliance_note"]
    assert note == "在建：控制指标是供地条件，竣工验收时判定，未建成的土地不判定（《工业项目建设用地控制指标》2008）"
    assert out.loc["P4", "compliance_note_en"] == (
        "under construction: the indicators are conditions of supply checked at completion; land not yet built is "
        "not judged (Industrial project land control indicators 2008)")
    assert "未记录竣工或投产日期" in out.loc["P5", "compliance_note"]
    assert out.loc["P9", "compliance_note"].startswith("建设状态未填")


# --- edition in force at supply, contract conditions (issue 18 point 5) -------------------


def test_2015_parcel_with_35_pct_coverage_passes_by_default(rules):
    parcels = park([{"industry_code": "39", "footprint_area_m2": 3500.0, "supply_date": pd.Timestamp("2015-03-01")}])
    out = evaluate_compliance(parcels, rules)
    assert out.loc["P1", "building_coverage_pct"] == 35.0
    assert out.loc["P1", "building_coverage_pct_min"] == 30.0
    assert out.loc["P1", "building_coverage_pct_ok"]
    assert out.loc["P1", "compliance_edition"] == "2008"
    assert "未确认" not in out.loc["P1", "compliance_basis"]


def test_edition_in_force_at_supply():
    # a rules file that dates the 2023 edition: land supplied since then is judged by it
    rules = with_rules({"compliance": {"in_force_from": {"2023": "2023-07-01"}}})
    supplied = ["2015-03-01", "2023-06-30", "2023-07-01", "2024-03-01", None]
    parcels = park([{"industry_code": "39", "footprint_area_m2": 3500.0,
                     "supply_date": pd.Timestamp(d) if d else pd.NaT} for d in supplied])
    out = evaluate_compliance(parcels, rules)
    assert out["compliance_edition"].tolist() == ["2008", "2008", "2023", "2023", "2008"]
    assert out["building_coverage_pct_min"].tolist() == [30.0, 30.0, 40.0, 40.0, 30.0]
    assert out["building_coverage_pct_ok"].tolist() == [True, True, False, False, True]
    assert out.loc["P3", "compliance_basis"].startswith("2023 版（供地时施行）")
    assert "2023 版（未确认）：" in out.loc["P3", "compliance_basis"]
    assert out.loc["P5", "compliance_basis"].startswith("2008 版（默认版本）")
    assert out.loc["P5", "compliance_basis_en"].startswith("edition 2008 (the default edition)")
    assert thresholds_for("39", rules, supply_date="2024-03-01")["building_coverage_pct_min"].unconfirmed
    assert thresholds_for("39", rules)["building_coverage_pct_min"].value == 30.0


@pytest.mark.parametrize(("override", "match"), [
    ({"in_force_from": {"2019": "2019-01-01"}}, "compliance.in_force_from.2019: names no block"),
    ({"in_force_from": {"2023": "July 2023"}}, "compliance.in_force_from.2023: 'July 2023' is not a date"),
])
def test_bad_in_force_from_is_a_rule_error(override, match):
    with pytest.raises(RuleError, match=re.escape(match)):
        with_rules({"compliance": override})


def test_contract_conditions_win(rules):
    # FAR 2.5 over a contract ceiling of 2.0; coverage 42 % under a contract floor of 45 %
    parcels = park([{"industry_code": "39", "floor_area_m2": 25000.0, "footprint_area_m2": 4200.0,
                     "contract_far_max": 2.0, "contract_coverage_min_pct": 45.0},
                    {"industry_code": "39", "floor_area_m2": 25000.0, "footprint_area_m2": 4200.0}])
    out = evaluate_compliance(parcels, rules)
    assert out["floor_area_ratio_max"].fillna(-1).tolist() == [2.0, -1]
    assert out["building_coverage_pct_min"].tolist() == [45.0, 30.0]
    assert out["compliance_failed"].tolist() == ["floor_area_ratio, building_coverage_pct", ""]
    basis = out.loc["P1", "compliance_basis"]
    assert basis.endswith("；出让合同约定（优先）：容积率 ≤ 2.00、建筑系数 ≥ 45.0%")
    assert out.loc["P1", "compliance_basis_en"].endswith(
        "; the land sale contract's conditions (they win): floor area ratio ≤ 2.00, building coverage ≥ 45.0%")


# --- 建筑系数: buildings, structures and yards (issue 18 point 6) --------------------------


def test_footprint_is_buildings_structures_and_yards(rules):
    from landplan.schema import PARCELS, match_column

    parcels = park([
        {"building_footprint_m2": 2000.0, "structure_footprint_m2": 500.0, "yard_area_m2": 1000.0},
        {"building_footprint_m2": 2000.0},  # structures and yards not recorded: buildings only
        {"footprint_area_m2": 3100.0, "building_footprint_m2": 2000.0},  # the total wins
        {},
    ])
    out = evaluate_compliance(parcels, rules)
    assert out["building_coverage_pct"].fillna(-1).tolist() == [35.0, 20.0, 31.0, -1]
    assert out["building_coverage_pct_ok"].tolist()[:3] == [True, False, True]
    assert "建筑系数按建筑物、构筑物、堆场分项合计" in out.loc["P1", "compliance_basis"]
    assert "coverage from the parts" in out.loc["P1", "compliance_basis_en"]
    assert "分项合计" not in out.loc["P3", "compliance_basis"]
    assert PARCELS.by_name["footprint_area_m2"].zh == "建筑物、构筑物基底及堆场面积(平方米)"
    assert match_column("parcels", "构筑物基底面积(平方米)")[0] == "structure_footprint_m2"
    assert match_column("parcels", "露天堆场面积（亩）")[:2] == ("yard_area_m2", pytest.approx(10000 / 15))
    assert match_column("parcels", "建筑物、构筑物基底及堆场面积")[0] == "footprint_area_m2"


# --- investment intensity -----------------------------------------------------------------


def test_investment_intensity_by_region_tier():
    # 15 mu parcels; 五类 needs 200 万元/亩 (3000 万元), 六类 150; code 39 (row 40) needs 300 in 五类.
    tiers = {"五类": 200, "六类": 150}
    rules = with_rules({"compliance": {"region_tier": "五类", "thresholds": {
        "default": {"investment_intensity_wan_per_mu_min": tiers},
        "40": {"investment_intensity_wan_per_mu_min": {"五类": 300}}}}})
    parcels = park([{"industry_code": "13", "invested_wan": 3000.0},
                    {"industry_code": "13", "invested_wan": 2985.0},
                    {"industry_code": "39", "invested_wan": 3000.0},
                    {"industry_code": "13", "invested_wan": None}])
    out = evaluate_compliance(parcels, rules)
    assert out["investment_intensity_wan_per_mu"].iloc[:3].tolist() == pytest.approx([200, 199, 200])
    assert out["investment_intensity_wan_per_mu_min"].tolist() == [200.0, 200.0, 300.0, 200.0]
    assert out["investment_intensity_wan_per_mu_ok"].tolist() == [True, False, False, pd.NA]
    key = thresholds_for("39", rules)["investment_intensity_wan_per_mu_min"].key
    assert key == "compliance.thresholds.40.investment_intensity_wan_per_mu_min.五类"

    other = with_rules({"compliance": {"region_tier": "七类", "thresholds": {
        "default": {"investment_intensity_wan_per_mu_min": tiers}}}})
    out = evaluate_compliance(parcels, other)
    assert out["investment_intensity_wan_per_mu_min"].isna().all()
    assert out["investment_intensity_wan_per_mu_ok"].isna().all()

    unset = with_rules({"compliance": {"thresholds": {
        "default": {"investment_intensity_wan_per_mu_min": tiers}}}})
    out = evaluate_compliance(parcels, unset)
    assert out["investment_intensity_wan_per_mu_ok"].isna().all()
    assert "投资强度（未设地区类别）" in out.loc["P1", "compliance_basis"]

    numeric = with_rules({"compliance": {"region_tier": 5, "thresholds": {
        "default": {"investment_intensity_wan_per_mu_min": {5: 150}}}}})
    assert evaluate_compliance(parcels, numeric)["investment_intensity_wan_per_mu_min"].iloc[0] == 150


def test_investment_intensity_plain_number():
    rules = with_rules({"compliance": {"thresholds": {
        "default": {"investment_intensity_wan_per_mu_min": 100}}}})
    out = evaluate_compliance(park([{"invested_wan": 1500.0}, {"invested_wan": 1499.0}]), rules)
    assert out["investment_intensity_wan_per_mu_ok"].tolist() == [True, False]


# --- missing inputs, no code, conflicts ---------------------------------------------------


def test_missing_inputs_give_empty_values(rules):
    bare = park([{}, {}])[["parcel_id", "geometry"]]
    out = evaluate_compliance(bare, rules)
    for ind in INDICATORS:
        assert out[ind].isna().all(), ind
        assert out[f"{ind}_ok"].isna().all(), ind
    assert out["compliance_failed"].tolist() == ["", ""]

    partial = park([{"industry_code": "39", "floor_area_m2": None, "footprint_area_m2": 5000.0},
                    {"industry_code": "39", "floor_area_m2": 12000.0, "footprint_area_m2": None}])
    partial.loc[1, "geometry"] = None  # no geometry: no area, nothing measurable
    out = evaluate_compliance(partial, rules)
    assert out["floor_area_ratio"].isna().tolist() == [True, True]
    assert out["floor_area_ratio_ok"].isna().tolist() == [True, True]
    assert out["building_coverage_pct"].tolist()[0] == 50.0
    assert out["building_coverage_pct_ok"].tolist()[0] is True
    assert out["building_coverage_pct_ok"].isna().tolist() == [False, True]
    assert out["green_ratio_pct_ok"].isna().all()


def test_empty_layer(rules):
    out = evaluate_compliance(park([{"industry_code": "39"}]).iloc[:0], rules)
    assert len(out) == 0 and "floor_area_ratio_ok" in out.columns


def test_parcel_id_required(rules):
    with pytest.raises(SchemaError, match="parcel_id"):
        evaluate_compliance(park([{}]).drop(columns="parcel_id"), rules)


@pytest.mark.parametrize("code", [None, "", "  ", "n/a"])
def test_parcel_without_industry_code_uses_defaults(rules, code):
    parcels = park([{"industry_code": code, "floor_area_m2": 1.0, "footprint_area_m2": 2900.0}])
    out = evaluate_compliance(parcels, rules)
    assert math.isnan(out.loc["P1", "floor_area_ratio_min"])
    assert out.loc["P1", "floor_area_ratio_ok"] is pd.NA
    assert out.loc["P1", "building_coverage_pct_min"] == 30.0
    assert not out.loc["P1", "building_coverage_pct_ok"]
    assert "defaults only" in out.loc["P1", "compliance_basis_en"] and "仅默认值" in out.loc["P1", "compliance_basis"]
    assert out.loc["P1", "compliance_failed"] == "building_coverage_pct"


def test_no_industry_code_column(rules):
    out = evaluate_compliance(park([{"floor_area_m2": 20000.0}]), rules)
    assert out.loc["P1", "floor_area_ratio_ok"] is pd.NA
    assert out.loc["P1", "building_coverage_pct_min"] == 30.0


def test_green_min_and_max():
    rules = with_rules({"compliance": {"thresholds": {"default": {"green_ratio_pct_min": 10}}}})
    parcels = park([{"green_area_m2": g} for g in (1000.0, 999.0, 2000.0, 2001.0)])
    out = evaluate_compliance(parcels, rules)
    assert out["green_ratio_pct_min"].tolist() == [10.0] * 4
    assert out["green_ratio_pct_max"].tolist() == [20.0] * 4
    assert out["green_ratio_pct_ok"].tolist() == [True, False, True, False]


def test_green_min_above_max_is_a_conflict():
    # a planning floor of 25 % against the (2008) land-saving cap of 20 %
    rules = with_rules({"compliance": {"thresholds": {"default": {"green_ratio_pct_min": 25}}}})
    out = evaluate_compliance(park([{"green_area_m2": 1000.0}, {"green_area_m2": 2500.0}]), rules)
    assert out["green_ratio_pct_ok"].isna().all()
    assert out["compliance_failed"].tolist() == ["", ""]
    assert "conflict" in out.loc["P1", "compliance_basis_en"]
    assert "绿地率下限 25.0% > 上限 20.0%，冲突：不判定" in out.loc["P1", "compliance_basis"]


def test_workspace_override_of_one_industry_far():
    # thresholds are keyed by 2002 codes: row "39" is 2017 code 38 (electrical), not 39.
    rules = merge_rules(load_rules(), {"compliance": {"thresholds": {"39": {"floor_area_ratio_min": 1.5}}}})
    parcels = park([{"industry_code": "38", "floor_area_m2": 14000.0},
                    {"industry_code": "38", "floor_area_m2": 15000.0},
                    {"industry_code": "39", "floor_area_m2": 14000.0}])
    out = evaluate_compliance(parcels, rules)
    assert out["floor_area_ratio_min"].tolist() == [1.5, 1.5, 1.0]
    assert out["floor_area_ratio_ok"].tolist() == [False, True, True]
    far = thresholds_for("38", rules)["floor_area_ratio_min"]
    assert far.overridden and not far.unconfirmed
    assert "容积率 ≥ 1.50（本地）" in out.loc["P1", "compliance_basis"]
    assert "本地" not in out.loc["P3", "compliance_basis"]


def test_unconfirmed_mapping_is_visible(rules):
    # 2017 29 (rubber and plastics) -> 2002 29 rubber: the choice is UNCONFIRMED
    far = thresholds_for("29", rules)["floor_area_ratio_min"]
    assert far.value == 0.8 and far.unconfirmed
    basis = evaluate_compliance(park([{"industry_code": "29"}]), rules).loc["P1", "compliance_basis"]
    assert "容积率 ≥ 0.80（未确认）" in basis


def test_geographic_crs_is_measured_in_metres(rules):
    parcels = park([{"industry_code": "39", "floor_area_m2": 10000.0}], side=100.0)
    out = evaluate_compliance(parcels.to_crs("EPSG:4490"), rules)
    assert out.loc["P1", "floor_area_ratio"] == pytest.approx(1.0, rel=1e-6)


def test_inputs_not_mutated(rules):
    parcels = _coverage_green_park()
    before = parcels.copy()
    evaluate_compliance(parcels, rules)
    assert_geodataframe_equal(parcels, before)


# --- the rules file -----------------------------------------------------------------------


def _leaves(node, path):
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}")
    else:
        yield path


def test_every_compliance_value_has_a_source(rules):
    leaves = list(_leaves(rules["compliance"], "compliance"))
    assert len(leaves) > 40
    missing = [p for p in leaves if "source" not in rule_source(p)]
    assert missing == []


# --- the demo park ------------------------------------------------------------------------


def test_demo_park(demo_workspace):
    parcels = Workspace(demo_workspace).read("parcels")
    out = evaluate_compliance(parcels, load_rules(demo_workspace))
    assert out.index.tolist() == parcels["parcel_id"].tolist()
    producing = (parcels["status"].eq("in_production") & parcels["floor_area_m2"].notna()).to_numpy()
    assert producing.any()
    assert out.loc[producing, "floor_area_ratio_ok"].notna().all()
    assert out["compliance_failed"].ne("").any()  # the demo has parcels failing the indicators
    assert out["compliance_basis"].str.len().gt(0).all()


# --- laws ---------------------------------------------------------------------------------

_codes = st.sampled_from([None, "13", "29", "30", "38", "39", "43", "3911", "zz"])
_amount = st.one_of(st.none(), st.floats(0, 50000, allow_nan=False))
_row = st.fixed_dictionaries({"industry_code": _codes, "floor_area_m2": _amount,
                              "footprint_area_m2": _amount, "green_area_m2": _amount,
                              "admin_area_m2": _amount, "invested_wan": _amount})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(_row, min_size=1, max_size=8), data=st.data())
def test_independent_of_row_order(rows, data):
    rules = load_rules()
    parcels = park(rows)
    order = data.draw(st.permutations(range(len(rows))))
    shuffled = parcels.iloc[list(order)]
    a = evaluate_compliance(parcels, rules)
    b = evaluate_compliance(shuffled, rules)
    pd.testing.assert_frame_equal(a.loc[b.index], b)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(_row, min_size=1, max_size=6), k=st.floats(0.1, 10))
def test_scaling_area_inputs_and_geometry_keeps_ratios(rows, k):
    rules = load_rules()
    parcels = park(rows, side=100.0)
    scaled = park([{c: (v * k * k if v is not None and c != "industry_code" else v)
                    for c, v in row.items()} for row in rows], side=100.0 * k)
    a = evaluate_compliance(parcels, rules)
    b = evaluate_compliance(scaled, rules)
    for ind in INDICATORS:
        np.testing.assert_allclose(a[ind].to_numpy(float), b[ind].to_numpy(float), rtol=1e-8)


@settings(max_examples=60, deadline=None)
@given(code=_codes, f1=st.floats(0, 30000), f2=st.floats(0, 30000))
def test_far_flag_monotone_in_floor_area(code, f1, f2):
    lo, hi = sorted((f1, f2))
    out = evaluate_compliance(park([{"industry_code": code, "floor_area_m2": lo},
                                    {"industry_code": code, "floor_area_m2": hi}]), load_rules())
    flags = out["floor_area_ratio_ok"].tolist()
    if flags[0] is pd.NA:
        assert flags[1] is pd.NA
    else:
        assert flags[1] >= flags[0]
