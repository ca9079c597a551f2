"""Nearest built line of every type for every parcel: exact distances by envelope queries
on STRtrees, in chunks on a small thread pool (see the package docstring, *Distances*)."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from ..geometry import to_metric
from .lines import NETWORK_TYPES

if TYPE_CHECKING:
    from .networks import Networks

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
