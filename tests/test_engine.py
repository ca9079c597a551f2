"""The dask-geopandas engine (issue 9): the same evaluation, column by column, on partitions."""

from __future__ import annotations

import datetime as dt
import re
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


# ---------------------------------------------------------------------------------------------
# engine="single" on a large park: the spatial columns in a forked worker process

FORK_SCRIPT = r'''
import datetime as dt, importlib, logging, os, pickle, signal, sys
engine = importlib.import_module("landplan.engine")
ev = importlib.import_module("landplan.evaluate")  # the module (the package exports a function of that name)
from landplan.errors import LandplanError
from landplan.rules import load_rules
from landplan.workspace import Workspace

logging.basicConfig(level=logging.WARNING, format="LOG %(name)s: %(message)s", stream=sys.stdout)
engine.FORK_MIN_PARCELS = 1  # the demo park is small: fork anyway
data, out = sys.argv[1], sys.argv[2]
forked = []
start = engine.start_spatial_columns
def recording(*args, **kwargs):
    job = start(*args, **kwargs)
    forked.append(job.forked)
    return job
ev.start_spatial_columns = recording
table = ev.evaluate(data, as_of=dt.date(2026, 6, 30))

ws = Workspace(data)
parcels = ws.read("parcels")
far = parcels.iloc[:1].copy()
far["parcel_id"] = "FAR"
far["geometry"] = far.geometry.translate(1e6, 0)  # off the DEM: a warning in the worker
parcels = __import__("pandas").concat([parcels, far], ignore_index=True)
nets = dict(roads=ws.read("roads"), pipelines=ws.read("pipelines"), powerlines=ws.read("powerlines"))
args = dict(rules=load_rules(ws))
quiet = logging.getLogger("landplan.quiet")  # a logger with its own handler, not propagating
quiet.propagate = False
own = logging.StreamHandler(sys.stdout)
own.setFormatter(logging.Formatter("QUIET %(message)s"))
quiet.addHandler(own)
def read_in_worker():  # what a workspace read that repairs something does: log and warn
    logging.getLogger("landplan.workspace").warning("networks read in process %d", os.getpid())
    quiet.warning("own handler")
    __import__("warnings").warn("a repaired line", UserWarning)
    return nets
print("BEFORE")
import warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    job = engine.start_spatial_columns(parcels, read_in_worker, dem_path=ws.dem_path, **args)
    columns = job.result()
print("AFTER")
print("PARENT", os.getpid(), "WARNINGS", [str(w.message) for w in caught])
errors = {}
job = engine.start_spatial_columns(parcels, nets, dem_path=os.path.join(data, "no-such-dem.tif"), **args)
try:
    job.result()
except LandplanError as exc:
    errors["missing_dem"] = [type(exc).__name__, str(exc), job.forked]
def bad_read():  # an input error raised in the worker (its class does not pickle as it is)
    from landplan.errors import InputFileError
    raise InputFileError("networks/roads.gpkg", "not a line layer", where="feature 3", field="geometry")
job = engine.start_spatial_columns(parcels, bad_read, dem_path=ws.dem_path, **args)
try:
    job.result()
except LandplanError as exc:
    errors["worker"] = [type(exc).__name__, str(exc), job.forked]
job = engine.start_spatial_columns(parcels, nets, dem_path=ws.dem_path, **args)
os.kill(job._process.pid, signal.SIGKILL)  # what the kernel's OOM killer does
try:
    job.result()
except LandplanError as exc:
    errors["killed"] = [type(exc).__name__, str(exc), job.forked]
with open(out, "wb") as fh:
    pickle.dump({"forked": forked, "table": table, "columns": columns, "errors": errors}, fh)
'''


@pytest.fixture(scope="module")
def forked_run(tmp_path_factory):
    """The fork path in a fresh interpreter (the fork needs a process with one thread)."""
    import pickle
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("fork") / "out.pkl"
    run = subprocess.run([sys.executable, "-c", FORK_SCRIPT, str(DATA), str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    with open(out, "rb") as fh:
        return pickle.load(fh), run.stdout


def test_forked_spatial_columns_equal_the_single_process(forked_run, single):
    result, _stdout = forked_run
    assert result["forked"] == [True]
    pd.testing.assert_frame_equal(plain(result["table"]), plain(single))
    assert shapely.equals_exact(result["table"].geometry.values, single.geometry.values).all()


def test_forked_worker_logs_errors_and_death_reach_the_caller(forked_run):
    result, stdout = forked_run
    # the worker's warning, re-emitted once through the caller's handler, in order
    between = stdout.split("BEFORE", 1)[1].split("AFTER", 1)[0]
    assert between.count("1 parcels outside the DEM") == 1, stdout  # the terrain (this process)
    read = re.findall(r"LOG landplan.workspace: networks read in process (\d+)", between)
    parent = re.search(r"PARENT (\d+) WARNINGS (.*)", stdout)
    assert len(read) == 1 and read[0] != parent.group(1), stdout  # logged in the worker, shown here
    assert parent.group(2) == "['a repaired line']"
    assert between.count("QUIET own handler") == 1 and "landplan.quiet" not in between
    assert np.isnan(result["columns"].loc["FAR", "elev_mean_m"])
    kind, text, forked = result["errors"]["missing_dem"]
    assert forked and kind in ("InputFileError", "LandplanError")
    assert "no-such-dem.tif" in text and "does not exist" in text
    kind, text, forked = result["errors"]["worker"]
    assert forked and text == "networks/roads.gpkg, feature 3, field geometry: not a line layer"
    kind, text, forked = result["errors"]["killed"]
    assert forked and kind == "LandplanError" and "ended without a result" in text and "-9" in text


def _fork_allowed(queue) -> None:
    from landplan.engine import _can_fork

    queue.put(_can_fork(10**6, "single"))


def test_no_fork_from_a_daemonic_process():
    """A multiprocessing pool's worker (daemonic) may not start a process: the columns are
    computed in it instead. Fresh interpreters (spawn): one thread each."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    results = {}
    for daemon in (False, True):
        queue = context.Queue()
        process = context.Process(target=_fork_allowed, args=(queue,), daemon=daemon)
        process.start()
        results[daemon] = queue.get(timeout=120)
        process.join()
    assert results == {False: True, True: False}
