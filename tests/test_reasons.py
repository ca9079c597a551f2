"""Reasons as sentences with their source, in the reader's language (issue 19, part A).

Hand-worked parcels whose Chinese and English reasons are asserted word for word, code lists
rendered for a person, and the demo park's whole evaluation: no Chinese text for people holds
a code, a rules key or an enum value, no English one holds a Chinese character outside data.
"""

from __future__ import annotations

import datetime as dt
import doctest

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box
from wordcheck import cjk_in, codes_in

from landplan import labels
from landplan.columns import OUTPUT_NAMES, PERSON_TEXT
from landplan.compliance import evaluate_compliance
from landplan.coverage import coverage_summary
from landplan.demo import DEMO_AS_OF
from landplan.evaluate import evaluate
from landplan.idle import evaluate_idle
from landplan.labels import text
from landplan.lifecycle import lifecycle_summary
from landplan.revitalization import low_efficiency, park_summary
from landplan.rules import load_rules, merge_rules

RULES = load_rules()


def parcels(*rows: dict) -> gpd.GeoDataFrame:
    """100 m × 100 m parcels (10,000 m², 15 亩) side by side in CGCS2000 / 3-degree zone 39."""
    geoms = [box(39_500_000 + 200 * i, 3_400_000, 39_500_100 + 200 * i, 3_400_100) for i in range(len(rows))]
    return gpd.GeoDataFrame([{"parcel_id": f"P{i + 1}", **r} for i, r in enumerate(rows)], geometry=geoms,
                            crs="EPSG:4527")


def test_doctests():
    for module in (text, __import__("landplan.compliance", fromlist=["x"]), __import__("landplan.idle", fromlist=["x"])):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


# ------------------------------------------------------------------ hand-worked parcels

def test_far_below_its_control_value_with_the_2008_source():
    # FAR 5,000 / 10,000 m² = 0.50; industry 34 (GB/T 4754-2017 通用设备) is row 35 of the 2008
    # table (2002 codes), whose minimum is 0.7; industry 23 (印刷) keeps its number, minimum 0.8
    p = parcels({"industry_code": "34", "status": "in_production", "floor_area_m2": 5_000.0},
                {"industry_code": "23", "status": "in_production", "floor_area_m2": 5_000.0},
                {"industry_code": "23", "status": "in_production", "floor_area_m2": 5_000.0,
                 "contract_far_min": 1.2})
    table = p.set_index("parcel_id", drop=False).join(evaluate_compliance(p, RULES)).assign(idle_status="not_idle")
    out = low_efficiency(table, RULES, as_of=dt.date(2025, 6, 30))
    assert out["low_efficiency"].tolist() == [True, True, True]
    assert out.loc["P1", "low_efficiency_reason"] == (
        "容积率 0.50 低于控制值 0.70（《工业项目建设用地控制指标》2008，行业 34（表中 35））")
    assert out.loc["P1", "low_efficiency_reason_en"] == (
        "floor area ratio 0.50 below its control value 0.70 "
        "(Industrial project land control indicators 2008, industry 34 (table row 35))")
    assert out.loc["P2", "low_efficiency_reason"] == "容积率 0.50 低于控制值 0.80（《工业项目建设用地控制指标》2008，行业 23）"
    assert out.loc["P3", "low_efficiency_reason"] == "容积率 0.50 低于控制值 1.20（出让合同约定）"
    assert out.loc["P3", "low_efficiency_reason_en"] == "floor area ratio 0.50 below its control value 1.20 (the land sale contract)"
    # the rules key is its own column, never the sentence
    assert out["low_efficiency_rules"].eq("idle.low_efficiency.far_below_control_on").all()


def test_idle_parcel_with_its_article_and_the_rules_period():
    rules = merge_rules(RULES, {"idle": {"idle_after_years": 3}})
    p = parcels({"status": "supplied", "agreed_start_date": pd.Timestamp("2020-03-01"), "land_price_wan": 800.0},
                {"status": "supplied", "agreed_start_date": pd.Timestamp("2021-03-01")})
    out = evaluate_idle(p, rules, as_of=dt.date(2023, 6, 30))
    idle, due = out.loc["P1"], out.loc["P2"]
    assert (idle.idle_status, due.idle_status) == ("idle_unstarted", "not_due")
    assert idle.idle_reason_zh == "自约定动工日期 2020-03-01 起满 3 年未动工开发（53号令第二条）"
    assert idle.idle_reason_en == "Not started since the agreed start date 2020-03-01: 3 year(s) or more (Decree 53, Art. 2)"
    assert due.idle_reason_zh == "自约定动工日期 2021-03-01 起未动工开发，未满 3 年（53号令第二条）"
    assert due.idle_reason_en == "Not started since the agreed start date 2021-03-01: less than 3 year(s) (Decree 53, Art. 2)"
    assert due.next_step_zh == "若至 2024-03-01 仍未动工开发，将构成闲置土地（53号令第二条）"
    assert due.next_step_en == "Becomes idle land if development has not started by 2024-03-01 (Decree 53, Art. 2)"
    # three years idle and past the two of Art. 14: recovery once declared
    assert idle.next_step_zh.endswith("；认定后闲置已满 2 年，可无偿收回国有建设用地使用权（53号令第十四条）")
    assert idle.next_step_en.endswith(
        "; once declared, idle 2 years or more: the land-use right may be recovered without compensation "
        "(Decree 53, Art. 14)")


