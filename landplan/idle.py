"""Idle land (闲置土地) evaluation at an evaluation date (SPEC §5, §8; 53号令 Art. 2, 5, 8, 9, 12, 14, 15, 17, 22).

:func:`evaluate_idle` gives one row per parcel (index ``parcel_id``, parcels in their order)
with the idle-land status the data show, the stage of the procedure, since when idleness counts
and from which date, how long it has lasted, the cause, the disposal, the idle-land fee, the
reason (figures, control values, articles), the next step of the procedure (a code, its legal
deadline and a bilingual text for a clerk) and the problems found in the parcel's inputs.

The rule of SPEC §8, at evaluation date A ("+ n years" is the calendar anniversary, 29 Feb →
28 Feb, see :func:`add_years`):

- **start date (Art. 22)**: ``agreed_start_date``; where the contract sets none, the day the
  land was handed over (``delivery_date``, 交地日期), and where that is not recorded either,
  ``supply_date`` (the fallbacks of ``idle.start_date_fallback``). ``start_date_basis`` names
  the column used (``agreed_start_date``, ``delivery_date``, ``supply_date``) and the reason
  text says so. Of :func:`start_dates`, which 供而未用 (:mod:`landplan.lifecycle`) uses too.
- status ``reserve`` or no start date → ``not_applicable``;
- not started by A (no ``actual_start_date``, or one after A): ``not_idle`` if A < start,
  ``not_due`` if A < start + ``idle_after_years``, else ``idle_unstarted``;
- started, ``halted_since`` set and (developed_area_m2 < ``developed_share_min`` · area_m2 or
  invested_wan < ``invested_share_min`` · agreed_investment_wan): ``not_due`` if A <
  halted_since + ``idle_after_years``, else ``idle_halted``;
- otherwise ``not_idle``.

Disposal (``idle_*`` only): cause ``government`` or ``force_majeure`` → ``negotiate``; else
``recover`` when A ≥ start + ``recover_after_years``; else ``idle_fee`` with idle_fee_wan =
``fee_rate`` · land_price_wan. Every other parcel: ``none`` and 0. Art. 14 speaks of land "满二年未
动工开发"; counting the two years of *halted* land from the halt is an interpretation
(practice.md): the texts say so, and ``idle.recover_halted_from_halt: false`` leaves halted
land at the fee.

**A finding, not a decision.** Land is idle in law by a 《闲置土地认定书》 after an
investigation (Art. 5, 9). ``idle_*`` is what the data show; ``idle_stage`` says where the
procedure stands, from the optional dates ``investigation_notice_date`` (调查通知书, Art. 5),
``idle_declared_date`` (认定书, Art. 9) and ``disposal_decision_date`` (征缴土地闲置费 / 收回
决定书, Art. 14), each counted only when on or before A:

==================  ===================================================  ==================================
idle_stage          when                                                 next_step (next_step_date)
==================  ===================================================  ==================================
``suspected``       no notice: 疑似闲置                                  ``investigate`` (—)
``investigating``   notice served, A ≤ notice + ``procedure.reply_days``  ``reply_due`` (notice + reply_days)
``to_be_declared``  reply period over, no 认定书: 应认定为闲置          ``declare`` (—)
``declared``        认定书 issued: 已认定闲置                           ``fee_decision`` / ``hearing_notice``
                                                                         (Art. 15) / ``negotiate`` (—)
``decided``         decision issued                                      ``pay_fee`` (decision +
                                                                         ``procedure.payment_days``, Art. 17)
                                                                         / ``recovery_decided`` /
                                                                         ``implement_plan`` (—)
==================  ===================================================  ==================================

The kind of a recorded decision is the disposal at its date (a fee before start +
``recover_after_years``, recovery from then on; negotiation for government causes). Other
parcels: ``idle_stage`` empty, next step ``becomes_idle`` (not_due, or not_idle with the start
ahead: the parcel becomes idle on next_step_date if still not started / still halted) or
``none``. Before the decision the texts give the outlook: the fee, and the day recovery becomes
possible.

Choices this module makes (and documents):

- **Thresholds come from the rules** (``rules.idle``), never from literals; the comparisons
  are strict (``<``), so developed area of exactly the share (or investment of exactly the
  share) is *not* below it.
- **A test without data is false.** ``developed_area_m2 < share · area_m2`` is false when the
  developed area (or the area) is missing, and likewise the investment test when
  ``invested_wan`` or ``agreed_investment_wan`` is missing. So only a test that can be
  evaluated can make a halted parcel idle; a halted parcel with neither figure is
  ``not_idle`` (its ``idle_input_problems`` do not mention it: missing optional data is
  normal, SPEC §3).
- **area_m2** is measured from the geometry in the metric CRS of the data (SPEC §4, the CRS
  :func:`landplan.geometry.area_m2` would use), and only for the parcels whose developed-area
  test is needed.
- **idle_since** is the date idleness starts counting (the start date for the unstarted
  branch, halted_since for the halted branch) for ``idle_*`` and ``not_due`` parcels; empty
  otherwise. **idle_years** = days from idle_since to A / 365.25 for ``idle_*`` only, else 0.
- **idle_cause** is canonicalised (``enterprise``, ``government``, ``force_majeure``; Chinese
  spellings accepted as on import); empty is ``enterprise`` (SPEC §3), and an unrecognised
  value is reported and taken as ``enterprise``.
- **idle_fee_wan** is empty (NaN) for an ``idle_fee`` parcel without land price; the fee of a
  negative price is computed as given (and the price is reported).
- **Procedure dates** after A are not yet in effect at A (an evaluation of a past date);
  a procedure date of a parcel the data do not find idle gives no stage.
- **Bad inputs never stop the evaluation.** Each parcel is evaluated on its data as given;
  :func:`check_idle_inputs` and the column ``idle_input_problems`` report: an actual or agreed
  start or a delivery before supply_date, agreed completion before agreed start, a negative land
  price, a halted date after A, an actual start after A (allowed: SPEC §8 treats it as not
  started), an unrecognised idle_cause, a 认定书 before its investigation notice or a decision
  before its 认定书, and a date that cannot be read (taken as empty).

Not modelled: the Art. 8 checks of a government cause (the cause is taken as recorded), the
Art. 12 options beyond their limits, the hearing's own time limits, the 1999 rules and local
rules stricter than the decree (set their figures in the rules file).

Everything is vectorised (numpy, pyarrow); no Python loop runs over parcels.

>>> import datetime as dt, geopandas as gpd, pandas as pd
>>> from shapely.geometry import box
>>> from landplan.rules import load_ruleset
>>> parcels = gpd.GeoDataFrame(
...     {"parcel_id": ["P1"], "status": ["supplied"],
...      "agreed_start_date": pd.to_datetime(["2024-02-29"]), "land_price_wan": [1000.0]},
...     geometry=[box(39_500_000, 3_400_000, 39_500_100, 3_400_100)], crs="EPSG:4527")
>>> out = evaluate_idle(parcels, load_ruleset(), as_of=dt.date(2025, 2, 28))
>>> out.loc["P1", "idle_status"], out.loc["P1", "idle_stage"], out.loc["P1", "next_step"]
('idle_unstarted', 'suspected', 'investigate')
>>> out.loc["P1", "idle_disposal"], float(out.loc["P1", "idle_fee_wan"])
('idle_fee', 200.0)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from . import labels
from .crs import metric_crs
from .labels import fmt, t, text
from .labels.text import Lang
from .ruleset import Idle, RuleSet, as_ruleset
from .schema import _ENUM_TABLES, _norm_text

__all__ = ["IDLE_STATUSES", "IDLE_STAGES", "IDLE_DISPOSALS", "NEXT_STEPS", "START_BASES",
           "IDLE_COLUMNS", "evaluate_idle", "start_dates", "add_years", "check_idle_inputs"]

#: idle_status values, in code order.
IDLE_STATUSES: tuple[str, ...] = ("not_applicable", "not_idle", "not_due", "idle_unstarted",
                                  "idle_halted")
#: idle_stage values (the procedure of 53号令 Chapter 2), in code order; "" = not idle.
IDLE_STAGES: tuple[str, ...] = ("", "suspected", "investigating", "to_be_declared", "declared",
                                "decided")
#: idle_disposal values, in code order.
IDLE_DISPOSALS: tuple[str, ...] = ("none", "idle_fee", "recover", "negotiate")
#: next_step codes.
NEXT_STEPS: tuple[str, ...] = ("none", "becomes_idle", "investigate", "reply_due", "declare",
                               "fee_decision", "hearing_notice", "negotiate", "pay_fee",
                               "recovery_decided", "implement_plan")
#: start_date_basis values: the column the start date is taken from (Art. 22); "" = none.
START_BASES: tuple[str, ...] = ("", "agreed_start_date", "delivery_date", "supply_date")
#: Output columns of :func:`evaluate_idle`, in order.
IDLE_COLUMNS: tuple[str, ...] = (
    "idle_status", "idle_stage", "idle_since", "start_date_basis", "idle_years", "idle_cause",
    "idle_disposal", "idle_fee_wan", "idle_reason_zh", "idle_reason_en", "next_step",
    "next_step_date", "next_step_zh", "next_step_en", "idle_input_problems", "idle_input_problems_en")

_NA, _NOT_IDLE, _NOT_DUE, _UNSTARTED, _HALTED = range(5)
_NO_STAGE, _SUSPECTED, _INVESTIGATING, _TO_DECLARE, _DECLARED, _DECIDED = range(6)
_NONE, _FEE, _RECOVER, _NEGOTIATE = range(4)
(_S_NONE, _S_BECOMES, _S_INVESTIGATE, _S_REPLY, _S_DECLARE, _S_FEE_DECISION, _S_HEARING,
 _S_NEGOTIATE, _S_PAY, _S_RECOVERED, _S_PLAN) = range(11)
_NAT = np.datetime64("NaT", "D")
_DATE_COLUMNS = ("supply_date", "agreed_start_date", "agreed_completion_date",
                 "actual_start_date", "halted_since", "delivery_date",
                 "investigation_notice_date", "idle_declared_date", "disposal_decision_date")


# --------------------------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------------------------

def _add_years_days(days: np.ndarray, years: int) -> np.ndarray:
    """``days`` (datetime64[D]) + ``years`` calendar years; 29 Feb → 28 Feb; NaT stays NaT."""
    days = np.asarray(days, dtype="datetime64[D]")
    out = np.full(days.shape, _NAT)
    ok = ~np.isnat(days)
    x = days[ok]
    year = x.astype("datetime64[Y]")
    month_start = x.astype("datetime64[M]")
    day0 = (x - month_start.astype("datetime64[D]")).astype("int64")          # 0-based day
    month0 = (month_start - year.astype("datetime64[M]")).astype("int64")     # 0-based month
    new_month = (year + int(years)).astype("datetime64[M]") + month0
    first = new_month.astype("datetime64[D]")
    month_len = ((new_month + 1).astype("datetime64[D]") - first).astype("int64")
    out[ok] = first + np.minimum(day0, month_len - 1)
    return out


def _to_days(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Values as datetime64[D] (NaT when empty) and a mask of non-empty values that are no date."""
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return s.to_numpy().astype("datetime64[D]"), np.zeros(len(s), dtype=bool)
    present = s.notna().to_numpy()
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        text = s.astype("str").str.strip()
        present = present & (text != "").to_numpy()
    conv = pd.to_datetime(s.where(present, None), errors="coerce", format="mixed")
    if isinstance(conv.dtype, pd.DatetimeTZDtype):
        conv = conv.dt.tz_localize(None)
    days = conv.to_numpy().astype("datetime64[D]")
    return days, present & np.isnat(days)


