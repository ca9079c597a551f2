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
- ``supplied_not_used`` 供而未用: supplied, not started (no ``actual_start_date`` ≤ A, status not
  under construction or later) and A past the start date (``agreed_start_date``; without one the
  day the land was handed over, ``delivery_date``, else ``supply_date``: 闲置土地处置办法 Art. 22,
  :func:`landplan.idle.start_dates`; start < A: on that day itself it may still start). Years
  since the start date; the reason names the date used.
- ``used_not_finished`` 用而未尽, land left under-built (practice.md): started, not completed and A
  past the agreed completion date (``agreed_completion_date`` < A; a project inside its
  construction period, or without an agreed completion date, is not a gap), years since that
  date; or completed (``actual_completion_date`` ≤ A, or status completed/in production) with
  ``developed_area_m2`` below ``lifecycle.fully_developed_share`` of the area (by more than
  0.01 m²: recorded areas carry two decimals), or a floor area (``floor_area_m2``, or the ratio
  ``floor_area_ratio``) below the contract's (``contract_floor_area_m2``, ``contract_far_min``),
  years since completion.
- ``built_not_producing`` 建而未投: completed (``actual_completion_date`` ≤ A), not in
  production (no ``production_date`` ≤ A, status not in_production) for at least
  ``lifecycle.built_not_producing_after_years`` calendar years. Years since completion.
- ``producing_below_contract`` 投而未达标: in production (``production_date`` ≤ A or status
  in_production) and the 达产 check due and not met. Years since ``full_production_due_date``.

The 履约 check (:func:`contract_check`) compares each 标准地 contract condition with the
parcel's figure of the evaluation (the ledger year for the 亩均 figures) in two stages
(:data:`CONTRACT_STAGES`, practice.md 标准地 conditions): ``completion`` 竣工复核 (investment
intensity, floor area ratio, floor area, building coverage), due once the project is completed;
``production`` 达产复核 (亩均税收, 亩均增加值, productivity, 单位能耗增加值, 单位排放增加值, R&D
intensity), due on ``full_production_due_date`` (a producing parcel without that date: ``no_data``).
A condition is met when the figure reaches it exactly; it is judged only once its stage is due
(``contract_<c>_ok`` empty before). Each stage, and ``contract_check`` over both (the worst of
not_met, no_data, not_due, met), is ``not_due``, ``no_data`` (conditions but no figure),
``not_met``, ``met``, or ``""`` without conditions. The 违约金 (``contract_damages_wan``) of the
unmet conditions follows ``lifecycle.damages`` (default: 出让价款 × shortfall ÷ condition, the
largest share of the unmet conditions: UNCONFIRMED); a 标准地 parcel (``standard_land``, or conditions when that is
empty) may not be transferred for ``lifecycle.no_transfer_years`` after
``lifecycle.no_transfer_from`` (``transfer_barred_until``); a ``transfer_date`` inside that
period is a breach (``transfer_breach``, unmet ``no_transfer``). ``contract_reason`` says the
figure, the contract's value and the source of each unmet condition and of the damages.

Inputs are the evaluation table's columns (:func:`landplan.evaluate.evaluate` calls
:func:`evaluate_lifecycle` on it); a missing column means missing values, never a failure.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd

from .idle import START_BASIS_NOTES, add_years, start_dates
from .tables import num

