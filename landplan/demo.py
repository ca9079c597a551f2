"""A deterministic, realistic synthetic industrial park near Hefei (合肥) for demos and benchmarks.

:func:`make_demo` builds every layer of a workspace (SPEC §2-3) in memory and
:func:`write_demo` writes them through :class:`landplan.workspace.Workspace`. The repository
ships ``write_demo("data")`` (300 parcels, seed 0) as the embedded default workspace.

The park
--------
- **Place and CRS.** Centred near 117.2°E 31.8°N (合肥), in CGCS2000 3-degree Gauss-Krüger
  zone 39 with zone-prefixed eastings (EPSG:4527).
- **Roads.** A grid of 1 km "tiles" bounded by arterial roads (主干路, 40-50 m wide, a 10 m
  green belt on each side). A secondary road (次干路, 24-30 m, 5 m green) crosses every tile at
  its middle both ways, making four quadrants; about two in three quadrants are split again by
  a branch road (支路, 12-16 m). Roads in the newest, still unsold part of the park are
  ``planned`` or ``under_construction``.
- **Parcels.** Each block between road red lines holds one or two rows of parcels, so every
  parcel fronts a road; rows are cut into strips of 10-300 mu. A few parcels are irregular:
  cut corners at intersections (切角), L-shapes between neighbours, a hole (a retained tower
  base) and two parts (split by a drainage ditch). Parcels never overlap and are all valid.
  ``parcel_id`` is a 19-character 宗地代码 (TD/T 1001-2012): county code 340104, 地籍区 and
  地籍子区 (3 digits each), 宗地特征码 ``GB`` and a 5-digit serial, e.g.
  ``340104001001GB00001``; its first 12 characters are the ``340104007001`` form.
- **Status and dates.** Every status of SPEC §3 occurs, older development near the south-west
  corner, newer land (reserve, just supplied) to the north. Dates are built around
  :data:`DEMO_AS_OF` so that at that date every idle-land rule of SPEC §8 applies to some
  parcel: not applicable (reserve; no agreed start date), not idle (start date ahead; halted
  but developed and invested above the thresholds), not due (within a year of the agreed
  start; halted less than a year), idle and unstarted for the enterprise's reasons for 1-2
  years (idle fee) and over 2 years (recovery), for the government's or force majeure
  (negotiation), idle and halted (developed < 1/3 or invested < 25 %), and one agreed start
  on 29 February (anniversaries fall on 28 February).
- **Lifecycle.** The farthest reserve land is still planned (规划), being acquired (征收中, with
  mu acquired, compensation, graves moved, houses demolished and households resettled so far)
  or approved but not supplied (已批未供); supplied parcels carry approval, completion and
  production dates, and those supplied from 2019 on are 标准地 with contract conditions and a
  full-production date, so every gap of :mod:`landplan.lifecycle` (五未) occurs.
- **Buildings and money** follow the status: no buildings on reserve or supplied land;
  parcels in production have a floor-area ratio of about 0.6-2.0 and a building coverage of
  30-60 %, with a few failing the 2008 control indicators (国土资发〔2008〕24号).
- **Networks.** Pipelines of every kind run under the roads a few metres off the centreline,
  with deliberate gaps (no gas in some tiles, heat only near a heat source, sewers missing on
  some branch roads) and ``planned`` stretches; 10 kV lines follow the roads; 110 kV lines link
  the substations along the green belts; a water plant, a sewage plant, a gas station and a
  heat source complete the facilities.
- **Terrain.** A float32 DEM in metres (10 m cells, coarser for huge parks so that it stays
  within 4000 × 4000 cells) with a gentle regional slope down to the south-east and one hill
  under the newest land, so some unsold parcels need levelling.
- **Ledger.** One row per enterprise × parcel × year for 2022-2025 (:data:`LEDGER_YEARS`) on
  parcels that produce, with lognormal figures (a few strong firms, a long tail), shared
  parcels (2-3 enterprises, ``share`` given on some, empty on others), one enterprise on two
  parcels, halted factories whose figures collapse and a few empty (not zero) values.

Everything is drawn from ``numpy.random.default_rng(seed)`` and vectorised, so a given
``(parcels, seed)`` always gives the same park, and a million parcels take seconds, not
hours. The full set of idle-land cases is present from about 60 parcels up.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import affine
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .crs import gk_epsg
from .schema import layer_spec
from .units import M2_PER_MU
from .workspace import Workspace

__all__ = ["DEMO_AS_OF", "LEDGER_YEARS", "DemoPark", "make_demo", "write_demo"]

log = logging.getLogger(__name__)

#: The evaluation date the demo's dates are built around (``--as-of`` for the demo). Every
#: idle-land case of SPEC §8 occurs when the demo is evaluated at this date; at other dates
#: parcels move between cases as their anniversaries pass.
DEMO_AS_OF: date = date(2026, 6, 30)
#: Years of the enterprise ledger.
LEDGER_YEARS: tuple[int, ...] = (2022, 2023, 2024, 2025)

_ZONE = 39
_CENTRE = (39_519_000.0, 3_519_500.0)  # ≈ 117.2°E 31.8°N in EPSG:4527
_TILE = 1000.0  # arterial spacing (m)
_GREEN = {"arterial": 10.0, "secondary": 5.0, "branch": 0.0}  # green belt each side (m)
_MU_LO, _MU_HI = 10.6, 295.0  # strip sizes are drawn inside 10-300 mu, with room for shaping
_DAYS_PER_YEAR = 365.25
_AS_OF = np.datetime64(DEMO_AS_OF.isoformat(), "D")

# Parcel profiles, oldest development first: (name, status, share of parcels, minimum count).
# ``in_production`` takes whatever the others leave.
_PROFILES: tuple[tuple[str, str, float, int], ...] = (
    ("old_no_agreed_start", "in_production", 0.04, 2),
    ("in_production", "in_production", 0.0, 0),
    ("halted_built_long", "halted", 0.012, 1),
    ("halted_built_recent", "halted", 0.012, 1),
    ("completed", "completed", 0.06, 2),
    ("halted_low_developed", "halted", 0.01, 1),
    ("halted_low_invested", "halted", 0.008, 1),
    ("unstarted_recover", "supplied", 0.015, 2),
    ("unstarted_leap_day", "supplied", 0.0, 1),
    ("unstarted_government", "supplied", 0.008, 1),
    ("unstarted_force_majeure", "supplied", 0.005, 1),
    ("under_construction", "under_construction", 0.10, 3),
    ("unstarted_idle_fee", "supplied", 0.015, 2),
    ("halted_not_due", "halted", 0.006, 1),
    ("supplied_not_due", "supplied", 0.025, 2),
    ("supplied_future_start", "supplied", 0.025, 2),
    ("supplied_no_agreed_start", "supplied", 0.006, 1),
    ("reserve", "reserve", 0.08, 3),
)
_PROFILE = {name: i for i, (name, *_rest) in enumerate(_PROFILES)}
_PRODUCING = ("old_no_agreed_start", "in_production", "halted_built_long", "halted_built_recent")
_UNSTARTED = ("unstarted_recover", "unstarted_leap_day", "unstarted_government",
              "unstarted_force_majeure", "unstarted_idle_fee", "supplied_not_due",
              "supplied_future_start", "supplied_no_agreed_start", "reserve")

# GB/T 4754-2017 manufacturing divisions: (code, relative frequency in a Hefei park, name part,
# lowest floor-area ratio of the 2008 control indicators under either the 2017 or the
# 2002 reading of the code, used only to make some parcels pass and a few fail).
_INDUSTRIES: tuple[tuple[str, float, str, float], ...] = (
    ("13", 3, "农产品", 1.0), ("14", 3, "食品", 1.0), ("15", 2, "饮品", 1.0),
    ("17", 1, "纺织", 0.8), ("18", 2, "服饰", 1.0), ("19", 1, "鞋业", 1.0),
    ("20", 1, "木业", 0.8), ("21", 3, "家居", 0.8), ("22", 1, "纸业", 0.8),
    ("23", 2, "印务", 0.8), ("24", 1, "文体用品", 1.0), ("25", 0.5, "能源", 0.5),
    ("26", 4, "化工", 0.6), ("27", 5, "医药", 0.7), ("28", 0.5, "化纤", 0.8),
    ("29", 4, "塑胶", 1.0), ("30", 4, "建材", 1.0), ("31", 1, "特钢", 0.7),
    ("32", 2, "铝业", 0.6), ("33", 6, "金属制品", 0.7), ("34", 7, "机械", 0.7),
    ("35", 6, "装备", 0.7), ("36", 10, "汽车零部件", 0.7), ("37", 2, "轨道装备", 0.7),
    ("38", 12, "电气", 0.7), ("39", 12, "电子", 1.0), ("40", 3, "仪器仪表", 1.0),
    ("41", 1, "工艺品", 1.0), ("42", 1, "再生资源", 1.0), ("43", 1, "设备维修", 0.7),
)
_HEAVY = {"25", "26", "28", "31", "32"}  # 三类工业用地
_NUISANCE = {"13", "14", "15", "17", "19", "20", "22", "27", "29", "30", "33", "42", "43"}
_ENERGY_HEAVY = {"25", "26", "28", "30", "31", "32"}

_BRAND = "华瑞信达恒泰鑫源创凯宏盛博远德隆锦航晶芯润通安祥益丰辰昊睿捷卓立诚汇融拓峰宇欣弘嘉铭力昌邦维尚美天海正元启明光"
_ARTERIAL_STEMS = ("繁华", "锦绣", "明珠", "方兴", "翡翠", "紫云", "云谷", "始信", "九龙", "汤口",
                   "玉兰", "丹霞", "天都", "石门", "清潭", "百鸟", "蓬莱", "徽州", "莲花", "芙蓉")
_SECONDARY_STEMS = ("宿松", "望江", "潜山", "黄山", "歙县", "祁门", "休宁", "绩溪", "泾县", "旌德",
                    "青阳", "东至", "石台", "怀宁", "枞阳", "桐城", "舒城", "霍山", "寿县", "凤台",
                    "颍上", "蒙城", "涡阳", "利辛", "萧县", "砀山", "灵璧", "泗县", "五河", "固镇")
_BRANCH_STEMS = ("桃花", "海棠", "香樟", "银杏", "梧桐", "玉屏", "莲塘", "合欢", "百花", "云海",
                 "松林", "枫林", "青龙", "紫蓬", "圣泉", "天门", "桂花", "湖光", "杨林", "秀水",
                 "凤凰", "习友", "耕耘", "创新", "科学", "汤池", "金桂", "翠竹", "兰亭", "荷塘",
                 "柳溪", "青松", "碧波", "朝阳", "春晖", "秋实", "丰乐", "长宁", "永和", "安庆")
_CN_DIGITS = "零一二三四五六七八九"

# Pipelines: kind → (ID prefix after CJJ 61 codes, offset from the centreline as a share of the
# half width, diameters (mm) on arterial / secondary / branch roads).
_PIPES: dict[str, tuple[str, float, tuple[tuple[int, ...], ...]]] = {
    "water": ("JS", 0.55, ((600, 800, 1000), (300, 400), (200, 300))),
    "sewer": ("WS", -0.3, ((800, 1000, 1200), (500, 600), (400,))),
    "storm": ("YS", 0.2, ((1200, 1500, 1800), (800, 1000), (600, 800))),
    "gas": ("RQ", -0.6, ((300, 400), (200,), (150,))),
    "heat": ("RL", -0.8, ((500, 600), (300, 400), (200,))),
    "telecom": ("TX", 0.75, ((110,), (110,), (110,))),
    "reclaimed": ("ZS", -0.45, ((300, 400), (200,), (200,))),
}


@dataclass(frozen=True, eq=False)
class DemoPark:
    """Every layer of a synthetic park, in canonical columns and dtypes (:mod:`landplan.schema`).

    Attributes
    ----------
    parcels, roads, pipelines, powerlines, facilities : GeoDataFrame
        The vector layers, in :attr:`crs`.
    ledger : DataFrame
        The enterprise ledger, one row per enterprise × parcel × year.
    dem : ndarray of float32
        Elevation in metres, north up.
    dem_transform : affine.Affine
        Pixel-to-map transform of :attr:`dem` (cell corners).
    crs : pyproj.CRS
        EPSG:4527, CGCS2000 3-degree Gauss-Krüger zone 39 with the zone prefix.
    """

    parcels: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    pipelines: gpd.GeoDataFrame
    powerlines: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    ledger: pd.DataFrame
    dem: np.ndarray
    dem_transform: affine.Affine
    crs: CRS

    def layers(self) -> dict[str, pd.DataFrame]:
        """The tabular layers by workspace layer name."""
        return {"parcels": self.parcels, "roads": self.roads, "pipelines": self.pipelines,
                "powerlines": self.powerlines, "facilities": self.facilities,
                "ledger": self.ledger}


def make_demo(
    *, parcels: int = 300, seed: int = 0, progress: Callable[[float], None] | None = None
) -> DemoPark:
    """Build a synthetic industrial park near Hefei with exactly ``parcels`` parcels.

    Parameters
    ----------
    parcels : int
        Number of parcels (≥ 1). The design scales by adding 1 km tiles around the first
        ones: 300 parcels make a park of about 4 × 4 km, a million one about 200 km across
        (still inside zone 39). Every idle-land case of the module docstring is present from
        about 60 parcels up.
    seed : int
        Seed of ``numpy.random.default_rng``; the same ``(parcels, seed)`` gives the same park.
    progress : callable, optional
        Called with the fraction done (0-1) after each stage.

    Returns
    -------
    DemoPark
        The layers, the DEM and the CRS (EPSG:4527).

    See Also
    --------
    write_demo : build and write a workspace.

    Examples
    --------
    >>> park = make_demo(parcels=120, seed=1)
    >>> len(park.parcels), park.crs.to_epsg()
    (120, 4527)
    >>> sorted(park.parcels["status"].unique())[:3]
    ['completed', 'halted', 'in_production']
    """
    n = int(parcels)
    if n < 1:
        raise ValueError(f"parcels must be at least 1, got {parcels}")
    rng = np.random.default_rng(seed)
    step = _Stages(progress, "make_demo", n)

    lay = _layout(n, rng)
    step(0.15, "layout")
    geoms = _parcel_geometries(lay, rng)
    step(0.35, "parcel geometry")
    profile = _assign_profiles(lay, rng)
    hills = _hills(lay, profile, rng)
    attrs = _parcel_attributes(lay, geoms, profile, hills, rng)
    step(0.5, "parcel attributes")
    holders, ledger = _enterprises(lay, attrs, rng)
    attrs["holder"] = holders
    step(0.65, "ledger")
    roads = _roads(lay, attrs, rng)
    sites = _facility_sites(lay, rng)
    pipelines = _pipelines(lay, roads, sites, rng)
    powerlines = _powerlines(lay, roads, sites, rng)
    facilities = _facilities(lay, sites)
    step(0.8, "networks")
    dem, transform = _dem(lay, hills)
    step(0.95, "terrain")
    _lifecycle(attrs, lay.tile, np.random.default_rng([seed, 6]))  # own stream: the rest is unchanged

    crs = CRS.from_epsg(gk_epsg(_ZONE))
    park = DemoPark(
        parcels=_frame("parcels", attrs, geoms, crs),
        roads=_frame("roads", roads, roads.pop("geometry"), crs),
        pipelines=_frame("pipelines", pipelines, pipelines.pop("geometry"), crs),
        powerlines=_frame("powerlines", powerlines, powerlines.pop("geometry"), crs),
        facilities=_frame("facilities", facilities, facilities.pop("geometry"), crs),
        ledger=ledger,
        dem=dem,
        dem_transform=transform,
        crs=crs,
    )
    step(1.0, "frames")
    return park


def write_demo(
    out: str | os.PathLike = "data",
    *,
    parcels: int = 300,
    seed: int = 0,
    fmt: str = "gpkg",
    progress: Callable[[float], None] | None = None,
) -> DemoPark:
    """Build the demo park and write it as a workspace folder.

    Parameters
    ----------
    out : str or Path
        The workspace folder (created when missing); its demo layers are replaced.
    parcels, seed : int
        As for :func:`make_demo`.
    fmt : {"gpkg", "parquet"}
        Vector format of the workspace (GeoParquet suits large parks).
    progress : callable, optional
        Called with the fraction done (0-1): building takes the first half, writing the rest.

    Returns
    -------
    DemoPark
        What was written.

    Examples
    --------
    >>> park = write_demo("data", parcels=300, seed=0)      # doctest: +SKIP
    """
    def build_progress(fraction: float) -> None:
        if progress is not None:
            progress(0.5 * fraction)

    park = make_demo(parcels=parcels, seed=seed, progress=build_progress)
    ws = Workspace(out, fmt=fmt)
    layers = park.layers()
    for i, (name, frame) in enumerate(layers.items()):
        ws.write(name, frame)
        if progress is not None:
            progress(0.5 + 0.5 * (i + 1) / (len(layers) + 1))
    ws.write_dem(park.dem, park.dem_transform, park.crs)
    if progress is not None:
        progress(1.0)
    log.info("demo park (%d parcels, seed %d) written to %s", len(park.parcels), seed, out)
    return park


# ------------------------------------------------------------------------------------------
# Helpers: progress, random shapes, strings
# ------------------------------------------------------------------------------------------


class _Stages:
    """Report progress and log how long each stage took."""

    def __init__(self, callback: Callable[[float], None] | None, what: str, n: int) -> None:
        self.callback, self.what, self.n = callback, what, n
        self.t0 = self.last = time.perf_counter()

    def __call__(self, fraction: float, stage: str) -> None:
        now = time.perf_counter()
        log.debug("%s(%d): %s took %.2f s", self.what, self.n, stage, now - self.last)
        self.last = now
        if fraction >= 1.0:
            log.info("%s(%d) took %.2f s", self.what, self.n, now - self.t0)
        if self.callback is not None:
            self.callback(fraction)


def _pick(rng: np.random.Generator, values, size: int, p=None) -> np.ndarray:
    """``size`` draws from ``values`` (optionally weighted), as an array of the values."""
    values = np.asarray(values)
    if p is not None:
        p = np.asarray(p, dtype=float) / np.sum(p)
    return values[rng.choice(len(values), size=size, p=p)]


def _at_least(mask: np.ndarray, chosen: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``chosen`` with extra picks from ``mask`` so that at least ``k`` are chosen (if possible)."""
    missing = k - int(chosen.sum())
    if missing > 0:
        free = np.flatnonzero(mask & ~chosen)
        if free.size:
            chosen = chosen.copy()
            chosen[rng.choice(free, size=min(missing, free.size), replace=False)] = True
    return chosen