def add_years(dates: pd.Series, years: int) -> pd.Series:
    """Calendar anniversary: each date plus ``years`` whole years (29 Feb → 28 Feb).

    Parameters
    ----------
    dates : pandas.Series
        Dates (datetime64, ``datetime.date`` objects or ISO strings); empty values stay empty
        and a time of day is dropped.
    years : int
        Whole years to add (may be negative).

    Returns
    -------
    pandas.Series
        ``datetime64[ms]`` dates with the index and name of ``dates``; NaT where the input is
        empty or no date.

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2024-02-29", "2023-06-30", None]))
    >>> [str(d.date()) if pd.notna(d) else None for d in add_years(s, 1)]
    ['2025-02-28', '2024-06-30', None]
    >>> str(add_years(s, 4).iloc[0].date())
    '2028-02-29'
    """
    days, _bad = _to_days(dates)
    out = _add_years_days(days, years).astype("datetime64[ms]")
    return pd.Series(out, index=dates.index, name=dates.name)


# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------

def _date_text(days: np.ndarray) -> pa.Array:
    """ISO dates (``2026-06-30``) of datetime64[D] values."""
    return pa.array(np.asarray(days, dtype="datetime64[D]")).cast(pa.string())


def _float_column(parcels: pd.DataFrame, name: str) -> np.ndarray:
    if name not in parcels.columns:
        return np.full(len(parcels), np.nan)
    return pd.to_numeric(parcels[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _enum_codes(parcels: pd.DataFrame, name: str, enum: str) -> tuple[np.ndarray, np.ndarray]:
    """Canonical codes of an enum column (``""`` when empty) and a mask of unknown values.

    The lookup runs over the distinct values only, not over parcels.
    """
    n = len(parcels)
    if name not in parcels.columns:
        return np.full(n, "", dtype=object), np.zeros(n, dtype=bool)
    codes, uniques = pd.factorize(parcels[name], use_na_sentinel=True)
    table = _ENUM_TABLES[enum]
    canon = np.array([table.get(_norm_text(u), None) if _norm_text(u) else "" for u in uniques]
                     + [""], dtype=object)
    mapped = canon[codes]                       # code -1 (empty) takes the last entry, ""
    unknown = np.array([c is None for c in canon], dtype=bool)[codes]
    mapped[unknown] = ""
    return mapped, unknown


class _Inputs:
    """The columns the rule needs, as numpy arrays, and the problems found in them."""

    def __init__(self, parcels: pd.DataFrame, as_of: dt.date) -> None:
        n = len(parcels)
        self.n = n
        self.as_of = np.datetime64(pd.Timestamp(as_of).date().isoformat(), "D")
        self.ids = (parcels["parcel_id"].astype("str").to_numpy(dtype=object)
                    if "parcel_id" in parcels.columns else np.arange(1, n + 1).astype(str))
        bad_dates = {}
        for col in _DATE_COLUMNS:
            if col in parcels.columns:
                days, bad = _to_days(parcels[col])
            else:
                days, bad = np.full(n, _NAT), np.zeros(n, dtype=bool)
            setattr(self, col, days)
            bad_dates[col] = bad
        self.price = _float_column(parcels, "land_price_wan")
        self.agreed_investment = _float_column(parcels, "agreed_investment_wan")
        self.invested = _float_column(parcels, "invested_wan")
        self.developed = _float_column(parcels, "developed_area_m2")
        self.status, status_unknown = _enum_codes(parcels, "status", "parcel_status")
        cause, cause_unknown = _enum_codes(parcels, "idle_cause", "idle_cause")
        cause[cause == ""] = "enterprise"
        self.cause = cause

        # problems: (mask, field, catalogue key reason.problem.*, its fields on the masked rows)
        A = self.as_of
        S, G, C = self.supply_date, self.agreed_start_date, self.agreed_completion_date
        T, H = self.actual_start_date, self.halted_since
        N, F, X = self.investigation_notice_date, self.idle_declared_date, self.disposal_decision_date
        as_of_text = str(A)
        checks: list[tuple[np.ndarray, str, str, Callable[[np.ndarray], dict]]] = []
        for col in _DATE_COLUMNS:
            raw = parcels[col] if col in parcels.columns else None
            checks.append((bad_dates[col], col, "not_a_date",
                           lambda m, raw=raw: {"value": raw.to_numpy()[m].astype(str)}))
        checks += [
            (T < S, "actual_start_date", "before_supply", lambda m: {"day": T[m], "supply": S[m]}),
            (G < S, "agreed_start_date", "before_supply", lambda m: {"day": G[m], "supply": S[m]}),
            (C < G, "agreed_completion_date", "completion_before_start", lambda m: {"day": C[m], "start": G[m]}),
            (self.price < 0, "land_price_wan", "negative_price",
             lambda m: {"price": text.numbers(self.price[m], "wan")}),
            (H > A, "halted_since", "halted_after", lambda m: {"day": H[m], "as_of": as_of_text}),
            (T > A, "actual_start_date", "start_after", lambda m: {"day": T[m], "as_of": as_of_text}),
            (status_unknown, "status", "unknown_status",
             lambda m: {"value": parcels["status"].to_numpy()[m].astype(str)}),
            (cause_unknown, "idle_cause", "unknown_cause",
             lambda m: {"value": parcels["idle_cause"].to_numpy()[m].astype(str)}),
            (self.delivery_date < S, "delivery_date", "before_supply",
             lambda m: {"day": self.delivery_date[m], "supply": S[m]}),
            (F < N, "idle_declared_date", "declared_before_notice", lambda m: {"day": F[m], "notice": N[m]}),
            (X < F, "disposal_decision_date", "decision_before_declared", lambda m: {"day": X[m], "declared": F[m]}),
        ]
        rows, order, fields = [], [], []
        messages: dict[str, list[np.ndarray]] = {"zh": [], "en": []}
        for k, (mask, field, key, values) in enumerate(checks):
            pos = np.flatnonzero(mask)
            if len(pos):
                rows.append(pos)
                order.append(np.full(len(pos), k))
                fields.append(np.full(len(pos), field, dtype=object))
                filled = {name: _date_text(v).to_numpy(zero_copy_only=False) if np.asarray(v).dtype.kind == "M" else v
                          for name, v in values(mask).items()}
                for lang in ("zh", "en"):
                    messages[lang].append(np.asarray(text.fill(f"reason.problem.{key}", lang, **filled), dtype=object))
        if rows:
            row, k = np.concatenate(rows), np.concatenate(order)
            sort = np.lexsort((k, row))
            self.problem_rows = row[sort]
            self.problem_fields = np.concatenate(fields)[sort]
            self.problem_messages = {lang: np.concatenate(m)[sort] for lang, m in messages.items()}
        else:
            self.problem_rows = np.zeros(0, dtype="int64")
            self.problem_fields = np.zeros(0, dtype=object)
            self.problem_messages = {lang: np.zeros(0, dtype=object) for lang in ("zh", "en")}

    def problem_text(self, lang: str) -> np.ndarray:
        """Per parcel in ``lang``: ``"<field label>: <problem>"`` of its problems, joined by the
        clause separator (``""``: none)."""
        out = np.full(self.n, "", dtype=object)
        rows = self.problem_rows                       # sorted by row, then by check
        if not len(rows):
            return out
        items = text.fill("reason.problem.item", lang, problem=self.problem_messages[lang],
                          field=text.headers(self.problem_fields, lang, layer="parcels"))
        first = np.r_[True, rows[1:] != rows[:-1]]
        at = np.arange(len(rows))
        rank = at - np.maximum.accumulate(np.where(first, at, 0))
        columns = []
        for k in range(int(rank.max()) + 1):           # one pass per problem of a parcel, not per parcel
            column = np.full(self.n, "", dtype=object)
            column[rows[rank == k]] = items[rank == k]
            columns.append(column)
        return text.clauses(columns, lang)


def check_idle_inputs(parcels: pd.DataFrame, *, as_of: dt.date | None = None, lang: str = "en") -> list[str]:
    """Problems in the inputs of the idle-land rule, one line per problem.

    Parameters
    ----------
    parcels : pandas.DataFrame
        Parcels in the canonical schema (SPEC §3); missing columns count as empty.
    as_of : datetime.date, optional
        Evaluation date for the "after as_of" checks (default today).
    lang : {"en", "zh"}
        ``en``: the canonical line a script or a log reads, naming the field by its column
        name; ``zh``: the same in Chinese, naming the field by its label.

    Returns
    -------
    list of str
        ``"feature N (parcel_id X), field F: message"`` (``第 N 个要素（宗地号 X），字段：说明``),
        N counted from 1 in the order of ``parcels``; sorted by feature, then by check. Empty
        when nothing is wrong. The parcels are still evaluated by :func:`evaluate_idle` on
        their data as given.

    Examples
    --------
    >>> frame = pd.DataFrame({"parcel_id": ["P1", "P2"], "land_price_wan": [100.0, -5.0]})
    >>> check_idle_inputs(frame, as_of=dt.date(2026, 6, 30))
    ['feature 2 (parcel_id P2), field land_price_wan: negative: -5.00; used as given']
    >>> check_idle_inputs(frame, as_of=dt.date(2026, 6, 30), lang="zh")
    ['第 2 个要素（宗地号 P2），出让价款(万元)：为负数 -5.00，按原值计算']
    """
    lang = labels.check_lang(lang)
    inputs = _Inputs(parcels, as_of or dt.date.today())
    if not len(inputs.problem_rows):
        return []
    fields = (inputs.problem_fields if lang == "en" else
              text.headers(inputs.problem_fields, lang, layer="parcels"))
    lines = text.fill("reason.problem.line", lang, n=(inputs.problem_rows + 1).astype(str),
                      parcel=inputs.ids[inputs.problem_rows].astype(str), field=fields,
                      problem=inputs.problem_messages[lang])
    return list(lines)


# --------------------------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------------------------

def _start(days: Callable[[str], np.ndarray], fallback: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Start date (datetime64[D]) and its START_BASES code: agreed start, else the fallbacks;
    ``days(column)`` gives a date column as datetime64[D]."""
    start = days("agreed_start_date").copy()
    basis = np.where(np.isnat(start), 0, 1).astype("int8")
    for column in fallback:
        other = days(column)
        take = np.isnat(start) & ~np.isnat(other)
        start[take] = other[take]
        basis[take] = START_BASES.index(column)
    return start, basis


def start_dates(parcels: pd.DataFrame, rules: RuleSet | Mapping | None = None) -> pd.DataFrame:
    """The date the idle-land clock counts from, and the column it comes from (Art. 22).

    Parameters
    ----------
    parcels : pandas.DataFrame
        Parcels (or an evaluation table) with any of ``agreed_start_date``, ``delivery_date``
        and ``supply_date``; missing columns count as empty.
    rules : RuleSet, optional
        Rules (default: the shipped ones; a rules dict is accepted, deprecated);
        ``idle.start_date_fallback`` lists the columns used, in order, where the
        contract sets no start date (default ``[delivery_date, supply_date]``).

    Returns
    -------
    pandas.DataFrame
        Index of ``parcels``; ``start_date`` (datetime64, NaT when none) and
        ``start_date_basis`` (:data:`START_BASES`).

    Examples
    --------
    >>> frame = pd.DataFrame({"agreed_start_date": [pd.NaT, pd.NaT],
    ...                       "delivery_date": pd.to_datetime(["2023-03-01", None]),
    ...                       "supply_date": pd.to_datetime(["2022-12-01", "2022-12-20"])})
    >>> start_dates(frame)["start_date_basis"].tolist()
    ['delivery_date', 'supply_date']
    """
    def days(column: str) -> np.ndarray:
        if column not in parcels.columns:
            return np.full(len(parcels), _NAT)
        return _to_days(parcels[column])[0]

    start, basis = _start(days, as_ruleset(rules).idle.start_date_fallback)
    return pd.DataFrame({"start_date": start.astype("datetime64[ms]"),
                         "start_date_basis": np.array(START_BASES, dtype=object)[basis]},
                        index=parcels.index)


def _area_where(parcels: gpd.GeoDataFrame, need: np.ndarray) -> np.ndarray:
    """area_m2 (metric CRS of the whole layer, SPEC §4) for the rows in ``need``; NaN elsewhere."""
    out = np.full(len(parcels), np.nan)
    if not need.any() or not isinstance(parcels, gpd.GeoDataFrame):
        return out
    geoms = parcels.geometry
    if geoms.crs is not None:
        target = metric_crs(geoms.crs, geoms.total_bounds)
        part = geoms[need]
        if not geoms.crs.equals(target):
            part = part.to_crs(target)
    else:
        part = geoms[need]
    out[need] = part.area.to_numpy(dtype="float64")
    return out


def evaluate_idle(parcels: gpd.GeoDataFrame, rules: RuleSet | Mapping, *, as_of: dt.date) -> pd.DataFrame:
    """Idle-land finding, procedure stage, disposal, fee and next step at ``as_of`` (SPEC §8).

    Parameters
    ----------
    parcels : geopandas.GeoDataFrame
        Parcels in the canonical schema (SPEC §3). Only ``parcel_id`` and the geometry are
        required; a missing optional column counts as empty.
    rules : RuleSet
        Rules (:func:`landplan.rules.load_ruleset`; a rules dict is accepted, deprecated);
        uses ``rules.idle``.
    as_of : datetime.date
        Evaluation date A.

    Returns
    -------
    pandas.DataFrame
        Index ``parcel_id``, one row per parcel in the order of ``parcels``, columns
        :data:`IDLE_COLUMNS`: ``idle_status``, ``idle_stage``, ``idle_since`` (datetime64),
        ``start_date_basis``, ``idle_years`` (float), ``idle_cause``, ``idle_disposal``,
        ``idle_fee_wan`` (float; NaN for an idle_fee parcel without price), ``idle_reason_zh``,
        ``idle_reason_en`` (``""`` unless idleness counts), ``next_step``, ``next_step_date``
        (datetime64), ``next_step_zh``, ``next_step_en``, ``idle_input_problems`` (``""`` when
        none). See the module docstring for the rules and choices.
    """
    r = as_ruleset(rules).idle
    idle_after = int(r.idle_after_years)
    recover_after = int(r.recover_after_years)
    fee_rate = float(r.fee_rate)
    x = _Inputs(parcels, as_of)
    n, A = x.n, x.as_of
    T, H = x.actual_start_date, x.halted_since
    G, basis = _start(lambda column: getattr(x, column), r.start_date_fallback)

    applicable = (x.status != "reserve") & ~np.isnat(G)
    not_started = np.isnat(T) | (T > A)
    unstarted = applicable & not_started
    halted_started = applicable & ~not_started & ~np.isnat(H)

    # Tests without data are false (NaN comparisons are False).
    need_area = halted_started & ~np.isnan(x.developed)
    area = _area_where(parcels, need_area)
    with np.errstate(invalid="ignore"):
        developed_low = halted_started & (x.developed < float(r.developed_share_min) * area)
        invested_low = halted_started & (
            x.invested < float(r.invested_share_min) * x.agreed_investment)
    halted = developed_low | invested_low

    start = np.full(n, _NAT)
    start[unstarted] = G[unstarted]
    start[halted] = H[halted]
    due = _add_years_days(start, idle_after)             # becomes idle on this day
    code = np.full(n, _NOT_IDLE, dtype="int8")
    code[~applicable] = _NA
    code[unstarted & (A >= G)] = _NOT_DUE
    code[unstarted & (due <= A)] = _UNSTARTED
    code[halted] = _NOT_DUE
    code[halted & (due <= A)] = _HALTED
    is_idle = (code == _UNSTARTED) | (code == _HALTED)
    counting = is_idle | (code == _NOT_DUE)

    idle_since = np.where(counting, start, _NAT)
    idle_years = np.zeros(n)
    idle_years[is_idle] = (A - start[is_idle]).astype("int64") / 365.25

    recover_on = _add_years_days(start, recover_after)
    if not r.recover_halted_from_halt:
        recover_on[halted] = _NAT                        # halted land stays at the fee
    negotiable = np.isin(x.cause, ["government", "force_majeure"])
    disposal = np.full(n, _NONE, dtype="int8")
    disposal[is_idle] = _FEE
    disposal[is_idle & (recover_on <= A)] = _RECOVER
    disposal[is_idle & negotiable] = _NEGOTIATE
    fee_due = fee_rate * x.price                         # the fee a decision would set
    fee = np.zeros(n)
    is_fee = disposal == _FEE
    fee[is_fee] = fee_due[is_fee]

    # the procedure (Art. 5, 9, 14, 15, 17): dates after A are not yet in effect
    notice, declared, decision = (np.where(d <= A, d, _NAT) for d in (
        x.investigation_notice_date, x.idle_declared_date, x.disposal_decision_date))
    reply_by = notice + np.timedelta64(int(r.procedure.reply_days), "D")
    pay_by = decision + np.timedelta64(int(r.procedure.payment_days), "D")
    stage = np.zeros(n, dtype="int8")
    stage[is_idle] = _SUSPECTED
    noticed = is_idle & ~np.isnat(notice)
    stage[noticed & (reply_by >= A)] = _INVESTIGATING
    stage[noticed & (reply_by < A)] = _TO_DECLARE
    stage[is_idle & ~np.isnat(declared)] = _DECLARED
    stage[is_idle & ~np.isnat(decision)] = _DECIDED

    # next step: code and legal deadline
    becomes = ((code == _NOT_IDLE) & unstarted) | (code == _NOT_DUE)   # start ahead, or counting
    decided = stage == _DECIDED
    decided_recovery = decided & ~negotiable & (recover_on <= decision)
    step = np.zeros(n, dtype="int8")
    step[becomes] = _S_BECOMES
    step[stage == _SUSPECTED] = _S_INVESTIGATE
    step[stage == _INVESTIGATING] = _S_REPLY
    step[stage == _TO_DECLARE] = _S_DECLARE
    on_file = stage == _DECLARED
    step[on_file & (disposal == _FEE)] = _S_FEE_DECISION
    step[on_file & (disposal == _RECOVER)] = _S_HEARING
    step[on_file & (disposal == _NEGOTIATE)] = _S_NEGOTIATE
    step[decided & ~negotiable] = _S_PAY
    step[decided_recovery] = _S_RECOVERED
    step[decided & negotiable] = _S_PLAN
    step_date = np.full(n, _NAT)
    step_date[becomes] = due[becomes]
    step_date[step == _S_REPLY] = reply_by[step == _S_REPLY]
    step_date[step == _S_PAY] = pay_by[step == _S_PAY]

    d = _Dates(A=A, start=start, due=due, recover_on=recover_on, notice=notice,
               reply_by=reply_by, declared=declared, decision=decision, pay_by=pay_by)
    reason_zh, reason_en = _reason_text(x, r, d, code, basis, unstarted, halted, developed_low,
                                        invested_low, area)
    zh, en = _next_step_text(x, r, d, code, step, disposal, fee_due, halted)

    index = pd.Index(pd.Series(x.ids, dtype="str"), name="parcel_id")
    return pd.DataFrame({
        "idle_status": pd.Series(np.array(IDLE_STATUSES)[code], index=index, dtype="str"),
        "idle_stage": pd.Series(np.array(IDLE_STAGES)[stage], index=index, dtype="str"),
        "idle_since": pd.Series(idle_since.astype("datetime64[ms]"), index=index),
        "start_date_basis": pd.Series(np.array(START_BASES)[np.where(applicable, basis, 0)],
                                      index=index, dtype="str"),
        "idle_years": pd.Series(idle_years, index=index),
        "idle_cause": pd.Series(x.cause, index=index, dtype="str"),
        "idle_disposal": pd.Series(np.array(IDLE_DISPOSALS)[disposal], index=index, dtype="str"),
        "idle_fee_wan": pd.Series(fee, index=index),
        "idle_reason_zh": pd.Series(reason_zh, index=index, dtype="str"),
        "idle_reason_en": pd.Series(reason_en, index=index, dtype="str"),
        "next_step": pd.Series(np.array(NEXT_STEPS)[step], index=index, dtype="str"),
        "next_step_date": pd.Series(step_date.astype("datetime64[ms]"), index=index),
        "next_step_zh": pd.Series(zh, index=index, dtype="str"),
        "next_step_en": pd.Series(en, index=index, dtype="str"),
        "idle_input_problems": pd.Series(x.problem_text("zh"), index=index, dtype="str"),
        "idle_input_problems_en": pd.Series(x.problem_text("en"), index=index, dtype="str"),
    }, index=index)


# --------------------------------------------------------------------------------------------
# texts for people (vectorised per group of parcels)
# --------------------------------------------------------------------------------------------

class _Dates:
    """The per-parcel dates the texts quote (datetime64[D] arrays; ``A`` a scalar)."""

    def __init__(self, **dates: Any) -> None:
        self.__dict__.update(dates)

    def text(self, name: str, mask: np.ndarray) -> np.ndarray:
        """ISO dates of the ``mask`` rows of one array (``None`` where empty)."""
        return _date_text(getattr(self, name)[mask]).to_numpy(zero_copy_only=False)


def _np(value: Any) -> Any:
    """A pyarrow array as a numpy object array; anything else as it is."""
    if isinstance(value, (pa.Array, pa.ChunkedArray)):
        return np.asarray(value.to_numpy(zero_copy_only=False), dtype=object)
    return value


class _Texts:
    """Two object arrays (zh, en) filled group by group."""

    def __init__(self, n: int) -> None:
        self.zh = np.full(n, "", dtype=object)
        self.en = np.full(n, "", dtype=object)

    def put(self, mask: np.ndarray, zh: Any, en: Any) -> None:
        if mask.any():
            self.zh[mask] = _np(zh)
            self.en[mask] = _np(en)


def _years_text(value: Any) -> str:
    """A period of the rules in whole years (``idle_after_years`` …) as a sentence shows it."""
    return fmt(float(value), "count")


def _share_text(share: Any) -> str:
    """A share of the rules (0.25, 1/3) as the percentage a sentence shows (``25.0``, ``33.3``)."""
    return fmt(100.0 * float(share), "pct")


def _reason_text(x: _Inputs, r: Idle, d: _Dates, code: np.ndarray, basis: np.ndarray,
                 unstarted: np.ndarray, halted: np.ndarray, developed_low: np.ndarray,
                 invested_low: np.ndarray, area: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Why idleness counts: the start date and its basis, the figures, the control values and
    the articles, for ``not_due`` and ``idle_*`` parcels (catalogue ``reason.idle.*``)."""
    out = _Texts(x.n)
    k = _years_text(r.idle_after_years)
    is_idle = (code == _UNSTARTED) | (code == _HALTED)
    counting = is_idle | (code == _NOT_DUE)
    for b, column in enumerate(START_BASES):
        m = counting & unstarted & (basis == b)
        if not b or not m.any():
            continue
        note_key = f"reason.idle.start_basis.{column}"
        note = Lang(*(text.sep("clause", lang) + t(note_key, lang) if labels.has(note_key) else ""
                      for lang in ("zh", "en")))
        fields = {"basis": Lang(labels.column(column, "zh"), labels.column(column, "en")),
                  "since": d.text("start", m), "years": k, "note": note}
        out.put(m, *text.pair_cases(int(m.sum()), (is_idle[m], "reason.idle.unstarted", fields),
                                    (True, "reason.idle.unstarted_counting", fields)))
    m = counting & halted
    if m.any():
        done = is_idle[m]
        dev, inv = developed_low[m], invested_low[m]
        dev_zh, dev_en = text.pair("reason.idle.developed_low", developed=text.numbers(x.developed[m], "m2"),
                                   area=text.numbers(area[m], "m2"), share=_share_text(r.developed_share_min))
        inv_zh, inv_en = text.pair("reason.idle.invested_low", invested=text.numbers(x.invested[m], "wan"),
                                   agreed=text.numbers(x.agreed_investment[m], "wan"),
                                   share=_share_text(r.invested_share_min))
        tests = Lang(*(text.clauses([np.where(dev, a, ""), np.where(inv, b, "")], lang, kind="comma")
                       for lang, a, b in (("zh", dev_zh, inv_zh), ("en", dev_en, inv_en))))
        fields = {"since": d.text("start", m), "years": k, "tests": tests}
        found = text.pair_cases(int(m.sum()), (done, "reason.idle.halted", fields),
                                (True, "reason.idle.halted_counting", fields))
        if r.recover_halted_from_halt:
            recover = text.pair("reason.idle.recover_from_halt", years=_years_text(r.recover_after_years))
        else:
            recover = text.pair("reason.idle.halted_stays_at_fee")
        out.put(m, *(text.clauses([said, np.where(done, rec, "")], lang)
                     for lang, said, rec in zip(("zh", "en"), found, recover, strict=True)))
    return out.zh, out.en


def _recovery_text(r: Idle, d: _Dates, m: np.ndarray, halted: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """When the land may be recovered without compensation (Art. 14), for the ``m`` rows:
    from a date ahead, already, or never (halted land with ``recover_halted_from_halt`` off);
    for halted land the interpretation is said."""
    k = _years_text(r.recover_after_years)
    when = d.recover_on[m]
    h = halted[m]
    past = when <= d.A
    note = Lang(*(text.sep("clause", lang) + text.fill("reason.idle.recover_halt_note", lang, years=k)
                  for lang in ("zh", "en")))
    day = d.text("recover_on", m)
    plain = {"day": day, "years": k, "note": ""}
    noted = {**plain, "note": note}
    return text.pair_cases(len(h), (np.isnat(when), None, {}),
                           (past & h, "reason.idle.recover_now_halted", noted),
                           (past, "reason.idle.recover_now", plain),
                           (h, "reason.idle.recover_ahead_halted", noted),
                           (True, "reason.idle.recover_ahead", plain))


def _fee_text(r: Idle, fee_due: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """土地闲置费 with its amount (or why there is none), for the ``m`` rows."""
    rate = _share_text(r.fee_rate)
    fee = fee_due[m]
    priced = ~np.isnan(fee)
    with_fee = text.pair("reason.idle.fee", fee=text.numbers(fee, "wan"), rate=rate)
    without = text.pair("reason.idle.fee_no_price", rate=rate)
    return np.where(priced, with_fee[0], without[0]), np.where(priced, with_fee[1], without[1])


def _then(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``a; b`` in each language (the clause separator), ``a`` where ``b`` is empty."""
    return text.clauses([a[0], b[0]], "zh"), text.clauses([a[1], b[1]], "en")


def _next_step_text(x: _Inputs, r: Idle, d: _Dates, code: np.ndarray, step: np.ndarray,
                    disposal: np.ndarray, fee_due: np.ndarray, halted: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Bilingual text for a clerk: the next step, its deadline and, before a decision, the
    outlook (fee, recovery, negotiation), from the catalogue's ``reason.idle_step.*``.
    Numbers and dates filled in vectorised, per group."""
    out = _Texts(x.n)
    reserve = code == _NA
    out.put(reserve & (x.status == "reserve"), *text.pair("reason.idle_step.reserve"))
    out.put(reserve & (x.status != "reserve"), *text.pair("reason.idle_step.no_start_date"))
    out.put((code == _NOT_IDLE) & (step == _S_NONE), *text.pair("reason.idle_step.not_idle"))
    for is_halted, key in ((False, "reason.idle_step.becomes_idle"), (True, "reason.idle_step.becomes_idle_halted")):
        m = (step == _S_BECOMES) & (halted if is_halted else ~halted)
        if m.any():
            out.put(m, *text.pair(key, day=d.text("due", m)))

    options = Lang(*text.pair("reason.idle_step.options", extension=_years_text(r.gov_extension_max_years),
                              temporary=_years_text(r.gov_temporary_use_max_years)))

    # before the 认定书: the procedure's step, then the outlook of the disposal
    m = np.isin(step, [_S_INVESTIGATE, _S_REPLY, _S_DECLARE])
    if m.any():
        fee = _fee_text(r, fee_due, m)
        recovery = _recovery_text(r, d, m, halted)
        kind = disposal[m]
        cause = Lang(*(np.where(x.cause[m] == "force_majeure", t("reason.idle.cause_is.force_majeure", lang),
                                t("reason.idle.cause_is.government", lang)) for lang in ("zh", "en")))
        negotiate = text.pair("reason.idle_step.cause_evidence", cause=cause, options=options)
        outlook_fee = _then(text.pair("reason.idle_step.outlook_fee", fee=Lang(*fee)), recovery)
        outlook_recover = text.pair("reason.idle_step.outlook_recover", recovery=Lang(*recovery))
        s = step[m]
        reply_by = d.text("reply_by", m)
        heads = (text.pair("reason.idle_step.investigate", days=_years_text(r.procedure.reply_days)),
                 text.pair("reason.idle_step.reply_due", notice=d.text("notice", m), reply_by=reply_by),
                 text.pair("reason.idle_step.declare", reply_by=reply_by))
        zh, en = (text.concat(
            np.select([s == _S_INVESTIGATE, s == _S_REPLY], [heads[0][i], heads[1][i]], heads[2][i]),
            text.sep("clause", lang),
            np.where(kind == _FEE, outlook_fee[i], np.where(kind == _RECOVER, outlook_recover[i], negotiate[i])))
            for i, lang in enumerate(("zh", "en")))
        out.put(m, zh, en)

    # 认定书 on file: the decision to come
    m = step == _S_FEE_DECISION
    if m.any():
        fee = Lang(*_fee_text(r, fee_due, m))
        out.put(m, *_then(text.pair("reason.idle_step.fee_decision", day=d.text("declared", m), fee=fee),
                          _recovery_text(r, d, m, halted)))
    m = step == _S_HEARING
    if m.any():
        out.put(m, *text.pair("reason.idle_step.hearing", day=d.text("declared", m),
                              recovery=Lang(*_recovery_text(r, d, m, halted))))
    for cause in ("government", "force_majeure"):
        m = (step == _S_NEGOTIATE) & (x.cause == cause)
        if m.any():
            out.put(m, *text.pair("reason.idle_step.negotiate", day=d.text("declared", m), options=options,
                                  cause=Lang(*text.pair(f"reason.idle.cause_declared.{cause}"))))

    # a decision on file
    m = step == _S_PAY
    if m.any():
        fee = Lang(*_fee_text(r, fee_due, m))
        out.put(m, *_then(text.pair("reason.idle_step.pay_fee", day=d.text("decision", m), by=d.text("pay_by", m),
                                    days=_years_text(r.procedure.payment_days), fee=fee),
                          _recovery_text(r, d, m, halted)))
    for s, key in ((_S_RECOVERED, "reason.idle_step.recovery_decided"), (_S_PLAN, "reason.idle_step.implement_plan")):
        m = step == s
        if m.any():
            out.put(m, *text.pair(key, day=d.text("decision", m)))
    return out.zh, out.en
