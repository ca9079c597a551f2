"""The dask-geopandas engine (issue 9): the same evaluation, column by column, on partitions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, box

from landplan.cli import main
from landplan.engine import spatial_columns
from landplan.evaluate import evaluate
from landplan.rules import load_rules

DATA = Path(__file__).resolve().parent.parent / "data"
AS_OF = dt.date(2026, 6, 30)
CRS = "EPSG:4527"
X0, Y0 = 39_500_000.0, 3_400_000.0


def plain(table: gpd.GeoDataFrame) -> pd.DataFrame:
    return pd.DataFrame(table.drop(columns="geometry"))


@pytest.fixture(scope="module")
def single():
    return evaluate(DATA, as_of=AS_OF)


@pytest.mark.parametrize("partitions", [1, 4, 7])
def test_dask_threads_equal_single_engine_on_the_demo(single, partitions):
    out = evaluate(DATA, as_of=AS_OF, engine="dask", partitions=partitions)
    pd.testing.assert_frame_equal(plain(out), plain(single))
    assert shapely.equals_exact(out.geometry.values, single.geometry.values).all()


def test_dask_local_cluster_equals_single_engine(single):
    out = evaluate(DATA, as_of=AS_OF, engine="dask", partitions=3, scheduler="local")
    pd.testing.assert_frame_equal(plain(out), plain(single))


def test_parcels_at_partition_edges_are_served_by_lines_of_other_partitions():
    """Two rows of parcels, one road between them: with the parcels in separate partitions
    every parcel's nearest line (and its route) lies outside its own partition's parcels."""
    rules = load_rules()
    south = [box(X0 + 200 * i, Y0, X0 + 200 * i + 150, Y0 + 100) for i in range(6)]
    north = [box(X0 + 200 * i, Y0 + 160, X0 + 200 * i + 150, Y0 + 260) for i in range(6)]
    parcels = gpd.GeoDataFrame({"parcel_id": [f"P{i:02d}" for i in range(12)]}, geometry=south + north, crs=CRS)
    roads = gpd.GeoDataFrame({"status": ["built", "built"]}, geometry=[
        LineString([(X0 - 50, Y0 + 130), (X0 + 1300, Y0 + 130)]),   # between the rows
        LineString([(X0 - 50, Y0 - 900), (X0 - 50, Y0 + 130)])], crs=CRS)  # a spur far south
    pipes = gpd.GeoDataFrame({"kind": ["water"], "status": ["built"]},
                             geometry=[LineString([(X0 - 60, Y0 - 900), (X0 - 40, Y0 - 900)])], crs=CRS)
    args = dict(roads=roads, pipelines=pipes, powerlines=None, dem_path=None, rules=rules)
    one = spatial_columns(parcels, **args)
    for n in (2, 3, 12):
        many = spatial_columns(parcels, **args, engine="dask", partitions=n)
        pd.testing.assert_frame_equal(many, one)
    assert (one["dist_road_m"] == 30.0).all()  # every parcel: 30 m to the shared road
    assert (one["ext_water_m"] > one["dist_water_m"]).all()  # routed along the roads to the far pipe


def test_cli_engine_dask(tmp_path, single):
    out = tmp_path / "eval.parquet"
    assert main(["evaluate", "--workspace", str(DATA), "--as-of", AS_OF.isoformat(), "--engine", "dask",
                 "--partitions", "3", "--out", str(out)]) == 0
    written = gpd.read_parquet(out)
    np.testing.assert_allclose(written["dist_water_m"], single["dist_water_m"])
    for bad in (["--engine", "spark"], ["--engine", "dask", "--partitions", "0"]):
        with pytest.raises(SystemExit) as exit_:
            main(["evaluate", "--workspace", str(DATA), *bad, "--out", str(out)])
        assert exit_.value.code == 2


@pytest.mark.slow
def test_dask_equals_single_on_a_100k_parcel_park(tmp_path):
    from landplan.demo import write_demo

    write_demo(tmp_path / "park", parcels=100_000, seed=3, fmt="parquet")
    one = evaluate(tmp_path / "park", as_of=AS_OF)
    many = evaluate(tmp_path / "park", as_of=AS_OF, engine="dask", partitions=8)
    pd.testing.assert_frame_equal(plain(many), plain(one))


def test_parcels_without_geometry_on_the_dask_engine():
    """A parcel without a geometry (or an empty one) has no Hilbert position: it goes to the
    last partition and gets the same empty values as on the single engine."""
    from shapely.geometry import Polygon

    rules = load_rules()
    geoms = [box(X0 + 200 * i, Y0, X0 + 200 * i + 150, Y0 + 100) for i in range(5)] + [None, Polygon()]
    parcels = gpd.GeoDataFrame({"parcel_id": [f"P{i}" for i in range(7)]}, geometry=geoms, crs=CRS)
    roads = gpd.GeoDataFrame({"status": ["built"]}, crs=CRS,
                             geometry=[LineString([(X0 - 50, Y0 + 130), (X0 + 1300, Y0 + 130)])])
    args = dict(roads=roads, pipelines=None, powerlines=None, dem_path=None, rules=rules)
    one = spatial_columns(parcels, **args)
    many = spatial_columns(parcels, **args, engine="dask", partitions=3)
    pd.testing.assert_frame_equal(many, one)
    assert one.loc[["P5", "P6"], "dist_road_m"].isna().all()
    assert (one["dist_road_m"].iloc[:5] == 30.0).all()


def test_nearest_searches_use_one_thread_inside_a_dask_worker():
    from dask.distributed import Client, LocalCluster

    from landplan.coverage import _THREADS, _threads

    assert _threads() == _THREADS
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert client.submit(_threads).result() == 1
