"""What every layer of the demo park shares: its date, place, parcel profiles and industries,
and small helpers (progress, random picks, strings, dates, canonical frames).

The profiles (:data:`_PROFILES`) decide which idle-land case of SPEC §8 each parcel shows at
:data:`DEMO_AS_OF`; the industries (:data:`_INDUSTRIES`, GB/T 4754-2017 divisions with a
frequency in a Hefei park) are drawn for parcels and named in the ledger alike.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from ..schema import layer_spec

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

_CN_DIGITS = "零一二三四五六七八九"

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


def _days(values: np.ndarray) -> np.ndarray:
    """Day offsets from DEMO_AS_OF (NaN = empty) as datetime64[ms]."""
    out = np.full(values.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = ~np.isnan(values)
    out[ok] = _AS_OF + np.floor(values[ok]).astype("timedelta64[D]")
    return out.astype("datetime64[ms]")


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
