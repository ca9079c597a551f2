"""Infrastructure coverage of parcels (基础设施配套: 七通一平 / 五通一平 / 三通一平), SPEC §5, §8.

For every parcel and every network type ``t`` in :data:`NETWORK_TYPES`:

- ``dist_<t>_m``: the shortest Euclidean distance, in the metric CRS of the parcels
  (:func:`landplan.geometry.to_metric`), between the parcel geometry and any **built** line of
  type ``t``; 0 when touching; NaN when the workspace has no such line.
- ``has_<t>``: ``dist_<t>_m ≤ coverage.service_distance_m[t]`` (False when there is no network).
- ``ext_<t>_m``: 0 when ``has_<t>``; else the length of the extension needed (see below);
  ``ext_<t>_cost_wan`` = ``ext_<t>_m × coverage.unit_cost_wan_per_m[t]``. NaN when there is no
  network of that type at all (nothing to extend from).
- ``readiness``: the name of the first level of ``coverage.readiness`` (best first) whose needs
  are all met, else ``coverage.below``; ``missing``: the unmet needs of the **best** level,
  comma-separated in rules order (``""`` when none).
- ``power_zone``: a power line's protection zone (电力线路保护区, 电力设施保护条例 Art. 10: no
  building inside) reaches into the parcel, for every voltage from 1 kV (10 kV included);
  ``power_zone_kv``, ``power_zone_m``, ``power_zone_dist_m``, ``power_zone_key``: voltage, zone
  width, distance and the width's rules key of the highest-voltage such line;
  ``power_zone_reason_zh`` / ``_en``: every such line with its figures and source
  (:func:`power_zone_columns`).

Choices this module makes (and documents):

- **Which lines count** (SPEC §8): status ``built`` only; a line with no status (column missing
  or empty) is taken as built (SPEC §3). ``road`` = built roads; ``water, sewer, storm, gas,
  heat, telecom`` = built pipelines of that ``kind`` (``reclaimed`` and unknown kinds are
  ignored); ``power`` = built power lines whose ``voltage_kv`` is in
  ``coverage.power_voltages_kv`` (transmission lines such as 110 kV do not supply parcels; a
  line without a voltage does not count). Lines with no or an empty geometry are dropped.
- **Distances** use one ``shapely.STRtree`` per type: an envelope query grown by the service
  distance gives every line that can be within it, ``shapely.distance`` on those pairs the
  exact distances; parcels with no line that near are searched again with an upper bound
  (the distance from one of their vertices to its nearest line). Exact, ties broken by the
  lower line index; run in chunks on a small thread pool (shapely releases the GIL). No Python
  loop over parcels. A parcel without a geometry
  gets NaN distances and ``has_* = False``. A polygon hole is not part of the parcel: a line
  running inside a hole is at its distance from the hole's ring.
- **Leveled** (the ``leveled`` need, 一平): from the ``leveled`` argument (a Series by
  parcel_id, e.g. from terrain, which keeps a recorded ``site_leveled``) when given, else the
  parcels' ``site_leveled`` column; a missing value is *not met*.
- **Protection zones** (:func:`zone_widths`): an overhead line (or one whose laying is not
  known) takes the band of ``coverage.power_protection_zone_m`` of its voltage, a cable
  ``coverage.cable_protection_zone_m``; lines built, under construction or without status
  (:data:`ZONE_STATUSES`: a planned line has no zone yet) whose distance to the parcel is below
  the width. The width is measured from the line as drawn (its centreline), not from the outer
  conductor: the real zone is wider by half the conductors' spread. A line without a voltage
  has no zone (network QA reports it).
- **Extensions.** With ``routes=False`` (the default, fast) a gap parcel's ``ext_<t>_m`` is the
  straight line, i.e. ``dist_<t>_m``. With ``routes=True`` it is routed along the road
  network, because new pipes and cables are laid in road corridors; see
  :func:`extension_routes` for the model and its approximations. Every routed length is
  ≥ the straight distance (triangle inequality; enforced against rounding with ``max``).

>>> import geopandas as gpd
>>> from shapely.geometry import box, LineString
>>> from landplan.rules import load_rules
>>> crs = "EPSG:4527"
>>> parcels = gpd.GeoDataFrame({"parcel_id": ["P1"]},
...     geometry=[box(39_500_000, 3_400_000, 39_500_100, 3_400_100)], crs=crs)
>>> roads = gpd.GeoDataFrame({"status": ["built"]},
...     geometry=[LineString([(39_500_000, 3_399_980), (39_500_100, 3_399_980)])], crs=crs)
>>> out = evaluate_coverage(parcels, roads=roads, rules=load_rules())
>>> float(out.loc["P1", "dist_road_m"]), bool(out.loc["P1", "has_road"])
(20.0, True)
>>> bool(out.loc["P1", "has_water"]), out.loc["P1", "readiness"]
(False, '未达三通一平')
"""

from __future__ import annotations

import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from . import labels
from .errors import RuleError, shown
from .geometry import area_mu, to_metric
from .labels import text
from .labels.text import Lang
from .tables import num

__all__ = [
    "NETWORK_TYPES",
    "READINESS_NEEDS",
    "PIPE_KINDS",
    "network_lines",
    "evaluate_coverage",
    "extension_routes",
    "network_qa",
    "substation_loads",
    "Networks",
    "prepare_networks",
    "POWER_ZONE_COLUMNS",
    "ZoneLines",
    "zone_lines",
    "zone_pairs",
    "zone_widths",
    "zone_texts",
    "power_zone_columns",
]

log = logging.getLogger(__name__)

NETWORK_TYPES: tuple[str, ...] = ("road", "water", "sewer", "storm", "gas", "heat", "power", "telecom")
"""The network types of SPEC §5, in column order."""

#: What a level of ``coverage.readiness`` can need: the network types and ``leveled`` (一平).
READINESS_NEEDS: tuple[str, ...] = (*NETWORK_TYPES, "leveled")

#: Pipeline kinds that are coverage types (``reclaimed`` 再生水 is not one).
PIPE_KINDS: tuple[str, ...] = ("water", "sewer", "storm", "gas", "heat", "telecom")

ALL_PIPE_KINDS: tuple[str, ...] = (*PIPE_KINDS, "reclaimed")
FACILITY_KINDS: tuple[str, ...] = ("substation", "water_plant", "sewage_plant", "gas_station", "heat_source")
STATUSES: tuple[str, ...] = ("built", "under_construction", "planned")

NODE_DECIMALS = 3
"""Road vertices are merged into one graph node when equal after rounding to this many decimals (mm)."""

_EPS_M = 1e-9
"""Added to the zero-length stubs of the routing graph (scipy sparse graphs drop zero weights)."""

QA_TOLERANCE_M = 0.01
"""Two lines are connected in :func:`network_qa` when they come within this distance (1 cm)."""

_CHUNK = 50_000
_THREADS = max(1, min(4, os.cpu_count() or 1))


def _threads() -> int:
    """Threads for the nearest searches: :data:`_THREADS`, or 1 inside a dask worker (the
    cluster already runs one task per core; more threads would only contend for them)."""
    distributed = sys.modules.get("distributed")  # a worker has it imported; never import it here
    if distributed is None:
        return _THREADS
    try:
        distributed.get_worker()
    except ValueError:  # not in a worker: "No worker found"
        return _THREADS
    return 1


# --------------------------------------------------------------------------------------------
# which lines count


def _norm_text(values: pd.Series) -> pd.Series:
    """Lower-case stripped text, NaN kept (for status and kind)."""
    return values.astype("string").str.strip().str.lower()


