"""What every report of one run reads: the evaluation table and the workspace layers, prepared once.

:func:`prepare` runs :func:`landplan.evaluate.evaluate` once and gathers, vectorised, what the
reports of the chosen parcels need: the rows by parcel id, the park benchmarks, the ledger
rows of the evaluated year and the year before grouped by parcel, the lineage (which parcels
came from which, from ``parent_ids``), the land economics of that evaluation (per parcel and
per park, or the rules keys it lacks), and for each chosen parcel the neighbouring parcels,
roads, pipelines and power lines inside its map window (one STRtree query per layer for all
parcels at once).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from ..efficiency import park_benchmarks
from ..evaluate import evaluate
from ..rules import load_ruleset
from ..ruleset import RuleSet, as_ruleset, default_ruleset
from ..workspace import Workspace

__all__ = ["ReportContext", "Layer", "prepare", "map_window"]

log = logging.getLogger(__name__)

#: Map window: the parcel's bounds grown by this share of their larger side, at least MIN_MARGIN_M.
MARGIN_SHARE = 0.6
MIN_MARGIN_M = 60.0


@dataclass
class Layer:
    """One map layer: geometries in the workspace CRS and the attributes the map draws by."""

    name: str
    geoms: np.ndarray
    attrs: pd.DataFrame
    #: chosen parcel position -> positions of this layer's features in its window
    near: dict[int, np.ndarray] = field(default_factory=dict)


@dataclass
class ReportContext:
    """Everything the reports of one run share (picklable; workers inherit it by fork)."""

    workspace: Path
    as_of: dt.date
    year: int | None
    rules: RuleSet
    defaults: RuleSet
    table: pd.DataFrame
    position: dict[str, int]
    benchmarks: dict[str, float]
    ledger_year: pd.DataFrame
    ledger_prev: pd.DataFrame
    ledger_rows: dict[str, np.ndarray]
    ledger_prev_rows: dict[str, np.ndarray]
    children: dict[str, list[str]]
    layers: dict[str, Layer]
    windows: dict[int, tuple[float, float, float, float]]
    has_dem: bool
    crs_name: str
    #: the land economics (:func:`landplan.economics_workspace.workspace_economics` of this
    #: evaluation): the per-parcel table by parcel id and the park dict, ``None`` when not computed
    economics: pd.DataFrame | None = None
    economics_park: dict | None = None
    #: the rules keys the land economics lacks (empty when computed, or when it failed otherwise)
    economics_missing: list[str] = field(default_factory=list)

    def row(self, parcel_id: str) -> pd.Series:
        """The evaluation row of ``parcel_id``."""
        return self.table.iloc[self.position[parcel_id]]


def map_window(bounds: np.ndarray) -> np.ndarray:
    """Map windows ``(n, 4)`` for parcel bounds ``(n, 4)``: grown by a margin, made square."""
    bounds = np.asarray(bounds, dtype=float).reshape(-1, 4)
    w = bounds[:, 2] - bounds[:, 0]
    h = bounds[:, 3] - bounds[:, 1]
    side = np.fmax(w, h)
    margin = np.fmax(MARGIN_SHARE * side, MIN_MARGIN_M)
    half = side / 2 + margin
    cx = (bounds[:, 0] + bounds[:, 2]) / 2
    cy = (bounds[:, 1] + bounds[:, 3]) / 2
    return np.column_stack([cx - half, cy - half, cx + half, cy + half])


def _lineage(table: pd.DataFrame) -> dict[str, list[str]]:
    """parent id -> ids of the parcels whose ``parent_ids`` name it."""
    if "parent_ids" not in table.columns:
        return {}
    parents = table[["parcel_id", "parent_ids"]].dropna()
    parents = parents[parents["parent_ids"].astype(str).str.strip() != ""]
    if parents.empty:
        return {}
    pairs = parents.assign(parent=parents["parent_ids"].astype(str).str.split(",")).explode("parent")
    pairs["parent"] = pairs["parent"].str.strip()
    pairs = pairs[pairs["parent"] != ""]
    return {k: sorted(v) for k, v in pairs.groupby("parent")["parcel_id"].agg(list).items()}


def _ledger_groups(ledger: pd.DataFrame, year: int | None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    if year is None or ledger.empty:
        return ledger.iloc[:0], {}
    rows = ledger[ledger["year"] == year].reset_index(drop=True)
    rows = rows.sort_values(["parcel_id", "enterprise_id"], kind="stable").reset_index(drop=True)
    return rows, {str(k): v for k, v in rows.groupby("parcel_id").indices.items()}


def _layer(name: str, frame, windows: np.ndarray, chosen: np.ndarray, columns: tuple[str, ...]) -> Layer:
    geoms = frame.geometry.to_numpy()
    attrs = pd.DataFrame({c: frame[c].to_numpy() if c in frame.columns else None for c in columns})
    layer = Layer(name, geoms, attrs)
    if len(geoms) and len(windows):
        tree = shapely.STRtree(geoms)
        boxes = shapely.box(windows[:, 0], windows[:, 1], windows[:, 2], windows[:, 3])
        which, feature = tree.query(boxes, predicate="intersects")
        order = np.argsort(which, kind="stable")
        which, feature = which[order], feature[order]
        cuts = np.searchsorted(which, np.arange(len(chosen) + 1))
        for i, pos in enumerate(chosen):
            layer.near[int(pos)] = feature[cuts[i]:cuts[i + 1]]
    return layer


def _economics(ws: Workspace, rules: RuleSet, as_of: dt.date, table: pd.DataFrame
               ) -> tuple[pd.DataFrame | None, dict | None, list[str]]:
    """The land economics of the evaluation ``table`` (its coverage and terrain costs reused, no
    second evaluation): (per-parcel table, park dict, []) or (None, None, the missing rules keys);
    another problem of the data is logged and leaves it not computed (None, None, [])."""
    from ..economics_workspace import MissingEconomicsInputs, workspace_economics
    from ..errors import LandplanError

    try:
        econ, park = workspace_economics(ws, rules, as_of=as_of, evaluation=table)
    except MissingEconomicsInputs as exc:
        return None, None, list(exc.keys)
    except LandplanError as exc:
        log.warning("land economics not computed for the reports: %s", exc)
        return None, None, []
    econ.index = econ.index.astype(str)
    return econ, park, []


def prepare(
    workspace: Workspace | str | Path,
    parcel_ids: list[str] | None = None,
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    rules: RuleSet | Mapping | None = None,
    table: pd.DataFrame | None = None,
) -> ReportContext:
    """Evaluate the workspace once and prepare the reports of ``parcel_ids`` (default: all).

    Parameters
    ----------
    workspace : Workspace or path
    parcel_ids : list of str, optional
        Parcels that will get a report (their map windows are queried); ``None`` = all.
    as_of, year, rules
        As for :func:`landplan.evaluate.evaluate`.
    table : DataFrame, optional
        An evaluation table already made for this workspace (skips the evaluation).
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
    rules = as_ruleset(rules) if rules is not None else load_ruleset(ws)
    if table is None:
        table = evaluate(ws, as_of=as_of, year=year, rules=rules)
    table = table.reset_index(drop=True)
    as_of = pd.Timestamp(table["as_of"].iloc[0]).date() if len(table) else (as_of or dt.date.today())
    years = table["year"].dropna() if "year" in table.columns else pd.Series(dtype=float)
    year = int(years.iloc[0]) if len(years) else year
    position = {str(pid): i for i, pid in enumerate(table["parcel_id"])}
    graded = table["efficiency_class"].notna() if "efficiency_class" in table.columns else np.zeros(len(table), bool)
    benchmarks = park_benchmarks(pd.DataFrame(table[graded]), rules) if len(table) else {}

    ledger = ws.read("ledger")
    ledger = ledger[ledger["parcel_id"].isin(position.keys())] if len(ledger) else ledger
    ledger_year, rows = _ledger_groups(ledger, year)
    ledger_prev, prev_rows = _ledger_groups(ledger, None if year is None else year - 1)

    chosen = np.arange(len(table)) if parcel_ids is None else np.array(
        [position[p] for p in parcel_ids if p in position], dtype=int)
    geoms = table.geometry.to_numpy() if hasattr(table, "geometry") else np.array([None] * len(table))
    sel = geoms[chosen] if len(chosen) else np.array([], dtype=object)
    present = ~shapely.is_missing(sel) & ~shapely.is_empty(sel) if len(sel) else np.zeros(0, bool)
    chosen = chosen[present] if len(sel) else chosen
    windows_arr = map_window(shapely.bounds(geoms[chosen])) if len(chosen) else np.zeros((0, 4))
    windows = {int(p): tuple(map(float, w)) for p, w in zip(chosen, windows_arr, strict=True)}

    layers = {"parcels": _layer("parcels", table, windows_arr, chosen, ("parcel_id",))}
    spec = {"roads": ("grade", "width_m", "status", "name"), "pipelines": ("kind", "status"),
            "powerlines": ("voltage_kv", "status")}
    for name, cols in spec.items():
        if ws.has(name):
            layers[name] = _layer(name, ws.read(name), windows_arr, chosen, cols)
    crs = getattr(table, "crs", None)
    economics, economics_park, economics_missing = _economics(ws, rules, as_of, table)
    return ReportContext(
        workspace=ws.path, as_of=as_of, year=year, rules=rules, defaults=default_ruleset(),
        table=table, position=position, benchmarks=benchmarks, ledger_year=ledger_year,
        ledger_prev=ledger_prev, ledger_rows=rows, ledger_prev_rows=prev_rows,
        children=_lineage(table), layers=layers, windows=windows, has_dem=ws.dem_path is not None,
        crs_name=crs.name if crs is not None else "", economics=economics, economics_park=economics_park,
        economics_missing=economics_missing,
    )
