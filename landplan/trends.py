"""亩均效益 year on year (亩均趋势): the ledger's years per parcel, enterprise, industry and park.

Every year of the enterprise ledger is evaluated with the one-year functions of
:mod:`landplan.efficiency`, so a trend reads the same figures as the evaluation of that year:

- :func:`parcel_trends`: one row per parcel and year (``efficiency._parcel_year``: the parcel's
  ledger rows of the year summed, divided by its ``area_mu``; its score and class that year);
- :func:`enterprise_trends`: one row per enterprise and year (``efficiency._enterprise_year``:
  its rows summed over its parcels, per mu of ``land_mu`` = Σ share × parcel area);
- :func:`group_trends`: the park (``by=None``) or each GB/T 4754 division (``by="industry"``,
  the parcel's ``industry_code`` read to its two digits) per year, pooled from the parcel
  rows: figures summed, ``area_mu`` the land of the parcels with ledger rows that year, and a
  per-mu figure the ratio of sums over the parcels where numerator and land are both present
  (as :func:`landplan.efficiency.park_benchmarks` forms a park value).

Choices (documented):

- **Years.** Every year from the ledger's first to its last (a year in between without rows is
  kept: its figures are empty, never 0). ``years`` picks others.
- **Year on year.** ``<figure>_yoy_pct`` = 100 · (this − previous) / \\|previous\\| where the
  previous year has a non-zero value (the rule of ``efficiency``'s ``_yoy_pct`` columns), else
  empty; the first year has none.
- **Parcels** are the ones given (the parcels in force on the as-of date); ledger rows on other
  parcels are left out, as the evaluation leaves them out.

>>> import pandas as pd
>>> parcels = pd.DataFrame({"parcel_id": ["P1"], "area_mu": [10.0]})
>>> ledger = pd.DataFrame({"enterprise_id": ["E1", "E1"], "parcel_id": ["P1", "P1"],
...                        "year": [2023, 2024], "tax_wan": [100.0, 150.0]})
>>> from landplan.rules import load_ruleset
>>> out = parcel_trends(parcels, ledger, load_ruleset())
>>> out[["year", "tax_per_mu_wan", "tax_per_mu_wan_yoy_pct"]].to_numpy().tolist()
[[2023.0, 10.0, nan], [2024.0, 15.0, 50.0]]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import efficiency as eff
from .errors import SchemaError
from .ruleset import RuleSet, as_ruleset

__all__ = ["FIGURES", "PER_MU", "TRENDS", "ledger_years", "parcel_trends", "enterprise_trends",
           "group_trends", "division"]

#: Ledger figures a trend follows (summed), in table order.
FIGURES: tuple[str, ...] = ("tax_wan", "output_wan", "value_added_wan", "revenue_wan")
#: The per-mu indicators of :data:`landplan.efficiency.INDICATORS` (a figure over the land).
PER_MU: tuple[str, ...] = tuple(name for name, (num, den, _) in eff.INDICATORS.items()
                                if den == "area_mu" and num in FIGURES)
#: The columns with a year-on-year change (``<name>_yoy_pct``).
TRENDS: tuple[str, ...] = (*FIGURES, *PER_MU)

_DIVISION = re.compile(r"\s*[A-Ta-t]?(\d{2})\d{0,2}\s*")


#: The longest run of years filled in between the ledger's first and last (a typed 2204 for
#: 2024 would otherwise make every parcel 180 rows): beyond it, the years that have rows.
MAX_SPAN_YEARS = 30


def ledger_years(ledger: pd.DataFrame) -> list[int]:
    """Every year from the ledger's first to its last (``[]`` without a year); only the years
    with rows when they span more than :data:`MAX_SPAN_YEARS`.

    >>> ledger_years(pd.DataFrame({"year": [2024, 2022, 2024]}))
    [2022, 2023, 2024]
    >>> ledger_years(pd.DataFrame({"year": [2024, 2204]}))
    [2024, 2204]
    """
    if "year" not in ledger.columns:
        return []
    years = pd.to_numeric(ledger["year"], errors="coerce").dropna()
    years = years[years == years.round()].astype("int64")
    if years.empty:
        return []
    first, last = int(years.min()), int(years.max())
    if last - first < MAX_SPAN_YEARS:
        return list(range(first, last + 1))
    return sorted(int(y) for y in years.unique())


def division(code) -> str | None:
    """The GB/T 4754 division (大类, two digits) of an industry code: ``"3911"`` → ``"39"``; a
    code of another form stays as it is (data); missing → None."""
    if code is None or code is pd.NA or (isinstance(code, float) and np.isnan(code)):
        return None
    if isinstance(code, float) and code.is_integer():
        code = int(code)
    text = str(code).strip()
    if not text:
        return None
    m = _DIVISION.fullmatch(text)
    return m.group(1) if m else text


def _prepared(parcels: pd.DataFrame, ledger: pd.DataFrame, years: Sequence[int] | None):
    """(parcel ids, areas in mu, ledger years as floats, parcel positions, the years)."""
    ids = eff._parcel_index(parcels)
    area = (pd.to_numeric(parcels["area_mu"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            if "area_mu" in parcels.columns else eff._parcel_area(parcels))
    for col in ("parcel_id", "year"):
        if col not in ledger.columns:
            raise SchemaError(f"ledger: the column {col} is required for the efficiency trends")
    row_year = pd.to_numeric(ledger["year"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    pos = ids.get_indexer(ledger["parcel_id"].astype("str")).astype("int64")
    return ids, area, row_year, pos, list(years) if years is not None else ledger_years(ledger)


def _changes(grid: dict[str, np.ndarray], years: list[int]) -> dict[str, np.ndarray]:
    """``<name>_yoy_pct`` of (years × units) arrays, each year against the row before when
    that row is the year before (else empty)."""
    out = {}
    follows = np.diff(np.asarray(years, dtype="int64"), prepend=np.int64(-1) if years else []) == 1
    for name in TRENDS:
        now = grid[name]
        before = np.vstack([np.full((1, now.shape[1]), np.nan), now[:-1]])
        before[~follows] = np.nan
        out[f"{name}_yoy_pct"] = eff._ratio(now - before, np.abs(before), 100.0)
    return out


def _long(grid: dict[str, np.ndarray], years: list[int], units: dict[str, np.ndarray],
          n: int) -> pd.DataFrame:
    """A (years × n units) grid as a long frame: one row per unit and year, unit-major, each
    unit's ``units`` values repeated on its rows."""
    data: dict[str, object] = {k: np.repeat(np.asarray(v), len(years)) for k, v in units.items()}
    data["year"] = np.tile(np.asarray(years, dtype="int64"), n)
    for name, values in grid.items():
        data[name] = np.asarray(values).T.ravel()
    return pd.DataFrame(data)


