"""Workspace data for the pages: loaded once per change of the files, and shaped for tables.

:func:`load_park` reads the parcels (with their area) and the roads and turns their
geometries into local-metre rings for the map. It is cached with ``st.cache_data`` on the
files' modification times (:func:`workspace_stamp`), so a rerun costs nothing and a
re-imported layer shows at the next rerun.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from ..geometry import to_metric
from ..schema import ENUMS, PARCELS, enum_label, label
from ..workspace import Workspace
from .i18n import t
from .map import NO_STATUS_COLOUR, STATUS_COLOURS, line_paths, local_origin, polygon_rings

__all__ = ["Park", "workspace_stamp", "load_park", "status_summary", "attribute_table"]

log = logging.getLogger(__name__)

_MAP_LAYERS = ("parcels", "roads")


@dataclass
class Park:
    """What the parcels page shows of a workspace.

    Attributes
    ----------
    path : str
        The workspace folder.
    crs : str
        Name and EPSG code of the CRS the map is drawn in (the workspace's metric CRS).
    parcels : DataFrame
        Parcel attributes (no geometry) with ``area_m2`` and ``area_mu``, in layer order.
    polygons : list
        Per parcel, its polygons as lists of rings in local metres (see :mod:`.map`).
    roads : DataFrame
        Road attributes (no geometry).
    road_paths : list
        Per road, its lines in local metres.
    origin : tuple of float
        Workspace coordinates of the local origin.
    bounds : tuple of float
        Local bounds of the parcels (of the roads when there are no parcels).
    """

    path: str
    crs: str = ""
    parcels: pd.DataFrame = field(default_factory=pd.DataFrame)
    polygons: list = field(default_factory=list)
    roads: pd.DataFrame = field(default_factory=pd.DataFrame)
    road_paths: list = field(default_factory=list)
    origin: tuple[float, float] = (0.0, 0.0)
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)


def workspace_stamp(path: str | Path) -> tuple:
    """``(layer, file, mtime_ns, size)`` of every layer the map reads: the cache key."""
    ws = Workspace(path)
    stamp = []
    for name in _MAP_LAYERS:
        found = ws.existing_path(name)
        if found is not None:
            info = found.stat()
            stamp.append((name, str(found), info.st_mtime_ns, info.st_size))
    return tuple(stamp)


def _crs_name(crs) -> str:
    if crs is None:
        return "—"
    code = crs.to_epsg()
    return f"{crs.name} (EPSG:{code})" if code else crs.name


@st.cache_data(show_spinner=False, max_entries=8)
def load_park(path: str, stamp: tuple) -> Park:
    """Read the parcels and roads of the workspace at ``path`` (``stamp`` keys the cache).

    Parcels and roads are drawn in the parcels' metric CRS (the workspace CRS); a layer in
    a geographic CRS is projected first (SPEC §4).
    """
    del stamp  # only the cache key
    ws = Workspace(path)
    parcels = ws.parcels_with_area()
    roads = ws.read("roads")
    frames = [f for f in (parcels, roads) if len(f) and f.crs is not None]
    if not frames:
        return Park(path=path, parcels=pd.DataFrame(parcels.drop(columns=parcels.geometry.name)))
    metric = to_metric(frames[0]).crs
    parcels = parcels.to_crs(metric) if len(parcels) and not parcels.crs.equals(metric) else parcels
    roads = roads.to_crs(metric) if len(roads) and roads.crs is not None \
        and not roads.crs.equals(metric) else roads
    shown = parcels if len(parcels) else roads
    origin = local_origin(shown.total_bounds)
    minx, miny, maxx, maxy = shown.total_bounds
    bounds = (round(minx - origin[0], 1), round(miny - origin[1], 1),
              round(maxx - origin[0], 1), round(maxy - origin[1], 1))
    return Park(
        path=path,
        crs=_crs_name(metric),
        parcels=pd.DataFrame(parcels.drop(columns=parcels.geometry.name)),
        polygons=polygon_rings(parcels.geometry.to_numpy(), origin=origin),
        roads=pd.DataFrame(roads.drop(columns=roads.geometry.name)),
        road_paths=line_paths(roads.geometry.to_numpy(), origin=origin),
        origin=origin,
        bounds=bounds,
    )


def status_summary(parcels: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Count and mu per status, in the order of the legend.

    Returns a frame with ``status`` (code, ``None`` for no/unknown status), ``label``,
    ``colour`` (RGB tuple), ``count`` and ``area_mu``; statuses without parcels are kept
    with 0 so the legend always shows every colour.
    """
    status = parcels["status"] if "status" in parcels else pd.Series([None] * len(parcels))
    status = status.astype(object).where(status.isin(list(ENUMS["parcel_status"])), None)
    area = parcels["area_mu"] if "area_mu" in parcels else pd.Series(np.nan, index=parcels.index)
    rows = []
    for code in (*STATUS_COLOURS, None):
        mask = status.isna() if code is None else status.eq(code)
        mask = mask.to_numpy(dtype=bool)
        if code is None and not mask.any():
            continue
        rows.append({
            "status": code,
            "label": enum_label("parcel_status", code, lang) if code else t("legend.no_status", lang),
            "colour": STATUS_COLOURS[code] if code else NO_STATUS_COLOUR,
            "count": int(mask.sum()),
            "area_mu": float(np.nansum(area.to_numpy(dtype="float64")[mask])),
        })
    return pd.DataFrame(rows, columns=["status", "label", "colour", "count", "area_mu"])


_ENUM_OF = {c.name: c.enum for c in PARCELS.columns if c.enum}


def _format(column: str, value, lang: str) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return "—"
    if isinstance(value, float) and np.isnan(value):
        return "—"
    if column in _ENUM_OF:
        return enum_label(_ENUM_OF[column], str(value), lang)
    if isinstance(value, (bool, np.bool_)):
        return t("yes" if value else "no", lang)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (float, np.floating)):
        if column == "area_mu":
            return f"{value:,.2f}"
        if column.endswith("_m2"):
            return f"{value:,.1f}"
        text = f"{value:,.2f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    text = str(value)
    return text if text.strip() else "—"


def attribute_table(parcel: pd.Series, lang: str = "zh") -> pd.DataFrame:
    """One parcel's attributes as a two-column table: label (in ``lang``) and value.

    Canonical columns come in schema order with their labels, then the measured area, then
    any other column the layer has under its own name. Empty values show as ``—``.
    """
    canonical = [c for c in PARCELS.column_names if c in parcel.index]
    measured = [c for c in ("area_m2", "area_mu") if c in parcel.index]
    others = [c for c in parcel.index if c not in canonical and c not in measured]
    rows = []
    for column in (*canonical, *measured, *others):
        name = t(column, lang) if column in measured else label("parcels", column, lang)
        rows.append((name, _format(column, parcel[column], lang)))
    return pd.DataFrame(rows, columns=[t("details.field", lang), t("details.value", lang)])
