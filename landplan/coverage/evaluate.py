"""Coverage of every parcel (:func:`evaluate_coverage`), its readiness level, and the routed
extensions as lines (:func:`extension_routes`); the definitions are in the package docstring."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import RuleError, shown
from ..ruleset import Coverage, RuleSet, as_ruleset
from .lines import NETWORK_TYPES, READINESS_NEEDS
from .nearest import _distances, _parcel_frame
from .networks import Networks, prepare_networks
from .routing import _route_all
from .zones import power_zone_columns


def _leveled(parcels: gpd.GeoDataFrame, leveled: pd.Series | None) -> np.ndarray:
    if leveled is not None:
        ids = pd.Index(parcels["parcel_id"])
        values = leveled if leveled.index.equals(ids) else leveled.reindex(ids)
    elif "site_leveled" in parcels.columns:
        values = parcels["site_leveled"]
    else:
        return np.zeros(len(parcels), dtype=bool)
    if values.dtype == bool:
        return values.to_numpy()
    # True, 1 and numpy True are met; False, 0, None, NaN, NA and anything else are not
    return pd.Series(np.asarray(values, dtype=object)).eq(True).to_numpy(dtype=bool)


def _readiness(met: dict[str, np.ndarray], cov: Coverage, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(readiness, missing) per parcel: the first level whose needs are all met (else
    ``below``), and the unmet needs of the first level, joined by commas in its order."""
    levels = cov.readiness
    for level in levels:  # load_rules refuses these; a rules dict built in code may still have them
        unknown = [need for need in level.needs if need not in met]
        if unknown:
            raise RuleError(f"rules: coverage.readiness.{level.name}.needs: {shown(unknown[0])} is not a "
                            f"network (allowed: {', '.join(READINESS_NEEDS)})")
    code = np.full(n, len(levels), dtype=np.int64)  # the level index; len(levels) = below
    for i in range(len(levels) - 1, -1, -1):  # the first level met wins
        code[np.logical_and.reduce([met[need] for need in levels[i].needs] + [np.ones(n, bool)])] = i
    names = np.asarray([level.name for level in levels] + [cov.below], dtype=object)
    needs = list(levels[0].needs) if levels else []
    unmet = np.zeros(n, dtype=np.int64)  # bit j: need j of the first level not met
    for j, need in enumerate(needs):
        unmet |= (~np.asarray(met[need], dtype=bool)).astype(np.int64) << j
    distinct, inverse = np.unique(unmet, return_inverse=True)  # few combinations: texts built once
    texts = np.asarray([",".join(need for j, need in enumerate(needs) if int(b) >> j & 1) for b in distinct],
                       dtype=object)
    return names[code], texts[inverse.reshape(-1)]


def evaluate_coverage(
    parcels: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    pipelines: gpd.GeoDataFrame | None = None,
    powerlines: gpd.GeoDataFrame | None = None,
    rules: RuleSet | Mapping,
    leveled: pd.Series | None = None,
    routes: bool = False,
    networks: Networks | None = None,
) -> pd.DataFrame:
    """Coverage of every parcel by every network type, and its readiness level.

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels with ``parcel_id`` and geometry (``site_leveled`` used when ``leveled`` is None).
    roads, pipelines, powerlines : GeoDataFrame, optional
        Network layers; brought to the metric CRS of the parcels.
    rules : RuleSet or dict (a dict is deprecated)
        The rules in force; the ``coverage`` block is used.
    leveled : Series of bool, optional
        The ``leveled`` need by parcel_id (e.g. from terrain); overrides ``site_leveled``.
    routes : bool, default False
        Route extensions along the roads (:func:`extension_routes`) instead of taking the
        straight distance.
    networks : Networks, optional
        Prepared by :func:`prepare_networks` (in the parcels' metric CRS, with ``routes`` when
        routing); the layers are then not used. Lets many chunks of parcels share one.

    Returns
    -------
    DataFrame
        Indexed by ``parcel_id`` in the order of ``parcels``: for each type ``t``
        ``has_<t>`` (bool), ``dist_<t>_m``, ``ext_<t>_m``, ``ext_<t>_cost_wan`` (float), then
        ``readiness`` and ``missing`` (str), then :data:`POWER_ZONE_COLUMNS`. See the module
        docstring for the definitions.
    """
    rules = as_ruleset(rules)
    cov = rules.coverage
    metric = _parcel_frame(parcels, networks.crs if networks is not None else None)
    nets = networks if networks is not None else prepare_networks(
        roads=roads, pipelines=pipelines, powerlines=powerlines, rules=rules, crs=metric.crs, routes=routes)
    if nets.crs is not None and metric.crs is not None and not metric.crs.equals(nets.crs):
        metric = metric.to_crs(nets.crs)
    geoms = np.asarray(metric.geometry.array, dtype=object)
    n = len(geoms)
    near = _distances(geoms, nets, cov.service_distance_m)
    ext_routed: dict[str, np.ndarray] = {}
    if routes:
        nets.routes_ready()
        if nets.graph is None:
            raise ValueError("evaluate_coverage(routes=True) needs networks prepared with routes=True")
        routed = _route_all(metric, nets, near, rules, geometry=False)
        ext_routed = {t: routed[t]["length"] for t in routed}
    cols: dict[str, Any] = {}
    met: dict[str, np.ndarray] = {}
    for t in NETWORK_TYPES:
        dist = near[t][1]
        has = dist <= float(cov.service_distance_m[t])  # NaN → False
        ext = np.where(has, 0.0, ext_routed.get(t, dist))
        cols[f"has_{t}"] = has
        cols[f"dist_{t}_m"] = dist
        cols[f"ext_{t}_m"] = ext
        cols[f"ext_{t}_cost_wan"] = ext * float(cov.unit_cost_wan_per_m[t])
        met[t] = has
    met["leveled"] = _leveled(metric, leveled)
    cols["readiness"], cols["missing"] = _readiness(met, cov, n)
    if nets.zones is not None:
        cols.update(power_zone_columns(geoms, nets.zones))
    out = pd.DataFrame(cols, index=pd.Index(metric["parcel_id"].to_numpy(), name="parcel_id"))
    for t in NETWORK_TYPES:
        out[f"has_{t}"] = out[f"has_{t}"].astype(bool)
    out["readiness"] = out["readiness"].astype(str)
    out["missing"] = out["missing"].astype(str)
    return out


