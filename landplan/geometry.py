"""Geometry helpers shared by import, workspace and analyses: measuring and canonical forms."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .crs import metric_crs
from .units import M2_PER_MU

__all__ = ["to_metric", "area_m2", "area_mu", "single_part", "polygonal_part"]


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
