"""Idle land as a land office applies 闲置土地处置办法 (issue 18 points 1-3): the start date
without an agreed one (Art. 22), a finding before the 认定书 and the procedure's next step with
its legal deadline (Art. 5, 9, 14, 15, 17), the stalled-land recovery as an interpretation."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from landplan.app.i18n import t as app_label
from landplan.cli import main
from landplan.idle import IDLE_STAGES, check_idle_inputs, evaluate_idle, start_dates
from landplan.lifecycle import evaluate_lifecycle
from landplan.report.i18n import code_label
from landplan.revitalization import candidates
from landplan.rules import load_rules, merge_rules
from landplan.schema import match_column

D = dt.date
RULES = load_rules()
DATES = ("supply_date", "delivery_date", "agreed_start_date", "actual_start_date", "halted_since",
         "investigation_notice_date", "idle_declared_date", "disposal_decision_date")
NUMBERS = ("land_price_wan", "agreed_investment_wan", "invested_wan", "developed_area_m2")


def make(*rows: dict) -> gpd.GeoDataFrame:
    """Parcels of 90 × 90 m (8100 m²) in EPSG:4527, one per row dict."""
    frame = pd.DataFrame({
        "parcel_id": [r.get("parcel_id", f"P{i + 1}") for i, r in enumerate(rows)],
        "status": [r.get("status", "supplied") for r in rows],
        "idle_cause": [r.get("idle_cause") for r in rows],
        **{c: pd.to_datetime([r.get(c) for r in rows]) for c in DATES},
        **{c: pd.Series([r.get(c) for r in rows], dtype="float64") for c in NUMBERS},
    })
    geoms = [box(39_500_000 + 200 * i, 3_400_000, 39_500_090 + 200 * i, 3_400_090)
             for i in range(len(rows))]
    return gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4527")


def one(as_of: dt.date, rules: dict = RULES, **row) -> pd.Series:
    return evaluate_idle(make(row), rules, as_of=as_of).iloc[0]


ts = pd.Timestamp


# --------------------------------------------------------------------------------------------
# point 1: no agreed start date (Art. 22)
# --------------------------------------------------------------------------------------------

DELIVERED = {"supply_date": "2022-12-01", "delivery_date": "2023-03-01", "land_price_wan": 600.0}


def test_without_agreed_start_the_clock_runs_from_delivery():
    before = one(D(2024, 2, 29), **DELIVERED)             # 2023-03-01 + 1 year = 2024-03-01
    assert (before.idle_status, before.start_date_basis) == ("not_due", "delivery_date")
    assert before.next_step == "becomes_idle" and before.next_step_date == ts("2024-03-01")
    r = one(D(2024, 3, 1), **DELIVERED)
    assert r.idle_status == "idle_unstarted" and r.idle_since == ts("2023-03-01")
    assert r.start_date_basis == "delivery_date"
    assert r.idle_fee_wan == pytest.approx(120.0)          # 20 % of 600
    assert r.idle_reason_zh == ("自交地日期 2023-03-01 起满 1 年未动工开发（53号令第二条；合同未约定"
                                "动工日期，自交付土地之日起算，53号令第二十二条）")
    assert "delivery date 2023-03-01" in r.idle_reason_en and "Art. 22" in r.idle_reason_en
    assert "至 2025-03-01 满 2 年仍未动工开发的" in r.next_step_zh   # delivery + 2 years
    assert one(D(2025, 3, 1), **DELIVERED).idle_disposal == "recover"


def test_without_delivery_date_the_supply_date_stands_in_and_says_so():
    row = {"supply_date": "2023-05-20", "land_price_wan": 300.0}
    assert one(D(2024, 5, 19), **row).idle_status == "not_due"
    r = one(D(2024, 5, 20), **row)
    assert (r.idle_status, r.start_date_basis, r.idle_since) == (
        "idle_unstarted", "supply_date", ts("2023-05-20"))
    assert r.idle_fee_wan == pytest.approx(60.0)
    assert r.idle_reason_zh.startswith("自供地日期 2023-05-20 起满 1 年未动工开发")
    assert "以供地日期代替交付土地之日（约定做法，非条文规定）" in r.idle_reason_zh
    assert "a convention" in r.idle_reason_en


def test_an_agreed_start_date_wins_over_delivery_and_supply():
    r = one(D(2024, 6, 30), agreed_start_date="2023-09-01", **DELIVERED)
    assert (r.idle_status, r.start_date_basis, r.idle_since) == (
        "not_due", "agreed_start_date", ts("2023-09-01"))
    assert r.next_step_date == ts("2024-09-01")


def test_the_fallbacks_are_rules():
    supply_only = {"supply_date": "2020-01-01"}
    only_delivery = merge_rules(RULES, {"idle": {"start_date_fallback": ["delivery_date"]}})
    assert one(D(2024, 6, 30), only_delivery, **supply_only).idle_status == "not_applicable"
    assert one(D(2024, 6, 30), only_delivery, **DELIVERED).start_date_basis == "delivery_date"
    none = merge_rules(RULES, {"idle": {"start_date_fallback": []}})
    r = one(D(2024, 6, 30), none, **DELIVERED)
    assert (r.idle_status, r.start_date_basis) == ("not_applicable", "")
    assert r.next_step_en.startswith("No agreed start date, delivery date or supply date")


def test_start_dates_for_supplied_not_used_and_others():
    frame = make({"agreed_start_date": "2023-09-01", "delivery_date": "2023-01-01"},
                 DELIVERED, {"supply_date": "2023-05-20"}, {})
    out = start_dates(frame, RULES)
    assert out["start_date_basis"].tolist() == ["agreed_start_date", "delivery_date", "supply_date", ""]
    assert out["start_date"].tolist()[:3] == [ts("2023-09-01"), ts("2023-03-01"), ts("2023-05-20")]
    assert pd.isna(out["start_date"].iloc[3])


@pytest.mark.parametrize(("dates", "gap_from", "reason"), [
    ({"agreed_start_date": "2023-06-01", "delivery_date": "2023-03-01"}, "2023-06-02",
     "约定 2023-06-01 动工，至今未动工"),
    ({"delivery_date": "2023-03-01"}, "2023-03-02",
     "2023-03-01 交地，至今未动工（合同未约定动工日期，自交付土地之日起算，53号令第二十二条）"),
    ({}, "2022-12-02", "2022-12-01 供地，至今未动工（合同未约定动工日期、未记录交地日期，以供地日期代替"),
])
def test_supplied_not_used_counts_from_the_same_start_date(dates, gap_from, reason):
    table = pd.DataFrame([{"parcel_id": "P1", "area_m2": 8100.0, "status": "supplied",
                           "supply_date": ts("2022-12-01"),
                           **{k: ts(v) for k, v in dates.items()}}]).set_index("parcel_id", drop=False)
    day = dt.date.fromisoformat(gap_from)
    assert evaluate_lifecycle(table, RULES, as_of=day - dt.timedelta(days=1))["lifecycle_gap"].iloc[0] == ""
    out = evaluate_lifecycle(table, RULES, as_of=day).iloc[0]
    assert out["lifecycle_gap"] == "supplied_not_used"
    assert out["lifecycle_gap_reason"].startswith(reason)


def test_a_halted_parcel_without_agreed_start_is_judged_too():
    # started 2023-06-01, halted 2024-01-10 with 1000 m² of 8100 m² developed (< 2700 = 1/3)
    r = one(D(2025, 1, 10), status="halted", delivery_date="2023-02-01",
            actual_start_date="2023-06-01", halted_since="2024-01-10", developed_area_m2=1000.0)
    assert (r.idle_status, r.idle_since, r.start_date_basis) == (
        "idle_halted", ts("2024-01-10"), "delivery_date")


@pytest.mark.parametrize(("header", "column"), [
    ("交地日期", "delivery_date"), ("交付日期", "delivery_date"), ("土地交付日期", "delivery_date"),
    ("调查通知书送达日期", "investigation_notice_date"), ("闲置土地认定书日期", "idle_declared_date"),
    ("认定书日期", "idle_declared_date"), ("征缴土地闲置费决定书日期", "disposal_decision_date"),
    ("收回决定书日期", "disposal_decision_date"),
])
def test_a_clerks_headers_are_recognised(header, column):
    assert match_column("parcels", header)[0] == column


# --------------------------------------------------------------------------------------------
# point 2: a finding, then the procedure with its deadlines
# --------------------------------------------------------------------------------------------

# agreed start 2023-01-10, not started: idle from 2024-01-10, recovery possible from 2025-01-10;
# fee 20 % × 500 = 100 万元
UNSTARTED = {"agreed_start_date": "2023-01-10", "land_price_wan": 500.0}


@pytest.mark.parametrize(("as_of", "papers", "stage", "step", "deadline"), [
    (D(2024, 6, 30), {}, "suspected", "investigate", None),
    # a notice after the evaluation date is not yet served at it
    (D(2024, 6, 30), {"investigation_notice_date": "2024-07-01"}, "suspected", "investigate", None),
    # served 2024-06-10: the holder replies within 30 days, by 2024-07-10 (Art. 5)
    (D(2024, 6, 30), {"investigation_notice_date": "2024-06-10"}, "investigating", "reply_due",
     "2024-07-10"),
    (D(2024, 7, 10), {"investigation_notice_date": "2024-06-10"}, "investigating", "reply_due",
     "2024-07-10"),
    (D(2024, 7, 11), {"investigation_notice_date": "2024-06-10"}, "to_be_declared", "declare", None),
    (D(2024, 9, 1), {"investigation_notice_date": "2024-06-10", "idle_declared_date": "2024-08-01"},
     "declared", "fee_decision", None),
    # fee decision served 2024-09-10: paid within 30 days, by 2024-10-10 (Art. 17)
    (D(2024, 9, 20), {"investigation_notice_date": "2024-06-10", "idle_declared_date": "2024-08-01",
                      "disposal_decision_date": "2024-09-10"}, "decided", "pay_fee", "2024-10-10"),
    # past 2025-01-10 the land could be recovered, but the decision of 2024-09-10 was a fee
    (D(2025, 2, 1), {"investigation_notice_date": "2024-06-10", "idle_declared_date": "2024-08-01",
                     "disposal_decision_date": "2024-09-10"}, "decided", "pay_fee", "2024-10-10"),
    # declared after the two years: a hearing notice before the recovery decision (Art. 15)
    (D(2025, 3, 1), {"investigation_notice_date": "2024-12-01", "idle_declared_date": "2025-02-01"},
     "declared", "hearing_notice", None),
    (D(2025, 4, 1), {"investigation_notice_date": "2024-12-01", "idle_declared_date": "2025-02-01",
                     "disposal_decision_date": "2025-03-15"}, "decided", "recovery_decided", None),
])
def test_procedure_stage_next_step_and_deadline(as_of, papers, stage, step, deadline):
    r = one(as_of, **UNSTARTED, **papers)
    assert r.idle_status == "idle_unstarted"
    assert (r.idle_stage, r.next_step) == (stage, step)
    if deadline is None:
        assert pd.isna(r.next_step_date)
    else:
        assert r.next_step_date == ts(deadline)
        assert deadline in r.next_step_zh and deadline in r.next_step_en


def test_procedure_texts_name_the_article_the_figure_and_the_date():
    r = one(D(2024, 6, 30), **UNSTARTED)
    assert r.next_step_zh.startswith("疑似闲置：由市、县国土资源主管部门调查核实，向使用权人发出《闲置土地调查通知书》")
    assert "30 日内提交说明（53号令第五条）" in r.next_step_zh
    assert "认定后征缴土地闲置费 100.00 万元（土地价款的 20.0%，53号令第十四条）" in r.next_step_zh
    assert "至 2025-01-10 满 2 年仍未动工开发的，可无偿收回" in r.next_step_zh
    r = one(D(2024, 7, 11), investigation_notice_date="2024-06-10", **UNSTARTED)
    assert r.next_step_zh.startswith("答复期已于 2024-07-10 届满，应认定为闲置：下达《闲置土地认定书》（53号令第九条）")
    r = one(D(2024, 9, 20), investigation_notice_date="2024-06-10", idle_declared_date="2024-08-01",
            disposal_decision_date="2024-09-10", **UNSTARTED)
    assert r.next_step_zh.startswith("《征缴土地闲置费决定书》已于 2024-09-10 下达：使用权人最迟于 2024-10-10"
                                     "（30 日内，53号令第十七条）缴纳土地闲置费 100.00 万元")
    r = one(D(2025, 3, 1), investigation_notice_date="2024-12-01", idle_declared_date="2025-02-01",
            **UNSTARTED)
    assert "书面告知使用权人有申请听证的权利（53号令第十五条）" in r.next_step_zh
    assert "right to a hearing (Decree 53, Art. 15)" in r.next_step_en


def test_procedure_deadlines_are_rules():
    rules = merge_rules(RULES, {"idle": {"procedure": {"reply_days": 15, "payment_days": 60}}})
    r = one(D(2024, 6, 20), rules, investigation_notice_date="2024-06-10", **UNSTARTED)
    assert r.next_step_date == ts("2024-06-25")
    r = one(D(2024, 9, 20), rules, idle_declared_date="2024-08-01",
            disposal_decision_date="2024-09-10", **UNSTARTED)
    assert r.next_step_date == ts("2024-11-09")            # 2024-09-10 + 60 days


@pytest.mark.parametrize(("papers", "stage", "step"), [
    ({}, "suspected", "investigate"),
    ({"idle_declared_date": "2024-08-01"}, "declared", "negotiate"),
    ({"idle_declared_date": "2024-08-01", "disposal_decision_date": "2024-09-01"}, "decided",
     "implement_plan"),
])
def test_government_cause_goes_through_the_same_procedure(papers, stage, step):
    r = one(D(2024, 9, 20), idle_cause="government", **UNSTARTED, **papers)
    assert (r.idle_disposal, r.idle_stage, r.next_step) == ("negotiate", stage, step)
    assert pd.isna(r.next_step_date)
    assert "第十二条" in r.next_step_zh


def test_no_stage_for_land_the_data_do_not_find_idle():
    out = evaluate_idle(make(
        {"agreed_start_date": "2024-01-10"},                              # not due at 2024-06-30
        {"agreed_start_date": "2023-01-10", "actual_start_date": "2023-02-01"},   # started
        {"status": "reserve", "agreed_start_date": "2020-01-01"}), RULES, as_of=D(2024, 6, 30))
    assert out["idle_stage"].tolist() == ["", "", ""]
    assert set(out["idle_stage"]) <= set(IDLE_STAGES)


def test_papers_out_of_order_are_reported_and_used_as_given():
    parcels = make({"parcel_id": "X", "supply_date": "2023-01-01", "delivery_date": "2022-12-01",
                    "investigation_notice_date": "2024-06-10", "idle_declared_date": "2024-06-01",
                    "disposal_decision_date": "2024-05-01", **UNSTARTED})
    assert check_idle_inputs(parcels, as_of=D(2024, 9, 1)) == [
        "feature 1 (parcel_id X), field delivery_date: 2022-12-01 is before the supply date 2023-01-01; "
        "used as given",
        "feature 1 (parcel_id X), field idle_declared_date: 2024-06-01 is before the investigation notice "
        "2024-06-10; used as given",
        "feature 1 (parcel_id X), field disposal_decision_date: 2024-05-01 is before the idle-land finding "
        "2024-06-01; used as given",
    ]
    assert evaluate_idle(parcels, RULES, as_of=D(2024, 9, 1)).loc["X", "idle_stage"] == "decided"


def test_status_and_stage_labels_name_a_finding():
    assert code_label("idle_status", "idle_unstarted") == "疑似闲置（未动工）"
    assert code_label("idle_status", "idle_halted", "en") == "suspected idle (halted)"
    assert [code_label("idle_stage", s) for s in IDLE_STAGES[1:]] == [
        "疑似闲置（待调查）", "调查中（待答复）", "应认定为闲置", "已认定闲置", "已下达处置决定"]
    assert code_label("start_date_basis", "delivery_date") == "交地日期（无约定动工日期，第二十二条）"
    assert app_label("idle_status.idle_unstarted") == code_label("idle_status", "idle_unstarted")  # one word per code
    assert app_label("idle_stage.to_be_declared", "en") == "to be declared idle"


def test_a_finding_is_investigated_before_its_disposal_path():
    table = evaluate_idle(make(
        {"parcel_id": "S", **UNSTARTED},
        {"parcel_id": "Y", "idle_declared_date": "2024-05-01", **UNSTARTED}), RULES,
        as_of=D(2024, 6, 30)).reset_index()
    table["area_mu"] = [12.15, 12.15]
    table["low_efficiency"] = False
    out = candidates(table, RULES).set_index("parcel_id")
    assert out.loc["S", "path"] == "declare_idle; collect_fee"
    assert out.loc["S", "path_zh"] == "调查认定闲置、征缴闲置费"
    assert out.loc["Y", "path"] == "collect_fee"
    assert out.loc["S", "candidate_reason"] == "闲置土地：疑似闲置（未动工），疑似闲置（待调查）（53号令第二条）"


# --------------------------------------------------------------------------------------------
# point 3: recovery of stalled land counted from the halt is an interpretation
# --------------------------------------------------------------------------------------------

# started 2020-05-01, halted 2022-04-15; 1000 m² of 8100 m² developed (< 2700 = 1/3):
# idle from 2023-04-15, recovery counted from the halt from 2024-04-15
STALLED = {"status": "halted", "agreed_start_date": "2020-03-01", "actual_start_date": "2020-05-01",
           "halted_since": "2022-04-15", "developed_area_m2": 1000.0, "land_price_wan": 800.0}


def test_stalled_land_recovery_is_labelled_an_interpretation():
    r = one(D(2024, 6, 30), **STALLED)
    assert (r.idle_status, r.idle_disposal) == ("idle_halted", "recover")
    assert r.idle_reason_zh == (
        "2022-04-15 起中止开发建设满 1 年，已开发面积 1,000 平方米低于宗地面积 8,100 平方米的 33.3%"
        "（53号令第二条）；满 2 年收回自停工之日起算，系解释（第十四条原文为“满二年未动工开发”）")
    assert "is an interpretation" in r.idle_reason_en
    assert "停工已满 2 年，可无偿收回国有建设用地使用权（53号令第十四条；自停工之日起算满 2 年系解释" in r.next_step_zh
    before = one(D(2023, 6, 30), **STALLED)
    assert before.idle_disposal == "idle_fee"
    assert "至 2024-04-15 停工满 2 年的，可无偿收回" in before.next_step_zh
    assert "counting the 2 years from the halt is an interpretation" in before.next_step_en


def test_an_office_that_does_not_read_it_so_keeps_stalled_land_at_the_fee():
    rules = merge_rules(RULES, {"idle": {"recover_halted_from_halt": False}})
    r = one(D(2026, 6, 30), rules, **STALLED)
    assert (r.idle_status, r.idle_disposal, r.idle_fee_wan) == ("idle_halted", "idle_fee", 160.0)
    assert "可无偿收回" not in r.next_step_zh
    assert r.idle_reason_zh.endswith("；停工土地不按第十四条满二年收回（本地规则如此设定）")
    assert "recover_halted_from_halt" not in r.idle_reason_zh + r.idle_reason_en   # the key is no sentence
    # land not started at all is still recovered after two years
    assert one(D(2026, 6, 30), rules, **UNSTARTED).idle_disposal == "recover"


# --------------------------------------------------------------------------------------------
# acceptance: a clerk's GeoJSON, imported without --date, evaluated as of a past date
# --------------------------------------------------------------------------------------------

def _feature(pid: str, x: float, **props) -> dict:
    ring = [[x, 31.8], [x + 0.001, 31.8], [x + 0.001, 31.801], [x, 31.801], [x, 31.8]]
    return {"type": "Feature", "properties": {"宗地号": pid, **props},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_clerks_file_idle_from_delivery_and_from_supply(tmp_path, capsys):
    src = tmp_path / "地块.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [
        _feature("D1", 117.200, 建设状态="已供未建", 供地日期="2022-12-01", 交地日期="2023-03-01",
                 出让价款=600),
        _feature("S1", 117.202, 建设状态="已供未建", 供地日期="2023-05-20", 出让价款=300),
        _feature("S2", 117.204, 建设状态="已供未建", 供地日期="2023-08-01"),
        _feature("R1", 117.206, 建设状态="储备", 交地日期="2023-01-01"),
    ]}, ensure_ascii=False), encoding="utf-8")
    ws, out = tmp_path / "ws", tmp_path / "eval.gpkg"   # canonical columns and codes
    assert main(["import", str(src), "--layer", "parcels", "--workspace", str(ws)]) == 0
    assert main(["evaluate", "--workspace", str(ws), "--as-of", "2024-06-30", "--out", str(out)]) == 0
    table = pyogrio.read_dataframe(out, read_geometry=False).astype({"idle_since": str, "next_step_date": str})
    table = table.set_index("parcel_id")
    assert table["idle_status"].to_dict() == {"D1": "idle_unstarted", "S1": "idle_unstarted",
                                              "S2": "not_due", "R1": "not_applicable"}
    assert table["start_date_basis"].fillna("").to_dict() == {
        "D1": "delivery_date", "S1": "supply_date", "S2": "supply_date", "R1": ""}
    assert table.loc["D1", "idle_since"].startswith("2023-03-01")
    assert table.loc["S1", "idle_since"].startswith("2023-05-20")
    assert float(table.loc["D1", "idle_fee_wan"]) == 120.0 and float(table.loc["S1", "idle_fee_wan"]) == 60.0
    assert table.loc["D1", "idle_reason_zh"].startswith("自交地日期 2023-03-01 起满 1 年未动工开发")
    assert table.loc["S1", "idle_reason_zh"].startswith("自供地日期 2023-05-20 起满 1 年未动工开发")
    assert (table.loc[["D1", "S1"], "idle_stage"] == "suspected").all()
    assert table.loc["S2", "next_step_date"].startswith("2024-08-01")