__all__ = [
    "STAGES",
    "GAPS",
    "CONDITIONS",
    "CONTRACT_STAGES",
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
    "far_min": ("contract_far_min", "floor_area_ratio", "min", "容积率下限", "floor area ratio minimum", ""),
    "far_max": ("contract_far_max", "floor_area_ratio", "max", "容积率上限", "floor area ratio maximum", ""),
    "floor_area": ("contract_floor_area_m2", "floor_area_m2", "min", "总建筑面积", "floor area", "平方米"),
    "coverage_min": ("contract_coverage_min_pct", "building_coverage_pct", "min", "建筑系数下限",
                     "building coverage minimum", "%"),
    "coverage_max": ("contract_coverage_max_pct", "building_coverage_pct", "max", "建筑系数上限",
                     "building coverage maximum", "%"),
    "tax_per_mu": ("contract_tax_per_mu_wan", "tax_per_mu_wan", "min", "亩均税收", "tax per mu", "万元/亩"),
    "value_added_per_mu": ("contract_value_added_per_mu_wan", "value_added_per_mu_wan", "min",
                           "亩均增加值", "value added per mu", "万元/亩"),
    "productivity": ("contract_productivity_wan_per_person", "productivity_wan_per_person", "min",
                     "全员劳动生产率", "productivity", "万元/人"),
    "value_added_per_tce": ("contract_value_added_per_tce_wan", "value_added_per_tce_wan", "min",
                            "单位能耗增加值", "value added per tce", "万元/吨标煤"),
    "value_added_per_emission": ("contract_value_added_per_emission_wan", "value_added_per_emission_wan", "min",
                                 "单位排放增加值", "value added per tonne emitted", "万元/吨"),
    "rd_intensity": ("contract_rd_intensity_pct", "rd_intensity_pct", "min", "研发投入强度", "R&D intensity", "%"),
}

#: The two stages of the 履约 check (practice.md 标准地 conditions: 浙政办发〔2018〕73号,
#: DB33/T 2172-2018): stage -> (中文, English, its conditions).
CONTRACT_STAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "completion": ("竣工复核", "completion check",
                   ("investment_intensity", "far_min", "far_max", "floor_area", "coverage_min", "coverage_max")),
    "production": ("达产复核", "full-production check",
                   ("tax_per_mu", "value_added_per_mu", "productivity", "value_added_per_tce",
                    "value_added_per_emission", "rd_intensity")),
}
assert sorted(c for *_l, names in CONTRACT_STAGES.values() for c in names) == sorted(CONDITIONS)

LIFECYCLE_COLUMNS: tuple[str, ...] = (
    "lifecycle_stage", "lifecycle_gap", "lifecycle_gap_reason", "lifecycle_gap_years",
    "years_since_approval", "contract_check", *(f"contract_{s}_check" for s in CONTRACT_STAGES),
    "contract_unmet", "contract_reason", "contract_damages_wan", "contract_remedy",
    "transfer_barred_until", "transfer_breach",
    *(f"contract_{c}_{part}" for c in CONDITIONS for part in ("ok", "shortfall", "shortfall_pct")),
)

_DAYS_PER_YEAR = 365.25
_AREA_TOLERANCE_M2 = 0.01
"""Recorded areas carry 2 decimals: a developed area within 0.01 m² of the target counts as reaching it."""
_BUILT = ("completed", "in_production")
_STARTED = ("under_construction", *_BUILT)
_CONTRACT = "出让合同约定"
"""The source a condition's reason names: the parcel's own contract columns."""


def gap_label(code: str, lang: str = "zh") -> str:
    """A person's label for a gap code (``""`` for none)."""
    if not code:
        return ""
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


def _status(table: pd.DataFrame) -> np.ndarray:
    return _col(table, "status", "str").astype("string").fillna("").to_numpy(dtype=object)


