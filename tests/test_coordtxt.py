"""Tests of landplan.io.coordtxt against the real 界址点 files in tests/data/polygon-txt."""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import CRS
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon

from landplan.errors import CRSError, InputFileError, SchemaError
from landplan.io.coordtxt import (
    _EPSG,
    CoordTxtInfo,
    _epsg_of,
    looks_like_coordtxt,
    read_coordtxt,
    write_coordtxt,
)

DATA = Path(__file__).parent / "data" / "polygon-txt"
REAL = sorted(DATA.rglob("*.txt"))
REAL_IDS = [str(p.relative_to(DATA)) for p in REAL]
HEADER = (
    "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n投影类型=高斯克吕格\n计量单位=米\n"
    "带号=38\n精度=0.001\n转换参数=,,,,,,\n[地块坐标]\n"
)


def same(a, b, tol: float = 0.001) -> bool:
    return bool(shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=tol))


def square(e0: float, n0: float, e1: float, n1: float, *, cw: bool = True) -> list[tuple]:
    """Corners (easting, northing) of a box, clockwise on the map or counter-clockwise."""
    pts = [(e0, n1), (e1, n1), (e1, n0), (e0, n0)]
    return pts if cw else [pts[0], *reversed(pts[1:])]


def ring_lines(first: int, ring: int, pts: list[tuple], *, close: bool = True) -> list[str]:
    lines = [f"J{first + i},{ring},{n:.3f},{e:.3f}" for i, (e, n) in enumerate(pts)]
    return lines + ([f"J{first},{ring},{pts[0][1]:.3f},{pts[0][0]:.3f}"] if close else [])


E, N = 38_500_000.0, 2_500_000.0
# parcel A: a square with a hole; B: two parts, the first holed (rings 1, 2, 3);
# C: a holed square and an island inside its hole (rings 1, 2, 3 -> two parts)
RINGS = {
    "A-001": [square(E, N, E + 100, N + 100), square(E + 30, N + 30, E + 70, N + 70, cw=False)],
    "A-002": [
        square(E + 200, N, E + 300, N + 100),
        square(E + 220, N + 20, E + 240, N + 40, cw=False),
        square(E + 400, N, E + 450, N + 50),
    ],
    "A-003": [
        square(E + 600, N, E + 700, N + 100),
        square(E + 620, N + 20, E + 680, N + 80, cw=False),
        square(E + 640, N + 40, E + 660, N + 60),
    ],
}
AREAS_HA = {"A-001": 0.84, "A-002": 1.21, "A-003": 0.68}
NAMES = {"A-001": "肇庆高新区一号地块", "A-002": "二号地块（东区）", "A-003": "三号地块"}


def synthetic_text(header: str = HEADER) -> str:
    out = [header.rstrip("\n")]
    for pid, rings in RINGS.items():
        body, first = [], 1
        for ring_no, pts in enumerate(rings, 1):
            body += ring_lines(first, ring_no, pts)
            first += len(pts)
        out.append(f"{len(body)},{AREAS_HA[pid]},{pid},{NAMES[pid]},面,F49G001001,工业用地,100102,@")
        out += body
    return "\n".join(out) + "\n"


def point_lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    return [s.strip() for s in text.splitlines() if re.fullmatch(r"\s*J?\d+,\d+,[-\d.]+,[-\d.]+\s*", s)]


# ---------------------------------------------------------------- real files


def test_all_real_files_are_present():
    assert len(REAL) == 18
    assert (DATA / "SOURCE.md").is_file()


@pytest.mark.parametrize("path", REAL, ids=REAL_IDS)
def test_real_file_reads(path: Path):
    gdf, info = read_coordtxt(path)
    assert isinstance(info, CoordTxtInfo)
    assert gdf.crs.to_epsg() == 4526 and info.crs.to_epsg() == 4526
    assert info.encoding == "utf-8"
    assert info.header["带号"] == "38" and info.header["坐标系"] == "2000国家大地坐标系"
    assert (info.parcels, len(gdf)) == (1, 1)
    assert info.points == len(point_lines(path))
    row = gdf.iloc[0]
    # FID_0/DKMC/TFH/DKYT/DLBM placeholders and single-space fields are empty
    assert row["地块编号"] == path.stem
    assert any(path.stem in n and "地块编号" in n for n in info.notes)
    for col in ("地块名称", "图幅号", "地块用途", "地类编码"):
        assert row[col] is None, col
    assert row["图形属性"] == "面"
    geom = row.geometry
    assert geom.geom_type == "Polygon" and geom.is_valid and not geom.interiors
    # coordinates as written: x = prefixed easting, y = northing; exteriors clockwise on the map
    first = point_lines(path)[0].split(",")
    assert geom.exterior.coords[0] == (float(first[3]), float(first[2]))
    assert not geom.exterior.is_ccw
    declared = row["面积(公顷)"]
    if path.parent.name == "txt_output":  # ArcGIS dialect leaves the area blank
        assert math.isnan(declared)
    else:
        assert round(geom.area / 10000, 4) == declared


