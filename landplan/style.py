"""How landplan draws: one style table for the app's map and the reports' SVG.

Road widths by grade, network colours by type (pipelines by kind, power lines by voltage
band) and the slot each network type is drawn at beside the others, facility colours, the
parcel fills of every coloured column (status, efficiency class, idle status, lifecycle gap,
contract check, land use, a network's has/lacks, payback class), the ramps of numbers and ordered levels
and the parts of a map that are not data: all in ``style.yaml`` beside this module, each group
with its source (a colour no standard gives is landplan's own and says so).
:mod:`landplan.app.map` and :mod:`landplan.report.svg` read it here, so that a road or a pipe
is drawn the same width and colour on every face; legend words come from the catalogue
(:mod:`landplan.labels`).

>>> road_width_m("arterial"), road_width_m("arterial", 45.0), road_width_m(None)
(32.0, 45.0, 12.0)
>>> rgb("pipe", "water"), hex("pipe", "sewer")
((0, 255, 255), '#4c3926')
>>> rgb("land_use", "100102") == rgb("land_use", "1001")  # a sub-class takes its class's
True
>>> power_label(10, "en"), power_label(500, "en")
('≤ 20 kV', '≥ 220 kV')
>>> legend("parcel_status", "zh")[-1]
('停工/停产', '#cb3c33')
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from . import labels

__all__ = [
    "RGB",
    "GROUPS",
    "table",
    "road_width_m",
    "road_rgb",
    "codes",
    "colours",
    "rgb",
    "hex",
    "other",
    "missing",
    "missing_label",
    "label",
    "legend",
    "source",
    "pipe_width_px",
    "network_slot",
    "network_spacing_px",
    "power_band",
    "power_rgb",
    "power_width_px",
    "power_label",
    "power_legend",
    "ramp",
    "ramp_size",
    "kv_text",
    "element",
    "element_hex",
    "alpha",
    "width_px",
    "to_hex",
    "delta_e",
]

RGB = tuple[int, int, int]

_PATH = Path(__file__).with_name("style.yaml")
#: The coded colour groups of ``style.yaml``: each a code → colour table with legend words.
GROUPS: tuple[str, ...] = (
    "road_status", "pipe", "facility", "parcel_status", "efficiency_class", "idle_status",
    "lifecycle_gap", "contract_check", "land_use", "network_access", "payback_class",
)


def _colour(value: Any, where: str) -> RGB:
    if (isinstance(value, list | tuple) and len(value) == 3
            and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value)):
        return (int(value[0]), int(value[1]), int(value[2]))
    raise ValueError(f"style.yaml: {where}: a colour is [R, G, B] with each 0-255, not {value!r}")


@cache
def table() -> dict[str, Any]:
    """``style.yaml``, read once and checked: every colour ``[R, G, B]``, every group's
    source named in ``sources``."""
    with open(_PATH, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    sources = data["sources"]
    for name in (*GROUPS, "road_width_m", "power", "ramps", "elements", "network_offset"):
        group = data[name]
        if group.get("source") not in sources:
            raise ValueError(f"style.yaml: {name}: source {group.get('source')!r} is not in sources")
    for name in GROUPS:
        group = data[name]
        group["colours"] = {str(k): _colour(v, f"{name}.{k}") for k, v in group["colours"].items()}
        if "other" in group:
            group["other"] = _colour(group["other"], f"{name}.other")
        if "missing" in group:
            group["missing"]["rgb"] = _colour(group["missing"]["rgb"], f"{name}.missing")
        if not (group.get("kind") or group.get("label")):
            raise ValueError(f"style.yaml: {name}: no kind or label for its legend")
    for i, band in enumerate(data["power"]["bands"]):
        band["rgb"] = _colour(band["rgb"], f"power.bands[{i}]")
    ramps = data["ramps"]
    for name in ("number", "good_bad"):
        ramps[name] = [_colour(c, f"ramps.{name}") for c in ramps[name]]
    ramps["missing"]["rgb"] = _colour(ramps["missing"]["rgb"], "ramps.missing")
    elements = data["elements"]
    elements["colours"] = {k: _colour(v, f"elements.{k}") for k, v in elements["colours"].items()}
    return data


# ------------------------------------------------------------------------------ roads
def road_width_m(grade: Any, width_m: Any = None) -> float:
    """The width a road is drawn, in metres: its own ``width_m`` when that is a number above
    0, else the width of its ``grade`` (an unknown or missing grade: the table's ``other``)."""
    try:
        own = float(width_m)
    except (TypeError, ValueError):
        own = math.nan
    if own > 0 and math.isfinite(own):
        return own
    roads = table()["road_width_m"]
    return float(roads["grades"].get(grade, roads["other"]) if isinstance(grade, str)
                 else roads["other"])


def road_rgb(status: Any) -> RGB:
    """The colour of a road of ``status``; a missing or unknown status is ``built`` (SPEC §3)."""
    group = table()["road_status"]["colours"]
    return group.get(status, group["built"]) if isinstance(status, str) else group["built"]


# ------------------------------------------------------------------------------ coded groups
def _group(group: str) -> dict[str, Any]:
    if group not in GROUPS:
        raise KeyError(f"no colour group {group!r} in style.yaml (one of {', '.join(GROUPS)})")
    return table()[group]


def codes(group: str) -> tuple[str, ...]:
    """The codes of ``group`` in their legend order."""
    return tuple(_group(group)["colours"])


def colours(group: str) -> dict[str, RGB]:
    """``group``'s table: code → colour, in legend order (a copy)."""
    return dict(_group(group)["colours"])


def other(group: str) -> RGB:
    """The colour of a code ``group`` does not list (its ``other``, else its ``missing``)."""
    g = _group(group)
    return g["other"] if "other" in g else g["missing"]["rgb"]


def missing(group: str) -> RGB:
    """The colour of a parcel without a value in ``group``'s column (``ramps`` for numbers
    and ordered levels)."""
    g = table()["ramps"] if group == "ramps" else _group(group)
    return g["missing"]["rgb"] if "missing" in g else other(group)


def missing_label(group: str, lang: str = labels.DEFAULT_LANG) -> str:
    """The legend words of :func:`missing`."""
    g = table()["ramps"] if group == "ramps" else _group(group)
    return labels.t(g["missing"]["label"], lang)


def _land_use_key(code: str, table_: dict[str, RGB]) -> str | None:
    for n in range(len(code), 1, -1):
        if code[:n] in table_:
            return code[:n]
    return None


def rgb(group: str, code: Any) -> RGB:
    """The colour of ``code`` in ``group``; a code the group does not list takes
    :func:`other`. A land-use code takes the colour of its longest listed prefix."""
    table_ = _group(group)["colours"]
    text = "" if code is None else str(code)
    if group == "land_use":
        key = _land_use_key(text, table_) if text else None
        return table_[key] if key is not None else missing(group)
    return table_.get(text, other(group))


def to_hex(colour: Iterable[int]) -> str:
    """``(r, g, b[, a])`` as ``#rrggbb``."""
    r, g, b = list(colour)[:3]
    return f"#{int(r):02x}{int(g):02x}{int(b):02x}"


def hex(group: str, code: Any) -> str:  # noqa: A001 - the style's own word, as rgb()
    """:func:`rgb` as ``#rrggbb``."""
    return to_hex(rgb(group, code))


def label(group: str, code: Any, lang: str = labels.DEFAULT_LANG) -> str:
    """The legend words of ``code`` of ``group``, from the catalogue: the group's coded kind
    (``val.<kind>.<code>``, a per-code key of ``labels``), or its ``label`` template filled
    with the code. A code the catalogue does not know is data and reads as it is."""
    g = _group(group)
    text = "" if code is None else str(code)
    own = (g.get("labels") or {}).get(text)
    if own:
        return labels.t(own, lang)
    if g.get("kind"):
        return labels.value(g["kind"], text, lang)
    return labels.t(g["label"], lang, c=text)


def legend(group: str, lang: str = labels.DEFAULT_LANG, *, with_missing: bool = False
           ) -> list[tuple[str, str]]:
    """``(words, #rrggbb)`` of every code of ``group`` in order (and of a missing value);
    ``"power"`` gives the voltage bands."""
    if group == "power":
        return power_legend(lang)
    out = [(label(group, code, lang), to_hex(c)) for code, c in _group(group)["colours"].items()]
    if with_missing and "missing" in _group(group):
        out.append((missing_label(group, lang), to_hex(missing(group))))
    return out


def source(group: str) -> str:
    """The source of ``group``'s colours (or widths), as ``style.yaml`` names it."""
    data = table()
    return data["sources"][data[group]["source"]]


# ------------------------------------------------------------------------------ networks
def pipe_width_px() -> float:
    """The width of a pipeline, in pixels."""
    return float(table()["pipe"]["width_px"])


def network_slot(key: str) -> int:
    """The slot across its line of a network drawn beside the others: a pipe kind of
    ``pipe`` or ``"power"``; an unknown kind the slot of ``other`` (the centreline).

    >>> network_slot("water"), network_slot("power"), network_slot("no-such-kind")
    (-1, 3, 0)
    """
    slots = table()["network_offset"]["slots"]
    return int(slots.get(key, slots["other"]))


def network_spacing_px() -> float:
    """How far apart two neighbouring slots are drawn at a map's first view, in pixels."""
    return float(table()["network_offset"]["spacing_px"])


def power_band(kv: Any) -> int:
    """The band of a power line of ``kv`` kilovolts: the first whose ``max_kv`` ≥ it, above
    the last the last; a line without a voltage the first."""
    bands = table()["power"]["bands"]
    try:
        value = float(kv)
    except (TypeError, ValueError):
        value = math.nan
    if math.isnan(value):
        return 0
    for i, band in enumerate(bands):
        if band["max_kv"] is None or value <= band["max_kv"]:
            return i
    return len(bands) - 1


def power_rgb(kv: Any) -> RGB:
    """The colour of a power line of ``kv`` kilovolts (:func:`power_band`)."""
    return table()["power"]["bands"][power_band(kv)]["rgb"]


def power_width_px(kv: Any) -> float:
    """The width of a power line of ``kv`` kilovolts, in pixels."""
    return float(table()["power"]["bands"][power_band(kv)]["width_px"])


def kv_text(value: Any) -> str:
    """A voltage as a person reads it: whole kilovolts without decimals, others as they are
    (``0.4``)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return labels.fmt(value, "kv")
    return labels.fmt(x, "kv") if not math.isfinite(x) or x.is_integer() else f"{x:g}"


def power_label(kv: Any, lang: str = labels.DEFAULT_LANG) -> str:
    """The legend words of the band of ``kv`` (``≤ 20 kV``, ``35–110 kV``, ``≥ 220 kV``)."""
    bands = table()["power"]["bands"]
    band = bands[power_band(kv)]
    unit = labels.t("unit.kv", lang) if labels.has("unit.kv") else "kV"
    if band is bands[0] and band["max_kv"] is not None:
        return f"≤ {kv_text(band['max_kv'])} {unit}"
    if band["max_kv"] is None:
        return f"≥ {kv_text(band['min_kv'])} {unit}"
    return f"{kv_text(band['min_kv'])}–{kv_text(band['max_kv'])} {unit}"


def power_legend(lang: str = labels.DEFAULT_LANG) -> list[tuple[str, str]]:
    """``(words, #rrggbb)`` of every voltage band."""
    return [(power_label(band["min_kv"] if band["max_kv"] is None else band["max_kv"], lang),
             to_hex(band["rgb"])) for band in table()["power"]["bands"]]


# ------------------------------------------------------------------------------ ramps, parts
def ramp_size(name: str) -> int:
    """How many colours the ramp ``name`` has."""
    return len(table()["ramps"][name])


def ramp(name: str, n: int) -> list[RGB]:
    """``n`` colours spread along the ramp ``name`` (``"number"`` light to dark,
    ``"good_bad"`` best first), the ends included."""
    colours_ = table()["ramps"][name]
    if n <= 0:
        return []
    if n == 1:
        return [colours_[0]]
    return [colours_[round(i * (len(colours_) - 1) / (n - 1))] for i in range(n)]


def element(name: str) -> RGB:
    """The colour of a part of a map that is not data (``selected``, ``route``, ``outline``,
    ``halo``, ``neighbour``, ``this_parcel``, ``background``, ``chart_bar`` …)."""
    return table()["elements"]["colours"][name]


def element_hex(name: str) -> str:
    """:func:`element` as ``#rrggbb``."""
    return to_hex(element(name))


def alpha(name: str) -> int:
    """An opacity (0-255) of the elements: ``fill``, ``line``, ``highlight``."""
    return int(table()["elements"][f"{name}_alpha"])


def width_px(name: str) -> float:
    """A line width of the elements in pixels (``route``, ``outline``)."""
    return float(table()["elements"]["widths_px"][name])


# ------------------------------------------------------------------------------ distance
def _lab(colour: Iterable[int]) -> tuple[float, float, float]:
    """sRGB (D65) → CIE L*a*b*."""
    lin = []
    for v in list(colour)[:3]:
        c = v / 255
        lin.append(((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92)
    r, g, b = lin
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: Iterable[int], b: Iterable[int]) -> float:
    """How far apart two colours look: the CIE76 ΔE*ab (about 2.3 is just noticeable).

    >>> round(delta_e((255, 0, 0), (255, 0, 0)), 1), delta_e((0, 0, 0), (255, 255, 255)) > 99
    (0.0, True)
    """
    return math.dist(_lab(a), _lab(b))
