"""Power-line protection zones (电力线路保护区, 电力设施保护条例 Art. 10): the lines whose zone
counts, the zone widths, which parcels a zone reaches into, and why in words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import labels
from ..labels import text
from ..labels.text import Lang
from ..ruleset import RuleSet, as_ruleset, default_ruleset
from .lines import _from_wkb, _ids, _norm_text, _to_crs, _wkb

#: The lowest voltage with a protection zone: 电力设施保护条例 Art. 10 starts its bands at 1 kV.
ZONE_MIN_KV = 1.0

#: Statuses of the power lines whose protection zone :func:`evaluate_coverage` flags: lines that
#: exist or are being built (a planned line has a corridor in the plan, not yet a zone); a line
#: without status is taken as built (SPEC §3).
ZONE_STATUSES: tuple[str, ...] = ("built", "under_construction")

POWER_ZONE_COLUMNS: tuple[str, ...] = ("power_zone", "power_zone_kv", "power_zone_m", "power_zone_dist_m",
                                       "power_zone_key", "power_zone_reason_zh", "power_zone_reason_en")
"""Columns of the protection-zone check (:func:`power_zone_columns`)."""

def zone_widths(voltage_kv: np.ndarray, cable: np.ndarray, rules: RuleSet | Mapping) -> tuple[np.ndarray, np.ndarray]:
    """Protection-zone width (m, each side of the line) and its rules key for every power line.

    A cable takes ``coverage.cable_protection_zone_m``; an overhead line (or one whose laying is
    not known) the first band of ``coverage.power_protection_zone_m`` whose key (the band's
    highest voltage, kV) is ≥ its voltage, the widest band above the last. A voltage below
    :data:`ZONE_MIN_KV` or not known has no zone (NaN, key ``""``).
    """
    cov = as_ruleset(rules).coverage
    bands = sorted(((float(k), float(v)) for k, v in cov.power_protection_zone_m.items()), key=lambda b: b[0])
    keys = {float(k): str(k) for k in cov.power_protection_zone_m}
    kv = np.asarray(voltage_kv, dtype=float)
    width = np.full(len(kv), np.nan)
    key = np.full(len(kv), "", dtype=object)
    if bands:
        tops = np.array([b[0] for b in bands])
        at = np.minimum(np.searchsorted(tops, kv, side="left"), len(bands) - 1)
        has = ~np.isnan(kv) & (kv >= ZONE_MIN_KV)
        width[has] = np.array([b[1] for b in bands])[at[has]]
        key[has] = np.array([f"coverage.power_protection_zone_m.{keys[b[0]]}" for b in bands], dtype=object)[at[has]]
    cable = np.asarray(cable, dtype=bool) & ~np.isnan(kv) & (kv >= ZONE_MIN_KV)
    width[cable] = float(cov.cable_protection_zone_m)
    key[cable] = "coverage.cable_protection_zone_m"
    return width, key


@dataclass
class ZoneLines:
    """Power lines with a protection zone, in one metric CRS (:func:`zone_lines`). Picklable."""

    geoms: np.ndarray
    width_m: np.ndarray
    key: np.ndarray
    kv: np.ndarray
    ids: np.ndarray
    cable: np.ndarray
    status: np.ndarray

    def __len__(self) -> int:
        return len(self.geoms)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["geoms"] = _wkb(self.geoms)
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        state["geoms"] = _from_wkb(state["geoms"])
        self.__dict__.update(state)


def zone_lines(powerlines: gpd.GeoDataFrame | None, rules: RuleSet | Mapping, *, crs: Any = None,
               statuses: tuple[str, ...] | None = ZONE_STATUSES, min_kv: float | None = None) -> ZoneLines:
    """The power lines whose protection zone counts, with their zone widths (:func:`zone_widths`).

    Parameters
    ----------
    powerlines : GeoDataFrame or None
        The workspace layer (``voltage_kv``, ``laying`` 架空/电缆, ``status``, ``line_id``).
    rules : RuleSet or dict (a dict is deprecated)
    crs : optional
        Bring the lines to this (metric) CRS.
    statuses : tuple of str, optional
        Line statuses that count (a line without status is built); None: every line.
    min_kv : float, optional
        Only lines of this voltage or more.
    """
    none = np.array([], dtype=object)
    if powerlines is None or len(powerlines) == 0 or "voltage_kv" not in powerlines.columns:
        return ZoneLines(none, np.zeros(0), none, np.zeros(0), none, np.zeros(0, bool), none)
    frame = _to_crs(powerlines, crs)
    kv = pd.to_numeric(frame["voltage_kv"], errors="coerce").to_numpy(dtype=float)
    laying = _norm_text(frame["laying"]).fillna("").to_numpy(dtype=object) if "laying" in frame.columns \
        else np.full(len(frame), "", dtype=object)
    cable = laying == "cable"
    width, key = zone_widths(kv, cable, rules)
    status = _norm_text(frame["status"]).fillna("").to_numpy(dtype=object) if "status" in frame.columns \
        else np.full(len(frame), "", dtype=object)
    keep = ~np.isnan(width)
    if statuses is not None:
        keep &= np.isin(status, [*statuses, ""])
    if min_kv is not None:
        keep &= kv >= float(min_kv)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    keep &= ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    ids = _ids(frame, "powerlines")
    return ZoneLines(geoms[keep], width[keep], key[keep], kv[keep], ids[keep], cable[keep], status[keep])


def zone_pairs(geoms: np.ndarray, zones: ZoneLines, *, corridor_m: float | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(parcel index, line index, distance) of every parcel a protection zone reaches into:
    distance to the line < its zone width (a zone edge on the boundary does not reach in);
    with ``corridor_m`` also every line within that distance. Sorted by parcel, then line."""
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not len(zones) or not present.any():
        return empty
    reach = max(float(np.nanmax(zones.width_m)), float(corridor_m or 0.0))
    where = np.flatnonzero(present)
    pi, li = shapely.STRtree(zones.geoms).query(geoms[where], predicate="dwithin", distance=reach)
    pi = where[pi]
    d = shapely.distance(geoms[pi], zones.geoms[li])
    hit = d < zones.width_m[li]
    if corridor_m:
        hit |= d <= float(corridor_m)
    order = np.lexsort((li[hit], pi[hit]))
    return pi[hit][order], li[hit][order], d[hit][order]


