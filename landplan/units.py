"""Units: the one place where mu, hectares, 万元 and friends are converted.

Canonical units live in column names: ``_m2`` square metres, ``_mu`` mu (亩),
``_m`` metres, ``_wan`` 万元 (10,000 CNY), ``_mm`` millimetres, ``_kv`` kilovolts, ``_kva`` kilovolt-amperes.
"""

from __future__ import annotations

__all__ = [
    "M2_PER_MU",
    "M2_PER_HA",
    "m2_to_mu",
    "mu_to_m2",
    "UNIT_FACTORS",
    "unit_factor",
]

#: One mu (亩) is exactly 10000/15 square metres (1 hectare = 15 mu).
M2_PER_MU: float = 10000.0 / 15.0
#: One hectare (公顷) in square metres.
M2_PER_HA: float = 10000.0


def m2_to_mu(area_m2):
    """Convert square metres to mu (亩); scalars, arrays and Series keep their type.

    >>> m2_to_mu(10000.0)
    15.0
    """
    return area_m2 / M2_PER_MU


def mu_to_m2(area_mu):
    """Convert mu (亩) to square metres; scalars, arrays and Series keep their type.

    >>> mu_to_m2(15.0)
    10000.0
    """
    return area_mu * M2_PER_MU


# Unit spellings found in brackets after Chinese headers (税收（万元）, 用地面积(亩)), grouped by the
# canonical unit of a column; the factor converts the written unit to the canonical one.
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "wan": {"元": 1e-4, "yuan": 1e-4, "万元": 1.0, "wan": 1.0, "万": 1.0, "亿元": 1e4, "亿": 1e4},
    "m2": {
        "平方米": 1.0, "㎡": 1.0, "m2": 1.0, "m²": 1.0, "平米": 1.0,
        "亩": M2_PER_MU, "mu": M2_PER_MU,
        "公顷": M2_PER_HA, "ha": M2_PER_HA, "hm2": M2_PER_HA, "hm²": M2_PER_HA,
        "平方千米": 1e6, "平方公里": 1e6, "km2": 1e6, "km²": 1e6,
    },
    "mu": {"亩": 1.0, "mu": 1.0, "平方米": 1.0 / M2_PER_MU, "㎡": 1.0 / M2_PER_MU, "m2": 1.0 / M2_PER_MU,
           "m²": 1.0 / M2_PER_MU, "公顷": M2_PER_HA / M2_PER_MU, "ha": M2_PER_HA / M2_PER_MU,
           "hm2": M2_PER_HA / M2_PER_MU},
    "m": {"米": 1.0, "m": 1.0, "千米": 1000.0, "公里": 1000.0, "km": 1000.0},
    "mm": {"毫米": 1.0, "mm": 1.0, "厘米": 10.0, "cm": 10.0, "米": 1000.0, "m": 1000.0},
    "kv": {"千伏": 1.0, "kv": 1.0, "伏": 1e-3, "v": 1e-3},
    "kva": {"千伏安": 1.0, "kva": 1.0, "兆伏安": 1000.0, "mva": 1000.0, "伏安": 1e-3, "va": 1e-3},
    "tce": {"吨标煤": 1.0, "吨标准煤": 1.0, "tce": 1.0, "吨": 1.0, "t": 1.0, "万吨标煤": 1e4},
    "t": {"吨": 1.0, "t": 1.0, "千克": 1e-3, "kg": 1e-3},
    "pct": {"%": 1.0, "％": 1.0, "百分比": 1.0},
    "kwh": {"千瓦时": 1.0, "kwh": 1.0, "度": 1.0, "万千瓦时": 1e4, "万kwh": 1e4, "万度": 1e4,
            "兆瓦时": 1e3, "mwh": 1e3, "亿千瓦时": 1e8},
    "person": {"人": 1.0},
    # rates of the 标准地 contract conditions (约定投资强度（万元/亩）, 地均税收（元/亩）…)
    "wan_per_mu": {"万元/亩": 1.0, "元/亩": 1e-4, "万元/公顷": 1.0 / 15.0, "元/公顷": 1e-4 / 15.0,
                   "万元/平方米": M2_PER_MU, "元/平方米": 1e-4 * M2_PER_MU, "元/㎡": 1e-4 * M2_PER_MU,
                   # 元/㎡ and 元/m² as a header reads them (NFKC: ㎡ and m² become m2)
                   "万元/m2": M2_PER_MU, "元/m2": 1e-4 * M2_PER_MU,
                   "wan/mu": 1.0, "yuan/mu": 1e-4, "yuan/m2": 1e-4 * M2_PER_MU},
    "wan_per_person": {"万元/人": 1.0, "元/人": 1e-4},
    "wan_per_tce": {"万元/吨标煤": 1.0, "万元/吨标准煤": 1.0, "万元/tce": 1.0, "元/吨标煤": 1e-4},
    "wan_per_t": {"万元/吨": 1.0, "万元/t": 1.0, "元/吨": 1e-4, "元/t": 1e-4},
}


def unit_factor(canonical_unit: str, written_unit: str) -> float | None:
    """Factor from ``written_unit`` to ``canonical_unit``; ``None`` when it is not that kind.

    >>> unit_factor("wan", "元")
    0.0001
    >>> round(unit_factor("m2", "亩"), 4)
    666.6667
    >>> unit_factor("m2", "万元") is None
    True
    """
    table = UNIT_FACTORS.get(canonical_unit)
    if table is None:
        return None
    return table.get(written_unit.strip().lower())
