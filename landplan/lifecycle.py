"""Land lifecycle (土地全生命周期): stages, the five gaps (五未) and the 标准地 performance check (履约).

Stages are the parcel ``status`` codes in lifecycle order (:data:`STAGES`): planned 规划 →
acquiring 征收中 → approved 已批未供 → reserve 储备/未供 → supplied 已供未建 → under_construction
在建 → completed 竣工 → in_production 投产 (→ halted 停工/停产).

The five gaps (national land monitoring counts "批而未供, 供而未用"; parks add the later stages),
evaluated at the evaluation date A; one gap per parcel, the one of its stage:

- ``approved_not_supplied`` 批而未供: approved (``approval_date`` ≤ A) and not supplied (no
  ``supply_date`` ≤ A; status planned/acquiring/approved/reserve), for at least
  ``lifecycle.approved_not_supplied_min_years`` whole calendar years (null: any time). ``lifecycle_gap_years`` =
  years since approval.
- ``supplied_not_used`` 供而未用: supplied, not started (no ``actual_start_date`` ≤ A) and A past
  the agreed start date (``agreed_start_date`` < A: on the agreed day itself it may still start). Years since the agreed start.
- ``used_not_finished`` 用而未尽: started and not completed (no ``actual_completion_date`` ≤ A),
  or, started, ``developed_area_m2`` below ``lifecycle.fully_developed_share`` of the area (by
  more than 0.01 m²: recorded areas carry two decimals), or
  the floor area ratio below the contract's ``contract_far_min``. Years since the start.
- ``built_not_producing`` 建而未投: completed (``actual_completion_date`` ≤ A), not in
  production (no ``production_date`` ≤ A, status not in_production) for at least
  ``lifecycle.built_not_producing_after_years`` calendar years. Years since completion.
- ``producing_below_contract`` 投而未达标: in production (``production_date`` ≤ A or status
  in_production), A on or after ``full_production_due_date`` and the 履约 check not met.
  Years since the due date.

The 履约 check (:func:`contract_check`) compares each 标准地 contract condition with the
parcel's figure of the evaluation (the ledger year for the 亩均 figures): investment intensity,
tax, value added per mu, productivity, value added per tce (minimums), floor area ratio and
building coverage (ranges). A condition is met when the figure reaches it exactly. It is
``not_due`` before ``full_production_due_date`` (and without one, until production starts);
``no_data`` when conditions exist but no figure to compare; ``""`` without conditions.

Inputs are the evaluation table's columns (:func:`landplan.evaluate.evaluate` calls
:func:`evaluate_lifecycle` on it); a missing column means missing values, never a failure.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd

from .idle import add_years
from .tables import num

__all__ = [
    "STAGES",
    "GAPS",
    "CONDITIONS",
    "LIFECYCLE_COLUMNS",
    "evaluate_lifecycle",
    "contract_check",
    "lifecycle_summary",
    "gap_label",
]

log = logging.getLogger(__name__)

#: Lifecycle stages (parcel status codes) in order.
STAGES: tuple[str, ...] = ("planned", "acquiring", "approved", "reserve", "supplied",
                           "under_construction", "completed", "in_production", "halted")
_PRE_SUPPLY = ("planned", "acquiring", "approved", "reserve")

#: The five gaps (五未): code -> (中文, English).
GAPS: dict[str, tuple[str, str]] = {
    "approved_not_supplied": ("批而未供", "approved, not supplied"),
    "supplied_not_used": ("供而未用", "supplied, not used"),
    "used_not_finished": ("用而未尽", "used, not fully developed"),
    "built_not_producing": ("建而未投", "built, not in production"),
    "producing_below_contract": ("投而未达标", "in production, below the contract"),
}

#: 标准地 conditions: name -> (contract column, evaluation column, "min" or "max", 中文, English, unit).
CONDITIONS: dict[str, tuple[str, str, str, str, str, str]] = {
    "investment_intensity": ("contract_investment_intensity_wan_per_mu", "investment_intensity_wan_per_mu",
                             "min", "投资强度", "investment intensity", "万元/亩"),
    "tax_per_mu": ("contract_tax_per_mu_wan", "tax_per_mu_wan", "min", "亩均税收", "tax per mu", "万元/亩"),
    "value_added_per_mu": ("contract_value_added_per_mu_wan", "value_added_per_mu_wan", "min",
                           "亩均增加值", "value added per mu", "万元/亩"),
    "productivity": ("contract_productivity_wan_per_person", "productivity_wan_per_person", "min",
                     "全员劳动生产率", "productivity", "万元/人"),
    "value_added_per_tce": ("contract_value_added_per_tce_wan", "value_added_per_tce_wan", "min",
                            "单位能耗增加值", "value added per tce", "万元/吨标煤"),
    "far_min": ("contract_far_min", "floor_area_ratio", "min", "容积率下限", "floor area ratio minimum", ""),
    "far_max": ("contract_far_max", "floor_area_ratio", "max", "容积率上限", "floor area ratio maximum", ""),
    "coverage_min": ("contract_coverage_min_pct", "building_coverage_pct", "min", "建筑系数下限",
                     "building coverage minimum", "%"),
    "coverage_max": ("contract_coverage_max_pct", "building_coverage_pct", "max", "建筑系数上限",
                     "building coverage maximum", "%"),
}

LIFECYCLE_COLUMNS: tuple[str, ...] = (
    "lifecycle_stage", "lifecycle_gap", "lifecycle_gap_reason", "lifecycle_gap_years",
    "years_since_approval", "contract_check", "contract_unmet", "contract_remedy",
    *(f"contract_{c}_{part}" for c in CONDITIONS for part in ("ok", "shortfall", "shortfall_pct")),
)

_DAYS_PER_YEAR = 365.25
_AREA_TOLERANCE_M2 = 0.01
"""Recorded areas carry 2 decimals: a developed area within 0.01 m² of the target counts as reaching it."""


def gap_label(code: str, lang: str = "zh") -> str:
    """A person's label for a gap code (``""`` for none)."""
    if not code:
        return "" if lang == "zh" else ""
    zh, en = GAPS.get(code, (code, code))
    return zh if lang == "zh" else en


