"""The land economics of a workspace (issue 22): the inputs from the rules file, the costs from
the layers and the evaluation, the evaluation's economics columns.

:mod:`landplan.economics` computes (payback, floor check, per parcel and per park) from frames
and an :class:`~landplan.economics.EconomicsInputs`; this module finds those in a workspace:

- :func:`economics_inputs`: the ``economics:`` section of the rules as EconomicsInputs, or the
  rules keys still missing (every one at once: the shipped rules leave the park's figures
  empty, no source gives them);
- :func:`read_acquisition_zones`: optional 区片综合地价 zones (:data:`ZONES_FILE`); a parcel's
  own ``acquisition_wan_per_mu`` wins over its zone, the zone over the rules' park-wide value;
- :func:`workspace_economics`: per parcel and per park, the coverage analysis's extension
  costs of the missing networks counted where the evaluation has them;
- :func:`evaluation_columns`: the evaluation's economics columns (empty, with the missing keys
  in ``attrs``, when the inputs are incomplete).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .columns import ECONOMICS
from .economics import (
    MAX_INDUSTRIAL_TERM_YEARS,
    EconomicsInputs,
    _ids,
    _num,
    parcel_economics,
    park_economics,
)
from .errors import LandplanError, SchemaError

log = logging.getLogger(__name__)

__all__ = [
    "EVALUATION_COLUMNS",
    "ZONES_FILE",
    "MissingEconomicsInputs",
    "economics_inputs",
    "read_acquisition_zones",
    "acquisition_prices",
    "tax_ledger",
    "evaluation_economics",
    "economics_missing",
    "workspace_economics",
    "evaluation_columns",
    "BASIS_KEYS",
    "economics_basis",
    "basis_line",
    "economics_caveat",
]

# --------------------------------------------------------------------------------------------
# the workspace: inputs from the rules, costs from the layers and the evaluation
# --------------------------------------------------------------------------------------------

#: The evaluation's economics columns (:data:`landplan.columns.OUTPUT_NAMES` order), named as
#: :func:`parcel_economics` names them.
EVALUATION_COLUMNS: tuple[str, ...] = ECONOMICS

#: Optional acquisition zones of a folder workspace (polygons with ``zone_name`` and
#: ``acquisition_wan_per_mu``, 区片综合地价 per 亩, §2.1): a parcel takes the zone covering most
#: of its area.
ZONES_FILE = "economics/acquisition_zones.gpkg"

#: Required keys of the economics section (null in the shipped rules: no source gives them).
_REQUIRED = ("land_grade", "land_grade_source", "development_wan_per_mu", "retained_local_share",
             "discount_rate", "tax_lag_years")


class MissingEconomicsInputs(LandplanError):
    """The land economics lacks rules values: ``keys`` names every one (dotted rules keys)."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = list(keys)
        super().__init__("the land economics needs these rules values, set in the workspace's rules.yaml: "
                         + ", ".join(self.keys))

    def __reduce__(self) -> tuple:
        return type(self), (self.keys,)


def _section(rules: Any) -> Mapping:
    from .ruleset import RuleSet, plain

    if isinstance(rules, RuleSet):
        return plain(rules.economics)
    if rules is None:
        from .ruleset import default_ruleset
        return plain(default_ruleset().economics)
    return rules.get("economics", {}) if isinstance(rules, Mapping) else {}


