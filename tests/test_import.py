"""Import of real deliveries: real 界址点 txt files, FileGDB, zips, Chinese tables with units."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import LineString, box

from landplan import Workspace, import_layer
from landplan.geometry import area_m2
from landplan.units import M2_PER_MU

REAL_TXT = Path(__file__).parent / "data" / "polygon-txt"
E0, N0 = 39_500_000.0, 3_500_000.0


def real_txt_files() -> list[Path]:
    return sorted(REAL_TXT.rglob("*.txt"))


def test_real_txt_files_are_present():
    assert len(real_txt_files()) == 18


@pytest.mark.parametrize("path", real_txt_files(), ids=lambda p: p.stem)
def test_real_txt_imports_with_header_area(tmp_path, path):
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    ws = Workspace(tmp_path / "ws")
    report = import_layer(path, "parcels", workspace=ws)
    assert report.rejected == 0 and report.imported == report.read == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    parcels = ws.read("parcels")
    assert ws.crs.to_epsg() == 4526  # 2000国家大地坐标系, 3-degree zone 38, prefixed eastings
    declared_ha = parcels["area_declared_m2"].iloc[0] / 10000 if "area_declared_m2" in parcels else np.nan
    measured_ha = area_m2(parcels).iloc[0] / 10000
    if np.isnan(declared_ha):  # the ArcGIS dialect leaves the area blank
        assert path.parent.name == "txt_output"
    else:
        assert round(measured_ha, 4) == round(declared_ha, 4)
    assert parcels["parcel_id"].iloc[0]


@pytest.mark.parametrize("as_folder", [False, True])
def test_all_real_txt_files_in_one_import(tmp_path, as_folder):
    ws = Workspace(tmp_path / "ws")
    report = import_layer(REAL_TXT if as_folder else real_txt_files(), "parcels", workspace=ws)
    assert report.read == report.imported == 18 and report.rejected == 0
    parcels = ws.read("parcels")
    assert parcels["parcel_id"].is_unique
    assert {"44120000105", "plot_000"} <= set(parcels["parcel_id"])


def test_written_txt_reimports_identically(tmp_path):
    ws = Workspace(tmp_path / "ws")
    import_layer(real_txt_files(), "parcels", workspace=ws)
    from landplan import export_layer

    export_layer("parcels", workspace=ws, fmt="coordtxt", out=tmp_path / "all.txt")
    ws2 = Workspace(tmp_path / "ws2")
    import_layer(tmp_path / "all.txt", "parcels", workspace=ws2)
    a = ws.read("parcels").sort_values("parcel_id").reset_index(drop=True)
    b = ws2.read("parcels").sort_values("parcel_id").reset_index(drop=True)
    assert list(a["parcel_id"]) == list(b["parcel_id"])
    import shapely

    assert shapely.equals_exact(shapely.normalize(a.geometry.to_numpy()),
                                shapely.normalize(b.geometry.to_numpy()), tolerance=0.001).all()
    np.testing.assert_allclose(area_m2(a), area_m2(b), atol=0.01)


def _parcels(n=3) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"DKBH": [f"G{i}" for i in range(n)], "权利人": ["合肥乙新材料有限公司"] * n,
         "用途": ["二类工业用地", "M1", "100103"][:n], "状态": ["已投产", "停产", "在建"][:n],
         "用地面积(亩)": [15.0, 30.0, 45.0][:n]},
        geometry=[box(E0 + 300 * i, N0, E0 + 300 * i + 100, N0 + 100) for i in range(n)],
        crs="EPSG:4527",
    )


def test_filegdb_and_zipped_filegdb(tmp_path):
    gdb = tmp_path / "cadastre.gdb"
    pyogrio.write_dataframe(_parcels(), gdb, layer="ZD", driver="OpenFileGDB")
    pyogrio.write_dataframe(_parcels(2), gdb, layer="ZD_old", driver="OpenFileGDB", append=False)
    ws = Workspace(tmp_path / "ws")
    with pytest.raises(Exception, match="ZD, ZD_old|ZD_old, ZD"):
        import_layer(gdb, "parcels", workspace=ws)
    report = import_layer(gdb, "parcels", workspace=ws, source_layer="ZD")
    assert report.imported == 3
    parcels = ws.read("parcels")
    assert list(parcels["land_use"]) == ["100102", "100101", "100103"]
    assert list(parcels["status"]) == ["in_production", "halted", "under_construction"]
    np.testing.assert_allclose(parcels["area_declared_m2"], np.array([15, 30, 45]) * M2_PER_MU)
    # FileGDB field names cannot hold brackets: GDAL launders 用地面积(亩) to 用地面积_亩_
    assert ("用地面积_亩_", "area_declared_m2", f"亩 × {M2_PER_MU:g}") in report.mapping
    archive = tmp_path / "gdb.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in gdb.iterdir():
            z.write(f, arcname=f"cadastre.gdb/{f.name}")
    report = import_layer(archive, "parcels", workspace=tmp_path / "ws2", source_layer="ZD")
    assert report.imported == 3


def test_zip_with_gbk_member_names_and_no_cpg(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(_parcels(), folder / "p.shp", encoding="GBK")
    (folder / "p.cpg").unlink()
    archive = tmp_path / "宗地.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in folder.iterdir():
            info = zipfile.ZipInfo("宗地数据/宗地" + f.suffix)
            info.filename = ("宗地数据/宗地" + f.suffix).encode("gbk").decode("cp437")
            info.flag_bits &= ~0x800
            z.writestr(info, f.read_bytes())
    report = import_layer(archive, "parcels", workspace=tmp_path / "ws")
    assert report.imported == 3 and "GBK" in report.encoding
    assert "宗地数据/宗地.shp" in report.sources[0] or True
    holders = Workspace(tmp_path / "ws").read("parcels")["holder"]
    assert set(holders) == {"合肥乙新材料有限公司"}


def test_attribute_tables_update_parcels(tmp_path):
    ws = Workspace(tmp_path / "ws")
    import_layer(_gpkg(tmp_path), "parcels", workspace=ws)
    csv = tmp_path / "投资.csv"
    csv.write_text("地块编号,已完成投资（亿元）,约定动工日期,场地平整\nG0,1.5,2021年3月1日,是\n"
                   "G2,0.2,44256,否\n", encoding="gbk")
    report = import_layer(csv, "parcels", workspace=ws)
    assert report.updated == 2 and report.rejected == 0 and "GBK" in report.encoding
    parcels = ws.read("parcels").set_index("parcel_id")
    assert parcels.loc["G0", "invested_wan"] == pytest.approx(15000.0)
    assert parcels.loc["G2", "invested_wan"] == pytest.approx(2000.0)
    assert pd.isna(parcels.loc["G1", "invested_wan"])
    assert parcels.loc["G2", "agreed_start_date"] == pd.Timestamp("2021-03-01")
    assert bool(parcels.loc["G0", "site_leveled"]) is True
    xlsx = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["某某园区地块信息表"])
    sheet.merge_cells("A1:C1")
    sheet.append(["宗地号", "总建筑面积（平方米）", "约定竣工日期"])
    sheet.append(["G1", 12000, pd.Timestamp("2023-06-30").to_pydatetime()])
    book.save(xlsx)
    report = import_layer(xlsx, "parcels", workspace=ws)
    assert report.updated == 1 and any("title row" in n for n in report.notes)
    parcels = ws.read("parcels").set_index("parcel_id")
    assert parcels.loc["G1", "floor_area_m2"] == 12000.0
    assert parcels.loc["G1", "agreed_completion_date"] == pd.Timestamp("2023-06-30")
    assert len(parcels) == 3  # nothing added, nothing lost


def _gpkg(tmp_path) -> Path:
    path = tmp_path / "p.gpkg"
    _parcels().to_file(path, layer="parcels")
    return path


def test_networks_status_defaults_to_built_and_is_counted(tmp_path):
    roads = gpd.GeoDataFrame({"名称": ["繁华大道", "锦绣路"], "等级": ["主干路", "支路"], "路宽": ["50米", "16"]},
                             geometry=[LineString([(E0, N0), (E0 + 500, N0)]),
                                       LineString([(E0, N0), (E0, N0 + 500)])], crs="EPSG:4527")
    path = tmp_path / "roads.geojson"
    roads.to_file(path)
    report = import_layer(path, "roads", workspace=tmp_path / "ws")
    assert report.repairs["status_built"] == 2
    zh, en = "\n".join(report.lines("zh")), "\n".join(report.lines("en"))
    assert "导入道路：" in zh and "已修复：2 × 未填建设状态，按已建处理" in zh and "字段 等级 → 道路等级" in zh
    assert "repaired: 2 × status missing → built" in en and "field 等级 -> grade" in en
    assert "status_built" not in zh + en
    back = Workspace(tmp_path / "ws").read("roads")
    assert list(back["grade"]) == ["arterial", "branch"] and list(back["width_m"]) == [50.0, 16.0]
    lines = gpd.GeoDataFrame({"电压等级": ["10kV", "110千伏"]},
                             geometry=[LineString([(E0, N0), (E0 + 5, N0)])] * 2, crs="EPSG:4527")
    lines.to_file(tmp_path / "pl.geojson")
    import_layer(tmp_path / "pl.geojson", "powerlines", workspace=tmp_path / "ws", set_values={"laying": "架空"})
    back = Workspace(tmp_path / "ws").read("powerlines")
    assert list(back["voltage_kv"]) == [10.0, 110.0] and set(back["laying"]) == {"overhead"}


def test_field_option_and_append_mode(tmp_path):
    frame = _parcels().rename(columns={"DKBH": "编码"})
    path = tmp_path / "p.geojson"
    frame.to_file(path)
    ws = Workspace(tmp_path / "ws")
    report = import_layer(path, "parcels", workspace=ws, fields={"编码": "parcel_id"})
    assert ("编码", "parcel_id", "`fields`") in report.mapping
    more = _parcels().rename(columns={"DKBH": "编码"})
    more["编码"] = ["G2", "G3", "G4"]
    more.to_file(tmp_path / "more.geojson")
    report = import_layer(tmp_path / "more.geojson", "parcels", workspace=ws,
                          fields={"编码": "parcel_id"}, mode="append")
    assert report.rejected == 1 and "existing layer" in report.rejects[0]["reason"]
    assert sorted(ws.read("parcels")["parcel_id"]) == ["G0", "G1", "G2", "G3", "G4"]


def test_dem_without_crs_is_placed_by_its_prefix(tmp_path):
    dem = tmp_path / "dem.tif"
    with rasterio.open(dem, "w", driver="GTiff", width=50, height=40, count=1, dtype="float32",
                       transform=from_origin(E0, N0 + 400, 10, 10)) as dst:
        dst.write(np.full((40, 50), 31.5, dtype="float32"), 1)
    report = import_layer(dem, "terrain", workspace=tmp_path / "ws")
    assert report.crs.startswith("EPSG:4527")
    with rasterio.open(tmp_path / "ws" / "terrain" / "dem.tif") as src:
        assert src.crs.to_epsg() == 4527 and src.read(1).mean() == 31.5


def test_console_script_runs(tmp_path):
    path = _gpkg(tmp_path)
    exe = Path(sys.executable).parent / "landplan"
    done = subprocess.run([str(exe), "import", str(path), "--layer", "parcels", "--workspace",
                           str(tmp_path / "ws"), "--lang", "en"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "read: 3  imported: 3  repaired: 0  rejected: 0" in done.stdout
    assert "field DKBH -> parcel_id" in done.stdout
    # without --lang the locale's language: Chinese, headers by their words
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANDPLAN_LANG")}
    done = subprocess.run([str(exe), "import", str(path), "--layer", "parcels", "--workspace",
                           str(tmp_path / "ws")], capture_output=True, text=True, timeout=120,
                          env={**env, "LANG": "zh_CN.UTF-8"})
    assert done.returncode == 0, done.stderr
    assert "读取 3  导入 3  修复 0  拒收 0" in done.stdout and "字段 DKBH → 宗地号" in done.stdout
    assert "parcel_id" not in done.stdout


def test_lifecycle_columns_are_recognised_by_their_chinese_headers(tmp_path):
    """征地/报批/竣工/投产/标准地 columns as a park ledger names them, with units converted."""
    ws = Workspace(tmp_path / "ws")
    import_layer(_gpkg(tmp_path), "parcels", workspace=ws)
    csv = tmp_path / "全生命周期.csv"
    csv.write_text(
        "宗地号,状态,已征收面积（公顷）,已付补偿款（元）,迁坟,拆除房屋,安置户数,批准日期,报批批次,"
        "实际竣工日期,投产日期,约定达产日期,标准地,约定投资强度（万元/亩）,约定亩均税收,容积率下限,"
        "建筑系数上限,用电负荷（兆伏安）,来源宗地\n"
        "G0,征收中,1.2,3500000,12,4,5,2025年3月1日,2025年度第3批次,,,,否,,,,,,\n"
        "G1,已批未供,2,,,,,20240615,2024年度第1批次,,,,否,,,,,,\n"
        "G2,投产,,,,,,2019/5/1,,2022-01-01,2022/6/1,2025年6月30日,是,300,20,1.0,60,2.5,G9\n",
        encoding="gbk")
    report = import_layer(csv, "parcels", workspace=ws)
    assert report.updated == 3 and report.rejected == 0
    p = ws.read("parcels").set_index("parcel_id")
    assert p.loc["G0", "status"] == "acquiring" and p.loc["G1", "status"] == "approved"
    assert p.loc["G0", "acquired_mu"] == pytest.approx(18.0)          # 1.2 公顷 = 18 亩
    assert p.loc["G0", "compensation_paid_wan"] == pytest.approx(350.0)
    assert (p.loc["G0", "graves_moved"], p.loc["G0", "houses_demolished"], p.loc["G0", "households_resettled"]) == (12, 4, 5)
    assert p.loc["G0", "approval_date"] == pd.Timestamp("2025-03-01")
    assert p.loc["G1", "approval_batch"] == "2024年度第1批次"
    assert p.loc["G2", "production_date"] == pd.Timestamp("2022-06-01")
    assert p.loc["G2", "full_production_due_date"] == pd.Timestamp("2025-06-30")
    assert bool(p.loc["G2", "standard_land"]) and not bool(p.loc["G0", "standard_land"])
    assert p.loc["G2", "contract_investment_intensity_wan_per_mu"] == 300.0
    assert p.loc["G2", "contract_tax_per_mu_wan"] == 20.0 and p.loc["G2", "contract_far_min"] == 1.0
    assert p.loc["G2", "contract_coverage_max_pct"] == 60.0
    assert p.loc["G2", "load_kva"] == pytest.approx(2500.0)              # 2.5 兆伏安
    assert p.loc["G2", "parent_ids"] == "G9"
