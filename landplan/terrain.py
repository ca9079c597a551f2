"""Terrain of parcels from a DEM: elevation, relief, slope and earthwork (SPEC §5, §8).

:func:`evaluate_terrain` computes zonal statistics of a DEM GeoTIFF over the parcels;
:func:`leveled_without_dem` gives ``leveled`` from the ``site_leveled`` attribute when the
workspace has no DEM.

Definitions (SPEC §8) and the choices this module makes:

- **Cell membership.** A DEM cell belongs to a parcel when its centre lies inside the parcel:
  the scanline rule of GDAL's rasterizer (``rasterio.features.rasterize`` with
  ``all_touched=False``), computed here with numpy for all parcels at once (a test compares
  the two cell by cell). Nodata cells (the band's nodata value, its mask, or a non-finite
  value) are ignored.
- ``elev_mean_m`` = mean elevation of the parcel's cells; ``relief_m`` = max − min;
  ``dem_cells`` = number of valid cells.
- **Design level** ``design_elev_m`` (``design_basis`` says which): the parcel's own
  ``design_level_m`` (设计标高, in the DEM's vertical datum) when given; else by
  ``terrain.design_level``: ``mean`` (the mean elevation, the level at which cut = fill) or
  ``balanced`` (the level at which cut × ``terrain.swell_factor`` = fill: dug soil swells,
  松散系数, so less of it is cut than filled; solved exactly, :func:`_balanced_levels`).
  ``cut_m3`` = Σ max(z − design, 0) × cell area, ``fill_m3`` = Σ max(design − z, 0) × cell
  area: the earthwork still needed to bring the DEM's surface to the design level.
- **Levelled** (一平 is done grading): ``leveled`` is the parcel's recorded ``site_leveled``
  where there is one, whatever the DEM shows (a DEM older than the grading shows the old
  ground); where nothing is recorded the DEM's relief test stands in, ``relief_m ≤
  terrain.max_relief_m``. ``leveled_source`` says which (``site_leveled`` / ``dem``).
- **Slope.** Per cell from the DEM gradient (``np.gradient``, central differences inside,
  one-sided at the DEM's edges), ``slope_deg = degrees(arctan(hypot(dz/dx, dz/dy)))``;
  ``slope_mean_deg`` is the mean over the parcel's cells whose slope is defined (a cell next
  to nodata has none). Windows are read with a one-cell halo, so the windowed slope of every
  cell equals the whole-array one.
- **CRS.** When the DEM's CRS differs from the parcels', the *parcels* are reprojected to the
  DEM's CRS; the DEM is never resampled. Cell sizes and areas are taken in metres: from the
  transform for a projected DEM (its units must be metres), and per row from the ellipsoid
  for a geographic DEM (degrees → metres at the row's latitude).
- **Overlapping parcels.** Every parcel gets all its cells: the crossings of each parcel are
  paired on their own, so a cell inside two parcels counts for both.
- **Empty values.** A parcel with no valid cell centre inside it (outside the DEM, on nodata,
  smaller than a cell, or without geometry) gets NaN/NA statistics and ``dem_cells`` = 0; one
  warning logs how many, and ``frame.attrs["terrain_outside"]`` holds the count.
- **Memory.** The DEM is read in windows of ``window_size`` × ``window_size`` cells (only
  those meeting the parcels' bounds), in two passes: count / sum / min / max / slope first,
  then cut and fill against the design levels. ``balanced`` sorts the cells of the parcels
  it levels, in batches of at most :data:`CACHE_CELLS`. Counts, minima and maxima do not
  depend on the window size; sums agree to floating-point rounding (~1e-12 relative).

>>> import numpy as np, geopandas as gpd, rasterio, tempfile, os
>>> from affine import Affine
>>> from shapely.geometry import box
>>> from landplan.rules import load_ruleset
>>> folder = tempfile.mkdtemp()
>>> dem = os.path.join(folder, "dem.tif")
>>> z = np.tile(100 + 0.05 * (np.arange(100) + 0.5), (100, 1)).astype("float32")
>>> with rasterio.open(dem, "w", driver="GTiff", height=100, width=100, count=1,
...                    dtype="float32", crs="EPSG:4527",
...                    transform=Affine(1, 0, 39_500_000, 0, -1, 3_400_100)) as dst:
...     dst.write(z, 1)
>>> parcels = gpd.GeoDataFrame({"parcel_id": ["P1"]}, crs="EPSG:4527",
...                            geometry=[box(39_500_010, 3_400_010, 39_500_050, 3_400_050)])
>>> out = evaluate_terrain(parcels, dem, load_ruleset())
>>> int(out.loc["P1", "dem_cells"]), round(float(out.loc["P1", "relief_m"]), 2)
(1600, 1.95)
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .errors import CRSError, InputFileError, RuleError, SchemaError
from .ruleset import RuleSet, Terrain, as_ruleset

__all__ = ["TERRAIN_COLUMNS", "evaluate_terrain", "leveled_without_dem", "burn"]

log = logging.getLogger(__name__)

#: Cells (parcel × DEM cell) kept in memory between the two passes (~24 bytes each); a park
#: with more re-reads the DEM in the second pass.
CACHE_CELLS = 40_000_000

#: Output columns of :func:`evaluate_terrain`, in order.
TERRAIN_COLUMNS: tuple[str, ...] = (
    "elev_mean_m", "relief_m", "slope_mean_deg", "design_elev_m", "design_basis", "cut_m3", "fill_m3",
    "leveled", "leveled_source", "dem_cells",
)

#: Codes of ``design_basis``: where a parcel's design level comes from.
DESIGN_BASES: tuple[str, ...] = ("design_level_m", "mean", "balanced")

#: Codes of ``leveled_source``: the recorded ``site_leveled``, or the DEM's relief test.
LEVELED_SOURCES: tuple[str, ...] = ("site_leveled", "dem")


# --------------------------------------------------------------------------- public API
def leveled_without_dem(parcels: pd.DataFrame) -> pd.Series:
    """``leveled`` from the ``site_leveled`` attribute (used when there is no DEM).

    Parameters
    ----------
    parcels : DataFrame
        Parcels with ``parcel_id`` and, optionally, ``site_leveled``.

    Returns
    -------
    Series of boolean
        Indexed by ``parcel_id``, named ``leveled``; NA where ``site_leveled`` is unknown (or
        for every parcel when the column is missing).
    """
    ids = _parcel_ids(parcels)
    if "site_leveled" in parcels.columns:
        values = pd.array(parcels["site_leveled"], dtype="boolean")
    else:
        values = pd.array([pd.NA] * len(parcels), dtype="boolean")
    return pd.Series(values, index=ids, name="leveled")


def evaluate_terrain(
    parcels: gpd.GeoDataFrame,
    dem_path: str | os.PathLike,
    rules: RuleSet | Mapping,
    *,
    window_size: int = 2048,
) -> pd.DataFrame:
    """Zonal terrain statistics of every parcel over a DEM (cell-centre rule).

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels with ``parcel_id`` and a CRS; reprojected to the DEM's CRS when it differs.
    dem_path : str or path
        A single-band DEM GeoTIFF (or any GDAL raster) in metres, with a CRS.
        ``site_leveled`` (一平 as recorded) and ``design_level_m`` (设计标高, in the DEM's
        vertical datum) are used when present.
    rules : RuleSet
        Rules (:func:`landplan.rules.load_ruleset`; a rules dict is accepted, deprecated); uses
        ``terrain.max_relief_m``, ``terrain.design_level`` and ``terrain.swell_factor``.
    window_size : int, default 2048
        Side of the square windows the DEM is read in (cells); bounds memory use.

    Returns
    -------
    DataFrame
        Indexed by ``parcel_id`` in the parcels' order, with :data:`TERRAIN_COLUMNS`:
        ``elev_mean_m``, ``relief_m``, ``slope_mean_deg``, ``design_elev_m`` (float64),
        ``design_basis`` (a code of :data:`DESIGN_BASES`), ``cut_m3``, ``fill_m3`` (float64),
        ``leveled`` (boolean), ``leveled_source`` (a code of :data:`LEVELED_SOURCES`, ``""``
        when neither is known) and ``dem_cells`` (Int64). Parcels without a valid cell get
        NaN/NA (``dem_cells`` 0; ``leveled`` still from ``site_leveled``); their number is in
        ``attrs["terrain_outside"]``.

    Raises
    ------
    InputFileError
        The DEM cannot be opened as a raster, or has no CRS.
    CRSError
        The parcels have no CRS.
    RuleError
        ``terrain.max_relief_m`` is missing or not a number.
    """
    import rasterio
    from rasterio.errors import RasterioError

    window_size = int(window_size)
    if window_size < 1:
        raise ValueError(f"window_size must be at least 1, got {window_size}")
    cfg = as_ruleset(rules).terrain
    max_relief = _max_relief(cfg)
    method = str(cfg.design_level or "mean")
    swell = float(cfg.swell_factor or 1.0)
    if method not in ("mean", "balanced"):
        raise RuleError(f"rules: terrain.design_level: {method!r} is not a design-level method "
                        "(allowed: mean, balanced)")
    ids = _parcel_ids(parcels)
    own = (pd.to_numeric(parcels["design_level_m"], errors="coerce").to_numpy(dtype=float)
           if "design_level_m" in parcels.columns else np.full(len(parcels), np.nan))
    n = len(parcels)
    path = str(dem_path)
    if not Path(path).exists():
        raise InputFileError(path, "the DEM file does not exist")
    try:
        src = rasterio.open(path)
    except (RasterioError, OSError) as exc:
        raise InputFileError(path, f"not a raster GDAL can read ({exc}); give a GeoTIFF DEM") from None
    with src:
        if src.crs is None:
            raise InputFileError(
                path, "the DEM has no CRS; give the CRS (e.g. write it with gdal_edit.py -a_srs "
                "EPSG:4527, or import it as `layer='terrain'` giving `crs`)")
        if src.count < 1:
            raise InputFileError(path, "the raster has no band")
        if n and parcels.crs is None:
            raise CRSError("the parcels have no CRS: cannot place them on the DEM")
        dem_crs = CRS.from_user_input(src.crs.to_wkt())
        geoms = parcels.geometry
        if n and not CRS.from_user_input(parcels.crs).equals(dem_crs, ignore_axis_order=True):
            log.info("reprojecting %d parcels to the DEM's CRS %s", n, dem_crs.name)
            geoms = geoms.to_crs(dem_crs)
        geoms = np.asarray(geoms.values, dtype=object)
        stats = _zonal(src, dem_crs, geoms, window_size, own, method, swell)

    count, total, zmin, zmax, slope_sum, slope_n, cut, fill, level = stats
    has = count > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(has, total / np.maximum(count, 1), np.nan)
        slope = np.where(slope_n > 0, slope_sum / np.maximum(slope_n, 1), np.nan)
    relief = np.where(has, zmax - zmin, np.nan)
    # 一平 is done grading: the recorded site_leveled stands (a flat DEM never overrules a
    # recorded "not levelled"); where nothing is recorded the DEM's relief test stands in
    recorded = leveled_without_dem(parcels).array
    by_dem = pd.array(relief <= max_relief, dtype="boolean")
    by_dem[~has] = pd.NA
    known = ~recorded.isna()
    leveled = by_dem.copy()
    leveled[known] = recorded[known]
    source = np.where(known, "site_leveled", np.where(has, "dem", "")).astype(object)
    basis = np.where(np.isfinite(own), "design_level_m", method).astype(object)
    basis[~has] = ""
    frame = pd.DataFrame(
        {
            "elev_mean_m": mean,
            "relief_m": relief,
            "slope_mean_deg": slope,
            "design_elev_m": np.where(has, level, np.nan),
            "design_basis": basis,
            "cut_m3": np.where(has, cut, np.nan),
            "fill_m3": np.where(has, fill, np.nan),
            "leveled": leveled,
            "leveled_source": source,
            "dem_cells": pd.array(count, dtype="Int64"),
        },
        index=ids,
    )
    outside = int((~has).sum())
    frame.attrs["terrain_outside"] = outside
    if outside:
        log.warning("%d parcels outside the DEM or on nodata (no valid DEM cell centre inside; "
                    "their terrain values are empty)", outside)
    return frame


# --------------------------------------------------------------------------- helpers
def burn(geoms, values, *, transform, shape: tuple[int, int], fill: int = 0,
         dtype="uint8") -> np.ndarray:
    """A grid of ``shape`` with ``values`` burnt into the cells of the polygons ``geoms``.

    The cells are those of ``rasterio.features.rasterize`` (cell centre inside, GDAL's rules
    for ties), a later polygon over an earlier one as there, found by the same numpy scanline
    that :func:`evaluate_terrain` uses: about three times faster than ``rasterize`` on a
    100,000-parcel park (no GeoJSON per geometry). Missing and empty geometries burn nothing.
    """
    geoms = np.asarray(geoms, dtype=object)
    values = np.asarray(values)
    out = np.full(shape, fill, dtype=dtype)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if keep.any():
        owner, rows, cols = _cells(_pixel_edges(geoms[keep], transform), (0, shape[0]),
                                   (0, shape[1]))
        out[rows, cols] = values[keep][owner]  # cells are in parcel order: the last one wins
    return out


def _parcel_ids(parcels: pd.DataFrame) -> pd.Index:
    if "parcel_id" not in parcels.columns:
        raise SchemaError("parcels: the column parcel_id is missing")
    return pd.Index(parcels["parcel_id"].astype("str").to_numpy(), name="parcel_id")


def _max_relief(cfg: Terrain) -> float:
    value = cfg.max_relief_m
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(f"rules: terrain.max_relief_m must be a number, not {value!r}")
    return float(value)


def _pixel_edges(geoms: np.ndarray, t) -> tuple[np.ndarray, ...]:
    """Every ring edge of the polygons in ``geoms``, in pixel space.

    Returns ``(owner, x0, y0, x1, y1, back)``: the index into ``geoms`` of the edge's parcel,
    its end points as (column, row) coordinates of the grid ``t`` (cell ``(r, c)`` spans
    ``[c, c+1) × [r, r+1)``; its centre is ``(c + 0.5, r + 0.5)``), and whether the edge runs
    towards lower columns when its ring is walked clockwise on the map. Lines and points inside a
    collection have no area and are left out.
    """
    parts, owner = shapely.get_parts(geoms, return_index=True)
    nested = np.isin(shapely.get_type_id(parts), (4, 5, 6, 7))  # collections of collections
    while nested.any():
        sub, at = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        owner = np.concatenate([owner[~nested], owner[nested][at]])
        nested = np.isin(shapely.get_type_id(parts), (4, 5, 6, 7))
    polygons = shapely.get_type_id(parts) == 3
    rings, of_part = shapely.get_rings(parts[polygons], return_index=True)
    owner = owner[polygons][of_part]
    xy, of_ring = shapely.get_coordinates(rings, return_index=True)
    same = of_ring[1:] == of_ring[:-1]  # consecutive vertices of one (closed) ring
    # pixel coordinates by the inverse geotransform, in GDAL's arithmetic (bit for bit: a centre
    # within rounding of an edge then falls on the same side as in GDAL)
    cols = (-t.c / t.a) + xy[:, 0] * (1.0 / t.a)
    rows = (-t.f / t.e) + xy[:, 1] * (1.0 / t.e)
    x0, y0, x1, y1 = cols[:-1][same], rows[:-1][same], cols[1:][same], rows[1:][same]
    ring = of_ring[:-1][same]
    # GDAL's rasterizer also burns a horizontal edge lying on a row of centres when, every ring
    # walked clockwise on the map, the edge runs towards lower columns
    ccw = shapely.is_ccw(rings)[ring]
    back = np.where(ccw, x1 > x0, x1 < x0)
    return owner[ring], x0, y0, x1, y1, back


def _cells(edges: tuple[np.ndarray, ...], rows: tuple[int, int], cols: tuple[int, int]):
    """The cells whose centre lies inside a parcel, within a window of the grid.

    The scanline rule of GDAL's polygon rasterizer (``all_touched=False``), vectorised over all
    parcels at once: on the row through the centres ``y = r + 0.5``, an edge crosses when
    ``min(y0, y1) ≤ y < max(y0, y1)``; the crossings of a parcel (all its rings and parts) are
    sorted and paired (even-odd), and a pair ``(xa, xb)`` holds the cells with
    ``xa < c + 0.5 ≤ xb``; and, as GDAL does, the cells whose centre lies on a horizontal edge
    that runs towards lower columns when its ring is walked clockwise on the map (``back``).
    Ties (an edge through a cell centre) thus fall as in GDAL, on any grid orientation.
    Overlapping parcels each get all their cells.

    Returns ``(owner, r, c)``: one entry per (parcel, cell), rows and columns of the grid.
    """
    owner, x0, y0, x1, y1, back = edges
    r_lo, r_hi = rows
    c_lo, c_hi = cols
    flat = y0 == y1
    on_row = flat & back & (y0 - 0.5 == np.floor(y0 - 0.5)) & (y0 - 0.5 >= r_lo) & (y0 - 0.5 < r_hi)
    lying = _flat_cells(owner[on_row], y0[on_row], x0[on_row], x1[on_row], c_lo, c_hi)
    owner, x0, y0, x1, y1 = (e[~flat] for e in (owner, x0, y0, x1, y1))
    lo, hi = np.minimum(y0, y1), np.maximum(y0, y1)
    first = np.maximum(np.ceil(lo - 0.5), r_lo).astype(np.int64)   # first row with lo ≤ r + 0.5
    stop = np.minimum(np.ceil(hi - 0.5), r_hi).astype(np.int64)    # rows with r + 0.5 < hi
    k = np.maximum(stop - first, 0)
    if not k.any():
        empty = np.zeros(0, dtype=np.int64)
        return _merge_lying((empty, empty, empty), lying, rows, cols)
    edge = np.repeat(np.arange(len(k)), k)
    start = np.cumsum(k) - k
    r = first[edge] + (np.arange(len(edge)) - start[edge])
    x = x0[edge] + (r + 0.5 - y0[edge]) * (x1[edge] - x0[edge]) / (y1[edge] - y0[edge])
    who = owner[edge]
    order = np.lexsort((x, r, who))
    who, r, x = who[order], r[order], x[order]
    # crossings of one (parcel, row) come in pairs: entries 0-1, 2-3, … of each group
    new = np.ones(len(who), dtype=bool)
    new[1:] = (who[1:] != who[:-1]) | (r[1:] != r[:-1])
    group_start = np.maximum.accumulate(np.where(new, np.arange(len(who)), 0))
    opens = ((np.arange(len(who)) - group_start) % 2 == 0)
    opens[-1] = False  # an unpaired last crossing (a degenerate ring) opens nothing
    at = np.flatnonzero(opens)
    at = at[(at + 1 < len(who))]
    at = at[(who[at + 1] == who[at]) & (r[at + 1] == r[at])]
    c_first = np.maximum(np.floor(x[at] + 0.5), c_lo).astype(np.int64)
    c_stop = np.minimum(np.floor(x[at + 1] + 0.5), c_hi).astype(np.int64)
    span = np.maximum(c_stop - c_first, 0)
    run = np.repeat(np.arange(len(at)), span)
    offset = np.cumsum(span) - span
    c = c_first[run] + (np.arange(len(run)) - offset[run])
    return _merge_lying((who[at][run], r[at][run], c), lying, rows, cols)


def _merge_lying(cells, lying, rows: tuple[int, int], cols: tuple[int, int]):
    """The scanline cells plus the cells on horizontal edges, each (parcel, cell) once, in the
    order of the scanline cells (by parcel, row, column: their keys increase)."""
    if not len(lying[0]):
        return cells
    (r_lo, r_hi), (c_lo, c_hi) = rows, cols
    width, height = c_hi - c_lo, r_hi - r_lo
    who, r, c = cells
    key = (who * height + (r - r_lo)) * width + (c - c_lo)
    l_who, l_r, l_c = lying
    l_key, first = np.unique((l_who * height + (l_r - r_lo)) * width + (l_c - c_lo), return_index=True)
    at = np.searchsorted(key, l_key)
    new = np.ones(len(at), dtype=bool)
    if len(key):
        new = (at == len(key)) | (key[np.minimum(at, len(key) - 1)] != l_key)
    at, first = at[new], first[new]
    return (np.insert(who, at, l_who[first]), np.insert(r, at, l_r[first]),
            np.insert(c, at, l_c[first]))


def _flat_cells(owner, y, xa, xb, c_lo: int, c_hi: int):
    """Cells whose centre lies on a (backward) horizontal edge through the centres of their
    row: columns with ``min(xa, xb) < c + 0.5 ≤ max(xa, xb)``."""
    r = (y - 0.5).astype(np.int64)
    c_first = np.maximum(np.floor(np.minimum(xa, xb) + 0.5), c_lo).astype(np.int64)
    c_stop = np.minimum(np.floor(np.maximum(xa, xb) + 0.5), c_hi).astype(np.int64)
    span = np.maximum(c_stop - c_first, 0)
    run = np.repeat(np.arange(len(span)), span)
    offset = np.cumsum(span) - span
    return owner[run], r[run], c_first[run] + (np.arange(len(run)) - offset[run])


def _metric_cell_sizes(src, dem_crs: CRS, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signed cell sizes (dx along columns, dy along rows) in metres for the given rows."""
    t = src.transform
    dx = math.hypot(t.a, t.d)
    dy = -math.hypot(t.b, t.e) if t.e < 0 else math.hypot(t.b, t.e)
    if not dem_crs.is_geographic:
        unit = dem_crs.axis_info[0].unit_conversion_factor if dem_crs.axis_info else 1.0
        return np.full(len(rows), dx * unit), np.full(len(rows), dy * unit)
    ell = dem_crs.ellipsoid
    a = ell.semi_major_metre
    inv_f = ell.inverse_flattening
    e2 = 0.0 if not inv_f else (2 - 1 / inv_f) / inv_f
    lat = np.radians(t.f + t.e * (rows + 0.5))
    w = np.sqrt(1 - e2 * np.sin(lat) ** 2)
    n_rad = a / w                       # prime vertical radius of curvature
    m_rad = a * (1 - e2) / w ** 3       # meridian radius of curvature
    rad = math.pi / 180
    return dx * rad * n_rad * np.cos(lat), dy * rad * m_rad