def _cn_number(i: int) -> str:
    """Chinese numeral for 1-99 (``12`` → ``十二``), digits from 100 on."""
    if i >= 100:
        return str(i)
    tens, ones = divmod(i, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones or not tens else "")


def _road_names(stems: tuple[str, ...], n: int, suffix: str) -> np.ndarray:
    """``n`` names: the stems first, then numbered (``桃花二路``, later ``桃花120号路``)."""
    k = len(stems)
    names = [stems[i % k] + ("" if i < k else _cn_number(i // k + 1)) + suffix
             for i in range(min(n, 99 * k))]
    names += [f"{stems[i % k]}{i // k + 1}号{suffix}" for i in range(len(names), n)]
    return np.array(names, dtype=object)


def _zfill(values: np.ndarray, width: int) -> np.ndarray:
    return np.strings.zfill(np.asarray(values).astype(np.int64).astype(str), width)


def _concat(*parts) -> np.ndarray:
    out = np.asarray(parts[0]).astype(str)
    for part in parts[1:]:
        out = np.strings.add(out, np.asarray(part).astype(str))
    return out


# ------------------------------------------------------------------------------------------
# Layout: tiles → quadrants → blocks → rows → strips (all in park coordinates, origin SW)
# ------------------------------------------------------------------------------------------


def _layout(n: int, rng: np.random.Generator) -> SimpleNamespace:
    """Draw the road grid and the parcel rectangles, keeping the first ``n`` parcels.

    Tiles are numbered in square shells from the south-west corner (shell k: the east column
    bottom to top, then the north row east to west), and parcels tile by tile, so the first
    ``n`` parcels make a near-square park growing outwards; its last tile may be partly empty.
    ``tile`` and ``quad`` (= 4 tile + quadrant) use this order; ``tile_i``/``tile_j`` give a
    tile's column and row.
    """
    size = max(1, math.ceil(math.sqrt(1.3 * n / 25.0))) + 1
    while True:
        lay = _draw_grid(size, rng)
        if lay.total >= n:
            break
        size += 2
    keep = slice(0, n)
    for key in ("tile", "quad", "row", "m", "k", "u0", "u1"):
        setattr(lay, key, getattr(lay, key)[keep])
    lay.n = n
    lay.ntiles = int(lay.tile[-1]) + 1  # tiles of the park, in shell order
    lay.tile_i, lay.tile_j = lay.tile_i[: lay.ntiles], lay.tile_j[: lay.ntiles]
    lay.nx, lay.ny = int(lay.tile_i.max()) + 1, int(lay.tile_j.max()) + 1
    lay.nquads = 4 * lay.ntiles
    lay.grid = np.full((lay.ny, lay.nx), -1)  # tile at (row j, column i), -1 outside the park
    lay.grid[lay.tile_j, lay.tile_i] = np.arange(lay.ntiles)
    lay.origin = (round(_CENTRE[0] - lay.nx * _TILE / 2, -1),
                  round(_CENTRE[1] - lay.ny * _TILE / 2, -1))
    r = lay.row
    lay.rv0, lay.rv1 = lay.row_v0[r], lay.row_v1[r]
    lay.depth = lay.rv1 - lay.rv0
    lay.u_is_x, lay.flip, lay.single = lay.row_u_is_x[r], lay.row_flip[r], lay.row_single[r]
    lay.width = lay.u1 - lay.u0
    return lay


def _draw_grid(size: int, rng: np.random.Generator) -> SimpleNamespace:
    """Roads and parcel strips over a ``size`` × ``size`` grid of tiles, in shell order."""
    T = size * size
    wa_x = _pick(rng, [40.0, 42.0, 45.0, 50.0], size + 1)
    wa_y = _pick(rng, [40.0, 42.0, 45.0, 50.0], size + 1)
    ws_x = _pick(rng, [24.0, 26.0, 28.0, 30.0], size)
    ws_y = _pick(rng, [24.0, 26.0, 28.0, 30.0], size)
    ga, gs = _GREEN["arterial"], _GREEN["secondary"]
    gi, gj = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    gi, gj = gi.ravel(), gj.ravel()
    shell = np.maximum(gi, gj)
    order = np.lexsort((np.where(gi == shell, gj, 2 * shell - gi), shell))
    tile_i, tile_j = gi[order], gj[order]

    # Quadrants: 4 per tile, q = qx + 2 qy.
    Q = 4 * T
    tile = np.arange(Q) // 4
    q = np.arange(Q) % 4
    qx, qy = q % 2, q // 2
    ti, tj = tile_i[tile], tile_j[tile]

    def edges(t, qa, wa, ws):
        a0 = _TILE * t
        s = a0 + _TILE / 2
        lo = np.where(qa == 0, a0 + wa[t] / 2 + ga, s + ws[t] / 2 + gs)
        hi = np.where(qa == 0, s - ws[t] / 2 - gs, a0 + _TILE - wa[t + 1] / 2 - ga)
        return lo, hi, np.where(qa == 0, a0, s), np.where(qa == 0, s, a0 + _TILE)

    xl, xr, cx0, cx1 = edges(ti, qx, wa_x, ws_x)
    yl, yr, cy0, cy1 = edges(tj, qy, wa_y, ws_y)
    has_b = rng.random(Q) < 0.65
    b_vert = rng.random(Q) < 0.5
    wb = _pick(rng, [12.0, 14.0, 16.0], Q)
    b_off = rng.uniform(-25, 25, Q)
    xb = np.round(((xl + xr) / 2 + b_off) * 2) / 2
    yb = np.round(((yl + yr) / 2 + b_off) * 2) / 2

    # Blocks: one per quadrant, two where a branch road splits it.
    nb = 1 + has_b
    bq = np.repeat(np.arange(Q), nb)
    bsub = np.arange(bq.size) - np.repeat(np.cumsum(nb) - nb, nb)
    bx0, bx1, by0, by1 = xl[bq].copy(), xr[bq].copy(), yl[bq].copy(), yr[bq].copy()
    hb, vb = has_b[bq], b_vert[bq]
    half = wb[bq] / 2
    m = hb & vb & (bsub == 0)
    bx1[m] = xb[bq][m] - half[m]
    m = hb & vb & (bsub == 1)
    bx0[m] = xb[bq][m] + half[m]
    m = hb & ~vb & (bsub == 0)
    by1[m] = yb[bq][m] - half[m]
    m = hb & ~vb & (bsub == 1)
    by0[m] = yb[bq][m] + half[m]
    B = bq.size
    W, H = bx1 - bx0, by1 - by0
    square = np.abs(W - H) < 0.1 * np.maximum(W, H)
    u_is_x = np.where(square, rng.random(B) < 0.5, W >= H)
    S = np.where(u_is_x, H, W)
    target = np.clip(np.exp(rng.normal(np.log(65.0), 0.8, B)), 12.0, 280.0)  # mu
    # Deep blocks get two rows back to back, except for a few big plants; small plots need
    # shallow rows (a strip is at most 3.5 times deeper than wide).
    nrows = np.where(((S > 300) & (target < 110)) | ((target < 25) & (S > 180)), 2, 1)
    split = 0.5 + rng.uniform(-0.08, 0.08, B)

    # Rows: the first row of a two-row block fronts the road at its low side, the second is
    # flipped so that its front (v' = 0) is the road at its high side.
    rb = np.repeat(np.arange(B), nrows)
    rsub = np.arange(rb.size) - np.repeat(np.cumsum(nrows) - nrows, nrows)
    v0b = np.where(u_is_x, by0, bx0)[rb]
    v1b = np.where(u_is_x, by1, bx1)[rb]
    u0r = np.where(u_is_x, bx0, by0)[rb]
    u1r = np.where(u_is_x, bx1, by1)[rb]
    two = nrows[rb] == 2
    vmid = np.round(v0b + (v1b - v0b) * split[rb], 2)
    rv0 = np.where(two & (rsub == 1), vmid, v0b)
    rv1 = np.where(two & (rsub == 0), vmid, v1b)
    row_area = (u1r - u0r) * (rv1 - rv0) / M2_PER_MU
    k_lo = np.ceil(row_area / _MU_HI)
    k_hi = np.floor(row_area / _MU_LO)
    depth = rv1 - rv0
    k_hi = np.minimum(k_hi, np.floor((u1r - u0r) / (depth / 3.5)))
    k = np.clip(np.rint(row_area / target[rb]), k_lo, np.maximum(k_hi, k_lo)).astype(np.int64)
    k = np.maximum(k, 1)

    # Strips: Dirichlet shares, redrawn where a strip would fall outside the size bounds.
    R = rb.size
    pr = np.repeat(np.arange(R), k)
    first = np.cumsum(k) - k
    mi = np.arange(pr.size) - first[pr]
    g = rng.gamma(3.0, size=pr.size)
    min_width = (depth / 4.5)[pr]
    for attempt in range(9):
        share = g / np.bincount(pr, g, minlength=R)[pr]
        size = share * row_area[pr]
        bad = (size < _MU_LO) | (size > _MU_HI) | (share * (u1r - u0r)[pr] < min_width)
        bad_row = np.bincount(pr, bad, minlength=R) > 0
        if not bad_row.any():
            break
        redo = bad_row[pr]
        if attempt == 8:  # equal strips always fit
            share[redo] = 1.0 / k[pr][redo]
        else:
            g[redo] = rng.gamma(3.0, size=int(redo.sum()))
    cum = np.cumsum(share)
    before = cum - share - (cum[first] - share[first])[pr]
    length = (u1r - u0r)[pr]
    u0 = np.where(mi == 0, u0r[pr], np.round(u0r[pr] + length * before, 2))
    u1 = np.empty_like(u0)
    u1[:-1] = u0[1:]
    last = mi == k[pr] - 1
    u1[last] = u1r[pr][last]

    tile_of_row = bq[rb] // 4
    return SimpleNamespace(
        tile_i=tile_i, tile_j=tile_j, total=int(pr.size),
        wa_x=wa_x, wa_y=wa_y, ws_x=ws_x, ws_y=ws_y,
        q_has_b=has_b, q_b_vert=b_vert, q_wb=wb, q_xb=xb, q_yb=yb,
        q_cx0=cx0, q_cx1=cx1, q_cy0=cy0, q_cy1=cy1,
        tile=tile_of_row[pr], quad=bq[rb][pr], row=pr, m=mi, k=k[pr], u0=u0, u1=u1,
        row_v0=rv0, row_v1=rv1, row_u_is_x=u_is_x[rb], row_flip=two & (rsub == 1),
        row_single=~two,
    )


def _to_xy(lay: SimpleNamespace, idx, u, v) -> tuple[np.ndarray, np.ndarray]:
    """Park coordinates of local (u along the row, v' from the row's front) of parcels ``idx``."""
    v = np.where(lay.flip[idx], lay.rv1[idx] - v, lay.rv0[idx] + v)
    ux = lay.u_is_x[idx]
    return np.where(ux, u, v), np.where(ux, v, u)


def _parcel_geometries(lay: SimpleNamespace, rng: np.random.Generator) -> np.ndarray:
    """Parcel polygons: rectangles, some with cut corners, L-shapes, a hole or two parts."""
    n = lay.n
    a, b, D = lay.u0, lay.u1, lay.depth
    z = np.zeros(n)
    corners = np.stack([np.c_[a, z], np.c_[b, z], np.c_[b, D], np.c_[a, D]], axis=1)
    slots = np.repeat(corners[:, :, None, :], 3, axis=2)  # (n, 4 corners SW SE NE NW, 3, 2)

    # Cut corners (切角) where a parcel corner is a block corner at an intersection.
    first, last = lay.m == 0, lay.m == lay.k - 1
    cand = np.stack([first, last, last & lay.single, first & lay.single], axis=1)
    cand &= (lay.width >= 40)[:, None] & (D >= 40)[:, None]
    cut = cand & (rng.random((n, 4)) < 0.45)
    c = np.round(rng.uniform(5, 12, (n, 4)) * 2) / 2
    for corner, (p0, p1) in enumerate((
        ((a, c[:, 0]), (a + c[:, 0], z)),
        ((b - c[:, 1], z), (b, c[:, 1])),
        ((b, D - c[:, 2]), (b - c[:, 2], D)),
        ((a + c[:, 3], D), (a, D - c[:, 3])),
    )):
        sel = cut[:, corner]
        slots[sel, corner, 0] = np.c_[p0[0], p0[1]][sel]
        slots[sel, corner, 1:] = np.c_[p1[0], p1[1]][sel][:, None, :]

    # L-shapes: parcel i takes a notch from the back of its right neighbour i + 1.
    nxt = np.r_[np.arange(1, n), n - 1]
    pair = (lay.m < lay.k - 1) & (lay.width >= 60) & (lay.width[nxt] >= 60)
    pair[-1] = False  # the park's last parcel may end a truncated row
    r = rng.uniform(0.35, 0.6, n)
    vm = np.round(D * (1 - r), 2)
    d = np.round(lay.width[nxt] * rng.uniform(0.25, 0.5, n), 2)
    moved = d * (D - vm) / M2_PER_MU
    area = lay.width * D / M2_PER_MU
    pair &= (area + moved <= _MU_HI) & (area[nxt] - moved >= _MU_LO + 0.5)
    chosen = pair & (rng.random(n) < 0.03)
    chosen = _at_least(pair, chosen, 1, rng)
    chosen &= ~np.r_[False, chosen[:-1]]  # no chains: a parcel gives or takes one notch
    i = np.flatnonzero(chosen)
    j = i + 1
    bi = b[i]
    slots[i, 1, 0] = np.c_[bi, z[i]]
    slots[i, 1, 1] = np.c_[bi, vm[i]]
    slots[i, 1, 2] = np.c_[bi + d[i], vm[i]]
    slots[i, 2, :] = np.c_[bi + d[i], D[i]][:, None, :]
    slots[j, 3, 0] = np.c_[bi + d[i], D[j]]
    slots[j, 3, 1] = np.c_[bi + d[i], vm[i]]
    slots[j, 3, 2] = np.c_[bi, vm[i]]

    ring = slots.reshape(n, 12, 2)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    idx = np.repeat(np.arange(n)[:, None], 13, axis=1)
    x, y = _to_xy(lay, idx, ring[..., 0], ring[..., 1])
    x0, y0 = lay.origin
    geoms = shapely.polygons(np.stack([x + x0, y + y0], axis=-1))
    geoms = shapely.remove_repeated_points(geoms)

    # A hole (a retained tower base) or two parts (a drainage ditch) in a few plain parcels.
    plain = ~cut.any(axis=1) & ~chosen & ~np.r_[False, chosen[:-1]]
    roomy = plain & (area >= 30) & (lay.width >= 120) & (D >= 100)
    pick = rng.random(n)
    hole = _at_least(roomy, roomy & (pick < 0.006), 2, rng)
    split = _at_least(roomy & ~hole, roomy & ~hole & (pick > 0.994), 2, rng)
    i = np.flatnonzero(hole)
    s = np.round(rng.uniform(20, 35, i.size), 1)
    uc = np.round(a[i] + lay.width[i] * rng.uniform(0.35, 0.65, i.size), 2)
    vc = np.round(D[i] * rng.uniform(0.35, 0.65, i.size), 2)
    hx, hy = _to_xy(lay, i, uc, vc)
    boxes = shapely.box(hx + x0 - s / 2, hy + y0 - s / 2, hx + x0 + s / 2, hy + y0 + s / 2)
    geoms[i] = shapely.difference(geoms[i], boxes)
    i = np.flatnonzero(split)
    wd = np.round(rng.uniform(8, 12, i.size), 1)
    um = np.round(a[i] + lay.width[i] * rng.uniform(0.4, 0.6, i.size), 2)
    parts = []
    for lo, hi in ((a[i], um - wd / 2), (um + wd / 2, b[i])):
        px0, py0 = _to_xy(lay, i, lo, np.zeros(i.size))
        px1, py1 = _to_xy(lay, i, hi, D[i])
        parts.append(shapely.box(np.minimum(px0, px1) + x0, np.minimum(py0, py1) + y0,
                                 np.maximum(px0, px1) + x0, np.maximum(py0, py1) + y0))
    geoms[i] = shapely.multipolygons(np.stack(parts, axis=1))
    geoms = shapely.orient_polygons(geoms)

    area = shapely.area(geoms) / M2_PER_MU
    if not ((area >= 10.0) & (area <= 300.0)).all():  # pragma: no cover - a bug, not bad input
        raise AssertionError("demo parcel outside 10-300 mu")
    lay.shape = np.select([chosen | np.r_[False, chosen[:-1]], hole, split, cut.any(axis=1)],
                          ["l_shape", "hole", "two_parts", "cut_corner"], "rectangle")
    return geoms


# ------------------------------------------------------------------------------------------
# Parcel attributes
# ------------------------------------------------------------------------------------------


def _assign_profiles(lay: SimpleNamespace, rng: np.random.Generator) -> np.ndarray:
    """Profile index per parcel: older profiles to the south-west, newer to the north-east."""
    n = lay.n
    weights = np.array([p[2] for p in _PROFILES])
    mins = np.array([p[3] for p in _PROFILES])
    counts = np.maximum(np.rint(weights * n).astype(int), mins)
    rest = n - counts.sum()
    main = _PROFILE["in_production"]
    if rest >= 0:
        counts[main] = rest
    else:  # a tiny park: shares only
        share = weights.copy()
        share[main] = max(0.0, 1.0 - weights.sum())
        counts = np.floor(share * n).astype(int)
        counts[main] += n - counts.sum()
    # Reserve land is the newest, at the frontier; the others mix, older ones more to the
    # south-west.
    reserve = _PROFILE["reserve"]
    frontier = np.argsort(lay.tile + rng.uniform(0, 1.5, n), kind="stable")
    profile = np.empty(n, dtype=np.int64)
    k = counts[reserve]
    profile[frontier[n - k:]] = reserve
    rest = frontier[: n - k]
    age = lay.tile[rest] / max(lay.ntiles - 1, 1) + rng.uniform(0, 1.2, rest.size)
    others = np.delete(np.arange(len(_PROFILES)), reserve)
    profile[rest[np.argsort(age, kind="stable")]] = np.repeat(others, np.delete(counts, reserve))
    return profile


def _hills(lay: SimpleNamespace, profile: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Hills (x, y, height m, sigma m) in park coordinates: one under the reserve land, plus one
    per 400 tiles in big parks."""
    reserve = profile == _PROFILE["reserve"]
    cx = (lay.u0 + lay.u1) / 2
    cv = (lay.rv0 + lay.rv1) / 2
    px, py = np.where(lay.u_is_x, cx, cv), np.where(lay.u_is_x, cv, cx)
    i = np.flatnonzero(reserve) if reserve.any() else np.array([lay.n - 1])
    near = i[np.argmin((px[i] - px[i].mean()) ** 2 + (py[i] - py[i].mean()) ** 2)]
    extra = min(49, lay.ntiles // 400)
    tiles = rng.integers(0, lay.ntiles, extra)
    xs = np.r_[px[near], (lay.tile_i[tiles] + rng.uniform(0.2, 0.8, extra)) * _TILE]
    ys = np.r_[py[near], (lay.tile_j[tiles] + rng.uniform(0.2, 0.8, extra)) * _TILE]
    heights = np.r_[20.0, rng.uniform(8, 25, extra)]
    sigmas = np.r_[300.0, rng.uniform(200, 400, extra)]
    return np.c_[xs, ys, heights, sigmas]


def _elevation(lay: SimpleNamespace, x: np.ndarray, y: np.ndarray, hills: np.ndarray) -> np.ndarray:
    """Ground elevation (m) at park coordinates: regional slope down to the south-east, gentle
    ripples, Gaussian hills."""
    cx, cy = lay.nx * _TILE / 2, lay.ny * _TILE / 2
    z = 32.0 + 12.0 * np.tanh(((cx - x) * 0.6 + (y - cy) * 0.8) / 9000.0)
    z = z + 0.35 * np.sin(2 * np.pi * x / 730 + 1.3) * np.sin(2 * np.pi * y / 910 + 0.4)
    z = z + 0.2 * np.sin(2 * np.pi * (x + y) / 1370 + 2.1)
    for hx, hy, h, s in hills:
        near = (np.abs(x - hx) < 4 * s) & (np.abs(y - hy) < 4 * s)
        if np.ndim(z) and near.any():
            z[near] += h * np.exp(-((x[near] - hx) ** 2 + (y[near] - hy) ** 2) / (2 * s * s))
    return z


def _days(values: np.ndarray) -> np.ndarray:
    """Day offsets from DEMO_AS_OF (NaN = empty) as datetime64[ms]."""
    out = np.full(values.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = ~np.isnan(values)
    out[ok] = _AS_OF + np.floor(values[ok]).astype("timedelta64[D]")
    return out.astype("datetime64[ms]")


def _parcel_dates(profile: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Supply, agreed start/completion, actual start, production start and halt dates (days
    relative to DEMO_AS_OF, NaN when empty) per profile."""
    n = profile.size
    Y = _DAYS_PER_YEAR
    S, G, C, T, P, H = (np.full(n, np.nan) for _ in range(6))

    def sel(name):
        m = profile == _PROFILE[name]
        return m, int(m.sum())

    def u(lo, hi, k):
        return rng.uniform(lo, hi, k)

    # Started: supplied (years ago), agreed start, actual start, production start.
    started = {"in_production": (4.6, 19.0, 240), "halted_built_long": (7, 16, 240),
               "halted_built_recent": (7, 16, 240), "completed": (3.2, 5.5, 200),
               "halted_low_developed": (4, 7, 200), "halted_low_invested": (4, 7, 200),
               "halted_not_due": (3, 5, 240), "under_construction": (1.5, 3.5, 120)}
    for name, (lo, hi, late) in started.items():
        m, k = sel(name)
        S[m] = -u(lo, hi, k) * Y
        G[m] = S[m] + u(90, 365, k)
        T[m] = G[m] + u(-30, late, k)
        P[m] = T[m] + u(365, 900, k)
    m, k = sel("old_no_agreed_start")  # old contracts without a recorded start date
    S[m] = -u(19, 23, k) * Y
    T[m] = S[m] + u(120, 500, k)
    P[m] = T[m] + u(365, 800, k)
    m, k = sel("completed")  # completed (竣工) 1-2 years after the start, before DEMO_AS_OF
    P[m] = T[m] + 400 + u(0, 1, k) * (np.minimum(800, -30 - T[m]) - 400)
    m, k = sel("halted_built_long")
    H[m] = -(400 + u(0, 1, k) * (np.minimum(1000, -(P[m] + 365)) - 400))
    m, k = sel("halted_built_recent")
    H[m] = -u(30, 330, k)
    for name in ("halted_low_developed", "halted_low_invested"):
        m, k = sel(name)
        H[m] = -(400 + u(0, 1, k) * (np.minimum(900, -T[m] - 60) - 400))
        P[m] = np.nan
    m, k = sel("halted_not_due")
    H[m] = -u(30, 330, k)
    P[m] = np.nan
    m, _ = sel("under_construction")
    P[m] = np.nan

    # Not started: agreed start relative to DEMO_AS_OF, supply a few months before it.
    unstarted = {"unstarted_recover": (-4.5 * Y, -2 * Y - 20),
                 "unstarted_idle_fee": (-2 * Y + 20, -Y - 20),
                 "unstarted_government": (-4 * Y, -1.2 * Y),
                 "unstarted_force_majeure": (-3 * Y, -1.2 * Y),
                 "supplied_not_due": (-Y + 20, -20),
                 "supplied_future_start": (30, 300)}
    for name, (lo, hi) in unstarted.items():
        m, k = sel(name)
        G[m] = u(lo, hi, k)
        S[m] = np.minimum(G[m], -30) - u(90, 365, k)
    m, k = sel("unstarted_leap_day")
    G[m] = float((np.datetime64("2024-02-29") - _AS_OF).astype(int))
    S[m] = G[m] - 150
    m, k = sel("supplied_no_agreed_start")  # 划拨 decision without a start date
    S[m] = -u(200, 900, k)
    C = np.where(np.isnan(G), np.nan, G + rng.uniform(540, 1095, n))
    return {"supply": S, "agreed_start": G, "agreed_completion": C, "actual_start": T,
            "production": P, "halted": H}


def _parcel_attributes(lay: SimpleNamespace, geoms: np.ndarray, profile: np.ndarray,
                       hills: np.ndarray, rng: np.random.Generator) -> dict[str, object]:
    """Every parcel column except holder (set with the ledger) and geometry."""
    n = lay.n
    names = np.array([p[0] for p in _PROFILES])[profile]
    status = np.array([p[1] for p in _PROFILES])[profile]
    is_ = {name: names == name for name in _PROFILE}
    reserve = is_["reserve"]
    area = shapely.area(geoms)
    mu = area / M2_PER_MU
    dates = _parcel_dates(profile, rng)
    supply_year = 2026.5 + dates["supply"] / _DAYS_PER_YEAR

    # Identifiers: 宗地代码 = county + 地籍区 + 地籍子区 + GB + serial within the quadrant.
    qfirst = np.r_[0, np.flatnonzero(np.diff(lay.quad)) + 1]
    serial = np.arange(n) - np.repeat(qfirst, np.diff(np.r_[qfirst, n])) + 1
    jjq = lay.tile // 200 + 1
    jjzq = (lay.tile % 200) * 4 + lay.quad % 4 + 1
    parcel_id = _concat("340104", _zfill(jjq, 3), _zfill(jjzq, 3), "GB", _zfill(serial, 5))

    # Industry, land use.
    codes = np.array([c for c, *_ in _INDUSTRIES])
    industry = _pick(rng, codes, n, p=[w for _c, w, *_ in _INDUSTRIES]).astype(object)
    land_use = np.select([np.isin(industry, list(_HEAVY)), np.isin(industry, list(_NUISANCE))],
                         ["100103", "100102"], "100101").astype(object)
    land_use[rng.random(n) < 0.06] = "1101"
    land_use[is_["old_no_agreed_start"] & (rng.random(n) < 0.3)] = "1001"
    land_use[reserve] = _pick(rng, ["100101", "100102", "1101"], int(reserve.sum()), p=[6, 3, 1])
    industry[reserve] = None

    # Money (万元): land price by year of sale, agreed investment by 投资强度, investment made.
    price = np.where(reserve, np.nan, mu * (6.0 + (supply_year - 2003)) * rng.uniform(0.85, 1.2, n))
    intensity = np.where(supply_year < 2012, rng.uniform(150, 300, n),
                         rng.uniform(250, 600, n) * (1 + 0.02 * (supply_year - 2012)))
    agreed = np.where(reserve, np.nan, mu * intensity)
    agreed[is_["old_no_agreed_start"] & (rng.random(n) < 0.5)] = np.nan
    built = np.isin(names, [*_PRODUCING, "completed"])

    def shares(ranges: dict[str, tuple[float, float]]) -> np.ndarray:
        out = np.zeros(n)
        for name, (lo, hi) in ranges.items():
            out[is_[name]] = rng.uniform(lo, hi, int(is_[name].sum()))
        return out

    # Shares of the agreed investment made and of the land developed (halted: below or above
    # the idle-land thresholds of 25 % and 1/3).
    full = dict.fromkeys(_PRODUCING, (0.85, 1.25))
    frac = shares({**full, "completed": (0.85, 1.1), "under_construction": (0.2, 0.8),
                   "halted_low_developed": (0.3, 0.6), "halted_low_invested": (0.05, 0.2),
                   "halted_not_due": (0.1, 0.4)})
    low = np.isin(names, ["in_production", "old_no_agreed_start"]) & (rng.random(n) < 0.08)
    frac[low] = rng.uniform(0.4, 0.7, int(low.sum()))  # under-invested factories
    invested = np.where(np.isnan(agreed), mu * rng.uniform(150, 400, n), agreed) * frac
    invested[reserve] = np.nan
    dev = shares({**dict.fromkeys([*_PRODUCING, "completed"], (1.0, 1.0)),  # built: all of it
                  "under_construction": (0.3, 0.95), "halted_low_developed": (0.05, 0.28),
                  "halted_low_invested": (0.4, 0.8), "halted_not_due": (0.05, 0.25)})

    # Buildings: floor-area ratio and coverage pass the 2008 indicators, except a few.
    far_min = pd.Series({c: f for c, _w, _name, f in _INDUSTRIES})
    fmin = pd.Series(industry).map(far_min).fillna(0.7).to_numpy()
    far = rng.uniform(np.maximum(0.6, fmin * 1.05), 2.0)
    fails = rng.random((n, 4)) < 0.06
    far[fails[:, 0]] = (fmin * rng.uniform(0.5, 0.9, n))[fails[:, 0]]
    cover = np.where(fails[:, 1], rng.uniform(0.18, 0.28, n), rng.uniform(0.32, 0.6, n))
    cover = np.minimum(cover, far)
    green = np.where(fails[:, 2], rng.uniform(0.21, 0.3, n), rng.uniform(0.06, 0.18, n))
    admin = np.where(fails[:, 3], rng.uniform(0.075, 0.12, n), rng.uniform(0.02, 0.065, n))
    progress = np.where(built, 1.0, dev * shares({  # share of the planned buildings standing
        "under_construction": (0.3, 0.9), "halted_low_developed": (0.3, 0.7),
        "halted_low_invested": (0.3, 0.7), "halted_not_due": (0.3, 0.7)}))
    green_share = np.where(built, 1.0, 0.0)

    # Levelled: started sites are; unstarted ones where the terrain varies by ≤ 2 m.
    unstarted = np.isin(names, _UNSTARTED)
    leveled = np.ones(n, dtype=bool)
    i = np.flatnonzero(unstarted)
    if i.size:
        gu = lay.u0[i, None] + (lay.width[i, None] - 10) * np.array([0.0, 0.5, 1.0]) + 5
        gv = (lay.depth[i, None] - 10) * np.array([0.0, 0.5, 1.0]) + 5
        uu = np.repeat(gu, 3, axis=1)
        vv = np.tile(gv, 3)
        x, y = _to_xy(lay, np.repeat(i[:, None], 9, axis=1), uu, vv)
        z = _elevation(lay, x.ravel(), y.ravel(), hills).reshape(-1, 9)
        leveled[i] = np.ptp(z, axis=1) <= 2.0

    idle_cause = np.full(n, None, dtype=object)
    enterprise = np.isin(names, ["unstarted_recover", "unstarted_idle_fee", "unstarted_leap_day",
                                 "halted_low_developed", "halted_low_invested"])
    idle_cause[enterprise & (rng.random(n) < 0.5)] = "enterprise"  # empty means enterprise too
    idle_cause[is_["unstarted_government"]] = "government"
    idle_cause[is_["unstarted_force_majeure"]] = "force_majeure"

    syear = np.where(np.isnan(supply_year), 0, np.floor(supply_year)).astype(int)
    order = pd.Series(parcel_id).groupby(syear).cumcount().to_numpy() + 1
    parcel_name = np.where(reserve, _concat("CB-", _zfill(np.cumsum(reserve), 4)),
                           _concat("JK", syear.astype(str), "-", _zfill(order, 3)))
    cx, cy = shapely.get_coordinates(shapely.centroid(geoms)).T
    map_sheet = _concat(np.floor(cy / 1000).astype(np.int64).astype(str), ".0-",
                        np.floor(cx / 1000).astype(np.int64).astype(str), ".0")

    def m2(share):
        return np.round(area * share, 2)

    declared = built & (rng.random(n) < 0.6)
    return {
        "parcel_id": parcel_id.astype(object),
        "parcel_name": parcel_name.astype(object),
        "holder": None,
        "land_use": land_use,
        "area_declared_m2": np.round(area * (1 + rng.normal(0, 0.002, n)), 2),
        "industry_code": industry,
        "status": status.astype(object),
        "supply_date": _days(dates["supply"]),
        "agreed_start_date": _days(dates["agreed_start"]),
        "agreed_completion_date": _days(dates["agreed_completion"]),
        "actual_start_date": _days(dates["actual_start"]),
        "halted_since": _days(dates["halted"]),
        "idle_cause": idle_cause,
        "land_price_wan": np.round(price, 2),
        "agreed_investment_wan": np.round(agreed, 2),
        "invested_wan": np.round(invested, 2),
        "developed_area_m2": m2(dev),
        "floor_area_m2": m2(far * progress),
        "footprint_area_m2": m2(cover * progress),
        "green_area_m2": m2(green * green_share),
        "admin_area_m2": m2(admin * progress),
        "site_leveled": leveled,
        "floor_area_ratio_declared": np.where(declared, np.round(far, 2), np.nan),
        "building_density_pct_declared": np.where(declared, np.round(100 * cover, 1), np.nan),
        "map_sheet": map_sheet.astype(object),
        # for the ledger, not columns:
        "_profile": names,
        "_mu": mu,
        "_dates": dates,
    }


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


# ------------------------------------------------------------------------------------------
# Networks
# ------------------------------------------------------------------------------------------


def _roads(lay: SimpleNamespace, attrs: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Road segments between junctions, named, with a status from how built-up the land is."""
    nx, ny = lay.nx, lay.ny
    Qn = lay.nquads
    unstarted = np.isin(attrs["_profile"], _UNSTARTED)
    q_n = np.bincount(lay.quad, minlength=Qn).astype(float)
    q_new = np.bincount(lay.quad, unstarted, minlength=Qn)
    q_frac = np.divide(q_new, q_n, out=np.ones(Qn), where=q_n > 0)
    t_n = q_n.reshape(-1, 4).sum(1)
    t_frac = np.divide(q_new.reshape(-1, 4).sum(1), t_n, out=np.ones(lay.ntiles), where=t_n > 0)

    segs: list[dict[str, np.ndarray]] = []

    def add(x0, y0, x1, y1, grade, width, name, fr_a, n_a, fr_b, n_b, tile):
        segs.append({"x0": x0, "y0": y0, "x1": x1, "y1": y1, "grade": np.full(x0.size, grade),
                     "width": width, "name": name, "fa": fr_a, "na": n_a, "fb": fr_b, "nb": n_b,
                     "tile": tile})

    art_ns = _road_names(_ARTERIAL_STEMS, nx + ny + 2, "大道")
    sec_names = _road_names(_SECONDARY_STEMS, nx + ny, "路")
    def tile_at(i, j):  # park tile at grid column i, row j (-1 outside)
        ok = (i >= 0) & (i < nx) & (j >= 0) & (j < ny)
        return np.where(ok, lay.grid[np.clip(j, 0, ny - 1), np.clip(i, 0, nx - 1)], -1)

    def arterials(i, j, ta, tb, **kw):  # segments with a park tile on either side
        keep = (ta >= 0) | (tb >= 0)
        i, j, ta, tb = i[keep], j[keep], ta[keep], tb[keep]
        na, nb = np.where(ta >= 0, t_n[ta], 0), np.where(tb >= 0, t_n[tb], 0)
        return i, j, dict(fr_a=t_frac[ta], n_a=na, fr_b=t_frac[tb], n_b=nb,
                          tile=np.where(tb >= 0, tb, ta))

    # Arterials: north-south line i between tiles (i-1, j) and (i, j), then east-west line j.
    i, j = (a.ravel() for a in np.meshgrid(np.arange(nx + 1), np.arange(ny), indexing="ij"))
    i, j, side = arterials(i, j, tile_at(i - 1, j), tile_at(i, j))
    add(i * _TILE, j * _TILE, i * _TILE, (j + 1) * _TILE, "arterial", lay.wa_x[i], art_ns[i],
        **side)
    i, j = (a.ravel() for a in np.meshgrid(np.arange(nx), np.arange(ny + 1), indexing="ij"))
    i, j, side = arterials(i, j, tile_at(i, j - 1), tile_at(i, j))
    add(i * _TILE, j * _TILE, (i + 1) * _TILE, j * _TILE, "arterial", lay.wa_y[j],
        art_ns[nx + 1 + j], **side)
    # Secondaries: two segments per tile each way, between the quadrants they separate.
    t = np.repeat(np.arange(lay.ntiles), 2)
    h = np.tile([0, 1], lay.ntiles)
    ti, tj = lay.tile_i[t], lay.tile_j[t]
    qa, qb = 4 * t + 2 * h, 4 * t + 2 * h + 1  # N-S: quadrants (0, h) and (1, h)
    x = ti * _TILE + _TILE / 2
    add(x, tj * _TILE + h * _TILE / 2, x, tj * _TILE + (h + 1) * _TILE / 2, "secondary",
        lay.ws_x[ti], sec_names[ti], q_frac[qa], q_n[qa], q_frac[qb], q_n[qb], t)
    qa, qb = 4 * t + h, 4 * t + h + 2  # E-W: quadrants (h, 0) and (h, 1)
    y = tj * _TILE + _TILE / 2
    add(ti * _TILE + h * _TILE / 2, y, ti * _TILE + (h + 1) * _TILE / 2, y, "secondary",
        lay.ws_y[tj], sec_names[nx + tj], q_frac[qa], q_n[qa], q_frac[qb], q_n[qb], t)
    # Branch roads: one per split quadrant, from road to road.
    qb_ = np.flatnonzero(lay.q_has_b[:Qn])
    vert = lay.q_b_vert[qb_]
    bx0 = np.where(vert, lay.q_xb[qb_], lay.q_cx0[qb_])
    bx1 = np.where(vert, lay.q_xb[qb_], lay.q_cx1[qb_])
    by0 = np.where(vert, lay.q_cy0[qb_], lay.q_yb[qb_])
    by1 = np.where(vert, lay.q_cy1[qb_], lay.q_yb[qb_])
    add(bx0, by0, bx1, by1, "branch", lay.q_wb[qb_], _road_names(_BRANCH_STEMS, qb_.size, "路"),
        q_frac[qb_], q_n[qb_], q_frac[qb_], q_n[qb_], qb_ // 4)

    seg = {key: np.concatenate([s[key] for s in segs]) for key in segs[0]}
    grade = seg["grade"]
    both_empty = (seg["na"] == 0) & (seg["nb"] == 0)
    newest = np.where(seg["na"] > 0, seg["fa"], 1.0)
    newest = np.minimum(newest, np.where(seg["nb"] > 0, seg["fb"], 1.0))
    status = np.full(grade.size, "built", dtype=object)
    status[newest >= 0.75] = "under_construction"
    branch = grade == "branch"
    status[branch & (newest >= 0.5)] = "under_construction"
    status[branch & (newest >= 0.75)] = "planned"
    status[both_empty] = "planned"
    status[branch & (status == "built") & (rng.random(grade.size) < 0.02)] = "planned"
    for wanted in ("planned", "under_construction"):  # a few of each, whatever the draw
        if not (status == wanted).any():
            cand = np.flatnonzero((status == "built") & (grade != "arterial"))
            if cand.size:
                status[cand[np.argmax(newest[cand])]] = wanted
    x0, y0 = lay.origin
    seg["geometry"] = shapely.linestrings(
        np.stack([np.c_[seg["x0"] + x0, seg["y0"] + y0],
                  np.c_[seg["x1"] + x0, seg["y1"] + y0]], axis=1))
    seg["status"] = status
    seg["road_id"] = _concat("RD", _zfill(np.arange(grade.size) + 1, 6)).astype(object)
    seg["width_m"] = seg.pop("width")
    return seg


def _offset_lines(roads: dict, share: float) -> np.ndarray:
    """Road centrelines shifted sideways by ``share`` of the half width (x for N-S roads)."""
    off = share * roads["width_m"] / 2
    vertical = roads["x0"] == roads["x1"]
    dx, dy = np.where(vertical, off, 0.0), np.where(vertical, 0.0, off)
    x0, y0 = (np.round(v, 2) for v in (roads["x0"] + dx, roads["y0"] + dy))
    x1, y1 = (np.round(v, 2) for v in (roads["x1"] + dx, roads["y1"] + dy))
    return np.stack([np.c_[x0, y0], np.c_[x1, y1]], axis=1)


def _facility_sites(lay: SimpleNamespace, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Arterial intersections (i, j) hosting each kind of facility."""
    nx, ny = lay.nx, lay.ny
    ii, jj = np.meshgrid(np.arange(nx + 1), np.arange(ny + 1), indexing="ij")
    every = np.c_[ii.ravel(), jj.ravel()]
    around = np.zeros((len(every), 4), dtype=bool)  # the four tiles around each intersection
    for c, (di, dj) in enumerate(((-1, -1), (0, -1), (-1, 0), (0, 0))):
        ti, tj = every[:, 0] + di, every[:, 1] + dj
        ok = (ti >= 0) & (ti < nx) & (tj >= 0) & (tj < ny)
        around[ok, c] = lay.grid[tj[ok], ti[ok]] >= 0
    interior = every[around.all(axis=1)]
    every = every[around.any(axis=1)]
    pool = interior if len(interior) >= 3 else every
    subs = pool[(pool[:, 0] % 3 == 1) & (pool[:, 1] % 3 == 1)]
    lattice = len(subs) >= 3
    if not lattice:  # a small park: spread three substations (greedy farthest points)
        chosen = [pool[len(pool) // 2]] if not len(subs) else list(subs)
        while len(chosen) < min(3, len(pool)):
            d = np.min([np.abs(pool - c).sum(1) for c in chosen], axis=0)
            chosen.append(pool[int(np.argmax(d))])
        subs = np.array(chosen)
    count = max(1, lay.ntiles // 100)
    taken = {tuple(s) for s in subs}
    others = np.array([p for p in every if tuple(p) not in taken])
    inner = np.array([p for p in pool if tuple(p) not in taken])
    inner = inner if len(inner) else others
    sites = {"substation": subs}
    for kind in ("water_plant", "sewage_plant", "gas_station", "heat_source"):
        where = inner if kind == "heat_source" else others  # heat mains need the source inside
        sites[kind] = where[rng.choice(len(where), size=min(count, len(where)), replace=False)]
    sites["_lattice"] = np.array(lattice)
    return sites


# corner of the intersection each kind sits in (green belt), as signs (east, north)
_CORNER = {"substation": (1, 1), "water_plant": (-1, -1), "sewage_plant": (1, -1),
           "gas_station": (-1, 1), "heat_source": (1, 1)}


def _site_xy(lay: SimpleNamespace, kind: str, ij: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sx, sy = _CORNER[kind]
    i, j = ij[:, 0], ij[:, 1]
    return (i * _TILE + sx * (lay.wa_x[i] / 2 + 5), j * _TILE + sy * (lay.wa_y[j] / 2 + 5))


def _pipelines(lay: SimpleNamespace, roads: dict, sites: dict, rng: np.random.Generator
               ) -> dict[str, np.ndarray]:
    """Pipes of every kind under the roads, with gaps and planned stretches."""
    grade = roads["grade"]
    g = np.select([grade == "arterial", grade == "secondary"], [0, 1], 2)
    tile = roads["tile"]
    art = g == 0
    tiles = lay.ntiles
    gas_tile = rng.random(tiles) < 0.8
    sewer_tile = rng.random(tiles) < 0.9
    hi, hj = sites["heat_source"][:, 0], sites["heat_source"][:, 1]
    ti, tj = lay.tile_i, lay.tile_j
    heat_tile = ((np.abs(ti[:, None] + 0.5 - hi) <= 1)
                 & (np.abs(tj[:, None] + 0.5 - hj) <= 1)).any(axis=1)  # 2 × 2 tiles around
    p = {  # chance of a pipe along a road (arterial, secondary, branch) where the tile is served
        "water": ((1.0, 1.0, 0.97), np.ones(tiles, bool)),
        "sewer": ((1.0, 1.0, 0.85), sewer_tile),
        "storm": ((1.0, 1.0, 0.9), np.ones(tiles, bool)),
        "gas": ((0.85, 0.9, 0.7), gas_tile),
        "heat": ((1.0, 0.8, 0.0), heat_tile),
        "telecom": ((0.98, 0.98, 0.98), np.ones(tiles, bool)),
        "reclaimed": ((0.5, 0.2, 0.0), np.ones(tiles, bool)),
    }
    out: dict[str, list] = {k: [] for k in ("pipe_id", "kind", "diameter_mm", "status", "geometry")}
    x0, y0 = lay.origin
    for kind, (prefix, off, diam) in _PIPES.items():
        chance, served = p[kind]
        served_here = served[tile] | (art & (kind not in ("heat",)))
        exists = served_here & (rng.random(grade.size) < np.array(chance)[g])
        extra = ~exists & (rng.random(grade.size) < 0.1) & (np.array(chance)[g] > 0)
        status = roads["status"].copy()
        status[exists & (status == "built") & (rng.random(grade.size) < 0.04)] = "planned"
        status[extra] = "planned"
        for wanted, source in (("planned", "built"), ("built", "planned")):
            if not (status[exists | extra] == wanted).any():
                cand = np.flatnonzero((exists | extra) & (status == source))
                if cand.size:
                    status[cand[0]] = wanted
        keep = exists | extra
        k = int(keep.sum())
        table = np.array([[d[c % len(d)] for c in range(3)] for d in diam], dtype=float)
        d = table[g, rng.integers(0, 3, grade.size)][keep]
        coords = _offset_lines(roads, off)[keep] + np.array([x0, y0])
        out["kind"].append(np.full(k, kind, dtype=object))
        out["pipe_id"].append(_concat(prefix, _zfill(np.arange(k) + 1, 6)).astype(object))
        out["diameter_mm"].append(d)
        out["status"].append(status[keep])
        out["geometry"].append(shapely.linestrings(coords))
    return {key: np.concatenate(v) for key, v in out.items()}


def _powerlines(lay: SimpleNamespace, roads: dict, sites: dict, rng: np.random.Generator
                ) -> dict[str, np.ndarray]:
    """10 kV lines along the roads and 110 kV lines between substations along green belts."""
    grade = roads["grade"]
    keep = (grade != "branch") | (rng.random(grade.size) < 0.92)
    status = roads["status"].copy()
    status[(status == "built") & (rng.random(grade.size) < 0.05)] = "planned"
    if not (status[keep] == "planned").any():
        status[np.flatnonzero(keep)[0]] = "planned"
    if not (status[keep] == "built").any():
        status[np.flatnonzero(keep)[-1]] = "built"
    x0, y0 = lay.origin
    lines10 = shapely.linestrings(_offset_lines(roads, 0.9)[keep] + np.array([x0, y0]))
    laying10 = np.where(grade[keep] == "branch", "overhead", "cable")

    subs = sites["substation"]
    sx, sy = _site_xy(lay, "substation", subs)
    if bool(sites["_lattice"]):  # neighbours on the 3 km lattice
        key = {tuple(s): k for k, s in enumerate(subs)}
        pairs = [(key[tuple(s)], key[t]) for s in subs for t in
                 ((s[0] + 3, s[1]), (s[0], s[1] + 3)) if t in key]
    else:
        pairs = [(k, k + 1) for k in range(len(subs) - 1)]
    paths = [[(sx[a], sy[a]), (sx[b], sy[a]), (sx[b], sy[b])] for a, b in pairs]
    paths.append([(-1500.0, sy[0]), (sx[0], sy[0])])  # supply from outside the park
    lines110 = shapely.remove_repeated_points(np.array(
        [shapely.LineString(np.array(pth) + np.array([x0, y0])) for pth in paths], dtype=object))
    k10, k110 = int(keep.sum()), len(paths)
    return {
        "line_id": np.r_[_concat("L010-", _zfill(np.arange(k10) + 1, 6)),
                         _concat("L110-", _zfill(np.arange(k110) + 1, 6))].astype(object),
        "voltage_kv": np.r_[np.full(k10, 10.0), np.full(k110, 110.0)],
        "status": np.r_[status[keep], np.full(k110, "built", dtype=object)],
        "laying": np.r_[laying10, np.full(k110, "overhead")].astype(object),
        "geometry": np.r_[lines10, lines110],
    }


def _facilities(lay: SimpleNamespace, sites: dict) -> dict[str, np.ndarray]:
    """Substations and plants at the corners of arterial intersections."""
    spec = {  # kind: (ID prefix, name, capacities, unit)
        "substation": ("BDZ", "110kV变电站", (80.0, 100.0, 126.0, 150.0, 189.0), "MVA"),
        "water_plant": ("SC", "水厂", (10.0, 20.0, 30.0), "万m³/d"),
        "sewage_plant": ("WSC", "污水处理厂", (5.0, 10.0, 15.0), "万m³/d"),
        "gas_station": ("MZ", "天然气门站", (30.0, 50.0), "万Nm³/d"),
        "heat_source": ("RY", "热电厂", (220.0, 300.0, 480.0), "t/h"),
    }
    rows: dict[str, list] = {k: [] for k in ("facility_id", "name", "kind", "capacity",
                                              "capacity_unit", "status", "geometry")}
    x0, y0 = lay.origin
    places = _road_names(_BRANCH_STEMS[::-1], len(sites["substation"]), "")
    for kind, (prefix, label, caps, unit) in spec.items():
        ij = sites[kind]
        x, y = _site_xy(lay, kind, ij)
        k = len(ij)
        rows["facility_id"].append(_concat(prefix, _zfill(np.arange(k) + 1, 3)))
        if kind == "substation":  # 紫蓬110kV变电站; plants: 经开区水厂, 经开区第二水厂, …
            names = [f"{places[c]}{label}" for c in range(k)]
        else:
            names = [f"经开区{'' if c == 0 else '第' + _cn_number(c + 1)}{label}" for c in range(k)]
        rows["name"].append(np.array(names, dtype=object))
        rows["kind"].append(np.full(k, kind, dtype=object))
        rows["capacity"].append(np.array([caps[(i * 7 + j) % len(caps)] for i, j in ij], float))
        rows["capacity_unit"].append(np.full(k, unit, dtype=object))
        rows["status"].append(np.full(k, "built", dtype=object))
        rows["geometry"].append(shapely.points(x + x0, y + y0))
    return {key: np.concatenate(v) for key, v in rows.items()}


# ------------------------------------------------------------------------------------------
# Terrain and frames
# ------------------------------------------------------------------------------------------


def _dem(lay: SimpleNamespace, hills: np.ndarray) -> tuple[np.ndarray, affine.Affine]:
    """The DEM over the park plus a 300 m margin: 10 m cells, coarser when it would exceed
    4000 cells a side."""
    margin = 300.0
    w, h = lay.nx * _TILE + 2 * margin, lay.ny * _TILE + 2 * margin
    cell = float(max(10, math.ceil(max(w, h) / 4000)))
    cols, rows = math.ceil(w / cell), math.ceil(h / cell)
    x = -margin + (np.arange(cols) + 0.5) * cell
    y = lay.ny * _TILE + margin - (np.arange(rows) + 0.5) * cell
    z = _elevation(lay, x[None, :], y[:, None], np.empty((0, 4)))
    for hx, hy, height, s in hills:  # each hill on its window only
        c0, c1 = np.searchsorted(x, [hx - 4 * s, hx + 4 * s])
        r0, r1 = np.searchsorted(-y, [-(hy + 4 * s), -(hy - 4 * s)])
        if c1 > c0 and r1 > r0:
            dx = x[None, c0:c1] - hx
            dy = y[r0:r1, None] - hy
            z[r0:r1, c0:c1] += height * np.exp(-(dx * dx + dy * dy) / (2 * s * s))
    x0, y0 = lay.origin
    transform = affine.Affine(cell, 0.0, x0 - margin, 0.0, -cell, y0 + lay.ny * _TILE + margin)
    return z.astype(np.float32), transform


def _frame(name: str, columns: dict, geometry, crs) -> gpd.GeoDataFrame | pd.DataFrame:
    """A canonical layer from arrays: the schema's columns, in order, with canonical dtypes."""
    spec = layer_spec(name)
    data = {}
    for col in spec.columns:
        values = columns.get(col.name)
        if values is None:
            values = np.full(len(geometry) if geometry is not None else 0, None, dtype=object)
        if col.kind in ("str", "enum"):
            data[col.name] = pd.Series(values, dtype="str")
        elif col.kind == "float":
            data[col.name] = pd.Series(np.asarray(values, dtype=float), dtype="float64")
        elif col.kind == "int":
            data[col.name] = pd.Series(values, dtype="Int64")
        elif col.kind == "bool":
            data[col.name] = pd.Series(values, dtype="boolean")
        else:  # date
            data[col.name] = pd.Series(np.asarray(values, dtype="datetime64[ms]"))
    frame = pd.DataFrame(data)
    if geometry is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(np.asarray(geometry), crs=crs), crs=crs)
