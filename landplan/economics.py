"""Land economics per parcel and per park (土地投入产出, issue 22): what each mu cost, what it
returns in local tax, and when it pays back.

Every figure and rule here comes from ``shared/domain/land-economics.md`` (cited by section,
e.g. "§1.2"); what that document marks **UNCONFIRMED** is never given a default, and what it
marks **Derived** (the payback of park land, the cost per mu of serviced land) is its own
bookkeeping identity, to be labelled as such wherever it reaches people.

The pieces:

- :class:`EconomicsInputs`: the park's land grade (with where it came from), the floor-price
  table of 国土资发〔2006〕307号 附件1 (§1.2), a provincial floor that can only raise it (§1.3,
  §1.5), the acquisition price per mu (区片综合地价, §2.1), the development cost per mu
  (七通一平, §2.4: no published figure, so it is required), the retained local share of the tax
  (§3.3), a discount rate and the lag from supply to first tax (§3.4), the horizon (the 50-year
  maximum industrial term, §1.3).
- :func:`static_payback_years`, :func:`discounted_payback_years`: the textbook payback with
  interpolation in the year the cumulative flow turns non-negative (§3.4, [S37]):
  ``Pt = (T − 1) + |cumulative flow of year T − 1| / flow of year T``; the worked example
  (−60 after year 5, 240 in year 6) gives 5.25 years.
- :func:`floor_price_check`: 成交价 against the grade's floor, with the 国土资发〔2009〕56号 Art. 2
  exception (§1.4) and the cost floor of 56号 (§1.3).
- :func:`local_tax_by_year`, :func:`parcel_economics`: per parcel; :func:`park_economics`: the
  park's totals, payback distribution, parcels that will not pay back, and a class change.
- :func:`promised_payback_years`: the payback of a tax promise (a new project), the lag applied.

Where the inputs come from in a workspace (the rules' ``economics:`` section, acquisition
zones, the evaluation's extension costs) is :mod:`landplan.economics_workspace`.

Timeline (Derived, §3.4): the outlay falls at the start of year 1; year ``t`` is calendar year
``supply_year + t − 1`` (the year of ``supply_date`` is year 1; a ledger year before it counts
in year 1); a year's flow is discounted by ``(1 + rate) ** t`` (end of year). Ledger years
after ``as_of`` are not used; years after the parcel's last recorded year up to the horizon
carry its current local tax per mu (that of its latest recorded year): "at its current
亩均税收".

Tax (§3.3): the ledger's ``tax_wan`` is a firm's total tax; ``retained_local_share`` is the part
of it the local side keeps. The document confirms 增值税 50 : 50 and 所得税 60 : 40 (central :
local); :func:`retained_share_of_mix` turns a VAT / income-tax mix into the share. How the local
part is split among province, city, county and park is UNCONFIRMED (§6 item 6): the share is
what the caller says the park keeps.

A parcel without ledger rows (up to ``as_of``) has **no** return: its return and payback are
empty (NaN), never 0, and ``econ_status`` reads ``no_ledger``.

>>> static_payback_years([560.0], [[100.0, 100.0, 100.0, 100.0, 100.0, 240.0]])[0]
array([5.25])
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import ParameterError, SchemaError
from .geometry import area_mu as _area_mu

__all__ = [
    "M2_PER_MU",
    "FLOOR_PRICE_YUAN_PER_M2",
    "VAT_LOCAL_SHARE",
    "INCOME_TAX_LOCAL_SHARE",
    "PRIORITY_FLOOR_FACTOR",
    "INTENSIVE_DENSITY_FACTOR",
    "INTENSIVE_INVESTMENT_FACTOR",
    "MAX_INDUSTRIAL_TERM_YEARS",
    "COST_COLUMNS",
    "STATUSES",
    "FLOOR_EXCEPTIONS",
    "PAYBACK_BINS",
    "PAYBACK_CLASSES",
    "payback_class",
    "EconomicsInputs",
    "retained_share_of_mix",
    "static_payback_years",
    "discounted_payback_years",
    "floor_price_check",
    "local_tax_by_year",
    "parcel_economics",
    "park_economics",
    "class_change_summary",
    "promised_payback_years",
]

log = logging.getLogger(__name__)

#: 1 亩 = 1/15 ha (§ unit conversion: China Quarterly 2011 [S59]; 480 元/m² = 32.00 万元/亩 [S13]).
M2_PER_MU = 10_000.0 / 15.0

#: National floor price of industrial land by grade, 元/m² of land: 国土资发〔2006〕307号 附件1
#: (§1.2). ``None``: UNCONFIRMED (grades 5, 7, 9, 12, 13, 14: only bounds are sourced, §1.7);
#: a floor for those grades must be entered by the user.
FLOOR_PRICE_YUAN_PER_M2: Mapping[int, float | None] = MappingProxyType({
    1: 840.0, 2: 720.0, 3: 600.0, 4: 480.0, 5: None, 6: 336.0, 7: None, 8: 252.0,
    9: None, 10: 168.0, 11: 144.0, 12: None, 13: None, 14: None, 15: 60.0,
})

#: Local share of 增值税 (50 : 50 from 2016-05-01, 国发〔2016〕26号 [S35], §3.3).
VAT_LOCAL_SHARE = 0.5
#: Local share of 企业所得税 / 个人所得税 (60 : 40 central : local, 国发〔2003〕26号 [S36], §3.3).
INCOME_TAX_LOCAL_SHARE = 0.4

#: 国土资发〔2009〕56号 Art. 2 (§1.4, [S7] [S8] [S6]): a province-designated 优先发展产业 whose land
#: use is 集约 may sell at no less than 70 % of the grade's floor. 用地集约 = 容积率 **and** 建筑系数
#: "超过…所规定标准40%以上" (≥ 1.4 × the 国土资发〔2008〕24号 control values) **and** 投资强度
#: "增加10%以上" (≥ 1.1 × the control value).
PRIORITY_FLOOR_FACTOR = 0.7
INTENSIVE_DENSITY_FACTOR = 1.4
INTENSIVE_INVESTMENT_FACTOR = 1.1

#: Industrial land use term at most 50 years (§1.3, [S64], [S1]): the default horizon of
#: "not paid back within N years".
MAX_INDUSTRIAL_TERM_YEARS = 50

#: Per-parcel cost columns :func:`parcel_economics` reads from ``costs`` (all optional, 万元 or
#: 万元/亩): ``acquisition_wan_per_mu`` (区片综合地价 of the parcel's zone, §2.1; overrides
#: ``EconomicsInputs.acquisition_wan_per_mu``), ``extension_cost_wan`` (the parcel's missing
#: networks, e.g. Σ ``ext_<t>_cost_wan`` of the coverage analysis), ``earthwork_cost_wan``.
COST_COLUMNS: tuple[str, ...] = ("acquisition_wan_per_mu", "extension_cost_wan", "earthwork_cost_wan")

#: Columns of ``costs`` used by the floor check (all optional; without them the 56号 exception
#: is ``not_assessed`` and the full floor applies): ``priority_industry`` (bool, the province's
#: 优先发展产业), ``plot_ratio`` / ``plot_ratio_control``, ``building_coverage_pct`` /
#: ``building_coverage_control_pct`` (建筑系数), ``investment_wan_per_mu`` /
#: ``investment_control_wan_per_mu`` (投资强度; control values of 国土资发〔2008〕24号).
FLOOR_COLUMNS: tuple[str, ...] = (
    "priority_industry", "plot_ratio", "plot_ratio_control", "building_coverage_pct",
    "building_coverage_control_pct", "investment_wan_per_mu", "investment_control_wan_per_mu",
)

#: ``econ_status`` codes (labels ``val.econ_status.*``).
STATUSES: tuple[str, ...] = (
    "no_cost",          # a cost item or the land price is missing: no outlay
    "paid_at_sale",     # net outlay ≤ 0: the land paid for itself when sold (§3.4)
    "no_supply_date",   # no supply date: no timeline
    "no_ledger",        # no ledger rows up to as_of: no return (not zero)
    "paid_back",        # cumulative local tax ≥ net outlay by as_of
    "will_pay_back",    # pays back within the horizon at the current 亩均税收
    "not_within_horizon",  # does not pay back within the horizon at the current 亩均税收
)
#: ``floor_exception`` codes (labels ``val.floor_exception.*``).
FLOOR_EXCEPTIONS: tuple[str, ...] = ("none", "priority_intensive", "not_assessed")

#: Payback-year classes of :func:`park_economics` (presentation only: lower bounds, years);
#: the class codes read ``0_5``, ``5_10`` … ``30_plus`` (labels ``val.payback_class.*``).
PAYBACK_BINS: tuple[float, ...] = (0.0, 5.0, 10.0, 20.0, 30.0)

#: The payback classes' codes (``val.payback_class.*``): ``0_5`` … ``30_plus`` by
#: :data:`PAYBACK_BINS`, lower edge included.
PAYBACK_CLASSES: tuple[str, ...] = tuple(
    f"{lo:g}_{hi:g}" if math.isfinite(hi) else f"{lo:g}_plus"
    for lo, hi in zip(PAYBACK_BINS, [*PAYBACK_BINS[1:], math.inf], strict=True))


def payback_class(static_payback_years: Any, econ_status: Any = None) -> np.ndarray:
    """Each parcel's payback class: its static payback years in :data:`PAYBACK_CLASSES` (5.0
    is in ``5_10``), else its ``econ_status`` (``not_within_horizon``, ``no_ledger`` …), else
    None. One function for the park summary and the map theme.

    >>> payback_class([4.9, 5.0, 30.0, float("nan")], ["will_pay_back"] * 3 + ["no_ledger"]).tolist()
    ['0_5', '5_10', '30_plus', 'no_ledger']
    """
    years = pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(static_payback_years, dtype=object))),
                          errors="coerce")
    edges = [*PAYBACK_BINS, math.inf]
    out = pd.cut(years, edges, right=False, labels=list(PAYBACK_CLASSES)).astype(object).to_numpy()
    out = np.where(pd.isna(out), None, out)
    if econ_status is not None:
        status = np.broadcast_to(np.asarray(econ_status, dtype=object), out.shape)
        out = np.where(out == None, status, out)  # noqa: E711 (elementwise)
    return out


_TOL = 1e-12  # relative: a cumulative flow equal to the outlay up to float rounding has paid back


# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------

def retained_share_of_mix(vat_fraction: float, income_tax_fraction: float) -> float:
    """The local share of a tax total made of 增值税 and 所得税 in the given fractions (§3.3).

    Only those two taxes have a confirmed split, so the fractions must add up to 1.

    >>> retained_share_of_mix(0.75, 0.25)
    0.475
    """
    for name, x in (("vat_fraction", vat_fraction), ("income_tax_fraction", income_tax_fraction)):
        if not (isinstance(x, (int, float)) and 0.0 <= float(x) <= 1.0):
            raise ParameterError(name, x, "give a fraction between 0 and 1")
    if not math.isclose(vat_fraction + income_tax_fraction, 1.0, abs_tol=1e-9):
        raise ParameterError("income_tax_fraction", income_tax_fraction,
                             "`vat_fraction` and `income_tax_fraction` must add up to 1: only value-added tax (50 : 50) "
                             "and income tax (60 : 40) have a confirmed central/local split")
    return round(VAT_LOCAL_SHARE * vat_fraction + INCOME_TAX_LOCAL_SHARE * income_tax_fraction, 12)


def _finite(name: str, value: Any, *, low: float = 0.0, high: float = math.inf) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "give a number") from None
    if not (math.isfinite(x) and low <= x <= high):
        raise ParameterError(name, value, f"give a number between {low:g} and {high:g}")
    return x


@dataclass(frozen=True)
class EconomicsInputs:
    """What the park's land economics needs that no layer holds (issue 22 §1).

    Every field is required unless a source gives a default; units are in the names.

    Attributes
    ----------
    land_grade : int
        The park's national land grade 1–15 (土地等别 of 国土资发〔2006〕307号 附件2, §1.6). Never
        derived from today's district names (the lists use 2006 names, some grades changed in
        2009).
    land_grade_source : str
        Where the grade came from, e.g. "307 附件2 (2006)", "2009 adjustment", or a provincial
        document (§1.6 advice 1).
    development_wan_per_mu : float
        Development cost per mu of serviced land (七通一平: 宗地外通路、通电、通信、通上水、通下水、
        通燃气、通热力 + 宗地内土地平整, [S28]). UNCONFIRMED: no published per-mu figure (§2.4,
        §6 item 5), hence required; give the sum of the items' per-mu costs.
    retained_local_share : float
        Fraction (0–1) of a parcel's ledger ``tax_wan`` the local side keeps: §3.3 gives 增值税
        50 : 50 and 所得税 60 : 40 (use :func:`retained_share_of_mix`); the further split among
        province, city, county and park is UNCONFIRMED (§6 item 6), so no default.
    discount_rate : float
        Yearly rate of the discounted payback (§3.4 dynamic payback); no source gives a figure.
    tax_lag_years : int
        Years from supply to first tax for a project not yet paying (标准地 contracts set 达产
        dates; "the lag is a user input", §3.4); applied by :func:`promised_payback_years`.
        Recorded parcels show their own start in the ledger.
    acquisition_wan_per_mu : float or None
        区片综合地价 of the park's zone in 万元/亩 (土地管理法 Art. 48, §2.1); a per-parcel
        ``acquisition_wan_per_mu`` column of ``costs`` overrides it. None: every parcel needs the
        column.
    floor_prices_yuan_per_m2 : Mapping[int, float | None]
        Floor by grade, 元/m² (default :data:`FLOOR_PRICE_YUAN_PER_M2`, 307 附件1 as in §1.2); a
        user may enter the UNCONFIRMED grades.
    provincial_floor_yuan_per_m2 : float or None
        A provincial or city floor for the park (e.g. 衢政办发〔2024〕9号, §1.5); it can only
        raise the national floor (§1.3: provinces may raise, never lower).
    provincial_floor_source : str
        The document of the provincial floor (required with it).
    horizon_years : int
        "Not paid back within N years": default 50, the maximum industrial land term (§1.3).
    earthwork_yuan_per_m3 : float or None
        The cost of earthworks per m³ of cut plus fill (宗地内土地平整, an item of 七通一平, §2.4;
        no published figure, UNCONFIRMED); with the terrain analysis's ``cut_m3`` and
        ``fill_m3`` it makes the parcel's ``earthwork_cost_wan``. None: earthworks not counted.
    """

    land_grade: int
    land_grade_source: str
    development_wan_per_mu: float
    retained_local_share: float
    discount_rate: float
    tax_lag_years: int
    acquisition_wan_per_mu: float | None = None
    floor_prices_yuan_per_m2: Mapping[int, float | None] = field(default_factory=lambda: FLOOR_PRICE_YUAN_PER_M2)
    provincial_floor_yuan_per_m2: float | None = None
    provincial_floor_source: str = ""
    horizon_years: int = MAX_INDUSTRIAL_TERM_YEARS
    earthwork_yuan_per_m3: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.land_grade, bool) or not isinstance(self.land_grade, (int, np.integer)) \
                or not 1 <= int(self.land_grade) <= 15:
            raise ParameterError("land_grade", self.land_grade, "give the national land grade, an integer 1–15 (circular 307 of 2006)")
        if not str(self.land_grade_source or "").strip():
            raise ParameterError("land_grade_source", self.land_grade_source,
                                 "say where the grade came from (e.g. circular 307 (2006) annex 2, or a provincial document)")
        _finite("development_wan_per_mu", self.development_wan_per_mu)
        _finite("retained_local_share", self.retained_local_share, high=1.0)
        _finite("discount_rate", self.discount_rate, high=1.0)
        _finite("tax_lag_years", self.tax_lag_years, high=MAX_INDUSTRIAL_TERM_YEARS)
        _finite("horizon_years", self.horizon_years, low=1.0, high=1000.0)
        if self.acquisition_wan_per_mu is not None:
            _finite("acquisition_wan_per_mu", self.acquisition_wan_per_mu)
        if self.earthwork_yuan_per_m3 is not None:
            _finite("earthwork_yuan_per_m3", self.earthwork_yuan_per_m3)
        for grade, price in self.floor_prices_yuan_per_m2.items():
            if price is not None:
                _finite(f"floor_prices_yuan_per_m2[{grade}]", price, low=1e-9)
        national = self.floor_prices_yuan_per_m2.get(int(self.land_grade))
        if self.provincial_floor_yuan_per_m2 is not None:
            prov = _finite("provincial_floor_yuan_per_m2", self.provincial_floor_yuan_per_m2, low=1e-9)
            if not str(self.provincial_floor_source or "").strip():
                raise ParameterError("provincial_floor_source", self.provincial_floor_source,
                                     "name the document of the provincial floor")
            if national is not None and prov < national:
                raise ParameterError("provincial_floor_yuan_per_m2", prov,
                                     f"a provincial floor can only raise the national floor of grade "
                                     f"{int(self.land_grade)} ({national:g} CNY/m², circular 307 of 2006)")
        elif national is None:
            raise ParameterError("land_grade", self.land_grade,
                                 "the national floor of this grade is UNCONFIRMED (annex 1 of circular 307 not read); enter "
                                 "it in `floor_prices_yuan_per_m2` or give `provincial_floor_yuan_per_m2`")

    @property
    def base_floor_yuan_per_m2(self) -> float:
        """The park's floor before exceptions: the grade's, raised by a provincial floor."""
        national = self.floor_prices_yuan_per_m2.get(int(self.land_grade))
        values = [v for v in (national, self.provincial_floor_yuan_per_m2) if v is not None]
        return float(max(values))


# --------------------------------------------------------------------------------------------
# payback
# --------------------------------------------------------------------------------------------

def _payback(outlay: np.ndarray, flows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(years, within) of the textbook interpolation on a flows matrix (n × N, year 1 first)."""
    n, horizon = flows.shape
    years = np.full(n, np.nan)
    known = ~np.isnan(outlay) & ~np.isnan(flows).any(axis=1)
    at_sale = known & (outlay <= 0)
    years[at_sale] = 0.0
    cum = np.cumsum(flows, axis=1) - outlay[:, None]
    ok = cum >= -_TOL * np.abs(outlay)[:, None]  # a present value equal to the outlay up to rounding
    hit = ok.any(axis=1) & known & ~at_sale
    T = np.argmax(ok, axis=1)  # 0-based index of year T (T = index + 1)
    rows = np.nonzero(hit)[0]
    t = T[rows]
    before = np.where(t > 0, cum[rows, np.maximum(t - 1, 0)], -outlay[rows])
    years[rows] = t + (-before) / flows[rows, t]
    return years, ~np.isnan(years)


