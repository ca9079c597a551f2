"""Idle land (闲置土地) evaluation at an evaluation date (SPEC §5, §8; 53号令 Art. 2, 8, 12, 14).

:func:`evaluate_idle` gives one row per parcel (index ``parcel_id``, parcels in their order)
with the idle-land status, since when idleness counts, how long it has lasted, the cause, the
disposal, the idle-land fee, the next step (a code, its date and a bilingual text for a
clerk) and the problems found in the parcel's inputs.

The rule of SPEC §8, at evaluation date A ("+ n years" is the calendar anniversary, 29 Feb →
28 Feb, see :func:`add_years`):

- status ``reserve`` or no ``agreed_start_date`` → ``not_applicable``;
- not started by A (no ``actual_start_date``, or one after A): ``not_idle`` if A <
  agreed_start_date, ``not_due`` if A < agreed_start_date + ``idle_after_years``, else
  ``idle_unstarted``;
- started, ``halted_since`` set and (developed_area_m2 < ``developed_share_min`` · area_m2 or
  invested_wan < ``invested_share_min`` · agreed_investment_wan): ``not_due`` if A <
  halted_since + ``idle_after_years``, else ``idle_halted``;
- otherwise ``not_idle``.

Disposal (``idle_*`` only): cause ``government`` or ``force_majeure`` → ``negotiate``; else
``recover`` when A ≥ start + ``recover_after_years``; else ``idle_fee`` with idle_fee_wan =
``fee_rate`` · land_price_wan. Every other parcel: ``none`` and 0.

Choices this module makes (and documents):

- **Thresholds come from the rules** (``rules["idle"]``), never from literals; the comparisons
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
- **idle_since** is the date idleness starts counting (agreed_start_date for the unstarted
  branch, halted_since for the halted branch) for ``idle_*`` and ``not_due`` parcels; empty
  otherwise. **idle_years** = days from idle_since to A / 365.25 for ``idle_*`` only, else 0.
- **idle_cause** is canonicalised (``enterprise``, ``government``, ``force_majeure``; Chinese
  spellings accepted as on import); empty is ``enterprise`` (SPEC §3), and an unrecognised
  value is reported and taken as ``enterprise``.
- **idle_fee_wan** is empty (NaN) for an ``idle_fee`` parcel without land price; the fee of a
  negative price is computed as given (and the price is reported).
- **next_step** codes: ``becomes_idle`` (not_due, or not_idle with the agreed start ahead: the
  parcel becomes idle on next_step_date if it is still not started / still halted),
  ``fee_payable`` (idle_fee; next_step_date = the day recovery becomes possible),
  ``recovery_possible`` (recover), ``negotiate`` (government or force majeure: Art. 12
  options, extension ≤ ``gov_extension_max_years``, temporary use ≤
  ``gov_temporary_use_max_years``), ``none``. next_step_date is empty where no date applies.
- **Bad inputs never stop the evaluation.** Each parcel is evaluated on its data as given;
  :func:`check_idle_inputs` and the column ``idle_input_problems`` report: an actual or agreed
  start before supply_date, agreed completion before agreed start, a negative land price, a
  halted date after A, an actual start after A (allowed: SPEC §8 treats it as not started), an
  unrecognised idle_cause and a date that cannot be read (taken as empty).

Everything is vectorised (numpy); no Python loop runs over parcels.

>>> import datetime as dt, geopandas as gpd, pandas as pd
>>> from shapely.geometry import box
>>> from landplan.rules import load_rules
>>> parcels = gpd.GeoDataFrame(
...     {"parcel_id": ["P1"], "status": ["supplied"],
...      "agreed_start_date": pd.to_datetime(["2024-02-29"]), "land_price_wan": [1000.0]},
...     geometry=[box(39_500_000, 3_400_000, 39_500_100, 3_400_100)], crs="EPSG:4527")
>>> out = evaluate_idle(parcels, load_rules(), as_of=dt.date(2025, 2, 28))
>>> out.loc["P1", "idle_status"], out.loc["P1", "idle_disposal"], float(out.loc["P1", "idle_fee_wan"])
('idle_unstarted', 'idle_fee', 200.0)
>>> str(out.loc["P1", "next_step_date"].date())
'2026-02-28'
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .crs import metric_crs
from .schema import _ENUM_TABLES, _norm_text

__all__ = ["IDLE_STATUSES", "IDLE_DISPOSALS", "NEXT_STEPS", "IDLE_COLUMNS",
           "evaluate_idle", "add_years", "check_idle_inputs"]

#: idle_status values, in code order.
IDLE_STATUSES: tuple[str, ...] = ("not_applicable", "not_idle", "not_due", "idle_unstarted",
                                  "idle_halted")
#: idle_disposal values, in code order.
IDLE_DISPOSALS: tuple[str, ...] = ("none", "idle_fee", "recover", "negotiate")
#: next_step codes.
NEXT_STEPS: tuple[str, ...] = ("none", "becomes_idle", "fee_payable", "recovery_possible",
                               "negotiate")
#: Output columns of :func:`evaluate_idle`, in order.
IDLE_COLUMNS: tuple[str, ...] = (
    "idle_status", "idle_since", "idle_years", "idle_cause", "idle_disposal", "idle_fee_wan",
    "next_step", "next_step_date", "next_step_zh", "next_step_en", "idle_input_problems")

_NA, _NOT_IDLE, _NOT_DUE, _UNSTARTED, _HALTED = range(5)
_NONE, _FEE, _RECOVER, _NEGOTIATE = range(4)
_NAT = np.datetime64("NaT", "D")
_DATE_COLUMNS = ("supply_date", "agreed_start_date", "agreed_completion_date",
                 "actual_start_date", "halted_since")


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

def _arrow(part: Any) -> pa.Array | pa.Scalar:
    if isinstance(part, (pa.Array, pa.ChunkedArray, pa.Scalar)):
        return part
    if isinstance(part, str):
        return pa.scalar(part)
    return pa.array(np.asarray(part, dtype=object), type=pa.string())


def _strings(*parts: Any) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars (pyarrow, vectorised)."""
    arrays = [_arrow(p) for p in parts]
    if not any(isinstance(a, (pa.Array, pa.ChunkedArray)) for a in arrays):
        return pa.array(["".join(a.as_py() for a in arrays)])
    return pc.binary_join_element_wise(*arrays, "")


