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
from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import labels
from .idle import add_years, start_dates
from .labels import t, text
from .labels.text import Lang
from .ruleset import Lifecycle, RuleSet, as_ruleset
from .tables import num

__all__ = [
    "STAGES",
    "GAPS",
    "GAP_CODES",
    "CONDITIONS",
    "CONTRACT_STAGES",
    "LIFECYCLE_COLUMNS",
    "evaluate_lifecycle",
    "contract_check",
    "lifecycle_summary",
    "gap_label",
    "gap_rows",
    "lifecycle_table",
]

log = logging.getLogger(__name__)

#: Lifecycle stages (parcel status codes) in order.
STAGES: tuple[str, ...] = ("planned", "acquiring", "approved", "reserve", "supplied",
                           "under_construction", "completed", "in_production", "halted")
_PRE_SUPPLY = ("planned", "acquiring", "approved", "reserve")

#: The five gaps (五未), in lifecycle order; labels: ``val.lifecycle_gap.*`` (:mod:`landplan.labels`).
GAP_CODES: tuple[str, ...] = ("approved_not_supplied", "supplied_not_used", "used_not_finished",
                              "built_not_producing", "producing_below_contract")


def _labelled(kind: str, codes) -> dict[str, tuple[str, str]]:
    """``{code: (中文, English)}`` of ``codes`` from the catalogue (for the names others import)."""
    return {c: (labels.value(kind, c, "zh"), labels.value(kind, c, "en")) for c in codes}


#: The five gaps: code -> (中文, English), read from the catalogue (``val.lifecycle_gap.*``).
GAPS: dict[str, tuple[str, str]] = _labelled("lifecycle_gap", GAP_CODES)

#: 标准地 conditions: name -> (contract column, evaluation column, "min" or "max"); their labels:
#: ``val.contract_condition.<name>``, their units in a reason ``reason.contract.unit.<name>``.
_CONDITION_SPECS: dict[str, tuple[str, str, str]] = {
    "investment_intensity": ("contract_investment_intensity_wan_per_mu", "investment_intensity_wan_per_mu", "min"),
    "far_min": ("contract_far_min", "floor_area_ratio", "min"),
    "far_max": ("contract_far_max", "floor_area_ratio", "max"),
    "floor_area": ("contract_floor_area_m2", "floor_area_m2", "min"),
    "coverage_min": ("contract_coverage_min_pct", "building_coverage_pct", "min"),
    "coverage_max": ("contract_coverage_max_pct", "building_coverage_pct", "max"),
    "tax_per_mu": ("contract_tax_per_mu_wan", "tax_per_mu_wan", "min"),
    "value_added_per_mu": ("contract_value_added_per_mu_wan", "value_added_per_mu_wan", "min"),
    "productivity": ("contract_productivity_wan_per_person", "productivity_wan_per_person", "min"),
    "value_added_per_tce": ("contract_value_added_per_tce_wan", "value_added_per_tce_wan", "min"),
    "value_added_per_emission": ("contract_value_added_per_emission_wan", "value_added_per_emission_wan", "min"),
    "rd_intensity": ("contract_rd_intensity_pct", "rd_intensity_pct", "min"),
}
#: The number format (:data:`landplan.labels.UNIT_DIGITS`) of each condition's figures.
_CONDITION_FORMAT = {"investment_intensity": "wan_per_mu", "far_min": "ratio", "far_max": "ratio", "floor_area": "m2",
                     "coverage_min": "pct", "coverage_max": "pct", "rd_intensity": "pct"}


def _unit(name: str, lang: str) -> str:
    key = f"reason.contract.unit.{name}"
    return t(key, lang) if labels.has(key) else ""


#: 标准地 conditions: name -> (contract column, evaluation column, "min" or "max", 中文, English,
#: unit in Chinese), the labels read from the catalogue.
CONDITIONS: dict[str, tuple[str, str, str, str, str, str]] = {
    name: (*spec, labels.value("contract_condition", name, "zh"), labels.value("contract_condition", name, "en"),
           _unit(name, "zh").strip())
    for name, spec in _CONDITION_SPECS.items()}