def _as_2d(outlay: Any, flows: Any) -> tuple[np.ndarray, np.ndarray]:
    out = np.atleast_1d(np.asarray(outlay, dtype="float64"))
    f = np.asarray(flows, dtype="float64")
    if f.ndim == 1:
        f = f[None, :]
    if f.ndim != 2 or f.shape[0] != out.shape[0]:
        # a caller's shapes, not a user's value: no face passes flows
        raise ValueError(f"flows of shape {f.shape}: give one row of yearly flows per outlay ({out.shape[0]})")
    return out, f


def static_payback_years(outlay: Any, flows: Any) -> tuple[np.ndarray, np.ndarray]:
    """Static payback (静态投资回收期, §3.4 [S37]) of each row: ``(years, within)``.

    ``outlay`` (n,) is spent at the start of year 1; ``flows`` (n × N) are the net inflows of
    years 1…N. ``years = (T − 1) + |cumulative flow after year T − 1| / flow of year T`` where T
    is the first year whose cumulative flow is ≥ 0; 0 when the outlay is ≤ 0; NaN when the row
    does not pay back within N years (``within`` False) or has a missing value.

    >>> static_payback_years([560.0], [[100.0, 100.0, 100.0, 100.0, 100.0, 240.0]])
    (array([5.25]), array([ True]))
    """
    return _payback(*_as_2d(outlay, flows))