def economics_inputs(rules: Any) -> tuple[EconomicsInputs | None, list[str]]:
    """The :class:`EconomicsInputs` of the rules' ``economics`` section, or ``None`` and every
    rules key that is missing (null: no source gives a default, e.g. ``economics.land_grade``;
    the floor of a grade whose national value is UNCONFIRMED, when no provincial floor is set).

    ``rules``: a :class:`~landplan.ruleset.RuleSet` or the rules dict (values checked on load
    by :func:`landplan.rules.load_rules`). Nothing is guessed.

    >>> economics_inputs(None)[1][:2]
    ['economics.land_grade', 'economics.land_grade_source']
    """
    econ = dict(_section(rules))
    missing = [f"economics.{k}" for k in _REQUIRED if econ.get(k) is None or econ.get(k) == ""]
    floors = {int(k): (None if v is None else float(v))
              for k, v in (econ.get("floor_prices_yuan_per_m2") or {}).items()}
    grade = econ.get("land_grade")
    if grade is not None and floors.get(int(grade)) is None and econ.get("provincial_floor_yuan_per_m2") is None:
        missing.append(f"economics.floor_prices_yuan_per_m2.{int(grade)}")
    if econ.get("provincial_floor_yuan_per_m2") is not None and not econ.get("provincial_floor_source"):
        missing.append("economics.provincial_floor_source")
    if missing:
        return None, missing
    inputs = EconomicsInputs(
        land_grade=int(grade), land_grade_source=str(econ["land_grade_source"]),
        development_wan_per_mu=float(econ["development_wan_per_mu"]),
        retained_local_share=float(econ["retained_local_share"]), discount_rate=float(econ["discount_rate"]),
        tax_lag_years=int(econ["tax_lag_years"]),
        acquisition_wan_per_mu=(None if econ.get("acquisition_wan_per_mu") is None
                                else float(econ["acquisition_wan_per_mu"])),
        floor_prices_yuan_per_m2=MappingProxyType(floors),
        provincial_floor_yuan_per_m2=(None if econ.get("provincial_floor_yuan_per_m2") is None
                                      else float(econ["provincial_floor_yuan_per_m2"])),
        provincial_floor_source=str(econ.get("provincial_floor_source") or ""),
        horizon_years=int(econ.get("horizon_years") or MAX_INDUSTRIAL_TERM_YEARS),
        earthwork_yuan_per_m3=(None if econ.get("earthwork_yuan_per_m3") is None
                               else float(econ["earthwork_yuan_per_m3"])),
    )
    return inputs, []


def read_acquisition_zones(ws: Any) -> gpd.GeoDataFrame | None:
    """The acquisition zones of a folder workspace (:data:`ZONES_FILE`), or ``None``.

    Each zone: a polygon, ``zone_name`` and ``acquisition_wan_per_mu`` (a number ≥ 0, or empty);
    every bad row is named at once (:class:`~landplan.errors.SchemaError`).
    """
    from pathlib import Path

    folder = getattr(ws, "path", None)
    path = Path(folder) / ZONES_FILE if folder is not None else None
    if path is None or not path.exists():
        return None
    import pyogrio

    try:
        zones = pyogrio.read_dataframe(path)
    except Exception as exc:  # a damaged file: one line naming it
        raise SchemaError(f"{path}: cannot be read as a layer ({exc})") from None
    problems = [f"{path}: the column {c} is required" for c in ("zone_name", "acquisition_wan_per_mu")
                if c not in zones.columns]
    if zones.crs is None:
        problems.append(f"{path}: the zones have no CRS")
    if not problems:
        price = pd.to_numeric(zones["acquisition_wan_per_mu"], errors="coerce")
        bad = zones.index[(price < 0) | (price.isna() & zones["acquisition_wan_per_mu"].notna())]
        problems += [f"{path}: row {i + 1}, field acquisition_wan_per_mu: "
                     f"{zones['acquisition_wan_per_mu'].iloc[i]!r} is not a number ≥ 0" for i in bad[:20]]
        bad_geom = zones.index[~zones.geom_type.isin(["Polygon", "MultiPolygon"])]
        problems += [f"{path}: row {i + 1}: not a polygon" for i in bad_geom[:20]]
    if problems:
        raise SchemaError("\n".join(problems))
    zones["acquisition_wan_per_mu"] = price.astype("float64")
    zones["zone_name"] = zones["zone_name"].astype("string")
    return zones


def _zone_of_parcels(parcels: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, ids: pd.Index) -> pd.DataFrame:
    """The zone covering most of each parcel's area: ``zone_name``, ``acquisition_wan_per_mu``."""
    zones = zones.to_crs(parcels.crs) if parcels.crs is not None and zones.crs != parcels.crs else zones
    left = gpd.GeoDataFrame({"_pos": np.arange(len(parcels))}, geometry=parcels.geometry.to_numpy(), crs=parcels.crs)
    right = gpd.GeoDataFrame({"_zone": np.arange(len(zones))}, geometry=zones.geometry.to_numpy(), crs=parcels.crs)
    pieces = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
    out = pd.DataFrame({"zone_name": pd.array([pd.NA] * len(ids), dtype="string"),
                        "acquisition_wan_per_mu": np.full(len(ids), np.nan)}, index=ids)
    if len(pieces):
        pieces["_area"] = pieces.geometry.area
        best = pieces.sort_values(["_pos", "_area"], ascending=[True, False]).drop_duplicates("_pos")
        pos, zone = best["_pos"].to_numpy(), best["_zone"].to_numpy()
        out.iloc[pos, 0] = zones["zone_name"].to_numpy()[zone]
        out.iloc[pos, 1] = zones["acquisition_wan_per_mu"].to_numpy(dtype="float64")[zone]
    return out