def test_arcgis_dialect_gives_the_same_polygon_as_the_ministry_tool():
    arc, _ = read_coordtxt(DATA / "test_arcpy" / "txt_output" / "plot_000.txt")
    ref, _ = read_coordtxt(DATA / "test_data" / "44120000072.txt")
    assert same(arc.geometry.iloc[0], ref.geometry.iloc[0], tol=0.0)
    assert round(arc.geometry.iloc[0].area / 10000, 4) == ref["面积(公顷)"].iloc[0] == 1.2247


@pytest.mark.parametrize("path", REAL, ids=REAL_IDS)
@pytest.mark.parametrize("encoding,newline", [("gbk", "\r\n"), ("utf-8", "\n")])
def test_real_file_round_trip(path: Path, encoding: str, newline: str, tmp_path: Path):
    gdf, _ = read_coordtxt(path)
    out = tmp_path / "out.txt"
    write_coordtxt(gdf, out, encoding=encoding, newline=newline)
    raw = out.read_bytes()
    raw.decode(encoding)
    assert raw.endswith(newline.encode())
    assert raw.count(b"\r\n") == (raw.count(b"\n") if newline == "\r\n" else 0)
    back, info = read_coordtxt(out)
    assert info.encoding == ("gb18030" if encoding == "gbk" else "utf-8")
    assert back.crs.to_epsg() == 4526
    assert list(back["地块编号"]) == list(gdf["地块编号"])
    for a, b in zip(gdf.geometry, back.geometry, strict=True):
        assert same(a, b)
        assert round(a.area / 10000, 4) == round(b.area / 10000, 4)
    assert back["面积(公顷)"].iloc[0] == round(gdf.geometry.iloc[0].area / 10000, 4)
    if not math.isnan(gdf["面积(公顷)"].iloc[0]):
        assert back["面积(公顷)"].iloc[0] == gdf["面积(公顷)"].iloc[0]
    # same start point, same (clockwise) order, closing point numbered J1 like the ministry files
    original = point_lines(path)
    original[-1] = "J1," + original[-1].split(",", 1)[1]
    assert point_lines(out) == original


# ---------------------------------------------------------------- synthetic files


def test_synthetic_multi_parcel_file_reads(tmp_path: Path):
    src = tmp_path / "park.txt"
    src.write_text(synthetic_text(), encoding="utf-8")
    gdf, info = read_coordtxt(src)
    assert list(gdf["地块编号"]) == list(RINGS)
    assert (info.parcels, info.points) == (3, 10 + 15 + 15)
    a, b, c = gdf.geometry
    assert a.geom_type == "Polygon" and len(a.interiors) == 1
    assert b.geom_type == "MultiPolygon" and [len(p.interiors) for p in b.geoms] == [1, 0]
    assert c.geom_type == "MultiPolygon" and [len(p.interiors) for p in c.geoms] == [1, 0]
    assert c.geoms[1].area == 400  # the island inside the hole is a part, not a second hole
    for pid, geom in zip(gdf["地块编号"], gdf.geometry, strict=True):
        assert geom.is_valid
        assert round(geom.area / 10000, 4) == AREAS_HA[pid]
    assert list(gdf["面积(公顷)"]) == list(AREAS_HA.values())
    assert list(gdf["地块名称"]) == list(NAMES.values())
    assert set(gdf["地类编码"]) == {"100102"} and set(gdf["地块用途"]) == {"工业用地"}
    assert info.notes == []


def test_synthetic_multi_parcel_round_trip(tmp_path: Path):
    src = tmp_path / "park.txt"
    src.write_text(synthetic_text(), encoding="utf-8")
    gdf, _ = read_coordtxt(src)
    for encoding, newline in (("gbk", "\r\n"), ("utf-8", "\n")):
        out = tmp_path / f"out-{encoding}.txt"
        write_coordtxt(gdf, out, encoding=encoding, newline=newline)
        back, _ = read_coordtxt(out)
        assert list(back["地块编号"]) == list(gdf["地块编号"])
        assert list(back["地块名称"]) == list(NAMES.values())
        assert list(back["面积(公顷)"]) == list(AREAS_HA.values())
        for a, b in zip(gdf.geometry, back.geometry, strict=True):
            assert a.geom_type == b.geom_type and same(a, b)


