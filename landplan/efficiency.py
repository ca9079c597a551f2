"""Per-mu efficiency evaluation (亩均效益评价), by parcel and by enterprise (SPEC §5, §8).

Two views of the same enterprise ledger (企业台账) for one year:

- :func:`evaluate_efficiency`, the **parcel view** (按地块评价): one row per parcel; a parcel's
  ledger rows of the year are summed as they are and divided by the parcel's area from its
  geometry.
- :func:`evaluate_enterprises`, the **enterprise view**: one row per enterprise; its rows of the
  year are summed over its parcels and the per-mu indicators use the land charged to it,
  ``land_mu`` = Σ share × parcel ``area_mu``.

Both score every unit against the benchmarks of ``rules.efficiency`` and grade it A/B/C/D.

Choices this module makes (and documents):

- **Two groups (practice.md "who is graded").** A unit is 规上 (``efficiency_group``
  ``above_scale``) when a ledger row of it that year says ``above_scale`` true, 规下
  (``below_scale``) when its rows say false; a unit whose rows record neither is scored as 规上
  and its note says so. 规上 units are scored with ``efficiency.indicators`` (黄岩 2022: six
  indicators), 规下 units with ``efficiency.below_scale`` (亩均税收 and 单位用电税收
  ``tax_per_kwh_yuan`` = 10,000 · Σ tax_wan / Σ ``electricity_kwh``); each group has its own
  park benchmarks and its own ranking (A/B/C/D by rank shares within the group).
- **Scope.** Every 规上 unit is graded whatever its land (``scope.include_above_scale``);
  ``scope.min_land_mu`` applies to 规下 units and to units whose scale is not recorded: below it
  they get indicators and a score but no class, and are left out of park benchmarks and
  ranking; ``efficiency_note`` says why. Units without ledger rows in the year have empty
  figures, indicators, score and class (never 0, never D); their ``enterprises`` count is 0 and
  ``efficiency_note`` reads ``"<year> 年无台账"`` (``efficiency_note_en``: ``"no ledger rows in <year>"``). (``scope.exclude_years_in_production_lt``
  is not applied: the ledger carries no production start date.)
- **Missing figures (``efficiency.missing``).** An indicator that cannot be computed for a unit
  (missing figures or a zero denominator) is handled as the rules file says, per indicator with
  ``default`` for the others: ``incomplete`` (the default: 数据不全, the unit is asked for the
  figure and not graded: no score, no class, ``efficiency_status`` ``incomplete``), ``zero``
  (scores 0) or ``benchmark`` (scores ``weight · min(1, cap)`` as if at the benchmark: the
  台州市黄岩区 2022 rule for the emissions of 规上 firms, the shipped setting for
  ``value_added_per_emission_wan`` only). ``efficiency_imputed`` names the indicators scored
  at the benchmark, ``efficiency_missing`` every indicator without data. When a park benchmark
  cannot be formed (no graded unit has the data) the indicator is handled as missing for every
  unit of the group. An indicator of weight 0 is never missing.
- **Caps.** ``score_i = weight · min(value / benchmark, cap)``; the shipped cap (2: at most twice
  the weight, UNCONFIRMED) keeps one outlier from scoring hundreds of points.
- **Park benchmarks** (benchmark ``null``) are ratios of sums over the units of the group
  graded that year, for each indicator over the units where numerator and denominator are
  both present and the denominator is > 0: Σ tax / Σ land, Σ VA / Σ energy, 100 · Σ R&D /
  Σ revenue …
- **Year on year.** ``<name>_yoy_pct`` = 100 · (this − previous) / \\|previous\\| when the unit has
  a non-zero value in ``year − 1`` (computed the same way, with that year's own park
  benchmarks); else empty.
- **Ledger rows on unknown parcels** are dropped before anything is summed (a warning logs
  their count). Several rows of one enterprise on one parcel-year are summed (their shares
  too).
- The enterprise view lists the enterprises with ledger rows (on known parcels) in the year,
  sorted by ``enterprise_id``.

>>> import geopandas as gpd, pandas as pd
>>> from shapely.geometry import box
>>> from landplan.rules import load_ruleset
>>> parcels = gpd.GeoDataFrame(
...     {"parcel_id": ["P1"]},
...     geometry=[box(39_500_000, 3_400_000, 39_500_100, 3_400_100)], crs="EPSG:4527")
>>> ledger = pd.DataFrame({"enterprise_id": ["E1"], "parcel_id": ["P1"], "year": [2024],
...                        "tax_wan": [300.0]})
>>> out = evaluate_efficiency(parcels, ledger, load_ruleset())
>>> float(out.loc["P1", "area_mu"]), float(out.loc["P1", "tax_per_mu_wan"])
(15.0, 20.0)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import labels
from .errors import RuleError, SchemaError
from .geometry import area_mu as _area_mu
from .labels import t, text
from .labels.text import Lang
from .ruleset import Efficiency, Indicator, RuleSet, as_ruleset
from .schema import _FALSE, _TRUE

__all__ = [
    "INDICATORS",
    "BELOW_SCALE_INDICATORS",
    "FIGURES",
    "GROUPS",
    "STATUSES",
    "MISSING_POLICIES",
    "evaluate_efficiency",
    "evaluate_enterprises",
    "park_benchmarks",
]

log = logging.getLogger(__name__)

#: Ledger figures summed per unit (SPEC §3), in output order.
FIGURES: tuple[str, ...] = (
    "tax_wan", "revenue_wan", "output_wan", "value_added_wan",
    "energy_tce", "emission_t", "rd_wan", "employees", "electricity_kwh",
)

#: The 8 indicators of SPEC §5: ``name -> (numerator, denominator, scale)``; the value is
#: ``scale · Σ numerator / Σ denominator``. The denominator ``"area_mu"`` means the unit's land:
#: the parcel's ``area_mu`` in the parcel view, the enterprise's ``land_mu`` in the enterprise view.
INDICATORS: dict[str, tuple[str, str, float]] = {
    "tax_per_mu_wan": ("tax_wan", "area_mu", 1.0),
    "output_per_mu_wan": ("output_wan", "area_mu", 1.0),
    "revenue_per_mu_wan": ("revenue_wan", "area_mu", 1.0),
    "value_added_per_mu_wan": ("value_added_wan", "area_mu", 1.0),
    "value_added_per_tce_wan": ("value_added_wan", "energy_tce", 1.0),
    "value_added_per_emission_wan": ("value_added_wan", "emission_t", 1.0),
    "rd_intensity_pct": ("rd_wan", "revenue_wan", 100.0),
    "productivity_wan_per_person": ("value_added_wan", "employees", 1.0),
}

#: The indicators of the 规下 formula (``efficiency.below_scale``, 黄岩 2022), as for INDICATORS:
#: 亩均税收 and 单位用电税收 in 元/kWh (Σ tax_wan in 元 / Σ electricity_kwh).
BELOW_SCALE_INDICATORS: dict[str, tuple[str, str, float]] = {
    "tax_per_mu_wan": INDICATORS["tax_per_mu_wan"],
    "tax_per_kwh_yuan": ("tax_wan", "electricity_kwh", 10000.0),
}
_ALL_INDICATORS = {**INDICATORS, **BELOW_SCALE_INDICATORS}

#: ``efficiency_group`` codes: 规上 and 规下, each scored and ranked on its own; and
#: ``efficiency_status`` codes (labels: ``val.efficiency_status.*`` in :mod:`landplan.labels`).
GROUPS: tuple[str, ...] = ("above_scale", "below_scale")
STATUSES: tuple[str, ...] = ("graded", "incomplete", "out_of_scope", "no_rows")
#: What an indicator without data scores (``efficiency.missing``).
MISSING_POLICIES: tuple[str, ...] = ("incomplete", "zero", "benchmark")

_SHARE_TOL = 1e-9
_NO_POS = np.zeros(0, dtype="int64")
_TEXT = ("efficiency_class", "efficiency_imputed", "efficiency_missing", "efficiency_note", "efficiency_note_en",
         "efficiency_group", "efficiency_status", "efficiency_policy_zh", "efficiency_policy_en")


# --------------------------------------------------------------------------------------------
# small vectorised helpers
# --------------------------------------------------------------------------------------------

def _group_sum(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Σ values per code 0..n-1, skipping NaN; NaN where a group has no value (min_count=1)."""
    ok = ~np.isnan(values)
    out = np.bincount(codes[ok], weights=values[ok], minlength=n).astype("float64")
    out[np.bincount(codes[ok], minlength=n) == 0] = np.nan
    return out


