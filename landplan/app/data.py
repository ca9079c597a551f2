"""Workspace data for the pages: read once per change of the files, evaluated once per inputs.

- :func:`load_park` reads every layer and turns the geometries into local metres for the map;
- :func:`evaluation` runs :func:`landplan.evaluate.evaluate`;
- :func:`parcels_on` gives the parcels in force on a date when they are not the layer's (a
  workspace with a history, a date before its latest change);
- :func:`join_park` places the rows of such a frame on the park's geometries by
  ``parcel_id`` (:class:`Joined`): a frame's row order is its own (an evaluation lists an
  edited parcel last), never assumed to be the layer's.

They are cached (``st.cache_resource``: one shared, read-only copy, never pickled) on
:func:`workspace_stamp`, the files' modification times and sizes, so a rerun or a filter
change costs nothing and a re-imported layer shows at the next rerun. The evaluation's key
adds the as-of date, the ledger year and the rules text in force.

Pages must not modify the frames these return.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st

from .. import labels
from ..errors import LandplanError
from ..geometry import area_m2, to_metric
from ..schema import PARCELS
from ..workspace import Workspace
from .i18n import t
from .map import local_origin, to_local

__all__ = ["Park", "Joined", "MisalignedError", "STAMP_LAYERS", "workspace_stamp", "load_park",
           "evaluation", "joined", "parcels_on", "join_park", "same_ids", "rules_text",
           "status_summary", "attribute_table"]

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
    metric : pyproj.CRS or None
        The CRS the map is drawn in (``crs`` names it).
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
    metric: object = None

    @property
    def roads(self) -> pd.DataFrame:
        return self.lines.get("roads", (pd.DataFrame(), None))[0]

    @cached_property
    def index(self) -> pd.Index:
        """The parcel ids of :attr:`parcels` (text), row by row: ``index.get_loc(id)`` is the
        row of a parcel in :attr:`parcels` and :attr:`geoms`."""
        return pd.Index(self.parcels["parcel_id"].astype(str).to_numpy(dtype=object))

    def position(self) -> dict[str, int]:
        """``{parcel_id: row}`` (the first row of a repeated id)."""
        ids = self.parcels["parcel_id"].astype(str).tolist()
        return {pid: i for i, pid in reversed(list(enumerate(ids)))}


class MisalignedError(LandplanError):
    """Two frames the app puts side by side do not hold the same parcels in the same order:
    a bug of the app (a join by position), never shown as a result."""


def same_ids(left, right, what: str) -> None:
    """Raise :class:`MisalignedError` unless ``left`` and ``right`` (parcel ids, row by row)
    are the same ids in the same order; ``what`` names the two frames in the message."""
    a = np.asarray(left, dtype=object).astype(str)
    b = np.asarray(right, dtype=object).astype(str)
    if len(a) != len(b):
        raise MisalignedError(f"{what}: {len(a)} parcels against {len(b)}")
    differ = np.flatnonzero(a != b)
    if len(differ):
        i = int(differ[0])
        raise MisalignedError(f"{what}: row {i} is parcel {str(a[i])!r} in one and "
                              f"{str(b[i])!r} in the other ({len(differ)} rows differ)")


@dataclass(frozen=True)
class Joined:
    """A frame's rows placed on the park by ``parcel_id`` (:func:`join_park`).

    Attributes
    ----------
    ids : Index
        The frame's parcel ids (text), row by row: ``ids.get_loc(id)`` is a parcel's row in
        the frame.
    rows : ndarray of int
        Per frame row, the row of the same parcel in :attr:`Park.parcels` and
        :attr:`Park.geoms`; ``-1`` where the frame's parcel is not the layer's as it stands
        (an id the layer lacks, or the same id with another geometry: the parcels on an
        earlier date).
    own : ndarray of object
        Per frame row, its own geometry in local metres where ``rows`` is ``-1`` (else None).
    """

    ids: pd.Index
    rows: np.ndarray
    own: np.ndarray

    def row_of(self, parcel_id: str | None) -> int | None:
        """The frame's row of ``parcel_id`` (the first of a repeated id), or ``None``."""
        if parcel_id is None or parcel_id not in self.ids:
            return None
        found = self.ids.get_loc(parcel_id)
        return int(found) if isinstance(found, (int, np.integer)) else int(
            np.flatnonzero(np.asarray(self.ids == parcel_id))[0])

    def pick(self, park_values: np.ndarray, index: np.ndarray, own=lambda g: g) -> np.ndarray:
        """Per frame row of ``index``, its entry of ``park_values`` (one per parcel of the
        park, e.g. their drawn geometries), or ``own`` of its own geometries (an array) where
        the layer's parcel is not the frame's."""
        index = np.asarray(index, dtype=np.int64)
        rows = self.rows[index]
        out = np.empty(len(index), dtype=object)
        hit = rows >= 0
        out[hit] = np.asarray(park_values, dtype=object)[rows[hit]]
        if not hit.all():
            out[~hit] = own(self.own[index[~hit]])
        return out


