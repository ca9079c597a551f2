"""Tests of landplan.terrain on real GeoTIFFs written with rasterio (SPEC §5, §8 terrain)."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from rasterio.warp import Resampling, calculate_default_transform, reproject
from shapely.geometry import box

from landplan.errors import InputFileError
from landplan.rules import load_rules, merge_rules
from landplan.terrain import TERRAIN_COLUMNS, evaluate_terrain, leveled_without_dem

X0, Y0 = 39_500_000.0, 3_400_000.0  # EPSG:4527, zone-prefixed easting (lower-left of the DEM)
SIZE = 200                            # cells a side, 1 m cells
GRADE = 0.05                          # z = 100 + 0.05 · (x − X0)
SLOPE_DEG = math.degrees(math.atan(GRADE))
NODATA = -9999.0


def write_dem(path: Path, z: np.ndarray, transform: Affine, crs: str | None, nodata=None) -> Path:
    profile = {"driver": "GTiff", "height": z.shape[0], "width": z.shape[1], "count": 1,
               "dtype": "float32", "transform": transform, "nodata": nodata}
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z.astype("float32"), 1)
    return path


def plane(size: int = SIZE) -> np.ndarray:
    x = (np.arange(size) + 0.5)  # cell-centre offsets from X0
    return np.tile(100 + GRADE * x, (size, 1))


def parcels_of(boxes: dict, crs: str = "EPSG:4527") -> gpd.GeoDataFrame:
    """Parcels from ``{id: (x0, y0, x1, y1)}`` in metres from (X0, Y0)."""
    return gpd.GeoDataFrame(
        {"parcel_id": list(boxes)},
        geometry=[box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes.values()],
        crs=crs,
    )


TOP = Affine(1, 0, X0, 0, -1, Y0 + SIZE)


@pytest.fixture
def plane_dem(tmp_path) -> Path:
    z = plane()
    z[0:40, 150:200] = NODATA  # top-right corner: nodata (y 160..200, x 150..200)
    return write_dem(tmp_path / "dem.tif", z, TOP, "EPSG:4527", nodata=NODATA)


def square_expect(side: float) -> dict:
    """Analytic figures of a side × side square on the plane (cell-aligned, 1 m cells)."""
    half = side / 2
    # Σ over columns of max(z − mean, 0): GRADE · Σ_{k<half} (k + 0.5) per row, side rows
    cut = side * GRADE * sum(k + 0.5 for k in range(int(half)))
    return {"relief": GRADE * (side - 1), "cells": side * side, "cut": cut,
            "cut_continuous": side * GRADE * half * half / 2}


def test_tilted_plane_analytic(plane_dem):
    parcels = parcels_of({"A": (20, 20, 60, 60), "B": (100, 10, 180, 90)})
    out = evaluate_terrain(parcels, plane_dem, load_rules())
    assert list(out.columns) == list(TERRAIN_COLUMNS)
    assert out.index.name == "parcel_id" and list(out.index) == ["A", "B"]
    assert str(out["leveled"].dtype) == "boolean" and str(out["dem_cells"].dtype) == "Int64"
    for pid, (x0, side) in {"A": (20, 40), "B": (100, 80)}.items():
        row = out.loc[pid]
        exp = square_expect(side)
        assert row["dem_cells"] == exp["cells"]
        assert row["slope_mean_deg"] == pytest.approx(SLOPE_DEG, rel=1e-3)
        assert row["relief_m"] == pytest.approx(exp["relief"], abs=1e-4)
        mean = 100 + GRADE * (x0 + side / 2)
        assert row["elev_mean_m"] == pytest.approx(mean, abs=1e-4)
        assert row["design_elev_m"] == row["elev_mean_m"]
        assert row["cut_m3"] == pytest.approx(exp["cut"], rel=1e-4)
        assert row["fill_m3"] == pytest.approx(row["cut_m3"], rel=1e-4)
        assert row["cut_m3"] == pytest.approx(exp["cut_continuous"], rel=0.01)
    assert out.attrs["terrain_outside"] == 0


def test_nodata_and_outside_are_empty_and_counted(plane_dem, caplog):
    parcels = parcels_of({
        "in": (20, 20, 60, 60),
        "nodata": (160, 170, 190, 195),      # entirely in the nodata corner
        "outside": (500, 500, 540, 540),     # beyond the DEM
        "half": (130, 150, 170, 190),        # partly on nodata: only its valid cells count
        "tiny": (10.6, 10.6, 10.9, 10.9),    # no cell centre inside
    })
    with caplog.at_level(logging.WARNING, logger="landplan.terrain"):
        out = evaluate_terrain(parcels, plane_dem, load_rules())
    for pid in ("nodata", "outside", "tiny"):
        row = out.loc[pid]
        assert row[["elev_mean_m", "relief_m", "slope_mean_deg", "design_elev_m", "cut_m3",
                    "fill_m3"]].isna().all()
        assert pd.isna(row["leveled"]) and row["dem_cells"] == 0
    assert out.attrs["terrain_outside"] == 3
    assert [r.getMessage() for r in caplog.records if "outside the DEM" in r.getMessage()]
    assert "3 parcels outside the DEM or on nodata" in caplog.text
    half = out.loc["half"]
    # x 130..170 × y 150..190; nodata where y ≥ 160 and x ≥ 150 → 40·40 − 20·30 valid cells
    assert half["dem_cells"] == 1600 - 600
    assert half["relief_m"] == pytest.approx(GRADE * 39, abs=1e-4)
    assert out.loc["in", "dem_cells"] == 1600


def test_overlapping_parcels_both_get_all_their_cells(plane_dem):
    parcels = parcels_of({
        "A": (20, 20, 60, 60), "B": (40, 40, 100, 100), "C": (50, 10, 70, 30),
        "D": (60, 20, 80, 40),  # touches A along an edge only: same batch is fine
    })
    out = evaluate_terrain(parcels, plane_dem, load_rules())
    alone = pd.concat([evaluate_terrain(parcels.iloc[[i]], plane_dem, load_rules())
                       for i in range(len(parcels))])
    pd.testing.assert_frame_equal(out, alone, check_exact=False, rtol=1e-12)
    assert list(out["dem_cells"]) == [1600, 3600, 400, 400]


def test_windowed_equals_whole_array(tmp_path):
    rng = np.random.default_rng(3)
    n = 150
    yy, xx = np.mgrid[0:n, 0:n]
    z = 50 + 0.03 * xx + 4 * np.sin(xx / 9.0) * np.cos(yy / 13.0) + rng.normal(0, 0.05, (n, n))
    z[60:75, 30:50] = NODATA
    z[100:102, 100:140] = np.nan
    dem = write_dem(tmp_path / "bumpy.tif", z, Affine(2, 0, X0, 0, -2, Y0 + 2 * n), "EPSG:4527",
                    nodata=NODATA)
    rng_boxes = {}
    for i in range(40):
        a, b = rng.uniform(-20, 280, 2)
        w, h = rng.uniform(5, 90, 2)
        rng_boxes[f"P{i:02d}"] = (a, b, a + w, b + h)
    parcels = parcels_of(rng_boxes)
    small = evaluate_terrain(parcels, dem, load_rules(), window_size=16)
    large = evaluate_terrain(parcels, dem, load_rules(), window_size=4096)
    # counts, minima/maxima (hence relief and leveled) are exact; sums differ only by rounding
    pd.testing.assert_series_equal(small["dem_cells"], large["dem_cells"])
    pd.testing.assert_series_equal(small["relief_m"], large["relief_m"])
    pd.testing.assert_series_equal(small["leveled"], large["leveled"])
    pd.testing.assert_frame_equal(small, large, check_exact=False, rtol=1e-12, atol=1e-9)
    assert small.attrs == large.attrs
    assert (large["dem_cells"] > 0).sum() > 30


def test_slope_windowed_uses_halo(tmp_path):
    # a parabola: a one-sided gradient at window edges would differ from the central one
    n = 64
    xx = np.tile(np.arange(n, dtype=float), (n, 1))
    z = 100 + 0.002 * xx ** 2
    dem = write_dem(tmp_path / "parab.tif", z, Affine(1, 0, X0, 0, -1, Y0 + n), "EPSG:4527")
    parcels = parcels_of({"P": (5, 5, 60, 60)})
    small = evaluate_terrain(parcels, dem, load_rules(), window_size=8)
    large = evaluate_terrain(parcels, dem, load_rules(), window_size=4096)
    assert small.loc["P", "slope_mean_deg"] == pytest.approx(
        large.loc["P", "slope_mean_deg"], rel=1e-12)
    # central differences of x² are exact: mean of atan(0.004 x) over the cells
    cols = np.arange(5, 60)
    expect = np.degrees(np.arctan(0.004 * cols)).mean()
    assert large.loc["P", "slope_mean_deg"] == pytest.approx(expect, rel=1e-5)


def test_dem_in_other_projected_crs(tmp_path):
    """DEM in UTM 50N, parcels in CGCS2000 GK zone 39: parcels are reprojected to the DEM."""
    ux0, uy0 = 500_000.0, 3_400_000.0
    z = plane()
    dem = write_dem(tmp_path / "utm.tif", z, Affine(1, 0, ux0, 0, -1, uy0 + SIZE), "EPSG:32650")
    utm = gpd.GeoDataFrame({"parcel_id": ["A"]}, geometry=[box(ux0 + 20, uy0 + 20, ux0 + 60,
                                                               uy0 + 60)], crs="EPSG:32650")
    gk = utm.to_crs("EPSG:4527")
    out_gk = evaluate_terrain(gk, dem, load_rules())
    out_utm = evaluate_terrain(utm, dem, load_rules())
    row = out_gk.loc["A"]
    assert row["slope_mean_deg"] == pytest.approx(SLOPE_DEG, rel=1e-3)
    assert row["elev_mean_m"] == pytest.approx(out_utm.loc["A", "elev_mean_m"], abs=0.01)
    assert row["relief_m"] == pytest.approx(GRADE * 39, abs=GRADE + 1e-4)
    assert row["dem_cells"] == pytest.approx(1600, rel=0.03)
    assert row["cut_m3"] == pytest.approx(out_utm.loc["A", "cut_m3"], rel=0.03)
    assert row["fill_m3"] == pytest.approx(row["cut_m3"], rel=1e-4)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # rasterio.warp
def test_dem_in_geographic_crs(tmp_path, plane_dem):
    """The same plane warped to EPSG:4490 (degrees): cell sizes and areas taken in metres."""
    with rasterio.open(plane_dem) as src:
        transform, width, height = calculate_default_transform(
            src.crs, "EPSG:4490", src.width, src.height, *src.bounds)
        dst = np.full((height, width), NODATA, dtype="float32")
        reproject(rasterio.band(src, 1), dst, dst_transform=transform, dst_crs="EPSG:4490",
                  dst_nodata=NODATA, resampling=Resampling.bilinear)
    geo = write_dem(tmp_path / "geo.tif", dst, transform, "EPSG:4490", nodata=NODATA)
    parcels = parcels_of({"A": (20, 20, 60, 60), "B": (100, 10, 180, 90)})
    out = evaluate_terrain(parcels, geo, load_rules())
    ref = evaluate_terrain(parcels, plane_dem, load_rules())
    with rasterio.open(geo) as src:
        cell_area = abs(src.transform.a * src.transform.e)
    assert cell_area < 1e-6  # degrees²: had it been used, volumes would be ~0
    for pid in ("A", "B"):
        assert out.loc[pid, "slope_mean_deg"] == pytest.approx(SLOPE_DEG, rel=0.03)
        assert out.loc[pid, "elev_mean_m"] == pytest.approx(ref.loc[pid, "elev_mean_m"], abs=0.05)
        assert out.loc[pid, "cut_m3"] == pytest.approx(ref.loc[pid, "cut_m3"], rel=0.05)
        assert out.loc[pid, "fill_m3"] == pytest.approx(out.loc[pid, "cut_m3"], rel=0.01)


def test_leveled_by_max_relief(plane_dem):
    parcels = parcels_of({"A": (20, 20, 60, 60), "B": (100, 10, 180, 90)})  # relief 1.95, 3.95
    strict = merge_rules(load_rules(), {"terrain": {"max_relief_m": 2.0}})
    out = evaluate_terrain(parcels, plane_dem, strict)
    assert out["leveled"].tolist() == [True, False]
    lax = merge_rules(load_rules(), {"terrain": {"max_relief_m": 4}})
    assert evaluate_terrain(parcels, plane_dem, lax)["leveled"].tolist() == [True, True]
    tight = merge_rules(load_rules(), {"terrain": {"max_relief_m": 1.0}})
    assert evaluate_terrain(parcels, plane_dem, tight)["leveled"].tolist() == [False, False]


def test_dem_without_crs(tmp_path):
    dem = write_dem(tmp_path / "nocrs.tif", plane(), TOP, None)
    with pytest.raises(InputFileError, match="give the CRS") as info:
        evaluate_terrain(parcels_of({"A": (20, 20, 60, 60)}), dem, load_rules())
    assert info.value.path == str(dem)


def test_text_file_as_dem(tmp_path):
    bad = tmp_path / "dem.tif"
    bad.write_text("this is not a raster\n1 2 3\n", encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        evaluate_terrain(parcels_of({"A": (20, 20, 60, 60)}), bad, load_rules())
    assert info.value.path == str(bad)
    with pytest.raises(InputFileError, match="does not exist"):
        evaluate_terrain(parcels_of({"A": (0, 0, 1, 1)}), tmp_path / "none.tif", load_rules())


def test_empty_parcels(plane_dem):
    out = evaluate_terrain(parcels_of({}), plane_dem, load_rules())
    assert out.empty and list(out.columns) == list(TERRAIN_COLUMNS)
    assert out.attrs["terrain_outside"] == 0


def test_leveled_without_dem():
    parcels = parcels_of({"A": (0, 0, 1, 1), "B": (2, 2, 3, 3), "C": (4, 4, 5, 5)})
    parcels["site_leveled"] = pd.array([True, False, None], dtype="boolean")
    out = leveled_without_dem(parcels)
    assert out.name == "leveled" and out.index.name == "parcel_id"
    assert str(out.dtype) == "boolean"
    assert out.tolist()[:2] == [True, False] and pd.isna(out["C"])
    missing = leveled_without_dem(parcels.drop(columns="site_leveled"))
    assert missing.isna().all() and len(missing) == 3


def test_demo_workspace(demo_workspace):
    from landplan.workspace import Workspace

    ws = Workspace(demo_workspace)
    parcels = ws.read("parcels")
    out = evaluate_terrain(parcels, ws.dem_path, load_rules(ws))
    assert len(out) == len(parcels) and out.attrs["terrain_outside"] == 0
    assert out[["elev_mean_m", "relief_m", "slope_mean_deg", "cut_m3"]].notna().all().all()
    assert (out["dem_cells"] > 0).all()
    np.testing.assert_allclose(out["cut_m3"], out["fill_m3"], rtol=1e-6, atol=1e-6)
    # the demo marks unstarted sites on the hill as not levelled (relief > 2 m)
    on_hill = parcels.set_index("parcel_id")["site_leveled"].reindex(out.index) == False  # noqa: E712
    on_hill = on_hill.fillna(False).astype(bool)
    assert on_hill.sum() >= 3
    assert out.loc[on_hill, "relief_m"].median() > 3 * out.loc[~on_hill, "relief_m"].median()
    assert out.loc[on_hill, "slope_mean_deg"].median() > out.loc[~on_hill, "slope_mean_deg"].median()


def _random_parcels(rng: np.random.Generator, n: int, extent: float) -> list:
    """Star-shaped polygons, some with a hole, some multipart, at random float positions."""
    from shapely.geometry import MultiPolygon, Polygon

    out = []
    for i in range(n):
        cx, cy = rng.uniform(0, extent, 2)
        k = int(rng.integers(3, 13))
        angle = np.sort(rng.uniform(0, 2 * np.pi, k))
        radius = rng.uniform(0.5, extent / 8, k)
        shell = np.c_[cx + radius * np.cos(angle), cy + radius * np.sin(angle)]
        poly = Polygon(shell)
        if i % 5 == 0:
            poly = poly.difference(Polygon(shell).centroid.buffer(radius.min() / 2))
        if i % 7 == 0:
            poly = MultiPolygon([poly, box(cx + extent / 6, cy, cx + extent / 6 + rng.uniform(1, 9),
                                           cy + rng.uniform(1, 9))])
        out.append(poly)
    return out


@pytest.mark.parametrize(("transform", "ties"), [
    (Affine(1.3, 0, -7.21, 0, -0.9, 101.37), False),  # non-square cells, odd origin
    (Affine(0.5, 0, -7.25, 0, -0.25, 21.5), True),    # north-up (exact binary fractions:
    (Affine(2.0, 0, -3.5, 0, 2.0, -5.0), True),       # south-up  ties stay ties in floats)
    (Affine(-1.0, 0, 99.5, 0, -2.0, 140.0), True),    # columns run west
])
def test_cells_equal_gdal_rasterize(transform, ties):
    """The numpy scanline picks exactly the cells GDAL's rasterizer burns (all_touched=False),
    parcel by parcel, for random polygons with holes and parts, overlapping each other; and on
    grids where a centre can lie exactly on an edge, for polygons built to do that."""
    import shapely
    from rasterio.features import rasterize
    from shapely.geometry import MultiPolygon, Polygon

    from landplan.terrain import _cells, _pixel_edges

    rng = np.random.default_rng(7)
    # ties on purpose: edges and vertices through cell centres, holes of both orientations
    x0, y0 = transform.c, transform.f
    a, e = transform.a, transform.e
    def at(col, row):
        return (x0 + a * col, y0 + e * row)
    ring = box(*at(2.5, 3.5), *at(30.5, 40.5)).normalize()
    hole = box(*at(6.5, 9.5), *at(12.5, 20.5))
    tied = [box(*at(0.5, 0.5), *at(5.5, 5.5)), ring.difference(hole),
            shapely.orient_polygons(ring.difference(hole), exterior_cw=True),
            Polygon([at(1.5, 1.5), at(10.5, 1.5), at(5.5, 10.5)]),
            Polygon([at(0.5, 50.5), at(9.5, 50.5), at(9.5, 54.5), at(4.5, 54.5), at(4.5, 58.5), at(0.5, 58.5)]),
            MultiPolygon([box(*at(40.5, 40.5), *at(43.5, 43.5)), box(*at(43.5, 43.5), *at(47.5, 47.5))])]
    geoms = np.array(_random_parcels(rng, 120, 80.0) + (tied if ties else []), dtype=object)
    shape = (90, 90)
    owner, *ends = _pixel_edges(geoms, transform)
    who, r, c = _cells((owner, *ends), (0, shape[0]), (0, shape[1]))
    burnt_total = 0
    for i, geom in enumerate(geoms):
        gdal = rasterize([(geom, 1)], out_shape=shape, transform=transform, fill=0,
                         all_touched=False, dtype="uint8")
        mine = np.zeros(shape, dtype="uint8")
        mine[r[who == i], c[who == i]] = 1
        assert (who == i).sum() == mine.sum(), f"parcel {i}: a cell listed twice"
        assert np.array_equal(gdal, mine), f"parcel {i}: {np.argwhere(gdal != mine)[:5].tolist()}"
        burnt_total += int(gdal.sum())
    assert burnt_total > 3_000  # the polygons really cover cells


def test_cells_clipped_to_a_window():
    from landplan.terrain import _cells, _pixel_edges

    geoms = np.array([box(0, 0, 10, 10)], dtype=object)
    edges = _pixel_edges(geoms, Affine(1, 0, 0, 0, -1, 10))
    who, r, c = _cells(edges, (2, 5), (3, 4))
    assert sorted(zip(r.tolist(), c.tolist(), strict=True)) == [(2, 3), (3, 3), (4, 3)]
    assert set(who.tolist()) == {0}


def rough_park(tmp_path: Path, seed: int, size: int, n: int, radius: float) -> tuple[Path, gpd.GeoDataFrame]:
    """A size × size DEM of 1 m cells, z = 100 + N(0, 2), and n round parcels of radius up to
    ``radius`` m inside it."""
    rng = np.random.default_rng(seed)
    z = 100 + rng.normal(0, 2, (size, size))
    dem = write_dem(tmp_path / "rough.tif", z, Affine(1, 0, X0, 0, -1, Y0 + size), "EPSG:4527")
    lo, hi = radius + 1, size - radius - 1
    parcels = gpd.GeoDataFrame(
        {"parcel_id": [f"P{i}" for i in range(n)]}, crs="EPSG:4527",
        geometry=gpd.GeoSeries.from_xy(X0 + rng.uniform(lo, hi, n), Y0 + rng.uniform(lo, hi, n))
        .buffer(rng.uniform(2, radius, n)).values)
    return dem, parcels


def test_second_pass_without_the_cell_cache(tmp_path, monkeypatch):
    """Past CACHE_CELLS the second pass reads the DEM again: the same figures."""
    import landplan.terrain as terrain

    dem, parcels = rough_park(tmp_path, 3, 300, 40, 25)
    cached = evaluate_terrain(parcels, dem, load_rules(), window_size=64)
    monkeypatch.setattr(terrain, "CACHE_CELLS", 0)
    reread = evaluate_terrain(parcels, dem, load_rules(), window_size=64)
    pd.testing.assert_frame_equal(cached, reread)
    assert cached["cut_m3"].gt(0).all()


def test_burn_equals_rasterio_rasterize_with_overlaps_and_holes():
    import shapely
    from rasterio.features import rasterize

    from landplan.terrain import burn

    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 1000, size=(400, 2))
    geoms = shapely.buffer(shapely.points(centres), rng.uniform(5, 60, 400), quad_segs=3)
    geoms[::7] = shapely.difference(geoms[::7], shapely.buffer(shapely.points(centres[::7]), 4))
    geoms[5] = None
    geoms[6] = shapely.Polygon()
    values = (np.arange(400) % 250 + 1).astype("uint8")  # overlapping: the later one wins
    transform = Affine(2.5, 0, -10, 0, -2.5, 1010)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    expected = rasterize(zip(geoms[keep], values[keep], strict=True), out_shape=(410, 420),
                         transform=transform, fill=0, dtype="uint8")
    got = burn(geoms, values, transform=transform, shape=(410, 420))
    assert (got == expected).all() and (got > 0).sum() > 10_000
    assert not burn([None], [1], transform=transform, shape=(3, 3)).any()


# --------------------------------------------------------------------------- issue 18, items 12-13
FLAT = Affine(1, 0, X0, 0, -1, Y0 + 40)


def step_dem(tmp_path) -> Path:
    """40 × 40 cells of 1 m: z = 100 west of x = 20 m, 102 east of it."""
    z = np.where(np.arange(40) < 20, 100.0, 102.0)
    return write_dem(tmp_path / "step.tif", np.tile(z, (40, 1)), FLAT, "EPSG:4527")


def test_recorded_not_levelled_stands_on_a_flat_dem(tmp_path):
    dem = write_dem(tmp_path / "flat.tif", np.full((40, 40), 100.0), FLAT, "EPSG:4527")
    parcels = parcels_of({"no": (0, 0, 10, 10), "yes": (10, 0, 20, 10), "unknown": (20, 0, 30, 10),
                          "outside": (100, 100, 110, 110)})
    parcels["site_leveled"] = pd.array([False, True, None, False], dtype="boolean")
    out = evaluate_terrain(parcels, dem, load_rules())
    assert out["relief_m"].tolist()[:3] == [0.0, 0.0, 0.0]  # the DEM's relief test would pass all three
    assert out["leveled"].tolist() == [False, True, True, False]
    assert out["leveled_source"].tolist() == ["site_leveled", "site_leveled", "dem", "site_leveled"]
    # nothing recorded and no DEM cell: neither source
    parcels["site_leveled"] = pd.array([False, True, None, None], dtype="boolean")
    out = evaluate_terrain(parcels, dem, load_rules())
    assert pd.isna(out.loc["outside", "leveled"]) and out.loc["outside", "leveled_source"] == ""


def test_recorded_not_levelled_in_readiness(tmp_path):
    """Through the engine: readiness takes 一平 from site_leveled, the DEM only where it is empty."""
    from shapely.geometry import LineString

    from landplan.engine import spatial_columns

    dem = write_dem(tmp_path / "flat.tif", np.full((40, 40), 100.0), FLAT, "EPSG:4527")
    parcels = parcels_of({"no": (0, 0, 10, 10), "unknown": (20, 0, 30, 10)})
    parcels["site_leveled"] = pd.array([False, None], dtype="boolean")
    along = LineString([(X0, Y0 - 5), (X0 + 40, Y0 - 5)])  # 5 m south of both parcels
    roads = gpd.GeoDataFrame({"status": ["built"]}, geometry=[along], crs="EPSG:4527")
    pipes = gpd.GeoDataFrame({"kind": ["water"], "status": ["built"]}, geometry=[along], crs="EPSG:4527")
    power = gpd.GeoDataFrame({"voltage_kv": [10.0], "laying": ["cable"]}, geometry=[along], crs="EPSG:4527")
    out = spatial_columns(parcels, roads=roads, pipelines=pipes, powerlines=power, dem_path=dem,
                          rules=load_rules())
    assert out["readiness"].tolist() == ["未达三通一平", "三通一平"]
    assert out.loc["no", "missing"].endswith("leveled")
    assert out["leveled_source"].tolist() == ["site_leveled", "dem"]


def test_design_level_balanced_and_own(tmp_path):
    """A 10 × 10 m parcel half at 100 m, half at 102 m (50 cells of 1 m² each).

    mean: h = 101, cut = fill = 50 × 1 = 50 m³. balanced with swell 1.25:
    1.25 × 50 × (102 − h) = 50 × (h − 100)  →  h = 227.5 / 2.25 = 101.111…,
    cut = 50 × 0.888… = 44.44 m³, fill = 50 × 1.111… = 55.56 m³ = 1.25 × cut.
    Its own design level 100 m: cut = 50 × 2 = 100 m³, fill 0.
    """
    dem = step_dem(tmp_path)
    parcels = parcels_of({"A": (15, 0, 25, 10), "own": (15, 20, 25, 30), "flat": (0, 0, 10, 10)})
    parcels["design_level_m"] = [np.nan, 100.0, np.nan]
    mean = evaluate_terrain(parcels, dem, load_rules())
    assert mean.loc["A", "design_elev_m"] == pytest.approx(101.0)
    assert mean.loc["A", ["cut_m3", "fill_m3"]].tolist() == pytest.approx([50.0, 50.0])
    assert mean["design_basis"].tolist() == ["mean", "design_level_m", "mean"]
    balanced = merge_rules(load_rules(), {"terrain": {"design_level": "balanced", "swell_factor": 1.25}})
    out = evaluate_terrain(parcels, dem, balanced)
    assert out.loc["A", "design_elev_m"] == pytest.approx(227.5 / 2.25, abs=1e-9)
    assert out.loc["A", "cut_m3"] == pytest.approx(50 * (102 - 227.5 / 2.25), abs=1e-6)
    assert out.loc["A", "fill_m3"] == pytest.approx(50 * (227.5 / 2.25 - 100), abs=1e-6)
    assert out.loc["A", "fill_m3"] == pytest.approx(1.25 * out.loc["A", "cut_m3"])
    assert out["design_basis"].tolist() == ["balanced", "design_level_m", "balanced"]
    assert out.loc["own", ["design_elev_m", "cut_m3", "fill_m3"]].tolist() == pytest.approx([100.0, 100.0, 0.0])
    assert out.loc["flat", ["design_elev_m", "cut_m3", "fill_m3"]].tolist() == pytest.approx([100.0, 0.0, 0.0])
    assert out["elev_mean_m"].tolist() == mean["elev_mean_m"].tolist()  # the DEM's figures are the same


def test_balanced_level_solves_exactly(tmp_path, monkeypatch):
    """On rough ground: swell × cut = fill for every parcel; swell 1 is the mean; without the
    cell cache (parcels in batches, the DEM read again) the same levels."""
    import landplan.terrain as terrain

    dem, parcels = rough_park(tmp_path, 7, 120, 12, 14)
    swell = merge_rules(load_rules(), {"terrain": {"design_level": "balanced", "swell_factor": 1.3}})
    out = evaluate_terrain(parcels, dem, swell, window_size=32)
    np.testing.assert_allclose(out["fill_m3"], 1.3 * out["cut_m3"], rtol=1e-9)
    assert (out["design_elev_m"] > out["elev_mean_m"]).all()
    one = merge_rules(load_rules(), {"terrain": {"design_level": "balanced", "swell_factor": 1}})
    np.testing.assert_allclose(evaluate_terrain(parcels, dem, one)["design_elev_m"], out["elev_mean_m"],
                               rtol=1e-12)
    monkeypatch.setattr(terrain, "CACHE_CELLS", 300)
    pd.testing.assert_frame_equal(evaluate_terrain(parcels, dem, swell, window_size=32), out,
                                  check_exact=False, rtol=1e-9)


@pytest.mark.parametrize(("override", "message"), [
    ({"design_level": "median"}, r"terrain\.design_level: 'median' is not a design-level method"),
    ({"swell_factor": 0.9}, r"terrain\.swell_factor: 0\.9 is not a swell factor ≥ 1"),
])
def test_bad_design_level_rules(override, message):
    from landplan.errors import RuleError

    with pytest.raises(RuleError, match=message):
        merge_rules(load_rules(), {"terrain": override})
