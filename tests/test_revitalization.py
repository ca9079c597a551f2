"""Low-efficiency land, revitalization candidates, scenario and target (landplan.revitalization)."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from landplan.compliance import evaluate_compliance
from landplan.errors import LandplanError
from landplan.revitalization import (
    Ranking,
    candidates,
    low_efficiency,
    scenario_median_tax,
    target_progress,
)
from landplan.rules import DEFAULT_RULES_TEXT, load_rules, rule_source

AS_OF = date(2025, 6, 30)
KEY = "idle.low_efficiency"


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def base_row(pid: str, **values) -> dict:
    """A parcel that no rule flags: in production, class B, FAR fine, investment as agreed."""
    row = {"parcel_id": pid, "area_mu": 10.0, "status": "in_production", "idle_status": "not_idle",
           "idle_years": np.nan, "idle_disposal": "none", "efficiency_class": "B",
           "floor_area_ratio": 1.2, "floor_area_ratio_min": 1.0, "floor_area_ratio_ok": True,
           "halted_since": pd.NaT, "agreed_completion_date": pd.Timestamp("2020-01-01"),
           "invested_wan": 1000.0, "agreed_investment_wan": 1000.0, "tax_per_mu_wan": 20.0}
    row.update(values)
    return row


def frame(*rows: dict) -> pd.DataFrame:
    out = pd.DataFrame(list(rows))
    out["floor_area_ratio_ok"] = out["floor_area_ratio_ok"].astype("boolean")
    return out


def flagged(table, rules, **kw):
    """The flags and the rules keys that made them (``low_efficiency_rules``)."""
    res = low_efficiency(table, rules, as_of=kw.pop("as_of", AS_OF))
    assert (res["low_efficiency_reason"] == "").tolist() == (res["low_efficiency_rules"] == "").tolist()
    assert not res["low_efficiency_reason"].str.contains(KEY).any()      # a key is never a sentence
    return res["low_efficiency"].tolist(), res["low_efficiency_rules"].tolist()


def said(table, rules, pid, **kw):
    """The zh and en reasons of one parcel."""
    res = low_efficiency(table, rules, as_of=kw.pop("as_of", AS_OF)).set_axis(table["parcel_id"])
    return res.loc[pid, "low_efficiency_reason"], res.loc[pid, "low_efficiency_reason_en"]


# ---------------------------------------------------------------- each rule alone

def test_clean_parcel_is_not_low_efficiency(rules):
    flags, reasons = flagged(frame(base_row("A")), rules)
    assert flags == [False] and reasons == [""]


def test_class_d(rules):
    flags, reasons = flagged(frame(base_row("A", efficiency_class="D"), base_row("B", efficiency_class="C")), rules)
    assert flags == [True, False]
    assert reasons == [f"{KEY}.efficiency_classes", ""]
    t = frame(base_row("A", efficiency_class="D"))
    assert said(t, rules, "A") == ("亩均效益评价 D 类（低效用地认定规则）",
                                   "per-mu efficiency class D (the low-efficiency rules)")
    off = copy.deepcopy(rules)
    off["idle"]["low_efficiency"]["efficiency_class_on"] = False
    assert flagged(frame(base_row("A", efficiency_class="D")), off)[0] == [False]
    cd = copy.deepcopy(rules)
    cd["idle"]["low_efficiency"]["efficiency_classes"] = ["C", "D"]
    assert flagged(frame(base_row("B", efficiency_class="C")), cd)[0] == [True]


def test_far_below_control(rules):
    t = frame(base_row("A", floor_area_ratio=0.5, floor_area_ratio_ok=False))
    flags, reasons = flagged(t, rules)
    assert flags == [True]
    assert reasons == [f"{KEY}.far_below_control_on"]
    assert said(t.assign(industry_code="34", compliance_edition="2008"), rules, "A") == (
        "容积率 0.50 低于控制值 1.00（《工业项目建设用地控制指标》2008，行业 34（表中 35））",
        "floor area ratio 0.50 below its control value 1.00 "
        "(Industrial project land control indicators 2008, industry 34 (table row 35))")
    assert said(t.assign(contract_far_min=1.0), rules, "A")[0] == "容积率 0.50 低于控制值 1.00（出让合同约定）"
    off = copy.deepcopy(rules)
    off["idle"]["low_efficiency"]["far_below_control_on"] = False
    assert flagged(t, off)[0] == [False]


def test_unfinished_project_is_never_low_efficiency_for_its_far(rules):
    """Issue 18 point 4: the control indicators bind the finished project. A FAR of 0.2 < 1.0
    flagged False (a table evaluated before the fix) makes no unfinished parcel 低效."""
    low = {"floor_area_ratio": 0.2, "floor_area_ratio_ok": False}
    t = frame(base_row("U", status="under_construction", agreed_completion_date=pd.Timestamp("2026-01-01"), **low),
              base_row("S", status="supplied", agreed_completion_date=pd.Timestamp("2026-01-01"), **low),
              base_row("H", status="halted", agreed_completion_date=pd.Timestamp("2026-01-01"), **low),
              base_row("P", status="halted", production_date=pd.Timestamp("2021-05-01"), **low),
              base_row("C", status="completed", **low))
    flags, reasons = flagged(t, rules)
    assert flags == [False, False, False, True, True]
    assert reasons[:3] == ["", "", ""]
    assert said(t, rules, "P")[1].startswith("floor area ratio 0.20 below its control value 1.00")


def test_unfinished_project_evaluated_end_to_end(rules):
    """From the parcels: compliance leaves the unfinished project unjudged, so it is not 低效."""
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["U", "P"], "industry_code": ["39", "39"],
         "status": ["under_construction", "in_production"], "floor_area_m2": [2000.0, 2000.0],
         "agreed_completion_date": pd.to_datetime(["2026-06-30", "2020-06-30"])},
        geometry=[box(39_500_000, 3_400_000, 39_500_100, 3_400_100),
                  box(39_500_200, 3_400_000, 39_500_300, 3_400_100)], crs="EPSG:4527")
    comp = evaluate_compliance(parcels, rules)
    assert comp["floor_area_ratio"].tolist() == [0.2, 0.2]  # both described, 2000 / 10000 m²
    assert comp.loc["U", "floor_area_ratio_ok"] is pd.NA and comp.loc["U", "compliance_failed"] == ""
    assert not comp.loc["P", "floor_area_ratio_ok"]
    table = parcels.set_index("parcel_id", drop=False).join(comp).assign(idle_status="not_idle")
    out = low_efficiency(table, rules, as_of=AS_OF)
    assert out["low_efficiency"].tolist() == [False, True]
    assert out.loc["P", "low_efficiency_reason"] == "容积率 0.20 低于控制值 1.00（《工业项目建设用地控制指标》2008，行业 39（表中 40））"


def test_stopped_years(rules):
    t = frame(base_row("A", status="halted", halted_since=pd.Timestamp("2024-06-30")),   # exactly 1 year
              base_row("B", status="halted", halted_since=pd.Timestamp("2024-07-01")),   # 1 day short
              base_row("C", status="in_production", halted_since=pd.Timestamp("2020-01-01")))
    t["agreed_completion_date"] = pd.NaT  # keep the completion rule out of it
    flags, reasons = flagged(t, rules)
    assert flags == [True, False, False]
    assert reasons[0] == f"{KEY}.stopped_years"
    assert said(t, rules, "A") == ("2024-06-30 起停产，已满 1.0 年（低效用地认定规则）",
                                   "halted since 2024-06-30, 1.0 year(s) or more (the low-efficiency rules)")
    longer = copy.deepcopy(rules)
    longer["idle"]["low_efficiency"]["stopped_years"] = 2
    assert flagged(t, longer)[0] == [False, False, False]


def test_completion_overdue(rules):
    t = frame(base_row("A", status="under_construction", agreed_completion_date=pd.Timestamp("2023-06-30")),
              base_row("B", status="under_construction", agreed_completion_date=pd.Timestamp("2023-07-01")),
              base_row("C", status="completed", agreed_completion_date=pd.Timestamp("2020-01-01")))
    flags, reasons = flagged(t, rules)
    assert flags == [True, False, False]
    assert reasons[0] == f"{KEY}.completion_overdue_years"
    assert said(t, rules, "A")[0] == "未竣工：约定 2023-06-30 竣工，逾期已满 2.0 年（低效用地认定规则，默认值未确认）"
    off = copy.deepcopy(rules)
    off["idle"]["low_efficiency"]["completion_overdue_on"] = False
    assert flagged(t, off)[0] == [False, False, False]


def test_intensity_below_contract(rules):
    t = frame(base_row("A", invested_wan=499.0, agreed_investment_wan=1000.0),
              base_row("B", invested_wan=500.0, agreed_investment_wan=1000.0),
              base_row("C", status="under_construction", invested_wan=100.0, agreed_investment_wan=1000.0,
                       agreed_completion_date=pd.Timestamp("2030-01-01")))
    flags, reasons = flagged(t, rules)
    assert flags == [True, False, False]
    assert reasons[0] == f"{KEY}.intensity_share_of_contract_min"
    assert said(t, rules, "A") == (
        "已完成投资 499.00 万元低于约定总投资 1,000.00 万元的 50.0%（低效用地认定规则）",
        "investment made 499.00 below 50.0% of the agreed 1,000.00 (10k CNY; the low-efficiency rules)")


def test_tax_threshold_off_by_default_and_on_when_set(rules):
    t = frame(base_row("A", tax_per_mu_wan=2.0), base_row("B", tax_per_mu_wan=6.0))
    assert rules["idle"]["low_efficiency"]["tax_per_mu_min_wan"] is None
    assert flagged(t, rules)[0] == [False, False]
    on = copy.deepcopy(rules)
    on["idle"]["low_efficiency"]["tax_per_mu_min_wan"] = 5
    flags, reasons = flagged(t, on)
    assert flags == [True, False] and reasons[0] == f"{KEY}.tax_per_mu_min_wan"
    assert said(t, on, "A")[0] == "亩均税收 2.00 万元/亩低于 5.00 万元/亩（低效用地认定规则，本地规则）"


def test_several_reasons_are_joined(rules):
    t = frame(base_row("A", efficiency_class="D", floor_area_ratio_ok=False))
    _, reasons = flagged(t, rules)
    assert reasons == [f"{KEY}.efficiency_classes; {KEY}.far_below_control_on"]
    zh, en = said(t, rules, "A")
    assert zh.count("；") == 1 and en.count("; ") == 1


def test_idle_parcels_are_not_low_efficiency(rules):
    t = frame(base_row("A", idle_status="idle_halted", status="halted", efficiency_class="D",
                       floor_area_ratio_ok=False, halted_since=pd.Timestamp("2020-01-01")),
              base_row("B", idle_status="idle_unstarted", efficiency_class="D"))
    flags, reasons = flagged(t, rules)
    assert flags == [False, False] and reasons == ["", ""]


def test_missing_data_is_not_low_efficiency(rules):
    on = copy.deepcopy(rules)
    on["idle"]["low_efficiency"]["tax_per_mu_min_wan"] = 5
    t = frame(base_row("A", efficiency_class=None, floor_area_ratio=np.nan, floor_area_ratio_ok=None,
                       status="halted", halted_since=pd.NaT, agreed_completion_date=pd.NaT,
                       invested_wan=np.nan, tax_per_mu_wan=np.nan),
              base_row("B", status=None, agreed_completion_date=pd.Timestamp("2000-01-01"),
                       invested_wan=1.0))
    assert flagged(t, on)[0] == [False, False]
    bare = pd.DataFrame({"parcel_id": ["X"]})  # no column at all
    assert flagged(bare, on)[0] == [False]


def test_index_is_kept(rules):
    t = frame(base_row("A", efficiency_class="D"), base_row("B")).set_index("parcel_id", drop=False)
    res = low_efficiency(t, rules, as_of=AS_OF)
    assert list(res.index) == ["A", "B"] and res.loc["A", "low_efficiency"]
    assert str(res["low_efficiency"].dtype) == "boolean"


# ---------------------------------------------------------------- candidates

def candidate_table(rules) -> pd.DataFrame:
    t = frame(
        base_row("R", idle_status="idle_unstarted", idle_disposal="recover", idle_years=3.0,
                 tax_per_mu_wan=np.nan, area_mu=40.0),
        base_row("F", idle_status="idle_unstarted", idle_disposal="idle_fee", idle_years=1.5,
                 tax_per_mu_wan=np.nan, area_mu=10.0),
        base_row("N", idle_status="idle_halted", idle_disposal="negotiate", idle_years=1.0,
                 tax_per_mu_wan=np.nan, area_mu=5.0),
        base_row("L", floor_area_ratio=0.4, floor_area_ratio_ok=False, tax_per_mu_wan=20.0, area_mu=20.0),
        base_row("D", efficiency_class="D", tax_per_mu_wan=2.0, area_mu=8.0),
        base_row("U", status="under_construction", agreed_completion_date=pd.Timestamp("2022-01-01"),
                 tax_per_mu_wan=np.nan, area_mu=12.0),
        base_row("OK1", tax_per_mu_wan=30.0),
        base_row("OK2", tax_per_mu_wan=10.0),
    )
    return t.join(low_efficiency(t, rules, as_of=AS_OF))


def test_candidate_paths(rules):
    out = candidates(candidate_table(rules), rules).set_index("parcel_id")
    assert set(out.index) == {"R", "F", "N", "L", "D", "U"}
    assert out.loc["R", "path"] == "recover_resupply" and out.loc["R", "path_zh"] == "收回再供应"
    assert out.loc["F", "path"] == "collect_fee" and out.loc["F", "path_zh"] == "征缴闲置费"
    assert out.loc["N", "path"] == "negotiate_extension"
    assert out.loc["L", "path"] == "raise_far"
    assert out.loc["D", "path"] == "replace_enterprise" and out.loc["D", "path_zh"] == "腾笼换鸟"
    assert out.loc["U", "path"] == "urge_completion"
    assert out.loc["R", "candidate_reason"] == "闲置土地：疑似闲置（未动工）（53号令第二条）"
    assert out.loc["R", "candidate_reason_en"] == "idle land: suspected idle (not started) (Decree 53, Art. 2)"
    assert out.loc["L", "candidate_reason"].startswith("低效用地：容积率 ")
    assert out.loc["L", "candidate_reason_en"].startswith("low-efficiency land: floor area ratio ")
    assert out["path_en"].str.len().gt(0).all()


def test_split_merge_only_when_set(rules):
    t = candidate_table(rules)
    assert not candidates(t, rules)["path"].str.contains("split_merge").any()
    r = copy.deepcopy(rules)
    r["revitalization"]["split_above_mu"] = 30
    r["revitalization"]["merge_below_mu"] = 6
    out = candidates(t, r).set_index("parcel_id")
    assert out.loc["R", "path"] == "recover_resupply; split_merge"
    assert out.loc["N", "path"] == "negotiate_extension; split_merge"
    assert "split_merge" not in out.loc["L", "path"]


def test_priority_hand_computed(rules):
    out = candidates(candidate_table(rules), rules).set_index("parcel_id")
    # park median tax per mu over parcels with data (L 20, D 2, OK1 30, OK2 10) -> 15
    # gaps: idle (no tax -> 0) = 15; L 0; D 13; U (no data, not idle) 0. max 15
    # R: area 40/40 = 1, idle 3/3 = 1, gap 15/15 = 1 -> 100 (no readiness column: 3 weights of 25)
    assert out.loc["R", "revitalization_priority"] == pytest.approx(100.0)
    # D: area 8/40 = 0.2, idle 0, gap 13/15 -> 100 * (0.2 + 13/15) / 3
    assert out.loc["D", "revitalization_priority"] == pytest.approx(round(100 * (0.2 + 13 / 15) / 3, 2))
    # F: 10/40 + 1.5/3 + 1 = 1.75 -> 58.33
    assert out.loc["F", "revitalization_priority"] == pytest.approx(round(100 * 1.75 / 3, 2))
    ranked = candidates(candidate_table(rules), rules)
    assert ranked["parcel_id"].iloc[0] == "R"
    assert ranked["revitalization_priority"].is_monotonic_decreasing
    assert out.loc["D", "priority_explained"] == (
        "100 ×（面积 25 × 0.200 + 闲置年数 25 × 0.000 + 亩均税收差距 25 × 0.867）/ 权重合计 75 = 35.56；"
        "未计入：配套水平；园区亩均税收中位数 15.00 万元/亩")   # readiness named as not used: no such column
    assert out.loc["D", "priority_explained_en"] == (
        "100 × (area 25 × 0.200 + idle years 25 × 0.000 + tax-per-mu gap 25 × 0.867) / sum of weights 75 = 35.56; "
        "not used: readiness; park median tax per mu 15.00 (10k CNY/mu)")


def test_readiness_raises_priority(rules):
    t = candidate_table(rules)
    t["readiness"] = "未达三通一平"
    t.loc[t["parcel_id"] == "N", "readiness"] = "七通一平"
    t.loc[t["parcel_id"] == "F", "readiness"] = "三通一平"
    out = candidates(t, rules).set_index("parcel_id")
    no = candidates(candidate_table(rules), rules).set_index("parcel_id")
    assert "readiness 25 × 1.000" in out.loc["N", "priority_explained_en"]
    assert "配套水平 25 × 0.250" in out.loc["F", "priority_explained"]
    # N gains the full readiness weight: (5/40 + 1/3 + 1 + 1) / 4
    assert out.loc["N", "revitalization_priority"] == pytest.approx(round(100 * (5 / 40 + 1 / 3 + 2) / 4, 2))
    assert out.loc["N", "revitalization_priority"] > no.loc["N", "revitalization_priority"] * 0.75


def test_ranking_in_two_steps_equals_candidates(rules):
    """Ranking prepares the list without readiness (an evaluation does it while its coverage
    is computed) and ranks it once readiness is known: the same list as candidates()."""
    t = candidate_table(rules)
    t["readiness"] = "未达三通一平"
    t.loc[t["parcel_id"] == "N", "readiness"] = "七通一平"
    t.loc[t["parcel_id"] == "F", "readiness"] = "三通一平"
    ranking = Ranking(t.drop(columns="readiness"), rules)
    pd.testing.assert_frame_equal(ranking.ranked(t["readiness"]), candidates(t, rules))
    pd.testing.assert_frame_equal(ranking.ranked(), candidates(t.drop(columns="readiness"), rules))
    assert not ranking.ranked(t["readiness"]).equals(ranking.ranked())  # readiness changes the priority


def test_explanation_lists_each_weight(rules):
    r = copy.deepcopy(rules)
    r["revitalization"]["priority_weights"] = {"area_mu": 1, "idle_years": 2, "tax_gap": 3, "readiness": 4}
    t = candidate_table(r)
    t["readiness"] = "三通一平"
    out = candidates(t, r)
    for text in out["priority_explained"]:
        for part in ("面积 1 ×", "闲置年数 2 ×", "亩均税收差距 3 ×", "配套水平 4 ×", "权重合计 10 ="):
            assert part in text


def test_candidates_computes_low_efficiency_from_as_of(rules):
    t = candidate_table(rules).drop(columns=["low_efficiency", "low_efficiency_reason", "low_efficiency_reason_en",
                                             "low_efficiency_rules"])
    with pytest.raises(LandplanError, match="low_efficiency"):
        candidates(t, rules)
    t["as_of"] = pd.Timestamp(AS_OF)
    pd.testing.assert_frame_equal(candidates(t, rules), candidates(candidate_table(rules), rules))


@settings(max_examples=40, deadline=None)
@given(st.permutations(list(range(8))))
def test_priority_order_does_not_depend_on_row_order(order):
    rules = load_rules()
    t = candidate_table(rules)
    first = candidates(t, rules)
    again = candidates(t.iloc[list(order)], rules)
    pd.testing.assert_frame_equal(first, again)
    assert first["parcel_id"].tolist() == candidates(t, rules)["parcel_id"].tolist()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0.1, 100), st.floats(0, 5), st.one_of(st.none(), st.floats(0, 50))),
                min_size=1, max_size=12))
def test_priority_in_range_and_sorted(rows):
    rules = load_rules()
    t = frame(*[base_row(f"P{i}", area_mu=a, idle_years=y, tax_per_mu_wan=np.nan if x is None else x,
                         idle_status="idle_unstarted" if i % 2 else "not_idle",
                         efficiency_class="B" if i % 2 else "D", idle_disposal="recover")
                for i, (a, y, x) in enumerate(rows)])
    t = t.join(low_efficiency(t, rules, as_of=AS_OF))
    out = candidates(t, rules)
    assert len(out) == len(rows)
    assert out["revitalization_priority"].between(0, 100).all()
    keys = list(zip(-out["revitalization_priority"], out["parcel_id"], strict=True))
    assert keys == sorted(keys)


# ---------------------------------------------------------------- scenario

def test_scenario_hand_computed():
    t = pd.DataFrame({"parcel_id": ["A", "B", "C", "D"], "area_mu": [10.0, 20.0, 30.0, 40.0],
                      "tax_per_mu_wan": [1.0, 5.0, 8.0, np.nan]})
    # tax: A 10, B 100, C 240, D 0 -> 350 over 100 mu; median tax per mu (A, B, C) = 5
    res = scenario_median_tax(t, ["A", "D", "C"])
    assert res["median_tax_per_mu_wan"] == 5.0
    assert res["park_tax_before_wan"] == pytest.approx(350.0)
    # A -> 50, D -> 200, C stays 240 (above the median)
    assert res["park_tax_after_wan"] == pytest.approx(50 + 100 + 240 + 200)
    assert res["park_tax_per_mu_before_wan"] == pytest.approx(3.5)
    assert res["park_tax_per_mu_after_wan"] == pytest.approx(5.9)
    assert res["mu_revitalized"] == pytest.approx(50.0)
    assert res["parcels_raised"] == ["A", "D"]


def test_scenario_uses_tax_wan_and_rejects_unknown_ids():
    t = pd.DataFrame({"parcel_id": ["A", "B"], "area_mu": [10.0, 10.0], "tax_per_mu_wan": [2.0, 4.0],
                      "tax_wan": [20.0, 40.0]})
    assert scenario_median_tax(t, ["A"])["park_tax_after_wan"] == pytest.approx(30 + 40)
    with pytest.raises(LandplanError, match="Z"):
        scenario_median_tax(t, ["Z"])


# ---------------------------------------------------------------- target progress

def evaluation(as_of: str, statuses: dict[str, str]) -> pd.DataFrame:
    area = {"A": 100.0, "B": 50.0, "C": 30.0, "D": 20.0, "E": 7.0}
    return pd.DataFrame({"parcel_id": list(statuses), "area_mu": [area[p] for p in statuses],
                         "idle_status": list(statuses.values()), "as_of": pd.Timestamp(as_of)})


def test_target_progress_two_dates(rules):
    before = evaluation("2024-12-31", {"A": "idle_unstarted", "B": "idle_halted", "C": "idle_unstarted",
                                       "D": "not_idle", "E": "idle_unstarted"})
    after = evaluation("2025-12-31", {"A": "not_idle", "B": "not_applicable", "C": "idle_unstarted",
                                      "D": "idle_unstarted"})
    res = target_progress(before, after, rules, year=2025, target_mu=300)
    assert res["revitalized_mu"] == pytest.approx(150.0)
    assert [p["parcel_id"] for p in res["parcels"]] == ["A", "B"]
    assert res["parcels"][1]["idle_status_after"] == "not_applicable"
    assert res["share_of_target"] == pytest.approx(0.5) and res["met"] is False
    assert res["missing_in_after"] == ["E"]
    assert res["target_source"] == "argument"
    assert res["before_as_of"] == date(2024, 12, 31) and res["after_as_of"] == date(2025, 12, 31)
    # no target in the default rules
    none = target_progress(before, after, rules, year=2025)
    assert none["target_mu"] is None and none["met"] is None and none["share_of_target"] is None
    r = copy.deepcopy(rules)
    r["revitalization"]["target_mu_per_year"] = 150
    met = target_progress(before, after, r, year=2025)
    assert met["met"] is True and met["target_source"].startswith("rules")
    with pytest.raises(LandplanError):
        target_progress(before, after, rules, year=2024)


# ---------------------------------------------------------------- rules

NEW_KEYS = [f"{KEY}.{k}" for k in ("efficiency_class_on", "efficiency_classes", "far_below_control_on",
                                    "stopped_on", "completion_overdue_on", "intensity_below_contract_on",
                                    "tax_per_mu_min_wan")] + [
    "revitalization.priority_weights.area_mu", "revitalization.priority_weights.idle_years",
    "revitalization.priority_weights.tax_gap", "revitalization.priority_weights.readiness",
    "revitalization.split_above_mu", "revitalization.merge_below_mu", "revitalization.target_mu_per_year"]


def test_new_rules_keys_load_and_have_sources(tmp_path):
    rules = load_rules()
    for key in NEW_KEYS:
        node = rules
        for part in key.split("."):
            assert part in node, key
            node = node[part]
        assert "source" in rule_source(key).lower(), key
        assert f"{key.rsplit('.', 1)[1]}:" in DEFAULT_RULES_TEXT
    (tmp_path / "rules.yaml").write_text(
        "idle:\n  low_efficiency:\n    tax_per_mu_min_wan: 3.5\n    efficiency_classes: [C, D]\n"
        "revitalization:\n  target_mu_per_year: 300\n  priority_weights: {area_mu: 40}\n", encoding="utf-8")
    local = load_rules(tmp_path)
    assert local["idle"]["low_efficiency"]["tax_per_mu_min_wan"] == 3.5
    assert local["idle"]["low_efficiency"]["efficiency_classes"] == ["C", "D"]
    assert local["revitalization"]["target_mu_per_year"] == 300
    assert local["revitalization"]["priority_weights"] == {"area_mu": 40, "idle_years": 25, "tax_gap": 25,
                                                           "readiness": 25}


def test_a_park_without_candidates_gives_an_empty_list_and_evaluates():
    import datetime as dt

    from landplan.evaluate import evaluate

    table = evaluate(Path(__file__).resolve().parent.parent / "data", as_of=dt.date(2026, 6, 30))
    calm = table.assign(low_efficiency=False, idle_status="not_idle")
    out = candidates(calm, load_rules())
    assert len(out) == 0 and {"parcel_id", "revitalization_priority", "path"} <= set(out.columns)