def _date_text(days: np.ndarray) -> pa.Array:
    """ISO dates (``2026-06-30``) of datetime64[D] values."""
    return pa.array(np.asarray(days, dtype="datetime64[D]")).cast(pa.string())


def _num_text(values: np.ndarray) -> np.ndarray:
    """Numbers rounded to 2 decimals as short text (``1234.5``, ``-3.0``)."""
    return np.round(np.asarray(values, dtype="float64"), 2).astype(str)


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

        # problems: (mask, field, message parts evaluated on the masked rows)
        A = self.as_of
        S, G, C = self.supply_date, self.agreed_start_date, self.agreed_completion_date
        T, H = self.actual_start_date, self.halted_since
        checks: list[tuple[np.ndarray, str, Any]] = []
        for col in _DATE_COLUMNS:
            raw = parcels[col] if col in parcels.columns else None
            checks.append((bad_dates[col], col, lambda m, raw=raw: _strings(
                "not a date: '", raw.to_numpy()[m].astype(str), "'; taken as empty")))
        checks += [
            (T < S, "actual_start_date", lambda m: _strings(
                "actual start ", _date_text(T[m]), " is before supply_date ", _date_text(S[m]))),
            (G < S, "agreed_start_date", lambda m: _strings(
                "agreed start ", _date_text(G[m]), " is before supply_date ", _date_text(S[m]))),
            (C < G, "agreed_completion_date", lambda m: _strings(
                "agreed completion ", _date_text(C[m]), " is before agreed_start_date ",
                _date_text(G[m]))),
            (self.price < 0, "land_price_wan", lambda m: _strings(
                "negative land price ", _num_text(self.price[m]), "; used as given")),
            (H > A, "halted_since", lambda m: _strings(
                "halted date ", _date_text(H[m]), " is after as_of ", str(A),
                "; used as given")),
            (T > A, "actual_start_date", lambda m: _strings(
                "actual start ", _date_text(T[m]), " is after as_of ", str(A),
                "; taken as not started by as_of (SPEC §8)")),
            (status_unknown, "status", lambda m: _strings(
                "unknown status '", parcels["status"].to_numpy()[m].astype(str),
                "'; not taken as reserve")),
            (cause_unknown, "idle_cause", lambda m: _strings(
                "unknown idle cause '", parcels["idle_cause"].to_numpy()[m].astype(str),
                "'; taken as enterprise")),
        ]
        rows, order, fields, messages = [], [], [], []
        for k, (mask, field, message) in enumerate(checks):
            pos = np.flatnonzero(mask)
            if len(pos):
                rows.append(pos)
                order.append(np.full(len(pos), k))
                fields.append(pa.array(np.full(len(pos), field, dtype=object), type=pa.string()))
                messages.append(_strings(message(mask)))
        if rows:
            row, k = np.concatenate(rows), np.concatenate(order)
            sort = pa.array(np.lexsort((k, row)))
            self.problem_rows = row[sort.to_numpy()]
            self.problem_fields = pa.concat_arrays(fields).take(sort)
            self.problem_messages = pa.concat_arrays(messages).take(sort)
        else:
            self.problem_rows = np.zeros(0, dtype="int64")
            self.problem_fields = pa.array([], type=pa.string())
            self.problem_messages = pa.array([], type=pa.string())

    def problem_text(self) -> pa.Array:
        """Per parcel: ``"field F: message"`` of its problems joined by ``"; "`` (``""``: none)."""
        rows = self.problem_rows                       # sorted by row, then by check
        if not len(rows):
            return pa.array(np.full(self.n, "", dtype=object), type=pa.string())
        items = _strings("field ", self.problem_fields, ": ", self.problem_messages)
        first = np.r_[True, rows[1:] != rows[:-1]]
        at = np.arange(len(rows))
        rank = at - np.maximum.accumulate(np.where(first, at, 0))
        columns = []
        for k in range(int(rank.max()) + 1):           # one pass per problem of a parcel, not per parcel
            take = np.full(self.n, -1, dtype="int64")
            take[rows[rank == k]] = at[rank == k]
            columns.append(items.take(pa.array(take, mask=take < 0)))
        # (null_handling="skip" of binary_join_element_wise drops all-null rows: not used)
        text = columns[0].fill_null("")
        for column in columns[1:]:
            joined = pc.binary_join_element_wise(text, column.fill_null(""), "; ")
            text = pc.if_else(pc.is_valid(column), joined, text)
        return text