def _col(table: pd.DataFrame, name: str, kind: str) -> pd.Series:
    """A date (``kind="date"``, normalised) or text column; empty when absent (numbers: tables.num)."""
    s = table[name] if name in table.columns else pd.Series(None, index=table.index, dtype=object)
    return pd.to_datetime(s, errors="coerce").dt.normalize() if kind == "date" else s


def _on_or_before(dates: pd.Series, day: pd.Timestamp) -> np.ndarray:
    return (dates.notna() & (dates <= day)).to_numpy(dtype=bool)


def _years(since: pd.Series, day: pd.Timestamp) -> np.ndarray:
    return ((day - since).dt.days / _DAYS_PER_YEAR).to_numpy(dtype=float)


def contract_check(table: pd.DataFrame, rules: dict, *, as_of: dt.date) -> pd.DataFrame:
    """The 标准地 performance check (履约) of every parcel at ``as_of``.

    Parameters
    ----------
    table : DataFrame
        Evaluation rows with the contract columns (SPEC parcels schema) and the figures they are
        compared with (``tax_per_mu_wan``, ``floor_area_ratio`` …, see :data:`CONDITIONS`).
    rules : dict
        Rules in force; ``lifecycle.contract_remedies`` names the remedy.
    as_of : date

    Returns
    -------
    DataFrame
        Same index: ``contract_check``, ``contract_unmet`` (condition names, comma-separated),
        ``contract_remedy`` (zh text; see the module docstring), and per condition
        ``contract_<c>_ok`` (boolean, NA when not comparable), ``contract_<c>_shortfall`` (how far
        below a minimum or above a maximum, in the condition's unit; 0 when met) and
        ``contract_<c>_shortfall_pct`` (100 × shortfall / condition).
    """
    day = pd.Timestamp(as_of)
    out: dict[str, object] = {}
    any_condition = np.zeros(len(table), dtype=bool)
    comparable = np.zeros(len(table), dtype=bool)
    failed = np.zeros(len(table), dtype=bool)
    unmet = np.full(len(table), "", dtype=object)
    for name, (contract_col, value_col, side, *_labels) in CONDITIONS.items():
        cond = num(table, contract_col).to_numpy()
        value = num(table, value_col).to_numpy()
        has_cond = ~np.isnan(cond)
        both = has_cond & ~np.isnan(value)
        short = np.where(side == "min", cond - value, value - cond)
        short = np.where(both, np.maximum(short, 0.0), np.nan)
        ok = pd.array(np.where(both, short <= 0, False), dtype="boolean")
        ok[~both] = pd.NA
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(both, np.where(short == 0, 0.0, 100.0 * short / cond), np.nan)
        out[f"contract_{name}_ok"] = ok
        out[f"contract_{name}_shortfall"] = short
        out[f"contract_{name}_shortfall_pct"] = pct
        any_condition |= has_cond
        comparable |= both
        bad = both & (short > 0)
        failed |= bad
        unmet[bad] = unmet[bad] + (name + ",")
    due = _col(table, "full_production_due_date", "date")
    production = _col(table, "production_date", "date")
    status = _col(table, "status", "str").astype("string").fillna("")
    producing = _on_or_before(production, day) | (status == "in_production").to_numpy(dtype=bool)
    is_due = np.where(due.notna().to_numpy(), _on_or_before(due, day), producing)
    check = np.select(
        [~any_condition, ~is_due, ~comparable, failed],
        ["", "not_due", "no_data", "not_met"], default="met").astype(object)
    remedies = rules.get("lifecycle", {}).get("contract_remedies") or {}
    default = (remedies.get("default") or {}).get("zh", "")
    # one text per distinct set of unmet conditions, spread to the parcels
    codes, names_sets = pd.factorize(unmet)
    names_sets = [names.rstrip(",") for names in names_sets]
    remedy_of = ["；".join(dict.fromkeys((remedies.get(n) or {}).get("zh", default)
                                          for n in names.split(",") if n)) if names else ""
                 for names in names_sets]
    unmet = np.asarray(names_sets, dtype=object)[codes]
    remedy = np.asarray(remedy_of, dtype=object)[codes]
    out["contract_check"] = check
    out["contract_unmet"] = np.where(check == "not_met", unmet, "")
    out["contract_remedy"] = np.where(check == "not_met", remedy, "")
    return pd.DataFrame(out, index=table.index)


