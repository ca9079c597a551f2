"""Issue 18, items 12–15 on a small park handed over as a clerk would: GeoJSON parcels and
power lines with Chinese headers, a flat DEM, imported without ``--date`` and evaluated
``--as-of`` a past date through the command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer

from landplan.cli import main
from landplan.evaluate import read_evaluation

X0, Y0 = 39_512_000.0, 3_521_000.0  # EPSG:4527
TO_WGS84 = Transformer.from_crs("EPSG:4527", "EPSG:4326", always_xy=True)


def _ring(x0, y0, x1, y1):
    return [list(TO_WGS84.transform(x, y)) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]


def _geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clerk_park(tmp_path_factory):
    """Three 100 × 100 m reserve parcels (15 mu) 300 m apart on ground flat at 50 m:
    甲 一类工业用地, recorded 场地已平整 否; 乙 三类工业用地, nothing recorded, 设计标高 49 m;
    丙 二类工业用地, recorded 是, a 10 kV overhead line 3 m south of it."""
    folder = tmp_path_factory.mktemp("clerk")
    rows = [("甲", "一类工业用地", "否", None, 0), ("乙", "三类工业用地", None, 49, 1), ("丙", "二类工业用地", "是", None, 2)]
    parcels = _geojson(folder / "宗地.geojson", [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [_ring(X0 + 300 * i, Y0, X0 + 300 * i + 100, Y0 + 100)]},
         "properties": {"宗地号": pid, "土地用途": use, "建设状态": "储备", "场地已平整": leveled, "设计标高": level}}
        for pid, use, leveled, level, i in rows])
    south = [list(TO_WGS84.transform(X0 + 580, Y0 - 3)), list(TO_WGS84.transform(X0 + 720, Y0 - 3))]
    lines = _geojson(folder / "电力线.geojson", [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": south},
         "properties": {"线路编号": "L1", "电压等级": "10kV", "敷设方式": "架空", "状态": "已建"}}])
    dem = folder / "dem.tif"
    with rasterio.open(dem, "w", driver="GTiff", height=200, width=1000, count=1, dtype="float32",
                       crs="EPSG:4527", transform=Affine(1, 0, X0 - 100, 0, -1, Y0 + 150)) as dst:
        dst.write(np.full((200, 1000), 50.0, dtype="float32"), 1)
    ws = folder / "ws"
    for src, layer in ((parcels, "parcels"), (lines, "powerlines"), (dem, "terrain")):
        assert main(["import", str(src), "--layer", layer, "--workspace", str(ws)]) == 0
    return ws


def test_levelling_and_zones_as_a_land_office_reads_them(clerk_park, tmp_path, capsys):
    out = tmp_path / "eval.csv"
    assert main(["evaluate", "--workspace", str(clerk_park), "--as-of", "2025-01-01", "--out", str(out)]) == 0
    table = read_evaluation(out).set_index("parcel_id")
    # a recorded "not levelled" stands on a flat DEM; where nothing is recorded the DEM decides
    assert table["relief_m"].tolist() == [0.0, 0.0, 0.0]
    assert table["leveled"].astype(str).tolist() == ["False", "True", "True"]
    assert table["leveled_source"].tolist() == ["site_leveled", "dem", "site_leveled"]
    assert table.loc["甲", "readiness"] == "未达三通一平"
    # 乙's design level 49 m under ground at 50 m: 1 m of cut over its 10,000 cells of 1 m²
    assert table.loc["乙", "design_basis"] == "design_level_m"
    assert table.loc["乙", ["cut_m3", "fill_m3"]].tolist() == pytest.approx([10_000.0, 0.0], abs=1.0)
    # the 10 kV line 3 m from 丙 puts 2 m of it inside its 5 m zone
    assert table["power_zone"].astype(str).tolist() == ["False", "False", "True"]
    assert table.loc["丙", "power_zone_m"] == 5.0
    assert table.loc["丙", "power_zone_dist_m"] == pytest.approx(3.0, abs=0.01)
    assert "在其保护区5米内（《电力设施保护条例》第十条）" in table.loc["丙", "power_zone_reason_zh"]


def test_chemicals_project_gets_class_3_land_only(clerk_park, tmp_path, capsys):
    sites = tmp_path / "sites.csv"
    rc = main(["screen", "--workspace", str(clerk_park), "--as-of", "2025-01-01", "--industry", "26",
               "--area-mu", "15", "--lang", "zh", "--out", str(sites)])
    out = capsys.readouterr().out
    assert rc == 0
    assert pd.read_csv(sites, encoding="utf-8-sig")["parcel_id"].tolist() == ["乙"]
    assert "  丙：冲突：已建10kV架空电力线L1距地块3.0米，在其保护区5米内" in out
    assert "选址：可供地块3宗，有冲突1宗，用地等级不符1宗，面积不符0宗，排序1宗" in out.splitlines()
