"""Network QA: problems in the network layers that make coverage results doubtful (missing
attributes and geometries, dangles, unconnected pieces, substations over capacity)."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from .. import labels
from ..geometry import to_metric
from ..ruleset import RuleSet
from .lines import ALL_PIPE_KINDS, FACILITY_KINDS, _ids, _norm_text, _to_crs, _valid_geoms
from .loads import substation_loads

QA_TOLERANCE_M = 0.01
"""Two lines are connected in :func:`network_qa` when they come within this distance (1 cm)."""


def _components(geoms: np.ndarray) -> np.ndarray:
    """Component label per line: lines within :data:`QA_TOLERANCE_M` of each other are joined;
    labels 0, 1, … in order of each component's lowest line index (scipy's csgraph)."""
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=QA_TOLERANCE_M)
    n = len(geoms)
    graph = csr_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    # labels numbered in order of each piece's first line, as networkx numbered them: of two
    # pieces of equal length, network_qa's main network is the one holding the lower row
    _, label = connected_components(graph, directed=False)
    return label.astype(np.int64)


def _dangles(geoms: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Per line: number of its two ends that come near no other line of its group nor ``extra``."""
    n = len(geoms)
    ends = np.concatenate([shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)])
    owner = np.r_[np.arange(n), np.arange(n)]
    closed = np.concatenate([shapely.is_closed(geoms)] * 2)
    tree = shapely.STRtree(geoms)
    e, line = tree.query(ends, predicate="dwithin", distance=QA_TOLERANCE_M)
    touched = np.zeros(len(ends), dtype=bool)
    touched[e[line != owner[e]]] = True
    if len(extra):
        e2, _ = shapely.STRtree(extra).query(ends, predicate="dwithin", distance=QA_TOLERANCE_M)
        touched[e2] = True
    loose = ~touched & ~closed
    return np.bincount(owner[loose], minlength=n)