def evaluate_lifecycle(table: pd.DataFrame, rules: dict, *, as_of: dt.date) -> pd.DataFrame:
    """Stage, gap (五未) and 履约 check of every parcel (see the module docstring).

    Parameters
    ----------
    table : DataFrame
        The evaluation table (parcel attributes, ``area_m2``, efficiency and compliance
        columns), one row per parcel.
    rules : dict
        Rules in force; the ``lifecycle`` block is used.
    as_of : date
        Evaluation date.

    Returns
    -------
    DataFrame
        Same index, the columns of :data:`LIFECYCLE_COLUMNS`.
    """
    cfg = rules["lifecycle"]
    day = pd.Timestamp(as_of)
    n = len(table)
    status = _col(table, "status", "str").astype("string").fillna("").to_numpy(dtype=object)
    approval = _col(table, "approval_date", "date")
    supply = _col(table, "supply_date", "date")
    agreed_start = _col(table, "agreed_start_date", "date")
    start = _col(table, "actual_start_date", "date")
    completion = _col(table, "actual_completion_date", "date")
    production = _col(table, "production_date", "date")
    due = _col(table, "full_production_due_date", "date")
    area = num(table, "area_m2").to_numpy()
    developed = num(table, "developed_area_m2").to_numpy()
    far = num(table, "floor_area_ratio").to_numpy()
    far_min = num(table, "contract_far_min").to_numpy()

    approved = _on_or_before(approval, day)
    supplied = _on_or_before(supply, day) | ~np.isin(status, [*_PRE_SUPPLY, ""])
    started = _on_or_before(start, day)
    completed = _on_or_before(completion, day)
    producing = _on_or_before(production, day) | (status == "in_production")
    check = contract_check(table, rules, as_of=as_of)

    years_approval = np.where(approved, _years(approval, day), np.nan)
    min_years = cfg.get("approved_not_supplied_min_years")
    old_enough = _on_or_before(add_years(approval, int(min_years)), day) if min_years else approved
    ans = approved & ~supplied & old_enough
    snu = supplied & ~started & (agreed_start.notna() & (agreed_start < day)).to_numpy(dtype=bool)
    full = float(cfg["fully_developed_share"])
    with np.errstate(invalid="ignore"):
        under_developed = developed < full * area - _AREA_TOLERANCE_M2
        under_far = far < far_min
    unf = started & (~completed | under_developed | under_far)
    wait = int(cfg["built_not_producing_after_years"])
    wait_over = _on_or_before(add_years(completion, wait), day)
    bnp = completed & ~producing & wait_over & ~unf
    due_passed = _on_or_before(due, day)
    pbc = producing & due_passed & (check["contract_check"] == "not_met").to_numpy(dtype=bool) & ~unf

    gap = np.select([ans, snu, unf, bnp, pbc], list(GAPS), default="").astype(object)
    since = np.select(
        [ans, snu, unf, bnp, pbc],
        [years_approval, _years(agreed_start, day), _years(start, day), _years(completion, day),
         _years(due, day)], default=np.nan)
    reason = _reasons(gap, table, day, check, under_developed, under_far, completed, wait)
    out = pd.DataFrame(index=table.index)
    out["lifecycle_stage"] = np.where(status == "", None, status)
    out["lifecycle_gap"] = gap
    out["lifecycle_gap_reason"] = reason
    out["lifecycle_gap_years"] = np.round(since, 2)
    out["years_since_approval"] = np.round(years_approval, 2)
    for column in check.columns:
        out[column] = check[column]
    assert n == len(out)
    return out[list(LIFECYCLE_COLUMNS)]


def _fmt_date(values: pd.Series) -> np.ndarray:
    return values.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)