def test_writer_numbering_rings_and_orientation(tmp_path: Path):
    outer, hole, second = RINGS["A-002"]
    geom = affinity.translate(MultiPolygon([Polygon(outer, [hole]), Polygon(second)]), -38e6)
    # counter-clockwise input: the writer must still write exteriors clockwise, holes ccw
    geoms = [shapely.orient_polygons(geom, exterior_cw=False)]
    gdf = gpd.GeoDataFrame({"parcel_id": ["P1"], "parcel_name": ["一,号"], "land_use": [100102.0],
                            "land_use_name": ["工业用地"], "map_sheet": ["F49"]},
                           geometry=geoms, crs="EPSG:4547")  # zone 38 without the prefix
    out = tmp_path / "p.txt"
    write_coordtxt(gdf, out, precision=2)
    lines = out.read_bytes().decode("gbk").split("\r\n")
    assert lines[:9] == ["[属性描述]", "坐标系=2000国家大地坐标系", "几度分带=3", "投影类型=高斯克吕格",
                         "计量单位=米", "带号=38", "精度=0.01", "转换参数=,,,,,,", "[地块坐标]"]
    assert lines[9] == "15,1.21,P1,一，号,面,F49,工业用地,100102,@"
    body = [ln.split(",") for ln in lines[10:-1]]
    assert lines[-1] == ""
    assert [(p[0], p[1]) for p in body] == [
        *[(f"J{i}", "1") for i in (1, 2, 3, 4, 1)],
        *[(f"J{i}", "2") for i in (5, 6, 7, 8, 5)],
        *[(f"J{i}", "3") for i in (9, 10, 11, 12, 9)],
    ]
    assert all(re.fullmatch(r"38\d{6}\.\d\d", p[3]) and re.fullmatch(r"\d{7}\.\d\d", p[2]) for p in body)
    for ring, ccw in (("1", False), ("2", True), ("3", False)):
        coords = [(float(p[3]), float(p[2])) for p in body if p[1] == ring]
        assert shapely.LinearRing(coords).is_ccw is ccw
    back, info = read_coordtxt(out)
    assert back.crs.to_epsg() == 4526 and info.header["精度"] == "0.01"
    assert same(back.geometry.iloc[0], affinity.translate(geoms[0], 38e6))
    assert back.iloc[0][["地块名称", "地类编码", "地块用途", "图幅号"]].tolist() == [
        "一，号", "100102", "工业用地", "F49"]


def test_gbk_file_with_chinese_names(tmp_path: Path):
    src = tmp_path / "gbk.txt"
    src.write_bytes(synthetic_text().replace("\n", "\r\n").encode("gbk"))
    with pytest.raises(UnicodeDecodeError):
        src.read_bytes().decode("utf-8")
    for encoding, expected in ((None, "gb18030"), ("gbk", "gbk"), ("GB18030", "gb18030")):
        gdf, info = read_coordtxt(src, encoding=encoding)
        assert info.encoding == expected
        assert gdf["地块名称"].iloc[0] == "肇庆高新区一号地块"
        assert gdf["地块名称"].iloc[1] == "二号地块（东区）"
        assert info.header["坐标系"] == "2000国家大地坐标系"
    assert looks_like_coordtxt(src)


def test_utf8_bom_cr_only_and_messy_whitespace(tmp_path: Path):
    text = synthetic_text().replace("\n", " \r\n\r\n").replace(",面,", ", 面 ,")
    src = tmp_path / "bom.txt"
    src.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    gdf, info = read_coordtxt(src)
    assert info.encoding == "utf-8-sig" and len(gdf) == 3 and gdf["图形属性"].iloc[0] == "面"
    src.write_bytes(synthetic_text().replace("\n", "\r").encode("utf-8"))
    assert len(read_coordtxt(src)[0]) == 3


def test_open_rings_and_point_count_without_closing_points(tmp_path: Path):
    pts = square(E, N, E + 100, N + 100)
    lines = ring_lines(1, 1, pts, close=False)
    src = tmp_path / "open.txt"
    src.write_text(HEADER + "4,1.0,X1,,面,,,,@\n" + "\n".join(lines), encoding="utf-8")
    gdf, info = read_coordtxt(src)
    assert same(gdf.geometry.iloc[0], Polygon(pts), tol=0.0)
    closed = ring_lines(1, 1, pts)
    src.write_text(HEADER + "4,1.0,X1,,面,,,,@\n" + "\n".join(closed), encoding="utf-8")
    gdf, info = read_coordtxt(src)  # 点数 4 counts distinct points, 5 lines
    assert same(gdf.geometry.iloc[0], Polygon(pts), tol=0.0)
    assert any("点数" in n for n in info.notes)