def zone_texts(li: np.ndarray, d: np.ndarray, zones: ZoneLines, *,
               corridor_m: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One text per (parcel, line) pair in Chinese and English: the line, its distance, its zone
    width and the source (电力设施保护条例 Art. 10 for the shipped widths, else the local rules;
    a line within ``corridor_m`` but outside its zone: the corridor). Catalogue ``reason.power.*``."""
    defaults = default_ruleset().coverage
    li = np.asarray(li, dtype=np.int64)
    dist = np.asarray(d, dtype=float)
    key, width = zones.key[li], zones.width_m[li].astype(float)
    cable = zones.cable[li].astype(bool)
    bands = {str(k): v for k, v in defaults.power_protection_zone_m.items()}
    shipped_width = np.array([defaults.cable_protection_zone_m if c else bands.get(str(k).rsplit(".", 1)[-1], np.nan)
                              for k, c in zip(key, cable, strict=True)], dtype=float)
    shipped = shipped_width == width
    status = np.asarray(zones.status[li], dtype=object)
    laying = np.where(cable, "cable", "overhead")
    line = Lang(*(text.fill("reason.power.line", lang, kv=text.plains(zones.kv[li]),
                            line=np.asarray(zones.ids[li], dtype=object), laying=text.values("laying", laying, lang),
                            status=np.where(status != "", text.concat(text.values("line_status", status, lang),
                                                                      "" if lang == "zh" else " "), ""))
                  for lang in ("zh", "en")))
    where = Lang(*text.pair_cases(len(li), (dist <= 0, "reason.power.meets", {}),
                                  (True, "reason.power.near", {"dist": text.numbers(dist, "m")})))
    source = Lang(*(np.where(shipped, labels.t("src.power_protection", lang), labels.t("src.local_rules", lang))
                    for lang in ("zh", "en")))
    fields = {"line": line, "where": where, "source": source, "width": text.plains(width),
              "corridor": text.plain(corridor_m) if corridor_m else ""}
    corridor_source = {**fields, "source": Lang(labels.t("src.local_rules", "zh"), labels.t("src.local_rules", "en"))}
    return text.pair_cases(len(li), (dist < width, "reason.power.inside", fields),
                           (True, "reason.power.corridor", corridor_source))


def power_zone_columns(geoms: np.ndarray, zones: ZoneLines) -> dict[str, np.ndarray]:
    """:data:`POWER_ZONE_COLUMNS` for every parcel: whether a protection zone reaches into it
    (``power_zone``); the voltage, zone width, distance and width's rules key of the
    highest-voltage such line (the nearest of equal voltage); and every such line in words, with
    its figures and source."""
    n = len(geoms)
    pi, li, d = zone_pairs(geoms, zones)
    out = {"power_zone": np.zeros(n, dtype=bool), "power_zone_kv": np.full(n, np.nan),
           "power_zone_m": np.full(n, np.nan), "power_zone_dist_m": np.full(n, np.nan),
           "power_zone_key": np.full(n, "", dtype=object),
           "power_zone_reason_zh": np.full(n, "", dtype=object), "power_zone_reason_en": np.full(n, "", dtype=object)}
    if not len(pi):
        return out
    first = np.lexsort((li, d, -zones.kv[li], pi))
    head = first[np.r_[True, pi[first][1:] != pi[first][:-1]]]
    rows = pi[head]
    out["power_zone"][rows] = True
    out["power_zone_kv"][rows] = zones.kv[li[head]]
    out["power_zone_m"][rows] = zones.width_m[li[head]]
    out["power_zone_dist_m"][rows] = d[head]
    out["power_zone_key"][rows] = zones.key[li[head]]
    zh, en = zone_texts(li[first], d[first], zones)
    for name, texts, lang in (("power_zone_reason_zh", zh, "zh"), ("power_zone_reason_en", en, "en")):
        joined = pd.Series(texts).groupby(pi[first], sort=True).agg(text.sep("clause", lang).join)
        out[name][joined.index.to_numpy()] = joined.to_numpy()
    return out
