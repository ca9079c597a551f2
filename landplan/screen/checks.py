"""The threshold check of a screening (准入标准 and land control indicators).

:func:`park_values` forms the park's 亩均 values from an evaluation table (the park value of an
entry threshold whose rules value is null); :func:`check_project` lists every check of a
project (entry thresholds of rules ``screening``, control indicators of its industry from
:func:`landplan.compliance.thresholds_for`) with its value, threshold, unit, rules key, source
and a sentence per language. When only the investment is given, :func:`_derive_need` derives
the land need from the largest investment-per-mu threshold in force.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import labels
from ..compliance import control_source, thresholds_for
from ..rules import is_unconfirmed, rule_source
from ..ruleset import RuleSet, Screening, as_ruleset
from ..tables import num as _num
from .project import Project, _fail, _written

#: Entry thresholds: name -> (unit, project figure, park numerator); their words are the
#: catalogue's ``val.screen_indicator.<name>``.
_ENTRY: dict[str, tuple[str, str, str]] = {
    "investment_per_mu_wan": ("wan_per_mu", "investment_wan", "invested_wan"),
    "tax_per_mu_wan": ("wan_per_mu", "tax_wan", "tax_wan"),
    "output_per_mu_wan": ("wan_per_mu", "output_wan", "output_wan"),
}

#: Control indicators a project can state: name -> (unit, min key, max key).
_CONTROL: dict[str, tuple[str, str | None, str | None]] = {
    "floor_area_ratio": ("ratio", "floor_area_ratio_min", "floor_area_ratio_max"),
    "building_coverage_pct": ("pct", "building_coverage_pct_min", None),
    "investment_intensity_wan_per_mu": ("wan_per_mu", "investment_intensity_wan_per_mu_min", None),
    "green_ratio_pct": ("pct", "green_ratio_pct_min", "green_ratio_pct_max"),
    "admin_ratio_pct": ("pct", "admin_ratio_pct_min", "admin_ratio_pct_max"),
}

_RTOL = 1e-9   # a value equal to its threshold up to float rounding meets it
# --------------------------------------------------------------------------------------------
# park values and the threshold check
# --------------------------------------------------------------------------------------------

def park_values(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The park's current 亩均 values (SPEC §8 park value) from an evaluation table.

    For each entry threshold: Σ numerator / Σ area_mu over the parcels graded that year
    (``efficiency_class`` set: ledger rows in the year, in scope) whose numerator is present
    and area > 0 — ``invested_wan`` for investment, ``tax_wan`` for tax, ``output_wan`` for output.

    Returns
    -------
    dict
        name -> {"value": float (NaN when no parcel has the data), "parcels": int,
        "area_mu": float, "year": int or None}.
    """
    graded = table["efficiency_class"].notna() if "efficiency_class" in table.columns else \
        pd.Series(False, index=table.index)
    area = _num(table, "area_mu")
    years = _num(table, "year").dropna()
    year = int(years.iloc[0]) if len(years) else None
    out: dict[str, dict[str, Any]] = {}
    for name, (_unit, _proj, column) in _ENTRY.items():
        value = _num(table, column)
        ok = graded & value.notna() & (area > 0)
        land = float(area[ok].sum())
        out[name] = {"value": float(value[ok].sum() / land) if ok.any() else float("nan"),
                     "parcels": int(ok.sum()), "area_mu": land, "year": year}
    return out


def _screening(rules: RuleSet | Mapping) -> Screening:
    """The ``screening`` section; :func:`landplan.rules.load_ruleset` checked its values
    (:data:`landplan.rules.RULE_KINDS`)."""
    return as_ruleset(rules).screening


def _industry_override(spec: Screening, code: str) -> dict:
    for key, item in spec.by_industry.items():
        if str(key).zfill(2) == code:
            return {"key": str(key), **item}
    return {}


