"""Geometry helpers shared by import, workspace and analyses: measuring and canonical forms."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .crs import metric_crs
from .units import M2_PER_MU

__all__ = ["to_metric", "area_m2", "area_mu", "single_part", "polygonal_part", "simplify_for_map",
           "DENSE_EDGES"]

#: A geometry with more edges than this shorter than the map's tolerance is simplified for
#: drawing; others are drawn as they are (:func:`simplify_for_map`).
DENSE_EDGES = 16


def to_metric(frame: gpd.GeoDataFrame | gpd.GeoSeries):
    """``frame`` in the metric CRS to measure it in (SPEC §4); unchanged when it already is."""
    target = metric_crs(frame.crs, frame.total_bounds)
    return frame if frame.crs.equals(target) else frame.to_crs(target)


def area_m2(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Area of every geometry in m², measured in the metric CRS of the data.

    Geographic and Web-Mercator inputs are projected first, so a park at 30° N is never
    measured 33 % too large.

    >>> from shapely.geometry import box
    >>> s = gpd.GeoSeries([box(0, 0, 100, 100)], crs="EPSG:4527")
    >>> float(area_m2(s).iloc[0])
    10000.0
    """
    return to_metric(frame).area.rename("area_m2")


def area_mu(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Area of every geometry in mu (亩; 1 mu = 10000/15 m² exactly).

    >>> from shapely.geometry import box
    >>> s = gpd.GeoSeries([box(0, 0, 100, 100)], crs="EPSG:4527")
    >>> float(area_mu(s).iloc[0])
    15.0
    """
    return (area_m2(frame) / M2_PER_MU).rename("area_mu")


def single_part(geoms: np.ndarray) -> np.ndarray:
    """Multi-geometries of exactly one part as that part (the canonical form); others as given."""
    geoms = np.asarray(geoms, dtype=object)
    type_id = shapely.get_type_id(geoms)
    multi = np.isin(type_id, (4, 5, 6)) & (shapely.get_num_geometries(geoms) == 1)
    out = geoms.copy()
    out[multi] = shapely.get_geometry(geoms[multi], 0)
    return out


def polygonal_part(geom):
    """The polygonal part of a geometry (as made by ``make_valid``), or an empty polygon."""
    if geom is None:
        return shapely.Polygon()
    kind = geom.geom_type
    if kind in {"Polygon", "MultiPolygon"}:
        return geom
    if kind == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in {"Polygon", "MultiPolygon"}]
        polys = []
        for part in parts:
            polys.extend(shapely.get_parts(part))
        if not polys:
            return shapely.Polygon()
        return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    return shapely.Polygon()


def simplify_for_map(geoms, tolerance_m: float, *, frame: tuple[float, float, float, float] | None = None
                     ) -> np.ndarray:
    """Geometries as a map draws them: clipped to its frame, no finer than ``tolerance_m``.

    Only for drawing: areas and every computed value stay on the original geometries.

    Each geometry is first clipped to ``frame`` (``minx, miny, maxx, maxy``) when given, so a
    neighbour that only partly shows costs only its visible part. Then a geometry with more
    than :data:`DENSE_EDGES` edges shorter than ``tolerance_m`` is simplified by
    :func:`shapely.simplify` (Douglas-Peucker; where that leaves an invalid or empty geometry,
    with the topology preserved, so that no ring collapses or crosses another): its outline
    moves by at most ``tolerance_m`` (Hausdorff distance). With ``tolerance_m`` half a pixel of
    the map, nothing visible changes, and a parcel of a million vertices keeps a few hundred.
    The others, ordinary parcels, are returned as they are, so that the edges neighbours
    share stay shared.

    Parameters
    ----------
    geoms : array-like of shapely geometries (missing ones stay missing)
    tolerance_m : float
        The largest displacement allowed, in the geometries' units (metres); typically the map's
        extent in metres divided by its width in pixels, halved.
    frame : (float, float, float, float), optional
        The map's extent; parts outside it are cut off (:func:`shapely.clip_by_rect`).

    Returns
    -------
    ndarray of shapely geometries

    Examples
    --------
    >>> import numpy as np
    >>> a = np.linspace(0, 2 * np.pi, 100_000, endpoint=False)
    >>> circle = shapely.Polygon(np.column_stack([100 * np.cos(a), 100 * np.sin(a)]))
    >>> drawn = simplify_for_map([circle, shapely.box(0, 0, 1, 1)], 0.5)
    >>> shapely.get_num_coordinates(drawn).tolist()
    [33, 5]
    >>> bool(shapely.hausdorff_distance(circle, drawn[0]) <= 0.5)
    True
    """
    geoms = np.asarray(geoms, dtype=object)
    geoms = shapely.clip_by_rect(geoms, *frame) if frame is not None else geoms.copy()  # a new array
    dense = shapely.get_num_coordinates(geoms) > DENSE_EDGES + 1
    if dense.any():  # count the short edges of those that may have enough
        coords, which = shapely.get_coordinates(geoms[dense], return_index=True)
        short = (np.hypot(*np.diff(coords, axis=0).T) < tolerance_m) & (which[1:] == which[:-1])
        dense[dense] = np.bincount(which[1:][short], minlength=int(dense.sum())) > DENSE_EDGES
    if dense.any():
        # plain Douglas-Peucker is 20 times faster; where it breaks a ring (self-crossing, a
        # collapsed part or hole), the topology-preserving variant redoes that geometry
        fast = shapely.simplify(geoms[dense], tolerance_m, preserve_topology=False)
        broken = shapely.is_empty(fast) | ~shapely.is_valid(fast)
        fast[broken] = shapely.simplify(geoms[dense][broken], tolerance_m, preserve_topology=True)
        geoms[dense] = fast
    return geoms
