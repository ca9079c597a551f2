"""Low-efficiency land (低效用地) and the revitalization (盘活) list, SPEC §5.

Works on one evaluation table (one row per parcel) that already holds the idle-land columns
(``idle_status``, ``idle_years``, ``idle_disposal`` …), the efficiency columns
(``efficiency_class``, ``tax_per_mu_wan``) and the compliance columns (``floor_area_ratio_ok``).
Every rule and weight is read from the rules file (``idle.low_efficiency`` and
``revitalization``), each with its source.

- :func:`low_efficiency` flags low-efficiency land, each reason a sentence with its figures and
  source in Chinese and English, the rules keys in their own column
  (idle-land.md §6). Idle land is never low-efficiency, and missing data never makes a parcel
  low-efficiency.
- :func:`candidates` lists the idle and low-efficiency parcels with a path (收回再供应,
  征缴闲置费, 提高容积率, 腾笼换鸟 …) and a 0–100 ``revitalization_priority`` whose every
  weight × component is spelt out.
- :func:`scenario_median_tax` answers "if these parcels reach the park's median tax per mu".
- :func:`target_progress` counts the mu whose idleness ended in a year against a target.

>>> import pandas as pd
>>> from datetime import date
>>> from landplan.rules import load_ruleset
>>> table = pd.DataFrame({"parcel_id": ["A", "B"], "idle_status": ["not_idle", "idle_halted"],
...                       "efficiency_class": ["D", "D"]})
>>> low_efficiency(table, load_ruleset(), as_of=date(2025, 1, 1))["low_efficiency"].tolist()
[True, False]
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from . import labels
from .compliance import compliance_scope, control_source
from .errors import LandplanError
from .labels import t, text
from .labels.text import Lang
from .ruleset import RuleSet, as_ruleset, plain
from .tables import join as _join
from .tables import num as _num
from .tables import text as _text

__all__ = ["low_efficiency", "candidates", "candidates_table", "Ranking", "scenario_median_tax", "target_progress", "PATHS",
           "PATH_CODES", "EVALUATION_COLUMNS", "park_summary"]

_KEY = "idle.low_efficiency"

#: Revitalization paths, in order; labels ``val.revitalization_path.*`` (:mod:`landplan.labels`).
PATH_CODES: tuple[str, ...] = ("recover_resupply", "collect_fee", "negotiate_extension", "idle_review", "declare_idle",
                               "urge_completion", "urge_investment", "raise_far", "replace_enterprise", "split_merge")
#: Revitalization paths: code -> (中文, English), read from the catalogue.
PATHS: dict[str, tuple[str, str]] = {c: (labels.value("revitalization_path", c, "zh"),
                                         labels.value("revitalization_path", c, "en")) for c in PATH_CODES}
#: The ranked list's columns an evaluation takes (list column -> evaluation column).
EVALUATION_COLUMNS: dict[str, str] = {
    "revitalization_priority": "revitalization_priority", "path": "revitalization_path",
    "candidate_reason": "candidate_reason", "candidate_reason_en": "candidate_reason_en",
    "priority_explained": "priority_explained", "priority_explained_en": "priority_explained_en"}
#: The columns of :func:`candidates`, in order.
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "parcel_id", "area_mu", "idle_status", "idle_disposal", "low_efficiency_reason", "low_efficiency_reason_en", "path",
    "path_zh", "path_en", "revitalization_priority", "priority_explained", "priority_explained_en", "candidate_reason",
    "candidate_reason_en")

#: idle_stage values of a finding without 认定书 (landplan.idle.IDLE_STAGES)
_FINDING_STAGES = ("suspected", "investigating", "to_be_declared")
_IDLE_PATH = {"recover": "recover_resupply", "idle_fee": "collect_fee",
              "negotiate": "negotiate_extension"}

# low-efficiency rule key (as named in the reason) -> path, in order of precedence
_LOW_PATH = (
    (f"{_KEY}.completion_overdue_years", "urge_completion"),
    (f"{_KEY}.intensity_share_of_contract_min", "urge_investment"),
    (f"{_KEY}.far_below_control_on", "raise_far"),
    (f"{_KEY}.efficiency_classes", "replace_enterprise"),
    (f"{_KEY}.tax_per_mu_min_wan", "replace_enterprise"),
    (f"{_KEY}.stopped_years", "replace_enterprise"),
)

_NOT_COMPLETED = ("supplied", "under_construction", "halted")
_COMPLETED = ("completed", "in_production")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------





def _dates(table: pd.DataFrame, name: str) -> pd.Series:
    if name not in table.columns:
        return pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
    return pd.to_datetime(table[name], errors="coerce")


def _bool_false(table: pd.DataFrame, name: str) -> pd.Series:
    """True where the column is exactly False (NA and absence are not False)."""
    if name not in table.columns:
        return pd.Series(False, index=table.index)
    col = table[name].astype("boolean")
    return (~col).fillna(False).astype(bool)


def _is_idle(table: pd.DataFrame) -> pd.Series:
    return _text(table, "idle_status").str.startswith("idle_")




def _years_offset(years: float) -> pd.DateOffset:
    return pd.DateOffset(months=int(round(float(years) * 12)))


def _ids(table: pd.DataFrame) -> pd.Series:
    if "parcel_id" in table.columns:
        return table["parcel_id"].astype(str)
    return pd.Series(table.index.astype(str), index=table.index)


# --------------------------------------------------------------------------------------------
# low efficiency
# --------------------------------------------------------------------------------------------

def low_efficiency(table: pd.DataFrame, rules: RuleSet | Mapping, *, as_of: date) -> pd.DataFrame:
    """Flag low-efficiency land (低效用地) by the local rules of ``idle.low_efficiency``.

    A parcel that is not idle is low-efficiency if any rule that is switched on applies
    (idle-land.md §6):

    - ``efficiency_classes`` (``efficiency_class_on``): its 亩均 class is listed (default D;
      mu-efficiency.md §4);
    - ``far_below_control_on``: ``floor_area_ratio_ok`` is False (容积率 below its control value)
      for a finished project (:func:`landplan.compliance.compliance_scope` ``checked``: the
      indicators bind the finished project, so an unfinished one is never low-efficiency for
      them);
    - ``stopped_years`` (``stopped_on``): status ``halted`` and ``halted_since`` + N years ≤
      ``as_of`` (§6 item 3);
    - ``completion_overdue_years`` (``completion_overdue_on``): status supplied, under
      construction or halted (not completed) and ``agreed_completion_date`` + N years ≤
      ``as_of`` (§6 item 1);
    - ``intensity_share_of_contract_min`` (``intensity_below_contract_on``): status completed or
      in production and ``invested_wan`` < share × ``agreed_investment_wan`` (§6 item 2);
    - ``tax_per_mu_min_wan`` (null = off): ``tax_per_mu_wan`` below it.

    Parcels whose ``idle_status`` is ``idle_*`` are never low-efficiency (§6: "land that is not
    idle"). A missing value or column never makes a parcel low-efficiency.

    Parameters
    ----------
    table : DataFrame
        Evaluation table, one row per parcel.
    rules : RuleSet or dict (a dict is deprecated)
        Rules in force (:func:`landplan.rules.load_ruleset`).
    as_of : date
        Evaluation date.

    Returns
    -------
    DataFrame
        Same index as ``table``: ``low_efficiency`` (nullable boolean),
        ``low_efficiency_reason`` (the Chinese sentences, ``""`` when none, joined with ``；``:
        each figure, its threshold and the source), ``low_efficiency_reason_en`` (the same in
        English, joined with ``"; "``) and ``low_efficiency_rules`` (the rules keys that hold,
        ``"; "``-joined, for scripts and tooltips).
    """
    rules = as_ruleset(rules)
    spec = rules.idle.low_efficiency
    idx = table.index
    n = len(idx)
    when = pd.Timestamp(as_of)
    not_idle = ~_is_idle(table)
    status = _text(table, "status")
    source = Lang(t("src.low_efficiency", "zh"), t("src.low_efficiency", "en"))
    masks: list[np.ndarray] = []
    texts: dict[str, list[np.ndarray]] = {"zh": [], "en": []}
    keys: list[np.ndarray] = []

    def add(mask: pd.Series, key: str, sentence) -> None:
        """A rule's parcels, its rules key and their reason: ``sentence(rows)`` gives the
        ``(zh, en)`` texts of the rows the rule flags (built for those rows only: most parcels pass)."""
        rows = (mask.fillna(False).astype(bool) & not_idle).to_numpy(dtype=bool)
        masks.append(rows)
        keys.append(np.where(rows, key, ""))
        for lang, words in zip(("zh", "en"), sentence(rows) if rows.any() else ("", ""), strict=True):
            column = np.full(n, "", dtype=object)
            column[rows] = words
            texts[lang].append(column)

    def mark(name: str) -> Lang:
        return text.rule_mark(plain(getattr(spec, name)), f"{_KEY}.{name}")

    if spec.efficiency_class_on and spec.efficiency_classes:
        classes = [str(c) for c in spec.efficiency_classes]
        cls = _text(table, "efficiency_class")
        add(cls.isin(classes), f"{_KEY}.efficiency_classes", lambda rows: text.pair(
            "reason.low.efficiency_class", cls=cls.to_numpy(dtype=object)[rows], source=source,
            mark=mark("efficiency_classes")))

    if spec.far_below_control_on:
        far = _num(table, "floor_area_ratio").to_numpy()
        far_min = _num(table, "floor_area_ratio_min").to_numpy()
        far_max = _num(table, "floor_area_ratio_max").to_numpy()

        def far_text(rows):
            f, lo, hi = far[rows], far_min[rows], far_max[rows]
            above = ~np.isnan(f) & ~np.isnan(hi) & (f > hi)
            below = ~np.isnan(f) & ~np.isnan(lo) & ~above
            where = {"far": text.numbers(f, "ratio"), "control": text.numbers(np.where(above, hi, lo), "ratio"),
                     "source": Lang(*(control_source(table.iloc[np.flatnonzero(rows)], rules,
                                                     np.where(above, "floor_area_ratio_max", "floor_area_ratio_min"))))}
            return text.pair_cases(int(rows.sum()), (above, "reason.low.far_above", where),
                                   (below, "reason.low.far_below", where), (True, "reason.low.far_failed", where))
        # the control indicators bind the finished project: an unfinished one is never
        # low-efficiency for its floor area ratio (issue 18 point 4, practice.md)
        built = compliance_scope(table).to_numpy() == "checked"
        add(_bool_false(table, "floor_area_ratio_ok") & built, f"{_KEY}.far_below_control_on", far_text)

    years = spec.stopped_years
    if spec.stopped_on and years is not None:
        since = _dates(table, "halted_since")
        mask = (status == "halted") & since.notna() & (since + _years_offset(years) <= when)
        add(mask, f"{_KEY}.stopped_years", lambda rows, years=years: text.pair(
            "reason.low.stopped", since=text.dates(since[rows]), years=labels.fmt(years, "years"), source=source,
            mark=mark("stopped_years")))

    years = spec.completion_overdue_years
    if spec.completion_overdue_on and years is not None:
        due = _dates(table, "agreed_completion_date")
        mask = status.isin(_NOT_COMPLETED) & due.notna() & (due + _years_offset(years) <= when)
        add(mask, f"{_KEY}.completion_overdue_years", lambda rows, years=years: text.pair(
            "reason.low.completion_overdue", due=text.dates(due[rows]), years=labels.fmt(years, "years"),
            source=source, mark=mark("completion_overdue_years")))

    share = spec.intensity_share_of_contract_min
    if spec.intensity_below_contract_on and share is not None:
        invested, agreed = _num(table, "invested_wan"), _num(table, "agreed_investment_wan")
        mask = status.isin(_COMPLETED) & (invested < share * agreed)
        add(mask, f"{_KEY}.intensity_share_of_contract_min", lambda rows: text.pair(
            "reason.low.intensity", invested=text.numbers(invested[rows], "wan"),
            agreed=text.numbers(agreed[rows], "wan"), share=labels.fmt(100.0 * share, "pct"), source=source,
            mark=mark("intensity_share_of_contract_min")))

    tax_min = spec.tax_per_mu_min_wan
    if tax_min is not None:
        tax = _num(table, "tax_per_mu_wan")
        add(tax < tax_min, f"{_KEY}.tax_per_mu_min_wan", lambda rows: text.pair(
            "reason.low.tax", tax=text.numbers(tax[rows], "wan_per_mu"), minimum=labels.fmt(tax_min, "wan_per_mu"),
            source=source, mark=mark("tax_per_mu_min_wan")))

    flag = np.logical_or.reduce(masks) if masks else np.zeros(n, dtype=bool)
    return pd.DataFrame({"low_efficiency": pd.array(flag, dtype="boolean"),
                         "low_efficiency_reason": text.clauses(texts["zh"], "zh") if masks else np.full(n, ""),
                         "low_efficiency_reason_en": text.clauses(texts["en"], "en") if masks else np.full(n, ""),
                         "low_efficiency_rules": text.clauses(keys, "en") if masks else np.full(n, "")},
                        index=idx)


# --------------------------------------------------------------------------------------------
# candidates and priority
# --------------------------------------------------------------------------------------------

def _park_median_tax(table: pd.DataFrame) -> float:
    tax = _num(table, "tax_per_mu_wan").dropna()
    return float(tax.median()) if len(tax) else float("nan")


def _readiness_score(values: pd.Series, rules: RuleSet) -> pd.Series:
    """Readiness as a number, higher = better: numbers as given, level names by rules order."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().any():
        return numeric.astype(float)
    levels = [lvl.name for lvl in rules.coverage.readiness]
    score = {name: float(len(levels) - i) for i, name in enumerate(levels)}
    below = rules.coverage.below
    if below is not None:
        score[below] = 0.0
    return values.map(score).astype(float)


def _scaled(x: pd.Series) -> pd.Series:
    """x / max over the candidates (x ≥ 0); 0 when missing or when every value is 0."""
    x = x.fillna(0.0).clip(lower=0.0)
    top = float(x.max()) if len(x) else 0.0
    return x / top if top > 0 else x * 0.0


def candidates(table: pd.DataFrame, rules: RuleSet | Mapping) -> pd.DataFrame:
    """The ranked revitalization (盘活) list: idle and low-efficiency parcels.

    Paths: idle land by its disposal (``recover`` → ``recover_resupply``, ``idle_fee`` →
    ``collect_fee``, ``negotiate`` → ``negotiate_extension``, anything else → ``idle_review``),
    preceded by ``declare_idle`` while the land is a finding without 认定书 (``idle_stage``
    suspected, investigating or to_be_declared: a fee or a recovery needs the 认定书 first,
    闲置土地处置办法 Art. 9);
    low-efficiency land by its reasons (overdue completion → ``urge_completion``, investment
    below the contract → ``urge_investment``, 容积率 below control → ``raise_far``, class,
    tax or long stoppage → ``replace_enterprise``); ``split_merge`` is added when
    ``revitalization.split_above_mu`` / ``merge_below_mu`` are set and the area passes them.
    Several paths are joined with ``"; "``, the first being the main one.

    ``revitalization_priority`` = 100 · Σ wᵢ·cᵢ / Σ wᵢ with weights
    ``revitalization.priority_weights`` and components scaled to 0–1 (value / largest value
    among the candidates): ``area_mu``; ``idle_years``; ``tax_gap`` = max(park median
    ``tax_per_mu_wan`` − the parcel's, 0), a parcel without tax data counting as 0 tax when
    idle and 0 gap otherwise; ``readiness`` (only when the table has that column; better
    readiness → higher priority). Missing values give a 0 component.

    Parameters
    ----------
    table : DataFrame
        Evaluation table with the idle columns and ``low_efficiency`` /
        ``low_efficiency_reason`` (computed with the table's ``as_of`` column when absent).
    rules : RuleSet or dict (a dict is deprecated)
        Rules in force.

    Returns
    -------
    DataFrame
        :data:`CANDIDATE_COLUMNS` (parcel_id, area_mu, idle_status, idle_disposal, the
        low-efficiency reasons, path with path_zh and path_en, revitalization_priority,
        priority_explained and candidate_reason with their ``_en``); sorted by
        priority (highest first), then parcel_id; a fresh 0..n-1 index.
    """
    return Ranking(table, rules).ranked(table["readiness"] if "readiness" in table.columns else None)


class Ranking:
    """:func:`candidates` in two steps: everything but the ``readiness`` component at
    construction, the priority and the order in :meth:`ranked` (so that an evaluation can
    prepare the list while its coverage columns are still being computed).

    Parameters
    ----------
    table, rules
        As for :func:`candidates` (``readiness`` is not read from ``table``).
    """

    def __init__(self, table: pd.DataFrame, rules: RuleSet | Mapping) -> None:
        rules = as_ruleset(rules)
        if "low_efficiency" not in table.columns:
            if "as_of" not in table.columns or table["as_of"].isna().all():
                raise LandplanError("candidates: the table has no low_efficiency column and no as_of "
                                    "date to compute it; run low_efficiency(table, rules, as_of=…) first")
            as_of = pd.Timestamp(table["as_of"].dropna().iloc[0]).date()
            table = table.join(low_efficiency(table, rules, as_of=as_of))
        idle = _is_idle(table)
        low = table["low_efficiency"].astype("boolean").fillna(False).astype(bool)
        median = _park_median_tax(table)
        used = ["parcel_id", "low_efficiency_reason", "low_efficiency_reason_en", "low_efficiency_rules",
                "idle_disposal", "idle_status", "idle_stage", "area_mu", "tax_per_mu_wan", "idle_years", "readiness"]
        sel = table.loc[(idle | low).to_numpy(), [c for c in used if c in table.columns]]
        if len(sel) == 0:  # nothing to revitalize: an empty list with the columns
            self.empty = pd.DataFrame({c: pd.Series(dtype="float64" if c in ("area_mu", "revitalization_priority")
                                                    else "str") for c in CANDIDATE_COLUMNS})
            self.sel = None
            return
        idx = sel.index
        k = len(idx)
        idle_s = idle[idx]
        reason = _text(sel, "low_efficiency_reason")
        reason_en = _text(sel, "low_efficiency_reason_en")
        # the rules keys that flagged a parcel (an evaluation written before they had their own
        # column named them inside its reason)
        keys = _text(sel, "low_efficiency_rules" if "low_efficiency_rules" in sel.columns else "low_efficiency_reason")
        disposal = _text(sel, "idle_disposal")
        area = _num(sel, "area_mu")

        # paths
        idle_path = disposal.map(_IDLE_PATH).fillna("idle_review").where(idle_s, "")
        stage = _text(sel, "idle_stage")
        finding = idle_s & stage.isin(_FINDING_STAGES)
        parts = [pd.Series(np.where(finding, "declare_idle", ""), index=idx), idle_path]
        low_s = low[idx] & ~idle_s
        for key, code in _LOW_PATH:
            parts.append(pd.Series(np.where(low_s & keys.str.contains(key, regex=False), code, ""), index=idx))
        spec = rules.revitalization
        above, below = spec.split_above_mu, spec.merge_below_mu
        split = pd.Series(False, index=idx)
        if above is not None:
            split |= area > above
        if below is not None:
            split |= area < below
        parts.append(pd.Series(np.where(split, "split_merge", ""), index=idx))
        # few distinct paths: each text built once, then spread
        codes, distinct = pd.factorize(_join(parts, idx))
        distinct = ["; ".join(dict.fromkeys(p.split("; "))) for p in distinct]
        path = pd.Series(np.asarray(distinct, dtype=object)[codes], index=idx)
        path_zh, path_en = (pd.Series(text.value_lists("revitalization_path", path, lang), index=idx)
                            for lang in ("zh", "en"))

        # the priority's components but readiness, scaled, and their terms of the explanation
        tax = _num(sel, "tax_per_mu_wan")
        tax = tax.where(tax.notna() | ~idle_s, 0.0)
        gap = (median - tax).clip(lower=0.0) if np.isfinite(median) else tax * np.nan
        self.weights = {k: float(w) for k, w in spec.priority_weights.items() if w is not None}
        self.scaled: dict[str, pd.Series] = {}
        self.terms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, x in {"area_mu": area, "idle_years": _num(sel, "idle_years"), "tax_gap": gap}.items():
            self._component(name, x)
        status = Lang(*(text.clauses([text.values("idle_status", sel["idle_status"], lang),
                                      np.where(stage != "", text.values("idle_stage", stage, lang), "")],
                                     lang, kind="comma")
                        for lang in ("zh", "en")))
        self.why = text.pair_cases(k, (idle_s.to_numpy(), "reason.candidate.idle", {"status": status}),
                                   (True, "reason.candidate.low", {"reason": Lang(reason.to_numpy(dtype=object),
                                                                                  reason_en.to_numpy(dtype=object))}))
        self.sel, self.spec, self.median, self.rules = sel, spec, median, rules
        self.columns = {
            "parcel_id": _ids(sel), "area_mu": area,
            "idle_status": _text(sel, "idle_status"), "idle_disposal": disposal,
            "low_efficiency_reason": reason, "low_efficiency_reason_en": reason_en, "path": path, "path_zh": path_zh,
            "path_en": path_en,
        }

    def _component(self, name: str, x: pd.Series) -> None:
        if name in self.weights:
            comp = _scaled(x)
            self.scaled[name] = comp
            self.terms[name] = text.pair("reason.priority.term", value=text.numbers(comp, "ratio", digits=3),
                                         weight=text.plain(self.weights[name]),
                                         name=Lang(*(labels.value("priority_component", name, lang)
                                                     for lang in ("zh", "en"))))

    def ranked(self, readiness: pd.Series | None = None, *, order: bool = True) -> pd.DataFrame:
        """The ranked list, with ``readiness`` (aligned to the table's index) as the
        priority's readiness component when given.

        ``order=False`` leaves the rows in the table's order, indexed as in the table (what an
        evaluation puts back into its rows), instead of sorted by priority with a fresh index.
        """
        if self.sel is None:
            return self.empty.copy()
        idx, spec, median = self.sel.index, self.spec, self.median
        scaled, terms = self.scaled, self.terms
        if readiness is not None:
            self._component("readiness", _readiness_score(readiness.reindex(idx), self.rules))
        used = {"area_mu", "idle_years", "tax_gap"} | ({"readiness"} if readiness is not None else set())
        weights = {k: w for k, w in self.weights.items() if k in used}
        total = sum(weights.values())
        priority = pd.Series(0.0, index=idx)
        for name, w in weights.items():
            priority = priority + w * scaled[name]
        priority = (100.0 * priority / total).round(2) if total > 0 else priority
        skipped = [k for k in spec.priority_weights if k not in weights]
        explained = []
        for i, lang in enumerate(("zh", "en")):
            sentence = text.fill("reason.priority.explained", lang, total=text.plain(total),
                                 terms=text.clauses([terms[k][i] for k in weights], lang, kind="plus"),
                                 priority=text.numbers(priority, "score", digits=2))
            extra = [t("reason.priority.not_used", lang, names=text.sep("list", lang).join(
                labels.value("priority_component", k, lang) for k in skipped)) if skipped else "",
                t("reason.priority.median", lang, median=labels.fmt(median, "wan_per_mu"))
                if np.isfinite(median) else ""]
            explained.append(text.clauses([sentence, *extra], lang))
        out = pd.DataFrame({
            **self.columns,
            "revitalization_priority": priority.astype(float),
            "priority_explained": explained[0], "priority_explained_en": explained[1],
            "candidate_reason": self.why[0], "candidate_reason_en": self.why[1],
        }, index=idx)
        if not order:
            return out
        out = out.sort_values(["revitalization_priority", "parcel_id"], ascending=[False, True],
                              kind="mergesort")
        return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# scenario and target
# --------------------------------------------------------------------------------------------

def scenario_median_tax(table: pd.DataFrame, parcel_ids) -> dict:
    """"If these parcels reach the park's median tax per mu": the park's tax before and after.

    The park is every row of ``table``. The median is that of ``tax_per_mu_wan`` over the
    parcels with tax data. Each listed parcel below the median (no tax data = 0) is raised to
    median × area_mu; parcels already at or above it are unchanged. Tax is ``tax_wan`` (or
    ``tax_per_mu_wan`` × ``area_mu`` when absent), missing = 0.

    Parameters
    ----------
    table : DataFrame
        Evaluation table with parcel_id (column or index), area_mu and tax_per_mu_wan.
    parcel_ids : iterable of str
        Parcels to revitalize.

    Returns
    -------
    dict
        median_tax_per_mu_wan, park_tax_before_wan, park_tax_after_wan,
        park_tax_per_mu_before_wan, park_tax_per_mu_after_wan, park_area_mu, mu_revitalized
        (area of the listed parcels raised to the median), parcels_raised (their ids).
    """
    ids = _ids(table)
    wanted = [str(p) for p in ([parcel_ids] if isinstance(parcel_ids, str) else parcel_ids)]
    unknown = sorted(set(wanted) - set(ids))
    if unknown:
        raise LandplanError(f"scenario: no such parcel(s): {', '.join(unknown)}")
    area = _num(table, "area_mu").fillna(0.0)
    per_mu = _num(table, "tax_per_mu_wan")
    tax = _num(table, "tax_wan") if "tax_wan" in table.columns else per_mu * area
    tax = tax.fillna(0.0)
    median = _park_median_tax(table)
    if not np.isfinite(median):
        raise LandplanError("scenario: no parcel has tax_per_mu_wan, so the park has no median")
    chosen = ids.isin(wanted)
    raised = chosen & (per_mu.fillna(0.0) < median)
    after = tax.where(~raised, median * area)
    park_area = float(area.sum())
    before_sum, after_sum = float(tax.sum()), float(after.sum())
    return {
        "median_tax_per_mu_wan": median,
        "park_tax_before_wan": before_sum,
        "park_tax_after_wan": after_sum,
        "park_tax_per_mu_before_wan": before_sum / park_area if park_area > 0 else float("nan"),
        "park_tax_per_mu_after_wan": after_sum / park_area if park_area > 0 else float("nan"),
        "park_area_mu": park_area,
        "mu_revitalized": float(area[raised].sum()),
        "parcels_raised": sorted(ids[raised].tolist()),
    }


def target_progress(before: pd.DataFrame, after: pd.DataFrame, rules: RuleSet | Mapping, *, year: int,
                    target_mu: float | None = None) -> dict:
    """Mu of idle land revitalized in ``year`` against the target (盘活闲置土地 N 亩).

    A parcel counts when its ``idle_status`` is ``idle_*`` in ``before`` (an evaluation at or
    before the start of the year) and not ``idle_*`` in ``after`` (an evaluation in or at the
    end of the year). Parcels missing from ``after`` are listed apart and not counted.

    Parameters
    ----------
    before, after : DataFrame
        Two evaluation tables (parcel_id, area_mu, idle_status; ``as_of`` checked if present).
    rules : RuleSet or dict (a dict is deprecated)
        Rules in force; ``revitalization.target_mu_per_year`` is the default target.
    year : int
        The year reported; ``after``'s ``as_of`` must fall in it and ``before``'s must not be
        later, when those columns exist.
    target_mu : float, optional
        Overrides the rules' target.

    Returns
    -------
    dict
        year, before_as_of, after_as_of, target_mu, target_source, revitalized_mu,
        share_of_target (None without a target), met (None without a target), parcels (list of
        dicts: parcel_id, area_mu, idle_status_before, idle_status_after),
        missing_in_after (ids).
    """
    def as_of(frame: pd.DataFrame) -> pd.Timestamp | None:
        if "as_of" not in frame.columns or frame["as_of"].isna().all():
            return None
        return pd.Timestamp(frame["as_of"].dropna().iloc[0])

    b_at, a_at = as_of(before), as_of(after)
    if a_at is not None and a_at.year != year:
        raise LandplanError(f"target progress for {year}: the later evaluation is of {a_at:%Y-%m-%d}")
    if b_at is not None and (b_at.year > year or (a_at is not None and b_at > a_at)):
        raise LandplanError(f"target progress for {year}: the earlier evaluation ({b_at:%Y-%m-%d}) "
                            "must be at or before the start of the year and before the later one")
    b = pd.DataFrame({"idle": _text(before, "idle_status"), "area_mu": _num(before, "area_mu")})
    b.index = _ids(before).to_numpy()
    a = pd.Series(_text(after, "idle_status").to_numpy(), index=_ids(after).to_numpy())
    was_idle = b[b["idle"].str.startswith("idle_")]
    missing = sorted(set(was_idle.index) - set(a.index))
    present = was_idle[was_idle.index.isin(a.index)]
    now = a.reindex(present.index)
    ended = present[~now.str.startswith("idle_")].sort_index()
    source = "argument"
    if target_mu is None:
        target_mu = as_ruleset(rules).revitalization.target_mu_per_year
        source = "rules revitalization.target_mu_per_year" if target_mu is not None else None
    done = float(ended["area_mu"].fillna(0.0).sum())
    return {
        "year": year,
        "before_as_of": None if b_at is None else b_at.date(),
        "after_as_of": None if a_at is None else a_at.date(),
        "target_mu": None if target_mu is None else float(target_mu),
        "target_source": source,
        "revitalized_mu": done,
        "share_of_target": (done / float(target_mu)) if target_mu else None,
        "met": None if target_mu is None else bool(done >= float(target_mu)),
        "parcels": [{"parcel_id": pid, "area_mu": float(area), "idle_status_before": st,
                     "idle_status_after": str(a[pid])}
                    for pid, st, area in zip(ended.index, ended["idle"], ended["area_mu"],
                                             strict=True)],
        "missing_in_after": missing,
    }


def park_summary(table: pd.DataFrame, rules: RuleSet | Mapping, *, as_of: date, before: pd.DataFrame | None = None,
                 target_mu: float | None = None, deadlines: int = 10, lang: str = "zh") -> list[str]:
    """The park's idle-land summary as printed by ``landplan idle``, in ``lang``.

    Idle mu by status, the procedure's stages, mu by disposal, the fees, the next deadlines, low-efficiency land, the
    median-tax scenario for the candidates and, given an earlier evaluation ``before`` (e.g.
    written by ``landplan evaluate`` at the start of the year), the mu revitalized this year
    against the target. Every word and label from the catalogue (``summary.*``), every figure
    by :func:`landplan.labels.fmt`.
    """
    from .columns import text_column

    rules = as_ruleset(rules)
    lang = labels.check_lang(lang)
    area = _num(table, "area_mu").fillna(0.0)
    status = _text(table, "idle_status")
    stage = _text(table, "idle_stage")
    disposal = _text(table, "idle_disposal")

    def counted(label: str, mask: pd.Series, indent: str = "  ") -> str:
        return indent + t("summary.mu_parcels", lang, label=label, mu=labels.fmt(area[mask].sum(), "mu"),
                          n=labels.fmt(int(mask.sum()), "count"))

    def n_of(count: int) -> str:
        return labels.fmt(count, "count")

    lines = [t("summary.idle.head", lang, date=f"{as_of:%Y-%m-%d}")]
    lines += [counted(labels.value("idle_status", code, lang), status == code)
              for code in ("idle_unstarted", "idle_halted", "not_due")]
    stages = text.sep("comma", lang).join(
        t("summary.count", lang, label=labels.value("idle_stage", code, lang), n=n_of(int((stage == code).sum())))
        for code in ("suspected", "investigating", "to_be_declared", "declared", "decided"))
    lines.append("  " + t("summary.idle.procedure", lang, counts=stages))
    lines.append("  " + t("summary.idle.disposals", lang))
    lines += [counted(labels.value("idle_disposal", code, lang), disposal == code, "    ")
              for code in ("recover", "idle_fee", "negotiate")]
    fees = _num(table, "idle_fee_wan")
    fee_mask = (disposal == "idle_fee") & fees.gt(0)
    lines.append("  " + t("summary.idle.fees", lang, total=labels.fmt(fees[fee_mask].sum(), "wan"),
                          n=n_of(int(fee_mask.sum()))))
    missing_price = int(((disposal == "idle_fee") & fees.isna()).sum())
    if missing_price:
        lines.append("  " + t("summary.idle.fees_unknown", lang, n=n_of(missing_price)))
    if "next_step_date" in table.columns:
        due = table[pd.to_datetime(table["next_step_date"]).notna()].copy()
        due["_d"] = pd.to_datetime(due["next_step_date"])
        due = due[due["_d"] >= pd.Timestamp(as_of)].sort_values(["_d", "parcel_id"]).head(deadlines)
        if len(due):
            lines.append("  " + t("summary.idle.deadlines", lang))
            column = text_column("next_step", lang)
            said = due[column] if column in due else text.values("next_step", due["next_step"], lang)
            for pid, day, what in zip(due["parcel_id"], due["_d"], said, strict=True):
                lines.append(f"    {day:%Y-%m-%d}  {pid}  {what}")
    if "low_efficiency" in table:
        low = table["low_efficiency"].fillna(False).astype(bool)
        lines.append(counted(labels.column("low_efficiency", lang), low, ""))
    ranked = candidates(table, rules)
    lines.append(counted(t("summary.idle.candidates", lang), _ids(table).isin(ranked["parcel_id"]), ""))
    if len(ranked) and "tax_per_mu_wan" in table and table["tax_per_mu_wan"].notna().any():
        sc = scenario_median_tax(table, ranked["parcel_id"])
        lines.append("  " + t("summary.idle.scenario", lang, median=labels.fmt(sc["median_tax_per_mu_wan"], "wan_per_mu"),
                              before=labels.fmt(sc["park_tax_before_wan"], "wan"),
                              after=labels.fmt(sc["park_tax_after_wan"], "wan"),
                              per_mu_before=labels.fmt(sc["park_tax_per_mu_before_wan"], "wan_per_mu"),
                              per_mu_after=labels.fmt(sc["park_tax_per_mu_after_wan"], "wan_per_mu"),
                              mu=labels.fmt(sc["mu_revitalized"], "mu")))
    target = target_mu if target_mu is not None else rules.revitalization.target_mu_per_year
    year = str(as_of.year)
    if before is not None:
        progress = target_progress(before, table, rules, year=as_of.year, target_mu=target)
        if progress["target_mu"] is None:
            goal = t("summary.idle.no_target", lang)
        else:
            source = "argument" if progress["target_source"] == "argument" else "rules"
            goal = t("summary.idle.target", lang, target=labels.fmt(progress["target_mu"], "mu"),
                     source=t(f"summary.idle.target_from.{source}", lang),
                     met=t("summary.idle.met" if progress["met"] else "summary.idle.not_met", lang))
        lines.append(t("summary.idle.revitalized", lang, year=year, mu=labels.fmt(progress["revitalized_mu"], "mu"),
                       n=n_of(len(progress["parcels"])), since=str(progress["before_as_of"]), goal=goal))
    else:
        lines.append(t("summary.idle.revitalized_unknown", lang, year=year, target=t(
            "summary.idle.target_short", lang, target=labels.fmt(target, "mu")) if target is not None else ""))
    return lines


def candidates_table(table: pd.DataFrame, rules: RuleSet | Mapping) -> pd.DataFrame:
    """:func:`candidates` as a table to write beside the evaluation: the path under the
    evaluation's column name ``revitalization_path`` (its words come with the table's
    language, so the bilingual ``path_zh``/``path_en`` are left out)."""
    ranked = candidates(table, rules).rename(columns={"path": "revitalization_path"})
    return ranked.drop(columns=[c for c in ("path_zh", "path_en") if c in ranked.columns])
