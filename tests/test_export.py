"""Round trips: demo parcels → every export format → import give back the same parcels."""

from __future__ import annotations

import zipfile

import fiona
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from landplan import Workspace, export_layer, import_layer
from landplan.cli import main
from landplan.demo import make_demo
from landplan.errors import InputFileError
from landplan.io.writers import shapefile_fields
from landplan.schema import PARCELS


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory):
    park = make_demo(parcels=150, seed=3)
    ws = Workspace(tmp_path_factory.mktemp("demo"))
    ws.write("parcels", park.parcels)
    ws.write("roads", park.roads)
    return ws


def assert_same_geometries(a: gpd.GeoSeries, b: gpd.GeoSeries, tol_m: float = 0.001) -> None:
    """Equal within ``tol_m``: no point of either lies farther than that from the other."""
    a = np.asarray(a.to_numpy(), dtype=object)
    b = np.asarray(b.to_numpy(), dtype=object)
    assert (shapely.get_type_id(a) == shapely.get_type_id(b)).all()
    distance = shapely.hausdorff_distance(a, b)
    assert (distance <= tol_m).all(), f"{(distance > tol_m).sum()} geometries differ by more than {tol_m} m"


def assert_same_attributes(a: pd.DataFrame, b: pd.DataFrame, columns) -> None:
    for column in columns:
        left, right = a[column], b[column]
        assert str(left.dtype) == str(right.dtype), column
        if left.dtype.kind == "f":
            np.testing.assert_allclose(left.to_numpy(), right.to_numpy(), rtol=1e-9, err_msg=column)
        else:
            pd.testing.assert_series_equal(left.reset_index(drop=True), right.reset_index(drop=True),
                                           check_names=False, obj=column)


CASES = [
    ("shp", "p.zip", "gbk"),
    ("shp", "p.zip", "utf-8"),
    ("shp", "plain/p.shp", "gbk"),
    ("gpkg", "p.gpkg", "gbk"),
    ("geojson", "p.geojson", "gbk"),
    ("parquet", "p.parquet", "gbk"),
    ("coordtxt", "p.txt", "gbk"),
    ("coordtxt", "p_utf8.txt", "utf-8"),
]


@pytest.mark.parametrize(("fmt", "name", "encoding"), CASES)
def test_round_trip(demo_ws, tmp_path, fmt, name, encoding):
    original = demo_ws.read("parcels")
    out = tmp_path / name
    export_layer("parcels", workspace=demo_ws, fmt=fmt, out=out, encoding=encoding)
    back_ws = Workspace(tmp_path / "back")
    report = import_layer(out, "parcels", workspace=back_ws)
    assert report.rejected == 0 and report.repaired == 0
    assert report.read == report.imported == len(original)
    back = back_ws.read("parcels").set_index("parcel_id").loc[original["parcel_id"]].reset_index()
    assert back.crs.equals(original.crs)
    assert_same_geometries(original.geometry, back.geometry)
    if fmt == "coordtxt":  # the text format carries ids, names, land use and the boundary
        carried = ["parcel_id", "land_use"]
    else:
        carried = [c for c in original.columns if c != "geometry"]
        assert set(back.columns) == set(original.columns)
    assert_same_attributes(original, back, carried)


def test_shapefile_zip_is_what_a_land_bureau_expects(demo_ws, tmp_path):
    out = tmp_path / "宗地.zip"
    export_layer("parcels", workspace=demo_ws, fmt="shp", out=out)
    with zipfile.ZipFile(out) as z:
        names = sorted(z.namelist())
        assert names == sorted(f"宗地.{e}" for e in ("shp", "shx", "dbf", "prj", "cpg", "fields.csv"))
        assert z.read("宗地.cpg").decode().strip() == "GBK"
        assert "CGCS2000_3_Degree_GK_Zone_39" in z.read("宗地.prj").decode()
        z.extractall(tmp_path / "x")
    fields = pyogrio.read_info(tmp_path / "x" / "宗地.shp")["fields"]
    assert {"ZDDM", "QLR", "YT", "ZDMJ"} <= set(fields)
    assert all(len(f.encode("gbk")) <= 10 for f in fields)
    assert len({f.upper() for f in fields}) == len(fields)
    table = pd.read_csv(tmp_path / "x" / "宗地.fields.csv", encoding="utf-8-sig")
    assert dict(zip(table["column"], table["shp_field"], strict=True))["parcel_id"] == "ZDDM"