#: The two stages of the 履约 check (practice.md 标准地 conditions: 浙政办发〔2018〕73号,
#: DB33/T 2172-2018) and their conditions; labels ``val.contract_stage.*``.
_STAGE_CONDITIONS: dict[str, tuple[str, ...]] = {
    "completion": ("investment_intensity", "far_min", "far_max", "floor_area", "coverage_min", "coverage_max"),
    "production": ("tax_per_mu", "value_added_per_mu", "productivity", "value_added_per_tce",
                   "value_added_per_emission", "rd_intensity"),
}
#: stage -> (中文, English, its conditions), the labels read from the catalogue.
CONTRACT_STAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    stage: (labels.value("contract_stage", stage, "zh"), labels.value("contract_stage", stage, "en"), names)
    for stage, names in _STAGE_CONDITIONS.items()}
assert sorted(c for names in _STAGE_CONDITIONS.values() for c in names) == sorted(CONDITIONS)

LIFECYCLE_COLUMNS: tuple[str, ...] = (
    "lifecycle_stage", "lifecycle_gap", "lifecycle_gap_reason", "lifecycle_gap_reason_en", "lifecycle_gap_years",
    "years_since_approval", "contract_check", *(f"contract_{s}_check" for s in CONTRACT_STAGES),
    "contract_unmet", "contract_reason", "contract_reason_en", "contract_damages_wan", "contract_remedy",
    "contract_remedy_en",
    "transfer_barred_until", "transfer_breach",
    *(f"contract_{c}_{part}" for c in CONDITIONS for part in ("ok", "shortfall", "shortfall_pct")),
)

_DAYS_PER_YEAR = 365.25
_AREA_TOLERANCE_M2 = 0.01
"""Recorded areas carry 2 decimals: a developed area within 0.01 m² of the target counts as reaching it."""
_BUILT = ("completed", "in_production")
_STARTED = ("under_construction", *_BUILT)


def gap_label(code: str, lang: str = "zh") -> str:
    """A person's label for a gap code (``""`` for none): ``val.lifecycle_gap.*`` of the catalogue."""
    return labels.value("lifecycle_gap", code, lang) if code else ""


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


def _transfer(table: pd.DataFrame, cfg: Lifecycle, standard: np.ndarray,
              day: pd.Timestamp) -> tuple[pd.Series, pd.array]:
    """``(transfer_barred_until, transfer_breach)`` under ``lifecycle.no_transfer_*``."""
    years = cfg.no_transfer_years
    empty = pd.Series(pd.NaT, index=table.index, dtype="datetime64[ms]")
    breach = pd.array([pd.NA] * len(table), dtype="boolean")
    if years is None:
        return empty, breach
    until = add_years(_col(table, cfg.no_transfer_from or "supply_date", "date"), int(years))
    until = until.where(standard, pd.NaT)
    transfer = _col(table, "transfer_date", "date")
    known = until.notna().to_numpy()
    breach[known] = (_on_or_before(transfer, day) & (transfer < until).to_numpy(dtype=bool))[known]
    return until, breach