def check_idle_inputs(parcels: pd.DataFrame, *, as_of: dt.date | None = None) -> list[str]:
    """Problems in the inputs of the idle-land rule, one line per problem.

    Parameters
    ----------
    parcels : pandas.DataFrame
        Parcels in the canonical schema (SPEC §3); missing columns count as empty.
    as_of : datetime.date, optional
        Evaluation date for the "after as_of" checks (default today).

    Returns
    -------
    list of str
        ``"feature N (parcel_id X), field F: message"``, N counted from 1 in the order of
        ``parcels``; sorted by feature, then by check. Empty when nothing is wrong. The
        parcels are still evaluated by :func:`evaluate_idle` on their data as given.

    Examples
    --------
    >>> frame = pd.DataFrame({"parcel_id": ["P1", "P2"], "land_price_wan": [100.0, -5.0]})
    >>> check_idle_inputs(frame, as_of=dt.date(2026, 6, 30))
    ['feature 2 (parcel_id P2), field land_price_wan: negative land price -5.0; used as given']
    """
    inputs = _Inputs(parcels, as_of or dt.date.today())
    if not len(inputs.problem_rows):
        return []
    lines = _strings("feature ", (inputs.problem_rows + 1).astype(str), " (parcel_id ",
                     inputs.ids[inputs.problem_rows].astype(str), "), field ",
                     inputs.problem_fields, ": ", inputs.problem_messages)
    return lines.to_pylist()


# --------------------------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------------------------

def _idle_rules(rules: dict) -> dict[str, float]:
    idle = rules.get("idle", {}) if rules else {}
    from .rules import load_rules  # defaults for any key a partial rules dict lacks

    default = load_rules()["idle"]
    keys = ("idle_after_years", "recover_after_years", "fee_rate", "developed_share_min",
            "invested_share_min", "gov_extension_max_years", "gov_temporary_use_max_years")
    return {k: default.get(k) if idle.get(k) is None else idle[k] for k in keys}


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