def test_placeholders_and_missing_ids_in_a_multi_parcel_file(tmp_path: Path):
    body = "\n".join(ring_lines(1, 1, square(E, N, E + 10, N + 10)))
    src = tmp_path / "many.txt"
    src.write_text(HEADER + f"5,0.01,FID_12,DKMC,面,TFH,DKYT,DLBM,@\n{body}\n"
                   f"5,0.01,DKBH, , , , , ,@\n{body}\n", encoding="utf-8")
    gdf, info = read_coordtxt(src)
    assert list(gdf["地块编号"]) == ["many-1", "many-2"]
    assert gdf.drop(columns=["地块编号", "面积(公顷)", "geometry", "图形属性"]).isna().all().all()
    assert gdf["图形属性"].tolist() == ["面", None]
    assert sum("many-" in n for n in info.notes) == 2


# ---------------------------------------------------------------- CRS


@pytest.mark.parametrize(("datum", "band"), list(_EPSG))
def test_epsg_table_matches_pyproj(datum: str, band: int):
    first, last, _, _ = _EPSG[(datum, band)]
    for zone in range(first, last + 1):
        cm = zone * band - (3 if band == 6 else 0)
        kind = "3-degree Gauss-Kruger" if band == 3 else "Gauss-Kruger"
        assert CRS.from_epsg(_epsg_of(datum, band, zone, True)).name == f"{datum} / {kind} zone {zone}"
        assert CRS.from_epsg(_epsg_of(datum, band, zone, False)).name == f"{datum} / {kind} CM {cm}E"
    with pytest.raises(CRSError):
        _epsg_of(datum, band, last + 1, True)


@pytest.mark.parametrize(
    ("header", "easting", "epsg", "name"),
    [
        ("坐标系=2000国家大地坐标系\n几度分带=3\n带号=38", 38_500_000, 4526, None),
        ("坐标系=CGCS2000\n几度分带=3\n带号=38", 500_000, 4547, None),
        ("坐标系=2000国家大地坐标系", 38_500_000, 4526, "带号"),
        ("坐标系=西安80\n几度分带=3\n带号=38", 38_500_000, 2362, None),
        ("坐标系=1980西安坐标系\n几度分带=6\n带号=19", 500_000, 2344, None),
        ("坐标系=北京54\n几度分带=6", 19_500_000, 21419, "带号"),
        ("坐标系=1954北京坐标系\n几度分带=3\n带号=38", 500_000, 2435, None),
        ("带号=19", 500_000, 4508, "几度分带"),
    ],
)
def test_crs_from_header_and_prefix(tmp_path, header, easting, epsg, name):
    pts = square(easting, N, easting + 10, N + 10)
    src = tmp_path / "crs.txt"
    src.write_text(f"[属性描述]\n{header}\n[地块坐标]\n5,,P,,面,,,,@\n"
                   + "\n".join(ring_lines(1, 1, pts)), encoding="utf-8")
    gdf, info = read_coordtxt(src)
    assert gdf.crs.to_epsg() == epsg
    assert gdf.geometry.iloc[0].exterior.coords[0][0] == easting  # as written
    if name:
        assert any(name in n for n in info.notes)


@pytest.mark.parametrize("header", ["几度分带=6\n带号=38", "几度分带=3\n带号=50", "坐标系=WGS84\n带号=38"])
def test_crs_without_epsg_code(tmp_path, header):
    src = tmp_path / "bad.txt"
    src.write_text(f"[属性描述]\n{header}\n[地块坐标]\n5,,P,,面,,,,@\n"
                   + "\n".join(ring_lines(1, 1, square(500_000, N, 500_010, N + 10))), encoding="utf-8")
    with pytest.raises(CRSError, match="bad.txt"):
        read_coordtxt(src)


@pytest.mark.parametrize("crs", [None, "EPSG:4490", "EPSG:4326", "EPSG:32649", "EPSG:3857"])
def test_writer_refuses_other_crs(tmp_path, crs):
    gdf = gpd.GeoDataFrame({"parcel_id": ["a"]}, geometry=[Polygon(square(0, 0, 1, 1))], crs=crs)
    with pytest.raises(CRSError, match="`crs`"):
        write_coordtxt(gdf, tmp_path / "x.txt")
    assert not list(tmp_path.iterdir())


