"""Substation loads: the planned load of every parcel on its nearest built substation against
the substation's capacity (used by :func:`landplan.coverage.network_qa`)."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..geometry import area_mu
from ..ruleset import RuleSet, as_ruleset
from ..tables import num
from .lines import _built_mask, _ids, _norm_text, _to_crs
from .nearest import _nearest, _parcel_frame

_KVA_PER_UNIT = {"kva": 1.0, "千伏安": 1.0, "mva": 1000.0, "兆伏安": 1000.0}


def _parcel_loads(parcels: gpd.GeoDataFrame, rules: RuleSet) -> np.ndarray:
    """Planned load (kVA) of every parcel: its ``load_kva``, else area × the rules' load per mu."""
    per_mu = rules.coverage.load_kva_per_mu
    own = num(parcels, "load_kva").to_numpy()
    code = (parcels["industry_code"].astype("string").str.strip().str[:2]
            if "industry_code" in parcels.columns else pd.Series(pd.NA, index=parcels.index, dtype="string"))
    density = code.map(lambda c: per_mu.get(c, per_mu.get("default")), na_action="ignore")
    density = pd.to_numeric(density.where(code.notna(), per_mu.get("default")), errors="coerce")
    by_rules = area_mu(parcels).to_numpy(dtype=float) * density.to_numpy(dtype=float)
    return np.where(np.isnan(own), by_rules, own)


def substation_loads(parcels: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, rules: RuleSet | Mapping) -> pd.DataFrame:
    """Planned load on every built substation against its capacity.

    Model: each parcel draws on its nearest built substation (straight distance in the metric
    CRS of the parcels; a substation without status counts as built). A parcel's load is its
    ``load_kva`` column (用电负荷/报装容量) when given, else ``area_mu × coverage.load_kva_per_mu``
    of its 2-digit industry code (``default`` for other codes); the shipped rules leave that
    figure empty (no source gave one), so by default only parcels with ``load_kva`` count.
    Capacities are compared in kVA: ``capacity_unit`` MVA/kVA (兆伏安/千伏安); MW or kW would need
    a power factor the rules do not give, so such substations are not checked
    (``checked`` False, with the reason).

    Returns
    -------
    DataFrame
        One row per built substation: ``facility_id``, ``name``, ``capacity_kva``,
        ``parcels`` (parcels assigned), ``parcels_with_load``, ``load_kva``, ``load_pct``,
        ``over_capacity`` (bool), ``checked`` (bool), ``note``.
    """
    columns = ["facility_id", "name", "capacity_kva", "parcels", "parcels_with_load", "load_kva",
               "load_pct", "over_capacity", "checked", "note"]
    if facilities is None or len(facilities) == 0 or "kind" not in facilities.columns:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    metric = _parcel_frame(parcels)
    fac = _to_crs(facilities, metric.crs)
    sub = fac[(_norm_text(fac["kind"]) == "substation").fillna(False).to_numpy(dtype=bool) & _built_mask(fac)]
    sub = sub[~(shapely.is_missing(np.asarray(sub.geometry.array)) | np.asarray(sub.geometry.is_empty))]
    if len(sub) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    load = _parcel_loads(metric, as_ruleset(rules))
    geoms = np.asarray(metric.geometry.array, dtype=object)
    which, _ = _nearest(np.asarray(sub.geometry.array, dtype=object), geoms, 0.0)
    has = which >= 0
    k = len(sub)
    assigned = np.bincount(which[has], minlength=k)
    known = has & ~np.isnan(load)
    with_load = np.bincount(which[known], minlength=k)
    total = np.bincount(which[known], weights=load[known], minlength=k)
    cap = pd.to_numeric(sub["capacity"], errors="coerce").to_numpy(dtype=float) if "capacity" in sub.columns else np.full(k, np.nan)
    unit = (_norm_text(sub["capacity_unit"]).fillna("").to_numpy(dtype=object)
            if "capacity_unit" in sub.columns else np.full(k, "", dtype=object))
    factor = np.array([_KVA_PER_UNIT.get(u, np.nan) for u in unit], dtype=float)
    cap_kva = cap * factor
    checked = ~np.isnan(cap_kva) & (with_load > 0)
    note = np.where(np.isnan(cap), "no capacity",
                    np.where(np.isnan(factor), "capacity unit not kVA/MVA (a power factor would be needed)",
                             np.where(with_load == 0, "no parcel load known (load_kva or coverage.load_kva_per_mu)", "")))
    ids = _ids(sub, "facilities")
    names = sub["name"].astype("string").fillna("").to_numpy(dtype=object) if "name" in sub.columns else np.full(k, "", dtype=object)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(checked, 100.0 * total / cap_kva, np.nan)
    return pd.DataFrame({
        "facility_id": ids, "name": names, "capacity_kva": cap_kva, "parcels": assigned,
        "parcels_with_load": with_load, "load_kva": np.where(with_load > 0, total, np.nan), "load_pct": pct,
        "over_capacity": checked & (total > cap_kva), "checked": checked, "note": note.astype(object),
    })