def acquisition_prices(parcels: gpd.GeoDataFrame, zones: gpd.GeoDataFrame | None, ids: pd.Index
                       ) -> tuple[np.ndarray, pd.Series | None]:
    """Each parcel's 区片综合地价 per mu: its own ``acquisition_wan_per_mu``, else that of the
    zone covering most of it (NaN when neither: the rules' park-wide value, if any, comes next);
    and each parcel's zone name (None without zones). ``ids`` index the parcels' rows."""
    own = _num(parcels, "acquisition_wan_per_mu", len(ids))
    if zones is None or not len(parcels):
        return own, None
    zone = _zone_of_parcels(parcels, zones, ids)
    return np.where(np.isnan(own), zone["acquisition_wan_per_mu"].to_numpy(dtype="float64"), own), zone["zone_name"]


#: Floor-check facts of parcel_economics ← the evaluation's columns (compliance).
_FLOOR_FROM_EVALUATION = {
    "plot_ratio": "floor_area_ratio", "plot_ratio_control": "floor_area_ratio_min",
    "building_coverage_pct": "building_coverage_pct", "building_coverage_control_pct": "building_coverage_pct_min",
    "investment_wan_per_mu": "investment_intensity_wan_per_mu",
    "investment_control_wan_per_mu": "investment_intensity_wan_per_mu_min",
}


def _costs(parcels: gpd.GeoDataFrame, ids: pd.Index, evaluation: pd.DataFrame | None,
           zones: gpd.GeoDataFrame | None, earthwork_yuan_per_m3: float | None = None
           ) -> tuple[pd.DataFrame, pd.Series | None]:
    """The per-parcel costs of :func:`parcel_economics`: the acquisition price (the parcel's
    own, else its zone's), the extension cost of its missing networks, the earthworks cost (the
    evaluation's ``earthwork_cost_wan``, else its ``cut_m3 + fill_m3`` × ``earthwork_yuan_per_m3``
    when that is set and the terrain analysis measured any parcel; a parcel outside the DEM then
    has an unknown cost, not a cost without earthworks), the floor-check facts; and the zone
    name of each parcel."""
    from .coverage.lines import NETWORK_TYPES

    costs = pd.DataFrame(index=ids)
    costs["acquisition_wan_per_mu"], zone_names = acquisition_prices(parcels, zones, ids)
    if "priority_industry" in parcels.columns:
        costs["priority_industry"] = parcels["priority_industry"].to_numpy(dtype=object)
    if evaluation is not None:
        wanted = [*(f"ext_{t}_cost_wan" for t in NETWORK_TYPES), "earthwork_cost_wan", "cut_m3", "fill_m3",
                  *_FLOOR_FROM_EVALUATION.values()]
        ev = evaluation[[c for c in dict.fromkeys(wanted) if c in evaluation.columns]]  # not the whole table
        if "parcel_id" in evaluation.columns:
            ev = ev.set_axis(pd.Index(evaluation["parcel_id"].astype("str").to_numpy()), axis=0)
        ev = ev[~ev.index.astype("str").duplicated()]
        ev.index = ev.index.astype("str")
        ext = [f"ext_{t}_cost_wan" for t in NETWORK_TYPES if f"ext_{t}_cost_wan" in ev.columns]
        if ext:  # a network already there costs 0; one with no network to extend from is not counted
            costs["extension_cost_wan"] = ev[ext].apply(pd.to_numeric, errors="coerce").sum(axis=1, min_count=0) \
                .reindex(ids).to_numpy(dtype="float64", na_value=np.nan)
        if "earthwork_cost_wan" in ev.columns:
            costs["earthwork_cost_wan"] = pd.to_numeric(ev["earthwork_cost_wan"], errors="coerce").reindex(ids)
        elif earthwork_yuan_per_m3 is not None and {"cut_m3", "fill_m3"} <= set(ev.columns):
            volume = (pd.to_numeric(ev["cut_m3"], errors="coerce") + pd.to_numeric(ev["fill_m3"], errors="coerce"))
            if volume.notna().any():  # no DEM at all: earthworks not counted (attrs say so)
                costs["earthwork_cost_wan"] = (volume * float(earthwork_yuan_per_m3) / 10_000.0).reindex(ids) \
                    .to_numpy(dtype="float64", na_value=np.nan)
        for name, col in _FLOOR_FROM_EVALUATION.items():
            if col in ev.columns:
                costs[name] = pd.to_numeric(ev[col], errors="coerce").reindex(ids).to_numpy(dtype="float64",
                                                                                            na_value=np.nan)
    return costs, zone_names


