"""The demo park's lifecycle columns (土地全生命周期): the stages before supply and the 标准地
terms, drawn on their own random stream so that adding them left every other column unchanged.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .base import _DAYS_PER_YEAR, _PRODUCING, DEMO_AS_OF, _concat, _days


def _lifecycle(attrs: dict, tile: np.ndarray, rng: np.random.Generator) -> None:
    """Lifecycle columns (土地全生命周期), in place: the stages before supply and the 标准地 terms.

    Of the reserve land (the newest, at the frontier) the farthest parts are still
    ``planned`` (规划), being acquired (``acquiring`` 征收中: mu acquired, compensation paid,
    graves moved, houses demolished, households resettled so far) or ``approved`` (已批未供, with
    an approval date and batch); the rest stays ``reserve``, some of it approved long ago (批而未供).
    Every supplied parcel was approved 3 months to 2 years before supply and fully acquired.
    Completion and production dates follow the development profile; parcels supplied from 2019
    on are 标准地 with contract conditions (投资强度, 亩均税收, 亩均增加值, productivity, value added
    per tce, floor-area ratio and coverage ranges) and a full-production date. Figures are
    invented for the synthetic park, not rules.
    """
    n = len(attrs["parcel_id"])
    status = attrs["status"]
    names = attrs["_profile"]
    mu = attrs["_mu"]
    dates = attrs["_dates"]
    Y = _DAYS_PER_YEAR

    def u(lo, hi, k=n):
        return rng.uniform(lo, hi, k)

    reserve = np.flatnonzero(status == "reserve")
    reserve = reserve[np.argsort(-tile[reserve], kind="stable")]  # frontier first
    k = len(reserve) // 6 if len(reserve) >= 4 else 0
    stage = np.full(n, "", dtype=object)
    stage[reserve[:k]] = "planned"
    stage[reserve[k : 2 * k]] = "acquiring"
    stage[reserve[2 * k : 3 * k]] = "approved"
    for name in ("planned", "acquiring", "approved"):
        status[stage == name] = name

    approval = np.full(n, np.nan)
    supplied = ~np.isnan(dates["supply"])
    approval[supplied] = dates["supply"][supplied] - u(90, 730)[supplied]
    approved = stage == "approved"
    approval[approved] = -u(60, 1100)[approved]
    old_reserve = (status == "reserve") & (rng.random(n) < 0.5)
    approval[old_reserve] = -u(200, 2000)[old_reserve]
    year = 2026 + np.floor((approval + (DEMO_AS_OF - date(2026, 1, 1)).days) / Y)
    batch = np.where(np.isnan(approval), None,
                     _concat(np.nan_to_num(year).astype(int).astype(str), "年度第",
                             rng.integers(1, 9, n).astype(str), "批次城镇建设用地"))

    acquiring = stage == "acquiring"
    acquired = np.where(np.isin(stage, ["planned"]), np.nan, mu)
    acquired[acquiring] = mu[acquiring] * u(0.2, 0.9)[acquiring]
    acquired = np.round(acquired, 2)
    paid = np.round(acquired * u(3.0, 6.0), 1)
    graves = np.where(np.isnan(acquired), np.nan, rng.poisson(np.nan_to_num(acquired) / 10.0))
    houses = np.where(np.isnan(acquired), np.nan, rng.poisson(np.nan_to_num(acquired) / 25.0))
    households = np.round(houses * u(0.8, 1.5))

    producing = np.isin(names, _PRODUCING)
    P = dates["production"]
    completion = np.where(producing, P - u(30, 200), np.nan)
    completion[names == "completed"] = P[names == "completed"]
    production = np.where(producing, P, np.nan)

    supply_day = dates["supply"]
    standard = supplied & (supply_day >= (date(2019, 1, 1) - DEMO_AS_OF).days)
    intensity = attrs["agreed_investment_wan"] / mu

    def cond(lo, hi, decimals=1, p_missing=0.0):
        v = np.round(u(lo, hi), decimals)
        v[~standard | (rng.random(n) < p_missing)] = np.nan
        return v

    attrs.update({
        "acquired_mu": acquired,
        "compensation_paid_wan": paid,
        "graves_moved": pd.array(graves, dtype="Int64"),
        "houses_demolished": pd.array(houses, dtype="Int64"),
        "households_resettled": pd.array(households, dtype="Int64"),
        "approval_date": _days(approval),
        "approval_batch": batch,
        "actual_completion_date": _days(completion),
        "production_date": _days(production),
        "full_production_due_date": _days(np.where(standard, dates["agreed_completion"] + u(365, 730), np.nan)),
        "standard_land": np.where(supplied, standard, None),
        "contract_investment_intensity_wan_per_mu": np.where(standard, np.round(intensity * u(0.9, 1.0), 1), np.nan),
        "contract_tax_per_mu_wan": cond(15, 30),
        "contract_value_added_per_mu_wan": cond(80, 160, 0),
        "contract_productivity_wan_per_person": cond(20, 40, 1, 0.3),
        "contract_value_added_per_tce_wan": cond(0.5, 2.0, 2, 0.3),
        "contract_far_min": cond(0.8, 1.2),
        "contract_far_max": np.where(standard, 2.5, np.nan),
        "contract_coverage_min_pct": np.where(standard, 30.0, np.nan),
        "contract_coverage_max_pct": np.where(standard, 60.0, np.nan),
    })