def _fmt(value: float) -> str:
    return f"{value:g}"


def evaluate_idle(parcels: gpd.GeoDataFrame, rules: dict, *, as_of: dt.date) -> pd.DataFrame:
    """Idle-land status, disposal, fee and next step of every parcel at ``as_of`` (SPEC §8).

    Parameters
    ----------
    parcels : geopandas.GeoDataFrame
        Parcels in the canonical schema (SPEC §3). Only ``parcel_id`` and the geometry are
        required; a missing optional column counts as empty.
    rules : dict
        Rules (:func:`landplan.rules.load_rules`); uses ``rules["idle"]``. Keys it lacks take
        the shipped default.
    as_of : datetime.date
        Evaluation date A.

    Returns
    -------
    pandas.DataFrame
        Index ``parcel_id``, one row per parcel in the order of ``parcels``, columns
        :data:`IDLE_COLUMNS`: ``idle_status``, ``idle_since`` (datetime64), ``idle_years``
        (float), ``idle_cause``, ``idle_disposal``, ``idle_fee_wan`` (float; NaN for an
        idle_fee parcel without price), ``next_step``, ``next_step_date`` (datetime64),
        ``next_step_zh``, ``next_step_en``, ``idle_input_problems`` (``""`` when none).
        See the module docstring for the rules and choices.
    """
    r = _idle_rules(rules)
    idle_after = int(r["idle_after_years"])
    recover_after = int(r["recover_after_years"])
    fee_rate = float(r["fee_rate"])
    x = _Inputs(parcels, as_of)
    n, A = x.n, x.as_of
    G, T, H = x.agreed_start_date, x.actual_start_date, x.halted_since

    applicable = (x.status != "reserve") & ~np.isnat(G)
    not_started = np.isnat(T) | (T > A)
    unstarted = applicable & not_started
    halted_started = applicable & ~not_started & ~np.isnat(H)

    # Tests without data are false (NaN comparisons are False).
    need_area = halted_started & ~np.isnan(x.developed)
    area = _area_where(parcels, need_area)
    with np.errstate(invalid="ignore"):
        developed_low = x.developed < float(r["developed_share_min"]) * area
        invested_low = x.invested < float(r["invested_share_min"]) * x.agreed_investment
    halted = halted_started & (developed_low | invested_low)

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
    negotiable = np.isin(x.cause, ["government", "force_majeure"])
    disposal = np.full(n, _NONE, dtype="int8")
    disposal[is_idle] = _FEE
    disposal[is_idle & (recover_on <= A)] = _RECOVER
    disposal[is_idle & negotiable] = _NEGOTIATE
    fee = np.zeros(n)
    is_fee = disposal == _FEE
    fee[is_fee] = fee_rate * x.price[is_fee]

    # next step: code, date and text
    future_start = (code == _NOT_IDLE) & unstarted       # agreed start still ahead of A
    becomes = future_start | (code == _NOT_DUE)
    step = np.zeros(n, dtype="int8")
    step[becomes] = 1
    step[is_fee] = 2
    step[disposal == _RECOVER] = 3
    step[disposal == _NEGOTIATE] = 4
    step_date = np.full(n, _NAT)
    step_date[becomes] = due[becomes]
    step_date[is_fee] = recover_on[is_fee]

    zh, en = _next_step_text(x, r, code, step, step_date, fee, unstarted, halted, fee_rate,
                             recover_after)

    index = pd.Index(pd.Series(x.ids, dtype="str"), name="parcel_id")
    return pd.DataFrame({
        "idle_status": pd.Series(np.array(IDLE_STATUSES)[code], index=index, dtype="str"),
        "idle_since": pd.Series(idle_since.astype("datetime64[ms]"), index=index),
        "idle_years": pd.Series(idle_years, index=index),
        "idle_cause": pd.Series(x.cause, index=index, dtype="str"),
        "idle_disposal": pd.Series(np.array(IDLE_DISPOSALS)[disposal], index=index, dtype="str"),
        "idle_fee_wan": pd.Series(fee, index=index),
        "next_step": pd.Series(np.array(NEXT_STEPS)[step], index=index, dtype="str"),
        "next_step_date": pd.Series(step_date.astype("datetime64[ms]"), index=index),
        "next_step_zh": pd.Series(zh, index=index, dtype="str"),
        "next_step_en": pd.Series(en, index=index, dtype="str"),
        "idle_input_problems": pd.Series(x.problem_text(), index=index, dtype="str"),
    }, index=index)