def _built_mask(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Lines that count: status ``built`` or no status (SPEC §3)."""
    if "status" not in frame.columns:
        return np.ones(len(frame), dtype=bool)
    status = _norm_text(frame["status"])
    return (status.isna() | (status == "") | (status == "built")).to_numpy(dtype=bool)


def _valid_geoms(series: gpd.GeoSeries) -> gpd.GeoSeries:
    geoms = series.array
    keep = ~(shapely.is_missing(np.asarray(geoms, dtype=object)) | np.asarray(series.is_empty, dtype=bool))
    return series[keep]


def _to_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, crs) -> gpd.GeoDataFrame | gpd.GeoSeries:
    """``frame`` in ``crs``; a frame without a CRS is taken to be in it already."""
    if crs is None:
        return frame
    if frame.crs is None:
        return frame.set_crs(crs)
    return frame if frame.crs.equals(crs) else frame.to_crs(crs)


def network_lines(
    *,
    roads: gpd.GeoDataFrame | None = None,
    pipelines: gpd.GeoDataFrame | None = None,
    powerlines: gpd.GeoDataFrame | None = None,
    rules: dict,
    crs: Any = None,
) -> dict[str, gpd.GeoSeries]:
    """The built lines of every network type.

    Parameters
    ----------
    roads, pipelines, powerlines : GeoDataFrame, optional
        Workspace network layers (SPEC §3). A layer that is not given contributes nothing.
    rules : dict
        The rules in force (:func:`landplan.rules.load_rules`); ``coverage.power_voltages_kv``
        selects the supplying power lines.
    crs : optional
        Bring the lines to this CRS (a layer without a CRS is taken to be in it); default: keep
        each layer's CRS.

    Returns
    -------
    dict of str to GeoSeries
        One entry per type of :data:`NETWORK_TYPES`, in that order; an empty GeoSeries when the
        workspace has no built line of that type. The index is that of the source layer.
    """
    voltages = np.asarray(rules["coverage"]["power_voltages_kv"], dtype=float)
    empty = gpd.GeoSeries([], crs=crs)
    out: dict[str, gpd.GeoSeries] = {t: empty for t in NETWORK_TYPES}
    if roads is not None and len(roads):
        out["road"] = roads.geometry[_built_mask(roads)]
    if pipelines is not None and len(pipelines) and "kind" in pipelines.columns:
        built = _built_mask(pipelines)
        kind = _norm_text(pipelines["kind"]).to_numpy(dtype=object, na_value=None)
        for t in PIPE_KINDS:
            out[t] = pipelines.geometry[built & (kind == t)]
    if powerlines is not None and len(powerlines) and "voltage_kv" in powerlines.columns:
        volt = pd.to_numeric(powerlines["voltage_kv"], errors="coerce").to_numpy(dtype=float)
        out["power"] = powerlines.geometry[_built_mask(powerlines) & np.isin(volt, voltages)]
    return {t: _valid_geoms(_to_crs(s, crs)) for t, s in out.items()}


# --------------------------------------------------------------------------------------------
# distances


def _parcel_frame(parcels: gpd.GeoDataFrame, crs: Any = None) -> gpd.GeoDataFrame:
    """The parcels in ``crs`` (the park's metric CRS, e.g. of prepared networks: a partition has
    no extent of its own to choose one), else in the metric CRS of their own extent."""
    if "parcel_id" not in parcels.columns:
        raise ValueError("parcels need a parcel_id column")
    if parcels.crs is not None and crs is not None:
        return parcels.to_crs(crs)
    if parcels.crs is None or len(parcels) == 0 or (parcels.geometry.isna() | parcels.geometry.is_empty).all():
        return parcels  # nothing to measure: no metric CRS to choose
    return to_metric(parcels)


#: Slack of the bounding-box comparisons in :func:`_nearest_within`, metres: far above the
#: rounding of a distance at any projected coordinate (1e-8 m at 4e7 m), far below a parcel.
_BOX_SLACK_M = 1e-6


def _nearest_within(tree: shapely.STRtree, lines: np.ndarray, line_bounds: np.ndarray, geoms: np.ndarray,
                    bound: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest line and its distance for every geometry whose nearest line is within ``bound``.

    Candidates are the lines whose bounding box meets the geometry's bounding box grown by
    ``bound`` (a bare envelope query, no predicate): every line within ``bound`` is one of them.
    The distance between two bounding boxes is a lower bound of the distance between the
    geometries, so exact distances are computed in two rounds: first for the candidate with
    the nearest box, then only for the candidates whose box is no farther than that distance.
    The smallest distance, when ≤ ``bound``, is the nearest distance, exactly; ties go to the
    lower line index. Others get -1 / NaN.

    GEOS's distance can come out an ulp below the box distance (at zone-prefixed Gauss-Krüger
    eastings near 4e7 m one ulp is 7e-9 m), so the box comparisons allow :data:`_BOX_SLACK_M`:
    a line whose computed distance is the smallest is never pruned by its box.
    """
    n = len(geoms)
    idx = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    gb = shapely.bounds(geoms)
    boxes = shapely.box(gb[:, 0] - bound, gb[:, 1] - bound, gb[:, 2] + bound, gb[:, 3] + bound)
    src, line = tree.query(boxes)
    if len(src) == 0:
        return idx, dist
    lb, pb = line_bounds[line], gb[src]
    dx = np.maximum(0.0, np.maximum(lb[:, 0] - pb[:, 2], pb[:, 0] - lb[:, 2]))
    dy = np.maximum(0.0, np.maximum(lb[:, 1] - pb[:, 3], pb[:, 1] - lb[:, 3]))
    box_d = np.hypot(dx, dy)
    keep = box_d <= bound[src] + _BOX_SLACK_M
    src, line, box_d = src[keep], line[keep], box_d[keep]
    if len(src) == 0:
        return idx, dist
    # round 1: the candidate with the nearest box (then the lower index) of every geometry
    order = np.lexsort((line, box_d, src))
    src, line, box_d = src[order], line[order], box_d[order]
    first = np.r_[True, src[1:] != src[:-1]]
    best_line = np.full(n, -1, dtype=np.int64)
    best = np.full(n, np.inf)
    best_line[src[first]] = line[first]
    best[src[first]] = shapely.distance(geoms[src[first]], lines[line[first]])
    # round 2: only candidates whose box could hold a line as near (give or take the slack)
    b_src = best[src]
    rest = ~first & (box_d <= b_src + _BOX_SLACK_M)
    if rest.any():
        r_src, r_line = src[rest], line[rest]
        d = shapely.distance(geoms[r_src], lines[r_line])
        better = (d < best[r_src]) | ((d == best[r_src]) & (r_line < best_line[r_src]))
        r_src, r_line, d = r_src[better], r_line[better], d[better]
        order = np.lexsort((r_line, d, r_src))
        r_src, r_line, d = r_src[order], r_line[order], d[order]
        head = np.r_[True, r_src[1:] != r_src[:-1]] if len(r_src) else np.zeros(0, dtype=bool)
        best[r_src[head]] = d[head]
        best_line[r_src[head]] = r_line[head]
    found = best <= bound
    idx[found] = best_line[found]
    dist[found] = best[found]
    return idx, dist


def _first_vertices(geoms: np.ndarray) -> np.ndarray:
    """A point on each geometry (its first vertex)."""
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    _, first = np.unique(which, return_index=True)
    return shapely.points(coords[first])


def _nearest_lines(tree: shapely.STRtree, lines: np.ndarray, line_bounds: np.ndarray, geoms: np.ndarray,
                   bound: float, beyond: bool) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest line and the exact distance to it, for geometries without gaps.

    Two envelope-query passes instead of a branch-and-bound nearest search per parcel (3× faster
    here, see ``bench/RESULTS.md``): first with ``bound`` (the service distance: most parcels
    are served); then, when ``beyond``, for the rest, with the distance from a vertex of the
    parcel to its nearest line, an upper bound of the parcel's own distance (points search fast).
    """
    idx, dist = _nearest_within(tree, lines, line_bounds, geoms, np.full(len(geoms), bound))
    rest = np.flatnonzero(np.isnan(dist))
    if beyond and len(rest):
        upper = _upper_bounds(tree, shapely.get_coordinates(_first_vertices(geoms[rest])), 2.5 * max(bound, 1.0))
        # a hair above the bound so that rounding in the point distance never drops the nearest line
        upper = upper * (1 + 1e-9) + 1e-6
        idx[rest], dist[rest] = _nearest_within(tree, lines, line_bounds, geoms[rest], upper)
    return idx, dist


def _upper_bounds(tree: shapely.STRtree, xy: np.ndarray, spacing: float) -> np.ndarray:
    """An upper bound of the distance from each point to its nearest line: the points are
    snapped to the centres of a grid of ``spacing``, one nearest search per grid cell in use,
    and |p − c| + d(c) ≥ d(p) (the triangle inequality). Far fewer searches than points where
    many parcels lie beyond the service distance (a sparse network)."""
    cell = np.floor(xy / spacing)
    keys, inverse = np.unique(cell[:, 0] + 1j * cell[:, 1], return_inverse=True)
    centres = np.c_[(keys.real + 0.5) * spacing, (keys.imag + 0.5) * spacing]
    _, to_line = tree.query_nearest(shapely.points(centres), return_distance=True, all_matches=False)
    inverse = inverse.ravel()
    return np.hypot(xy[:, 0] - centres[inverse, 0], xy[:, 1] - centres[inverse, 1]) + to_line[inverse]


def _nearest(lines: np.ndarray, geoms: np.ndarray, bound: float, *, beyond: bool = True,
             tree: shapely.STRtree | None = None, line_bounds: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """Nearest of ``lines`` for every geometry: (index or -1, distance or NaN).

    Exact; ties go to the lower line index. With ``beyond=False`` only lines within ``bound``
    are looked for. Missing and empty geometries get -1 / NaN. Chunks of :data:`_CHUNK`
    geometries run on a small thread pool (shapely releases the GIL).
    """
    n = len(geoms)
    idx = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if len(lines) == 0 or len(present) == 0:
        return idx, dist
    tree = tree if tree is not None else shapely.STRtree(lines)
    line_bounds = line_bounds if line_bounds is not None else shapely.bounds(lines)

    def run(rows: np.ndarray) -> None:
        idx[rows], dist[rows] = _nearest_lines(tree, lines, line_bounds, geoms[rows], bound, beyond)

    chunks = [present[s : s + _CHUNK] for s in range(0, len(present), _CHUNK)]
    threads = _threads()
    if len(chunks) > 1 and threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(run, chunks))
    else:
        for rows in chunks:
            run(rows)
    return idx, dist


def _distances(geoms: np.ndarray, nets: Networks, service: dict) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Nearest built line of every type for every parcel: (line index or -1, distance or NaN)."""
    return {t: _nearest(nets.lines[t], geoms, float(service[t]), tree=nets.trees[t], line_bounds=nets.bounds[t])
            for t in NETWORK_TYPES}


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

    # Pickling (dask ships one copy to every worker): geometries travel as one vectorised WKB
    # array each and search trees are rebuilt on arrival — pickling shapely objects one by one
    # and STRtrees took ~25 s for a million-parcel park, the WKB path ~2 s.
    def routes_ready(self) -> None:
        """Wait for the road graph and route sources when they are built in the background
        (``prepare_networks(..., background=True)``); an error there is raised here."""
        pending = self.__dict__.pop("_pending", None)
        if pending is not None:
            pending.result()

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


def _wkb(geoms: np.ndarray) -> np.ndarray:
    return shapely.to_wkb(geoms) if len(geoms) else np.array([], dtype=object)


def _from_wkb(blobs: np.ndarray) -> np.ndarray:
    return np.asarray(shapely.from_wkb(blobs), dtype=object) if len(blobs) else np.array([], dtype=object)


def prepare_networks(
    *,
    roads: gpd.GeoDataFrame | None = None,
    pipelines: gpd.GeoDataFrame | None = None,
    powerlines: gpd.GeoDataFrame | None = None,
    rules: dict,
    crs: Any,
    routes: bool = False,
    paths: bool = False,
    background: bool = False,
) -> Networks:
    """Prepare the networks for :func:`evaluate_coverage` / :func:`extension_routes` in ``crs``.

    Parameters
    ----------
    roads, pipelines, powerlines : GeoDataFrame, optional
    rules : dict
    crs
        The metric CRS of the parcels (``landplan.geometry.to_metric(parcels).crs``).
    routes : bool
        Also build the road graph and the network side of every type's routes.
    paths : bool
        Keep the Dijkstra predecessors (route geometries; :func:`extension_routes`).
    background : bool
        Build the road graph and the routes' network side in a thread and return at once:
        the nearest-line searches (which need only the lines and trees) run meanwhile, and
        the routes wait for it (:meth:`Networks.routes_ready`).
    """
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
            service = rules["coverage"]["service_distance_m"]
            nets.sources = {t: graph.from_network(lines[t], float(service[t]), paths=paths) for t in NETWORK_TYPES}
            nets.graph = graph

        if background:
            pool = ThreadPoolExecutor(1, thread_name_prefix="landplan-routes")
            nets.__dict__["_pending"] = pool.submit(build)
            pool.shutdown(wait=False)
        else:
            build()
    return nets


def _leveled(parcels: gpd.GeoDataFrame, leveled: pd.Series | None) -> np.ndarray:
    if leveled is not None:
        ids = pd.Index(parcels["parcel_id"])
        values = leveled if leveled.index.equals(ids) else leveled.reindex(ids)
    elif "site_leveled" in parcels.columns:
        values = parcels["site_leveled"]
    else:
        return np.zeros(len(parcels), dtype=bool)
    if values.dtype == bool:
        return values.to_numpy()
    # True, 1 and numpy True are met; False, 0, None, NaN, NA and anything else are not
    return pd.Series(np.asarray(values, dtype=object)).eq(True).to_numpy(dtype=bool)


def _readiness(met: dict[str, np.ndarray], cov: dict, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(readiness, missing) per parcel: the first level whose needs are all met (else
    ``below``), and the unmet needs of the first level, joined by commas in its order."""
    levels = cov["readiness"]
    for level in levels:  # load_rules refuses these; a rules dict built in code may still have them
        unknown = [need for need in level["needs"] if need not in met]
        if unknown:
            raise RuleError(f"rules: coverage.readiness.{level['name']}.needs: {shown(unknown[0])} is not a "
                            f"network (allowed: {', '.join(READINESS_NEEDS)})")
    code = np.full(n, len(levels), dtype=np.int64)  # the level index; len(levels) = below
    for i in range(len(levels) - 1, -1, -1):  # the first level met wins
        code[np.logical_and.reduce([met[need] for need in levels[i]["needs"]] + [np.ones(n, bool)])] = i
    names = np.asarray([level["name"] for level in levels] + [cov["below"]], dtype=object)
    needs = list(levels[0]["needs"]) if levels else []
    unmet = np.zeros(n, dtype=np.int64)  # bit j: need j of the first level not met
    for j, need in enumerate(needs):
        unmet |= (~np.asarray(met[need], dtype=bool)).astype(np.int64) << j
    distinct, inverse = np.unique(unmet, return_inverse=True)  # few combinations: texts built once
    texts = np.asarray([",".join(need for j, need in enumerate(needs) if int(b) >> j & 1) for b in distinct],
                       dtype=object)
    return names[code], texts[inverse.reshape(-1)]


def evaluate_coverage(
    parcels: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    pipelines: gpd.GeoDataFrame | None = None,
    powerlines: gpd.GeoDataFrame | None = None,
    rules: dict,
    leveled: pd.Series | None = None,
    routes: bool = False,
    networks: Networks | None = None,
) -> pd.DataFrame:
    """Coverage of every parcel by every network type, and its readiness level.

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels with ``parcel_id`` and geometry (``site_leveled`` used when ``leveled`` is None).
    roads, pipelines, powerlines : GeoDataFrame, optional
        Network layers; brought to the metric CRS of the parcels.
    rules : dict
        The rules in force; the ``coverage`` block is used.
    leveled : Series of bool, optional
        The ``leveled`` need by parcel_id (e.g. from terrain); overrides ``site_leveled``.
    routes : bool, default False
        Route extensions along the roads (:func:`extension_routes`) instead of taking the
        straight distance.
    networks : Networks, optional
        Prepared by :func:`prepare_networks` (in the parcels' metric CRS, with ``routes`` when
        routing); the layers are then not used. Lets many chunks of parcels share one.

    Returns
    -------
    DataFrame
        Indexed by ``parcel_id`` in the order of ``parcels``: for each type ``t``
        ``has_<t>`` (bool), ``dist_<t>_m``, ``ext_<t>_m``, ``ext_<t>_cost_wan`` (float), then
        ``readiness`` and ``missing`` (str), then :data:`POWER_ZONE_COLUMNS`. See the module
        docstring for the definitions.
    """
    cov = rules["coverage"]
    metric = _parcel_frame(parcels, networks.crs if networks is not None else None)
    nets = networks if networks is not None else prepare_networks(
        roads=roads, pipelines=pipelines, powerlines=powerlines, rules=rules, crs=metric.crs, routes=routes)
    if nets.crs is not None and metric.crs is not None and not metric.crs.equals(nets.crs):
        metric = metric.to_crs(nets.crs)
    geoms = np.asarray(metric.geometry.array, dtype=object)
    n = len(geoms)
    near = _distances(geoms, nets, cov["service_distance_m"])
    ext_routed: dict[str, np.ndarray] = {}
    if routes:
        nets.routes_ready()
        if nets.graph is None:
            raise ValueError("evaluate_coverage(routes=True) needs networks prepared with routes=True")
        routed = _route_all(metric, nets, near, rules, geometry=False)
        ext_routed = {t: routed[t]["length"] for t in routed}
    cols: dict[str, Any] = {}
    met: dict[str, np.ndarray] = {}
    for t in NETWORK_TYPES:
        dist = near[t][1]
        has = dist <= float(cov["service_distance_m"][t])  # NaN → False
        ext = np.where(has, 0.0, ext_routed.get(t, dist))
        cols[f"has_{t}"] = has
        cols[f"dist_{t}_m"] = dist
        cols[f"ext_{t}_m"] = ext
        cols[f"ext_{t}_cost_wan"] = ext * float(cov["unit_cost_wan_per_m"][t])
        met[t] = has
    met["leveled"] = _leveled(metric, leveled)
    cols["readiness"], cols["missing"] = _readiness(met, cov, n)
    if nets.zones is not None:
        cols.update(power_zone_columns(geoms, nets.zones))
    out = pd.DataFrame(cols, index=pd.Index(metric["parcel_id"].to_numpy(), name="parcel_id"))
    for t in NETWORK_TYPES:
        out[f"has_{t}"] = out[f"has_{t}"].astype(bool)
    out["readiness"] = out["readiness"].astype(str)
    out["missing"] = out["missing"].astype(str)
    return out


def with_leveled(coverage: pd.DataFrame, leveled: pd.Series, rules: dict) -> pd.DataFrame:
    """``coverage`` (of :func:`evaluate_coverage`) with ``readiness`` and ``missing`` as they
    are with the ``leveled`` need taken from ``leveled`` (by parcel_id, e.g. from terrain).

    The same columns as ``evaluate_coverage(..., leveled=leveled)``: the nearest lines and
    routes do not depend on the need, so coverage computed before the terrain is finished here.
    """
    cov = rules["coverage"]
    met = {t: coverage[f"has_{t}"].to_numpy(dtype=bool) for t in NETWORK_TYPES}
    met["leveled"] = _leveled(pd.DataFrame({"parcel_id": coverage.index}), leveled)
    readiness, missing = _readiness(met, cov, len(coverage))
    out = coverage.copy(deep=False)
    out["readiness"] = pd.Series(readiness, index=coverage.index).astype(str)
    out["missing"] = pd.Series(missing, index=coverage.index).astype(str)
    return out


# --------------------------------------------------------------------------------------------
# power-line protection zones (电力线路保护区)

#: The lowest voltage with a protection zone: 电力设施保护条例 Art. 10 starts its bands at 1 kV.
ZONE_MIN_KV = 1.0

#: Statuses of the power lines whose protection zone :func:`evaluate_coverage` flags: lines that
#: exist or are being built (a planned line has a corridor in the plan, not yet a zone); a line
#: without status is taken as built (SPEC §3).
ZONE_STATUSES: tuple[str, ...] = ("built", "under_construction")

POWER_ZONE_COLUMNS: tuple[str, ...] = ("power_zone", "power_zone_kv", "power_zone_m", "power_zone_dist_m",
                                       "power_zone_key", "power_zone_reason_zh", "power_zone_reason_en")
"""Columns of the protection-zone check (:func:`power_zone_columns`)."""

def zone_widths(voltage_kv: np.ndarray, cable: np.ndarray, rules: dict) -> tuple[np.ndarray, np.ndarray]:
    """Protection-zone width (m, each side of the line) and its rules key for every power line.

    A cable takes ``coverage.cable_protection_zone_m``; an overhead line (or one whose laying is
    not known) the first band of ``coverage.power_protection_zone_m`` whose key (the band's
    highest voltage, kV) is ≥ its voltage, the widest band above the last. A voltage below
    :data:`ZONE_MIN_KV` or not known has no zone (NaN, key ``""``).
    """
    cov = rules["coverage"]
    bands = sorted(((float(k), float(v)) for k, v in cov["power_protection_zone_m"].items()), key=lambda b: b[0])
    keys = {float(k): str(k) for k in cov["power_protection_zone_m"]}
    kv = np.asarray(voltage_kv, dtype=float)
    width = np.full(len(kv), np.nan)
    key = np.full(len(kv), "", dtype=object)
    if bands:
        tops = np.array([b[0] for b in bands])
        at = np.minimum(np.searchsorted(tops, kv, side="left"), len(bands) - 1)
        has = ~np.isnan(kv) & (kv >= ZONE_MIN_KV)
        width[has] = np.array([b[1] for b in bands])[at[has]]
        key[has] = np.array([f"coverage.power_protection_zone_m.{keys[b[0]]}" for b in bands], dtype=object)[at[has]]
    cable = np.asarray(cable, dtype=bool) & ~np.isnan(kv) & (kv >= ZONE_MIN_KV)
    width[cable] = float(cov["cable_protection_zone_m"])
    key[cable] = "coverage.cable_protection_zone_m"
    return width, key


@dataclass
class ZoneLines:
    """Power lines with a protection zone, in one metric CRS (:func:`zone_lines`). Picklable."""

    geoms: np.ndarray
    width_m: np.ndarray
    key: np.ndarray
    kv: np.ndarray
    ids: np.ndarray
    cable: np.ndarray
    status: np.ndarray

    def __len__(self) -> int:
        return len(self.geoms)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["geoms"] = _wkb(self.geoms)
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        state["geoms"] = _from_wkb(state["geoms"])
        self.__dict__.update(state)


def zone_lines(powerlines: gpd.GeoDataFrame | None, rules: dict, *, crs: Any = None,
               statuses: tuple[str, ...] | None = ZONE_STATUSES, min_kv: float | None = None) -> ZoneLines:
    """The power lines whose protection zone counts, with their zone widths (:func:`zone_widths`).

    Parameters
    ----------
    powerlines : GeoDataFrame or None
        The workspace layer (``voltage_kv``, ``laying`` 架空/电缆, ``status``, ``line_id``).
    rules : dict
    crs : optional
        Bring the lines to this (metric) CRS.
    statuses : tuple of str, optional
        Line statuses that count (a line without status is built); None: every line.
    min_kv : float, optional
        Only lines of this voltage or more.
    """
    none = np.array([], dtype=object)
    if powerlines is None or len(powerlines) == 0 or "voltage_kv" not in powerlines.columns:
        return ZoneLines(none, np.zeros(0), none, np.zeros(0), none, np.zeros(0, bool), none)
    frame = _to_crs(powerlines, crs)
    kv = pd.to_numeric(frame["voltage_kv"], errors="coerce").to_numpy(dtype=float)
    laying = _norm_text(frame["laying"]).fillna("").to_numpy(dtype=object) if "laying" in frame.columns \
        else np.full(len(frame), "", dtype=object)
    cable = laying == "cable"
    width, key = zone_widths(kv, cable, rules)
    status = _norm_text(frame["status"]).fillna("").to_numpy(dtype=object) if "status" in frame.columns \
        else np.full(len(frame), "", dtype=object)
    keep = ~np.isnan(width)
    if statuses is not None:
        keep &= np.isin(status, [*statuses, ""])
    if min_kv is not None:
        keep &= kv >= float(min_kv)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    keep &= ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    ids = _ids(frame, "powerlines")
    return ZoneLines(geoms[keep], width[keep], key[keep], kv[keep], ids[keep], cable[keep], status[keep])


def zone_pairs(geoms: np.ndarray, zones: ZoneLines, *, corridor_m: float | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(parcel index, line index, distance) of every parcel a protection zone reaches into:
    distance to the line < its zone width (a zone edge on the boundary does not reach in);
    with ``corridor_m`` also every line within that distance. Sorted by parcel, then line."""
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not len(zones) or not present.any():
        return empty
    reach = max(float(np.nanmax(zones.width_m)), float(corridor_m or 0.0))
    where = np.flatnonzero(present)
    pi, li = shapely.STRtree(zones.geoms).query(geoms[where], predicate="dwithin", distance=reach)
    pi = where[pi]
    d = shapely.distance(geoms[pi], zones.geoms[li])
    hit = d < zones.width_m[li]
    if corridor_m:
        hit |= d <= float(corridor_m)
    order = np.lexsort((li[hit], pi[hit]))
    return pi[hit][order], li[hit][order], d[hit][order]


def zone_texts(li: np.ndarray, d: np.ndarray, zones: ZoneLines, *,
               corridor_m: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One text per (parcel, line) pair in Chinese and English: the line, its distance, its zone
    width and the source (电力设施保护条例 Art. 10 for the shipped widths, else the local rules;
    a line within ``corridor_m`` but outside its zone: the corridor). Catalogue ``reason.power.*``."""
    from .rules import load_rules

    defaults = load_rules()["coverage"]
    li = np.asarray(li, dtype=np.int64)
    dist = np.asarray(d, dtype=float)
    key, width = zones.key[li], zones.width_m[li].astype(float)
    cable = zones.cable[li].astype(bool)
    bands = {str(k): v for k, v in defaults["power_protection_zone_m"].items()}
    shipped_width = np.array([defaults["cable_protection_zone_m"] if c else bands.get(str(k).rsplit(".", 1)[-1], np.nan)
                              for k, c in zip(key, cable, strict=True)], dtype=float)
    shipped = shipped_width == width
    status = np.asarray(zones.status[li], dtype=object)
    laying = np.where(cable, "cable", "overhead")
    line = Lang(*(text.fill("reason.power.line", lang, kv=text.plains(zones.kv[li]),
                            line=np.asarray(zones.ids[li], dtype=object), laying=text.values("laying", laying, lang),
                            status=np.where(status != "", text.concat(text.values("line_status", status, lang),
                                                                      "" if lang == "zh" else " "), ""))
                  for lang in ("zh", "en")))
    where = Lang(*text.pair_cases(len(li), (dist <= 0, "reason.power.meets", {}),
                                  (True, "reason.power.near", {"dist": text.numbers(dist, "m")})))
    source = Lang(*(np.where(shipped, labels.t("src.power_protection", lang), labels.t("src.local_rules", lang))
                    for lang in ("zh", "en")))
    fields = {"line": line, "where": where, "source": source, "width": text.plains(width),
              "corridor": text.plain(corridor_m) if corridor_m else ""}
    corridor_source = {**fields, "source": Lang(labels.t("src.local_rules", "zh"), labels.t("src.local_rules", "en"))}
    return text.pair_cases(len(li), (dist < width, "reason.power.inside", fields),
                           (True, "reason.power.corridor", corridor_source))


def power_zone_columns(geoms: np.ndarray, zones: ZoneLines) -> dict[str, np.ndarray]:
    """:data:`POWER_ZONE_COLUMNS` for every parcel: whether a protection zone reaches into it
    (``power_zone``); the voltage, zone width, distance and width's rules key of the
    highest-voltage such line (the nearest of equal voltage); and every such line in words, with
    its figures and source."""
    n = len(geoms)
    pi, li, d = zone_pairs(geoms, zones)
    out = {"power_zone": np.zeros(n, dtype=bool), "power_zone_kv": np.full(n, np.nan),
           "power_zone_m": np.full(n, np.nan), "power_zone_dist_m": np.full(n, np.nan),
           "power_zone_key": np.full(n, "", dtype=object),
           "power_zone_reason_zh": np.full(n, "", dtype=object), "power_zone_reason_en": np.full(n, "", dtype=object)}
    if not len(pi):
        return out
    first = np.lexsort((li, d, -zones.kv[li], pi))
    head = first[np.r_[True, pi[first][1:] != pi[first][:-1]]]
    rows = pi[head]
    out["power_zone"][rows] = True
    out["power_zone_kv"][rows] = zones.kv[li[head]]
    out["power_zone_m"][rows] = zones.width_m[li[head]]
    out["power_zone_dist_m"][rows] = d[head]
    out["power_zone_key"][rows] = zones.key[li[head]]
    zh, en = zone_texts(li[first], d[first], zones)
    for name, texts, lang in (("power_zone_reason_zh", zh, "zh"), ("power_zone_reason_en", en, "en")):
        joined = pd.Series(texts).groupby(pi[first], sort=True).agg(text.sep("clause", lang).join)
        out[name][joined.index.to_numpy()] = joined.to_numpy()
    return out


# --------------------------------------------------------------------------------------------
# routing along roads


class _RoadGraph:
    """Noded road centrelines as a weighted undirected graph of straight segments."""

    def __init__(self, road_geoms: np.ndarray) -> None:
        road_geoms = road_geoms[~shapely.is_missing(road_geoms)]
        road_geoms = road_geoms[~shapely.is_empty(road_geoms)]
        self.empty = len(road_geoms) == 0
        if self.empty:
            self.seg_uv = np.zeros((0, 2), dtype=np.int64)
            self.nodes_xy = np.zeros((0, 2))
            return
        noded = shapely.node(shapely.GeometryCollection(list(road_geoms)))  # splits at crossings
        parts = shapely.get_parts(noded)
        coords, which = shapely.get_coordinates(parts, return_index=True)
        same = which[:-1] == which[1:]
        a, b = coords[:-1][same], coords[1:][same]
        keep = np.any(a != b, axis=1)
        a, b = a[keep], b[keep]
        key = np.round(np.vstack([a, b]), NODE_DECIMALS)
        # unique (x, y) pairs in lexicographic order, through a complex view (one 1-D sort; the
        # same order as np.unique(axis=0), several times faster)
        keys, inv = np.unique(key[:, 0] + 1j * key[:, 1], return_inverse=True)
        self.nodes_xy = np.c_[keys.real, keys.imag]
        inv = inv.ravel()
        u, v = inv[: len(a)], inv[len(a) :]
        self.seg_uv = np.c_[u, v]
        self.seg_len = np.hypot(*(b - a).T)
        self.segments = shapely.linestrings(np.stack([a, b], axis=1))
        self.tree = shapely.STRtree(self.segments)
        self.points = shapely.points(self.nodes_xy)
        # both directions; of parallel segments between two nodes the shortest is the edge
        eu, ev, ew = np.r_[u, v], np.r_[v, u], np.r_[self.seg_len, self.seg_len]
        order = np.lexsort((ew, ev, eu))
        eu, ev, ew = eu[order], ev[order], ew[order]
        first = np.r_[True, (eu[1:] != eu[:-1]) | (ev[1:] != ev[:-1])]
        self.edges = (eu[first], ev[first], ew[first])

    def routes_ready(self) -> None:
        """Wait for the road graph and route sources when they are built in the background
        (``prepare_networks(..., background=True)``); an error there is raised here."""
        pending = self.__dict__.pop("_pending", None)
        if pending is not None:
            pending.result()

    def __getstate__(self) -> dict:
        self.routes_ready()
        state = dict(self.__dict__)
        for name in ("segments", "points"):
            if name in state:
                state[name] = _wkb(state[name])
        state.pop("tree", None)
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        for name in ("segments", "points"):
            if name in state:
                state[name] = _from_wkb(state[name])
        if "segments" in state:
            state["tree"] = shapely.STRtree(state["segments"])
        self.__dict__.update(state)

    def from_network(self, net: np.ndarray, tolerance: float, *, paths: bool):
        """Multi-source Dijkstra from the road nodes within ``tolerance`` of the network lines.

        A source node starts at its distance to the network (the straight stub from the network
        to the road). Returns (distance per node (inf when unreachable), paths or None, index of
        the nearest network line per source node).
        """
        dist = np.full(len(self.nodes_xy), np.inf)
        if self.empty or len(net) == 0:
            return dist, None, {}
        near_idx, near_d = _nearest(net, self.points, tolerance, beyond=False)
        cand = np.flatnonzero(near_idx >= 0)
        if len(cand) == 0:
            return dist, None, {}
        near_idx, near_d = near_idx[cand], near_d[cand]
        # one Dijkstra from a virtual source joined to every source node by its stub (scipy's
        # sparse graphs drop zero weights, so stubs carry _EPS_M, taken off afterwards)
        n = len(self.nodes_xy)
        eu, ev, ew = self.edges
        graph = csr_matrix((np.r_[ew, near_d + _EPS_M], (np.r_[eu, np.full(len(cand), n)], np.r_[ev, cand])),
                           shape=(n + 1, n + 1))
        if paths:
            lengths, pred = dijkstra(graph, directed=True, indices=n, return_predecessors=True)
        else:
            lengths, pred = dijkstra(graph, directed=True, indices=n), None
        dist = lengths[:n] - _EPS_M
        return dist, pred, dict(zip(cand.tolist(), near_idx.tolist(), strict=True))

    def path(self, pred: np.ndarray, node: int) -> list[int]:
        """Road nodes from the first one after the network to ``node`` (Dijkstra predecessors)."""
        out = [int(node)]
        source = len(self.nodes_xy)
        while pred[out[-1]] != source:
            out.append(int(pred[out[-1]]))
        return out[::-1]


def _route_all(
    metric: gpd.GeoDataFrame,
    nets: Networks,
    near: dict[str, tuple[np.ndarray, np.ndarray]],
    rules: dict,
    *,
    geometry: bool,
) -> dict[str, dict[str, np.ndarray]]:
    """Routed extension for every gap parcel of every type (see :func:`extension_routes`)."""
    cov = rules["coverage"]
    geoms = np.asarray(metric.geometry.array, dtype=object)
    n = len(geoms)
    graph = nets.graph
    max_service = max(float(cov["service_distance_m"][t]) for t in NETWORK_TYPES)
    seg_idx = seg_d = None
    out: dict[str, dict[str, np.ndarray]] = {}
    for t in NETWORK_TYPES:
        line_idx, dist = near[t]
        service = float(cov["service_distance_m"][t])
        gap = ~(dist <= service) & ~np.isnan(dist)
        length = dist.copy()
        routed = np.zeros(n, dtype=bool)
        geom_out = np.full(n, None, dtype=object)
        net = nets.lines[t]
        if gap.any() and not graph.empty:
            node_d, paths, src_line = nets.sources[t]
            if seg_idx is None:  # the parcel's nearest road segment, if within some service distance
                seg_idx, seg_d = _nearest(graph.segments, geoms, max_service, beyond=False, tree=graph.tree)
            g = np.flatnonzero(gap & (seg_idx >= 0) & (seg_d <= service))
            s = seg_idx[g]
            shortest = shapely.shortest_line(geoms[g], graph.segments[s])  # parcel → road
            road_pt = shapely.get_coordinates(shapely.get_point(shortest, 1))
            u, v = graph.seg_uv[s, 0], graph.seg_uv[s, 1]
            du = node_d[u] + np.hypot(*(road_pt - graph.nodes_xy[u]).T)
            dv = node_d[v] + np.hypot(*(road_pt - graph.nodes_xy[v]).T)
            best = np.minimum(du, dv)
            ok = np.isfinite(best)
            total = np.maximum(best + seg_d[g], dist[g])  # ≥ straight: guard against rounding
            length[g[ok]] = total[ok]
            routed[g[ok]] = True
            if geometry:
                via = np.where(du <= dv, u, v)
                for k in np.flatnonzero(ok):  # one geometry per routed gap: output building only
                    node_path = graph.path(paths, int(via[k]))
                    first = node_path[0]
                    net_line = net[src_line[first]]
                    start = shapely.shortest_line(graph.points[first], net_line)
                    pts = [shapely.get_coordinates(start)[1]]
                    pts.extend(graph.nodes_xy[node_path])
                    pts.append(road_pt[k])
                    pts.append(shapely.get_coordinates(shortest[k])[0])
                    geom_out[g[k]] = _dedupe_line(np.asarray(pts))
        if geometry:
            straight = np.flatnonzero(gap & ~routed)
            if len(straight):
                # network → parcel, straight
                sl = shapely.shortest_line(net[line_idx[straight]], geoms[straight])
                geom_out[straight] = sl
        out[t] = {"gap": gap, "length": length, "routed": routed, "geometry": geom_out}
    return out


def _dedupe_line(pts: np.ndarray) -> shapely.LineString:
    keep = np.r_[True, np.any(np.abs(np.diff(pts, axis=0)) > 0, axis=1)]
    pts = pts[keep]
    if len(pts) == 1:
        pts = np.vstack([pts, pts])
    return shapely.LineString(pts)


def extension_routes(
    parcels: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    pipelines: gpd.GeoDataFrame | None = None,
    powerlines: gpd.GeoDataFrame | None = None,
    rules: dict,
) -> gpd.GeoDataFrame:
    """The extension each parcel needs for each network it lacks, as a line.

    Model (built once per call, in the metric CRS of the parcels):

    - **Routing graph**: the centrelines of *all* roads (built, under construction, planned and
      without status), because new pipes and cables are laid in road corridors, also of roads
      being built. Lines are noded at crossings (``shapely.node``); vertices equal to the mm
      are one node; edges are the straight segments, weighted by length. Roads that end short
      of another road (an undershoot) are not joined.
    - **Network side**: every road node within the type's service distance of a built line of
      that type is a source, starting at its straight distance to that line (the stub from the
      network to the road). One multi-source Dijkstra per type (``scipy.sparse.csgraph``).
    - **Parcel side**: the nearest road segment to the parcel when within the type's service
      distance of it (else no road serves the parcel), split at the point nearest the
      parcel: length = stub (parcel to that point = its distance to the road) + min over the
      segment's two ends of (Dijkstra distance + distance along the segment).
    - **Fallback**: when the parcel's nearest road is farther than the service distance or is
      not reached from the network (no road, no source node, another component), the straight line from the network to the parcel
      (length = ``dist_<t>_m``), ``routed = False``.

    Approximations: only the parcel's *nearest* road is tried (a farther, connected road is not);
    the network joins the roads at road nodes, not at arbitrary points along a segment; the
    routed length is never below the straight distance.

    Parameters
    ----------
    parcels, roads, pipelines, powerlines, rules
        As for :func:`evaluate_coverage`.

    Returns
    -------
    GeoDataFrame
        One row per (parcel, type) gap (``has_<t>`` False and a network of type ``t`` exists):
        ``parcel_id``, ``type``, ``length_m``, ``cost_wan``, ``routed`` and a LineString from
        the network to the parcel, in the metric CRS of the parcels. Sorted by parcel order,
        then type order.
    """
    metric = _parcel_frame(parcels)
    nets = prepare_networks(roads=roads, pipelines=pipelines, powerlines=powerlines, rules=rules,
                            crs=metric.crs, routes=True, paths=True)
    geoms = np.asarray(metric.geometry.array, dtype=object)
    near = _distances(geoms, nets, rules["coverage"]["service_distance_m"])
    res = _route_all(metric, nets, near, rules, geometry=True)
    pid = metric["parcel_id"].to_numpy(dtype=object)
    frames = []
    for order, t in enumerate(NETWORK_TYPES):
        r = res[t]
        rows = np.flatnonzero(r["gap"])
        frames.append(
            pd.DataFrame(
                {
                    "_row": rows,
                    "_type": order,
                    "parcel_id": pid[rows],
                    "type": t,
                    "length_m": r["length"][rows],
                    "cost_wan": r["length"][rows] * float(rules["coverage"]["unit_cost_wan_per_m"][t]),
                    "routed": r["routed"][rows],
                    "geometry": r["geometry"][rows],
                }
            )
        )
    table = pd.concat(frames, ignore_index=True).sort_values(["_row", "_type"], kind="stable")
    table = table.drop(columns=["_row", "_type"]).reset_index(drop=True)
    table["routed"] = table["routed"].astype(bool)
    return gpd.GeoDataFrame(table, geometry="geometry", crs=metric.crs)


# --------------------------------------------------------------------------------------------
# network QA

_ID_COLUMN = {"roads": "road_id", "pipelines": "pipe_id", "powerlines": "line_id", "facilities": "facility_id"}


def _ids(frame: gpd.GeoDataFrame, layer: str) -> np.ndarray:
    col = _ID_COLUMN[layer]
    if col in frame.columns:
        ids = frame[col].astype("string").fillna("")
        return np.where(ids == "", "#" + pd.Series(frame.index.astype(str)).to_numpy(), ids.to_numpy(dtype=object))
    return np.asarray("#" + pd.Series(frame.index.astype(str)), dtype=object)


def _components(geoms: np.ndarray) -> np.ndarray:
    """Component label per line: lines within :data:`QA_TOLERANCE_M` of each other are joined;
    labels 0, 1, … in order of each component's lowest line index (scipy's csgraph)."""
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=QA_TOLERANCE_M)
    n = len(geoms)
    graph = csr_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    # labels numbered in order of each piece's first line, as networkx numbered them: of two
    # pieces of equal length, network_qa's main network is the one holding the lower row
    _, label = connected_components(graph, directed=False)
    return label.astype(np.int64)


def _dangles(geoms: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Per line: number of its two ends that come near no other line of its group nor ``extra``."""
    n = len(geoms)
    ends = np.concatenate([shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)])
    owner = np.r_[np.arange(n), np.arange(n)]
    closed = np.concatenate([shapely.is_closed(geoms)] * 2)
    tree = shapely.STRtree(geoms)
    e, line = tree.query(ends, predicate="dwithin", distance=QA_TOLERANCE_M)
    touched = np.zeros(len(ends), dtype=bool)
    touched[e[line != owner[e]]] = True
    if len(extra):
        e2, _ = shapely.STRtree(extra).query(ends, predicate="dwithin", distance=QA_TOLERANCE_M)
        touched[e2] = True
    loose = ~touched & ~closed
    return np.bincount(owner[loose], minlength=n)


def network_qa(
    *,
    roads: gpd.GeoDataFrame | None = None,
    pipelines: gpd.GeoDataFrame | None = None,
    powerlines: gpd.GeoDataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    parcels: gpd.GeoDataFrame | None = None,
    rules: dict,
) -> pd.DataFrame:
    """Problems in the network layers that make coverage results doubtful, one row per problem.

    Checks (lines with no geometry are reported and skipped by the geometric checks):

    - ``missing status``: the line or facility has no status (taken as built by the analyses).
    - ``missing kind`` (pipelines, facilities: empty or not a SPEC §3 kind) and
      ``missing voltage`` (power lines: empty or not a number; ``voltage not supplying`` is
      not a problem).
    - ``dangle``: a line end that comes within :data:`QA_TOLERANCE_M` of no other line of the
      same network (roads: all roads; pipelines: same kind; power lines: same voltage) nor of a
      facility. Dead ends and undershoots look alike; both are reported.
    - ``unconnected piece``: the line belongs to a connected group of lines (same grouping,
      within the tolerance) that is not the largest group (by total length) of its network.
    - ``missing geometry``.
    - ``substation over capacity`` (when ``parcels`` and ``facilities`` are given and parcel
      loads are known): see :func:`substation_loads`.

    Parameters
    ----------
    roads, pipelines, powerlines, facilities : GeoDataFrame, optional
    parcels : GeoDataFrame, optional
        Sets the metric CRS (that of the parcels; else each layer's own metric CRS) and gives
        the loads of the substation check.
    rules : dict
        The rules in force (``coverage.load_kva_per_mu`` for the substation check).

    Returns
    -------
    DataFrame
        Columns ``layer``, ``feature_id``, ``problem``, ``message`` (English) and
        ``message_zh`` (the same in Chinese, from the catalogue's ``qa.*``); empty when all
        is well.
    """
    target = to_metric(parcels).crs if parcels is not None and parcels.crs is not None else None
    rows: list[pd.DataFrame] = []

    def add(layer: str, ids: np.ndarray, problem: str, group: str | dict = "", key: str = "", **fields) -> None:
        """Rows of ``problem`` for ``ids`` (its words: ``key``, else ``qa.<problem>``); a field
        given as an array varies by row, one given as ``{"zh": …, "en": …}`` by language."""
        if not len(ids):
            return
        key = key or "qa." + problem.replace(" ", "_")
        out = {"layer": layer, "feature_id": ids, "problem": problem}
        for lang, column in (("en", "message"), ("zh", "message_zh")):
            named = group[lang] if isinstance(group, dict) else group
            what = labels.t(f"layer.{layer}", lang) + (f" ({named})" if named else "")
            shared = {k: v[lang] if isinstance(v, dict) else v for k, v in fields.items()
                      if not isinstance(v, np.ndarray)}
            per_row = {k: v for k, v in fields.items() if isinstance(v, np.ndarray)}
            if per_row:
                out[column] = [labels.t(key, lang, what=what, **shared, **{k: v[i] for k, v in per_row.items()})
                               for i in range(len(ids))]
            else:
                out[column] = labels.t(key, lang, what=what, **shared)
        rows.append(pd.DataFrame(out))

    fac_geoms = np.array([], dtype=object)
    if facilities is not None and len(facilities):
        fac = _to_crs(facilities, target) if target is not None else to_metric(facilities)
        ids = _ids(fac, "facilities")
        fac_geoms = np.asarray(_valid_geoms(fac.geometry).array, dtype=object)
        _attribute_checks(add, "facilities", fac, ids)

    for layer, frame in (("roads", roads), ("pipelines", pipelines), ("powerlines", powerlines)):
        if frame is None or len(frame) == 0:
            continue
        frame = _to_crs(frame, target) if target is not None else (to_metric(frame) if frame.crs else frame)
        ids = _ids(frame, layer)
        _attribute_checks(add, layer, frame, ids)
        geoms = np.asarray(frame.geometry.array, dtype=object)
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        add(layer, ids[~present], "missing geometry")
        if layer == "pipelines":
            group = _norm_text(frame["kind"]).fillna("") if "kind" in frame.columns else pd.Series("", index=frame.index)
        elif layer == "powerlines":
            group = (pd.to_numeric(frame["voltage_kv"], errors="coerce").map("{:g} kV".format, na_action="ignore")
                     .astype("string").fillna("")
                     if "voltage_kv" in frame.columns else pd.Series("", index=frame.index))
        else:
            group = pd.Series("", index=frame.index)
        group = group.to_numpy(dtype=object)
        for name in pd.unique(group[present]):
            sel = np.flatnonzero(present & (group == name))
            if len(sel) == 0:
                continue
            g = geoms[sel]
            group_name = ({lang: labels.value("pipe_kind", name, lang) for lang in ("zh", "en")}
                          if layer == "pipelines" else name)
            loose = _dangles(g, fac_geoms)
            d = np.flatnonzero(loose > 0)
            add(layer, ids[sel[d[loose[d] == 2]]], "dangle", group=group_name, key="qa.dangle_both")
            add(layer, ids[sel[d[loose[d] == 1]]], "dangle", group=group_name)
            label = _components(g)
            if label.max() > 0:
                total = np.bincount(label, weights=shapely.length(g))
                main = int(np.argmax(total))
                off = np.flatnonzero(label != main)
                add(layer, ids[sel[off]], "unconnected piece", group=group_name, pieces=len(total))
    if parcels is not None and facilities is not None and len(facilities) and len(parcels):
        loads = substation_loads(parcels, facilities, rules)
        over = loads[loads["over_capacity"]]
        add("facilities", over["facility_id"].to_numpy(dtype=object), "substation over capacity",
            load=np.array([labels.fmt(v, "kva") for v in over["load_kva"]], dtype=object),
            parcels=over["parcels_with_load"].to_numpy(dtype=object),
            capacity=np.array([labels.fmt(v, "kva") for v in over["capacity_kva"]], dtype=object),
            pct=np.array([labels.fmt(v, "pct", digits=0) for v in over["load_pct"]], dtype=object))
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object)
                             for c in ("layer", "feature_id", "problem", "message", "message_zh")})
    return pd.concat(rows, ignore_index=True)