def network_qa(
    *,
    roads: gpd.GeoDataFrame | None = None,
    pipelines: gpd.GeoDataFrame | None = None,
    powerlines: gpd.GeoDataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    parcels: gpd.GeoDataFrame | None = None,
    rules: RuleSet | Mapping,
) -> pd.DataFrame:
    """Problems in the network layers that make coverage results doubtful, one row per problem.

    Checks (lines with no geometry are reported and skipped by the geometric checks):

    - ``missing status``: the line or facility has no status (taken as built by the analyses).
    - ``missing kind`` (pipelines, facilities: empty or not a SPEC §3 kind) and
      ``missing voltage`` (power lines: empty or not a number; ``voltage not supplying`` is
      not a problem).
    - ``dangle``: a line end that comes within :data:`QA_TOLERANCE_M` of no other line of the
      same network (roads: all roads; pipelines: same kind; power lines: same voltage) nor of a
      facility. Dead ends and undershoots look alike; both are reported.
    - ``unconnected piece``: the line belongs to a connected group of lines (same grouping,
      within the tolerance) that is not the largest group (by total length) of its network.
    - ``missing geometry``.
    - ``substation over capacity`` (when ``parcels`` and ``facilities`` are given and parcel
      loads are known): see :func:`substation_loads`.

    Parameters
    ----------
    roads, pipelines, powerlines, facilities : GeoDataFrame, optional
    parcels : GeoDataFrame, optional
        Sets the metric CRS (that of the parcels; else each layer's own metric CRS) and gives
        the loads of the substation check.
    rules : dict
        The rules in force (``coverage.load_kva_per_mu`` for the substation check).

    Returns
    -------
    DataFrame
        Columns ``layer``, ``feature_id``, ``problem``, ``message`` (English) and
        ``message_zh`` (the same in Chinese, from the catalogue's ``qa.*``); empty when all
        is well.
    """
    target = to_metric(parcels).crs if parcels is not None and parcels.crs is not None else None
    rows: list[pd.DataFrame] = []

    def add(layer: str, ids: np.ndarray, problem: str, group: str | dict = "", key: str = "", **fields) -> None:
        """Rows of ``problem`` for ``ids`` (its words: ``key``, else ``qa.<problem>``); a field
        given as an array varies by row, one given as ``{"zh": …, "en": …}`` by language."""
        if not len(ids):
            return
        key = key or "qa." + problem.replace(" ", "_")
        out = {"layer": layer, "feature_id": ids, "problem": problem}
        for lang, column in (("en", "message"), ("zh", "message_zh")):
            named = group[lang] if isinstance(group, dict) else group
            what = labels.t(f"layer.{layer}", lang) + (f" ({named})" if named else "")
            shared = {k: v[lang] if isinstance(v, dict) else v for k, v in fields.items()
                      if not isinstance(v, np.ndarray)}
            per_row = {k: v for k, v in fields.items() if isinstance(v, np.ndarray)}
            if per_row:
                out[column] = [labels.t(key, lang, what=what, **shared, **{k: v[i] for k, v in per_row.items()})
                               for i in range(len(ids))]
            else:
                out[column] = labels.t(key, lang, what=what, **shared)
        rows.append(pd.DataFrame(out))

    fac_geoms = np.array([], dtype=object)
    if facilities is not None and len(facilities):
        fac = _to_crs(facilities, target) if target is not None else to_metric(facilities)
        ids = _ids(fac, "facilities")
        fac_geoms = np.asarray(_valid_geoms(fac.geometry).array, dtype=object)
        _attribute_checks(add, "facilities", fac, ids)

    for layer, frame in (("roads", roads), ("pipelines", pipelines), ("powerlines", powerlines)):
        if frame is None or len(frame) == 0:
            continue
        frame = _to_crs(frame, target) if target is not None else (to_metric(frame) if frame.crs else frame)
        ids = _ids(frame, layer)
        _attribute_checks(add, layer, frame, ids)
        geoms = np.asarray(frame.geometry.array, dtype=object)
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        add(layer, ids[~present], "missing geometry")
        if layer == "pipelines":
            group = _norm_text(frame["kind"]).fillna("") if "kind" in frame.columns else pd.Series("", index=frame.index)
        elif layer == "powerlines":
            group = (pd.to_numeric(frame["voltage_kv"], errors="coerce").map("{:g} kV".format, na_action="ignore")
                     .astype("string").fillna("")
                     if "voltage_kv" in frame.columns else pd.Series("", index=frame.index))
        else:
            group = pd.Series("", index=frame.index)
        group = group.to_numpy(dtype=object)
        for name in pd.unique(group[present]):
            sel = np.flatnonzero(present & (group == name))
            if len(sel) == 0:
                continue
            g = geoms[sel]
            group_name = ({lang: labels.value("pipe_kind", name, lang) for lang in ("zh", "en")}
                          if layer == "pipelines" else name)
            loose = _dangles(g, fac_geoms)
            d = np.flatnonzero(loose > 0)
            add(layer, ids[sel[d[loose[d] == 2]]], "dangle", group=group_name, key="qa.dangle_both")
            add(layer, ids[sel[d[loose[d] == 1]]], "dangle", group=group_name)
            label = _components(g)
            if label.max() > 0:
                total = np.bincount(label, weights=shapely.length(g))
                main = int(np.argmax(total))
                off = np.flatnonzero(label != main)
                add(layer, ids[sel[off]], "unconnected piece", group=group_name, pieces=len(total))
    if parcels is not None and facilities is not None and len(facilities) and len(parcels):
        loads = substation_loads(parcels, facilities, rules)
        over = loads[loads["over_capacity"]]
        add("facilities", over["facility_id"].to_numpy(dtype=object), "substation over capacity",
            load=np.array([labels.fmt(v, "kva") for v in over["load_kva"]], dtype=object),
            parcels=over["parcels_with_load"].to_numpy(dtype=object),
            capacity=np.array([labels.fmt(v, "kva") for v in over["capacity_kva"]], dtype=object),
            pct=np.array([labels.fmt(v, "pct", digits=0) for v in over["load_pct"]], dtype=object))
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object)
                             for c in ("layer", "feature_id", "problem", "message", "message_zh")})
    return pd.concat(rows, ignore_index=True)


def _attribute_checks(add, layer: str, frame: gpd.GeoDataFrame, ids: np.ndarray) -> None:
    if "status" in frame.columns:
        status = _norm_text(frame["status"])
        no_status = (status.isna() | (status == "")).to_numpy(dtype=bool)
    else:
        no_status = np.ones(len(frame), dtype=bool)
    add(layer, ids[no_status], "missing status")
    if layer in ("pipelines", "facilities"):
        allowed = ALL_PIPE_KINDS if layer == "pipelines" else FACILITY_KINDS
        kind = _norm_text(frame["kind"]) if "kind" in frame.columns else pd.Series(pd.NA, index=frame.index, dtype="string")
        bad = ~kind.isin(allowed).fillna(False).to_numpy(dtype=bool)
        kind_of = "pipe_kind" if layer == "pipelines" else "facility_kind"
        add(layer, ids[bad], "missing kind",
            allowed={"en": ", ".join(allowed), "zh": "、".join(labels.value(kind_of, k, "zh") for k in allowed)})
    if layer == "powerlines":
        volt = (pd.to_numeric(frame["voltage_kv"], errors="coerce") if "voltage_kv" in frame.columns
                else pd.Series(np.nan, index=frame.index))
        bad = volt.isna().to_numpy(dtype=bool)
        add(layer, ids[bad], "missing voltage")