def discounted_payback_years(outlay: Any, flows: Any, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Discounted (dynamic) payback (动态投资回收期, §3.4 [S37]): as :func:`static_payback_years`
    on the present values ``flow_t / (1 + rate) ** t``.

    >>> discounted_payback_years([100.0], [[110.0]], 0.1)[0]
    array([1.])
    """
    rate = _finite("rate", rate, high=1.0)
    out, f = _as_2d(outlay, flows)
    return _payback(out, f / (1.0 + rate) ** np.arange(1, f.shape[1] + 1))


def _constant_tail(remaining: np.ndarray, start: np.ndarray, flow: np.ndarray, rate: float,
                   horizon: int) -> np.ndarray:
    """Payback years when ``remaining`` (present value at 0) is still owed after year ``start``
    and every later year brings ``flow`` (undiscounted): the textbook interpolation, in closed
    form (the same figure as :func:`discounted_payback_years` on the full matrix; tested)."""
    years = np.full(remaining.shape, np.nan)
    pos = flow > 0
    if rate == 0.0:
        with np.errstate(divide="ignore", invalid="ignore"):
            years = np.where(pos, start + remaining / flow, np.nan)
    else:
        v = 1.0 / (1.0 + rate)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            first = flow * v ** (start + 1)           # present value of year start + 1
            q = remaining * (1.0 - v) / first          # need 1 − v**n ≥ q
            n = np.ceil(np.log1p(-q) / np.log(v) - 1e-12)
            n = np.where(pos & (q < 1), np.maximum(n, 1.0), np.nan)
            paid_before = first * (1.0 - v ** (n - 1)) / (1.0 - v)
            last = flow * v ** (start + n)
            years = (start + n - 1) + (remaining - paid_before) / last
    years[remaining <= 0] = np.nan  # callers handle paid-back rows
    return np.where(years <= horizon, years, np.nan)


def promised_payback_years(net_outlay_wan_per_mu: Any, tax_per_mu_wan: Any, inputs: EconomicsInputs
                           ) -> pd.DataFrame:
    """Payback of a tax promise (e.g. a new project's 亩均税收 in screening): no tax in the first
    ``tax_lag_years`` years, then ``tax_per_mu_wan × retained_local_share`` every year.

    Returns a frame with ``static_payback_years`` and ``discounted_payback_years`` (NaN when
    not within ``horizon_years``; 0 when the net outlay is ≤ 0).
    """
    outlay = np.atleast_1d(np.asarray(net_outlay_wan_per_mu, dtype="float64"))
    flow = np.broadcast_to(np.asarray(tax_per_mu_wan, dtype="float64") * inputs.retained_local_share,
                           outlay.shape)
    lag = np.full(outlay.shape, float(inputs.tax_lag_years))
    static = _constant_tail(outlay, lag, flow, 0.0, inputs.horizon_years)
    disc = _constant_tail(outlay, lag, flow, float(inputs.discount_rate), inputs.horizon_years)
    for a in (static, disc):
        a[outlay <= 0] = 0.0
    return pd.DataFrame({"static_payback_years": static, "discounted_payback_years": disc})


# --------------------------------------------------------------------------------------------
# floor price
# --------------------------------------------------------------------------------------------

def _opt(values: Any, n: int) -> np.ndarray:
    """A number per row: None → NaN; a scalar → repeated; else the values (non-numbers → NaN)."""
    if values is None:
        return np.full(n, np.nan)
    nums = pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(values, dtype=object))), errors="coerce")
    return np.broadcast_to(nums.to_numpy(dtype="float64", na_value=np.nan), (n,))


def floor_price_check(price_yuan_per_m2: Any, grade: Any, *,
                      floor_prices_yuan_per_m2: Mapping[int, float | None] = FLOOR_PRICE_YUAN_PER_M2,
                      provincial_floor_yuan_per_m2: float | None = None,
                      priority_industry: Any = None,
                      plot_ratio: Any = None, plot_ratio_control: Any = None,
                      building_coverage_pct: Any = None, building_coverage_control_pct: Any = None,
                      investment_wan_per_mu: Any = None, investment_control_wan_per_mu: Any = None,
                      cost_yuan_per_m2: Any = None) -> pd.DataFrame:
    """成交价 against the effective floor of each parcel (§1.3, §1.4, §1.6 advice 4–5).

    - Base floor: the grade's (307号 附件1) raised by a provincial floor.
    - 国土资发〔2009〕56号 Art. 2: a province-designated 优先发展产业 (``priority_industry``) whose
      ``plot_ratio`` **and** ``building_coverage_pct`` are ≥ 140 % of their control values
      ("超过…所规定标准40%以上") **and** whose ``investment_wan_per_mu`` is ≥ 110 % of its
      control value ("增加10%以上") may sell at ≥ 70 % of the floor (``floor_exception``
      ``priority_intensive``). A parcel missing any of these is ``not_assessed`` and keeps the
      full floor; one that fails them is ``none``. (The other exceptions of §1.4, unused land
      and 56号 Art. 3 primary processing, need facts no layer holds and are not applied.)
    - 56号: whatever discount applies, the floor is never below the actual cost sum
      (``cost_yuan_per_m2``, when given).

    Returns a frame (one row per input, same order): ``floor_base_yuan_per_m2``,
    ``floor_exception``, ``floor_factor``, ``floor_yuan_per_m2``, ``below_floor`` (boolean, NA
    without a price or a floor).
    """
    price = np.atleast_1d(pd.to_numeric(pd.Series(np.atleast_1d(price_yuan_per_m2)), errors="coerce")
                          .to_numpy(dtype="float64", na_value=np.nan))
    n = price.shape[0]
    grades = np.broadcast_to(np.asarray(grade), (n,))
    table = {int(k): (np.nan if v is None else float(v)) for k, v in floor_prices_yuan_per_m2.items()}
    base = pd.to_numeric(pd.Series(grades), errors="coerce").map(table).to_numpy(dtype="float64", na_value=np.nan)
    if provincial_floor_yuan_per_m2 is not None:
        base = np.fmax(base, float(provincial_floor_yuan_per_m2))
    far, far_c = _opt(plot_ratio, n), _opt(plot_ratio_control, n)
    cov, cov_c = _opt(building_coverage_pct, n), _opt(building_coverage_control_pct, n)
    inv, inv_c = _opt(investment_wan_per_mu, n), _opt(investment_control_wan_per_mu, n)
    try:
        prio = pd.array(np.broadcast_to(np.asarray(priority_industry, dtype=object), (n,)) if priority_industry
                        is not None else [pd.NA] * n, dtype="boolean")
    except (TypeError, ValueError):
        raise ParameterError("priority_industry", priority_industry, "give true, false or empty per parcel") from None
    prio_known = ~np.asarray(prio.isna())
    prio_true = np.asarray(prio.fillna(False), dtype=bool)
    facts = np.column_stack([far, far_c, cov, cov_c, inv, inv_c]) if n else np.zeros((0, 6))
    facts_known = ~np.isnan(facts).any(axis=1)
    at_least = 1.0 - _TOL  # "40%以上" includes 40 % itself: 42 % against 30 % qualifies despite float rounding
    intensive = ((far >= INTENSIVE_DENSITY_FACTOR * far_c * at_least)
                 & (cov >= INTENSIVE_DENSITY_FACTOR * cov_c * at_least)
                 & (inv >= INTENSIVE_INVESTMENT_FACTOR * inv_c * at_least))
    qualifies = prio_true & intensive & facts_known
    # not a priority industry: assessed (none) whatever the density facts
    assessed = (prio_known & ~prio_true) | (prio_known & facts_known)
    exception = np.where(qualifies, "priority_intensive", np.where(assessed, "none", "not_assessed"))
    factor = np.where(qualifies, PRIORITY_FLOOR_FACTOR, 1.0)
    floor = base * factor
    cost = _opt(cost_yuan_per_m2, n)
    floor = np.where(np.isnan(cost), floor, np.fmax(floor, cost))
    below = pd.array(price < floor, dtype="boolean")
    below[np.isnan(price) | np.isnan(floor)] = pd.NA
    return pd.DataFrame({
        "floor_base_yuan_per_m2": base, "floor_exception": exception.astype(object),
        "floor_factor": factor, "floor_yuan_per_m2": floor, "below_floor": below,
    })


# --------------------------------------------------------------------------------------------
# per parcel
# --------------------------------------------------------------------------------------------

def _unique(values: Any, layer: str) -> pd.Index:
    ids = pd.Index(pd.Series(values).astype("str"), name="parcel_id")
    if not ids.is_unique:
        dup = ids[ids.duplicated()].unique()[:5]
        raise SchemaError(f"{layer}: parcel_id must be unique; repeated: {', '.join(map(str, dup))}")
    return ids


def _ids(parcels: pd.DataFrame) -> pd.Index:
    if "parcel_id" not in parcels.columns:
        raise SchemaError("parcels: the column parcel_id is required for the land economics")
    return _unique(parcels["parcel_id"].to_numpy(), "parcels")


def _costs_by_id(costs: pd.DataFrame | None, ids: pd.Index) -> pd.DataFrame:
    """``costs`` joined on ``parcel_id`` (its column or its index), in ``ids`` order."""
    if costs is None:
        return pd.DataFrame(index=ids)
    frame = costs.set_index("parcel_id") if "parcel_id" in costs.columns else costs
    index = _unique(frame.index.to_numpy(), "costs")
    order = index.get_indexer(ids)  # the costs row of each parcel, -1 for none
    found = order >= 0
    if int(found.sum()) < len(index):  # both unique: some costs rows are on no parcel
        unknown = index.difference(ids)
        raise SchemaError(f"costs: {len(unknown)} row(s) on parcels not in the parcels layer "
                          f"(e.g. {', '.join(map(str, unknown[:5]))})")
    out = pd.DataFrame({col: (frame[col].to_numpy()[np.maximum(order, 0)] if len(frame) else
                              np.full(len(ids), np.nan)) for col in frame.columns}, index=ids)
    out.loc[~found] = np.nan
    return out


def _num(frame: pd.DataFrame, name: str, n: int) -> np.ndarray:
    if name not in frame.columns:
        return np.full(n, np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def local_tax_by_year(parcels: pd.DataFrame, ledger: pd.DataFrame, inputs: EconomicsInputs, *,
                      as_of: dt.date | None = None) -> pd.DataFrame:
    """Local tax per mu per parcel and year: Σ ``tax_wan`` of the parcel's ledger rows of the
    year × ``retained_local_share`` ÷ the parcel's mu (§3.4 ``local_tax_per_mu_t``).

    Long frame ``parcel_id``, ``year``, ``local_tax_wan``, ``local_tax_wan_per_mu``, sorted by
    parcel (in ``parcels`` order) and year; years after ``as_of`` and years whose tax is
    missing in every row are left out; rows on unknown parcels are dropped (a warning says how
    many).
    """
    return _local_tax_rows(parcels, _ids(parcels), ledger, inputs, as_of, None).drop(columns="_pos")


def _local_tax_rows(parcels: pd.DataFrame, ids: pd.Index, ledger: pd.DataFrame, inputs: EconomicsInputs,
                    as_of: dt.date | None, area_mu: np.ndarray | None) -> pd.DataFrame:
    for col in ("parcel_id", "year", "tax_wan"):
        if col not in ledger.columns:
            raise SchemaError(f"ledger: the column {col} is required for the land economics")
    mu = area_mu if area_mu is not None else _area_mu(parcels).to_numpy(dtype="float64")
    year = pd.to_numeric(ledger["year"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    tax = pd.to_numeric(ledger["tax_wan"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    pos = ids.get_indexer(ledger["parcel_id"].astype("str"))
    if (pos < 0).any():
        log.warning("ledger: %d row(s) on parcels not in the parcels layer are left out of the land economics",
                    int((pos < 0).sum()))
    keep = (pos >= 0) & ~np.isnan(year) & ~np.isnan(tax)
    if as_of is not None:
        keep &= year <= as_of.year
    pos, year, tax = pos[keep], year[keep].astype("int64"), tax[keep]
    if len(pos):
        y0 = int(year.min())
        key = pos.astype("int64") * (int(year.max()) - y0 + 1) + (year - y0)
        uniq, inv = np.unique(key, return_inverse=True)
        sums = np.bincount(inv, weights=tax)
        span = int(year.max()) - y0 + 1
        p, y = uniq // span, uniq % span + y0
    else:
        p = y = np.zeros(0, dtype="int64")
        sums = np.zeros(0)
    local = sums * inputs.retained_local_share
    with np.errstate(divide="ignore", invalid="ignore"):
        per_mu = local / mu[p]
    return pd.DataFrame({"parcel_id": ids.to_numpy()[p], "year": y, "local_tax_wan": local,
                         "local_tax_wan_per_mu": per_mu, "_pos": p})


def parcel_economics(parcels: gpd.GeoDataFrame, ledger: pd.DataFrame, costs: pd.DataFrame | None,
                     inputs: EconomicsInputs, *, as_of: dt.date) -> pd.DataFrame:
    """Cost, return and payback of every parcel (issue 22 §2), joined by ``parcel_id``.

    Parameters
    ----------
    parcels : GeoDataFrame
        Unique ``parcel_id``; ``land_price_wan`` (出让价款), ``supply_date``; the area in mu is
        measured from the geometry (:func:`landplan.geometry.area_mu`).
    ledger : DataFrame
        The enterprise ledger: ``parcel_id``, ``year``, ``tax_wan``.
    costs : DataFrame or None
        One row per parcel (``parcel_id`` column or index; any order; parcels may be missing):
        :data:`COST_COLUMNS` and :data:`FLOOR_COLUMNS`. A cost column that is absent is not
        counted (``frame.attrs["economics_items"]`` lists the counted ones); a missing value in
        a present column leaves that parcel's cost unknown (``no_cost``).
    inputs : EconomicsInputs
    as_of : date
        Ledger years after ``as_of.year`` are not used.

    Returns
    -------
    DataFrame
        Indexed by ``parcel_id`` in ``parcels`` order: ``area_mu``, the cost per mu by item
        (``acquisition_wan_per_mu``, ``development_wan_per_mu``, ``extension_wan_per_mu``,
        ``earthwork_wan_per_mu``), ``cost_wan_per_mu`` and ``cost_wan``, ``price_wan_per_mu``,
        ``net_outlay_wan_per_mu`` and ``net_outlay_wan``, ``local_tax_year`` and
        ``local_tax_wan_per_mu`` (the latest recorded year ≤ as_of: the current rate),
        ``return_to_date_wan_per_mu``, ``return_to_date_wan``,
        ``discounted_return_to_date_wan_per_mu``, ``years_to_date``, ``static_payback_years``,
        ``discounted_payback_years`` (NaN when not within the horizon),
        ``static_payback_within_horizon`` / ``discounted_payback_within_horizon`` (boolean, NA
        when there is nothing to judge), ``econ_status`` (:data:`STATUSES`; ``will_pay_back``
        and ``not_within_horizon`` follow the static payback: whether the tax ever covers the
        outlay, with no rate assumed), and the floor check (:func:`floor_price_check`:
        ``price_yuan_per_m2``, ``floor_base_yuan_per_m2``, ``floor_yuan_per_m2``,
        ``floor_factor``, ``floor_exception``, ``below_floor``).
    """
    ids = _ids(parcels)
    n = len(ids)
    as_of_date = pd.Timestamp(as_of)
    area = _area_mu(parcels).to_numpy(dtype="float64")
    c = _costs_by_id(costs, ids)
    items = ["acquisition", "development"]
    acq = _num(c, "acquisition_wan_per_mu", n)
    if inputs.acquisition_wan_per_mu is not None:
        acq = np.where(np.isnan(acq), inputs.acquisition_wan_per_mu, acq)
    dev = np.full(n, float(inputs.development_wan_per_mu))
    with np.errstate(divide="ignore", invalid="ignore"):
        ext = _num(c, "extension_cost_wan", n) / area if "extension_cost_wan" in c.columns else np.zeros(n)
        earth = _num(c, "earthwork_cost_wan", n) / area if "earthwork_cost_wan" in c.columns else np.zeros(n)
        items += [k for k, col in (("extension", "extension_cost_wan"), ("earthwork", "earthwork_cost_wan"))
                  if col in c.columns]
        cost = acq + dev + ext + earth
        price_wan = (pd.to_numeric(parcels["land_price_wan"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
                     if "land_price_wan" in parcels.columns else np.full(n, np.nan))
        price = price_wan / area
    outlay = cost - price

    # recorded flows: sparse per parcel-year rows
    rows = _local_tax_rows(parcels, ids, ledger, inputs, as_of, area)
    supply = (pd.to_datetime(parcels["supply_date"], errors="coerce") if "supply_date" in parcels.columns
              else pd.Series(pd.NaT, index=parcels.index))
    supply_year = supply.dt.year.to_numpy(dtype="float64", na_value=np.nan)
    years_to_date = as_of_date.year - supply_year + 1
    p = rows["_pos"].to_numpy()
    t = np.maximum(rows["year"].to_numpy(dtype="float64") - supply_year[p] + 1, 1.0)
    flow = rows["local_tax_wan_per_mu"].to_numpy()
    rate = float(inputs.discount_rate)
    dflow = flow / (1.0 + rate) ** t
    has_rows = np.bincount(p, minlength=n) > 0
    cum = np.bincount(p, weights=flow, minlength=n)
    dcum = np.bincount(p, weights=np.where(np.isnan(t), np.nan, dflow), minlength=n)
    cur_year = np.full(n, -1, dtype="int64")
    current = np.full(n, np.nan)
    t_last = np.full(n, np.nan)
    if len(p):  # rows are sorted by parcel and year: the last row of each parcel is its latest year
        ends = np.r_[np.nonzero(np.diff(p))[0], len(p) - 1]
        cur_year[p[ends]] = rows["year"].to_numpy()[ends]
        current[p[ends]] = flow[ends]
        t_last[p[ends]] = t[ends]

    static = np.full(n, np.nan)
    disc = np.full(n, np.nan)
    timeline = has_rows & ~np.isnan(supply_year) & ~np.isnan(outlay)
    # paid back within the recorded years: first row whose cumulative flow reaches the outlay
    for years, f in ((static, flow), (disc, dflow)):
        run = pd.Series(f).groupby(p).cumsum().to_numpy() if len(p) else np.zeros(0)
        before = run - f
        reached = (run >= outlay[p] * (1 - _TOL)) & timeline[p] & (outlay[p] > 0)
        first = pd.Series(np.nonzero(reached)[0]).groupby(p[reached]).first() if reached.any() else pd.Series(dtype="int64")
        r = first.to_numpy()
        # the years between recorded rows carry no flow: the interpolation falls in the row's own year
        years[p[r]] = (t[r] - 1) + (outlay[p[r]] - before[r]) / f[r]
    # not yet: the rest at the current rate from the year after the last recorded one
    start = t_last
    todo = timeline & np.isnan(static) & (outlay > 0)
    static[todo] = _constant_tail(outlay[todo] - cum[todo], start[todo], current[todo], 0.0,
                                  inputs.horizon_years)
    todo_d = timeline & np.isnan(disc) & (outlay > 0)
    disc[todo_d] = _constant_tail(outlay[todo_d] - dcum[todo_d], start[todo_d], current[todo_d], rate,
                                  inputs.horizon_years)
    paid_at_sale = ~np.isnan(outlay) & (outlay <= 0)
    static[paid_at_sale] = 0.0
    disc[paid_at_sale] = 0.0
    for a in (static, disc):
        a[a > inputs.horizon_years] = np.nan

    status = np.full(n, "not_within_horizon", dtype=object)
    status[~np.isnan(static)] = "will_pay_back"
    status[timeline & (cum >= outlay * (1 - _TOL))] = "paid_back"
    status[~has_rows] = "no_ledger"
    status[np.isnan(supply_year)] = "no_supply_date"
    status[paid_at_sale] = "paid_at_sale"
    status[np.isnan(outlay)] = "no_cost"
    judged = timeline | paid_at_sale
    within = pd.array(~np.isnan(static), dtype="boolean")
    within[~judged] = pd.NA
    within_d = pd.array(~np.isnan(disc), dtype="boolean")
    within_d[~judged] = pd.NA

    ret = np.where(has_rows, cum, np.nan)
    dret = np.where(has_rows, dcum, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost_yuan_m2 = cost * 10_000.0 / M2_PER_MU
        price_yuan_m2 = price * 10_000.0 / M2_PER_MU
    floor = floor_price_check(
        price_yuan_m2, int(inputs.land_grade), floor_prices_yuan_per_m2=inputs.floor_prices_yuan_per_m2,
        provincial_floor_yuan_per_m2=inputs.provincial_floor_yuan_per_m2,
        priority_industry=(c["priority_industry"].to_numpy(dtype=object) if "priority_industry" in c.columns
                           else None),
        **{k: (_num(c, k, n) if k in c.columns else None) for k in FLOOR_COLUMNS[1:]},
        cost_yuan_per_m2=cost_yuan_m2)

    out = pd.DataFrame({
        "area_mu": area,
        "acquisition_wan_per_mu": acq, "development_wan_per_mu": dev,
        "extension_wan_per_mu": ext, "earthwork_wan_per_mu": earth,
        "cost_wan_per_mu": cost, "cost_wan": cost * area,
        "price_wan_per_mu": price, "net_outlay_wan_per_mu": outlay, "net_outlay_wan": outlay * area,
        "local_tax_year": pd.array(np.where(cur_year >= 0, cur_year, 0), dtype="Int64"),
        "local_tax_wan_per_mu": current,
        "return_to_date_wan_per_mu": ret, "return_to_date_wan": ret * area,
        "discounted_return_to_date_wan_per_mu": dret,
        "years_to_date": pd.array(np.where(np.isnan(years_to_date), 0, years_to_date).astype("int64"),
                                  dtype="Int64"),
        "static_payback_years": static, "discounted_payback_years": disc,
        "static_payback_within_horizon": within, "discounted_payback_within_horizon": within_d,
        "econ_status": status,
        "price_yuan_per_m2": price_yuan_m2,
        "floor_base_yuan_per_m2": floor["floor_base_yuan_per_m2"].to_numpy(),
        "floor_yuan_per_m2": floor["floor_yuan_per_m2"].to_numpy(),
        "floor_factor": floor["floor_factor"].to_numpy(),
        "floor_exception": floor["floor_exception"].to_numpy(),
        "below_floor": floor["below_floor"].array,
    }, index=ids)
    out.loc[cur_year < 0, "local_tax_year"] = pd.NA
    out.loc[np.isnan(years_to_date), "years_to_date"] = pd.NA
    out.attrs["economics_items"] = items
    out.attrs["economics_as_of"] = as_of_date.date().isoformat()
    out.attrs["economics_horizon_years"] = int(inputs.horizon_years)
    out.attrs["economics_discount_rate"] = rate
    out.attrs["economics_tax_lag_years"] = int(inputs.tax_lag_years)
    return out


# --------------------------------------------------------------------------------------------
# per park
# --------------------------------------------------------------------------------------------

_TOTALS: tuple[str, ...] = ("area_mu", "cost_wan", "net_outlay_wan", "return_to_date_wan")


def park_economics(table: pd.DataFrame, efficiency: pd.DataFrame | None = None,
                   inputs: EconomicsInputs | None = None, *, zones: pd.Series | None = None) -> dict[str, Any]:
    """The park's land economics from :func:`parcel_economics` (issue 22 §3).

    Returns a dict:

    - ``totals``: Σ ``area_mu`` of every parcel; Σ ``cost_wan``, ``land_price_wan`` (price per
      mu × mu) and ``net_outlay_wan`` over the ``costed_parcels`` whose cost
      and price are both known, so that cost − price = net outlay; Σ ``return_to_date_wan``
      over the parcels with a ledger (equal to the parcels' sums: tested); and
      ``<figure>_per_mu``: each sum ÷ the mu of the parcels it sums.
    - ``payback``: a frame of parcels and mu by payback class (:data:`PAYBACK_BINS` of the
      static payback, as ``econ_status``; then ``not_within_horizon``, ``no_ledger`` and the other statuses).
    - ``not_paying_back``: the ids of parcels that will not pay back within the horizon at
      their current 亩均税收.
    - ``class_change`` (with ``efficiency``, the :func:`landplan.efficiency.evaluate_efficiency`
      frame of the same parcels, and ``inputs``): for each parcel of class B, C or D with a
      ledger, the discounted payback if from the year after its latest ledger row (where its
      own payback assumes the current rate from) it paid the **median** 亩均税收 of the graded
      parcels of the next class up (D→C, C→B, B→A), or its own tax where that is higher: a
      class change never lengthens a payback (tested). :func:`class_change_summary` gives the
      per-step figures people read. The median, because
      classes are ranks within the group (no tax threshold exists) and the median is the typical
      tax of a parcel of that class; tax per mu is one indicator among several, so this says
      what the tax of the next class would do to the payback, not how to reach it.
    - ``by_zone`` (with ``zones``, a Series parcel_id → zone name, joined by parcel_id; a
      parcel in no zone is left out): the Σ of ``totals`` per zone, with ``parcels`` and
      ``not_paying_back`` counts.
    """
    area = table["area_mu"].to_numpy(dtype="float64")
    values = {k: table[k].to_numpy(dtype="float64") for k in _TOTALS}
    values["land_price_wan"] = table["price_wan_per_mu"].to_numpy(dtype="float64") * area
    # cost, price and net outlay over the same parcels (both known), so cost − price = net outlay
    costed = ~np.isnan(values["net_outlay_wan"])
    for k in ("cost_wan", "land_price_wan"):
        values[k] = np.where(costed, values[k], np.nan)
    totals: dict[str, float] = {"costed_parcels": int(costed.sum())}
    for k, v in values.items():
        totals[k] = float(np.nansum(v))
        if k != "area_mu":  # per mu of the parcels where the figure is known
            mu = float(np.nansum(np.where(np.isnan(v), np.nan, area)))
            totals[k.replace("_wan", "_wan_per_mu")] = totals[k] / mu if mu > 0 else math.nan

    status = table["econ_status"].to_numpy(dtype=object)
    group = payback_class(table["static_payback_years"].to_numpy(dtype="float64"), status)
    dist = (pd.DataFrame({"payback_class": group, "parcels": 1, "area_mu": area})
            .groupby("payback_class", sort=False).sum())
    order = list(PAYBACK_CLASSES) + [s for s in STATUSES if s not in ("paid_back", "will_pay_back", "paid_at_sale")]
    dist = dist.reindex([k for k in order if k in dist.index])
    out: dict[str, Any] = {
        "totals": totals, "payback": dist,
        "not_paying_back": list(table.index[status == "not_within_horizon"]),
    }
    if efficiency is not None and inputs is not None:
        out["class_change"] = _class_change(table, efficiency, inputs)
    if zones is not None:
        out["by_zone"] = _by_zone(table, values, zones)
    return out


def _by_zone(table: pd.DataFrame, values: dict[str, np.ndarray], zones: pd.Series) -> pd.DataFrame:
    zone = _zone_of(zones, table.index)
    frame = pd.DataFrame(dict(values), index=table.index)
    frame["parcels"] = 1
    frame["not_paying_back"] = (table["econ_status"] == "not_within_horizon").to_numpy().astype("int64")
    return frame[zone.notna().to_numpy()].groupby(zone.dropna().to_numpy()).sum(min_count=1) \
        .rename_axis("economics_zone")


def _zone_of(zones: pd.Series, ids: pd.Index) -> pd.Series:
    index = _unique(zones.index.to_numpy(), "zones")
    return pd.Series(zones.to_numpy(), index=index).reindex(ids)


_NEXT_CLASS = {"D": "C", "C": "B", "B": "A"}


def _class_change(table: pd.DataFrame, efficiency: pd.DataFrame, inputs: EconomicsInputs) -> pd.DataFrame:
    missing = [c for c in ("efficiency_class", "tax_per_mu_wan") if c not in efficiency.columns]
    if missing:
        raise SchemaError(f"efficiency: the column(s) {', '.join(missing)} of evaluate_efficiency are required")
    def classes(frame: pd.DataFrame) -> np.ndarray:
        return frame["efficiency_class"].astype(object).where(frame["efficiency_class"].notna(), None).to_numpy()

    # the typical tax of a class: over every graded parcel of the efficiency frame
    all_cls = classes(efficiency)
    tax = pd.to_numeric(efficiency["tax_per_mu_wan"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    medians = {k: float(np.nanmedian(tax[all_cls == k])) if (all_cls == k).any() else math.nan for k in "ABCD"}
    cls = classes(efficiency[~efficiency.index.duplicated()].reindex(table.index))
    rows = []
    outlay = table["net_outlay_wan_per_mu"].to_numpy(dtype="float64")
    dret = table["discounted_return_to_date_wan_per_mu"].to_numpy(dtype="float64")
    current = table["local_tax_wan_per_mu"].to_numpy(dtype="float64")
    before_all = table["discounted_payback_years"].to_numpy(dtype="float64")
    # the payback assumes the current rate from the year after the latest ledger row (year index
    # t = calendar year − supply year + 1); the change starts there too, so the two compare
    ytd = table["years_to_date"].to_numpy(dtype="float64", na_value=np.nan)
    if "economics_as_of" not in table.attrs:  # the years to date count to it: never guessed
        raise SchemaError("table: the per-parcel table of parcel_economics (its attrs name the as-of date) is required")
    as_of_year = pd.Timestamp(table.attrs["economics_as_of"]).year
    last = table["local_tax_year"].to_numpy(dtype="float64", na_value=np.nan)
    t_last = np.maximum(last - as_of_year + ytd, 1.0)
    has = table["econ_status"].isin(["paid_back", "will_pay_back", "not_within_horizon"]).to_numpy()
    for frm, to in _NEXT_CLASS.items():
        sel = has & (cls == frm)
        if not sel.any():
            continue
        new_tax = medians[to]
        # the next class's typical tax, never less than what the parcel already pays
        flow = np.fmax(current[sel], new_tax * inputs.retained_local_share)
        remaining = outlay[sel] - dret[sel]
        years = _constant_tail(remaining, t_last[sel], flow, float(inputs.discount_rate), inputs.horizon_years)
        before = before_all[sel]
        # paid back (discounted) within the recorded years: the change comes too late to matter
        years = np.where(remaining <= 0, before, years)
        rows.append(pd.DataFrame({
            "parcel_id": table.index[sel], "efficiency_class": frm, "target_class": to,
            "target_tax_per_mu_wan": new_tax,
            "discounted_payback_years": before,
            "discounted_payback_years_after": years,
        }))
    cols = ["parcel_id", "efficiency_class", "target_class", "target_tax_per_mu_wan",
            "discounted_payback_years", "discounted_payback_years_after"]
    return (pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)).set_index("parcel_id")


def class_change_summary(change: pd.DataFrame) -> pd.DataFrame:
    """One row per step of ``park_economics(...)["class_change"]`` (D→C, C→B, B→A, in that order).

    Columns: ``target_class``, ``target_tax_per_mu_wan``, ``parcels``, ``within_before`` and
    ``within_after`` (parcels whose discounted payback falls within the horizon),
    ``shorter`` (parcels whose payback gets shorter, a parcel paying back only after the change
    counted), and ``median_before_years`` / ``median_after_years``: the median discounted
    payback where a parcel not paying back within the horizon counts as longer than any other
    (NaN = half or more do not pay back within the horizon), so both medians are over the same
    parcels.
    """
    cols = ["target_class", "target_tax_per_mu_wan", "parcels", "within_before", "within_after", "shorter",
            "median_before_years", "median_after_years"]
    out = []
    for frm in _NEXT_CLASS:
        rows = change[change["efficiency_class"] == frm]
        if not len(rows):
            continue
        b = rows["discounted_payback_years"].to_numpy(dtype="float64")
        a = rows["discounted_payback_years_after"].to_numpy(dtype="float64")
        bi, ai = np.where(np.isnan(b), np.inf, b), np.where(np.isnan(a), np.inf, a)
        med = [float(np.median(x)) for x in (bi, ai)]
        out.append({"efficiency_class": frm, "target_class": rows["target_class"].iloc[0],
                    "target_tax_per_mu_wan": float(rows["target_tax_per_mu_wan"].iloc[0]),
                    "parcels": len(rows), "within_before": int(np.isfinite(bi).sum()),
                    "within_after": int(np.isfinite(ai).sum()), "shorter": int((ai < bi - 1e-9).sum()),
                    "median_before_years": med[0] if math.isfinite(med[0]) else math.nan,
                    "median_after_years": med[1] if math.isfinite(med[1]) else math.nan})
    return pd.DataFrame(out, columns=["efficiency_class", *cols]).set_index("efficiency_class")