_KVA_PER_UNIT = {"kva": 1.0, "千伏安": 1.0, "mva": 1000.0, "兆伏安": 1000.0}


def _parcel_loads(parcels: gpd.GeoDataFrame, rules: dict) -> np.ndarray:
    """Planned load (kVA) of every parcel: its ``load_kva``, else area × the rules' load per mu."""
    per_mu = rules["coverage"].get("load_kva_per_mu") or {}
    own = num(parcels, "load_kva").to_numpy()
    code = (parcels["industry_code"].astype("string").str.strip().str[:2]
            if "industry_code" in parcels.columns else pd.Series(pd.NA, index=parcels.index, dtype="string"))
    density = code.map(lambda c: per_mu.get(c, per_mu.get("default")), na_action="ignore")
    density = pd.to_numeric(density.where(code.notna(), per_mu.get("default")), errors="coerce")
    by_rules = area_mu(parcels).to_numpy(dtype=float) * density.to_numpy(dtype=float)
    return np.where(np.isnan(own), by_rules, own)


def substation_loads(parcels: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, rules: dict) -> pd.DataFrame:
    """Planned load on every built substation against its capacity.

    Model: each parcel draws on its nearest built substation (straight distance in the metric
    CRS of the parcels; a substation without status counts as built). A parcel's load is its
    ``load_kva`` column (用电负荷/报装容量) when given, else ``area_mu × coverage.load_kva_per_mu``
    of its 2-digit industry code (``default`` for other codes); the shipped rules leave that
    figure empty (no source gave one), so by default only parcels with ``load_kva`` count.
    Capacities are compared in kVA: ``capacity_unit`` MVA/kVA (兆伏安/千伏安); MW or kW would need
    a power factor the rules do not give, so such substations are not checked
    (``checked`` False, with the reason).

    Returns
    -------
    DataFrame
        One row per built substation: ``facility_id``, ``name``, ``capacity_kva``,
        ``parcels`` (parcels assigned), ``parcels_with_load``, ``load_kva``, ``load_pct``,
        ``over_capacity`` (bool), ``checked`` (bool), ``note``.
    """
    columns = ["facility_id", "name", "capacity_kva", "parcels", "parcels_with_load", "load_kva",
               "load_pct", "over_capacity", "checked", "note"]
    if facilities is None or len(facilities) == 0 or "kind" not in facilities.columns:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    metric = _parcel_frame(parcels)
    fac = _to_crs(facilities, metric.crs)
    sub = fac[(_norm_text(fac["kind"]) == "substation").fillna(False).to_numpy(dtype=bool) & _built_mask(fac)]
    sub = sub[~(shapely.is_missing(np.asarray(sub.geometry.array)) | np.asarray(sub.geometry.is_empty))]
    if len(sub) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    load = _parcel_loads(metric, rules)
    geoms = np.asarray(metric.geometry.array, dtype=object)
    which, _ = _nearest(np.asarray(sub.geometry.array, dtype=object), geoms, 0.0)
    has = which >= 0
    k = len(sub)
    assigned = np.bincount(which[has], minlength=k)
    known = has & ~np.isnan(load)
    with_load = np.bincount(which[known], minlength=k)
    total = np.bincount(which[known], weights=load[known], minlength=k)
    cap = pd.to_numeric(sub["capacity"], errors="coerce").to_numpy(dtype=float) if "capacity" in sub.columns else np.full(k, np.nan)
    unit = (_norm_text(sub["capacity_unit"]).fillna("").to_numpy(dtype=object)
            if "capacity_unit" in sub.columns else np.full(k, "", dtype=object))
    factor = np.array([_KVA_PER_UNIT.get(u, np.nan) for u in unit], dtype=float)
    cap_kva = cap * factor
    checked = ~np.isnan(cap_kva) & (with_load > 0)
    note = np.where(np.isnan(cap), "no capacity",
                    np.where(np.isnan(factor), "capacity unit not kVA/MVA (a power factor would be needed)",
                             np.where(with_load == 0, "no parcel load known (load_kva or coverage.load_kva_per_mu)", "")))
    ids = _ids(sub, "facilities")
    names = sub["name"].astype("string").fillna("").to_numpy(dtype=object) if "name" in sub.columns else np.full(k, "", dtype=object)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(checked, 100.0 * total / cap_kva, np.nan)
    return pd.DataFrame({
        "facility_id": ids, "name": names, "capacity_kva": cap_kva, "parcels": assigned,
        "parcels_with_load": with_load, "load_kva": np.where(with_load > 0, total, np.nan), "load_pct": pct,
        "over_capacity": checked & (total > cap_kva), "checked": checked, "note": note.astype(object),
    })