def tax_ledger(ledger: pd.DataFrame | None) -> pd.DataFrame:
    """The ledger's columns the economics reads; a ledger without tax brings no return (not 0)."""
    if ledger is None:
        ledger = pd.DataFrame()
    out = pd.DataFrame({c: (ledger[c] if c in ledger.columns else pd.Series(np.nan, index=ledger.index))
                        for c in ("parcel_id", "year", "tax_wan")})
    if "tax_wan" not in ledger.columns and len(ledger):
        log.warning("ledger: no tax_wan column; the land economics counts no return for any parcel")
    return out


def evaluation_economics(parcels: gpd.GeoDataFrame, ledger: pd.DataFrame | None, inputs: EconomicsInputs, *,
                         as_of: dt.date, evaluation: pd.DataFrame | None = None,
                         zones: gpd.GeoDataFrame | None = None) -> tuple[pd.DataFrame, pd.Series | None]:
    """:func:`parcel_economics` of ``parcels`` with the costs the workspace has: the acquisition
    price of the parcel's own ``acquisition_wan_per_mu`` column, else of its zone (``zones``,
    the zone covering most of its area), else the rules' park-wide value; the extension cost
    of its missing networks (Σ ``ext_<t>_cost_wan`` of the coverage columns of ``evaluation``);
    the earthworks cost (``earthwork_cost_wan`` of ``evaluation``, when it has one).

    Returns the per-parcel table (``attrs["economics_items"]`` lists the cost items counted)
    and the zone name of each parcel (or ``None`` without zones).
    """
    ids = _ids(parcels)
    costs, zone_names = _costs(parcels, ids, evaluation, zones, inputs.earthwork_yuan_per_m3)
    table = parcel_economics(parcels, tax_ledger(ledger), costs, inputs, as_of=as_of)
    return table, zone_names


def _acquisition_missing(rules: Any, parcels: pd.DataFrame, zones: gpd.GeoDataFrame | None) -> bool:
    """No acquisition price anywhere: not in the rules, no zones, no parcel with its own."""
    if _section(rules).get("acquisition_wan_per_mu") is not None or zones is not None:
        return False
    return bool(np.isnan(_num(parcels, "acquisition_wan_per_mu", len(parcels))).all())


def economics_missing(ws: Any, rules: Any, parcels: pd.DataFrame, *, check: bool = False
                      ) -> tuple[EconomicsInputs | None, list[str], gpd.GeoDataFrame | None]:
    """(inputs, every missing rules key, the workspace's acquisition zones) for ``parcels``;
    with ``check``, :class:`MissingEconomicsInputs` when a key is missing."""
    inputs, missing = economics_inputs(rules)
    zones = read_acquisition_zones(ws)
    if _acquisition_missing(rules, parcels, zones):
        missing.append("economics.acquisition_wan_per_mu")
    if missing and check:
        raise MissingEconomicsInputs(missing)
    return (None if missing else inputs), missing, zones


