"""Workspace data for the pages: read once per change of the files, evaluated once per inputs.

- :func:`load_park` reads every layer and turns the geometries into local metres for the map;
- :func:`evaluation` runs :func:`landplan.evaluate.evaluate`;

both are cached (``st.cache_resource``: one shared, read-only copy, never pickled) on
:func:`workspace_stamp`, the files' modification times and sizes, so a rerun or a filter
change costs nothing and a re-imported layer shows at the next rerun. The evaluation's key
adds the as-of date, the ledger year and the rules text in force.

Pages must not modify the frames these return.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from ..geometry import to_metric
from ..schema import PARCELS, enum_label, label
from ..workspace import Workspace
from .i18n import t
from .map import local_origin, to_local

__all__ = ["Park", "STAMP_LAYERS", "workspace_stamp", "load_park", "evaluation", "rules_text",
           "status_summary", "attribute_table", "format_value"]

log = logging.getLogger(__name__)

#: Workspace files whose change invalidates the caches.
STAMP_LAYERS = ("parcels", "roads", "pipelines", "powerlines", "facilities", "ledger", "terrain",
                "rules")
_LINE_LAYERS = ("roads", "pipelines", "powerlines")


@dataclass
class Park:
    """What the pages show of a workspace, geometry in local metres.

    Attributes
    ----------
    path : str
        The workspace folder.
    crs : str
        Name and EPSG code of the CRS the map is drawn in (the workspace's metric CRS).
    parcels : DataFrame
        Parcel attributes (no geometry) with ``area_m2`` and ``area_mu``, in layer order,
        on a 0..n-1 index.
    geoms : ndarray
        Per parcel its geometry in local metres (shifted by ``origin``, rounded).
    lines : dict
        ``{layer: (attributes, local geometries)}`` for roads, pipelines and powerlines.
    facilities : DataFrame
        Facility attributes with local ``x``, ``y``.
    years : list of int
        Years of the enterprise ledger.
    ledger : DataFrame
        The enterprise ledger.
    origin : tuple of float
        Workspace coordinates of the local origin.
    bounds : tuple of float
        Local bounds of the parcels (of the lines when there are no parcels).
    has_dem : bool
    """

    path: str
    crs: str = ""
    parcels: pd.DataFrame = field(default_factory=pd.DataFrame)
    geoms: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    lines: dict = field(default_factory=dict)
    facilities: pd.DataFrame = field(default_factory=pd.DataFrame)
    years: list = field(default_factory=list)
    ledger: pd.DataFrame = field(default_factory=pd.DataFrame)
    origin: tuple[float, float] = (0.0, 0.0)
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    has_dem: bool = False
    origin_lonlat: tuple[float, float] | None = None

    @property
    def roads(self) -> pd.DataFrame:
        return self.lines.get("roads", (pd.DataFrame(), None))[0]

    def position(self) -> dict[str, int]:
        """``{parcel_id: row}`` (the first row of a repeated id)."""
        ids = self.parcels["parcel_id"].astype(str).tolist()
        return {pid: i for i, pid in reversed(list(enumerate(ids)))}


def workspace_stamp(path: str | Path) -> tuple:
    """``(layer, file, mtime_ns, size)`` of every workspace file the app reads: the cache key.

    The files are named by absolute path, so that a workspace given relative (``make app``'s
    ``--workspace data``) and the same one resolved (the server's preload) share the cache.
    """
    ws = Workspace(Path(path).resolve())
    stamp = []
    for name in STAMP_LAYERS:
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


def _plain(frame) -> pd.DataFrame:
    return pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)


@st.cache_resource(show_spinner=False, max_entries=4)
def load_park(path: str, stamp: tuple) -> Park:
    """Read the layers of the workspace at ``path`` (``stamp`` keys the cache).

    Everything is drawn in the parcels' metric CRS (the workspace CRS); a layer in another
    CRS is projected first (SPEC §4).
    """
    del stamp  # only the cache key
    ws = Workspace(path)
    parcels = ws.parcels_with_area().reset_index(drop=True)
    layers = {name: ws.read(name) for name in (*_LINE_LAYERS, "facilities")}
    ledger = ws.read("ledger")
    years = sorted(int(y) for y in pd.unique(ledger["year"].dropna())) if len(ledger) else []
    frames = [f for f in (parcels, *layers.values()) if len(f) and f.crs is not None]
    if not frames:
        return Park(path=path, parcels=_plain(parcels), years=years, ledger=ledger)
    metric = to_metric(frames[0]).crs

    def conform(frame):
        if len(frame) and frame.crs is not None and not frame.crs.equals(metric):
            return frame.to_crs(metric)
        return frame

    parcels = conform(parcels)
    layers = {name: conform(frame) for name, frame in layers.items()}
    shown = parcels if len(parcels) else next(f for f in layers.values() if len(f))
    origin = local_origin(shown.total_bounds)
    minx, miny, maxx, maxy = shown.total_bounds
    bounds = (round(minx - origin[0], 1), round(miny - origin[1], 1),
              round(maxx - origin[0], 1), round(maxy - origin[1], 1))
    lines = {name: (_plain(layers[name]), to_local(layers[name].geometry.to_numpy(), origin))
             for name in _LINE_LAYERS if len(layers[name])}
    facilities = layers["facilities"]
    fac = _plain(facilities)
    if len(facilities):
        xy = facilities.geometry.get_coordinates(index_parts=False)
        fac["x"] = np.round(xy["x"].to_numpy() - origin[0], 1)
        fac["y"] = np.round(xy["y"].to_numpy() - origin[1], 1)
    return Park(
        path=path, crs=_crs_name(metric), parcels=_plain(parcels),
        geoms=to_local(parcels.geometry.to_numpy(), origin), lines=lines, facilities=fac,
        years=years, ledger=ledger, origin=origin, bounds=bounds, has_dem=ws.dem_path is not None,
        origin_lonlat=_lonlat(origin, metric),
    )


def _lonlat(origin: tuple[float, float], crs) -> tuple[float, float] | None:
    from pyproj import Transformer

    try:
        lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(*origin)
    except Exception:  # noqa: BLE001 - no tiles then; the park map itself does not need it
        return None
    return (float(lon), float(lat)) if np.isfinite([lon, lat]).all() else None


def rules_text(path: str | Path) -> str:
    """The workspace's ``rules.yaml`` as text ("" without one): part of the evaluation key."""
    file = Path(path) / "rules.yaml"
    return file.read_text(encoding="utf-8") if file.exists() else ""


@st.cache_resource(show_spinner=False, max_entries=6)
def evaluation(path: str, stamp: tuple, as_of: dt.date, year: int | None, rules: str):
    """The evaluation table (:func:`landplan.evaluate.evaluate`), cached on its inputs.

    ``stamp`` (:func:`workspace_stamp`) and ``rules`` (:func:`rules_text`) only key the cache;
    the rules in force are read from the workspace. Rows are in the parcels' layer order on a
    0..n-1 index, like :attr:`Park.parcels`.
    """
    del stamp, rules
    from ..evaluate import evaluate

    table = evaluate(path, as_of=as_of, year=year)
    log.info("evaluated %s as of %s, year %s: %d parcels", path, as_of, year, len(table))
    return table.reset_index(drop=True)


def status_summary(parcels: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Count and mu per status in lifecycle order (statuses without parcels kept with 0).

    Returns a frame with ``status`` (code, ``None`` for no/unknown status), ``label``,
    ``count`` and ``area_mu``.
    """
    from ..schema import ENUMS

    status = parcels["status"] if "status" in parcels else pd.Series([None] * len(parcels))
    status = status.astype(object).where(status.isin(list(ENUMS["parcel_status"])), None)
    area = pd.to_numeric(parcels.get("area_mu", pd.Series(np.nan, index=parcels.index)),
                         errors="coerce").to_numpy(dtype="float64")
    rows = []
    for code in (*ENUMS["parcel_status"], None):
        mask = (status.isna() if code is None else status.eq(code)).to_numpy(dtype=bool)
        if code is None and not mask.any():
            continue
        rows.append({
            "status": code,
            "label": enum_label("parcel_status", code, lang) if code else t("legend.no_status", lang),
            "count": int(mask.sum()),
            "area_mu": float(np.nansum(area[mask])),
        })
    return pd.DataFrame(rows, columns=["status", "label", "count", "area_mu"])


_ENUM_OF = {c.name: c.enum for c in PARCELS.columns if c.enum}


def format_value(column: str, value, lang: str) -> str:
    """One value as the app shows it: enums by label, dates as ISO, ``—`` when empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "—"
    if isinstance(value, float) and np.isnan(value):
        return "—"
    if column in _ENUM_OF:
        return enum_label(_ENUM_OF[column], str(value), lang)
    if isinstance(value, (bool, np.bool_)):
        return t("yes" if value else "no", lang)
    if isinstance(value, (pd.Timestamp, dt.date)):
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
        rows.append((name, format_value(column, parcel[column], lang)))
    return pd.DataFrame(rows, columns=[t("details.field", lang), t("details.value", lang)])