def test_writer_xian80_and_gbk_limits_and_atomic_replace(tmp_path):
    geom = Polygon(square(500_000, N, 500_100, N + 100))
    gdf = gpd.GeoDataFrame({"parcel_id": ["x"], "name": ["😀"]}, geometry=[geom], crs="EPSG:2338")
    out = tmp_path / "x.txt"
    out.write_text("old", encoding="utf-8")
    with pytest.raises(SchemaError, match="utf-8"):
        write_coordtxt(gdf, out)
    assert out.read_text(encoding="utf-8") == "old"
    write_coordtxt(gdf, out, encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]
    back, info = read_coordtxt(out)
    assert info.header["坐标系"] == "1980西安坐标系" and info.header["几度分带"] == "6"
    assert back.crs.to_epsg() == 2327 and back["地块名称"].iloc[0] == "😀"
    assert same(back.geometry.iloc[0], affinity.translate(geom, 13e6))


# ---------------------------------------------------------------- bad input

REAL_ONE = (DATA / "00测试数据" / "44120000957.txt").read_text(encoding="utf-8")


def _replace_line(text: str, no: int, new: str) -> str:
    lines = text.split("\n")
    lines[no - 1] = new
    return "\n".join(lines)


BAD = {
    "non-numeric northing": (_replace_line(REAL_ONE, 12, "J2,1,2579571.73O,38378464.403"), 12, "X(北)"),
    "non-numeric easting": (_replace_line(REAL_ONE, 13, "J3,1,2579505.255,"), 13, "Y(东)"),
    "missing [地块坐标] line": (REAL_ONE.replace("[地块坐标]\n", ""), 9, "[地块坐标]"),
    "no [地块坐标] section": (HEADER.replace("[地块坐标]\n", ""), 8, "[地块坐标]"),
    "empty file": (b"", 1, "[地块坐标]"),
    "blank file": (b"\r\n  \r\n", 1, "[地块坐标]"),
    "ring with 2 points": (HEADER + "3,,P,,面,,,,@\nJ1,1,2500000,38500000\nJ2,1,2500010,38500000\n"
                           "J1,1,2500000,38500000\n", 11, "圈号"),
    "binary garbage": (bytes(range(256)) * 4, 2, "[地块坐标]"),
    "png image": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", 2, "[地块坐标]"),
    "zone/prefix disagreement": (REAL_ONE.replace("带号=38", "带号=39"), 6, "带号"),
    "mixed prefixed and plain eastings": (REAL_ONE.replace("38378457.789", "378457.789"), 13, "Y(东)"),
    "点数 disagrees": (REAL_ONE.replace("5,0.7749", "7,0.7749"), 10, "点数"),
    "点数 not a number": (REAL_ONE.replace("5,0.7749", "five,0.7749"), 10, "点数"),
    "面积 not a number": (REAL_ONE.replace("5,0.7749", "5,0.77ha"), 10, "面积(公顷)"),
    "圈号 not a number": (REAL_ONE.replace("J2,1,", "J2,a,"), 12, "圈号"),
    "point before parcel header": (HEADER + "J1,1,2500000,38500000\n", 10, "点数"),
    "ring resumes": (HEADER + "7,,P,,面,,,,@\nJ1,1,2500000,38500000\nJ2,1,2500010,38500000\n"
                     "J3,2,2500001,38500001\nJ4,2,2500002,38500001\nJ5,2,2500002,38500002\n"
                     "J6,1,2500010,38500010\nJ1,1,2500000,38500000\n", 16, "圈号"),
    "short point line": (REAL_ONE.replace("J2,1,2579571.739,38378464.403", "J2,1,2579571.739"), 12, "Y(东)"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_names_line_and_field(tmp_path: Path, case: str):
    content, line, field = BAD[case]
    src = tmp_path / "bad.txt"
    src.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(InputFileError) as err:
        read_coordtxt(src)
    exc = err.value
    assert (exc.where, exc.field) == (f"line {line}", field)
    assert f"line {line}" in str(exc) and f"field {field}" in str(exc) and "bad.txt" in str(exc)


def test_sniff(tmp_path: Path):
    assert all(looks_like_coordtxt(p) for p in REAL)
    csv = tmp_path / "a.csv"
    csv.write_text("宗地号,面积\n1,2\n", encoding="gbk")
    png = tmp_path / "b.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert not looks_like_coordtxt(csv) and not looks_like_coordtxt(png)
    assert not looks_like_coordtxt(tmp_path / "missing.txt") and not looks_like_coordtxt(tmp_path)
