"""Land lifecycle (issue 6): the five gaps at their boundary dates and the 标准地 履约 check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from landplan.cli import main
from landplan.evaluate import evaluate
from landplan.lifecycle import (
    CONDITIONS,
    GAPS,
    LIFECYCLE_COLUMNS,
    contract_check,
    evaluate_lifecycle,
)
from landplan.rules import load_rules, merge_rules

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


def test_supplied_not_used_then_used_not_finished_when_it_starts(rules):
    p = row(supply_date=D("2023-09-01"), agreed_start_date=D("2024-03-01"), actual_start_date=D("2024-03-10"),
            developed_area_m2=2_000.0)
    assert gap_at(p, rules, "2024-02-29") == ""            # before the agreed start
    assert gap_at(p, rules, "2024-03-01") == ""            # the agreed day itself
    assert gap_at(p, rules, "2024-03-02") == "supplied_not_used"
    assert gap_at(p, rules, "2024-03-09") == "supplied_not_used"
    assert gap_at(p, rules, "2024-03-10") == "used_not_finished"   # starts: moves on
    out = evaluate_lifecycle(p, rules, as_of=dt.date(2024, 3, 10))
    assert "未竣工" in out["lifecycle_gap_reason"].iloc[0] and "20.0%" in out["lifecycle_gap_reason"].iloc[0]


def test_used_not_finished_by_developed_share_or_floor_area_ratio(rules):
    done = {"supply_date": D("2020-01-01"), "agreed_start_date": D("2020-06-01"),
            "actual_start_date": D("2020-06-01"), "actual_completion_date": D("2022-01-01"),
            "production_date": D("2022-06-01"), "status": "in_production"}
    assert gap_at(row(**done, developed_area_m2=10_000.0), rules, "2025-01-01") == ""
    assert gap_at(row(**done, developed_area_m2=9_999.995), rules, "2025-01-01") == ""  # 2-decimal records
    assert gap_at(row(**done, developed_area_m2=9_990.0), rules, "2025-01-01") == "used_not_finished"
    low_far = row(**done, developed_area_m2=10_000.0, floor_area_ratio=0.99, contract_far_min=1.0)
    assert gap_at(low_far, rules, "2025-01-01") == "used_not_finished"
    assert gap_at(row(**done, floor_area_ratio=1.0, contract_far_min=1.0), rules, "2025-01-01") == ""


def test_built_not_producing_after_the_rules_period(rules):
    assert rules["lifecycle"]["built_not_producing_after_years"] == 1
    p = row(status="completed", supply_date=D("2021-01-01"), actual_start_date=D("2021-06-01"),
            actual_completion_date=D("2024-02-29"), developed_area_m2=10_000.0)
    assert gap_at(p, rules, "2025-02-27") == ""
    assert gap_at(p, rules, "2025-02-28") == "built_not_producing"
    assert gap_at(p.assign(production_date=D("2025-01-01"), status="in_production"), rules, "2025-03-01") == ""


def producing(**values) -> pd.DataFrame:
    return row(status="in_production", supply_date=D("2020-01-01"), actual_start_date=D("2020-06-01"),
               actual_completion_date=D("2022-01-01"), production_date=D("2022-06-01"),
               developed_area_m2=10_000.0, full_production_due_date=D("2025-06-30"), **values)


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
    # before the full-production date the check is not due and no gap is counted
    assert contract_check(p, rules, as_of=dt.date(2025, 6, 29))["contract_check"].iloc[0] == "not_due"
    assert gap_at(p, rules, "2025-06-29") == ""
    assert gap_at(p, rules, "2025-06-30") == "producing_below_contract"
    assert gap_at(p.assign(value_added_per_mu_wan=100.0), rules, "2025-06-30") == ""
    # conditions without figures: no data; no conditions at all: empty
    assert contract_check(producing(contract_tax_per_mu_wan=20.0), rules, as_of=dt.date(2026, 1, 1))[
        "contract_check"].iloc[0] == "no_data"
    assert contract_check(producing(), rules, as_of=dt.date(2026, 1, 1))["contract_check"].iloc[0] == ""


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
    out = tmp_path / "gaps.csv"
    assert main(["lifecycle", "--workspace", str(DATA), "--as-of", "2026-06-30", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for zh, _en in GAPS.values():
        assert f"  {zh}: " in text
    assert "征收进度" in text and "迁坟" in text and "标准地履约" in text
    written = pd.read_csv(out, encoding="utf-8-sig", dtype={"parcel_id": str})
    assert len(written) and (written["lifecycle_gap"].notna() | written["contract_check"].notna()).all()
    assert main(["lifecycle", "--workspace", str(DATA), "--as-of", "2026-13-01"]) == 2