def workspace_economics(ws: Any, rules: Any, *, as_of: dt.date,
                        evaluation: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """The land economics of a workspace: the per-parcel table of :func:`parcel_economics`
    (indexed by ``parcel_id``) and the park summary of :func:`park_economics` (with
    ``by_zone`` when the workspace has acquisition zones, :data:`ZONES_FILE`; with
    ``class_change`` from the evaluation's classes).

    The parcels are those in force on ``as_of`` (:func:`landplan.history.parcels_as_of`), the
    ledger years up to ``as_of``. The extension and earthworks costs come from ``evaluation``
    (:func:`landplan.evaluate.evaluate` of the same workspace and date); without it only the
    acquisition and development costs are counted (``attrs["economics_items"]`` says which).

    Raises
    ------
    MissingEconomicsInputs
        Naming every missing rules key at once (:func:`economics_inputs`; and
        ``economics.acquisition_wan_per_mu`` when no parcel has an acquisition price from its
        own column or a zone and the rules give none).
    """
    from .efficiency import evaluate_efficiency
    from .history import parcels_as_of
    from .ruleset import as_ruleset
    from .store import Workspace

    ws = ws if hasattr(ws, "read") else Workspace.open(ws)
    if not ws.has("parcels"):
        raise LandplanError(f"the workspace {ws.path} has no parcels layer; import parcels first")
    parcels = parcels_as_of(ws, as_of)
    inputs, _missing, zones = economics_missing(ws, rules, parcels, check=True)
    assert inputs is not None
    ledger = ws.read("ledger") if ws.has("ledger") else None
    table, zone_names = evaluation_economics(parcels, ledger, inputs, as_of=as_of, evaluation=evaluation, zones=zones)
    if evaluation is not None and {"efficiency_class", "tax_per_mu_wan"} <= set(evaluation.columns):
        efficiency = evaluation.set_index("parcel_id") if "parcel_id" in evaluation.columns else evaluation
    elif ledger is not None and len(ledger):
        efficiency = evaluate_efficiency(parcels, ledger, as_ruleset(rules))
    else:
        efficiency = None
    summary = park_economics(table, efficiency, inputs if efficiency is not None else None, zones=zone_names)
    return table, summary


def _empty_columns(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        c: (pd.array([pd.NA] * n, dtype="boolean") if c == "below_floor"
            else pd.Series([None] * n, dtype=object) if c == "econ_status" else np.full(n, np.nan))
        for c in EVALUATION_COLUMNS})


