"""landplan evaluate: one row per parcel with the SPEC §5 columns, in four formats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest

from landplan import Workspace, labels
from landplan.cli import main
from landplan.evaluate import evaluate, read_evaluation, write_evaluation
from landplan.labels import rulekeys

DATA = Path(__file__).resolve().parent.parent / "data"
SPEC_COLUMNS = [
    "area_m2", "area_mu", "tax_per_mu_wan", "output_per_mu_wan", "revenue_per_mu_wan",
    "value_added_per_mu_wan", "value_added_per_tce_wan", "value_added_per_emission_wan",
    "rd_intensity_pct", "productivity_wan_per_person", "efficiency_score", "efficiency_class",
    "floor_area_ratio", "floor_area_ratio_ok", "building_coverage_pct", "building_coverage_pct_ok",
    "investment_intensity_wan_per_mu", "investment_intensity_wan_per_mu_ok", "green_ratio_pct",
    "green_ratio_pct_ok", "admin_ratio_pct", "admin_ratio_pct_ok",
]


@pytest.fixture(scope="module")
def table():
    return evaluate(Workspace(DATA), as_of=dt.date(2026, 6, 30), year=2025)


def test_one_row_per_parcel_with_spec_columns(table):
    parcels = Workspace(DATA).read("parcels")
    assert list(table["parcel_id"]) == list(parcels["parcel_id"])
    assert set(SPEC_COLUMNS) <= set(table.columns)
    assert (table["as_of"] == pd.Timestamp("2026-06-30")).all()
    graded = table["efficiency_class"].dropna()
    assert set(graded) <= {"A", "B", "C", "D"} and len(graded) > 50
    no_ledger = table["enterprises"].isna() | (table["enterprises"] == 0)
    assert table.loc[no_ledger, "efficiency_class"].isna().all()  # no ledger: empty, not D
    assert table.loc[no_ledger, "tax_per_mu_wan"].isna().all()


def test_revitalization_columns_are_the_ranked_candidates_of_the_table(table):
    """evaluate() ranks the candidates while its coverage is computed and puts them back by
    row: the same figures as candidates() of the finished table, by parcel."""
    from landplan.revitalization import candidates
    from landplan.rules import load_rules

    ranked = candidates(pd.DataFrame(table.drop(columns="geometry")), load_rules(Workspace(DATA))).set_index("parcel_id")
    assert len(ranked) > 20
    by_id = table.set_index("parcel_id")
    pd.testing.assert_series_equal(by_id.loc[ranked.index, "revitalization_priority"],
                                   ranked["revitalization_priority"], check_names=False)
    for ours, theirs in (("revitalization_path", "path"), ("candidate_reason", "candidate_reason"),
                         ("priority_explained", "priority_explained")):
        assert (by_id.loc[ranked.index, ours].to_numpy() == ranked[theirs].to_numpy()).all()
    assert by_id.drop(index=ranked.index)["revitalization_priority"].isna().all()  # not candidates


@pytest.mark.parametrize("suffix", [".gpkg", ".parquet", ".csv", ".xlsx"])
def test_formats(table, tmp_path, suffix):
    from landplan.rules import load_rules

    out = write_evaluation(table, tmp_path / f"eval{suffix}", rules=load_rules())
    if suffix == ".gpkg":
        back = pyogrio.read_dataframe(out)
        assert len(back) == len(table) and "efficiency_class" in back
    elif suffix == ".parquet":
        back = gpd.read_parquet(out)
        assert back["tax_per_mu_wan"].equals(table["tax_per_mu_wan"])
    elif suffix == ".csv":  # a table for people: Chinese headers and labels by default
        back = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
        assert len(back) == len(table) and "geometry" not in back and "宗地号" in back
        assert set(back["闲置状态"]) == {labels.value("idle_status", c) for c in set(table["idle_status"])}
    else:
        book = openpyxl.load_workbook(out, read_only=True)
        assert book.sheetnames == ["评价结果", "定义与来源", "测算依据"]  # the demo park has economics figures
        header = next(book["评价结果"].iter_rows(values_only=True))
        assert {"宗地号", "亩均税收(万元/亩)", "亩均效益分类", "容积率", "建筑系数(%)"} <= set(header)
        assert len(set(header)) == len(header)
        definitions = {row[0]: row for row in book["定义与来源"].iter_rows(values_only=True)}
        assert definitions["表头"] == ("表头", "单位", "规则", "来源", "是否未确认")
        # 建筑系数 ≥ 30 % comes from the 2008 edition (the default), a confirmed figure
        coverage = definitions["建筑系数(%)"]
        assert coverage[2] == rulekeys.label("compliance.thresholds.default.building_coverage_pct_min")
        assert "2008" in coverage[3] and not coverage[4]
        assert "黄岩" in definitions["亩均税收(万元/亩)"][3]
        heat = definitions[labels.column("ext_heat_cost_wan")]
        assert heat[1] == "万元" and heat[4] == "未确认"


def test_cli(tmp_path, capsys):
    out = tmp_path / "e.xlsx"
    assert main(["evaluate", "--workspace", str(DATA), "--as-of", "2026-06-30", "--out", str(out),
                 "--lang", "en"]) == 0
    assert "evaluated 300 parcels" in capsys.readouterr().out
    assert openpyxl.load_workbook(out, read_only=True).sheetnames == ["evaluation", "definitions and sources", "Inputs"]
    csv = tmp_path / "e.csv"
    assert main(["evaluate", "--workspace", str(DATA), "--as-of", "2026-06-30", "--out", str(csv),
                 "--lang", "zh"]) == 0
    assert capsys.readouterr().out.startswith("已评价 300 宗地块")
    assert main(["evaluate", "--workspace", str(DATA), "--as-of", "2026-06-30", "--out", str(csv),
                 "--lang", "code"]) == 0
    assert pd.read_csv(csv, encoding="utf-8-sig", nrows=0).columns[0] == "parcel_id"
    assert main(["evaluate", "--workspace", str(DATA), "--year", "1999", "--out", str(out)]) == 2
    assert "--year 1999" in capsys.readouterr().err
    assert main(["evaluate", "--workspace", str(DATA), "--as-of", "30/6/2026", "--out", str(out)]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["evaluate", "--workspace", str(DATA), "--out", str(tmp_path / "e.shp")]) == 2


@pytest.mark.parametrize("lang", ["zh", "en", "code"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_tables_for_people_read_back(table, tmp_path, lang, suffix):
    """CSV and XLSX in Chinese, in English and canonical read back to the same codes and figures."""
    rows = table.iloc[:60]
    out = write_evaluation(rows, tmp_path / f"e{suffix}", lang=lang)
    raw = (pd.read_csv(out, encoding="utf-8-sig", dtype=str) if suffix == ".csv"
           else pd.read_excel(out, dtype=str))
    header = {"zh": "闲置状态", "en": "idle status", "code": "idle_status"}[lang]
    shown = {labels.value("idle_status", c, lang) if lang != "code" else c for c in rows["idle_status"]}
    assert set(raw[header]) == shown
    # a person reads one language: the other one's reasons are left out, not shown beside
    other = "idle_reason_zh" if lang == "en" else "idle_reason_en"
    assert ((other if lang == "code" else labels.column(other, lang)) in raw) == (lang == "code")
    back = read_evaluation(out)
    assert back["parcel_id"].tolist() == rows["parcel_id"].tolist()
    for column in ("idle_status", "status", "lifecycle_gap", "missing", "contract_check"):
        want = rows[column].replace("", None).tolist()
        assert back[column].replace("", None).where(back[column].notna(), None).tolist() == want, column
    assert back["area_mu"].tolist() == pytest.approx(rows["area_mu"].tolist(), rel=1e-12)  # exact, not rounded
    assert back["has_heat"].tolist() == rows["has_heat"].tolist()
    if suffix == ".xlsx" and lang != "code":  # shown with the unit's decimals, kept exact
        book = openpyxl.load_workbook(out)
        sheet = book.worksheets[0]
        heads = [c.value for c in sheet[1]]
        area = sheet.cell(row=2, column=heads.index(labels.column("area_mu", lang)) + 1)
        assert area.number_format == "#,##0.00" and area.value == pytest.approx(rows["area_mu"].iloc[0], rel=1e-12)