def _next_step_text(x: _Inputs, r: dict, code: np.ndarray, step: np.ndarray,
                    step_date: np.ndarray, fee: np.ndarray, unstarted: np.ndarray,
                    halted: np.ndarray, fee_rate: float, recover_after: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Bilingual text for a clerk; numbers and dates filled in vectorised, per group."""
    n = x.n
    zh = np.full(n, "", dtype=object)
    en = np.full(n, "", dtype=object)
    ext, tmp = _fmt(float(r["gov_extension_max_years"])), _fmt(float(r["gov_temporary_use_max_years"]))
    pct = _fmt(100 * fee_rate)

    def put(mask: np.ndarray, z: Any, e: Any) -> None:
        if mask.any():
            for target, value in ((zh, z), (en, e)):
                if isinstance(value, pa.Array):
                    value = value.to_numpy(zero_copy_only=False)
                target[mask] = value

    reserve = code == _NA
    put(reserve & (x.status == "reserve"), "储备地块，不适用闲置土地认定",
        "Reserve parcel: idle-land rules do not apply")
    put(reserve & (x.status != "reserve"), "无约定动工日期，不适用闲置土地认定",
        "No agreed start date: idle-land rules do not apply")
    put((code == _NOT_IDLE) & (step == 0), "未构成闲置土地，无需处置", "Not idle land; no action")
    m = (step == 1) & unstarted
    d = _date_text(step_date[m])
    put(m, _strings("若至 ", d, " 仍未动工开发，将构成闲置土地（53号令第二条）"),
        _strings("Becomes idle land if development has not started by ", d,
                 " (Decree 53, Art. 2)"))
    m = (step == 1) & halted
    d = _date_text(step_date[m])
    put(m, _strings("若至 ", d, " 仍中止开发建设，将构成闲置土地（53号令第二条）"),
        _strings("Becomes idle land if development is still halted on ", d,
                 " (Decree 53, Art. 2)"))
    for priced in (True, False):
        m = (step == 2) & (~np.isnan(fee) if priced else np.isnan(fee))
        d = _date_text(step_date[m])
        if priced:
            amount_zh = _strings("征缴土地闲置费 ", _num_text(fee[m]), " 万元（土地价款的 ", pct, "%）")
            amount_en = _strings("Collect the idle-land fee of ", _num_text(fee[m]),
                                 " wan yuan (", pct, "% of the land price)")
        else:
            amount_zh = f"征缴土地闲置费（土地价款的 {pct}%；价款缺失，无法计算金额）"
            amount_en = f"Collect the idle-land fee ({pct}% of the land price; price missing)"
        put(m, _strings(amount_zh, "；闲置至 ", d, " 满 ", str(recover_after),
                        " 年，可无偿收回（53号令第十四条）"),
            _strings(amount_en, "; from ", d, " (", str(recover_after),
                     " years idle) the land-use right may be recovered without compensation "
                     "(Decree 53, Art. 14)"))
    put(step == 3, f"闲置满 {recover_after} 年，可无偿收回国有建设用地使用权（53号令第十四条）",
        f"Idle for {recover_after} years or more: the land-use right may be recovered without "
        "compensation (Decree 53, Art. 14)")
    options_zh = (f"协商处置：延长动工开发期限（不超过 {ext} 年）、调整土地用途或规划条件、"
                  f"由政府安排临时使用（不超过 {tmp} 年）、协议有偿收回、置换土地等（53号令第十二条）")
    options_en = (f"negotiate the disposal: extend the start date (by at most {ext} year(s)), "
                  "change the use or planning conditions, temporary use arranged by the "
                  f"government (at most {tmp} years), buy-back by agreement, land exchange "
                  "(Decree 53, Art. 12)")
    put((step == 4) & (x.cause == "government"), "政府原因造成闲置，" + options_zh,
        "Idle for reasons of the government: " + options_en)
    put((step == 4) & (x.cause == "force_majeure"), "不可抗力造成闲置，" + options_zh,
        "Idle because of force majeure: " + options_en)
    return zh, en