def test_gbk_shapefile_reads_the_same_in_pyogrio_and_fiona(demo_ws, tmp_path):
    out = tmp_path / "p.zip"
    export_layer("parcels", workspace=demo_ws, fmt="shp", out=out, encoding="gbk")
    with zipfile.ZipFile(out) as z:
        z.extractall(tmp_path / "x")
    shp = tmp_path / "x" / "p.shp"
    raw = (tmp_path / "x" / "p.dbf").read_bytes()
    assert "有限公司".encode("gbk") in raw and "有限公司".encode() not in raw
    by_pyogrio = pyogrio.read_dataframe(shp)
    with fiona.open(shp) as src:
        records = [dict(f.properties) for f in src]
        fiona_geoms = [shapely.geometry.shape(f.geometry) for f in src]
    assert len(records) == len(by_pyogrio)
    for column in ("ZDDM", "QLR", "YT", "status"):
        assert [r[column] for r in records] == [None if pd.isna(v) else v for v in by_pyogrio[column]]
    holders = [r["QLR"] for r in records if r["QLR"]]
    assert holders and all("公司" in h or "厂" in h or "集团" in h for h in holders[:20])
    assert shapely.equals_exact(np.array(fiona_geoms, dtype=object),
                                by_pyogrio.geometry.to_numpy(), tolerance=0).all()


def test_reprojected_export(demo_ws, tmp_path):
    out = tmp_path / "p.gpkg"
    main(["export", "parcels", "--workspace", str(demo_ws.path), "--format", "gpkg",
          "--out", str(out), "--crs", "EPSG:4490"])
    assert pyogrio.read_info(out)["crs"] == "EPSG:4490"


def test_geojson_is_rfc7946(demo_ws, tmp_path):
    out = tmp_path / "p.geojson"
    export_layer("parcels", workspace=demo_ws, fmt="geojson", out=out)
    text = out.read_text(encoding="utf-8")
    assert '"crs"' not in text  # RFC 7946: WGS84 implied, no crs member
    lon = gpd.read_file(out).geometry.iloc[0].exterior.coords[0][0]
    assert 116 < lon < 118


def test_field_names_never_collide():
    columns = ["区域名称甲乙丙丁", "区域名称甲乙丙戊", "parcel_id", "a_very_long_column_name",
               "a_very_long_column_other"]
    names = shapefile_fields(columns, layer="parcels", encoding="GBK")
    assert len(set(names.values())) == len(columns)
    assert all(len(n.encode("gbk")) <= 10 for n in names.values())


def test_unencodable_or_too_long_text_is_refused(demo_ws, tmp_path):
    parcels = demo_ws.read("parcels")
    parcels.loc[2, "holder"] = "合肥😀科技"
    ws = Workspace(tmp_path / "ws")
    ws.write("parcels", parcels)
    with pytest.raises(InputFileError, match=r"feature 3, field holder: .*GBK cannot hold"):
        export_layer("parcels", workspace=ws, fmt="shp", out=tmp_path / "p.zip")
    export_layer("parcels", workspace=ws, fmt="shp", out=tmp_path / "u.zip", encoding="utf-8")
    parcels.loc[2, "holder"] = "长" * 200
    ws.write("parcels", parcels)
    with pytest.raises(InputFileError, match=r"feature 3, field holder: text of 400 bytes"):
        export_layer("parcels", workspace=ws, fmt="shp", out=tmp_path / "p.zip")
    assert not (tmp_path / "p.zip").exists()


def test_every_parcel_column_has_a_short_unique_shapefile_name():
    names = [c.shp_name for c in PARCELS.columns]
    assert all(len(n.encode("gbk")) <= 10 for n in names)
    assert len({n.upper() for n in names}) == len(names)
