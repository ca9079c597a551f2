"""landplan evaluate: one row per parcel with the SPEC §5 columns, in four formats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest

from landplan import Workspace
from landplan.cli import main
from landplan.evaluate import evaluate, write_evaluation

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
    elif suffix == ".csv":
        back = pd.read_csv(out, encoding="utf-8-sig")
        assert len(back) == len(table) and "geometry" not in back
    else:
        book = openpyxl.load_workbook(out, read_only=True)
        assert book.sheetnames == ["评价结果", "定义与来源"]
        header = next(book["评价结果"].iter_rows(values_only=True))
        assert {"宗地号", "亩均税收(万元/亩)", "亩均效益分类", "容积率", "建筑系数(%)"} <= set(header)
        assert len(set(header)) == len(header)
        definitions = list(book["定义与来源"].iter_rows(values_only=True))
        # 建筑系数 ≥ 30 % comes from the 2008 edition (the default), a confirmed figure
        assert any(row[0] == "building_coverage_pct" and row[4].endswith("thresholds.default.building_coverage_pct_min")
                   and not row[6] for row in definitions)
        assert any(row[0] == "efficiency_missing" and "数据不全" in (row[5] or "") for row in definitions)
        assert any(row[0] == "tax_per_mu_wan" and "黄岩" in (row[5] or "") for row in definitions)


def test_cli(tmp_path, capsys):
    out = tmp_path / "e.xlsx"
    assert main(["evaluate", "--workspace", str(DATA), "--as-of", "2026-06-30", "--out", str(out)]) == 0
    assert "evaluated 300 parcels" in capsys.readouterr().out
    assert main(["evaluate", "--workspace", str(DATA), "--year", "1999", "--out", str(out)]) == 2
    assert "--year 1999" in capsys.readouterr().err
    assert main(["evaluate", "--workspace", str(DATA), "--as-of", "30/6/2026", "--out", str(out)]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["evaluate", "--workspace", str(DATA), "--out", str(tmp_path / "e.shp")]) == 2