def _attribute_checks(add, layer: str, frame: gpd.GeoDataFrame, ids: np.ndarray) -> None:
    if "status" in frame.columns:
        status = _norm_text(frame["status"])
        no_status = (status.isna() | (status == "")).to_numpy(dtype=bool)
    else:
        no_status = np.ones(len(frame), dtype=bool)
    add(layer, ids[no_status], "missing status")
    if layer in ("pipelines", "facilities"):
        allowed = ALL_PIPE_KINDS if layer == "pipelines" else FACILITY_KINDS
        kind = _norm_text(frame["kind"]) if "kind" in frame.columns else pd.Series(pd.NA, index=frame.index, dtype="string")
        bad = ~kind.isin(allowed).fillna(False).to_numpy(dtype=bool)
        kind_of = "pipe_kind" if layer == "pipelines" else "facility_kind"
        add(layer, ids[bad], "missing kind",
            allowed={"en": ", ".join(allowed), "zh": "、".join(labels.value(kind_of, k, "zh") for k in allowed)})
    if layer == "powerlines":
        volt = (pd.to_numeric(frame["voltage_kv"], errors="coerce") if "voltage_kv" in frame.columns
                else pd.Series(np.nan, index=frame.index))
        bad = volt.isna().to_numpy(dtype=bool)
        add(layer, ids[bad], "missing voltage")