def parcel_trends(parcels: pd.DataFrame, ledger: pd.DataFrame, rules: RuleSet | Mapping, *,
                  years: Sequence[int] | None = None) -> pd.DataFrame:
    """Every parcel's figures in every ledger year.

    Parameters
    ----------
    parcels : DataFrame
        Parcels with a unique ``parcel_id`` and ``area_mu`` (else a geometry it is measured
        from); ``industry_code`` is carried along when present.
    ledger : DataFrame
        The enterprise ledger, all years.
    rules : RuleSet
        The typed rules (:func:`landplan.rules.load_ruleset`; a rules dict is deprecated):
        each year's score and class.
    years : sequence of int, optional
        Default :func:`ledger_years`.

    Returns
    -------
    DataFrame
        One row per parcel and year (parcel by parcel, years ascending; 0..n-1 index):
        ``parcel_id``, ``industry_code`` (if given), ``year``, ``area_mu``, ``enterprises``,
        :data:`FIGURES`, :data:`PER_MU`, ``efficiency_score``, ``efficiency_class`` and
        ``<name>_yoy_pct`` for :data:`TRENDS`. A year without ledger rows has empty figures.
    """
    rules = as_ruleset(rules)
    ids, area, row_year, pos, years = _prepared(parcels, ledger, years)
    names = ("enterprises", *FIGURES, *PER_MU, "efficiency_score", "efficiency_class")
    grid: dict[str, list] = {name: [] for name in names}
    for y in years:
        sel = (row_year == y) & (pos >= 0)
        cols, _ = eff._parcel_year(ids, area, ledger[sel], pos[sel], rules, y)
        for name in names:
            grid[name].append(np.asarray(cols[name]))
    arrays = {k: np.vstack(v) if v else np.empty((0, len(ids))) for k, v in grid.items()}
    arrays.update(_changes(arrays, years))
    units = {"parcel_id": ids.to_numpy(dtype=object)}
    if "industry_code" in parcels.columns:
        units["industry_code"] = parcels["industry_code"].astype(object).where(
            parcels["industry_code"].notna(), None).to_numpy(dtype=object)
    units["area_mu"] = area
    out = _long(arrays, years, units, len(ids))
    out["enterprises"] = out["enterprises"].astype("Int64")
    out["efficiency_class"] = out["efficiency_class"].astype("str")
    return out


