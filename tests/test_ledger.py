"""import-ledger: Chinese headers and units; bad rows kept aside with the reason; years replaced."""

from __future__ import annotations

import re

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import box

from landplan import Workspace
from landplan.cli import main

HEADER = "统一社会信用代码,企业名称,宗地号,年度,用地份额,是否规上,税收（万元）,营业收入（元）,工业增加值（万元）,综合能耗（吨标准煤）,年平均职工人数"


@pytest.fixture()
def ws(tmp_path):
    parcels = gpd.GeoDataFrame(
        {"parcel_id": pd.array(["P1", "P2"], dtype="str")},
        geometry=[box(39_500_000, 3_500_000, 39_500_100, 3_500_100),
                  box(39_500_200, 3_500_000, 39_500_300, 3_500_100)], crs="EPSG:4527")
    workspace = Workspace(tmp_path / "ws")
    workspace.write("parcels", parcels)
    return workspace


def run(ws, path, capsys):
    capsys.readouterr()
    code = main(["import-ledger", str(path), "--workspace", str(ws.path), "--lang", "en"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_chinese_csv_with_units(ws, tmp_path, capsys):
    path = tmp_path / "台账.csv"
    path.write_text(HEADER + "\n91340100MA0EDK9TXA,合肥甲,P1,2024,0.6,是,120.5,35000000,800,50,40\n"
                    "91340100MA091NKHXM,合肥乙,P1,2024,,否,10,2000000,30,,12\n", encoding="gbk")
    code, out, err = run(ws, path, capsys)
    assert code == 0, err
    assert "read: 2  imported: 2" in out and "营业收入（元） -> revenue_wan (元 × 0.0001)" in out
    ledger = ws.read("ledger")
    assert list(ledger["revenue_wan"]) == [3500.0, 200.0]
    assert ledger["share"].isna().tolist() == [False, True]
    assert ledger["above_scale"].tolist() == [True, False]
    assert pd.isna(ledger["energy_tce"].iloc[1])  # empty stays empty, never 0


def test_a_year_replaces_only_that_year(ws, tmp_path, capsys):
    a = tmp_path / "a.csv"
    a.write_text(HEADER + "\nE1,甲,P1,2023,,是,1,1,1,1,1\nE1,甲,P1,2024,,是,2,2,2,2,2\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text(HEADER + "\nE1,甲,P1,2024,,是,9,9,9,9,9\n", encoding="utf-8")
    assert run(ws, a, capsys)[0] == 0
    code, out, _ = run(ws, b, capsys)
    assert code == 0 and "kept 1 ledger rows of other years (2023)" in out
    ledger = ws.read("ledger").sort_values("year")
    assert ledger["tax_wan"].tolist() == [1.0, 9.0]


BAD = {
    "text in a number": ("E1,甲,P1,2024,,是,约100,1,1,1,1", r"row 2, field 税收（万元）: '约100' is not a number"),
    "negative share": ("E1,甲,P1,2024,-0.2,是,1,1,1,1,1", r"row 2, field 用地份额: negative value -0.2"),
    "unknown parcel": ("E1,甲,P9,2024,,是,1,1,1,1,1", r"row 2, field 宗地号: parcel_id 'P9' is not in the parcels layer"),
    "unknown year": ("E1,甲,P1,2099,,是,1,1,1,1,1", r"row 2, field 年度: unknown year 2099"),
    "year text": ("E1,甲,P1,二〇二四,,是,1,1,1,1,1", r"row 2, field 年度: '二〇二四' is not a number"),
    "duplicate key": ("E1,甲,P1,2024,,是,1,1,1,1,1\nE1,甲,P1,2024,,是,2,2,2,2,2",
                      r"row 3, field 统一社会信用代码: duplicate enterprise × parcel × year E1 / P1 / 2024 \(first at row 2\)"),
    "shares over 1": ("E1,甲,P2,2024,0.7,是,1,1,1,1,1\nE2,乙,P2,2024,0.5,是,1,1,1,1,1",
                      r"row 2, field 用地份额: the shares of parcel P2 in 2024 sum to 1.2 \(> 1\)"),
    "empty enterprise": (",甲,P1,2024,,是,1,1,1,1,1", r"row 2, field 统一社会信用代码: empty enterprise_id"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_rows_are_kept_aside(ws, tmp_path, capsys, case):
    rows, pattern = BAD[case]
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\n" + rows + "\nOK1,好,P2,2023,,是,5,5,5,5,5\n", encoding="utf-8")
    code, out, err = run(ws, path, capsys)
    assert code == 1  # written, some rows rejected
    counts = {k: int(v) for k, v in re.findall(r"(read|imported|rejected): (\d+)", out.splitlines()[1])}
    assert counts["read"] == counts["imported"] + counts["rejected"] and counts["rejected"] >= 1
    assert re.search(pattern, err), err
    rejects = pd.read_csv(ws.path / "parcels" / "enterprises.rejects.csv", dtype=str, encoding="utf-8-sig")
    assert len(rejects) == counts["rejected"]
    assert "OK1" in set(ws.read("ledger")["enterprise_id"])  # good rows are imported


def test_xlsx_ledger_with_title_row(ws, tmp_path, capsys):
    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2024年度亩均效益评价企业台账"])
    sheet.merge_cells("A1:E1")
    sheet.append(["统一社会信用代码", "企业名称", "地块编号", "年份", "实缴税金(万元)"])
    sheet.append(["91340100MA0EDK9TXA", "合肥甲", "P2", 2024, 88.5])
    book.save(path)
    code, out, err = run(ws, path, capsys)
    assert code == 0, err
    assert "row 1 skipped as a title row" in out
    assert ws.read("ledger")["tax_wan"].tolist() == [88.5]