def _entry_thresholds(project: Project, rules: RuleSet | Mapping,
                      park: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """name -> {"value", "key", "basis", "park"} for every entry check switched on; ``basis``
    is ``park_value`` (the park's current value, ``park`` its :func:`park_values` entry),
    ``local`` (a fixed value of the rules) or ``local_industry`` (``screening.by_industry``)."""
    spec = _screening(rules)
    local = _industry_override(spec, project.industry_code)
    out: dict[str, dict[str, Any]] = {}
    for name, item in spec.entry_thresholds.items():
        if name in local:
            key, value, basis = f"screening.by_industry.{local['key']}.{name}", local[name], "local_industry"
        elif item.check:
            key, value, basis = f"screening.entry_thresholds.{name}.value", item.value, "local"
        else:
            continue
        if value is not None:
            out[name] = {"value": float(value), "key": key, "basis": basis, "park": {}}
            continue
        pv = park.get(name, {})
        out[name] = {"value": float(pv.get("value", float("nan"))), "key": key, "basis": "park_value",
                     "park": dict(pv)}
    return out


def _derive_need(project: Project, entry: Mapping[str, Mapping[str, Any]], rules: RuleSet | Mapping) -> tuple[float, str]:
    """The land need (mu) and how it was found."""
    if project.area_mu is not None:
        return project.area_mu, "given"
    floors: list[tuple[float, str]] = []
    inv = entry.get("investment_per_mu_wan")
    if inv is not None and math.isfinite(inv["value"]) and inv["value"] > 0:
        floors.append((inv["value"], inv["key"]))
    control = thresholds_for(project.industry_code, rules)["investment_intensity_wan_per_mu_min"]
    if control.value is not None and control.value > 0:
        floors.append((control.value, control.key or "compliance"))
    if not floors:
        raise _fail(project.source, project.field_name("area_mu") if "area_mu" in project.fields
                    else f"{_written('area')} area",
                    "no land need given, and no investment-per-mu threshold is in force to derive "
                    "it from the investment (screening.entry_thresholds.investment_per_mu_wan, "
                    "compliance investment_intensity_wan_per_mu_min): give the land need")
    value, key = max(floors)
    return project.investment_wan / value, key


# --------------------------------------------------------------------------------------------
# sources and sentences (the catalogue's words; rules keys stay in their own columns)
# --------------------------------------------------------------------------------------------

def _amount(x: float | None, unit: str, lang: str) -> str:
    """A figure with its unit as a person reads it (:func:`landplan.labels.fmt`)."""
    return labels.fmt(x, unit, lang, with_unit=unit != "ratio")


def _indicator(name: str, lang: str) -> str:
    """An entry threshold's or a control indicator's name (``val.screen_indicator.*``,
    ``val.compliance_indicator.*``)."""
    return labels.value("compliance_indicator" if name in _CONTROL else "screen_indicator", name, lang)


def _with_flag(text: str, unconfirmed: bool, lang: str) -> str:
    """A source, marked when its shipped value is UNCONFIRMED (as the analyses' reasons mark it)."""
    return text + (labels.t("reason.mark.unconfirmed", lang) if unconfirmed else "")


def _entry_source(threshold: Mapping[str, Any], lang: str) -> str:
    """Where an entry threshold comes from, in ``lang``."""
    if threshold["basis"] != "park_value":
        return labels.t("screen.source.label", lang, source=labels.t("src.local_rules", lang))
    text = _with_flag(labels.t("screen.source.entry_park", lang), is_unconfirmed(threshold["key"]), lang)
    return labels.t("screen.source.label", lang, source=text)


def _basis(name: str, threshold: Mapping[str, Any], industry: str, lang: str) -> str:
    """How the entry threshold ``name`` was formed, in ``lang``."""
    basis = threshold["basis"]
    if basis == "local":
        return labels.t("screen.basis.local", lang)
    if basis == "local_industry":
        return labels.t("screen.basis.local_industry", lang, industry=labels.value("industry_code", industry, lang))
    pv = threshold["park"]
    year = pv.get("year")
    ledger = labels.t("screen.ledger.none", lang) if year is None else labels.t("screen.ledger.year", lang, year=year)
    return labels.t("screen.basis.park_value", lang, parcels=pv.get("parcels", 0),
                    figure=labels.t(f"screen.figure.{name}", lang),
                    area=labels.fmt(pv.get("area_mu", 0.0), "mu", lang), ledger=ledger)


def _check_reason(indicator: str, check_kind: str, result: str, value: float | None, op: str, threshold: float, unit: str,
                  basis: str, source: str, lang: str) -> str:
    """A check as a sentence with its basis and source: "亩均税收 13.64 万元/亩，低于下限 20.52
    万元/亩（门槛为园区现值…；来源：…）"."""
    label = _indicator(indicator, lang)
    bound = "min" if op == "≥" else "max"
    kind = labels.t(f"screen.threshold.{check_kind}_{bound}", lang)
    if result == "no_threshold":
        sentence = labels.t("screen.reason.no_threshold", lang, label=label)
    elif result == "not_stated":
        sentence = labels.t("screen.reason.not_stated", lang, label=label, kind=kind, op=op,
                            threshold=_amount(threshold, unit, lang))
    else:
        sentence = labels.t(f"screen.reason.{bound}_{result}", lang, label=label, kind=kind,
                            value=_amount(value, unit, lang), threshold=_amount(threshold, unit, lang))
    if not basis:  # a control indicator: its source says the table and the industry
        return labels.t("screen.reason.with_source", lang, sentence=sentence, source=source)
    return labels.t("screen.reason.with_basis", lang, sentence=sentence, basis=basis, source=source)


def _check_row(check: str, indicator: str, kind: str, value: float | None, op: str, threshold: float,
               unit: str, key: str, unconfirmed: bool, basis: str, why: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """One check; ``why`` holds its basis and source texts by language."""
    if not math.isfinite(threshold):
        met: Any = pd.NA
        result = "no_threshold"
    elif value is None:
        met, result = False, "not_stated"
    else:
        tol = _RTOL * max(abs(threshold), 1.0)
        met = bool(value >= threshold - tol) if op == "≥" else bool(value <= threshold + tol)
        result = "met" if met else "not_met"
    reasons = {lang: _check_reason(indicator, kind, result, value, op, threshold, unit, *why[lang], lang)
               for lang in labels.LANGS}
    return {"check": check, "indicator": indicator, "kind": kind,
            "project_value": np.nan if value is None else float(value), "op": op,
            "threshold": threshold, "unit": unit, "met": met, "result": result, "rules_key": key,
            "source": rule_source(key), "unconfirmed": bool(unconfirmed), "basis": basis,
            "reason_zh": reasons["zh"], "reason_en": reasons["en"]}


#: The columns of :func:`check_project` (canonical names, for scripts).
CHECK_COLUMNS: tuple[str, ...] = (
    "check", "indicator", "kind", "project_value", "op", "threshold", "unit", "met", "result",
    "rules_key", "source", "unconfirmed", "basis", "reason_zh", "reason_en")


def check_project(project: Project, rules: RuleSet | Mapping, park: Mapping[str, Mapping[str, Any]], *,
                  need_mu: float | None = None) -> pd.DataFrame:
    """Every entry threshold and control indicator check of a project.

    Parameters
    ----------
    project : Project
    rules : RuleSet or dict (a dict is deprecated)
        Rules in force (``screening``, ``compliance``).
    park : mapping
        :func:`park_values` of the park's evaluation.
    need_mu : float, optional
        The land need (default: the project's, or derived from its investment).

    Returns
    -------
    DataFrame
        One row per check (:data:`CHECK_COLUMNS`): ``check`` (the indicator and, for a control
        indicator, its bound: ``floor_area_ratio_min``), ``indicator``, ``kind`` (``entry`` /
        ``control``), ``project_value``, ``op`` (≥ / ≤), ``threshold``, ``unit`` (a
        :data:`landplan.labels.UNIT_DIGITS` unit: ``wan_per_mu``, ``pct``, ``ratio``), ``met``
        (bool; NA when no threshold can be formed), ``result`` (``met`` / ``not_met`` /
        ``not_stated`` / ``no_threshold``), ``rules_key``, ``source`` (the rules file's source
        comment), ``unconfirmed``, ``basis`` (``park_value`` / ``local`` / ``local_industry``
        / ``control``) and ``reason_zh`` / ``reason_en`` (the check as a sentence with its
        basis and source, for people).
    """
    rules = as_ruleset(rules)
    entry = _entry_thresholds(project, rules, park)
    if need_mu is None:
        need_mu, _how = _derive_need(project, entry, rules)
    code = project.industry_code
    rows = []
    for name, thr in entry.items():
        unit, figure, _col = _ENTRY[name]
        amount = getattr(project, figure)
        value = None if amount is None else amount / need_mu
        why = {lang: (_basis(name, thr, code, lang), _entry_source(thr, lang)) for lang in labels.LANGS}
        unconfirmed = is_unconfirmed(thr["key"]) and thr["basis"] == "park_value"
        rows.append(_check_row(name, name, "entry", value, "≥", thr["value"], unit, thr["key"], unconfirmed,
                               thr["basis"], why))
    thresholds = thresholds_for(code, rules)
    stated = {"floor_area_ratio": project.floor_area_ratio,
              "building_coverage_pct": project.building_coverage_pct,
              "investment_intensity_wan_per_mu": None if project.investment_wan is None
              else project.investment_wan / need_mu,
              "green_ratio_pct": project.green_ratio_pct, "admin_ratio_pct": project.admin_ratio_pct}
    for name, (unit, lo, hi) in _CONTROL.items():
        value = stated[name]
        if value is None:
            continue
        for bound, op in ((lo, "≥"), (hi, "≤")):
            t = thresholds.get(bound) if bound else None
            if t is None or t.value is None:
                continue
            zh, en = control_source(pd.DataFrame({"industry_code": [code]}), rules, bound)
            why = {"zh": ("", zh[0]), "en": ("", en[0])}
            rows.append(_check_row(f"{name}_{bound.rsplit('_', 1)[1]}", name, "control", value, op,
                                   float(t.value), unit, t.key or "", t.unconfirmed, "control", why))
    out = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    out["met"] = out["met"].astype("boolean")
    return out


