"""One writer for every table (issue 21, item 4): ``write_table`` writes CSV and XLSX by suffix,
atomically, for people (zh/en) or canonical (code)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from landplan import labels
from landplan.errors import ParameterError
from landplan.io.writers import write_analysis, write_table


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"parcel_id": ["A1", "B2"], "status": ["halted", "in_production"], "area_mu": [12.3456, 7.0],
                         "holder": ["=HYPERLINK(\"x\")", "合肥甲科技有限公司"],
                         "approval_date": pd.to_datetime(["2020-05-01", None])})


def test_csv_for_people_in_chinese(tmp_path):
    out = write_table(_frame(), tmp_path / "t.csv", labels="zh")
    lines = out.read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[0].split(",") == [labels.column(c, "zh") for c in _frame().columns]
    first = lines[1].split(",")
    assert first[1] == "停工/停产"  # the code as its words
    assert first[2] == "12.3456"  # exact value: the spreadsheet rounds its view, the file keeps it
    assert first[3] == "\"'=HYPERLINK(\"\"x\"\")\""  # a formula stays text
    assert first[4] == "2020-05-01"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]  # atomic: no temporary file left


def test_code_keeps_canonical_names_and_codes(tmp_path):
    out = write_table(_frame(), tmp_path / "t.csv", labels="code")
    head, first = out.read_text(encoding="utf-8-sig").splitlines()[:2]
    assert head == "parcel_id,status,area_mu,holder,approval_date"
    assert first.startswith("A1,halted,12.3456,")


def test_xlsx_sheet_and_number_format(tmp_path):
    out = write_table(_frame(), tmp_path / "t.xlsx", labels="en", sheet="parcels")
    book = openpyxl.load_workbook(out)
    ws = book["parcels"]
    assert ws.cell(1, 3).value == labels.column("area_mu", "en")
    assert ws.cell(2, 3).value == pytest.approx(12.3456)
    assert ws.cell(2, 3).number_format == "#,##0.00"  # mu: 2 decimals, as labels.fmt
    assert ws.cell(2, 2).value == "halted" and ws.cell(3, 2).value == "in production"
    assert isinstance(ws.cell(2, 5).value, (dt.date, dt.datetime, str))


@pytest.mark.parametrize(("name", "kwargs", "param"), [
    ("t.txt", {}, "out"), ("t.csv", {"labels": "fr"}, "labels")])
def test_refused_naming_the_parameter(tmp_path, name, kwargs, param):
    with pytest.raises(ParameterError) as caught:
        write_table(_frame(), tmp_path / name, **kwargs)
    assert caught.value.param == param and str(caught.value).startswith(f"`{param}`=")
    assert not list(tmp_path.iterdir())


def test_analysis_layer_tables_go_through_write_table(tmp_path):
    import geopandas as gpd
    from shapely.geometry import LineString

    routes = gpd.GeoDataFrame({"parcel_id": ["A1"], "length_m": [12.5]},
                              geometry=[LineString([(0, 0), (1, 1)])], crs=4527)
    assert write_analysis(routes, tmp_path / "r.csv", labels="en").read_text(encoding="utf-8-sig") == \
        write_table(routes, tmp_path / "s.csv", labels="en").read_text(encoding="utf-8-sig")
    assert gpd.read_file(write_analysis(routes, tmp_path / "r.gpkg")).columns.tolist() == \
        ["parcel_id", "length_m", "geometry"]
    with pytest.raises(ParameterError, match=r"^`out`='.*r\.shp': write \.gpkg"):
        write_analysis(routes, tmp_path / "r.shp")
