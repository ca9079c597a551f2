"""The demo park's enterprises and their ledger: company names, 统一社会信用代码 with valid check
characters (GB 32100-2015), and one row per enterprise × parcel × year of :data:`LEDGER_YEARS`
with lognormal figures, shared parcels and halted factories whose figures collapse.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from .base import (
    _AS_OF,
    _DAYS_PER_YEAR,
    _ENERGY_HEAVY,
    _INDUSTRIES,
    _PRODUCING,
    LEDGER_YEARS,
    _at_least,
    _concat,
    _frame,
    _pick,
)

_BRAND = "华瑞信达恒泰鑫源创凯宏盛博远德隆锦航晶芯润通安祥益丰辰昊睿捷卓立诚汇融拓峰宇欣弘嘉铭力昌邦维尚美天海正元启明光"
# ------------------------------------------------------------------------------------------
# Enterprises and the ledger
# ------------------------------------------------------------------------------------------


def _company_names(industry: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Distinct Chinese company names such as 合肥瑞达电子科技有限公司."""
    n = industry.size
    word = pd.Series({c: w for c, _f, w, _far in _INDUSTRIES})
    ind = pd.Series(industry).map(word).fillna("实业").to_numpy().astype(str)
    brand = np.array(list(_BRAND))
    style = rng.choice(3, size=n, p=[0.65, 0.25, 0.10])
    tech = np.where(rng.random(n) < 0.3, "科技", "")
    suffix = _pick(rng, ["有限公司", "股份有限公司", "有限责任公司"], n, p=[72, 18, 10])
    mark = _concat(_pick(rng, brand, n), _pick(rng, brand, n))
    names = np.empty(n, dtype=object)
    for _ in range(12):
        core = _concat(mark, ind, tech)
        full = np.where(style == 0, _concat("合肥", core, suffix),
                        np.where(style == 1, _concat("安徽", core, suffix),
                                 _concat(core, "（合肥）", suffix)))
        names = full
        dup = pd.Series(full).duplicated().to_numpy()
        if not dup.any():
            break
        mark = np.where(dup, _concat(mark, _pick(rng, brand, n)), mark)
    return names.astype(object)


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
_ORG_VALUE = np.array([int(c) if c.isdigit() else ord(c) - 55 for c in _USCC_ALPHABET])


