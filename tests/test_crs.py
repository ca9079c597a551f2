"""CRS: zone-prefixed eastings resolve to the right CGCS2000 zone; the metric CRS of SPEC §4."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
from pyproj import CRS
from shapely.geometry import box

from landplan import Workspace, import_layer
from landplan.crs import (
    detect_crs_from_coords,
    gk_epsg,
    gk_zone_of_lon,
    metric_crs,
    zone_from_easting,
)
from landplan.errors import CRSError, InputFileError
from landplan.geometry import area_m2, area_mu


@pytest.mark.parametrize("zone", [36, 38, 39, 40, 41])
def test_prefixed_shapefile_without_prj_lands_in_its_zone(tmp_path, zone):
    easting = zone * 1_000_000 + 512_345.0
    frame = gpd.GeoDataFrame({"宗地号": ["A", "B"]},
                             geometry=[box(easting, 3_500_000, easting + 80, 3_500_090),
                                       box(easting + 100, 3_500_000, easting + 180, 3_500_090)])
    path = tmp_path / "p.shp"
    pyogrio.write_dataframe(frame, path, encoding="UTF-8")
    assert not (tmp_path / "p.prj").exists()
    ws = Workspace(tmp_path / "ws")
    report = import_layer(path, "parcels", workspace=ws)
    assert ws.crs.to_epsg() == gk_epsg(zone) == 4513 + zone - 25
    assert "zone prefix" in " ".join(report.crs_source)
    parcels = ws.read("parcels")
    assert parcels.geometry.iloc[0].bounds[0] == pytest.approx(easting)
    assert area_m2(parcels).iloc[0] == pytest.approx(80 * 90)


def test_no_prefix_is_refused_naming_crs(tmp_path):
    frame = gpd.GeoDataFrame({"宗地号": ["A"]}, geometry=[box(512_345, 3_500_000, 512_445, 3_500_100)])
    path = tmp_path / "p.shp"
    pyogrio.write_dataframe(frame, path)
    with pytest.raises(InputFileError, match="give the CRS with `crs`"):
        import_layer(path, "parcels", workspace=tmp_path / "ws")
    report = import_layer(path, "parcels", workspace=tmp_path / "ws", crs="EPSG:4548")
    assert report.imported == 1 and "`crs`" in report.crs_source[0]


def test_swapped_axes_are_named():
    with pytest.raises(CRSError, match="swapped"):
        detect_crs_from_coords([3_500_000.0], [39_500_000.0])


def test_zone_from_easting():
    assert zone_from_easting(38_378_508.034) == 38
    assert zone_from_easting(378_508.034) is None
    assert zone_from_easting(99_000_000.0) is None
    assert gk_zone_of_lon(113.9) == 38 and gk_zone_of_lon(117.2) == 39


@pytest.mark.parametrize(
    ("crs", "bounds", "expected"),
    [
        (4490, (117.1, 31.7, 117.3, 31.9), 4527),          # CGCS2000 geographic -> GK zone 39
        (4326, (113.9, 22.5, 114.1, 22.7), 4526),          # WGS84 in Shenzhen -> zone 38
        (3857, (1.3e7, 3.7e6, 1.31e7, 3.71e6), 4527),      # Web Mercator is never measured in
        (4526, (38_378_000, 2_585_000, 38_379_000, 2_586_000), 4526),  # GK kept
        (32650, (500_000, 3_500_000, 501_000, 3_501_000), 32650),      # UTM kept
        (4326, (2.3, 48.8, 2.4, 48.9), 32631),             # outside China -> UTM
    ],
)
def test_metric_crs(crs, bounds, expected):
    assert metric_crs(CRS.from_epsg(crs), bounds).to_epsg() == expected


def test_geographic_area_is_measured_in_metres():
    # a 0.01° × 0.01° cell at 31.8° N: about 1111 m × 945 m, never degrees², never Web Mercator
    cell = gpd.GeoSeries([box(117.2, 31.8, 117.21, 31.81)], crs="EPSG:4490")
    in_merc = cell.to_crs(3857).area.iloc[0]
    true_m2 = area_m2(cell).iloc[0]
    assert 1.04e6 < true_m2 < 1.06e6
    assert in_merc / true_m2 == pytest.approx(1 / 0.85**2, rel=0.02)  # Mercator would be ~38 % too large
    assert area_mu(cell).iloc[0] == pytest.approx(true_m2 * 15 / 10000)