def _reasons(gap, table, day, check, under_developed, under_far, completed, wait) -> np.ndarray:
    """Chinese reason per gap (one line, with the dates and figures that made it); the texts
    are built for the parcels with a gap only."""
    out = np.full(len(gap), "", dtype=object)
    rows = np.flatnonzero(gap != "")
    if not len(rows):
        return out
    used = ["approval_date", "agreed_start_date", "actual_start_date", "actual_completion_date",
            "full_production_due_date", "approval_batch", "developed_area_m2", "area_m2",
            "floor_area_ratio", "contract_far_min"]
    sub = table[[c for c in used if c in table.columns]].iloc[rows]
    approval = _fmt_date(_col(sub, "approval_date", "date"))
    agreed = _fmt_date(_col(sub, "agreed_start_date", "date"))
    start = _fmt_date(_col(sub, "actual_start_date", "date"))
    completion = _fmt_date(_col(sub, "actual_completion_date", "date"))
    due = _fmt_date(_col(sub, "full_production_due_date", "date"))
    batch = _col(sub, "approval_batch", "str").astype("string").fillna("").to_numpy(dtype=object)
    dev_pct = 100.0 * num(sub, "developed_area_m2").to_numpy() / num(sub, "area_m2").to_numpy()
    far = num(sub, "floor_area_ratio").to_numpy()
    far_min = num(sub, "contract_far_min").to_numpy()
    unmet = check["contract_unmet"].to_numpy(dtype=object)
    names = {c: CONDITIONS[c][3] for c in CONDITIONS}
    for k, i in enumerate(rows):
        g = gap[i]
        if g == "approved_not_supplied":
            out[i] = f"{approval[k]} 获批{('（' + batch[k] + '）') if batch[k] else ''}，至今未供地"
        elif g == "supplied_not_used":
            out[i] = f"约定 {agreed[k]} 动工，至今未动工"
        elif g == "used_not_finished":
            parts = [f"{start[k]} 动工"]
            if not completed[i]:
                parts.append("未竣工")
            if under_developed[i]:
                parts.append(f"已开发 {dev_pct[k]:.1f}% 的土地")
            if under_far[i]:
                parts.append(f"容积率 {far[k]:.2f} 低于约定 {far_min[k]:.2f}")
            out[i] = "，".join(parts)
        elif g == "built_not_producing":
            out[i] = f"{completion[k]} 竣工，{wait} 年后仍未投产"
        else:
            failed = "、".join(names[c] for c in str(unmet[i]).split(",") if c)
            out[i] = f"约定 {due[k]} 达产，{failed}未达约定"
    return out


def lifecycle_summary(table: pd.DataFrame, *, lang: str = "zh") -> list[str]:
    """The park summary printed by ``landplan lifecycle``: stages, acquisition, gaps, 履约."""
    from .schema import enum_label

    zh = lang == "zh"
    mu = pd.to_numeric(table.get("area_mu"), errors="coerce").fillna(0.0)
    stage = table["lifecycle_stage"].astype("string").fillna("")
    lines = ["阶段 stages (亩 mu / 宗 parcels):" if zh else "stages (mu / parcels):"]
    for code in STAGES:
        mask = (stage == code).to_numpy(dtype=bool)
        lines.append(f"  {enum_label('parcel_status', code, lang)}: {mu[mask].sum():.2f} 亩, {int(mask.sum())} 宗")
    acq = {c: pd.to_numeric(table.get(c), errors="coerce") for c in
           ("acquired_mu", "compensation_paid_wan", "graves_moved", "houses_demolished", "households_resettled")}
    acquiring = (stage == "acquiring").to_numpy(dtype=bool)
    if acquiring.any():
        a = {c: s[acquiring].sum() for c, s in acq.items() if s is not None}
        target = mu[acquiring].sum()
        lines.append(
            f"征收进度 acquisition: {a.get('acquired_mu', 0):.2f} / {target:.2f} 亩, "
            f"补偿 {a.get('compensation_paid_wan', 0):.1f} 万元, 迁坟 {int(a.get('graves_moved', 0))} 座, "
            f"房屋 {int(a.get('houses_demolished', 0))} 栋, 安置 {int(a.get('households_resettled', 0))} 户")
    lines.append("五未 the five gaps (亩 mu / 宗 parcels):" if zh else "the five gaps (mu / parcels):")
    gap = table["lifecycle_gap"].astype("string").fillna("")
    for code, (gzh, gen) in GAPS.items():
        mask = (gap == code).to_numpy(dtype=bool)
        lines.append(f"  {gzh if zh else gen}: {mu[mask].sum():.2f} 亩, {int(mask.sum())} 宗")
    check = table["contract_check"].astype("string").fillna("")
    counts = {k: int((check == k).sum()) for k in ("met", "not_met", "not_due", "no_data")}
    lines.append(
        f"标准地履约 contract check: {counts['met']} 达标 met, {counts['not_met']} 未达标 not met, "
        f"{counts['not_due']} 未到期 not due, {counts['no_data']} 无数据 no data")
    return lines