def _uscc(index: np.ndarray, new_style: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Distinct 18-character 统一社会信用代码 with valid check characters (GB 32100-2015).

    ``91`` (enterprise), a Hefei registration area, a 9-character organisation code (``MA…``
    for firms registered since 2015, 8 digits before) with its GB 11714 check character, and
    the final check character. Distinct ``index`` values give distinct codes.
    """
    n = index.size
    idx = np.zeros((n, 17), dtype=np.int64)
    idx[:, 0], idx[:, 1] = 9, 1
    regions = np.array([[int(c) for c in r] for r in ("340100", "340104", "340111", "340123")])
    idx[:, 2:8] = regions[rng.choice(len(regions), size=n, p=[0.70, 0.15, 0.10, 0.05])]
    new_v = (index * 48271 + 12345) % 31**6
    old_v = (index * 7919 + 1234567) % 10**8
    body = np.zeros((n, 8), dtype=np.int64)
    body[:, 0], body[:, 1] = _USCC_ALPHABET.index("M"), _USCC_ALPHABET.index("A")
    for pos in range(7, 1, -1):
        body[:, pos] = new_v % 31
        new_v //= 31
    old = np.zeros((n, 8), dtype=np.int64)
    for pos in range(7, -1, -1):
        old[:, pos] = old_v % 10
        old_v //= 10
    body = np.where(new_style[:, None], body, old)
    c9 = 11 - (_ORG_VALUE[body] * _ORG_WEIGHTS).sum(axis=1) % 11
    c9 = np.where(c9 == 10, _USCC_ALPHABET.index("X"), np.where(c9 == 11, 0, c9))
    idx[:, 8:16] = body
    idx[:, 16] = c9
    c18 = (31 - (idx * _USCC_WEIGHTS).sum(axis=1) % 31) % 31
    chars = np.array(list(_USCC_ALPHABET))[np.c_[idx, c18]]
    return np.ascontiguousarray(chars).view("<U18").ravel().astype(object)


def _enterprises(lay: SimpleNamespace, attrs: dict, rng: np.random.Generator
                 ) -> tuple[np.ndarray, pd.DataFrame]:
    """Parcel holders and the enterprise ledger (one row per enterprise × parcel × year)."""
    n = lay.n
    names = attrs["_profile"]
    mu = attrs["_mu"]
    dates = attrs["_dates"]
    industry = attrs["industry_code"]
    holder_parcel = names != "reserve"

    # Which parcels produce in the ledger years; completed ones in trial production in 2025.
    jan1 = {y: float((np.datetime64(f"{y}-01-01") - _AS_OF).astype(int)) for y in LEDGER_YEARS}
    producing = np.isin(names, _PRODUCING)
    trial = (names == "completed") & (dates["production"] <= jan1[2025] + 181)
    trial &= rng.random(n) < 0.7
    producing |= trial

    # Enterprises per producing parcel: 1, or 2-3 renting a bigger one.
    r = rng.random(n)
    count = np.where(producing, 1 + ((r < 0.12) & (mu >= 30)) + ((r < 0.04) & (mu >= 40)), 0)

    # One enterprise on two neighbouring parcels (same row, both single-occupier).
    nxt = np.r_[np.arange(1, n), n - 1]
    cand = producing & producing[nxt] & (count == 1) & (count[nxt] == 1) & (lay.row == lay.row[nxt])
    cand[-1] = False
    twin = _at_least(cand, cand & (rng.random(n) < 0.015), 1, rng)
    twin &= ~np.r_[False, twin[:-1]]
    second = np.r_[False, twin[:-1]]  # the second parcel of each pair: same business
    for column in ("industry_code", "land_use"):
        attrs[column][second] = attrs[column][twin]

    # Entities: the holder of every non-reserve parcel (the twin's second parcel reuses the
    # first's), plus tenants.
    main = holder_parcel & ~second
    main_parcels = np.flatnonzero(main)
    tenants = np.repeat(np.arange(n), np.maximum(count - 1, 0))
    entity_parcel = np.r_[main_parcels, tenants]
    E = entity_parcel.size
    ent_industry = industry[entity_parcel].copy()
    nt = tenants.size
    ent_industry[main_parcels.size:] = _pick(rng, [c for c, *_ in _INDUSTRIES], nt,
                                             p=[w for _c, w, *_ in _INDUSTRIES])
    supply_year = 2026.5 + dates["supply"][entity_parcel] / _DAYS_PER_YEAR
    new_style = (supply_year >= 2016) | (rng.random(E) < 0.2)
    new_style[main_parcels.size:] = rng.random(nt) < 0.7
    ent_name = _company_names(ent_industry, rng)
    ent_id = _uscc(rng.permutation(E), new_style, rng)

    parcel_entity = np.full(n, -1)
    parcel_entity[main_parcels] = np.arange(main_parcels.size)
    parcel_entity[second] = parcel_entity[np.flatnonzero(second) - 1]
    holders = np.full(n, None, dtype=object)
    holders[holder_parcel] = ent_name[parcel_entity[holder_parcel]]

    # Links enterprise × parcel, with each enterprise's portion of the land.
    prod = np.flatnonzero(producing)
    link_parcel = np.r_[prod, tenants]
    link_entity = np.r_[parcel_entity[prod], np.arange(main_parcels.size, E)]
    link_role = np.r_[np.zeros(prod.size, int), np.arange(tenants.size) - np.repeat(
        np.cumsum(count[count > 1] - 1) - (count[count > 1] - 1), count[count > 1] - 1) + 1]
    m = count[link_parcel]
    main_part = np.round(rng.uniform(0.4, 0.7, n), 2)
    second_part = (1 - main_part) * np.where(count == 3, rng.uniform(0.35, 0.65, n), 1.0)
    second_part = np.round(second_part, 2)
    portion = np.select([m == 1, link_role == 0, link_role == 1],
                        [1.0, main_part[link_parcel], second_part[link_parcel]],
                        np.round(1 - main_part[link_parcel] - second_part[link_parcel], 2))
    given = np.where(count > 1, rng.random(n) < 0.6, rng.random(n) < 0.1)[link_parcel]
    share = np.where(given, portion, np.nan)

    # Enterprise traits (lognormal: a few strong firms, a long tail).
    rev_mu = np.exp(rng.normal(np.log(260), 0.95, E))
    growth = rng.normal(1.05, 0.08, E)
    tax_rate = np.clip(np.exp(rng.normal(np.log(0.035), 0.45, E)), 0.002, 0.15)
    va_rate = rng.uniform(0.18, 0.35, E)
    energy = np.exp(rng.normal(np.log(0.04), 0.7, E))  # tce per 万元 of output
    energy[np.isin(ent_industry, list(_ENERGY_HEAVY))] *= 4
    emission = np.exp(rng.normal(np.log(0.015), 0.6, E))
    rd = np.clip(np.exp(rng.normal(np.log(0.02), 0.8, E)), 0.0005, 0.12)
    productivity = np.exp(rng.normal(np.log(120), 0.4, E))

    # Rows: link × year, when the parcel produced at least a quarter of the year.
    years = np.array(LEDGER_YEARS)
    start = np.array([jan1[y] for y in years])
    p_start = np.nan_to_num(dates["production"][link_parcel], nan=-1e9)
    active = np.clip((start[None, :] + 365 - p_start[:, None]) / 365, 0, 1)
    halted_at = dates["halted"][link_parcel]
    before_halt = np.where(np.isnan(halted_at)[:, None], 1.0,
                           np.clip((halted_at[:, None] - start[None, :]) / 365, 0, 1))
    scale = active * np.maximum(before_halt, 0.03)  # a halted firm's figures collapse
    is_trial = trial[link_parcel]
    scale[is_trial] = 0.15 * active[is_trial]
    keep = active >= 0.25
    keep[is_trial, :-1] = False
    li, yi = np.nonzero(keep)
    e = link_entity[li]
    p = link_parcel[li]
    noise = np.exp(rng.normal(0, 0.1, li.size))
    revenue = rev_mu[e] * mu[p] * portion[li] * scale[li, yi] * noise
    revenue *= growth[e] ** (years[yi] - years[0])
    output = revenue * rng.uniform(0.92, 1.08, li.size)
    value_added = output * va_rate[e]
    cols = {
        "enterprise_id": ent_id[e],
        "name": ent_name[e],
        "parcel_id": attrs["parcel_id"][p],
        "year": years[yi],
        "share": share[li],
        "above_scale": (revenue >= 2000).astype(object),
        "tax_wan": np.round(revenue * tax_rate[e] * np.exp(rng.normal(0, 0.15, li.size)), 2),
        "revenue_wan": np.round(revenue, 2),
        "output_wan": np.round(output, 2),
        "value_added_wan": np.round(value_added, 2),
        "energy_tce": np.round(output * energy[e], 2),
        "emission_t": np.round(output * energy[e] * emission[e], 3),
        "rd_wan": np.round(revenue * rd[e], 2),
        "employees": np.maximum(5.0, np.round(revenue / productivity[e])),
    }
    for column, rate in {"tax_wan": 0.01, "revenue_wan": 0.005, "output_wan": 0.015,
                         "value_added_wan": 0.02, "energy_tce": 0.02, "emission_t": 0.06,
                         "rd_wan": 0.04, "employees": 0.02, "above_scale": 0.01}.items():
        cols[column][rng.random(li.size) < rate] = None if column == "above_scale" else np.nan
    # electricity (for the 规下 formula's tax per kWh): synthetic, about 60 % of the energy use
    # as electricity at 0.1229 kgce/kWh; drawn from no random number, so the rest of the park
    # is unchanged, and missing where the energy use is
    cols["electricity_kwh"] = np.round(cols["energy_tce"] * 4880.0)
    ledger = _frame("ledger", cols, None, None)
    ledger["_role"] = link_role[li]
    ledger = ledger.sort_values(["year", "parcel_id", "_role"], kind="stable")
    ledger = ledger.drop(columns="_role").reset_index(drop=True)
    return holders, ledger