def _windows(row0: int, row1: int, col0: int, col1: int, size: int):
    for r in range(row0, row1, size):
        for c in range(col0, col1, size):
            yield r, min(r + size, row1), c, min(c + size, col1)


def _zonal(src, dem_crs: CRS, geoms: np.ndarray, window_size: int, own: np.ndarray,
           method: str, swell: float):
    """Windowed passes over the DEM; returns the per-parcel accumulators and design levels.

    Pass 1: count / sum / min / max / slope. Then the design level of every parcel: its own
    (``own``, finite), else the mean, else (``method="balanced"``) :func:`_balanced_levels` on
    the parcel's cells. Pass 2: cut and fill against it. The cells of pass 1 are kept up to
    :data:`CACHE_CELLS`; beyond that the later passes read the DEM again.
    """
    from rasterio.windows import Window

    n = len(geoms)
    count = np.zeros(n, dtype=np.int64)
    total = np.zeros(n)
    zmin = np.full(n, np.inf)
    zmax = np.full(n, -np.inf)
    slope_sum = np.zeros(n)
    slope_n = np.zeros(n, dtype=np.int64)
    cut = np.zeros(n)
    fill = np.zeros(n)
    level = np.full(n, np.nan)
    result = (count, total, zmin, zmax, slope_sum, slope_n, cut, fill, level)
    if n == 0:
        return result
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    ok &= np.isin(shapely.get_type_id(geoms), (3, 6, 7))  # (multi)polygons, collections
    if not ok.any():
        return result
    bounds = shapely.bounds(geoms)
    t = src.transform
    if t.b or t.d:
        raise InputFileError(src.name, "rotated DEM grids are not supported; warp it north-up")
    # pixel ranges of each parcel (bounds → rows/cols), to pick parcels per window
    c_a, c_b = (bounds[:, 0] - t.c) / t.a, (bounds[:, 2] - t.c) / t.a
    r_a, r_b = (bounds[:, 1] - t.f) / t.e, (bounds[:, 3] - t.f) / t.e
    pc0 = np.floor(np.minimum(c_a, c_b))
    pc1 = np.ceil(np.maximum(c_a, c_b))
    pr0 = np.floor(np.minimum(r_a, r_b))
    pr1 = np.ceil(np.maximum(r_a, r_b))
    sel = ok & (pc1 > 0) & (pc0 < src.width) & (pr1 > 0) & (pr0 < src.height)
    if not sel.any():
        return result
    row0 = int(max(pr0[sel].min(), 0))
    row1 = int(min(pr1[sel].max(), src.height))
    col0 = int(max(pc0[sel].min(), 0))
    col1 = int(min(pc1[sel].max(), src.width))
    chosen = np.flatnonzero(sel)
    owner, *rest = _pixel_edges(geoms[chosen], t)
    edges = (chosen[owner], *rest)
    windows = list(_windows(row0, row1, col0, col1, window_size))

    def read(r0: int, r1: int, c0: int, c1: int, here: np.ndarray, slope: bool):
        """(pid, z, cell area, slope or None) of the valid cells of the ``here`` parcels in a window."""
        # window with a one-cell halo where the DEM has cells (for the gradient)
        h0, h1 = max(r0 - 1, 0), min(r1 + 1, src.height)
        g0, g1 = max(c0 - 1, 0), min(c1 + 1, src.width)
        band = src.read(1, window=Window(g0, h0, g1 - g0, h1 - h0), masked=True)
        z = np.ma.filled(band.astype(np.float64), np.nan)
        z[~np.isfinite(z)] = np.nan
        dxs, dys = _metric_cell_sizes(src, dem_crs, np.arange(h0, h1))
        inner = (slice(r0 - h0, r0 - h0 + (r1 - r0)), slice(c0 - g0, c0 - g0 + (c1 - c0)))
        area_rows = np.abs(dxs * dys)[inner[0]]
        slope_deg = _slope(z, dxs, dys)[inner] if slope else None
        z = z[inner]
        who, rr, cc = _cells(tuple(e[here[edges[0]]] for e in edges), (r0, r1), (c0, c1))
        rr -= r0
        cc -= c0
        zv = z[rr, cc]
        valid = ~np.isnan(zv)
        rr, cc = rr[valid], cc[valid]
        return who[valid], zv[valid], area_rows[rr], None if slope_deg is None else slope_deg[rr, cc]

    def overlapping(r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        return sel & (pc1 > c0) & (pc0 < c1) & (pr1 > r0) & (pr0 < r1)

    # pass 1: count, sum, min, max, slope; the cells kept for the later passes up to CACHE_CELLS
    cached: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    kept = 0
    for r0, r1, c0, c1 in windows:
        here = overlapping(r0, r1, c0, c1)
        if not here.any():
            continue
        pid, zv, cell_area, sv = read(r0, r1, c0, c1, here, True)
        if kept + len(pid) <= CACHE_CELLS:
            cached[(r0, c0)] = (pid, zv, cell_area)
            kept += len(pid)
        if not len(pid):
            continue
        count += np.bincount(pid, minlength=n)
        total += np.bincount(pid, weights=zv, minlength=n)
        # pid is sorted (cells come grouped by parcel): min and max by segments
        heads = np.flatnonzero(np.r_[True, pid[1:] != pid[:-1]])
        ids = pid[heads]
        zmin[ids] = np.minimum(zmin[ids], np.minimum.reduceat(zv, heads))
        zmax[ids] = np.maximum(zmax[ids], np.maximum.reduceat(zv, heads))
        fin = ~np.isnan(sv)
        slope_sum += np.bincount(pid[fin], weights=sv[fin], minlength=n)
        slope_n += np.bincount(pid[fin], minlength=n)

    def cells_of(wanted: np.ndarray, consume: bool = False):
        """(pid, z, cell area) of the ``wanted`` parcels, window by window: from the cache of
        pass 1 (dropped as it is used when ``consume``), else read again."""
        for r0, r1, c0, c1 in windows:
            if (r0, c0) in cached:
                pid, zv, cell_area = cached.pop((r0, c0)) if consume else cached[(r0, c0)]
                keep = wanted[pid]
                yield pid[keep], zv[keep], cell_area[keep]
                continue
            here = overlapping(r0, r1, c0, c1) & wanted
            if here.any():
                yield read(r0, r1, c0, c1, here, False)[:3]

    has = count > 0
    level[has] = total[has] / count[has]
    own_set = has & np.isfinite(own)
    level[own_set] = own[own_set]
    if method == "balanced":
        todo = np.flatnonzero(has & ~own_set)
        # parcels in batches of at most CACHE_CELLS cells (one batch when the cache holds the park)
        batch = np.cumsum(count[todo]) // max(CACHE_CELLS, 1)
        for b in np.unique(batch):
            wanted = np.zeros(n, dtype=bool)
            wanted[todo[batch == b]] = True
            parts = list(cells_of(wanted))
            pid, zv, cell_area = (np.concatenate([p[k] for p in parts]) for k in range(3))
            level[wanted] = _balanced_levels(pid, zv, cell_area, n, swell)[wanted]
    # pass 2: cut and fill against the design level
    for pid, zv, cell_area in cells_of(has, consume=True):
        diff = zv - level[pid]
        cut += np.bincount(pid, weights=np.maximum(diff, 0) * cell_area, minlength=n)
        fill += np.bincount(pid, weights=np.maximum(-diff, 0) * cell_area, minlength=n)
    return result


def _balanced_levels(pid: np.ndarray, z: np.ndarray, area: np.ndarray, n: int, swell: float) -> np.ndarray:
    """The level ``h`` of every parcel at which ``swell`` × cut = fill (NaN for a parcel without cells).

    cut(h) = Σ area·max(z − h, 0), fill(h) = Σ area·max(h − z, 0); f(h) = swell·cut − fill
    falls from ≥ 0 at the lowest cell to ≤ 0 at the highest and is linear between two
    consecutive elevations. With a parcel's cells sorted by elevation, f is evaluated at each
    one (cumulative sums), the last cell k with f ≥ 0 found, and on [z_k, z_k+1] (cells ≤ k
    below, the others above) f = 0 solved exactly: h = (swell·Σ_above a·z + Σ_below a·z) /
    (swell·Σ_above a + Σ_below a). With swell = 1 this is the mean elevation.
    """
    out = np.full(n, np.nan)
    if not len(pid):
        return out
    order = np.lexsort((z, pid))
    pid, z, a = pid[order], z[order], area[order]
    heads = np.flatnonzero(np.r_[True, pid[1:] != pid[:-1]])
    ids = pid[heads]
    group = np.repeat(np.arange(len(heads)), np.diff(np.r_[heads, len(pid)]))
    zr = z - z[heads][group]  # elevations above the parcel's lowest cell (less cancellation)
    az = a * zr
    cum_a, cum_az = np.cumsum(a), np.cumsum(az)
    base_a = np.r_[0.0, cum_a][heads][group]
    base_az = np.r_[0.0, cum_az][heads][group]
    below_a, below_az = cum_a - base_a, cum_az - base_az        # cells up to and with this one
    total_a = np.add.reduceat(a, heads)[group]
    total_az = np.add.reduceat(az, heads)[group]
    above_a, above_az = total_a - below_a, total_az - below_az  # cells after this one
    f = swell * (above_az - zr * above_a) - (zr * below_a - below_az)
    at = np.arange(len(pid))
    k = np.maximum(np.maximum.reduceat(np.where(f >= 0, at, -1), heads), heads)
    h = (swell * above_az[k] + below_az[k]) / (swell * above_a[k] + below_a[k])
    out[ids] = h + z[heads]
    return out


def _slope(z: np.ndarray, dxs: np.ndarray, dys: np.ndarray) -> np.ndarray:
    """Slope in degrees of every cell of ``z`` (NaN = nodata), rows spaced ``dys``, columns ``dxs``."""
    zero = np.zeros_like(z)
    dz_row = np.gradient(z, axis=0) / dys[:, None] if z.shape[0] >= 2 else zero
    dz_col = np.gradient(z, axis=1) / dxs[:, None] if z.shape[1] >= 2 else zero
    return np.degrees(np.arctan(np.hypot(dz_col, dz_row)))
