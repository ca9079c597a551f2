"""Which lines count: the built lines of every network type (SPEC §8), and the helpers
every part of coverage shares (text normalisation, CRS, feature ids, WKB pickling)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..ruleset import RuleSet, as_ruleset

NETWORK_TYPES: tuple[str, ...] = ("road", "water", "sewer", "storm", "gas", "heat", "power", "telecom")
"""The network types of SPEC §5, in column order."""

#: What a level of ``coverage.readiness`` can need: the network types and ``leveled`` (一平).
READINESS_NEEDS: tuple[str, ...] = (*NETWORK_TYPES, "leveled")

#: Pipeline kinds that are coverage types (``reclaimed`` 再生水 is not one).
PIPE_KINDS: tuple[str, ...] = ("water", "sewer", "storm", "gas", "heat", "telecom")

ALL_PIPE_KINDS: tuple[str, ...] = (*PIPE_KINDS, "reclaimed")
FACILITY_KINDS: tuple[str, ...] = ("substation", "water_plant", "sewage_plant", "gas_station", "heat_source")
STATUSES: tuple[str, ...] = ("built", "under_construction", "planned")




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
    rules: RuleSet | Mapping,
    crs: Any = None,
) -> dict[str, gpd.GeoSeries]:
    """The built lines of every network type.

    Parameters
    ----------
    roads, pipelines, powerlines : GeoDataFrame, optional
        Workspace network layers (SPEC §3). A layer that is not given contributes nothing.
    rules : RuleSet or dict (a dict is deprecated)
        The rules in force (:func:`landplan.rules.load_ruleset`); ``coverage.power_voltages_kv``
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
    voltages = np.asarray(as_ruleset(rules).coverage.power_voltages_kv, dtype=float)
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


def _wkb(geoms: np.ndarray) -> np.ndarray:
    return shapely.to_wkb(geoms) if len(geoms) else np.array([], dtype=object)


def _from_wkb(blobs: np.ndarray) -> np.ndarray:
    return np.asarray(shapely.from_wkb(blobs), dtype=object) if len(blobs) else np.array([], dtype=object)


_ID_COLUMN = {"roads": "road_id", "pipelines": "pipe_id", "powerlines": "line_id", "facilities": "facility_id"}


def _ids(frame: gpd.GeoDataFrame, layer: str) -> np.ndarray:
    col = _ID_COLUMN[layer]
    if col in frame.columns:
        ids = frame[col].astype("string").fillna("")
        return np.where(ids == "", "#" + pd.Series(frame.index.astype(str)).to_numpy(), ids.to_numpy(dtype=object))
    return np.asarray("#" + pd.Series(frame.index.astype(str)), dtype=object)