@pytest.mark.parametrize(("kind", "codes", "zh", "en"), [
    ("network_type", "sewer,heat", "污水、热力", "sewer, heat"),
    ("network_type", "road,leveled", "道路、场地平整", "road, site levelled"),
    ("contract_condition", "tax_per_mu,no_transfer", "亩均税收、禁止转让期", "tax per mu, no-transfer period"),
    ("compliance_indicator", "building_coverage_pct, green_ratio_pct", "建筑系数、绿地率",
     "building coverage, green ratio"),
    ("revitalization_path", "urge_completion; replace_enterprise", "督促竣工、腾笼换鸟",
     "urge completion, replace the enterprise (vacate and re-let)"),
    ("network_type", "", "", ""),
])
def test_a_code_list_reads_as_labels(kind, codes, zh, en):
    assert text.value_list(kind, codes, "zh") == zh
    assert text.value_list(kind, codes, "en") == en
    assert text.value_lists(kind, pd.Series([codes, None, codes]), "zh").tolist() == [zh, "", zh]


def test_a_template_is_filled_for_many_rows_with_numbers_as_fmt_writes_them():
    values = np.array([0.5, 1234.5678, np.nan, -0.001])
    assert text.numbers(values, "wan").tolist() == [labels.fmt(v, "wan") for v in values]
    zh, en = text.pair("reason.contract.below", what="亩均税收", unit=text.Lang(" 万元/亩", " (10k CNY/mu)"),
                       value=text.numbers([15.0, 8.0], "wan"), agreed="20.00")
    assert zh.tolist() == ["亩均税收 15.00 万元/亩 低于约定 20.00 万元/亩", "亩均税收 8.00 万元/亩 低于约定 20.00 万元/亩"]
    assert en[0] == "亩均税收 15.00 (10k CNY/mu) below the contract's 20.00 (10k CNY/mu)"


# ------------------------------------------------------------------ the demo park

@pytest.fixture(scope="module")
def demo_table(demo_workspace):
    return evaluate(demo_workspace, as_of=DEMO_AS_OF)


def _data_values(table: pd.DataFrame) -> set[str]:
    """Texts that are data (names people gave): they may be Chinese in an English text."""
    out: set[str] = set()
    for column in ("parcel_id", "parcel_name", "holder", "approval_batch"):
        if column in table.columns:
            out |= set(table[column].dropna().astype(str))
    return out


def test_every_text_for_people_is_in_both_languages_and_registered(demo_table):
    for name, (zh, en) in PERSON_TEXT.items():
        assert zh in OUTPUT_NAMES and en in OUTPUT_NAMES, name
        assert labels.has(f"col.{zh}") and labels.has(f"col.{en}"), name
        assert {zh, en} <= set(demo_table.columns), name
        said_zh = demo_table[zh].fillna("").astype(str).ne("")
        said_en = demo_table[en].fillna("").astype(str).ne("")
        assert said_zh.equals(said_en), f"{name}: a sentence without its translation"
    for name in ("idle_reason", "next_step", "low_efficiency_reason", "lifecycle_gap_reason", "contract_reason",
                 "compliance_note", "candidate_reason", "priority_explained", "power_zone_reason"):
        assert demo_table[PERSON_TEXT[name][0]].fillna("").ne("").any(), f"the demo park has no {name}"


def test_no_code_in_chinese_no_chinese_in_english(demo_table):
    ids = set(demo_table["parcel_id"].astype(str))
    data = _data_values(demo_table)
    bad = []
    for zh, en in PERSON_TEXT.values():
        for value in demo_table[zh].dropna().astype(str).unique():
            if codes_in(value, allowed=ids) or "UNCONFIRMED" in value:
                bad.append((zh, codes_in(value, allowed=ids), value))
        for value in demo_table[en].dropna().astype(str).unique():
            if cjk_in(value, data=data):
                bad.append((en, cjk_in(value, data=data), value))
    assert not bad, bad[:5]


def test_every_code_of_a_list_column_has_its_label(demo_table):
    for column, kind in text.LIST_KINDS.items():
        if column not in demo_table.columns:
            continue
        for item in {c for v in demo_table[column].dropna().astype(str) for c in text._SPLIT.split(v) if c}:
            assert labels.has(f"val.{kind}.{item}"), f"{column}: {item} has no label"
    for code in demo_table["readiness"].unique():
        assert labels.has(f"val.readiness.{code}")


def test_summaries_print_one_language(demo_table):
    ids = set(demo_table["parcel_id"].astype(str))
    data = _data_values(demo_table)
    table = pd.DataFrame(demo_table.drop(columns="geometry"))
    for summary in (lambda lang: lifecycle_summary(table, lang=lang),
                    lambda lang: park_summary(table, RULES, as_of=DEMO_AS_OF, lang=lang),
                    lambda lang: coverage_summary(table, RULES, lang=lang)):
        zh, en = "\n".join(summary("zh")), "\n".join(summary("en"))
        assert not codes_in(zh, allowed=ids) and "UNCONFIRMED" not in zh, codes_in(zh, allowed=ids)
        assert not cjk_in(en, data=data), cjk_in(en, data=data)
    # the same code reads the same as on every face: the contract check's catalogue label
    assert f"{labels.value('contract_check', 'met', 'zh')} " in "\n".join(lifecycle_summary(table, lang="zh"))