def join_park(park: Park, frame: pd.DataFrame) -> Joined:
    """Place the rows of ``frame`` (the parcels, or an evaluation) on ``park`` by parcel_id.

    A frame with geometry (a GeoDataFrame: the parcels on a date, an evaluation) keeps its
    own geometry where it is not the layer's (compared exactly, in local metres); a frame
    without geometry must hold parcels of the layer (else :class:`MisalignedError`).
    """
    ids = pd.Index(frame["parcel_id"].astype(str).to_numpy(dtype=object))
    n = len(ids)
    own = np.full(n, None, dtype=object)
    if frame is park.parcels:
        return Joined(ids, np.arange(n, dtype=np.int64), own)
    rows = np.asarray(park.index.get_indexer(ids) if park.index.is_unique else
                      [park.position().get(pid, -1) for pid in ids], dtype=np.int64)
    if not isinstance(frame, gpd.GeoDataFrame):
        if (rows < 0).any():
            missing = ids[int(np.flatnonzero(rows < 0)[0])]
            raise MisalignedError(f"parcel {missing!r} of the shown frame is not in the parcels "
                                  f"layer of {park.path}, and the frame has no geometry of its own")
        return Joined(ids, rows, own)
    geometry = frame.geometry
    if park.metric is not None and geometry.crs is not None and not geometry.crs.equals(park.metric):
        geometry = geometry.to_crs(park.metric)
    local = to_local(geometry.to_numpy(), park.origin)
    same = rows >= 0
    same[same] = shapely.equals_exact(local[same], park.geoms[rows[same]], tolerance=0)
    own[~same] = local[~same]
    return Joined(ids, np.where(same, rows, -1), own)


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
        metric=metric,
    )


def rules_text(path: str | Path) -> str:
    """The workspace's ``rules.yaml`` as text ("" without one): part of the evaluation key."""
    file = Path(path) / "rules.yaml"
    return file.read_text(encoding="utf-8") if file.exists() else ""


@st.cache_resource(show_spinner=False, max_entries=6)
def evaluation(path: str, stamp: tuple, as_of: dt.date, year: int | None, rules: str):
    """The evaluation table (:func:`landplan.evaluate.evaluate`), cached on its inputs.

    ``stamp`` (:func:`workspace_stamp`) and ``rules`` (:func:`rules_text`) only key the cache;
    the rules in force are read from the workspace. Rows are the parcels in force on
    ``as_of`` on a 0..n-1 index, in the evaluation's own order (an edited parcel comes last in
    a workspace with a history): place them on the park with :func:`join_park`, never by
    position.
    """
    del stamp, rules
    from ..evaluate import evaluate

    table = evaluate(path, as_of=as_of, year=year)
    log.info("evaluated %s as of %s, year %s: %d parcels", path, as_of, year, len(table))
    return table.reset_index(drop=True)


@st.cache_resource(show_spinner=False, max_entries=6)
def parcels_on(path: str, stamp: tuple, as_of: dt.date) -> gpd.GeoDataFrame | None:
    """The parcels in force on ``as_of`` with ``area_m2`` and ``area_mu``, as the evaluation
    on that date has them; ``None`` when the workspace has no history (its layer,
    :attr:`Park.parcels`, holds for every date).

    A workspace with a history keeps in its layer the latest recorded state, whatever its
    date (:mod:`landplan.history`): on an earlier date, or before a change dated later, its
    parcels are other ones. ``stamp`` only keys the cache.
    """
    del stamp
    from ..history import has_history, parcels_as_of
    from ..units import M2_PER_MU

    ws = Workspace(path)
    if not has_history(ws):
        return None
    parcels = parcels_as_of(ws, as_of).reset_index(drop=True)
    parcels["area_m2"] = area_m2(parcels).to_numpy() if len(parcels) else np.array([])
    parcels["area_mu"] = parcels["area_m2"] / M2_PER_MU
    return parcels


@st.cache_resource(show_spinner=False, max_entries=8)
def joined(key: tuple, _park: Park, _frame: pd.DataFrame) -> Joined:
    """:func:`join_park` of ``_frame`` on ``_park``, cached on ``key`` (what the frame is:
    the cache key of the evaluation or of the parcels on a date)."""
    return join_park(_park, _frame)


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
            "label": labels.value("parcel_status", code, lang) if code else t("legend.no_status", lang),
            "count": int(mask.sum()),
            "area_mu": float(np.nansum(area[mask])),
        })
    return pd.DataFrame(rows, columns=["status", "label", "count", "area_mu"])


def attribute_table(parcel: pd.Series, lang: str = "zh") -> pd.DataFrame:
    """One parcel's attributes as a two-column table: label (in ``lang``) and value.

    Canonical columns come in schema order with their catalogue labels, then the measured
    area, then any other column the layer has under its own name (the user's). Values as
    :func:`landplan.app.ui.format_value` writes them (empty: ``—``).
    """
    from .ui import format_value

    canonical = [c for c in PARCELS.column_names if c in parcel.index]
    measured = [c for c in ("area_m2", "area_mu") if c in parcel.index]
    others = [c for c in parcel.index if c not in canonical and c not in measured]
    rows = [(labels.column(c, lang, layer="parcels"), format_value(c, parcel[c], lang, layer="parcels"))
            for c in (*canonical, *measured, *others)]
    return pd.DataFrame(rows, columns=[t("details.field", lang), t("details.value", lang)])
