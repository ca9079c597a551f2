"""The demo park assembled: :class:`DemoPark`, :func:`make_demo` (every layer in memory, in the
schema's columns and dtypes) and :func:`write_demo` (a workspace folder).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

import affine
import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ..crs import gk_epsg
from ..workspace import Workspace
from .base import _ZONE, _frame, _Stages
from .ledger import _enterprises
from .lifecycle import _lifecycle
from .networks import _facilities, _facility_sites, _pipelines, _powerlines, _roads
from .parcels import _assign_profiles, _layout, _parcel_attributes, _parcel_geometries
from .rules import write_demo_rules
from .terrain import _dem, _hills

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class DemoPark:
    """Every layer of a synthetic park, in canonical columns and dtypes (:mod:`landplan.schema`).

    Attributes
    ----------
    parcels, roads, pipelines, powerlines, facilities : GeoDataFrame
        The vector layers, in :attr:`crs`.
    ledger : DataFrame
        The enterprise ledger, one row per enterprise × parcel × year.
    dem : ndarray of float32
        Elevation in metres, north up.
    dem_transform : affine.Affine
        Pixel-to-map transform of :attr:`dem` (cell corners).
    crs : pyproj.CRS
        EPSG:4527, CGCS2000 3-degree Gauss-Krüger zone 39 with the zone prefix.
    """

    parcels: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    pipelines: gpd.GeoDataFrame
    powerlines: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    ledger: pd.DataFrame
    dem: np.ndarray
    dem_transform: affine.Affine
    crs: CRS

    def layers(self) -> dict[str, pd.DataFrame]:
        """The tabular layers by workspace layer name."""
        return {"parcels": self.parcels, "roads": self.roads, "pipelines": self.pipelines,
                "powerlines": self.powerlines, "facilities": self.facilities,
                "ledger": self.ledger}


def make_demo(
    *, parcels: int = 300, seed: int = 0, progress: Callable[[float], None] | None = None
) -> DemoPark:
    """Build a synthetic industrial park near Hefei with exactly ``parcels`` parcels.

    Parameters
    ----------
    parcels : int
        Number of parcels (≥ 1). The design scales by adding 1 km tiles around the first
        ones: 300 parcels make a park of about 4 × 4 km, a million one about 200 km across
        (still inside zone 39). Every idle-land case of the module docstring is present from
        about 60 parcels up.
    seed : int
        Seed of ``numpy.random.default_rng``; the same ``(parcels, seed)`` gives the same park.
    progress : callable, optional
        Called with the fraction done (0-1) after each stage.

    Returns
    -------
    DemoPark
        The layers, the DEM and the CRS (EPSG:4527).

    See Also
    --------
    write_demo : build and write a workspace.

    Examples
    --------
    >>> park = make_demo(parcels=120, seed=1)
    >>> len(park.parcels), park.crs.to_epsg()
    (120, 4527)
    >>> sorted(park.parcels["status"].unique())[:3]
    ['acquiring', 'approved', 'completed']
    """
    n = int(parcels)
    if n < 1:
        raise ValueError(f"parcels must be at least 1, got {parcels}")
    rng = np.random.default_rng(seed)
    step = _Stages(progress, "make_demo", n)

    lay = _layout(n, rng)
    step(0.15, "layout")
    geoms = _parcel_geometries(lay, rng)
    step(0.35, "parcel geometry")
    profile = _assign_profiles(lay, rng)
    hills = _hills(lay, profile, rng)
    attrs = _parcel_attributes(lay, geoms, profile, hills, rng)
    step(0.5, "parcel attributes")
    holders, ledger = _enterprises(lay, attrs, rng)
    attrs["holder"] = holders
    step(0.65, "ledger")
    roads = _roads(lay, attrs, rng)
    sites = _facility_sites(lay, rng)
    pipelines = _pipelines(lay, roads, sites, rng)
    powerlines = _powerlines(lay, roads, sites, rng)
    facilities = _facilities(lay, sites)
    step(0.8, "networks")
    dem, transform = _dem(lay, hills)
    step(0.95, "terrain")
    _lifecycle(attrs, lay.tile, np.random.default_rng([seed, 6]))  # own stream: the rest is unchanged

    crs = CRS.from_epsg(gk_epsg(_ZONE))
    park = DemoPark(
        parcels=_frame("parcels", attrs, geoms, crs),
        roads=_frame("roads", roads, roads.pop("geometry"), crs),
        pipelines=_frame("pipelines", pipelines, pipelines.pop("geometry"), crs),
        powerlines=_frame("powerlines", powerlines, powerlines.pop("geometry"), crs),
        facilities=_frame("facilities", facilities, facilities.pop("geometry"), crs),
        ledger=ledger,
        dem=dem,
        dem_transform=transform,
        crs=crs,
    )
    step(1.0, "frames")
    return park


def write_demo(
    out: str | os.PathLike,
    *,
    parcels: int = 300,
    seed: int = 0,
    fmt: str = "gpkg",
    progress: Callable[[float], None] | None = None,
) -> DemoPark:
    """Build the demo park and write it as a workspace folder.

    Parameters
    ----------
    out : str or Path
        The workspace folder (created when missing); its demo layers are replaced.
    parcels, seed : int
        As for :func:`make_demo`.
    fmt : {"gpkg", "parquet"}
        Vector format of the workspace (GeoParquet suits large parks).
    progress : callable, optional
        Called with the fraction done (0-1): building takes the first half, writing the rest.

    Returns
    -------
    DemoPark
        What was written.

    Examples
    --------
    >>> park = write_demo("data", parcels=300, seed=0)      # doctest: +SKIP
    """
    def build_progress(fraction: float) -> None:
        if progress is not None:
            progress(0.5 * fraction)

    park = make_demo(parcels=parcels, seed=seed, progress=build_progress)
    ws = Workspace(out, fmt=fmt)
    layers = park.layers()
    for i, (name, frame) in enumerate(layers.items()):
        ws.write(name, frame)
        if progress is not None:
            progress(0.5 + 0.5 * (i + 1) / (len(layers) + 1))
    ws.write_dem(park.dem, park.dem_transform, park.crs)
    write_demo_rules(out)  # the land economics' inputs, the demo's illustrative values
    if progress is not None:
        progress(1.0)
    log.info("demo park (%d parcels, seed %d) written to %s", len(park.parcels), seed, out)
    return park


