"""Where the per-parcel spatial work of an evaluation runs: in this process, or on dask.

The evaluation (:func:`landplan.evaluate.evaluate`) has two kinds of work:

- **spatial, parcel by parcel**: terrain (windowed DEM reads) and infrastructure coverage
  (nearest lines, routed extensions) — almost all of the time on a large park;
- **park-wide tables**: efficiency (park benchmarks, rank shares), compliance, idle land,
  lifecycle, revitalization ranking — a few seconds for a million parcels in pandas, and partly
  global by definition (benchmarks are ratios of park sums), so they stay in this process.

:func:`spatial_columns` computes the first kind with ``engine="single"`` (this process, the
coverage module's own thread pool) or ``engine="dask"``: the parcels become a
dask-geopandas GeoDataFrame, spatially partitioned along a Hilbert curve (contiguous runs
of the parcels' ``hilbert_distance`` order: the partitioning of
``spatial_shuffle(by="hilbert")`` without a shuffle through the cluster), and every
partition is evaluated by ``map_partitions`` against the **same** networks, prepared once
(:func:`landplan.coverage.prepare_networks`: built lines, search trees, road graph and the
network side of every route) and broadcast to the workers. Because every partition sees every
network line, a parcel at a partition's edge is served exactly as in one process (no halo to
get wrong), and the results are identical to the single engine's, column by column.

While the spatial work runs, the park-wide tables need none of it (only the revitalization
ranking reads ``readiness``). :func:`start_spatial_columns` therefore starts it first and
:meth:`SpatialJob.result` collects it: with ``engine="single"`` on a large park
(:data:`FORK_MIN_PARCELS`), on Linux with two or more CPUs, called from a process's
only thread, the job runs in one forked worker process (the parcels and networks are
inherited, not copied; the columns come back pickled), so the two kinds of work use two
cores instead of contending for one interpreter lock. Log records and warnings of the worker
are re-emitted in this process; an error raised there is raised here. Otherwise (a small park,
a threaded caller such as the app's server, the dask engine) the job runs in this process when
its result is asked for.

Schedulers: ``scheduler=None`` runs dask's threaded scheduler in this process (shapely and
GEOS release the GIL); ``"local"`` (or ``"local:N"``) starts a ``dask.distributed.LocalCluster``
of one worker process per CPU (or N) for the call; any other value is the address of a running scheduler
(``tcp://host:8786``), whose workers must see the workspace's files (the DEM path).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import sys
import threading
import traceback
import warnings
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .coverage import evaluate_coverage, prepare_networks, with_leveled
from .errors import LandplanError, ParameterError
from .geometry import to_metric
from .ruleset import RuleSet, as_ruleset
from .terrain import evaluate_terrain

__all__ = ["ENGINES", "FORK_MIN_PARCELS", "SpatialJob", "spatial_columns", "start_spatial_columns"]

log = logging.getLogger(__name__)

ENGINES: tuple[str, ...] = ("single", "dask")

_KEEP = ("parcel_id", "site_leveled", "design_level_m")

#: Parks with at least this many parcels compute their spatial columns in a forked worker
#: process while this process computes the park-wide tables (``engine="single"``). Below it
#: the fork and the transfer of the columns cost more than the overlap saves.
FORK_MIN_PARCELS = 50_000


def _partition(frame: gpd.GeoDataFrame, networks, dem_path: str | None, rules: RuleSet) -> pd.DataFrame:
    """Terrain and coverage of one partition (a function of module level: picklable)."""
    terrain = evaluate_terrain(frame, dem_path, rules) if dem_path is not None else None
    coverage = evaluate_coverage(frame, rules=rules, leveled=terrain["leveled"] if terrain is not None else None,
                                 routes=True, networks=networks)
    return _combined(terrain, coverage)


def _combined(terrain: pd.DataFrame | None, coverage: pd.DataFrame) -> pd.DataFrame:
    out = pd.concat([terrain, coverage], axis=1) if terrain is not None else coverage
    return out.reset_index()


def _in_order(out: pd.DataFrame, parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    """``out`` (with a parcel_id column) by parcel_id, in the order of ``parcels``: joined by
    id, never by position (a partition's rows come back in its own, Hilbert order), and every
    parcel exactly once (a row lost or doubled on the way is an error, never an empty row)."""
    found = out.set_index("parcel_id")
    ids = pd.Index(parcels["parcel_id"].to_numpy(), name="parcel_id")
    where = found.index.get_indexer(ids) if found.index.is_unique else None
    if where is None or len(found) != len(ids) or (where < 0).any():
        lost = [] if where is None else list(ids[where < 0][:3])
        raise LandplanError(f"the spatial columns came back for {len(found)} rows "
                            f"({found.index.nunique()} parcels) of {len(ids)} parcels"
                            + (f"; missing: {', '.join(map(str, lost))}" if lost else ""))
    return found.iloc[where].set_axis(ids)


def _frame(parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return parcels[[c for c in _KEEP if c in parcels.columns] + [parcels.geometry.name]]


def _metric_crs(parcels: gpd.GeoDataFrame):
    """The metric CRS of the whole park: every partition is measured in it."""
    return to_metric(parcels).crs if parcels.crs is not None else None


def _meta(metric: gpd.GeoDataFrame, networks, dem_path: str | None, rules: RuleSet) -> pd.DataFrame:
    return _partition(metric.iloc[:0], networks, dem_path, rules)


def spatial_columns(
    parcels: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None,
    pipelines: gpd.GeoDataFrame | None,
    powerlines: gpd.GeoDataFrame | None,
    dem_path: str | os.PathLike | None,
    rules: RuleSet | Mapping,
    engine: str = "single",
    partitions: int | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Terrain (when a DEM is given) and coverage columns of every parcel, by ``parcel_id``.

    Parameters
    ----------
    parcels : GeoDataFrame
        With ``parcel_id`` (unique) and a CRS.
    roads, pipelines, powerlines : GeoDataFrame or None
    dem_path : path or None
    rules : RuleSet
        The typed rules (:func:`landplan.rules.load_ruleset`; a rules dict is deprecated).
    engine : {"single", "dask"}
    partitions : int, optional
        Number of spatial partitions for ``engine="dask"`` (default: 2 per CPU, at least 1,
        at most one per 1,000 parcels).
    scheduler : str, optional
        ``None`` (dask threads), ``"local"`` / ``"local:N"`` (a LocalCluster of one worker per
        CPU / N workers) or a scheduler address.

    Returns
    -------
    DataFrame
        Indexed by ``parcel_id`` in the order of ``parcels``: the columns of
        :func:`landplan.terrain.evaluate_terrain` (with a DEM) then of
        :func:`landplan.coverage.evaluate_coverage` (routed).
    """
    if engine not in ENGINES:
        raise ParameterError("engine", engine, f"use one of {', '.join(ENGINES)}")
    rules = as_ruleset(rules)
    dem = str(dem_path) if dem_path is not None else None
    if len(parcels) == 0 or parcels.crs is None:
        engine = "single"
    networks = prepare_networks(roads=roads, pipelines=pipelines, powerlines=powerlines, rules=rules,
                                crs=_metric_crs(parcels), routes=True)
    frame = _frame(parcels)
    if engine == "single":
        out = _partition(frame, networks, dem, rules)
    else:
        out = _on_dask(frame, networks, dem, rules, partitions, scheduler)
    return _in_order(out, parcels)


def _on_dask(frame: gpd.GeoDataFrame, networks, dem: str | None, rules: RuleSet,
             partitions: int | None, scheduler: str | None) -> pd.DataFrame:
    try:
        import dask
        import dask.dataframe as dd
        import dask_geopandas
    except ImportError as exc:  # pragma: no cover - a dependency of landplan[dask]
        raise ParameterError("engine", "dask", "needs dask-geopandas: pip install 'landplan[dask]'") from exc
    if partitions is not None and partitions < 1:
        raise ParameterError("partitions", partitions, "give a number of partitions ≥ 1")
    n = min(partitions or max(1, min(2 * (os.cpu_count() or 1), len(frame) // 1000 or 1)), len(frame))
    # spatial partitions along a Hilbert curve: the order is computed here (one vectorised
    # pass) and the partitions are contiguous runs of it — what spatial_shuffle(by="hilbert")
    # does, without moving every parcel through the cluster in a shuffle
    geometry = frame.geometry
    present = ~(geometry.isna() | geometry.is_empty).to_numpy()
    key = np.full(len(frame), np.iinfo(np.int64).max)  # parcels without a geometry go last
    if present.any():
        key[present] = geometry[present].hilbert_distance().to_numpy()
    order = np.argsort(key, kind="stable")
    ordered = frame.iloc[order]
    bounds = np.linspace(0, len(ordered), n + 1).astype(int)
    parts = [ordered.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    meta = _meta(frame, networks, dem, rules)
    client, cluster = _client(scheduler)
    try:
        if client is not None:
            shared: Any = client.scatter(networks, broadcast=True, hash=False)
            # each partition sent once to a worker (not inside the task graph)
            ddf = dask_geopandas.from_dask_dataframe(
                dd.from_delayed(client.scatter(parts), meta=frame.iloc[:0], verify_meta=False),
                geometry=frame.geometry.name)
        else:
            shared = dask.delayed(networks, pure=True, traverse=False)
            ddf = dask_geopandas.from_geopandas(ordered, npartitions=n, sort=False)
        result = ddf.map_partitions(_partition, shared, dem, rules, meta=meta, align_dataframes=False)
        out = result.compute() if client is not None else result.compute(scheduler="threads")
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    log.info("dask engine: %d parcels in %d spatial partitions", len(frame), ddf.npartitions)
    return pd.DataFrame(out)


def _client(scheduler: str | None):
    """(client, cluster) for ``scheduler``; (None, None) for dask's threaded scheduler."""
    if scheduler is None:
        return None, None
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover
        raise ParameterError("scheduler", scheduler, "needs dask.distributed: pip install 'landplan[dask]'") from exc
    if scheduler == "local" or scheduler.startswith("local:"):
        count = scheduler.partition(":")[2]
        if count and not (count.isdigit() and int(count) >= 1):
            raise ParameterError("scheduler", scheduler, "write local or local:N with N ≥ 1 workers")
        workers = int(count) if count else (os.cpu_count() or 1)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout=10), None
    except OSError as exc:
        raise ParameterError("scheduler", scheduler, f"cannot reach the dask scheduler ({exc})") from exc


# --------------------------------------------------------------------------------------------
# the spatial columns computed alongside the park-wide tables


class SpatialJob:
    """The spatial columns of :func:`start_spatial_columns`, being computed.

    Call :meth:`result` once for the columns; :meth:`cancel` (or leaving a ``with`` block)
    stops a worker process whose result is no longer wanted.
    """

    def __init__(self, compute, process=None, conn=None, finish=None) -> None:
        self._compute = compute
        self._process = process
        self._conn = conn
        self._finish = finish
        #: Whether the coverage columns are computed in a worker process.
        self.forked = process is not None

    def result(self) -> pd.DataFrame:
        """The columns (:func:`spatial_columns`); the worker's error is raised here."""
        if self._process is None:
            return self._compute()
        try:
            local = self._finish.before()  # the terrain, here, while the worker computes coverage
            try:
                kind, payload, records, caught = self._conn.recv()
            except EOFError:
                self._process.join()
                raise LandplanError(
                    f"the worker process computing the spatial columns ended without a result "
                    f"(exit code {self._process.exitcode}; out of memory?)") from None
        finally:
            self.cancel()
        for record in records:  # the worker's log records, through this process's handlers
            logging.getLogger(record.name).handle(record)
        for message, category, filename, lineno in caught:
            warnings.warn_explicit(message, category, filename, lineno)
        if kind == "error":
            raise payload
        return self._finish.after(local, payload)

    def cancel(self) -> None:
        """Stop the worker process (if any) and release it."""
        if self._process is None:
            return
        self._conn.close()
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._process = None

    def __enter__(self) -> SpatialJob:
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()


class _Split:
    """The forked job's halves: coverage in the worker; terrain here, then readiness with the
    terrain's ``leveled`` (the nearest lines and routes do not depend on it)."""

    def __init__(self, parcels: gpd.GeoDataFrame, networks, dem: str | None, rules: RuleSet) -> None:
        self.parcels, self.networks, self.dem, self.rules = parcels, networks, dem, rules

    def worker(self) -> pd.DataFrame:
        layers = _layers(self.networks)
        # the road graph is built while the nearest lines are searched (GEOS releases the GIL)
        nets = prepare_networks(**layers, rules=self.rules, crs=_metric_crs(self.parcels), routes=True,
                                background=True)
        return evaluate_coverage(_frame(self.parcels), rules=self.rules, routes=True, networks=nets)

    def before(self) -> pd.DataFrame | None:
        return evaluate_terrain(_frame(self.parcels), self.dem, self.rules) if self.dem is not None else None

    def after(self, terrain: pd.DataFrame | None, coverage: pd.DataFrame) -> pd.DataFrame:
        if terrain is not None:
            coverage = with_leveled(coverage, terrain["leveled"], self.rules)
        return _in_order(_combined(terrain, coverage), self.parcels)


def start_spatial_columns(parcels: gpd.GeoDataFrame, networks, *, dem_path: str | os.PathLike | None,
                          rules: RuleSet | Mapping, engine: str = "single", partitions: int | None = None,
                          scheduler: str | None = None) -> SpatialJob:
    """Start :func:`spatial_columns`; :meth:`SpatialJob.result` returns them.

    Parameters
    ----------
    parcels : GeoDataFrame
    networks : dict or callable
        ``roads``, ``pipelines``, ``powerlines`` → GeoDataFrame or None; or a function
        returning that dict, called where the columns are computed (in the worker process
        when there is one, so that reading the layers overlaps the park-wide tables too).
    dem_path, rules, engine, partitions, scheduler
        As for :func:`spatial_columns`.

    With ``engine="single"`` and at least :data:`FORK_MIN_PARCELS` parcels, on Linux with two
    or more CPUs, when this process runs no other thread, the coverage columns are computed
    in a forked worker process meanwhile, and the terrain in this process when the result is
    asked for; otherwise everything when the result is asked for.
    """

    rules = as_ruleset(rules)

    def compute() -> pd.DataFrame:
        layers = _layers(networks)
        return spatial_columns(parcels, **layers, dem_path=dem_path, rules=rules, engine=engine,
                               partitions=partitions, scheduler=scheduler)

    if engine not in ENGINES or parcels.crs is None or not _can_fork(len(parcels), engine):
        return SpatialJob(compute)
    split = _Split(parcels, networks, str(dem_path) if dem_path is not None else None, rules)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_worker, args=(send, split.worker, os.getpid()),
                              name="landplan-spatial", daemon=True)
    process.start()
    send.close()  # the worker holds the sending end; EOF here when it dies
    log.debug("coverage of %d parcels in worker process %d", len(parcels), process.pid)
    return SpatialJob(compute, process, receive, split)


def _layers(networks) -> dict:
    """The network layers of ``networks``: a dict, or a function returning one (read here)."""
    return networks() if callable(networks) else networks


def _can_fork(n: int, engine: str) -> bool:
    # Linux only (forking is unsafe on macOS's system libraries), never from a threaded
    # process (a lock held by another thread at the fork would stay locked in the child), and
    # not from a daemonic process (a multiprocessing pool's worker may not have children)
    return (engine == "single" and n >= FORK_MIN_PARCELS and (os.cpu_count() or 1) >= 2
            and sys.platform.startswith("linux") and threading.active_count() == 1
            and not multiprocessing.current_process().daemon)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if any(r is record for r in self.records[-4:]):  # met again at a parent logger's handler
            return
        record.msg, record.args = record.getMessage(), None  # plain text: always picklable
        record.exc_info = record.exc_text = record.stack_info = None
        self.records.append(record)


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux ``PR_SET_PDEATHSIG``):
    a daemonic worker is stopped by its parent's normal exit, but not when the parent is
    killed (``kill -9``, the OOM killer), and would otherwise go on computing for nobody."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux's libc: the pipe's EOF is all the parent has
        return
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)


def _worker(conn, compute, parent: int) -> None:
    """The forked process: compute, send (kind, payload, log records, warnings) back."""
    _die_with_parent(parent)
    collect = _Collect()
    root = logging.getLogger()
    for logger in [root, *logging.Logger.manager.loggerDict.values()]:
        if isinstance(logger, logging.Logger) and logger.handlers:
            logger.handlers = [collect]  # the caller's handlers re-emit what is sent back
    if not root.handlers:
        root.handlers = [collect]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            kind, payload = "ok", compute()
        except BaseException as exc:  # noqa: BLE001 - every error goes back to the caller
            kind, payload = "error", _portable(exc)
    shown = [(str(w.message), w.category, w.filename, w.lineno) for w in caught]
    conn.send((kind, payload, collect.records, shown))
    conn.close()


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else an error of the same kind with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - an exception class whose arguments do not round-trip
        if isinstance(exc, LandplanError):
            return LandplanError(str(exc))
        return RuntimeError("the spatial columns failed in the worker process:\n"
                            + "".join(traceback.format_exception(exc)))