def contract_check(table: pd.DataFrame, rules: RuleSet | Mapping, *, as_of: dt.date) -> pd.DataFrame:
    """The 标准地 performance check (履约) of every parcel at ``as_of``, in two stages.

    Parameters
    ----------
    table : DataFrame
        Evaluation rows with the contract columns (SPEC parcels schema), the dates of the
        stages and the figures they are compared with (``tax_per_mu_wan``,
        ``floor_area_ratio`` …, see :data:`CONDITIONS`), ``land_price_wan`` for the damages.
    rules : RuleSet
        Rules in force (a rules dict is accepted, deprecated); ``lifecycle.contract_remedies``, ``lifecycle.damages`` and
        ``lifecycle.no_transfer_*`` are used.
    as_of : date

    Returns
    -------
    DataFrame
        Same index: ``contract_check`` and ``contract_<stage>_check`` (see the module
        docstring), ``contract_unmet`` (condition names, comma-separated, ``no_transfer`` for a
        transfer inside the barred period), ``contract_reason`` and ``contract_reason_en`` (figure,
        contract value and source per unmet condition, the damages and how they were computed),
        ``contract_damages_wan`` (违约金, 万元; 0 when the due stages are met, empty when not
        due, not computed or without ``land_price_wan``), ``contract_remedy`` and ``contract_remedy_en`` (the rules' remedy),
        ``transfer_barred_until``, ``transfer_breach``, and per condition ``contract_<c>_ok``
        (boolean, empty before its stage is due or without a figure),
        ``contract_<c>_shortfall`` (how far below a minimum or above a maximum, in the
        condition's unit; 0 when met) and ``contract_<c>_shortfall_pct`` (100 × shortfall /
        condition).

    Examples
    --------
    >>> from landplan.rules import load_ruleset
    >>> t = pd.DataFrame({"status": ["in_production"], "full_production_due_date": ["2025-06-30"],
    ...                   "contract_tax_per_mu_wan": [20.0], "tax_per_mu_wan": [15.0],
    ...                   "land_price_wan": [400.0]})
    >>> out = contract_check(t, load_ruleset(), as_of=dt.date(2025, 7, 1)).iloc[0]
    >>> out["contract_production_check"], out["contract_unmet"], float(out["contract_damages_wan"])
    ('not_met', 'tax_per_mu', 100.0)
    """
    cfg = as_ruleset(rules).lifecycle
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

    damages_cfg = cfg.damages
    price = num(table, "land_price_wan").to_numpy()
    shares = np.column_stack([share[c] for c in CONDITIONS]) if n else np.zeros((0, len(CONDITIONS)))
    total_share = shares.sum(axis=1) if damages_cfg.combine == "sum" else shares.max(axis=1)
    judged_any = np.isin(stage_checks["completion"], ["met", "not_met"]) | np.isin(
        stage_checks["production"], ["met", "not_met"])
    judged_any &= damages_cfg.method is not None
    damages = np.where(judged_any, price * total_share, np.nan)

    out["contract_check"] = worst
    for stage, check in stage_checks.items():
        out[f"contract_{stage}_check"] = check
    out["contract_unmet"] = unmet
    out["contract_damages_wan"] = damages
    out["contract_remedy"], out["contract_remedy_en"] = _remedies(unmet, cfg.contract_remedies)
    out["transfer_barred_until"] = until
    out["transfer_breach"] = breach
    frame = pd.DataFrame(out, index=table.index)
    frame["contract_reason"], frame["contract_reason_en"] = _contract_reasons(frame, table, cfg, stage_checks,
                                                                               total_share)
    return frame


