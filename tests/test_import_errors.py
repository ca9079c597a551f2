"""Bad input: a bad file exits 2 with one line naming file, feature/row and field, rejected
features exit 1 after the rest is written, a repair is counted (exit 0); nothing is lost
(kept + rejected = read) and the source is never modified."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Polygon, box

from landplan.cli import main

E0, N0 = 39_500_000.0, 3_500_000.0  # zone 39, zone-prefixed easting


def sq(i: int, size: float = 100.0) -> Polygon:
    return box(E0 + i * 200, N0, E0 + i * 200 + size, N0 + size)


def parcels_frame(n: int = 4, **columns) -> gpd.GeoDataFrame:
    data = {"宗地代码": [f"P{i}" for i in range(n)], "权利人": ["合肥甲科技有限公司"] * n,
            "状态": ["已投产"] * n}
    data.update(columns)
    return gpd.GeoDataFrame(data, geometry=[sq(i) for i in range(n)], crs="EPSG:4527")


def write_shp(frame, path: Path, encoding="GBK") -> Path:
    pyogrio.write_dataframe(frame, path, encoding=encoding)
    return path


def parcels_in_workspace(d: Path) -> None:
    """Two parcels in ``d/ws`` so that attribute tables have something to update."""
    write_shp(parcels_frame(2), d / "p.shp")
    main(["import", str(d / "p.shp"), "--layer", "parcels", "--workspace", str(d / "ws"), "--lang", "en"])


def files_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "ws" not in p.relative_to(folder).parts}


# ------------------------------------------------------------------ case builders
# Each returns (argv tail after "import", expectation). Expectation: ("error", regex) for a
# whole-file error, ("reject", count, regex) for rejected features, ("repair", count).

def case_wrong_encoding(d: Path):
    p = write_shp(parcels_frame(), d / "p.shp", encoding="GBK")
    (d / "p.cpg").write_text("UTF-8")
    return [str(p)], ("error", r"p\.shp, feature 1, field .+: text is not valid UTF-8.*--encoding")


def case_truncated_shp(d: Path):
    p = write_shp(parcels_frame(), d / "p.shp")
    data = p.read_bytes()
    p.write_bytes(data[: len(data) - 50])
    return [str(p)], ("error", r"p\.shp: the \.shp is truncated")


def case_missing_dbf(d: Path):
    p = write_shp(parcels_frame(), d / "p.shp")
    (d / "p.dbf").unlink()
    return [str(p)], ("error", r"p\.shp: the \.dbf .* is missing")


def case_missing_shx(d: Path):
    p = write_shp(parcels_frame(), d / "p.shp")
    (d / "p.shx").unlink()
    return [str(p)], ("error", r"p\.shp: the \.shx index .* is missing")


def case_foreign_dbf(d: Path):
    p = write_shp(parcels_frame(4), d / "p.shp")
    write_shp(parcels_frame(2), d / "q.shp")
    shutil.copy(d / "q.dbf", d / "p.dbf")
    return [str(p)], ("error", r"p\.shp: the \.dbf has 2 records but the \.shp/\.shx 4")


def case_bowtie(d: Path):
    frame = parcels_frame(3)
    bowtie = Polygon([(E0, N0 + 500), (E0 + 100, N0 + 600), (E0 + 100, N0 + 500), (E0, N0 + 600)])
    frame.loc[1, "geometry"] = bowtie
    return [str(write_shp(frame, d / "p.shp"))], ("repair", 1)


def case_empty_geometry(d: Path):
    frame = parcels_frame(3)
    frame.loc[2, "geometry"] = None
    return [str(write_shp(frame, d / "p.shp"))], ("reject", 1, r"p\.shp, feature 3, field geometry: empty geometry")


def case_duplicate_id(d: Path):
    frame = parcels_frame(3)
    frame.loc[2, "宗地代码"] = "P0"
    return [str(write_shp(frame, d / "p.shp"))], (
        "reject", 1, r"p\.shp, feature 3, field 宗地代码: duplicate parcel_id 'P0' \(first at .*feature 1\)")


def case_lines_as_parcels(d: Path):
    frame = gpd.GeoDataFrame({"宗地号": ["L1", "L2"]},
                             geometry=[LineString([(E0, N0), (E0 + 100, N0)]),
                                       LineString([(E0, N0 + 50), (E0 + 100, N0 + 50)])], crs="EPSG:4527")
    p = d / "lines.geojson"
    frame.to_file(p)
    return [str(p)], ("error", r"lines\.geojson, field geometry: holds LineString features; parcels "
                      r"need 面 \(polygon\) geometry — import it as --layer roads")


def case_unknown_status(d: Path):
    frame = parcels_frame(3)
    frame.loc[1, "状态"] = "施工中"
    return [str(write_shp(frame, d / "p.shp"))], ("reject", 1, r"feature 2, field 状态: unknown value '施工中'")


def case_text_in_number(d: Path):
    frame = parcels_frame(3, 已完成投资=["1200", "约500", "300"])
    return [str(write_shp(frame, d / "p.shp"))], ("reject", 1, r"feature 2, field 已完成投资: '约500' is not a number")


def case_negative_area(d: Path):
    frame = parcels_frame(3, 宗地面积=[10000.0, -5.0, 9000.0])
    return [str(write_shp(frame, d / "p.shp"))], ("reject", 1, r"feature 2, field 宗地面积: negative value -5")


def case_feb_31(d: Path):
    p = d / "p.geojson"
    parcels_frame(3, 供地日期=["2021-03-01", "2021-02-31", "2020/2/29"]).to_file(p)
    return [str(p)], ("reject", 1, r"feature 2, field 供地日期: '2021-02-31' is not a valid date")


def case_crs_less_no_prefix(d: Path):
    frame = parcels_frame(2)
    frame = frame.set_geometry(frame.geometry.translate(-39_000_000, 0)).set_crs(None, allow_override=True)
    p = write_shp(frame, d / "p.shp")
    return [str(p)], ("error", r"p\.shp, field geometry: no CRS .*--crs")


def case_mixed_zone_prefix(d: Path):
    frame = parcels_frame(2)
    frame.loc[1, "geometry"] = box(40_500_000, N0, 40_500_100, N0 + 100)
    frame = frame.set_crs(None, allow_override=True)
    return [str(write_shp(frame, d / "p.shp"))], ("error", r"p\.shp, field geometry: .*several zone prefixes \(39, 40\).*--crs")


def case_zip_traversal(d: Path):
    p = d / "evil.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("../../evil.txt", "x")
        z.writestr("ok.txt", "x")
    return [str(p)], ("error", r"evil\.zip, field \.\./\.\./evil\.txt: zip member .* outside")


def case_empty_file(d: Path):
    p = d / "empty.geojson"
    p.write_bytes(b"")
    return [str(p)], ("error", r"empty\.geojson: the file is empty")


def case_broken_geojson(d: Path):
    p = d / "broken.geojson"
    text = json.dumps(json.loads(parcels_frame(2).to_json()))
    p.write_text(text[: len(text) // 2])
    return [str(p)], ("error", r"broken\.geojson: GDAL cannot")


def case_xlsx_merged_header(d: Path):
    parcels_in_workspace(d)
    p = d / "attrs.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["宗地代码", "投资", None])
    sheet.append([None, "约定总投资", "已完成投资"])
    sheet.append(["P0", 1000, 800])
    sheet.merge_cells("B1:C1")
    sheet.merge_cells("A1:A2")
    book.save(p)
    return [str(p)], ("error", r"attrs\.xlsx, row 1, field [A-C]1:[A-C][12]: merged header cells")


def case_table_unknown_parcel(d: Path):
    parcels_in_workspace(d)
    p = d / "attrs.csv"
    p.write_text("宗地代码,已完成投资（万元）\nP0,800\nP9,100\n", encoding="gbk")
    return [str(p)], ("reject", 1, r"attrs\.csv, row 3, field 宗地代码: parcel_id 'P9' is not in the parcels layer")


def case_unknown_unit(d: Path):
    p = d / "p.geojson"
    parcels_frame(2, **{"用地面积(英亩)": [1.0, 2.0]}).to_file(p)
    return [str(p)], ("error", r"p\.geojson, field 用地面积\(英亩\): .*unit '英亩'")


def case_no_id_column(d: Path):
    frame = parcels_frame(2).rename(columns={"宗地代码": "编码X"})
    return [str(write_shp(frame, d / "p.shp"))], ("error", r"p\.shp, field parcel_id: no column is recognised as parcel_id.*--field")


def case_empty_id_value(d: Path):
    frame = parcels_frame(3)
    frame.loc[1, "宗地代码"] = None
    p = d / "p.geojson"
    frame.to_file(p)
    return [str(p)], ("reject", 1, r"feature 2, field 宗地代码: empty parcel_id")


def case_multilayer_gpkg(d: Path):
    p = d / "two.gpkg"
    parcels_frame(2).to_file(p, layer="a")
    parcels_frame(2).to_file(p, layer="b")
    return [str(p)], ("error", r"two\.gpkg: the file holds several layers \(a, b\).*--source-layer")


def case_coordtxt_bad_number(d: Path):
    p = d / "bad.txt"
    p.write_text("[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n带号=38\n[地块坐标]\n"
                 "4,0.01,A1,,面,,,,@\nJ1,1,2581068.944,38382101.831\nJ2,1,2581068.726,38382111.831\n"
                 "J3,1,258105x.727,38382111.613\nJ1,1,2581068.944,38382101.831\n", encoding="utf-8")
    return [str(p)], ("error", r"bad\.txt, line 9, field X")


def case_collapsed_polygon(d: Path):
    frame = parcels_frame(3)
    frame.loc[0, "geometry"] = Polygon([(E0, N0), (E0 + 100, N0), (E0 + 50, N0), (E0, N0)])
    p = d / "p.geojson"
    frame.to_file(p)
    return [str(p)], ("reject", 1, r"feature 1, field geometry: invalid polygon with no area")


def case_z_values(d: Path):
    frame = parcels_frame(2)
    frame["geometry"] = [Polygon([(x, y, 12.0) for x, y in g.exterior.coords]) for g in frame.geometry]
    p = d / "z.gpkg"
    frame.to_file(p)
    return [str(p)], ("repair", 2)


def case_old_xls(d: Path):
    p = d / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    return [str(p)], ("error", r"old\.xls: old Excel \.xls files are not read")


def case_csv_extra_values(d: Path):
    parcels_in_workspace(d)
    p = d / "attrs.csv"
    p.write_text("宗地代码,已完成投资\nP0,800,999\n", encoding="utf-8")
    return [str(p)], ("error", r"attrs\.csv, row 2, field column 3: the row has 3 values")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name, tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    argv, expect = CASES[name](src)
    capsys.readouterr()
    before = files_digest(src)
    code = main(["import", *argv, "--layer", "parcels", "--workspace", str(src / "ws"), "--lang", "en"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    after = files_digest(src)
    changed = {k for k in before if before[k] != after.get(k)}
    assert not changed, f"import modified its source: {changed}"
    kind = expect[0]
    if kind == "error":
        assert code == 2, out + err
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert re.search(expect[1], lines[0]), lines[0]
        return
    counts = dict(re.findall(r"(read|imported|repaired|rejected): (\d+)", out.splitlines()[1]))
    counts = {k: int(v) for k, v in counts.items()}
    assert counts["read"] == counts["imported"] + counts["rejected"], out
    if kind == "repair":
        assert code == 0, err
        assert counts["rejected"] == 0
        assert counts["repaired"] == expect[1]
        if name == "z_values":
            assert "Z values dropped" in out
        return
    assert code == 1, out + err
    assert counts["rejected"] == expect[1], out
    lines = [line for line in err.strip().splitlines() if line]
    assert len(lines) == expect[1]
    assert all(line.startswith("landplan: rejected: ") for line in lines)
    assert re.search(expect[2], err), err
    rejects = pd.read_csv(src / "ws" / "parcels" / "parcels.rejects.csv", dtype=str, encoding="utf-8-sig")
    assert len(rejects) == expect[1]


def test_at_least_twenty_cases():
    assert len(CASES) >= 20


def test_bad_option_is_one_line(tmp_path, capsys):
    p = write_shp(parcels_frame(2), tmp_path / "p.shp")
    code = main(["import", str(p), "--layer", "parcels", "--workspace", str(tmp_path / "ws"), "--lang", "en",
                 "--field", "宗地代码=no_such_column"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "no_such_column" in err


def _pipes(d: Path, *, z: bool = False, kind: bool = True) -> Path:
    coords = [(E0, N0, -1.5), (E0 + 100, N0, -1.8)] if z else [(E0, N0), (E0 + 100, N0)]
    data = {"管线编号": ["W1", "W2"]}
    if kind:
        data["管线类型"] = ["给水", "污水"]
    frame = gpd.GeoDataFrame(data, geometry=[LineString(coords), LineString(coords)], crs="EPSG:4527")
    path = d / "pipes.gpkg"
    frame.to_file(path)
    return path


def _dem_without_crs(d: Path) -> Path:
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    path = d / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=20, height=20, count=1, dtype="float32",
                       transform=from_origin(500_000, 3_500_200, 10, 10)) as dst:
        dst.write(np.ones((20, 20), dtype="float32"), 1)
    return path


@pytest.mark.parametrize(
    ("layer", "build", "pattern"),
    [
        ("pipelines", lambda d: _pipes(d, kind=False), r"pipes\.gpkg, field kind: no column is recognised as kind"),
        ("pipelines", lambda d: _pipes(d, z=True), r"pipes\.gpkg, feature 1, field geometry: 2 lines carry Z values"),
        ("terrain", lambda d: _pipes(d), r"pipes\.gpkg: terrain needs a DEM GeoTIFF"),
        ("terrain", lambda d: _dem_without_crs(d), r"dem\.tif: .*no CRS.*--crs"),
        ("terrain", lambda d: (d / "dem.tif").write_text("not a raster") and d / "dem.tif",
         r"dem\.tif: not a readable GeoTIFF"),
    ],
)
def test_network_and_terrain_bad_input(tmp_path, capsys, layer, build, pattern):
    path = build(tmp_path)
    code = main(["import", str(path), "--layer", layer, "--workspace", str(tmp_path / "ws"), "--lang", "en"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert re.search(pattern, err[0]), err[0]
