"""The map's coordinates and drawing geometry: local metres, the map's resolution, rings,
paths and segments, and the parcels' gaps, bands and the networks' offsets.

The map (:mod:`landplan.app.map`) is a planar view over the workspace's own metric CRS
(Gauss-Krüger), shifted by an origin (:func:`local_origin`) so numbers stay small: no
reprojection to Web Mercator. Coordinates are rounded to :data:`PRECISION_M` and geometries
finer than the map's resolution are simplified (:func:`drawn`: a parcel of a million vertices
is sent as a few hundred), which keeps the payload small and :func:`inset` and :func:`band`
fast. Lines are sent as flat segments, each shared edge once (:func:`segment_rows`,
:func:`edge_rows`), a third smaller in JSON than objects; each network type is drawn beside
the others by its own slot (:func:`network_offset_m`), so that lines laid along one road
centreline all stay visible.

Plain numpy and shapely (no pydeck, no Streamlit):

>>> import shapely
>>> polygons = polygon_rings([shapely.box(39_500_000, 3_500_000, 39_500_100, 3_500_050)],
...                          origin=(39_500_000, 3_500_000))
>>> polygons[0]  # its polygons; each a list of rings, left open
[[[[100.0, 0.0], [100.0, 50.0], [0.0, 50.0], [0.0, 0.0]]]]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import shapely

from .. import style
from ..geometry import simplify_for_map

__all__ = [
    "PRECISION_M",
    "DRAW_WIDTH_PX",
    "PARCEL_GAP_SHARE",
    "local_origin",
    "to_local",
    "rounded",
    "span_m",
    "draw_tolerance_m",
    "drawn",
    "rings_of",
    "paths_of",
    "polygon_rings",
    "segment_rows",
    "edge_rows",
    "line_rows",
    "offset_lines",
    "parcel_gap_m",
    "inset",
    "band",
    "metres_per_px",
    "network_offset_m",
]

#: Coordinates sent to the browser are rounded to this many metres.
PRECISION_M = 0.1
#: The map's resolution: geometries are drawn no finer than half a pixel of a map this many
#: pixels wide showing the whole park (:func:`drawn`). It is the width of the server-drawn
#: image of a big park (:func:`landplan.app.mapraster.raster_image`), and a 560-pixel map
#: zoomed in twice (4×) shows as much detail.
DRAW_WIDTH_PX = 2048
#: Without the outline layer, parcels are drawn inset by half of this share of the park's span
#: (~1 px at the first view), so that their boundaries show as a thin gap; the selected
#: parcel's band is three times as wide.
PARCEL_GAP_SHARE = 1 / 560


def local_origin(bounds: Sequence[float], *, step: float = 10.0) -> tuple[float, float]:
    """The origin subtracted from every coordinate: ``(minx, miny)`` floored to ``step`` m."""
    minx, miny = float(bounds[0]), float(bounds[1])
    return (math.floor(minx / step) * step, math.floor(miny / step) * step)


def to_local(geoms: Iterable, origin: tuple[float, float]) -> np.ndarray:
    """Geometries shifted by ``origin`` and rounded to :data:`PRECISION_M`, repeats removed."""
    arr = np.asarray(list(geoms) if not isinstance(geoms, np.ndarray) else geoms, dtype=object)
    offset = np.asarray(origin, dtype="float64")
    decimals = max(0, -int(math.floor(math.log10(PRECISION_M))))
    moved = shapely.transform(arr, lambda xy: np.round(xy - offset, decimals))
    return shapely.remove_repeated_points(moved, PRECISION_M / 2)


def rounded(geoms):
    """Local geometries rounded to :data:`PRECISION_M` (as :func:`to_local` leaves them)."""
    return to_local(geoms, (0.0, 0.0))


def span_m(bounds: Sequence[float]) -> float:
    """The larger side of ``bounds`` (minx, miny, maxx, maxy), at least 1 m."""
    return max(float(bounds[2]) - float(bounds[0]), float(bounds[3]) - float(bounds[1]), 1.0)


def _ring(ring) -> list[list[float]]:
    coords = shapely.get_coordinates(ring)
    if len(coords) > 1 and (coords[0] == coords[-1]).all():
        coords = coords[:-1]  # deck.gl closes polygons itself
    return coords.tolist()


def draw_tolerance_m(bounds: Sequence[float], *, width_px: int = DRAW_WIDTH_PX) -> float:
    """Half a pixel of a map ``width_px`` pixels wide showing ``bounds``, in metres: the
    finest detail the map draws.

    >>> draw_tolerance_m((0, 0, 4096, 1000))
    1.0
    """
    return span_m(bounds) / width_px / 2


def drawn(local_geoms: Sequence, bounds: Sequence[float]) -> np.ndarray:
    """The (local) geometries as the map draws them: those denser than the map's resolution
    simplified to :func:`draw_tolerance_m` of ``bounds`` (the park's), the others as they are.

    Only for drawing (see :func:`landplan.geometry.simplify_for_map`): a parcel of a million
    vertices becomes a few hundred, which keeps the payload small and :func:`inset` and
    :func:`band` fast; the areas shown are the parcels' own. Simplification keeps a subset
    of the vertices, so they stay rounded to :data:`PRECISION_M`.
    """
    return simplify_for_map(local_geoms, draw_tolerance_m(bounds))


def rings_of(local_geoms: Iterable) -> list[list[list[list[float]]]]:
    """Per (already local) geometry, its polygons as lists of rings, outer ring first."""
    out: list[list[list[list[float]]]] = []
    for geom in local_geoms:
        polys = []
        if geom is not None and not geom.is_empty:
            for part in shapely.get_parts(geom):
                if part.geom_type != "Polygon" or part.is_empty:
                    continue
                polys.append([_ring(part.exterior), *(_ring(r) for r in part.interiors)])
        out.append(polys)
    return out


def paths_of(local_geoms: Iterable) -> list[list[list[list[float]]]]:
    """Per (already local) geometry, its lines as lists of ``[x, y]`` vertices."""
    out: list[list[list[list[float]]]] = []
    for geom in local_geoms:
        paths = []
        if geom is not None and not geom.is_empty:
            for part in shapely.get_parts(geom):
                coords = shapely.get_coordinates(part)
                if len(coords) >= 2:
                    paths.append(coords.tolist())
        out.append(paths)
    return out


def polygon_rings(geoms: Iterable, *, origin: tuple[float, float]) -> list[list[list[list[float]]]]:
    """Per geometry, its polygons as lists of rings (outer ring first) in local metres.

    Empty or missing geometries give an empty list; rings are left open.
    """
    return rings_of(to_local(geoms, origin))


def segment_rows(paths: Iterable[Sequence], *, closed: bool = False) -> list[list[float]]:
    """``[x1, y1, x2, y2]`` rows, one per segment of ``paths`` (each a list of ``[x, y]``).

    ``closed`` paths (rings, left open) also get their closing segment. A segment given twice
    (the edge two neighbouring parcels share) is kept once, and zero-length ones are dropped;
    the others keep their order. Flat rows are a third smaller in JSON than ``{"s", "t"}``
    objects; the layer reads them with ``this[0]`` … ``this[3]``.
    """
    arrays = [np.asarray(p, dtype="float64").reshape(-1, 2) for p in paths if len(p) >= 2]
    if not arrays:
        return []
    lens = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
    return _segments(np.concatenate(arrays), lens, closed=closed)


def edge_rows(local_geoms: Sequence) -> list[list[float]]:
    """:func:`segment_rows` of the rings of (already local) polygons: their outlines, each
    edge once. Computed on the geometries at once (no lists of vertices in between)."""
    parts = _parts(local_geoms)
    rings = shapely.get_rings(parts[shapely.get_type_id(parts) == 3])  # of the Polygons
    if not len(rings):
        return []
    coords, which = shapely.get_coordinates(rings, return_index=True)
    lens = np.bincount(which, minlength=len(rings))
    keep = np.ones(len(coords), dtype=bool)
    keep[np.cumsum(lens) - 1] = False  # rings repeat their first vertex at the end
    lens = lens - 1
    return _segments(coords[keep], lens[lens > 0], closed=True)


def line_rows(local_geoms: Sequence) -> list[list[float]]:
    """:func:`segment_rows` of (already local) lines, each segment once, computed on the
    geometries at once like :func:`edge_rows`."""
    parts = _parts(local_geoms)
    lines = parts[np.isin(shapely.get_type_id(parts), (1, 2))]  # LineString, LinearRing
    if not len(lines):
        return []
    coords, which = shapely.get_coordinates(lines, return_index=True)
    lens = np.bincount(which, minlength=len(lines))
    return _segments(coords, lens[lens > 0], closed=False)


def _parts(geoms: Sequence) -> np.ndarray:
    """The single parts of the geometries that are there."""
    geoms = np.asarray(geoms, dtype=object)
    return shapely.get_parts(geoms[~shapely.is_missing(geoms)])


def _segments(flat: np.ndarray, lens: np.ndarray, *, closed: bool) -> list[list[float]]:
    """The segments of paths stored one after another in ``flat`` (``lens`` vertices each)."""
    first = np.repeat(np.cumsum(lens) - lens, lens)  # per vertex: its path's first vertex
    size = np.repeat(lens, lens)
    here = np.arange(len(flat))
    last = here == first + size - 1
    after = here + 1
    if closed:
        after[last] = first[last]
        keep = ~last | (size > 2)
    else:
        keep = ~last
    seg = np.hstack([flat[here[keep]], flat[after[keep]]])
    seg = seg[(seg[:, :2] != seg[:, 2:]).any(axis=1)]
    forward = (seg[:, 0] < seg[:, 2]) | ((seg[:, 0] == seg[:, 2]) & (seg[:, 1] <= seg[:, 3]))
    canonical = np.where(forward[:, None], seg, seg[:, [2, 3, 0, 1]])
    _, index = np.unique(canonical, axis=0, return_index=True)
    return seg[np.sort(index)].tolist()


def offset_lines(local_geoms: Sequence, distance_m: float) -> np.ndarray:
    """Lines moved ``distance_m`` across themselves (left of their direction when positive,
    mitred bends), rounded as :func:`to_local` leaves them; a line the offset loses (a
    hairpin) is kept as it is."""
    geoms = np.asarray(local_geoms, dtype=object)
    moved = shapely.offset_curve(geoms, distance_m, join_style="mitre", mitre_limit=2.0)
    lost = ~shapely.is_missing(geoms) & (shapely.is_missing(moved) | shapely.is_empty(moved))
    moved[lost] = geoms[lost]
    return rounded(moved)


def parcel_gap_m(bounds: Sequence[float]) -> float:
    """The width of the gap between parcels drawn without outlines (:data:`PARCEL_GAP_SHARE`
    of the span of ``bounds``), rounded to :data:`PRECISION_M`, at least twice that."""
    return max(round(span_m(bounds) * PARCEL_GAP_SHARE, 1), 2 * PRECISION_M)


def inset(local_geoms: Sequence, gap_m: float) -> np.ndarray:
    """Polygons shrunk by ``gap_m / 2`` (mitred corners), so neighbours show a ``gap_m`` gap.

    A polygon too thin to keep any area is kept as it is; missing ones stay missing.
    """
    geoms = np.asarray(local_geoms, dtype=object)
    shrunk = shapely.buffer(geoms, -gap_m / 2, join_style="mitre")
    lost = shapely.is_missing(shrunk) | shapely.is_empty(shrunk)
    shrunk[lost] = geoms[lost]
    return rounded(shrunk)


def band(local_geom, width_m: float):
    """The inner band of a polygon ``width_m`` wide (its outline drawn as an area)."""
    inner = shapely.buffer(local_geom, -width_m, join_style="mitre")
    return rounded([shapely.difference(local_geom, inner)])[0]


def metres_per_px(bounds: Sequence[float], *, width_px: int = 560, height_px: int = 560) -> float:
    """Metres per screen pixel at the first view of ``bounds`` (:func:`view_state`)."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    return 1 / (0.92 * min(width_px / span_x, height_px / span_y))


def network_offset_m(key: str, bounds: Sequence[float]) -> float:
    """How far a network of ``key`` (a pipe kind, or ``"power"``) is drawn beside its line,
    in metres: its slot (:func:`landplan.style.network_slot`) times the slots' spacing in
    pixels at the first view of ``bounds``, rounded to :data:`PRECISION_M`. Two types on one
    road centreline are drawn apart; the distance is fixed in metres (zoomed in, it grows on
    screen).

    >>> network_offset_m("water", (0, 0, 1288, 500)), network_offset_m("power", (0, 0, 1288, 500))
    (-7.5, 22.5)
    """
    return round(style.network_slot(key) * style.network_spacing_px() * metres_per_px(bounds), 1)
