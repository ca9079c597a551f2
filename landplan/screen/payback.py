"""The payback of the project on each ranked site (issue 22 item 4: 招商选址 as a ranking term).

For every site the ranking offers, :func:`site_payback` asks what the park lays out per mu to
supply that site to this project and how many years of the project's promised tax pay it back
(the land economics of :mod:`landplan.economics`, shared/domain/land-economics.md):

- **cost per mu** = acquisition (the site's own ``acquisition_wan_per_mu`` when the table has
  it, else the 区片综合地价 of the acquisition zone covering most of it, else the rules'
  park-wide ``acquisition_wan_per_mu``: as :func:`landplan.economics_workspace.evaluation_economics`) +
  development (七通一平, ``development_wan_per_mu``) + the extension cost of the networks the
  site lacks for the project's needs (the screening's ``ext_cost_wan``, Σ ``ext_<t>_cost_wan``
  over the needed networks) ÷ the site's mu + earthworks ÷ mu when the table has an
  ``earthwork_cost_wan`` (terrain gives volumes, not a cost: counted only when known);
- **expected land price per mu**: the project's offered price (``land_price_wan_per_mu`` of the
  project file) when it has one, else the park's floor
  (:func:`landplan.economics.floor_price_check` for the park's grade, raised by a provincial
  floor; the 56号 Art. 2 exception is not applied: whether the project is a province-designated
  priority industry is not known here). 56号 also forbids a price below the actual cost sum
  (§1.3); the expected price is the floor the brief asks for, so a site whose cost exceeds it
  shows the outlay a park selling at the floor would carry;
- **net outlay per mu** = cost − price (≤ 0: paid at sale, payback 0);
- **tax per mu** = the project's expected yearly tax at full production ÷ the site's mu (the
  same project pays the same tax on whichever site), of which the park keeps
  ``retained_local_share``, from year ``tax_lag_years + 1``
  (:func:`landplan.economics.promised_payback_years`).

A project without a promised tax has no payback (the term is absent, not zero); incomplete
economics inputs (:func:`landplan.economics_workspace.economics_missing`) leave the columns empty and the
screening says once which rules keys are missing.

The ranking term ``payback`` = 1 − static payback ÷ the largest among the fitting sites (as the
other components; a site not paying back within the horizon, or whose cost is unknown, gets 0).
The static and the discounted payback rank constant flows with the same lag alike; the static
one assumes no rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..economics import (
    M2_PER_MU,
    EconomicsInputs,
    floor_price_check,
    promised_payback_years,
)
from ..economics_workspace import acquisition_prices, economics_inputs
from ..ruleset import RuleSet
from ..tables import num as _num

#: Columns :func:`site_payback` gives (canonical names; the sites table holds them).
PAYBACK_COLUMNS: tuple[str, ...] = (
    "acquisition_wan_per_mu", "development_wan_per_mu", "extension_wan_per_mu", "earthwork_wan_per_mu",
    "cost_wan_per_mu", "price_wan_per_mu", "price_basis", "net_outlay_wan_per_mu", "tax_per_mu_wan",
    "payback_years", "payback_discounted_years", "payback_within_horizon")


def economics_for(rules: RuleSet | Mapping, table: pd.DataFrame | None = None
                  ) -> tuple[EconomicsInputs | None, list[str]]:
    """The economics inputs of the rules in force (:func:`landplan.economics_workspace.economics_inputs`),
    or None and the rules keys that are missing, for a table without a workspace (no acquisition
    zones; a workspace's screening asks :func:`landplan.economics_workspace.economics_missing`). Without a
    park-wide ``economics.acquisition_wan_per_mu`` the sites need their own
    ``acquisition_wan_per_mu`` column: when ``table`` has none, that key is missing too.
    """
    inputs, missing = economics_inputs(rules)
    if inputs is not None and inputs.acquisition_wan_per_mu is None and table is not None \
            and "acquisition_wan_per_mu" not in table.columns:
        return None, ["economics.acquisition_wan_per_mu"]
    return inputs, list(missing)


def floor_wan_per_mu(inputs: EconomicsInputs) -> float:
    """The park's floor price in 万元/亩: the grade's floor (307号 附件1), raised by a provincial
    floor (:func:`landplan.economics.floor_price_check`, no exception assessed)."""
    check = floor_price_check(np.nan, int(inputs.land_grade), floor_prices_yuan_per_m2=inputs.floor_prices_yuan_per_m2,
                              provincial_floor_yuan_per_m2=inputs.provincial_floor_yuan_per_m2)
    return float(check["floor_yuan_per_m2"].iloc[0]) * M2_PER_MU / 10_000.0


def site_payback(sites: gpd.GeoDataFrame, ext_cost_wan: pd.Series, *, tax_wan: float | None,
                 land_price_wan_per_mu: float | None, inputs: EconomicsInputs | None,
                 zones: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Cost, price, net outlay, tax and payback per mu of each site (see the module docstring).

    Parameters
    ----------
    sites : GeoDataFrame
        The fitting parcels (evaluation columns): ``area_mu``, the geometry; optional
        ``acquisition_wan_per_mu`` and ``earthwork_cost_wan``.
    ext_cost_wan : Series
        The extension cost of the project's missing networks per site (same index; NaN unknown).
    tax_wan : float or None
        The project's expected yearly tax at full production (万元); None: no payback.
    land_price_wan_per_mu : float or None
        The project's offered land price; None: the park's floor.
    inputs : EconomicsInputs or None
        None: every column empty.
    zones : GeoDataFrame, optional
        The acquisition zones (:func:`landplan.economics_workspace.read_acquisition_zones`).

    Returns
    -------
    DataFrame
        :data:`PAYBACK_COLUMNS`, same index as ``sites``; ``price_basis`` is ``project`` or
        ``floor``; the paybacks are NaN when not within ``horizon_years`` (then
        ``payback_within_horizon`` is False) or not known (NA).
    """
    idx = sites.index
    n = len(idx)
    nan = np.full(n, np.nan)
    if inputs is None:
        out = pd.DataFrame({c: nan for c in PAYBACK_COLUMNS}, index=idx)
        out["price_basis"] = pd.Series("", index=idx, dtype=object)
        out["payback_within_horizon"] = pd.array([pd.NA] * n, dtype="boolean")
        return out
    area = _num(sites, "area_mu").to_numpy(dtype="float64", na_value=np.nan)
    acq, _ = acquisition_prices(sites, zones, pd.RangeIndex(n))
    if inputs.acquisition_wan_per_mu is not None:
        acq = np.where(np.isnan(acq), float(inputs.acquisition_wan_per_mu), acq)
    dev = np.full(n, float(inputs.development_wan_per_mu))
    with np.errstate(divide="ignore", invalid="ignore"):
        ext = pd.to_numeric(ext_cost_wan, errors="coerce").to_numpy(dtype="float64", na_value=np.nan) / area
        earth = _num(sites, "earthwork_cost_wan").fillna(0.0).to_numpy(dtype="float64") / area
        cost = acq + dev + ext + earth
        given = land_price_wan_per_mu is not None
        price = np.full(n, float(land_price_wan_per_mu) if given else floor_wan_per_mu(inputs))
        outlay = cost - price
        tax = np.full(n, float(tax_wan)) / area if tax_wan is not None else nan
    known = ~np.isnan(outlay) & ~np.isnan(tax) & (area > 0)
    years = promised_payback_years(np.where(known, outlay, np.nan), np.where(known, tax, np.nan), inputs)
    static = np.where(known, years["static_payback_years"].to_numpy(), np.nan)
    disc = np.where(known, years["discounted_payback_years"].to_numpy(), np.nan)
    within = pd.array(~np.isnan(static), dtype="boolean")
    within[~known] = pd.NA
    return pd.DataFrame({
        "acquisition_wan_per_mu": acq, "development_wan_per_mu": dev, "extension_wan_per_mu": ext,
        "earthwork_wan_per_mu": earth, "cost_wan_per_mu": cost, "price_wan_per_mu": price,
        "price_basis": np.full(n, "project" if given else "floor", dtype=object),
        "net_outlay_wan_per_mu": outlay, "tax_per_mu_wan": tax, "payback_years": static,
        "payback_discounted_years": disc, "payback_within_horizon": within}, index=idx)


def unused_reason(tax_wan: Any, inputs: EconomicsInputs | None) -> str:
    """Why the payback term cannot be formed (``val.screen_unused.*``), "" when it can."""
    if tax_wan is None:
        return "no_tax"
    return "no_economics" if inputs is None else ""