def _remedies(unmet: np.ndarray, remedies: Mapping[str, Mapping[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """The remedy texts (zh, en) of the rules per distinct set of unmet names, spread to the parcels."""
    codes, sets = pd.factorize(unmet)
    out = []
    for lang in ("zh", "en"):
        default = (remedies.get("default") or {}).get(lang, "")
        texts = [text.sep("clause", lang).join(dict.fromkeys(
            (remedies.get(n) or {}).get(lang, default) for n in names.split(",") if n)) for names in sets]
        out.append(np.asarray(texts, dtype=object)[codes] if len(unmet) else np.asarray([], dtype=object))
    return out[0], out[1]


_MEASURE = {"far_min": "floor_area_ratio", "far_max": "floor_area_ratio", "coverage_min": "building_coverage",
            "coverage_max": "building_coverage"}


def _condition_texts(sub: pd.DataFrame, names_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``sub``, its unmet conditions (``names_of``: comma-separated names) as a
    sentence in each language: ``亩均税收 15.00 万元/亩 低于约定 20.00 万元/亩``."""
    n = len(sub)
    listed = pd.Series(np.asarray(names_of, dtype=object), dtype=object).fillna("").astype(str)
    parts: dict[str, list[np.ndarray]] = {"zh": [], "en": []}
    for name, (contract_col, value_col, side) in _CONDITION_SPECS.items():
        rows = listed.str.contains(rf"(?:^|,){name}(?:,|$)").to_numpy(dtype=bool)
        if not rows.any():
            continue
        unit = _CONDITION_FORMAT.get(name, "wan")
        key = ("reason.contract.above_max" if side == "max" else
               "reason.contract.below_min" if name in _MEASURE else "reason.contract.below")
        what = (Lang(*text.pair(f"reason.contract.measure.{_MEASURE[name]}")) if name in _MEASURE else
                Lang(labels.value("contract_condition", name, "zh"), labels.value("contract_condition", name, "en")))
        filled = text.pair(key, what=what, unit=Lang(_unit(name, "zh"), _unit(name, "en")),
                           value=text.numbers(num(sub, value_col).to_numpy()[rows], unit),
                           agreed=text.numbers(num(sub, contract_col).to_numpy()[rows], unit))
        for lang, words in zip(("zh", "en"), filled, strict=True):
            column = np.full(n, "", dtype=object)
            column[rows] = words
            parts[lang].append(column)
    if not parts["zh"]:
        return np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    return (text.clauses(parts["zh"], "zh", kind="comma"), text.clauses(parts["en"], "en", kind="comma"))


def _only(names_of, keep: tuple[str, ...]) -> list[str]:
    """The names in ``keep`` of each comma-separated list."""
    return [",".join(c for c in str(names).split(",") if c in keep) for names in names_of]


def _rows(table: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """The rows (positions) and the columns a reason reads (those present)."""
    return table[[c for c in dict.fromkeys(columns) if c in table.columns]].iloc[rows]


_CONDITION_COLUMNS = [col for spec in _CONDITION_SPECS.values() for col in spec[:2]]


def _contract_reasons(frame: pd.DataFrame, table: pd.DataFrame, cfg: Lifecycle,
                      stage_checks: dict[str, np.ndarray], total_share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The reason (zh, en) of every parcel whose check is not met or lacks data (the others: ``""``)."""
    n = len(frame)
    out = (np.full(n, "", dtype=object), np.full(n, "", dtype=object))
    rows = np.flatnonzero(frame["contract_check"].isin(["not_met", "no_data"]).to_numpy())
    if not len(rows):
        return out
    k = len(rows)
    sub = _rows(table, rows, ["full_production_due_date", "transfer_date", "land_price_wan", *_CONDITION_COLUMNS])
    unmet = frame["contract_unmet"].to_numpy(dtype=object)[rows]
    due = text.dates(_col(sub, "full_production_due_date", "date"))
    source = Lang(t("src.contract", "zh"), t("src.contract", "en"))
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for stage, names in _STAGE_CONDITIONS.items():
        result = stage_checks[stage][rows]
        said = _condition_texts(sub, np.asarray(_only(unmet, names), dtype=object))
        stage_name = Lang(labels.value("contract_stage", stage, "zh"), labels.value("contract_stage", stage, "en"))
        fields = {"conditions": Lang(*said), "stage": stage_name, "source": source, "due": due}
        parts.append(text.pair_cases(
            k, ((result == "not_met") & (said[0] != "") & (stage == "production"),
                "reason.contract.stage_unmet_production", fields),
            ((result == "not_met") & (said[0] != ""), "reason.contract.stage_unmet", fields),
            ((result == "no_data") & (stage == "production") & (due == ""), "reason.contract.no_due_date", fields),
            (result == "no_data", "reason.contract.no_data", fields)))
    moved = pd.Series(unmet, dtype=object).fillna("").astype(str).str.contains(r"(?:^|,)no_transfer(?:,|$)")
    years = cfg.no_transfer_years
    parts.append(text.pair_cases(k, (moved.to_numpy(dtype=bool), "reason.contract.transferred", {
        "transfer": text.dates(_col(sub, "transfer_date", "date")),
        "until": text.dates(frame["transfer_barred_until"].iloc[rows]),
        "years": labels.fmt(years, "count") if years is not None else "",
        "mark": text.rule_mark(years, "lifecycle.no_transfer_years")})))
    method = cfg.damages.method
    if method is not None:
        price = num(sub, "land_price_wan").to_numpy()
        owed = total_share[rows] > 0
        parts.append(text.pair_cases(k, (owed & np.isnan(price), "reason.contract.no_price", {}), (owed, "reason.contract.damages", {
            "damages": text.numbers(frame["contract_damages_wan"].to_numpy(dtype=float)[rows], "wan"),
            "price": text.numbers(price, "wan"), "share": text.numbers(100.0 * total_share[rows], "pct"),
            "mark": text.rule_mark(method, "lifecycle.damages.method")})))
    for i, lang in enumerate(("zh", "en")):
        out[i][rows] = text.clauses([p[i] for p in parts], lang)
    return out


def evaluate_lifecycle(table: pd.DataFrame, rules: RuleSet | Mapping, *, as_of: dt.date) -> pd.DataFrame:
    """Stage, gap (五未) and 履约 check of every parcel (see the module docstring).

    Parameters
    ----------
    table : DataFrame
        The evaluation table (parcel attributes, ``area_m2``, efficiency and compliance
        columns), one row per parcel.
    rules : RuleSet
        Rules in force (a rules dict is accepted, deprecated); the ``lifecycle`` block is used.
    as_of : date
        Evaluation date.

    Returns
    -------
    DataFrame
        Same index, the columns of :data:`LIFECYCLE_COLUMNS`.
    """
    rules = as_ruleset(rules)
    cfg = rules.lifecycle
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
    min_years = cfg.approved_not_supplied_min_years
    old_enough = _on_or_before(add_years(approval, int(min_years)), day) if min_years else approved
    ans = approved & ~supplied & old_enough
    snu = supplied & ~started & (agreed_start.notna() & (agreed_start < day)).to_numpy(dtype=bool)
    full = float(cfg.fully_developed_share)
    with np.errstate(invalid="ignore"):
        under_developed = completed & (developed < full * area - _AREA_TOLERANCE_M2)
    # the completion check's floor-area conditions, judged once completed
    under_built = {c: check[f"contract_{c}_ok"].eq(False).fillna(False).to_numpy(dtype=bool)
                   for c in ("far_min", "floor_area")}
    overdue = started & ~completed & (agreed_completion.notna() & (agreed_completion < day)).to_numpy(dtype=bool)
    short_built = under_developed | under_built["far_min"] | under_built["floor_area"]
    unf = overdue | short_built
    wait = int(cfg.built_not_producing_after_years)
    wait_over = _on_or_before(add_years(completion, wait), day)
    bnp = completed & ~producing & wait_over & ~unf
    pbc = producing & (check["contract_production_check"] == "not_met").to_numpy(dtype=bool) & ~unf

    gap = np.select([ans, snu, unf, bnp, pbc], list(GAP_CODES), default="").astype(object)
    since = np.select(
        [ans, snu, overdue, unf, bnp, pbc],
        [years_approval, _years(agreed_start, day), _years(agreed_completion, day), _years(completion, day),
         _years(completion, day), _years(due, day)], default=np.nan)
    reason, reason_en = _reasons(gap, table, check, cfg, overdue, under_developed, under_built, wait, starts)
    out = pd.DataFrame(index=table.index)
    out["lifecycle_stage"] = np.where(status == "", None, status)
    out["lifecycle_gap"] = gap
    out["lifecycle_gap_reason"] = reason
    out["lifecycle_gap_reason_en"] = reason_en
    out["lifecycle_gap_years"] = np.round(since, 2)
    out["years_since_approval"] = np.round(years_approval, 2)
    for column in check.columns:
        out[column] = check[column]
    return out[list(LIFECYCLE_COLUMNS)]


def _reasons(gap, table, check, cfg, overdue, under_developed, under_built, wait,
             starts) -> tuple[np.ndarray, np.ndarray]:
    """The reason per gap in each language (the dates and figures that made it, the contract
    value or rule it falls short of and its source); built for the parcels with a gap only."""
    n = len(gap)
    out = (np.full(n, "", dtype=object), np.full(n, "", dtype=object))
    rows = np.flatnonzero(gap != "")
    if not len(rows):
        return out
    k = len(rows)
    g = gap[rows]
    sub = _rows(table, rows, ["approval_date", "agreed_start_date", "agreed_completion_date", "actual_start_date",
                              "actual_completion_date", "full_production_due_date", "approval_batch",
                              "developed_area_m2", "area_m2", *_CONDITION_COLUMNS])
    completion = text.dates(_col(sub, "actual_completion_date", "date"))
    start = text.dates(_col(sub, "actual_start_date", "date"))
    basis = starts["start_date_basis"].to_numpy(dtype=object)[rows]
    batch = _col(sub, "approval_batch", "str").astype("string").fillna("").to_numpy(dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev_pct = 100.0 * num(sub, "developed_area_m2").to_numpy() / num(sub, "area_m2").to_numpy()
    pct = text.numbers(dev_pct, "pct")
    source = Lang(t("src.contract", "zh"), t("src.contract", "en"))
    built = _condition_texts(sub, np.asarray([",".join(c for c in under_built if under_built[c][i]) for i in rows],
                                             dtype=object))
    produced = _condition_texts(sub, np.asarray(_only(check["contract_unmet"].to_numpy(dtype=object)[rows],
                                                      _STAGE_CONDITIONS["production"]), dtype=object))
    ones = np.ones(k, dtype=bool)
    # 用而未尽: the clauses that apply, joined
    over, short = overdue[rows], under_developed[rows]
    unfinished = []
    for i, lang in enumerate(("zh", "en")):
        began = text.cases(k, lang, (start != "", "reason.lifecycle.started_on", {"day": start}),
                           (ones, "reason.lifecycle.started", {}))
        late = text.fill("reason.lifecycle.completion_overdue", lang,
                         day=text.dates(_col(sub, "agreed_completion_date", "date")))
        developed = np.where(np.isnan(dev_pct), "", text.fill("reason.lifecycle.developed", lang, pct=pct))
        overdue_text = text.fill("reason.lifecycle.per_source", lang, source=source,
                                 text=text.clauses([began, late, developed], lang, kind="comma"))
        done = text.cases(k, lang, (completion != "", "reason.lifecycle.completed_on", {"day": completion}),
                          (ones, "reason.lifecycle.completed", {}))
        below = np.where(short, text.fill("reason.lifecycle.under_developed", lang, pct=pct,
                                          full=labels.fmt(100.0 * float(cfg.fully_developed_share), "pct")), "")
        contract = np.where(built[i] != "", text.fill("reason.lifecycle.per_source", lang, source=source,
                                                      text=built[i]), "")
        unfinished.append(np.where(over, overdue_text, text.clauses([done, below, contract], lang, kind="comma")))
    note = Lang(*(np.asarray([t(f"reason.idle.start_basis.{b}", lang) if b in ("delivery_date", "supply_date")
                              else "" for b in basis], dtype=object) for lang in ("zh", "en")))
    start_on = text.dates(starts["start_date"].iloc[rows])
    said = text.pair_cases(
        k,
        (g == "approved_not_supplied", "reason.lifecycle.approved", {
            "approval": text.dates(_col(sub, "approval_date", "date")),
            "batch": Lang(*(np.where(batch != "", text.fill("reason.lifecycle.batch", lang, batch=batch), "")
                            for lang in ("zh", "en")))}),
        ((g == "supplied_not_used") & (basis == "agreed_start_date"), "reason.lifecycle.not_started",
         {"start": start_on}),
        ((g == "supplied_not_used") & (basis == "delivery_date"), "reason.lifecycle.not_started_delivery",
         {"start": start_on, "note": note}),
        (g == "supplied_not_used", "reason.lifecycle.not_started_supply", {"start": start_on, "note": note}),
        (g == "built_not_producing", "reason.lifecycle.not_producing",
         {"day": completion, "years": labels.fmt(wait, "count")}),
        (g == "producing_below_contract", "reason.lifecycle.below_contract", {
            "due": text.dates(_col(sub, "full_production_due_date", "date")), "conditions": Lang(*produced),
            "source": source}))
    for i in range(2):
        out[i][rows] = np.where(g == "used_not_finished", unfinished[i], said[i])
    return out


def lifecycle_summary(table: pd.DataFrame, *, lang: str = "zh", rules: RuleSet | Mapping | None = None) -> list[str]:
    """The park summary printed by ``landplan lifecycle`` in ``lang``: stages, acquisition,
    gaps, 履约 (the words of the catalogue, ``summary.*``; the same labels as every face).

    ``rules`` (default: the shipped rules) says whether the damages rule is the shipped,
    unconfirmed one or a local one.
    """
    lang = labels.check_lang(lang)
    rules = as_ruleset(rules)
    mu = pd.to_numeric(table.get("area_mu"), errors="coerce").fillna(0.0)

    def counted(label: str, mask) -> str:
        mask = np.asarray(mask, dtype=bool)
        return "  " + t("summary.mu_parcels", lang, label=label, mu=labels.fmt(mu[mask].sum(), "mu"),
                        n=labels.fmt(int(mask.sum()), "count"))

    stage = table["lifecycle_stage"].astype("string").fillna("")
    lines = [t("summary.lifecycle.stages", lang)]
    lines += [counted(labels.value("parcel_status", code, lang), stage == code) for code in STAGES]
    acquiring = (stage == "acquiring").to_numpy(dtype=bool)
    if acquiring.any():
        def total(column: str) -> float:
            values = pd.to_numeric(table.get(column), errors="coerce")
            return 0.0 if values is None else float(values[acquiring].sum())

        lines.append(t("summary.lifecycle.acquisition", lang, acquired=labels.fmt(total("acquired_mu"), "mu"),
                       target=labels.fmt(mu[acquiring].sum(), "mu"),
                       paid=labels.fmt(total("compensation_paid_wan"), "wan"),
                       graves=labels.fmt(total("graves_moved"), "count"),
                       houses=labels.fmt(total("houses_demolished"), "count"),
                       households=labels.fmt(total("households_resettled"), "count")))
    lines.append(t("summary.lifecycle.gaps", lang))
    gap = table["lifecycle_gap"].astype("string").fillna("")
    lines += [counted(labels.value("lifecycle_gap", code, lang), gap == code) for code in GAP_CODES]
    checks = [("contract_check", t("summary.lifecycle.contract_check", lang), ""),
              *((f"contract_{s}_check", labels.value("contract_stage", s, lang), "  ") for s in CONTRACT_STAGES)]
    for column, label, indent in checks:
        check = table[column].astype("string").fillna("") if column in table.columns else pd.Series([], dtype=str)
        counts = text.sep("comma", lang).join(
            t("summary.count", lang, label=labels.value("contract_check", code, lang),
              n=labels.fmt(int((check == code).sum()), "count")) for code in ("met", "not_met", "not_due", "no_data"))
        lines.append(indent + t("summary.lifecycle.checks", lang, label=label, counts=counts))
    damages = pd.to_numeric(table.get("contract_damages_wan"), errors="coerce")
    if damages is not None:
        owing = (damages > 0).to_numpy(dtype=bool)
        method = rules.lifecycle.damages.method
        lines.append(t("summary.lifecycle.damages", lang, total=labels.fmt(damages[owing].sum(), "wan"),
                       n=labels.fmt(int(owing.sum()), "count"),
                       mark=text.rule_mark(method, "lifecycle.damages.method").of(lang)))
    if "transfer_barred_until" in table.columns:
        until = pd.to_datetime(table["transfer_barred_until"], errors="coerce")
        as_of = pd.to_datetime(table["as_of"], errors="coerce") if "as_of" in table.columns else None
        barred = (until > as_of) if as_of is not None else until.notna()
        breach = table["transfer_breach"].astype("boolean").fillna(False)
        lines.append(t("summary.lifecycle.no_transfer", lang, within=labels.fmt(int(barred.sum()), "count"),
                       breach=labels.fmt(int(breach.sum()), "count")))
    return lines


def gap_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The parcels of an evaluation table with a lifecycle gap, the longest gap first (then by
    ``parcel_id``): the list ``landplan lifecycle`` prints."""
    gaps = table[table["lifecycle_gap"] != ""]
    return gaps.sort_values(["lifecycle_gap_years", "parcel_id"], ascending=[False, True], kind="stable")


def lifecycle_table(table: pd.DataFrame) -> pd.DataFrame:
    """The lifecycle table of a park: the parcels with a gap or a contract check, with their
    id, area, status and :data:`LIFECYCLE_COLUMNS` (and geometry, when the table has it)."""
    keep = ["parcel_id", "area_mu", "status", *LIFECYCLE_COLUMNS, "geometry"]
    rows = table[(table["lifecycle_gap"] != "") | (table["contract_check"] != "")]
    return rows[[c for c in keep if c in rows.columns]]