def enterprise_trends(parcels: pd.DataFrame, ledger: pd.DataFrame, rules: RuleSet | Mapping, *,
                      years: Sequence[int] | None = None) -> pd.DataFrame:
    """Every enterprise's figures in every ledger year (the enterprise view of each year).

    Returns
    -------
    DataFrame
        One row per enterprise with ledger rows in any of the years, and year (enterprise by
        enterprise in ``enterprise_id`` order): ``enterprise_id``, ``name`` (its latest),
        ``year``, ``parcels``, ``land_mu``, :data:`FIGURES`, :data:`PER_MU` (over ``land_mu``),
        ``efficiency_score``, ``efficiency_class`` and ``<name>_yoy_pct``; a year without its
        rows has empty figures and 0 parcels.
    """
    if "enterprise_id" not in ledger.columns:
        raise SchemaError("ledger: the column enterprise_id is required for the enterprise view")
    rules = as_ruleset(rules)
    ids, area, row_year, pos, years = _prepared(parcels, ledger, years)
    per_year = []
    for y in years:
        sel = (row_year == y) & (pos >= 0)
        eids, cols, _ = eff._enterprise_year(ids, area, ledger[sel], pos[sel], rules, y, warn=False)
        per_year.append((eids, cols))
    every = pd.Index(pd.unique(np.concatenate([e.to_numpy(dtype=object) for e, _ in per_year]))
                     if per_year else [], dtype=object).sort_values()
    names = ("parcels", "land_mu", *FIGURES, *PER_MU, "efficiency_score", "efficiency_class", "name")
    where = [every.get_indexer(eids) for eids, _ in per_year]
    arrays: dict[str, np.ndarray] = {}
    for name in names:
        kind = object if name in ("efficiency_class", "name") else "float64"
        grid = np.full((len(years), len(every)), None if kind is object else np.nan, dtype=kind)
        for k, (_, cols) in enumerate(per_year):
            grid[k, where[k]] = np.asarray(cols[name], dtype=kind)
        arrays[name] = grid
    arrays["parcels"] = np.nan_to_num(arrays["parcels"])
    name = np.full(len(every), None, dtype=object)
    for row in arrays.pop("name"):  # the latest name an enterprise's rows give
        name = np.where(pd.isna(row), name, row)
    arrays.update(_changes(arrays, years))
    out = _long(arrays, years, {"enterprise_id": every.to_numpy(dtype=object), "name": name},
                len(every))
    out["parcels"] = out["parcels"].astype("Int64")
    out["efficiency_class"] = out["efficiency_class"].astype("str")
    return out


def group_trends(parcel_rows: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """The park's figures per year (``by=None``), or each industry's (``by="industry"``).

    Parameters
    ----------
    parcel_rows : DataFrame
        :func:`parcel_trends` (or its rows of some parcels: the park of the shown ones).
    by : {None, "industry"}
        ``"industry"`` groups by the GB/T 4754 division of ``industry_code``
        (:func:`division`); parcels without one form their own group (``industry_code`` empty).

    Returns
    -------
    DataFrame
        One row per group and year: [``industry_code``], ``year``, ``parcels`` (with ledger rows
        that year), ``area_mu`` (their land), :data:`FIGURES` (Σ; empty when no parcel has the
        figure), :data:`PER_MU` (Σ figure / Σ land over the parcels having both, land > 0) and
        ``<name>_yoy_pct``. The groups' figures, parcels and land add up to the park's.
    """
    if by not in (None, "industry"):
        raise ValueError(f"by must be None or 'industry', not {by!r}")
    years = sorted(pd.unique(parcel_rows["year"]).tolist())
    y_code = pd.Index(years).get_indexer(parcel_rows["year"]).astype("int64")
    if by is None:
        g_code, groups = np.zeros(len(parcel_rows), dtype="int64"), None
        m = 1
    else:
        codes = parcel_rows["industry_code"].map(division) if "industry_code" in parcel_rows \
            else pd.Series(None, index=parcel_rows.index, dtype=object)
        g_code, groups = pd.factorize(codes.astype(object), sort=True, use_na_sentinel=False)
        g_code = np.asarray(g_code, dtype="int64")
        m = len(groups)
    cell = g_code * len(years) + y_code
    size = m * len(years)
    has_rows = parcel_rows["enterprises"].fillna(0).to_numpy(dtype="int64") > 0
    land = np.where(has_rows, parcel_rows["area_mu"].to_numpy(dtype="float64", na_value=np.nan), np.nan)
    out: dict[str, np.ndarray] = {
        "parcels": np.bincount(cell[has_rows], minlength=size).astype("float64"),
        "area_mu": eff._group_sum(cell, land, size),
    }
    for name in FIGURES:
        out[name] = eff._group_sum(cell, parcel_rows[name].to_numpy(dtype="float64", na_value=np.nan), size)
    for name in PER_MU:
        num_col, _, scale = eff.INDICATORS[name]
        num = parcel_rows[num_col].to_numpy(dtype="float64", na_value=np.nan)
        ok = ~np.isnan(num) & ~np.isnan(land) & (land > 0)
        out[name] = eff._ratio(eff._group_sum(cell[ok], num[ok], size),
                               eff._group_sum(cell[ok], land[ok], size), scale)
    grid = {k: v.reshape(m, len(years)).T for k, v in out.items()}  # years × groups
    grid.update(_changes(grid, years))
    units = {} if groups is None else {"industry_code": np.asarray(
        [None if isinstance(g, float) and np.isnan(g) else g for g in groups], dtype=object)}
    frame = _long(grid, years, units, m)
    frame["parcels"] = frame["parcels"].astype("Int64")
    return frame