def evaluation_columns(ws: Any, table: gpd.GeoDataFrame, ledger: pd.DataFrame | None, rules: Any, *,
                       as_of: dt.date) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The economics columns of the evaluation (:data:`EVALUATION_COLUMNS`), one row per row of
    ``table`` (the evaluation, its coverage columns included) in its order; the rules keys
    missing (the columns are then empty, NA) and the cost items counted.

    A problem of the inputs (a repeated parcel id) leaves the columns empty with a warning:
    the evaluation goes on.
    """
    inputs, missing, zones = economics_missing(ws, rules, table)
    if inputs is None:
        log.info("land economics not computed: the rules lack %s (set them in the workspace's rules.yaml)",
                    ", ".join(missing))
        return _empty_columns(len(table)), missing, []
    try:
        econ, _zones = evaluation_economics(table, ledger, inputs, as_of=as_of, evaluation=table, zones=zones)
    except LandplanError as exc:
        log.warning("land economics not computed: %s", exc)
        return _empty_columns(len(table)), [], []
    # joined by parcel_id (unique, checked above), not by row position
    ids = pd.Index(table["parcel_id"].astype(str), name="parcel_id")
    out = econ[list(EVALUATION_COLUMNS)].set_axis(econ.index.astype(str)).reindex(ids).reset_index(drop=True)
    return out, [], list(econ.attrs["economics_items"])


# --------------------------------------------------------------------------------------------
# what the figures rest on: the inputs, their sources and marks, for every face
# --------------------------------------------------------------------------------------------

#: The inputs every economics figure rests on, in the order a person reads them: (rules key
#: under ``economics.``, unit of :func:`landplan.labels.fmt`).
BASIS_KEYS: tuple[tuple[str, str], ...] = (
    ("land_grade", ""), ("floor", "yuan_per_m2"), ("acquisition_wan_per_mu", "wan_per_mu"),
    ("development_wan_per_mu", "wan_per_mu"), ("earthwork_yuan_per_m3", "yuan_per_m3"),
    ("retained_local_share", "pct"), ("discount_rate", "pct"), ("tax_lag_years", "years"),
    ("horizon_years", "years"),
)


def _is_illustrative(rules: Any) -> bool:
    return bool(_section(rules).get("illustrative"))


def economics_basis(rules: Any, lang: str = "zh") -> pd.DataFrame:
    """The inputs the land economics rests on (:data:`BASIS_KEYS`), one row each, for people.

    Columns: ``key`` (the dotted rules key, for scripts), ``label``, ``value`` (text in
    ``lang``; "not set" when empty), ``source`` (the park's own source where the rules file
    names one, "set in this park's rules.yaml" where it overrides the default, else the
    default's source), ``unconfirmed`` (the default is in force and marked UNCONFIRMED),
    ``illustrative`` (the workspace marks its inputs as a demo's, ``economics.illustrative``)
    and ``mark`` (the text to show beside the value).

    >>> economics_basis(None, "en").loc[0, ["label", "value"]].tolist()
    ['land grade', 'not set']
    """
    from . import labels
    from .evaluate import rule_citation
    from .ruleset import is_unconfirmed

    econ, default = _section(rules), _section(None)
    illustrative = _is_illustrative(rules)
    grade = econ.get("land_grade")
    rows = []
    for name, unit in BASIS_KEYS:
        key = f"economics.{name}"
        value = econ.get(name)
        label = labels.t(f"econ.basis.label.{name}", lang) if name != "floor" else ""
        source = ""
        if name == "floor":
            prov = econ.get("provincial_floor_yuan_per_m2")
            if prov is not None:
                key, value, source = ("economics.provincial_floor_yuan_per_m2", prov,
                                      str(econ.get("provincial_floor_source") or ""))
                label = labels.t("econ.basis.provincial_floor", lang)
            else:
                floors = econ.get("floor_prices_yuan_per_m2") or {}
                key = f"economics.floor_prices_yuan_per_m2.{int(grade)}" if grade is not None else \
                    "economics.floor_prices_yuan_per_m2"
                value = (floors.get(str(int(grade)), floors.get(int(grade))) if grade is not None else None)
                label = labels.t("econ.basis.floor", lang)
        if name == "land_grade" and econ.get("land_grade_source"):
            source = str(econ["land_grade_source"])
        own = value is not None and value != _get_default(default, key)
        if not source:
            source = (labels.t("econ.basis.src.workspace", lang) if own
                      else rule_citation(key, lang) or labels.t("report.src.none", lang))
        if value is None:
            text = labels.t({"earthwork_yuan_per_m3": "econ.basis.not_counted",
                             "acquisition_wan_per_mu": "econ.basis.per_parcel"}.get(name, "econ.basis.not_set"), lang)
        elif name == "land_grade":
            text = labels.t("econ.basis.grade", lang, grade=int(value))
        elif unit == "pct":
            text = labels.fmt(float(value) * 100.0, "pct", lang, with_unit=True)
        else:
            text = labels.fmt(value, unit, lang, digits=0 if unit == "years" else None, with_unit=True)
        unconfirmed = not own and is_unconfirmed(key)
        ill = illustrative and own and name != "floor"
        mark = " ".join(m for m, on in ((labels.t("econ.basis.mark.illustrative", lang), ill),
                                        (labels.t("econ.basis.mark.unconfirmed", lang), unconfirmed)) if on)
        rows.append({"key": key, "label": label, "value": text, "source": source,
                     "unconfirmed": unconfirmed, "illustrative": ill, "mark": mark})
    return pd.DataFrame(rows, columns=["key", "label", "value", "source", "unconfirmed", "illustrative", "mark"])


def _get_default(default: Mapping, key: str) -> Any:
    node: Any = default
    for part in key.split(".")[1:]:
        if not isinstance(node, Mapping):
            return None
        node = node.get(part, node.get(int(part)) if part.isdigit() else None)
    return node


def basis_line(rules: Any, lang: str = "zh") -> str:
    """:func:`economics_basis` as one line for people (a map caption, a CLI line, a footnote)."""
    from . import labels

    basis = economics_basis(rules, lang)
    items = labels.t("text.sep.list", lang).join(
        labels.t("econ.basis.item", lang, label=r.label, value=r.value,
                 mark=f"（{r.mark}）" if r.mark and lang == "zh" else (f" ({r.mark})" if r.mark else ""))
        for r in basis.itertuples())
    return labels.t("econ.basis.line", lang, items=items)


def economics_caveat(rules: Any, lang: str = "zh") -> str:
    """The sentence to show above any economics figure when the workspace's inputs are a demo's
    illustrative values (``economics.illustrative``), else ``""``."""
    from . import labels

    return labels.t("econ.basis.caveat", lang) if _is_illustrative(rules) else ""
