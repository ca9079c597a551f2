"""The networks of a run, prepared once (:func:`prepare_networks`) and shared by every chunk
of parcels, with the road graph optionally built in the background (:class:`RoutesBuild`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ..ruleset import RuleSet, as_ruleset
from .lines import NETWORK_TYPES, _from_wkb, _to_crs, _valid_geoms, _wkb, network_lines
from .routing import _RoadGraph
from .zones import ZoneLines, zone_lines


class RoutesBuild:
    """The road graph and the network side of the routes being built in a background thread.

    ``prepare_networks(..., background=True)`` starts one and keeps it in
    :attr:`Networks.building`: the nearest-line searches (which need only the lines and their
    trees) run while it builds, and whatever needs the routes calls
    :meth:`Networks.routes_ready`, which waits for it. The thread is the build's own; an error
    in it is raised by :meth:`wait`.
    """

    def __init__(self, build: Callable[[], None]) -> None:
        pool = ThreadPoolExecutor(1, thread_name_prefix="landplan-routes")
        self._future = pool.submit(build)
        pool.shutdown(wait=False)  # the thread ends with the build

    def done(self) -> bool:
        """Whether the build has finished (or failed)."""
        return self._future.done()

    def wait(self) -> None:
        """Wait for the build to finish; its error, if any, is raised here."""
        self._future.result()


@dataclass
class Networks:
    """The networks of a run, prepared once and shared by every chunk of parcels.

    Built lines of every type (:func:`network_lines`) in one metric CRS with their search
    trees and bounds; with routing, the road graph and, per type, the network side of the
    routes (one Dijkstra each, see :func:`extension_routes`). Picklable, so that dask workers
    receive it once (:mod:`landplan.engine`). Make one with :func:`prepare_networks`.
    """

    crs: Any
    lines: dict[str, np.ndarray]
    trees: dict[str, shapely.STRtree | None]
    bounds: dict[str, np.ndarray]
    graph: _RoadGraph | None = None
    sources: dict[str, tuple] = field(default_factory=dict)
    paths: bool = False
    zones: ZoneLines | None = None
    building: RoutesBuild | None = None
    """The background build of ``graph`` and ``sources`` while it may still run (None when they
    were built at once, or once :meth:`routes_ready` has waited for them)."""

    # Pickling (dask ships one copy to every worker): geometries travel as one vectorised WKB
    # array each and search trees are rebuilt on arrival — pickling shapely objects one by one
    # and STRtrees took ~25 s for a million-parcel park, the WKB path ~2 s.
    def routes_ready(self) -> None:
        """Wait for the road graph and route sources when they are built in the background
        (``prepare_networks(..., background=True)``); an error there is raised here, once."""
        building, self.building = self.building, None
        if building is not None:
            building.wait()

    def __getstate__(self) -> dict:
        self.routes_ready()
        state = dict(self.__dict__)
        state["lines"] = {t: _wkb(a) for t, a in self.lines.items()}
        state["trees"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        state["lines"] = {t: _from_wkb(b) for t, b in state["lines"].items()}
        state["trees"] = {t: shapely.STRtree(a) if len(a) else None for t, a in state["lines"].items()}
        self.__dict__.update(state)


def prepare_networks(
    *,
    roads: gpd.GeoDataFrame | None = None,
    pipelines: gpd.GeoDataFrame | None = None,
    powerlines: gpd.GeoDataFrame | None = None,
    rules: RuleSet | Mapping,
    crs: Any,
    routes: bool = False,
    paths: bool = False,
    background: bool = False,
) -> Networks:
    """Prepare the networks for :func:`evaluate_coverage` / :func:`extension_routes` in ``crs``.

    Parameters
    ----------
    roads, pipelines, powerlines : GeoDataFrame, optional
    rules : RuleSet or dict (a dict is deprecated)
    crs
        The metric CRS of the parcels (``landplan.geometry.to_metric(parcels).crs``).
    routes : bool
        Also build the road graph and the network side of every type's routes.
    paths : bool
        Keep the Dijkstra predecessors (route geometries; :func:`extension_routes`).
    background : bool
        Build the road graph and the routes' network side in a thread and return at once:
        the nearest-line searches (which need only the lines and trees) run meanwhile, and
        the routes wait for it (:attr:`Networks.building`, :meth:`Networks.routes_ready`).
    """
    rules = as_ruleset(rules)
    series = network_lines(roads=roads, pipelines=pipelines, powerlines=powerlines, rules=rules, crs=crs)
    lines = {t: np.asarray(s.array, dtype=object) for t, s in series.items()}
    nets = Networks(
        crs=crs, lines=lines,
        trees={t: shapely.STRtree(a) if len(a) else None for t, a in lines.items()},
        bounds={t: shapely.bounds(a) if len(a) else np.zeros((0, 4)) for t, a in lines.items()},
        paths=paths, zones=zone_lines(powerlines, rules, crs=crs),
    )
    if routes:
        def build() -> None:
            road_geoms = (np.asarray(_valid_geoms(_to_crs(roads.geometry, crs)).array, dtype=object)
                          if roads is not None and len(roads) else np.array([], dtype=object))
            graph = _RoadGraph(road_geoms)
            service = rules.coverage.service_distance_m
            nets.sources = {t: graph.from_network(lines[t], float(service[t]), paths=paths) for t in NETWORK_TYPES}
            nets.graph = graph

        if background:
            nets.building = RoutesBuild(build)
        else:
            build()
    return nets
