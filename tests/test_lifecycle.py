"""Land lifecycle (issues 6, 18): the five gaps at their boundary dates and the 标准地 履约 check in two stages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

from landplan.cli import main
from landplan.errors import RuleError
from landplan.evaluate import evaluate
from landplan.lifecycle import (
    CONDITIONS,
    GAPS,
    LIFECYCLE_COLUMNS,
    contract_check,
    evaluate_lifecycle,
)
from landplan.rules import load_rules, merge_rules
from landplan.schema import match_column

DATA = Path(__file__).resolve().parent.parent / "data"
D = pd.Timestamp


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def row(**values) -> pd.DataFrame:
    base = {"parcel_id": "P1", "area_m2": 10_000.0, "status": "supplied"}
    base.update(values)
    return pd.DataFrame([base]).set_index("parcel_id", drop=False)


def gap_at(frame: pd.DataFrame, rules: dict, day: str) -> str:
    return evaluate_lifecycle(frame, rules, as_of=dt.date.fromisoformat(day))["lifecycle_gap"].iloc[0]


def test_approved_not_supplied_from_the_approval_date(rules):
    p = row(status="approved", approval_date=D("2024-02-29"))
    assert gap_at(p, rules, "2024-02-28") == ""
    assert gap_at(p, rules, "2024-02-29") == "approved_not_supplied"
    out = evaluate_lifecycle(p, rules, as_of=dt.date(2026, 2, 28))
    assert out["lifecycle_gap_years"].iloc[0] == pytest.approx(730 / 365.25, abs=0.01)
    assert "2024-02-29 获批" in out["lifecycle_gap_reason"].iloc[0]
    # a local monitoring period of 2 whole years: the calendar anniversary (29 Feb → 28 Feb)
    local = merge_rules(rules, {"lifecycle": {"approved_not_supplied_min_years": 2}})
    assert gap_at(p, local, "2026-02-27") == ""
    assert gap_at(p, local, "2026-02-28") == "approved_not_supplied"
    # once supplied, no longer 批而未供
    assert gap_at(row(status="reserve", approval_date=D("2024-01-01"), supply_date=D("2025-01-01")),
                  rules, "2025-06-01") != "approved_not_supplied"


def test_supplied_not_used_then_no_gap_inside_the_construction_period(rules):
    """Issue 18 point 10: a project inside its construction period is not 用而未尽."""
    p = row(supply_date=D("2023-09-01"), agreed_start_date=D("2024-03-01"), actual_start_date=D("2024-03-10"),
            agreed_completion_date=D("2025-03-01"), developed_area_m2=2_000.0)
    assert gap_at(p, rules, "2024-02-29") == ""            # before the agreed start
    assert gap_at(p, rules, "2024-03-01") == ""            # the agreed day itself
    assert gap_at(p, rules, "2024-03-02") == "supplied_not_used"
    assert gap_at(p, rules, "2024-03-09") == "supplied_not_used"
    assert gap_at(p, rules, "2024-03-10") == ""            # starts: building, 20 % developed, not a gap
    assert gap_at(p, rules, "2025-03-01") == ""            # the agreed completion day itself
    assert gap_at(p, rules, "2025-03-02") == "used_not_finished"
    out = evaluate_lifecycle(p, rules, as_of=dt.date(2026, 3, 1)).iloc[0]
    assert out["lifecycle_gap_years"] == pytest.approx(365 / 365.25, abs=0.005)   # since the agreed completion
    assert out["lifecycle_gap_reason"] == "2024-03-10 动工，约定 2025-03-01 竣工，逾期未竣工，已开发 20.0% 的土地（依据出让合同约定）"
    # without an agreed completion date an unfinished project is never judged overdue
    assert gap_at(p.assign(agreed_completion_date=pd.NaT), rules, "2030-01-01") == ""
    # a status under construction without a start date counts as started
    building = row(status="under_construction", agreed_start_date=D("2024-03-01"), agreed_completion_date=D("2025-03-01"))
    assert gap_at(building, rules, "2024-06-01") == ""
    assert gap_at(building, rules, "2025-03-02") == "used_not_finished"


def test_an_unfinished_project_is_not_under_built_for_its_floor_area_ratio(rules):
    """Issue 18 point 10/11: a floor area ratio of 0.14 under construction fails nothing before completion."""
    p = row(status="under_construction", supply_date=D("2024-01-01"), actual_start_date=D("2024-06-01"),
            agreed_completion_date=D("2026-06-01"), developed_area_m2=2_250.0, floor_area_m2=1_400.0,
            floor_area_ratio=0.14, contract_far_min=1.2, contract_floor_area_m2=12_000.0)
    out = evaluate_lifecycle(p, rules, as_of=dt.date(2026, 6, 1)).iloc[0]
    assert out["lifecycle_gap"] == "" and out["contract_check"] == "not_due"
    assert out["contract_completion_check"] == "not_due" and out["contract_production_check"] == ""
    assert pd.isna(out["contract_far_min_ok"]) and np.isnan(out["contract_far_min_shortfall"])
    # completed as it stands: under-built, by both the ratio and the floor area
    done = evaluate_lifecycle(p.assign(status="completed", actual_completion_date=D("2026-05-01"),
                                       developed_area_m2=10_000.0), rules, as_of=dt.date(2026, 6, 1)).iloc[0]
    assert done["lifecycle_gap"] == "used_not_finished"
    assert done["lifecycle_gap_reason"] == ("2026-05-01 竣工，容积率 0.14 低于约定下限 1.20，总建筑面积 1,400 平方米 "
                                            "低于约定 12,000 平方米（依据出让合同约定）")
    assert done["lifecycle_gap_reason_en"] == (
        "completed on 2026-05-01, floor area ratio 0.14 below the contract's minimum 1.20, floor area 1,400 m² "
        "below the contract's 12,000 m² (per the land sale contract)")
    assert done["lifecycle_gap_years"] == pytest.approx(31 / 365.25, abs=0.005)
    assert done["contract_completion_check"] == "not_met"
    assert done["contract_far_min_shortfall"] == pytest.approx(1.06)
    assert done["contract_floor_area_shortfall_pct"] == pytest.approx(100 * 10_600 / 12_000)


def test_used_not_finished_by_developed_share_or_floor_area_ratio(rules):
    done = {"supply_date": D("2020-01-01"), "agreed_start_date": D("2020-06-01"),
            "actual_start_date": D("2020-06-01"), "actual_completion_date": D("2022-01-01"),
            "production_date": D("2022-06-01"), "status": "in_production"}
    assert gap_at(row(**done, developed_area_m2=10_000.0), rules, "2025-01-01") == ""
    assert gap_at(row(**done, developed_area_m2=9_999.995), rules, "2025-01-01") == ""  # 2-decimal records
    under = evaluate_lifecycle(row(**done, developed_area_m2=9_990.0), rules, as_of=dt.date(2025, 1, 1)).iloc[0]
    assert under["lifecycle_gap"] == "used_not_finished"
    assert under["lifecycle_gap_reason"] == "2022-01-01 竣工，已开发 99.9% 的土地，低于充分开发标准 100.0%"
    assert under["lifecycle_gap_reason_en"] == ("completed on 2022-01-01, 99.9% of the land developed, "
                                                "below the full-development share of 100.0%")
    low_far = row(**done, developed_area_m2=10_000.0, floor_area_ratio=0.99, contract_far_min=1.0)
    assert gap_at(low_far, rules, "2025-01-01") == "used_not_finished"
    assert gap_at(row(**done, floor_area_ratio=1.0, contract_far_min=1.0), rules, "2025-01-01") == ""
    # a producing plant is completed even without its completion date: never 'unfinished'
    no_date = row(**{**done, "actual_completion_date": None}, agreed_completion_date=D("2021-12-31"),
                  developed_area_m2=10_000.0)
    assert gap_at(no_date, rules, "2025-01-01") == ""


def test_built_not_producing_after_the_rules_period(rules):
    assert rules["lifecycle"]["built_not_producing_after_years"] == 1
    p = row(status="completed", supply_date=D("2021-01-01"), actual_start_date=D("2021-06-01"),
            actual_completion_date=D("2024-02-29"), developed_area_m2=10_000.0)
    assert gap_at(p, rules, "2025-02-27") == ""
    assert gap_at(p, rules, "2025-02-28") == "built_not_producing"
    assert gap_at(p.assign(production_date=D("2025-01-01"), status="in_production"), rules, "2025-03-01") == ""


def producing(**values) -> pd.DataFrame:
    return row(**{"status": "in_production", "supply_date": D("2020-01-01"), "actual_start_date": D("2020-06-01"),
                  "actual_completion_date": D("2022-01-01"), "production_date": D("2022-06-01"),
                  "developed_area_m2": 10_000.0, "full_production_due_date": D("2025-06-30"), **values})


def test_contract_check_one_condition_just_met_one_just_missed(rules):
    p = producing(contract_tax_per_mu_wan=20.0, tax_per_mu_wan=20.0,            # just met (equal)
                  contract_value_added_per_mu_wan=100.0, value_added_per_mu_wan=99.99,  # just missed
                  contract_far_max=2.5, floor_area_ratio=2.5)
    out = contract_check(p, rules, as_of=dt.date(2025, 6, 30)).iloc[0]
    assert out["contract_check"] == "not_met"
    assert bool(out["contract_tax_per_mu_ok"]) and out["contract_tax_per_mu_shortfall"] == 0
    assert not bool(out["contract_value_added_per_mu_ok"])
    assert out["contract_value_added_per_mu_shortfall"] == pytest.approx(0.01)
    assert out["contract_value_added_per_mu_shortfall_pct"] == pytest.approx(0.01)
    assert bool(out["contract_far_max_ok"])
    assert pd.isna(out["contract_productivity_ok"])               # no condition: not checkable
    assert out["contract_unmet"] == "value_added_per_mu"
    assert out["contract_remedy"] == rules["lifecycle"]["contract_remedies"]["default"]["zh"]
    # a range's upper end exceeded is a shortfall too
    over = contract_check(producing(contract_far_max=2.5, floor_area_ratio=2.6), rules, as_of=dt.date(2025, 7, 1))
    assert over["contract_far_max_shortfall"].iloc[0] == pytest.approx(0.1)
    # before the full-production date the 达产 check is not due and no gap is counted
    early = contract_check(p, rules, as_of=dt.date(2025, 6, 29)).iloc[0]
    assert early["contract_check"] == "not_due" and early["contract_production_check"] == "not_due"
    assert early["contract_completion_check"] == "met"           # the ratio, judged at completion
    assert gap_at(p, rules, "2025-06-29") == ""
    assert gap_at(p, rules, "2025-06-30") == "producing_below_contract"
    assert gap_at(p.assign(value_added_per_mu_wan=100.0), rules, "2025-06-30") == ""
    # conditions without figures: no data; no conditions at all: empty
    assert contract_check(producing(contract_tax_per_mu_wan=20.0), rules, as_of=dt.date(2026, 1, 1))[
        "contract_check"].iloc[0] == "no_data"
    assert contract_check(producing(), rules, as_of=dt.date(2026, 1, 1))["contract_check"].iloc[0] == ""


def test_contract_check_in_two_stages_with_damages(rules):
    """Issue 18 point 11: 竣工 conditions at completion, 达产 conditions at the agreed date, 违约金
    = 出让价款 × shortfall share (400 万元: investment 240/300 → 20 %, tax 15/20 → 25 %, emissions
    4000/5000 → 20 %; the largest share by default)."""
    p = row(status="under_construction", supply_date=D("2020-01-01"), actual_start_date=D("2020-06-01"),
            agreed_completion_date=D("2023-06-30"), developed_area_m2=10_000.0, land_price_wan=400.0,
            full_production_due_date=D("2025-06-30"),
            contract_investment_intensity_wan_per_mu=300.0, investment_intensity_wan_per_mu=240.0,
            contract_far_min=1.0, floor_area_ratio=1.2,
            contract_tax_per_mu_wan=20.0, tax_per_mu_wan=15.0,
            contract_value_added_per_emission_wan=5_000.0, value_added_per_emission_wan=4_000.0,
            contract_rd_intensity_pct=3.0, rd_intensity_pct=3.2)
    building = contract_check(p, rules, as_of=dt.date(2022, 12, 31)).iloc[0]
    assert (building["contract_completion_check"], building["contract_production_check"]) == ("not_due", "not_due")
    assert pd.isna(building["contract_investment_intensity_ok"]) and np.isnan(building["contract_damages_wan"])
    p = p.assign(status="in_production", actual_completion_date=D("2023-01-01"), production_date=D("2023-03-01"))
    done = contract_check(p, rules, as_of=dt.date(2023, 1, 1)).iloc[0]
    assert (done["contract_completion_check"], done["contract_production_check"]) == ("not_met", "not_due")
    assert done["contract_check"] == "not_met" and done["contract_unmet"] == "investment_intensity"
    assert pd.isna(done["contract_tax_per_mu_ok"]) and pd.isna(done["contract_rd_intensity_ok"])
    assert done["contract_damages_wan"] == pytest.approx(80.0)                  # 400 × 20 %
    assert done["contract_reason"] == (
        "投资强度 240.00 万元/亩 低于约定 300.00 万元/亩（竣工复核，依据出让合同约定）；"
        "违约金 80.00 万元 = 出让价款 400.00 万元 × 差额比例 20.0%（违约金计算规则，默认值未确认）")
    assert done["contract_reason_en"] == (
        "investment intensity 240.00 (10k CNY/mu) below the contract's 300.00 (10k CNY/mu) (completion check, "
        "per the land sale contract); liquidated damages 80.00 = land price 400.00 × shortfall share 20.0% "
        "(10k CNY; the damages rule, default unconfirmed)")
    due = contract_check(p, rules, as_of=dt.date(2025, 6, 30)).iloc[0]
    assert (due["contract_completion_check"], due["contract_production_check"]) == ("not_met", "not_met")
    assert due["contract_unmet"] == "investment_intensity,tax_per_mu,value_added_per_emission"
    assert bool(due["contract_rd_intensity_ok"])                                 # 3.2 % ≥ 3.0 %
    assert due["contract_value_added_per_emission_shortfall_pct"] == pytest.approx(20.0)
    assert due["contract_damages_wan"] == pytest.approx(400 * 0.25)   # the largest share: tax 25 %
    assert ("亩均税收 15.00 万元/亩 低于约定 20.00 万元/亩，单位排放增加值 4,000.00 万元/吨 低于约定 5,000.00 万元/吨"
            "（达产复核，约定 2025-06-30 达产，依据出让合同约定）") in due["contract_reason"]
    assert "违约金 100.00 万元 = 出让价款 400.00 万元 × 差额比例 25.0%" in due["contract_reason"]
    # the gap is the 达产 one; its reason names the 达产 figures only
    out = evaluate_lifecycle(p, rules, as_of=dt.date(2025, 6, 30)).iloc[0]
    assert out["lifecycle_gap"] == "producing_below_contract"
    assert out["lifecycle_gap_reason"] == ("约定 2025-06-30 达产，亩均税收 15.00 万元/亩 低于约定 20.00 万元/亩，"
                                           "单位排放增加值 4,000.00 万元/吨 低于约定 5,000.00 万元/吨（依据出让合同约定）")
    assert out["lifecycle_gap_reason_en"] == (
        "full production agreed by 2025-06-30: tax per mu 15.00 (10k CNY/mu) below the contract's 20.00 (10k CNY/mu), "
        "value added per tonne emitted 4,000.00 (10k CNY/t) below the contract's 5,000.00 (10k CNY/t) "
        "(per the land sale contract)")
    # the rules define the damages: each condition its own breach (20 + 25 + 20 %), or none
    summed = merge_rules(rules, {"lifecycle": {"damages": {"combine": "sum"}}})
    assert contract_check(p, summed, as_of=dt.date(2025, 6, 30))["contract_damages_wan"].iloc[0] == pytest.approx(260)
    off = merge_rules(rules, {"lifecycle": {"damages": {"method": None}}})
    assert np.isnan(contract_check(p, off, as_of=dt.date(2025, 6, 30))["contract_damages_wan"].iloc[0])
    # all met: no damages owed; no land price: none computed
    met = p.assign(investment_intensity_wan_per_mu=300.0, tax_per_mu_wan=20.0, value_added_per_emission_wan=5_000.0)
    assert contract_check(met, rules, as_of=dt.date(2025, 6, 30))["contract_damages_wan"].iloc[0] == 0
    no_price = contract_check(p.assign(land_price_wan=np.nan), rules, as_of=dt.date(2025, 6, 30)).iloc[0]
    assert np.isnan(no_price["contract_damages_wan"]) and "无出让价款，未计违约金" in no_price["contract_reason"]


def test_producing_without_a_full_production_date_is_not_judged(rules):
    p = producing(contract_tax_per_mu_wan=20.0, tax_per_mu_wan=1.0).assign(full_production_due_date=pd.NaT)
    out = evaluate_lifecycle(p, rules, as_of=dt.date(2030, 1, 1)).iloc[0]
    assert out["contract_production_check"] == "no_data" and out["lifecycle_gap"] == ""
    assert pd.isna(out["contract_tax_per_mu_ok"])
    assert out["contract_reason"] == "达产复核：无约定达产日期，不作判断"


def test_no_transfer_within_five_years_of_supply(rules):
    """Issue 18 point 11: a 标准地 parcel transferred within 5 years of supply breaks the contract."""
    assert rules["lifecycle"]["no_transfer_years"] == 5
    p = producing(standard_land=True, supply_date=D("2020-03-01"), transfer_date=D("2025-02-28"))
    out = contract_check(p, rules, as_of=dt.date(2025, 6, 1)).iloc[0]
    assert out["transfer_barred_until"] == D("2025-03-01") and bool(out["transfer_breach"])
    assert out["contract_check"] == "not_met" and out["contract_unmet"] == "no_transfer"
    assert out["contract_remedy"] == rules["lifecycle"]["contract_remedies"]["no_transfer"]["zh"]
    assert "2025-02-28 转让，早于禁止转让期满 2025-03-01" in out["contract_reason"]
    # before the transfer happened, or on the day the period ends: no breach
    assert not bool(contract_check(p, rules, as_of=dt.date(2025, 2, 27))["transfer_breach"].iloc[0])
    on_time = contract_check(p.assign(transfer_date=D("2025-03-01")), rules, as_of=dt.date(2025, 6, 1)).iloc[0]
    assert not bool(on_time["transfer_breach"]) and on_time["contract_check"] == ""
    # not 标准地: no bar; counted from the 达产 date (温州 2024) when the rules say so
    free = contract_check(p.assign(standard_land=False), rules, as_of=dt.date(2025, 6, 1)).iloc[0]
    assert pd.isna(free["transfer_barred_until"]) and pd.isna(free["transfer_breach"])
    late = merge_rules(rules, {"lifecycle": {"no_transfer_from": "full_production_due_date"}})
    assert contract_check(p, late, as_of=dt.date(2025, 6, 1))["transfer_barred_until"].iloc[0] == D("2030-06-30")
    # conditions without a recorded 标准地 flag: bound too
    cond = producing(supply_date=D("2020-03-01"), contract_tax_per_mu_wan=20.0)
    assert contract_check(cond, rules, as_of=dt.date(2025, 6, 1))["transfer_barred_until"].iloc[0] == D("2025-03-01")


def test_lifecycle_rules_are_checked_on_load(rules):
    with pytest.raises(RuleError, match=r"lifecycle\.damages\.combine.*mean"):
        merge_rules(rules, {"lifecycle": {"damages": {"combine": "mean"}}})
    with pytest.raises(RuleError, match=r"lifecycle\.no_transfer_from"):
        merge_rules(rules, {"lifecycle": {"no_transfer_from": "approval_date"}})
    with pytest.raises(RuleError, match=r"lifecycle\.no_transfer_years"):
        merge_rules(rules, {"lifecycle": {"no_transfer_years": 2.5}})


def test_contract_columns_read_from_a_clerks_headers():
    assert match_column("parcels", "约定总建筑面积") == ("contract_floor_area_m2", 1.0, None)
    assert match_column("parcels", "约定单位排放增加值（元/吨）")[:2] == ("contract_value_added_per_emission_wan", 1e-4)
    assert match_column("parcels", "约定研发投入强度(%)")[0] == "contract_rd_intensity_pct"
    assert match_column("parcels", "转让日期")[0] == "transfer_date"
    assert match_column("parcels", "约定竣工日期")[0] == "agreed_completion_date"


def test_remedy_per_condition_from_the_rules(rules):
    local = merge_rules(rules, {"lifecycle": {"contract_remedies": {"tax_per_mu": {"zh": "按差额补缴违约金", "en": "pay"}}}})
    p = producing(contract_tax_per_mu_wan=20.0, tax_per_mu_wan=10.0, contract_far_min=1.0, floor_area_ratio=1.2)
    out = contract_check(p, local, as_of=dt.date(2026, 1, 1)).iloc[0]
    assert out["contract_remedy"] == "按差额补缴违约金" and out["contract_tax_per_mu_shortfall_pct"] == pytest.approx(50)


def test_missing_columns_give_empty_values_not_failures(rules):
    out = evaluate_lifecycle(pd.DataFrame({"parcel_id": ["A", "B"]}).set_index("parcel_id"), rules,
                             as_of=dt.date(2026, 1, 1))
    assert list(out.columns) == list(LIFECYCLE_COLUMNS)
    assert (out["lifecycle_gap"] == "").all() and (out["contract_check"] == "").all()


def test_demo_park_has_every_gap_and_evaluate_carries_the_columns():
    table = evaluate(DATA, as_of=dt.date(2026, 6, 30))
    assert set(LIFECYCLE_COLUMNS) <= set(table.columns)
    assert set(GAPS) <= set(table["lifecycle_gap"])
    assert {"met", "not_met", "not_due"} <= set(table["contract_check"])
    stage = table["lifecycle_stage"]
    assert {"planned", "acquiring", "approved"} <= set(stage)
    # a gap belongs to its stage
    g = table.set_index("parcel_id")
    assert set(g.loc[g.lifecycle_gap == "supplied_not_used", "status"]) == {"supplied"}
    assert set(g.loc[g.lifecycle_gap == "approved_not_supplied", "status"]) <= {"approved", "reserve", "acquiring", "planned"}
    for c in CONDITIONS:
        short = g[f"contract_{c}_shortfall"]
        ok = g[f"contract_{c}_ok"]
        assert (short[ok.eq(True).fillna(False)] == 0).all()
        assert (short[ok.eq(False).fillna(False)] > 0).all()
        assert np.isnan(short[ok.isna()]).all()


def test_lifecycle_command_prints_the_park_summary(tmp_path, capsys):
    out = tmp_path / "gaps.gpkg"   # canonical columns and codes
    assert main(["lifecycle", "--workspace", str(DATA), "--as-of", "2026-06-30", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for zh, _en in GAPS.values():
        assert f"  {zh}：" in text
    assert "征收进度" in text and "迁坟" in text and "标准地履约" in text
    written = pyogrio.read_dataframe(out, read_geometry=False)
    assert len(written) and (written["lifecycle_gap"].notna() | written["contract_check"].notna()).all()
    assert main(["lifecycle", "--workspace", str(DATA), "--as-of", "2026-13-01"]) == 2