def coverage_summary(table: pd.DataFrame, rules: dict, *, lang: str = "zh") -> list[str]:
    """The park summary printed by ``landplan coverage`` in ``lang``: mu per readiness level,
    extensions by type.

    Unit costs are the rules file's (placeholders marked UNCONFIRMED there until a park sets
    its own 估算指标); the summary says so.
    """
    from .rules import is_unconfirmed

    lang = labels.check_lang(lang)
    area = pd.to_numeric(table["area_mu"], errors="coerce").fillna(0.0)
    levels = [level["name"] for level in rules["coverage"]["readiness"]] + [rules["coverage"]["below"]]
    lines = [labels.t("summary.coverage.readiness", lang)]
    for name in levels:
        mask = table["readiness"] == name
        lines.append("  " + labels.t("summary.mu_parcels", lang, label=labels.value("readiness", name, lang),
                              mu=labels.fmt(area[mask].sum(), "mu"), n=labels.fmt(int(mask.sum()), "count")))
    lines.append(labels.t("summary.coverage.extensions", lang))
    for kind in NETWORK_TYPES:
        network = labels.value("network_type", kind, lang)
        ext = pd.to_numeric(table.get(f"ext_{kind}_m"), errors="coerce")
        cost = pd.to_numeric(table.get(f"ext_{kind}_cost_wan"), errors="coerce")
        if ext is None or ext.isna().all():
            lines.append("  " + labels.t("summary.coverage.no_network", lang, network=network))
            continue
        flag = (labels.t("summary.coverage.unit_cost_unconfirmed", lang)
                if is_unconfirmed(f"coverage.unit_cost_wan_per_m.{kind}") else "")
        lines.append("  " + labels.t("summary.coverage.extension", lang, network=network, n=labels.fmt(int((ext > 0).sum()), "count"),
                              km=labels.fmt(ext.sum() / 1000, "km"), cost=labels.fmt(cost.sum(), "wan"), flag=flag))
    return lines