def _fmt(value: float) -> str:
    """A figure as written in a reason: two decimals at most, thousands separated."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _stage_result(has_cond: np.ndarray, due: np.ndarray, comparable: np.ndarray,
                  failed: np.ndarray) -> np.ndarray:
    return np.select([~has_cond, ~due, ~comparable, failed], ["", "not_due", "no_data", "not_met"],
                     default="met").astype(object)


def _standard_land(table: pd.DataFrame, any_condition: np.ndarray) -> np.ndarray:
    """标准地 parcels: ``standard_land`` true, or contract conditions where it is empty."""
    if "standard_land" not in table.columns:
        return any_condition
    flag = table["standard_land"].astype("boolean")
    return np.where(flag.isna().to_numpy(), any_condition, flag.fillna(False).to_numpy(dtype=bool))


def _transfer(table: pd.DataFrame, cfg: dict, standard: np.ndarray,
              day: pd.Timestamp) -> tuple[pd.Series, pd.array]:
    """``(transfer_barred_until, transfer_breach)`` under ``lifecycle.no_transfer_*``."""
    years = cfg.get("no_transfer_years")
    empty = pd.Series(pd.NaT, index=table.index, dtype="datetime64[ms]")
    breach = pd.array([pd.NA] * len(table), dtype="boolean")
    if years is None:
        return empty, breach
    until = add_years(_col(table, cfg.get("no_transfer_from") or "supply_date", "date"), int(years))
    until = until.where(standard, pd.NaT)
    transfer = _col(table, "transfer_date", "date")
    known = until.notna().to_numpy()
    breach[known] = (_on_or_before(transfer, day) & (transfer < until).to_numpy(dtype=bool))[known]
    return until, breach


def contract_check(table: pd.DataFrame, rules: dict, *, as_of: dt.date) -> pd.DataFrame:
    """The 标准地 performance check (履约) of every parcel at ``as_of``, in two stages.

    Parameters
    ----------
    table : DataFrame
        Evaluation rows with the contract columns (SPEC parcels schema), the dates of the
        stages and the figures they are compared with (``tax_per_mu_wan``,
        ``floor_area_ratio`` …, see :data:`CONDITIONS`), ``land_price_wan`` for the damages.
    rules : dict
        Rules in force; ``lifecycle.contract_remedies``, ``lifecycle.damages`` and
        ``lifecycle.no_transfer_*`` are used.
    as_of : date

    Returns
    -------
    DataFrame
        Same index: ``contract_check`` and ``contract_<stage>_check`` (see the module
        docstring), ``contract_unmet`` (condition names, comma-separated, ``no_transfer`` for a
        transfer inside the barred period), ``contract_reason`` (zh: figure, contract value and
        source per unmet condition, the damages and how they were computed),
        ``contract_damages_wan`` (违约金, 万元; 0 when the due stages are met, empty when not
        due, not computed or without ``land_price_wan``), ``contract_remedy`` (zh text),
        ``transfer_barred_until``, ``transfer_breach``, and per condition ``contract_<c>_ok``
        (boolean, empty before its stage is due or without a figure),
        ``contract_<c>_shortfall`` (how far below a minimum or above a maximum, in the
        condition's unit; 0 when met) and ``contract_<c>_shortfall_pct`` (100 × shortfall /
        condition).

    Examples
    --------
    >>> from landplan.rules import load_rules
    >>> t = pd.DataFrame({"status": ["in_production"], "full_production_due_date": ["2025-06-30"],
    ...                   "contract_tax_per_mu_wan": [20.0], "tax_per_mu_wan": [15.0],
    ...                   "land_price_wan": [400.0]})
    >>> out = contract_check(t, load_rules(), as_of=dt.date(2025, 7, 1)).iloc[0]
    >>> out["contract_production_check"], out["contract_unmet"], float(out["contract_damages_wan"])
    ('not_met', 'tax_per_mu', 100.0)
    """
    cfg = rules.get("lifecycle", {})
    day = pd.Timestamp(as_of)
    n = len(table)
    status = _status(table)
    built = _on_or_before(_col(table, "actual_completion_date", "date"), day) | np.isin(status, _BUILT)
    producing = _on_or_before(_col(table, "production_date", "date"), day) | (status == "in_production")
    due_date = _col(table, "full_production_due_date", "date")
    # a stage is judged once due; a producing parcel without a 达产 date is due without a date to judge by
    judged_from = {"completion": built, "production": _on_or_before(due_date, day)}
    no_date = {"completion": np.zeros(n, dtype=bool), "production": due_date.isna().to_numpy() & producing}

    out: dict[str, object] = {}
    any_condition = np.zeros(n, dtype=bool)
    stage_checks: dict[str, np.ndarray] = {}
    share: dict[str, np.ndarray] = {}
    for stage, (*_labels, names) in CONTRACT_STAGES.items():
        has_cond = np.zeros(n, dtype=bool)
        comparable = np.zeros(n, dtype=bool)
        failed = np.zeros(n, dtype=bool)
        judgeable = judged_from[stage]
        for name in names:
            contract_col, value_col, side, *_rest = CONDITIONS[name]
            cond = num(table, contract_col).to_numpy()
            value = num(table, value_col).to_numpy()
            has = ~np.isnan(cond)
            both = has & ~np.isnan(value)
            judged = both & judgeable
            short = np.where(side == "min", cond - value, value - cond)
            short = np.where(judged, np.maximum(short, 0.0), np.nan)
            ok = pd.array(np.where(judged, short <= 0, False), dtype="boolean")
            ok[~judged] = pd.NA
            with np.errstate(divide="ignore", invalid="ignore"):
                pct = np.where(judged, np.where(short == 0, 0.0, 100.0 * short / cond), np.nan)
            out[f"contract_{name}_ok"] = ok
            out[f"contract_{name}_shortfall"] = short
            out[f"contract_{name}_shortfall_pct"] = pct
            share[name] = np.where(judged & (short > 0), np.minimum(pct / 100.0, 1.0), 0.0)
            has_cond |= has
            comparable |= both
            failed |= judged & (short > 0)
        stage_checks[stage] = _stage_result(has_cond, judgeable | no_date[stage], comparable & judgeable, failed)
        any_condition |= has_cond

    standard = _standard_land(table, any_condition)
    until, breach = _transfer(table, cfg, standard, day)
    broke = breach.fillna(False).to_numpy(dtype=bool)
    checks = list(stage_checks.values())
    worst = np.full(n, "", dtype=object)
    for code in ("met", "not_due", "no_data", "not_met"):  # rising severity: the last found wins
        for check in checks:
            worst = np.where(check == code, code, worst)
    worst = np.where(broke, "not_met", worst)

    unmet = np.full(n, "", dtype=object)
    for name in (name for name in CONDITIONS if share[name].any()):
        unmet = np.where(share[name] > 0, unmet + name + ",", unmet)
    unmet = np.where(broke, unmet + "no_transfer,", unmet)
    unmet = np.asarray([u.rstrip(",") for u in unmet], dtype=object)

    damages_cfg = cfg.get("damages") or {}
    price = num(table, "land_price_wan").to_numpy()
    shares = np.column_stack([share[c] for c in CONDITIONS]) if n else np.zeros((0, len(CONDITIONS)))
    total_share = shares.sum(axis=1) if damages_cfg.get("combine") == "sum" else shares.max(axis=1)
    judged_any = np.isin(stage_checks["completion"], ["met", "not_met"]) | np.isin(
        stage_checks["production"], ["met", "not_met"])
    judged_any &= damages_cfg.get("method") is not None
    damages = np.where(judged_any, price * total_share, np.nan)

    out["contract_check"] = worst
    for stage, check in stage_checks.items():
        out[f"contract_{stage}_check"] = check
    out["contract_unmet"] = unmet
    out["contract_damages_wan"] = damages
    out["contract_remedy"] = _remedies(unmet, cfg.get("contract_remedies") or {})
    out["transfer_barred_until"] = until
    out["transfer_breach"] = breach
    frame = pd.DataFrame(out, index=table.index)
    frame["contract_reason"] = _contract_reasons(frame, table, cfg, stage_checks, total_share)
    return frame


def _remedies(unmet: np.ndarray, remedies: dict) -> np.ndarray:
    """The zh remedy text per distinct set of unmet names, spread to the parcels."""
    default = (remedies.get("default") or {}).get("zh", "")
    codes, sets = pd.factorize(unmet)
    texts = ["；".join(dict.fromkeys((remedies.get(n) or {}).get("zh", default) for n in names.split(",") if n))
             for names in sets]
    return np.asarray(texts, dtype=object)[codes] if len(unmet) else np.asarray([], dtype=object)


def _condition_text(name: str, value: float, cond: float) -> str:
    """``亩均税收 15 万元/亩 低于约定 20 万元/亩``, ``容积率 0.8 低于约定下限 1`` for one unmet condition."""
    _c, _v, side, zh, _en, unit = CONDITIONS[name]
    bound = zh[-2:] if zh.endswith(("下限", "上限")) else ""
    u = unit if unit == "%" else (f" {unit}" if unit else "")
    return f"{zh.removesuffix(bound)} {_fmt(value)}{u} {'低于' if side == 'min' else '高于'}约定{bound} {_fmt(cond)}{u}"


def _unmet_texts(sub: pd.DataFrame, names_of) -> list[str]:
    """Per row of ``sub``, its unmet conditions (``names_of``: comma-separated names) as text."""
    figures = {c: (num(sub, spec[1]).to_numpy(), num(sub, spec[0]).to_numpy()) for c, spec in CONDITIONS.items()}
    return ["，".join(_condition_text(c, figures[c][0][k], figures[c][1][k])
                     for c in str(names).split(",") if c in CONDITIONS)
            for k, names in enumerate(names_of)]


def _only(names_of, keep: tuple[str, ...]) -> list[str]:
    """The names in ``keep`` of each comma-separated list."""
    return [",".join(c for c in str(names).split(",") if c in keep) for names in names_of]


def _rows(table: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """The rows (positions) and the columns a reason reads (those present)."""
    return table[[c for c in dict.fromkeys(columns) if c in table.columns]].iloc[rows]


_CONDITION_COLUMNS = [col for spec in CONDITIONS.values() for col in spec[:2]]


def _contract_reasons(frame: pd.DataFrame, table: pd.DataFrame, cfg: dict,
                      stage_checks: dict[str, np.ndarray], total_share: np.ndarray) -> np.ndarray:
    """zh reason of every parcel whose check is not met or lacks data (the others: ``""``)."""
    out = np.full(len(frame), "", dtype=object)
    rows = np.flatnonzero(frame["contract_check"].isin(["not_met", "no_data"]).to_numpy())
    if not len(rows):
        return out
    sub = _rows(table, rows, ["full_production_due_date", "transfer_date", "land_price_wan", *_CONDITION_COLUMNS])
    unmet = frame["contract_unmet"].to_numpy(dtype=object)[rows]
    damages = frame["contract_damages_wan"].to_numpy(dtype=float)[rows]
    until = _fmt_date(frame["transfer_barred_until"].iloc[rows])
    price = num(sub, "land_price_wan").to_numpy()
    due = _fmt_date(_col(sub, "full_production_due_date", "date"))
    transfer = _fmt_date(_col(sub, "transfer_date", "date"))
    method = (cfg.get("damages") or {}).get("method")
    texts = {stage: _unmet_texts(sub, _only(unmet, names)) for stage, (*_l, names) in CONTRACT_STAGES.items()}
    for k, i in enumerate(rows):
        parts = []
        for stage, (zh, _en, _names) in CONTRACT_STAGES.items():
            result = stage_checks[stage][i]
            if result == "not_met" and texts[stage][k]:
                when = f"，约定 {due[k]} 达产" if stage == "production" else ""
                parts.append(f"{texts[stage][k]}（{zh}{when}，依据{_CONTRACT}）")
            elif result == "no_data":
                parts.append(f"{zh}：无约定达产日期，不作判断" if stage == "production" and not due[k]
                             else f"{zh}：无可比数据")
        if "no_transfer" in str(unmet[k]).split(","):
            parts.append(f"{transfer[k]} 转让，早于禁止转让期满 {until[k]}"
                         f"（规则 lifecycle.no_transfer_years = {cfg.get('no_transfer_years')}，默认值 UNCONFIRMED）")
        if method is not None and total_share[i] > 0:
            parts.append("无出让价款，未计违约金" if np.isnan(price[k]) else
                         f"违约金 {_fmt(damages[k])} 万元 = 出让价款 {_fmt(price[k])} 万元 × 差额比例 "
                         f"{_fmt(100.0 * total_share[i])}%（规则 lifecycle.damages，默认值 UNCONFIRMED）")
        out[i] = "；".join(parts)
    return out


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
    status = _status(table)
    approval = _col(table, "approval_date", "date")
    supply = _col(table, "supply_date", "date")
    starts = start_dates(table, rules)                  # agreed, else 交地, else 供地 (Art. 22)
    agreed_start = starts["start_date"]
    agreed_completion = _col(table, "agreed_completion_date", "date")
    start = _col(table, "actual_start_date", "date")
    completion = _col(table, "actual_completion_date", "date")
    production = _col(table, "production_date", "date")
    due = _col(table, "full_production_due_date", "date")
    area = num(table, "area_m2").to_numpy()
    developed = num(table, "developed_area_m2").to_numpy()

    approved = _on_or_before(approval, day)
    supplied = _on_or_before(supply, day) | ~np.isin(status, [*_PRE_SUPPLY, ""])
    started = _on_or_before(start, day) | np.isin(status, _STARTED)
    completed = _on_or_before(completion, day) | np.isin(status, _BUILT)
    producing = _on_or_before(production, day) | (status == "in_production")
    check = contract_check(table, rules, as_of=as_of)

    years_approval = np.where(approved, _years(approval, day), np.nan)
    min_years = cfg.get("approved_not_supplied_min_years")
    old_enough = _on_or_before(add_years(approval, int(min_years)), day) if min_years else approved
    ans = approved & ~supplied & old_enough
    snu = supplied & ~started & (agreed_start.notna() & (agreed_start < day)).to_numpy(dtype=bool)
    full = float(cfg["fully_developed_share"])
    with np.errstate(invalid="ignore"):
        under_developed = completed & (developed < full * area - _AREA_TOLERANCE_M2)
    # the completion check's floor-area conditions, judged once completed
    under_built = {c: check[f"contract_{c}_ok"].eq(False).fillna(False).to_numpy(dtype=bool)
                   for c in ("far_min", "floor_area")}
    overdue = started & ~completed & (agreed_completion.notna() & (agreed_completion < day)).to_numpy(dtype=bool)
    short_built = under_developed | under_built["far_min"] | under_built["floor_area"]
    unf = overdue | short_built
    wait = int(cfg["built_not_producing_after_years"])
    wait_over = _on_or_before(add_years(completion, wait), day)
    bnp = completed & ~producing & wait_over & ~unf
    pbc = producing & (check["contract_production_check"] == "not_met").to_numpy(dtype=bool) & ~unf

    gap = np.select([ans, snu, unf, bnp, pbc], list(GAPS), default="").astype(object)
    since = np.select(
        [ans, snu, overdue, unf, bnp, pbc],
        [years_approval, _years(agreed_start, day), _years(agreed_completion, day), _years(completion, day),
         _years(completion, day), _years(due, day)], default=np.nan)
    reason = _reasons(gap, table, check, cfg, overdue, under_developed, under_built, wait, starts)
    out = pd.DataFrame(index=table.index)
    out["lifecycle_stage"] = np.where(status == "", None, status)
    out["lifecycle_gap"] = gap
    out["lifecycle_gap_reason"] = reason
    out["lifecycle_gap_years"] = np.round(since, 2)
    out["years_since_approval"] = np.round(years_approval, 2)
    for column in check.columns:
        out[column] = check[column]
    return out[list(LIFECYCLE_COLUMNS)]


def _fmt_date(values: pd.Series) -> np.ndarray:
    return values.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)


def _reasons(gap, table, check, cfg, overdue, under_developed, under_built, wait, starts) -> np.ndarray:
    """Chinese reason per gap (one line, with the dates and figures that made it, the contract
    value or rule it falls short of and its source); built for the parcels with a gap only."""
    out = np.full(len(gap), "", dtype=object)
    rows = np.flatnonzero(gap != "")
    if not len(rows):
        return out
    sub = _rows(table, rows, ["approval_date", "agreed_start_date", "agreed_completion_date", "actual_start_date",
                              "actual_completion_date", "full_production_due_date", "approval_batch",
                              "developed_area_m2", "area_m2", *_CONDITION_COLUMNS])
    approval = _fmt_date(_col(sub, "approval_date", "date"))
    start_on = _fmt_date(starts["start_date"].iloc[rows])
    start_basis = starts["start_date_basis"].to_numpy(dtype=object)[rows]
    agreed_completion = _fmt_date(_col(sub, "agreed_completion_date", "date"))
    start = _fmt_date(_col(sub, "actual_start_date", "date"))
    completion = _fmt_date(_col(sub, "actual_completion_date", "date"))
    due = _fmt_date(_col(sub, "full_production_due_date", "date"))
    batch = _col(sub, "approval_batch", "str").astype("string").fillna("").to_numpy(dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev_pct = 100.0 * num(sub, "developed_area_m2").to_numpy() / num(sub, "area_m2").to_numpy()
    full_pct = _fmt(100.0 * float(cfg["fully_developed_share"]))
    built_text = _unmet_texts(sub, [",".join(c for c in under_built if under_built[c][i]) for i in rows])
    prod_text = _unmet_texts(sub, _only(check["contract_unmet"].to_numpy(dtype=object)[rows],
                                        CONTRACT_STAGES["production"][2]))
    for k, i in enumerate(rows):
        g = gap[i]
        if g == "approved_not_supplied":
            out[i] = f"{approval[k]} 获批{('（' + batch[k] + '）') if batch[k] else ''}，至今未供地"
        elif g == "supplied_not_used":
            if start_basis[k] == "agreed_start_date":
                out[i] = f"约定 {start_on[k]} 动工，至今未动工"
            else:
                done = "交地" if start_basis[k] == "delivery_date" else "供地"
                out[i] = f"{start_on[k]} {done}，至今未动工（{START_BASIS_NOTES[start_basis[k]][0]}）"
        elif g == "used_not_finished" and overdue[i]:
            parts = [f"{start[k]} 动工" if start[k] else "已动工", f"约定 {agreed_completion[k]} 竣工，逾期未竣工"]
            if not np.isnan(dev_pct[k]):
                parts.append(f"已开发 {dev_pct[k]:.1f}% 的土地")
            out[i] = "，".join(parts) + f"（依据{_CONTRACT}）"
        elif g == "used_not_finished":
            parts = [f"{completion[k]} 竣工" if completion[k] else "已竣工"]
            if under_developed[i]:
                parts.append(f"已开发 {dev_pct[k]:.1f}% 的土地，低于 {full_pct}%（规则 lifecycle.fully_developed_share）")
            if built_text[k]:
                parts.append(f"{built_text[k]}（依据{_CONTRACT}）")
            out[i] = "，".join(parts)
        elif g == "built_not_producing":
            out[i] = f"{completion[k]} 竣工，{wait} 年后仍未投产"
        else:
            out[i] = f"约定 {due[k]} 达产，{prod_text[k]}（依据{_CONTRACT}）"
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
    checks = [("contract_check", "标准地履约", "contract check"),
              *((f"contract_{s}_check", f"  {z}", e) for s, (z, e, _n) in CONTRACT_STAGES.items())]
    for column, czh, cen in checks:
        check = table[column].astype("string").fillna("") if column in table.columns else pd.Series([], dtype=str)
        counts = {k: int((check == k).sum()) for k in ("met", "not_met", "not_due", "no_data")}
        lines.append(
            f"{czh} {cen}: {counts['met']} 达标 met, {counts['not_met']} 未达标 not met, "
            f"{counts['not_due']} 未到期 not due, {counts['no_data']} 无数据 no data")
    damages = pd.to_numeric(table.get("contract_damages_wan"), errors="coerce")
    if damages is not None:
        owing = (damages > 0).to_numpy(dtype=bool)
        lines.append(f"违约金 liquidated damages: {damages[owing].sum():.2f} 万元, {int(owing.sum())} 宗 "
                     "(lifecycle.damages, UNCONFIRMED)")
    if "transfer_barred_until" in table.columns:
        until = pd.to_datetime(table["transfer_barred_until"], errors="coerce")
        as_of = pd.to_datetime(table["as_of"], errors="coerce") if "as_of" in table.columns else None
        barred = (until > as_of) if as_of is not None else until.notna()
        breach = table["transfer_breach"].astype("boolean").fillna(False)
        lines.append(f"禁止转让 no-transfer period: {int(barred.sum())} 宗 期内 within, "
                     f"{int(breach.sum())} 宗 期内已转让 transferred within")
    return lines