def with_leveled(coverage: pd.DataFrame, leveled: pd.Series, rules: RuleSet | Mapping) -> pd.DataFrame:
    """``coverage`` (of :func:`evaluate_coverage`) with ``readiness`` and ``missing`` as they
    are with the ``leveled`` need taken from ``leveled`` (by parcel_id, e.g. from terrain).

    The same columns as ``evaluate_coverage(..., leveled=leveled)``: the nearest lines and
    routes do not depend on the need, so coverage computed before the terrain is finished here.
    """
    cov = as_ruleset(rules).coverage
    met = {t: coverage[f"has_{t}"].to_numpy(dtype=bool) for t in NETWORK_TYPES}
    met["leveled"] = _leveled(pd.DataFrame({"parcel_id": coverage.index}), leveled)
    readiness, missing = _readiness(met, cov, len(coverage))
    out = coverage.copy(deep=False)
    out["readiness"] = pd.Series(readiness, index=coverage.index).astype(str)
    out["missing"] = pd.Series(missing, index=coverage.index).astype(str)
    return out


def extension_routes(
    parcels: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    pipelines: gpd.GeoDataFrame | None = None,
    powerlines: gpd.GeoDataFrame | None = None,
    rules: RuleSet | Mapping,
) -> gpd.GeoDataFrame:
    """The extension each parcel needs for each network it lacks, as a line.

    Model (built once per call, in the metric CRS of the parcels):

    - **Routing graph**: the centrelines of *all* roads (built, under construction, planned and
      without status), because new pipes and cables are laid in road corridors, also of roads
      being built. Lines are noded at crossings (``shapely.node``); vertices equal to the mm
      are one node; edges are the straight segments, weighted by length. Roads that end short
      of another road (an undershoot) are not joined.
    - **Network side**: every road node within the type's service distance of a built line of
      that type is a source, starting at its straight distance to that line (the stub from the
      network to the road). One multi-source Dijkstra per type (``scipy.sparse.csgraph``).
    - **Parcel side**: the nearest road segment to the parcel when within the type's service
      distance of it (else no road serves the parcel), split at the point nearest the
      parcel: length = stub (parcel to that point = its distance to the road) + min over the
      segment's two ends of (Dijkstra distance + distance along the segment).
    - **Fallback**: when the parcel's nearest road is farther than the service distance or is
      not reached from the network (no road, no source node, another component), the straight line from the network to the parcel
      (length = ``dist_<t>_m``), ``routed = False``.

    Approximations: only the parcel's *nearest* road is tried (a farther, connected road is not);
    the network joins the roads at road nodes, not at arbitrary points along a segment; the
    routed length is never below the straight distance.

    Parameters
    ----------
    parcels, roads, pipelines, powerlines, rules
        As for :func:`evaluate_coverage`.

    Returns
    -------
    GeoDataFrame
        One row per (parcel, type) gap (``has_<t>`` False and a network of type ``t`` exists):
        ``parcel_id``, ``type``, ``length_m``, ``cost_wan``, ``routed`` and a LineString from
        the network to the parcel, in the metric CRS of the parcels. Sorted by parcel order,
        then type order.
    """
    rules = as_ruleset(rules)
    metric = _parcel_frame(parcels)
    nets = prepare_networks(roads=roads, pipelines=pipelines, powerlines=powerlines, rules=rules,
                            crs=metric.crs, routes=True, paths=True)
    geoms = np.asarray(metric.geometry.array, dtype=object)
    near = _distances(geoms, nets, rules.coverage.service_distance_m)
    res = _route_all(metric, nets, near, rules, geometry=True)
    pid = metric["parcel_id"].to_numpy(dtype=object)
    frames = []
    for order, t in enumerate(NETWORK_TYPES):
        r = res[t]
        rows = np.flatnonzero(r["gap"])
        frames.append(
            pd.DataFrame(
                {
                    "_row": rows,
                    "_type": order,
                    "parcel_id": pid[rows],
                    "type": t,
                    "length_m": r["length"][rows],
                    "cost_wan": r["length"][rows] * float(rules.coverage.unit_cost_wan_per_m[t]),
                    "routed": r["routed"][rows],
                    "geometry": r["geometry"][rows],
                }
            )
        )
    table = pd.concat(frames, ignore_index=True).sort_values(["_row", "_type"], kind="stable")
    table = table.drop(columns=["_row", "_type"]).reset_index(drop=True)
    table["routed"] = table["routed"].astype(bool)
    return gpd.GeoDataFrame(table, geometry="geometry", crs=metric.crs)