def _ratio(num: np.ndarray, den: np.ndarray, scale: float) -> np.ndarray:
    """``scale · num / den``; NaN where either is missing or the denominator is 0 (never inf)."""
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    bad = np.isnan(den) | (den == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = scale * num / np.where(bad, 1.0, den)
    out[bad] = np.nan
    return out


def _round_half_up(x: float) -> int:
    return int(Decimal(repr(float(x))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _float_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _text(values: np.ndarray) -> pd.Series:
    """An object array (None = missing) as a pandas "str" Series."""
    return pd.Series(values, dtype="str")


def _scored(rules: RuleSet, group: str = "above_scale") -> Mapping[str, Indicator]:
    """The scored indicators of a group: ``efficiency.indicators`` (规上) or ``efficiency.below_scale``."""
    key, known = (("indicators", INDICATORS) if group == "above_scale"
                  else ("below_scale", BELOW_SCALE_INDICATORS))
    indicators = getattr(rules.efficiency, key)
    unknown = sorted(set(indicators) - set(known))
    if unknown:
        raise RuleError(f"efficiency.{key}: unknown indicator(s) {', '.join(unknown)} "
                        f"(known: {', '.join(known)})")
    return indicators


def _missing_policy(rules: RuleSet, name: str) -> str:
    table = rules.efficiency.missing
    policy = table.get(name, table.get("default", "incomplete"))
    if policy not in MISSING_POLICIES:
        raise RuleError(f"efficiency.missing.{name if name in table else 'default'} is {policy!r}; "
                        f"expected one of {', '.join(MISSING_POLICIES)}")
    return policy


def _scale(rows: pd.DataFrame, codes: np.ndarray, n: int) -> np.ndarray:
    """Per unit: 1 规上 (a row says above_scale true), 0 规下 (rows say false), -1 not recorded,
    -2 the ledger has no above_scale column."""
    if "above_scale" not in rows.columns:
        return np.full(n, -2, dtype="int64")
    raw = rows["above_scale"]
    if raw.dtype == object or str(raw.dtype) in ("str", "string"):
        words = raw.astype("str").str.strip().str.lower()
        flag = pd.Series(np.where(words.isin(list(_TRUE)), 1.0,      # the yes/no words of an import
                                  np.where(words.isin(list(_FALSE)), 0.0, np.nan)))
    else:
        flag = pd.to_numeric(raw.astype("Float64"), errors="coerce")
    flag = flag.to_numpy(dtype="float64", na_value=np.nan)
    above = np.bincount(codes[flag == 1.0], minlength=n) > 0
    below = np.bincount(codes[flag == 0.0], minlength=n) > 0
    return np.where(above, 1, np.where(below, 0, -1)).astype("int64")


# --------------------------------------------------------------------------------------------
# ledger preparation
# --------------------------------------------------------------------------------------------

def _parcel_area(parcels: gpd.GeoDataFrame) -> np.ndarray:
    """Area in mu of every parcel from its geometry (NaN for a missing or empty one)."""
    geoms = parcels.geometry
    present = ~(geoms.isna() | geoms.is_empty).to_numpy()
    area = np.full(len(parcels), np.nan)
    if present.any():
        area[present] = _area_mu(parcels if present.all() else parcels[present]).to_numpy(dtype="float64", na_value=np.nan)
    return area


def _resolve_year(ledger: pd.DataFrame, year: int | None) -> int | None:
    if year is not None:
        return int(year)
    years = pd.to_numeric(ledger["year"], errors="coerce") if "year" in ledger else pd.Series()
    return None if years.dropna().empty else int(years.max())


def _parcel_index(parcels: gpd.GeoDataFrame) -> pd.Index:
    if "parcel_id" not in parcels.columns:
        raise SchemaError("parcels: the column parcel_id is required for the efficiency evaluation")
    ids = pd.Index(parcels["parcel_id"].astype("str"), name="parcel_id")
    if not ids.is_unique:
        dup = ids[ids.duplicated()].unique()[:5]
        raise SchemaError(f"parcels: parcel_id must be unique; repeated: {', '.join(map(str, dup))}")
    return ids


def _rows_by_year(ledger: pd.DataFrame, ids: pd.Index,
                  year: int | None) -> dict[int, tuple[pd.DataFrame, np.ndarray]]:
    """The ledger rows of ``year`` and ``year - 1`` on known parcels, with their parcel positions.

    Rows on parcels not in ``ids`` are dropped; a warning logs how many there are in ``year``.
    """
    for col in ("parcel_id", "year"):
        if col not in ledger.columns:
            raise SchemaError(f"ledger: the column {col} is required for the efficiency evaluation")
    if year is None:
        return {}
    years = pd.to_numeric(ledger["year"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    keep = (years == year) | (years == year - 1)
    rows = ledger[keep]
    row_year = years[keep]
    pos = ids.get_indexer(rows["parcel_id"].astype("str")).astype("int64")
    unknown = (pos < 0) & (row_year == year)
    if unknown.any():
        missing = rows["parcel_id"][unknown].astype("str").unique()[:5]
        log.warning("ledger %d: %d row(s) on parcels not in the parcels layer (e.g. %s) are "
                    "left out of every figure", year, int(unknown.sum()), ", ".join(missing))
    out = {}
    for y in (year, year - 1):
        sel = (row_year == y) & (pos >= 0)
        out[y] = (rows[sel], pos[sel])
    return out


# --------------------------------------------------------------------------------------------
# benchmarks, scores and classes
# --------------------------------------------------------------------------------------------

def park_benchmarks(units: pd.DataFrame, rules: RuleSet | Mapping, *, group: str = "above_scale") -> dict[str, float]:
    """The benchmark of every scored indicator: the rules value, or the park value when null.

    The park value (SPEC §8) is the ratio of sums over ``units``: for each indicator, over the
    units whose numerator and denominator are both present with a denominator > 0, e.g.
    Σ tax_wan / Σ area_mu or 100 · Σ rd_wan / Σ revenue_wan.

    Parameters
    ----------
    units : DataFrame
        One row per **evaluated** unit with the summed figures (:data:`FIGURES`) and its land:
        ``land_mu`` when the column exists (enterprise view), else ``area_mu`` (parcel view).
        Pass only the units that are graded (in scope, complete, with ledger rows that year).
    rules : RuleSet
        The rules (:func:`landplan.rules.load_ruleset`; a rules dict is accepted, deprecated); ``efficiency.indicators`` is used.
    group : {"above_scale", "below_scale"}
        The formula: ``efficiency.indicators`` (规上) or ``efficiency.below_scale`` (规下).

    Returns
    -------
    dict
        ``{indicator: benchmark}`` for each indicator of the group's formula; NaN when a park
        value cannot be formed (no unit has the data).

    Examples
    --------
    >>> from landplan.rules import load_ruleset
    >>> units = pd.DataFrame({"tax_wan": [10.0, 50.0], "area_mu": [5.0, 15.0]})
    >>> park_benchmarks(units, load_ruleset())["tax_per_mu_wan"]
    3.0
    """
    rules = as_ruleset(rules)
    land = "land_mu" if "land_mu" in units.columns else "area_mu"
    out: dict[str, float] = {}
    for name, spec in _scored(rules, group).items():
        if spec.benchmark is not None:
            out[name] = float(spec.benchmark)
            continue
        num_col, den_col, scale = _ALL_INDICATORS[name]
        num = _float_column(units, num_col)
        den = _float_column(units, land if den_col == "area_mu" else den_col)
        ok = ~np.isnan(num) & ~np.isnan(den) & (den > 0)
        out[name] = float(scale * num[ok].sum() / den[ok].sum()) if ok.any() else float("nan")
    return out


def _classes(score: np.ndarray, ids: np.ndarray, graded: np.ndarray, rules: RuleSet) -> np.ndarray:
    """A/B/C/D for graded units (object array, None elsewhere)."""
    cls = np.full(len(score), None, dtype=object)
    spec = rules.efficiency.classes
    if not graded.any():
        return cls
    if spec.method == "score":
        cut = spec.cutoffs
        s = score[graded]
        cls[graded] = np.select([s >= cut["A"], s >= cut["B"], s >= cut["C"]],
                                ["A", "B", "C"], "D").astype(object)
        return cls
    # share: rank graded units by score descending, ties by id ascending
    where = np.flatnonzero(graded)
    s = score[where]
    order = np.argsort(-s, kind="stable")
    ranked = s[order]
    same = ranked[1:] == ranked[:-1]
    if same.any():  # re-sort the runs of equal scores by id (the runs stay in place)
        tied = np.flatnonzero(np.r_[same, False] | np.r_[False, same])
        sub = order[tied]
        resort = (pd.DataFrame({"s": s[sub], "id": ids[where[sub]]})
                  .sort_values(["s", "id"], ascending=[False, True], kind="mergesort"))
        order[tied] = sub[resort.index.to_numpy()]
    n = len(where)
    left = n
    labels = np.full(n, "D", dtype=object)
    start = 0
    for letter in "ABC":
        k = min(_round_half_up(float(spec.shares[letter]) * n), left)
        labels[start:start + k] = letter
        start += k
        left -= k
    cls[where[order]] = labels
    return cls


def _names(code: np.ndarray, names: list[str]) -> np.ndarray:
    """Comma-joined names of the bits set in each ``code`` (object array)."""
    table = np.full(int(code.max(initial=0)) + 1, None, dtype=object)
    for c in pd.unique(code):
        table[c] = ",".join(nm for b, nm in enumerate(names) if c >> b & 1)
    return table[code]


def _score_group(cols: dict[str, np.ndarray], units: pd.DataFrame, members: np.ndarray,
                 candidates: np.ndarray, rules: RuleSet, year: int | None,
                 group: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, float]]:
    """Score the ``members`` of one group: ``(score, incomplete, imputed code, missing code,
    benchmarks)``; benchmarks over the complete ``candidates`` (graded units)."""
    n = len(members)
    scored = _scored(rules, group)
    names = list(scored)
    weights = {nm: float(scored[nm].weight) for nm in names}
    policy = {nm: _missing_policy(rules, nm) for nm in names}
    lacking = {nm: np.isnan(cols[nm]) & (weights[nm] > 0) for nm in names}
    incomplete = np.zeros(n, dtype=bool)
    for nm in names:
        if policy[nm] == "incomplete":
            incomplete |= lacking[nm]
    graded = candidates & members & ~incomplete
    bench = park_benchmarks(units[graded], rules, group=group)

    score = np.zeros(n)
    imputed = np.zeros(n, dtype="int64")
    missing = np.zeros(n, dtype="int64")
    for bit, nm in enumerate(names):
        cap = scored[nm].cap
        cap = np.inf if cap is None else float(cap)
        b = bench[nm]
        if b > 0:
            gap = lacking[nm]
            ratio = np.clip(np.where(gap, 0.0, cols[nm]) / b, 0.0, cap)
        else:  # no graded unit has the data (or none is graded: then only what each lacks)
            if graded.any() and weights[nm] > 0:
                log.warning("efficiency %s: no park benchmark for %s of the %s group (no graded unit "
                            "has the data); every unit's %s is handled as missing (efficiency.missing)",
                            year, nm, group, nm)
            gap = np.full(n, weights[nm] > 0) if graded.any() else lacking[nm]
            ratio = np.zeros(n)
            if policy[nm] == "incomplete":
                incomplete |= gap
        at_bench = gap & (policy[nm] == "benchmark")
        ratio = np.where(at_bench, min(1.0, cap), ratio)
        score += weights[nm] * ratio
        imputed |= at_bench.astype("int64") << bit
        missing |= gap.astype("int64") << bit
    score[incomplete] = np.nan
    return score, incomplete, imputed, missing, bench


def _notes(has_rows: np.ndarray, in_scope: np.ndarray, incomplete: np.ndarray, missing: np.ndarray,
           scale: np.ndarray, land: np.ndarray, min_land: float, year: int | None,
           eff: Efficiency) -> tuple[np.ndarray, np.ndarray]:
    """``efficiency_note`` in Chinese and English: why a unit is not graded (below the scope's
    land, land unknown, incomplete data and what is missing, no ledger rows) and how an
    unrecorded scale was scored; ``""`` for a graded unit."""
    n = len(has_rows)
    below = has_rows & ~in_scope
    source = Lang(t("src.efficiency_scope", "zh"), t("src.efficiency_scope", "en"))
    scope = text.pair_cases(
        n, (below & np.isnan(land), "reason.efficiency.land_unknown", {"source": source}),
        (below, "reason.efficiency.small_land", {"minimum": labels.fmt(min_land, "mu"), "source": source,
                                                 "mark": text.rule_mark(eff.scope.min_land_mu,
                                                                        "efficiency.scope.min_land_mu")}))
    lacking = has_rows & incomplete
    gaps = text.pair_cases(n, (lacking, "reason.efficiency.incomplete", {"missing": Lang(
        *(text.value_lists("efficiency_indicator", np.where(lacking, missing, ""), lang) for lang in ("zh", "en")))}))
    scale_note = text.pair_cases(n, (has_rows & (scale == -1), "reason.efficiency.scale_unrecorded", {}))
    out = []
    for i, lang in enumerate(("zh", "en")):
        note = text.clauses([scope[i], gaps[i], scale_note[i]], lang)
        note = np.asarray(note, dtype=object) if n else np.full(0, "", dtype=object)
        note[~has_rows] = (t("reason.efficiency.no_rows", lang, year=str(year)) if year is not None
                           else t("reason.efficiency.no_ledger", lang))
        out.append(note)
    return out[0], out[1]


def _score_units(sums: dict[str, np.ndarray], land: np.ndarray, has_rows: np.ndarray,
                 scale: np.ndarray, ids: np.ndarray, rules: RuleSet, year: int | None, *,
                 land_name: str) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """Indicators, group, score, class and notes for units with summed ``sums`` and ``land``;
    ``scale`` per unit: 1 规上, 0 规下, -1 not recorded, -2 no such column (both scored as 规上)."""
    n = len(land)
    eff = rules.efficiency
    cols: dict[str, Any] = {}
    values = {**sums, "area_mu": land}
    for name, (num, den, factor) in _ALL_INDICATORS.items():
        cols[name] = _ratio(values[num], values[den], factor)

    min_land = eff.scope.min_land_mu
    min_land = 0.0 if min_land is None else float(min_land)
    exempt = (scale == 1) & bool(eff.scope.include_above_scale)
    in_scope = exempt | (land >= min_land)
    candidates = has_rows & in_scope
    units = pd.DataFrame({**sums, land_name: land})

    score = np.full(n, np.nan)
    incomplete = np.zeros(n, dtype=bool)
    imputed = np.full(n, None, dtype=object)
    missing = np.full(n, None, dtype=object)
    cls = np.full(n, None, dtype=object)
    benches: dict[str, dict[str, float]] = {}
    above = scale != 0
    for group, members in (("above_scale", above), ("below_scale", ~above)):
        g_score, g_inc, g_imp, g_miss, bench = _score_group(cols, units, members, candidates, rules,
                                                            year, group)
        benches[group] = bench
        score[members] = g_score[members]
        incomplete |= g_inc & members
        names = list(_scored(rules, group))
        imputed[members] = _names(g_imp, names)[members]
        missing[members] = _names(g_miss, names)[members]
        graded = candidates & members & ~g_inc
        cls[graded] = _classes(score, ids, graded, rules)[graded]
    score[~has_rows] = np.nan
    imputed[~has_rows] = None
    missing[~has_rows] = None

    notes = _notes(has_rows, in_scope, incomplete, missing, scale, land, min_land, year, eff)
    group_code = np.where(above, "above_scale", "below_scale").astype(object)
    group_code[~has_rows] = None
    status = np.select([~has_rows, ~in_scope, incomplete], ["no_rows", "out_of_scope", "incomplete"],
                       "graded").astype(object)

    policies = eff.policies
    pol_zh = np.full(n, None, dtype=object)
    pol_en = np.full(n, None, dtype=object)
    for letter in "ABCD":
        hit = cls == letter
        pol = policies.get(letter) or {}
        pol_zh[hit] = pol.get("zh")
        pol_en[hit] = pol.get("en")

    cols.update(efficiency_score=score, efficiency_class=cls, efficiency_group=group_code,
                efficiency_status=status, efficiency_imputed=imputed, efficiency_missing=missing,
                efficiency_note=notes[0], efficiency_note_en=notes[1], efficiency_policy_zh=pol_zh,
                efficiency_policy_en=pol_en)
    return cols, benches


# --------------------------------------------------------------------------------------------
# the two views
# --------------------------------------------------------------------------------------------

def _parcel_year(ids: pd.Index, area: np.ndarray, rows: pd.DataFrame, pos: np.ndarray,
                 rules: RuleSet | Mapping, year: int | None) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    # landplan.trends calls this with the rules it was given (a dict accepted, deprecated)
    rules = as_ruleset(rules)
    n = len(ids)
    sums = {f: _group_sum(pos, _float_column(rows, f), n) for f in FIGURES}
    if "enterprise_id" in rows.columns:
        ent = np.asarray(pd.factorize(rows["enterprise_id"])[0], dtype="int64")
        ok = ent >= 0
        width = int(ent.max()) + 1 if ok.any() else 1
        pairs = pd.unique(pos[ok] * width + ent[ok]) // width
    else:
        pairs = pos
    enterprises = np.bincount(pairs, minlength=n)
    has_rows = np.bincount(pos, minlength=n) > 0
    cols, bench = _score_units(sums, area, has_rows, _scale(rows, pos, n), ids.to_numpy(), rules, year,
                               land_name="area_mu")
    base = {"year": np.full(n, np.nan if year is None else year), "area_mu": area,
            "enterprises": enterprises, **sums}
    return {**base, **cols}, bench


def _enterprise_year(ids: pd.Index, area: np.ndarray, rows: pd.DataFrame, pos: np.ndarray,
                     rules: RuleSet | Mapping, year: int | None, *,
                     warn: bool) -> tuple[pd.Index, dict[str, Any], dict[str, dict[str, float]]]:
    rules = as_ruleset(rules)  # as _parcel_year
    ent, uniq = pd.factorize(rows["enterprise_id"].astype("str"), sort=True)
    ent = np.asarray(ent, dtype="int64")
    if (ent < 0).any():
        if warn:
            log.warning("ledger %s: %d row(s) without enterprise_id are left out of the "
                        "enterprise view", year, int((ent < 0).sum()))
        keep = ent >= 0
        rows, pos, ent = rows[keep], pos[keep], ent[keep]
    m = len(uniq)
    eids = pd.Index(np.asarray(uniq, dtype=object), name="enterprise_id").astype("str")

    # land: one share per enterprise × parcel (rows of the same pair are summed)
    width = max(m, 1)
    pair, pair_key = pd.factorize(pos * width + ent)
    pair = np.asarray(pair, dtype="int64")
    pair_key = np.asarray(pair_key, dtype="int64")
    pair_p, pair_e = pair_key // width, pair_key % width
    k = len(pair_key)
    share = _group_sum(pair, _float_column(rows, "share"), k)
    given = np.isfinite(share)
    n = len(ids)
    given_sum = np.bincount(pair_p, weights=np.where(given, share, 0.0), minlength=n)
    over = np.flatnonzero(given_sum > 1.0 + _SHARE_TOL)
    if len(over):
        listed = ", ".join(f"{ids[i]} ({given_sum[i]:.6g})" for i in over[:5])
        more = f" and {len(over) - 5} more" if len(over) > 5 else ""
        raise SchemaError(f"ledger {year}: the shares of parcel {listed}{more} sum to more than "
                          "1; a parcel's shares in a year must sum to at most 1")
    n_empty = np.bincount(pair_p, weights=(~given).astype("float64"), minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = np.maximum(1.0 - given_sum, 0.0) / n_empty
    eff_share = np.where(given, share, rest[pair_p])
    land = _group_sum(pair_e, eff_share * area[pair_p], m)
    full = _group_sum(pair_e, area[pair_p], m)
    n_parcels = np.bincount(pair_e, minlength=m)

    sums = {f: _group_sum(ent, _float_column(rows, f), m) for f in FIGURES}
    has_rows = np.ones(m, dtype=bool)
    cols, bench = _score_units(sums, land, has_rows, _scale(rows, ent, m), eids.to_numpy(), rules, year,
                               land_name="land_mu")
    if "name" in rows.columns:
        names = rows["name"].astype("str").groupby(ent).first().reindex(range(m)).to_numpy()
    else:
        names = np.full(m, None, dtype=object)
    base = {"name": names, "year": np.full(m, np.nan if year is None else year),
            "parcels": n_parcels, "land_mu": land, "area_mu": full, **sums}
    return eids, {**base, **cols}, bench


def _yoy(this: dict[str, Any], prev: dict[str, Any], index: pd.Index,
         prev_index: pd.Index) -> dict[str, np.ndarray]:
    align = prev_index.get_indexer(index)
    out = {}
    for name in (*INDICATORS, "efficiency_score"):
        prev_v = np.asarray(prev[name], dtype="float64")
        before = np.where(align >= 0, prev_v[np.maximum(align, 0)], np.nan) if len(prev_v) \
            else np.full(len(index), np.nan)
        now = np.asarray(this[name], dtype="float64")
        out[f"{name}_yoy_pct"] = _ratio(now - before, np.abs(before), 100.0)
    return out


def _frame(index: pd.Index, cols: dict[str, Any], counts: tuple[str, ...]) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    for name, values in cols.items():
        if name in _TEXT or name == "name":
            series = _text(values)
        elif name in counts or name == "year":
            series = pd.Series(values).astype("Int64") if name != "year" else \
                pd.Series(pd.array(values, dtype="Float64")).astype("Int64")
        else:
            series = pd.Series(np.asarray(values, dtype="float64"))
        data[name] = series.set_axis(index)
    return pd.DataFrame(data, index=index)


def evaluate_efficiency(parcels: gpd.GeoDataFrame, ledger: pd.DataFrame, rules: RuleSet | Mapping, *,
                        year: int | None = None) -> pd.DataFrame:
    """Per-mu efficiency of every parcel (按地块评价) for one ledger year.

    A parcel's ledger rows of the year are summed as they are (all-missing stays empty),
    divided by the parcel's area from its geometry, scored against the benchmarks and graded
    (see the module docstring for the documented choices). Inputs are never modified.

    Parameters
    ----------
    parcels : GeoDataFrame
        Parcels with a unique ``parcel_id``; ``area_mu`` is measured from the geometry in the
        metric CRS (:func:`landplan.geometry.area_mu`).
    ledger : DataFrame
        The enterprise ledger (SPEC §3): ``parcel_id``, ``year``, ``enterprise_id`` and the
        figures; a missing figure column counts as empty. Rows on parcels not in ``parcels``
        are left out (a warning logs their count).
    rules : RuleSet
        The rules (:func:`landplan.rules.load_ruleset`; a rules dict is accepted, deprecated); the ``efficiency`` block is used.
    year : int, optional
        Ledger year; default the latest year in the ledger.

    Returns
    -------
    DataFrame
        Indexed by ``parcel_id`` in ``parcels`` order, one row per parcel: ``year``,
        ``area_mu``, ``enterprises`` (Int64), the summed :data:`FIGURES`, the 8
        :data:`INDICATORS` and ``tax_per_kwh_yuan``, ``efficiency_score`` (NaN when
        incomplete), ``efficiency_class`` (A/B/C/D or NA, ranked within the group),
        ``efficiency_group`` (:data:`GROUPS`), ``efficiency_status`` (:data:`STATUSES`),
        ``efficiency_imputed``, ``efficiency_missing``, ``efficiency_note``,
        ``efficiency_policy_zh``, ``efficiency_policy_en`` and ``<indicator>_yoy_pct`` /
        ``efficiency_score_yoy_pct``. ``frame.attrs["efficiency_benchmarks"]`` holds the 规上
        benchmarks used, ``frame.attrs["efficiency_benchmarks_below_scale"]`` the 规下 ones.

    See Also
    --------
    evaluate_enterprises : the enterprise view.
    park_benchmarks : how null benchmarks become park values.
    """
    rules = as_ruleset(rules)
    ids = _parcel_index(parcels)
    area = _parcel_area(parcels)
    yr = _resolve_year(ledger, year)
    by_year = _rows_by_year(ledger, ids, yr)
    cols, bench = _parcel_year(ids, area, *by_year.get(yr, (ledger.iloc[:0], _NO_POS)), rules, yr)
    if yr is not None:
        prev, _ = _parcel_year(ids, area, *by_year[yr - 1], rules, yr - 1)
        cols.update(_yoy(cols, prev, ids, ids))
    else:
        cols.update(_yoy(cols, {k: np.zeros(0) for k in cols}, ids, ids[:0]))
    out = _frame(ids, cols, counts=("enterprises",))
    out.attrs["efficiency_benchmarks"] = bench["above_scale"]
    out.attrs["efficiency_benchmarks_below_scale"] = bench["below_scale"]
    log.info("efficiency %s: %d parcels, %d graded", yr, len(out),
             int(out["efficiency_class"].notna().sum()))
    return out


def evaluate_enterprises(parcels: gpd.GeoDataFrame, ledger: pd.DataFrame, rules: RuleSet | Mapping, *,
                         year: int | None = None) -> pd.DataFrame:
    """Per-mu efficiency of every enterprise with ledger rows in one year.

    An enterprise's figures are summed over its parcels; its land is
    ``land_mu = Σ share × parcel area_mu``. An empty share takes the parcel's remaining share
    (1 − Σ given shares of that parcel-year, floored at 0) split equally among that
    parcel-year's enterprises without a share (all empty → 1/n each). Per-mu indicators use
    ``land_mu``. Inputs are never modified.

    Parameters
    ----------
    parcels, ledger, rules, year
        As for :func:`evaluate_efficiency`.

    Returns
    -------
    DataFrame
        Indexed by ``enterprise_id`` (sorted): ``name``, ``year``, ``parcels`` (Int64),
        ``land_mu``, ``area_mu`` (Σ full area of its parcels), the summed :data:`FIGURES`,
        the indicators, score, class, notes, policies and year-on-year columns as in
        :func:`evaluate_efficiency`.

    Raises
    ------
    SchemaError
        When the given shares of one parcel-year sum to more than 1 (naming parcel and year).
    """
    rules = as_ruleset(rules)
    ids = _parcel_index(parcels)
    area = _parcel_area(parcels)
    yr = _resolve_year(ledger, year)
    if "enterprise_id" not in ledger.columns:
        raise SchemaError("ledger: the column enterprise_id is required for the enterprise view")
    by_year = _rows_by_year(ledger, ids, yr)
    eids, cols, bench = _enterprise_year(ids, area, *by_year.get(yr, (ledger.iloc[:0], _NO_POS)),
                                         rules, yr, warn=True)
    if yr is not None:
        prev_ids, prev, _ = _enterprise_year(ids, area, *by_year[yr - 1], rules, yr - 1,
                                             warn=False)
        cols.update(_yoy(cols, prev, eids, prev_ids))
    else:
        cols.update(_yoy(cols, {k: np.zeros(0) for k in cols}, eids, eids[:0]))
    out = _frame(eids, cols, counts=("parcels",))
    out.attrs["efficiency_benchmarks"] = bench["above_scale"]
    out.attrs["efficiency_benchmarks_below_scale"] = bench["below_scale"]
    log.info("efficiency %s: %d enterprises, %d graded", yr, len(out),
             int(out["efficiency_class"].notna().sum()))
    return out
