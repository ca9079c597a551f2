"""Project screening and site selection (招商选址), issue 6 item 4.

A proposed project (:class:`Project`: industry code, land need, total investment, expected
yearly tax and output at full production, needed utilities, optional neighbours) is

(a) **checked** against the park's entry thresholds (准入标准, rules ``screening``) and the land
    control indicators of its industry (rules ``compliance``, :func:`landplan.compliance.thresholds_for`);
    every check is listed with the project's value, the threshold, the unit, the rules key and
    its source, and the project is *refused* when any check is not met;
(b) **given a ranked list of sites**: the supplyable parcels without conflicts whose area fits
    the need, each with its area, readiness and missing utilities with the extension cost
    (coverage columns of the evaluation), cut and fill (terrain columns) and the distance to
    the project's neighbours, scored with the weights of ``screening.score_weights`` and
    explained weight by weight in Chinese and English.

:func:`screen_project` does both on a workspace; it evaluates the workspace once with
:func:`landplan.evaluate.evaluate` (coverage and terrain are never recomputed here).

Choices this module makes (and documents)
-----------------------------------------
- **Entry thresholds.** No national entry threshold exists (shared/domain/mu-efficiency.md §5).
  ``screening.entry_thresholds.<t>.value`` null means *the park value*: the ratio of sums over
  the parcels evaluated in the ledger year (the parcels the efficiency module grades: ledger
  rows that year, in scope), as SPEC §8 defines park benchmarks, so a new project must not lower
  the park's 亩均:

  - ``investment_per_mu_wan`` 亩均投资 = Σ invested_wan / Σ area_mu (project: total investment ÷ land need);
  - ``tax_per_mu_wan`` 亩均税收 = Σ tax_wan / Σ area_mu (project: expected yearly tax at full production ÷ land need);
  - ``output_per_mu_wan`` 亩均产值 = Σ output_wan / Σ area_mu (off by default).

  A number is a fixed local threshold; ``screening.by_industry.<code>.<t>`` (2-digit GB/T
  4754-2017 code) replaces it for one industry and switches the check on. A project value equal
  to its threshold meets it. A check switched on whose project value is not stated is *not met*
  ("未申报 not stated"): a park cannot admit a project on a figure it was not given. A check
  whose threshold cannot be formed (null and no ledger) is listed as not checkable and does not
  refuse the project.
- **Control indicators.** The project's stated 容积率, 建筑系数, 绿地率 and 行政办公比重 are checked
  against the thresholds of its industry; 投资强度 (total investment ÷ land need) against
  ``investment_intensity_wan_per_mu_min`` when the rules set one. Indicators the project does
  not state are not checked (they are conditions of the later land contract).
- **Land need.** Given in mu or m² (a unit is required: ``用地面积(亩)``, ``area_m2``, ``30亩``).
  When only the investment is given, the need is *derived*: investment ÷ the largest
  investment-per-mu threshold in force (entry threshold, control indicator minimum), i.e. the
  largest area on which the project still meets them; the summary says so.
- **Refusing is a result, not bad input.** ``landplan screen`` exits 0 when the project is
  admitted, :data:`EXIT_REFUSED` (3) when it is refused (the reasons are printed, the site list
  is still given for reference), and 2 on bad input (unknown industry code or utility, negative
  area, unreadable file, unknown neighbour …) with one line on stderr and nothing written.
- **Supplyable parcels** have a status in ``screening.supplyable_statuses`` (``reserve``) and no
  conflict. Conflicts (rules ``screening.conflicts``): an intersection above ``overlap_min_m2``
  with any other parcel; a road of a listed status whose centreline runs through the parcel's
  interior; a power line of ``powerline_min_kv`` (1 kV) or more and of a status in
  ``powerline_statuses`` whose protection zone reaches into the parcel (电力设施保护条例 Art. 10,
  the same zones coverage flags: :func:`landplan.coverage.zone_widths`) or, when
  ``powerline_corridor_m`` is set, within that distance; a true value in one of the
  ``flag_columns`` (e.g. a dispute or seizure flag the park keeps on its parcels).
- **Land-use grade** (rules ``screening.land_grade``): the project's industry needs a grade of
  industrial land (26 化学 三类 100103, 39 电子 一类 100101 …); a supplyable parcel whose
  ``land_use`` is of a lower grade, ungraded (1001, for grades 2 and 3), not industrial or
  empty is not offered, with the reason (:func:`land_use_fit`). An industry without a grade
  is not checked, and the summary says so.
- **Fit.** |area_mu − need| ≤ ``area_tolerance_pct`` % of the need.
- **Score** = 100 · Σ wᵢ·cᵢ / Σ wᵢ over the components that can be formed (weights
  ``screening.score_weights``; the others are named as not used), each cᵢ in 0–1:
  ``area_fit`` = 1 − |area − need| / (tolerance · need); ``utilities`` = share of the project's
  needs (utilities and levelling) already met; ``extension_cost`` = 1 − c / max c, c = Σ
  ``ext_<t>_cost_wan`` over the needed utilities; ``earthworks`` = 1 − v / max v, v =
  cut_m3 + fill_m3; ``contiguity`` = 1 − d / max d, d = distance in metres to the nearest
  neighbour parcel (0 when they share a boundary). "max" is taken over the fitting parcels, as
  :func:`landplan.revitalization.candidates` scales its components; when it is 0 every parcel
  gets 1. A missing value gives 0 (worst). Without needs ``utilities`` and ``extension_cost``
  are not used, without a DEM ``earthworks``, without neighbours ``contiguity``.
- **Few sites.** Zero, one or two fitting parcels are ranked like many; with none the summary
  says why (no supplyable parcel, or how many have conflicts and how many lie outside the area
  range, with the closest areas) and the sites file holds its header only.
- **Reproducible.** Sites are sorted by score (rounded to 0.01), ties by parcel_id; nothing
  depends on the order of the input rows.
- **Neighbours** are parcel ids, holders (权利人), parcel names, enterprise ids or names of the
  ledger; each must match a parcel. ``related_industries`` adds the parcels of those industries
  (2-digit codes) that are not supplyable land.

>>> p = make_project({"行业代码": "C39", "用地面积(亩)": 30, "总投资(万元)": 12000,
...                   "所需配套": "三通一平, 燃气"})
>>> p.industry_code, p.area_mu, p.needs
('39', 30.0, ('road', 'water', 'gas', 'power', 'leveled'))
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .compliance import thresholds_for
from .coverage import NETWORK_TYPES, READINESS_NEEDS, zone_lines, zone_pairs, zone_texts
from .errors import InputFileError, LandplanError, shown
from .geometry import to_metric
from .io.atomic import atomic_path
from .rules import is_unconfirmed, load_rules, rule_source
from .schema import _parse_land_use, normalize_header
from .tables import join as _join
from .tables import num as _num
from .tables import text as _text
from .units import M2_PER_MU, unit_factor
from .workspace import Workspace, _ogr_frame

__all__ = [
    "Project",
    "ScreeningResult",
    "make_project",
    "read_project",
    "park_values",
    "check_project",
    "parcel_conflicts",
    "land_grade",
    "land_use_fit",
    "LAND_GRADES",
    "rank_sites",
    "screen_project",
    "write_sites",
    "UTILITIES",
    "EXIT_REFUSED",
    "SITE_FORMATS",
    "OPTION_FIELDS",
]

log = logging.getLogger(__name__)

#: Exit status of ``landplan screen`` for a refused project (a result, not bad input).
EXIT_REFUSED = 3

#: Formats ``write_sites`` writes.
SITE_FORMATS = (".csv", ".xlsx", ".gpkg")

#: What a project can need: the coverage network types and ``leveled`` (场地平整).
UTILITIES: tuple[str, ...] = READINESS_NEEDS

_UTILITY_LABELS: dict[str, tuple[str, str]] = {
    "road": ("道路", "road"), "water": ("给水", "water"), "sewer": ("污水", "sewer"),
    "storm": ("雨水", "storm drain"), "gas": ("燃气", "gas"), "heat": ("热力", "heat"),
    "power": ("电力", "power"), "telecom": ("通信", "telecom"), "leveled": ("场地平整", "levelled site"),
}
# spellings of a need -> utilities (排水 = sewer and storm)
_UTILITY_WORDS: dict[str, tuple[str, ...]] = {
    **{t: (t,) for t in UTILITIES},
    "道路": ("road",), "路": ("road",), "通路": ("road",), "roads": ("road",),
    "给水": ("water",), "供水": ("water",), "上水": ("water",), "水": ("water",), "通水": ("water",),
    "污水": ("sewer",), "排污": ("sewer",), "排水": ("sewer", "storm"), "雨水": ("storm",),
    "燃气": ("gas",), "天然气": ("gas",), "气": ("gas",), "通气": ("gas",),
    "热力": ("heat",), "供热": ("heat",), "蒸汽": ("heat",), "热": ("heat",), "供暖": ("heat",),
    "电力": ("power",), "供电": ("power",), "电": ("power",), "通电": ("power",), "electricity": ("power",),
    "通信": ("telecom",), "电信": ("telecom",), "通讯": ("telecom",), "讯": ("telecom",),
    "网络": ("telecom",), "宽带": ("telecom",),
    "场平": ("leveled",), "平整": ("leveled",), "场地平整": ("leveled",), "一平": ("leveled",),
    "levelled": ("leveled",), "level": ("leveled",),
}

# GB/T 4754-2017: 20 sections (门类 A–T) over the 97 divisions (大类) 01–97.
_SECTIONS: tuple[tuple[str, int, int], ...] = (
    ("A", 1, 5), ("B", 6, 12), ("C", 13, 43), ("D", 44, 46), ("E", 47, 50), ("F", 51, 52),
    ("G", 53, 60), ("H", 61, 62), ("I", 63, 65), ("J", 66, 69), ("K", 70, 70), ("L", 71, 72),
    ("M", 73, 75), ("N", 76, 79), ("O", 80, 82), ("P", 83, 83), ("Q", 84, 85), ("R", 86, 90),
    ("S", 91, 96), ("T", 97, 97),
)
_CODE = re.compile(r"^([A-Za-z])?(\d{2})(\d{1,2})?$")

# project keys: canonical -> spellings (compared after schema.normalize_header)
_KEYS: dict[str, tuple[str, ...]] = {
    "name": ("name", "project", "project_name", "项目名称", "项目", "名称", "企业名称"),
    "industry_code": ("industry_code", "industry", "行业代码", "行业分类代码", "国民经济行业代码",
                      "行业", "所属行业代码", "hydm"),
    "area": ("area", "land_need", "用地面积", "用地需求", "需求面积", "用地规模", "拟用地面积",
             "土地面积", "面积", "用地"),
    "area_mu": ("area_mu", "land_need_mu"),
    "area_m2": ("area_m2", "land_need_m2"),
    "investment_wan": ("investment_wan", "investment", "总投资", "投资总额", "计划总投资", "项目总投资",
                       "固定资产投资", "投资"),
    "tax_wan": ("tax_wan", "tax", "预计税收", "达产税收", "达产年税收", "预计年税收", "年税收", "税收"),
    "output_wan": ("output_wan", "output", "预计产值", "达产产值", "达产年产值", "预计年产值", "年产值",
                   "产值", "工业总产值"),
    "needs": ("needs", "utilities", "所需配套", "配套需求", "配套要求", "基础设施需求", "配套"),
    "floor_area_ratio": ("floor_area_ratio", "far", "容积率", "计划容积率", "规划容积率"),
    "building_coverage_pct": ("building_coverage_pct", "建筑系数"),
    "green_ratio_pct": ("green_ratio_pct", "绿地率"),
    "admin_ratio_pct": ("admin_ratio_pct", "行政办公及生活服务设施用地比重", "行政办公及生活服务设施用地所占比重",
                        "行政办公比重", "行政办公用地比重"),
    "neighbours": ("neighbours", "neighbors", "关联企业", "相邻企业", "邻近企业", "上下游企业",
                   "关联地块", "相邻地块"),
    "related_industries": ("related_industries", "关联行业", "上下游行业", "相关行业", "产业链行业"),
}
#: Command-line options of ``landplan screen`` -> project field (so errors name the option).
OPTION_FIELDS: dict[str, str] = {
    "--name": "name", "--industry": "industry_code", "--area-mu": "area_mu", "--area-m2": "area_m2",
    "--investment-wan": "investment_wan", "--tax-wan": "tax_wan", "--output-wan": "output_wan",
    "--needs": "needs", "--far": "floor_area_ratio", "--coverage-pct": "building_coverage_pct",
    "--green-pct": "green_ratio_pct", "--admin-pct": "admin_ratio_pct",
    "--neighbour": "neighbours", "--related-industry": "related_industries",
}
_ALIAS: dict[str, str] = {normalize_header(k)[0]: v for k, v in OPTION_FIELDS.items()}
for _canon, _names in _KEYS.items():
    for _n in _names:
        _ALIAS.setdefault(normalize_header(_n)[0], _canon)

# canonical key -> unit kind of units.UNIT_FACTORS (None: a plain number)
_UNIT_KIND = {"investment_wan": "wan", "tax_wan": "wan", "output_wan": "wan",
              "building_coverage_pct": "pct", "green_ratio_pct": "pct", "admin_ratio_pct": "pct",
              "floor_area_ratio": None, "area_mu": "mu", "area_m2": "m2"}

#: Entry thresholds: name -> (中文, English, unit, project figure, park numerator).
_ENTRY: dict[str, tuple[str, str, str, str, str]] = {
    "investment_per_mu_wan": ("亩均投资", "investment per mu", "万元/亩", "investment_wan", "invested_wan"),
    "tax_per_mu_wan": ("亩均税收", "tax per mu", "万元/亩", "tax_wan", "tax_wan"),
    "output_per_mu_wan": ("亩均产值", "output per mu", "万元/亩", "output_wan", "output_wan"),
}

#: Control indicators a project can state: name -> (中文, English, unit, min key, max key).
_CONTROL: dict[str, tuple[str, str, str, str | None, str | None]] = {
    "floor_area_ratio": ("容积率", "floor area ratio", "", "floor_area_ratio_min", "floor_area_ratio_max"),
    "building_coverage_pct": ("建筑系数", "building coverage", "%", "building_coverage_pct_min", None),
    "investment_intensity_wan_per_mu": ("投资强度", "investment intensity", "万元/亩",
                                        "investment_intensity_wan_per_mu_min", None),
    "green_ratio_pct": ("绿地率", "green ratio", "%", "green_ratio_pct_min", "green_ratio_pct_max"),
    "admin_ratio_pct": ("行政办公及生活服务设施用地比重", "admin and service land share", "%",
                        "admin_ratio_pct_min", "admin_ratio_pct_max"),
}

#: Score components: name -> (中文, English).
_COMPONENTS: dict[str, tuple[str, str]] = {
    "area_fit": ("面积匹配", "area fit"), "utilities": ("配套满足", "utilities met"),
    "extension_cost": ("延伸费用", "extension cost"), "earthworks": ("土方量", "earthworks"),
    "contiguity": ("毗邻", "contiguity"),
}

_TRUE_WORDS = ("true", "1", "1.0", "是", "y", "yes", "有", "√")  # a flag column's "yes" (as schema booleans)
_RTOL = 1e-9   # a value equal to its threshold up to float rounding meets it
_TOUCH_M = 0.01  # parcels closer than this share a boundary (numerical precision, not a rule)


# --------------------------------------------------------------------------------------------
# the project
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Project:
    """A proposed project (拟引进项目).

    Attributes
    ----------
    industry_code : str
        2-digit GB/T 4754-2017 division code (``"39"``).
    area_mu : float or None
        Land need in mu (None: derived from the investment, see the module docstring).
    investment_wan, tax_wan, output_wan : float or None
        Total investment; expected yearly tax and output at full production (万元).
    needs : tuple of str
        Needed utilities, a subset of :data:`UTILITIES`, in that order.
    floor_area_ratio, building_coverage_pct, green_ratio_pct, admin_ratio_pct : float or None
        Planned control indicators, checked when stated.
    neighbours : tuple of str
        Parcel ids, holders or enterprises the project wants to be near.
    related_industries : tuple of str
        2-digit codes of related industries (upstream, downstream).
    name : str
        The project's name.
    source : str
        Where it was read from (a file, ``"options"``), for messages.
    fields : dict
        Canonical key -> the key as written (for messages naming the field).
    ignored : tuple of str
        Keys of the source that are not project fields (kept out, reported).
    """

    industry_code: str
    area_mu: float | None = None
    investment_wan: float | None = None
    tax_wan: float | None = None
    output_wan: float | None = None
    needs: tuple[str, ...] = ()
    floor_area_ratio: float | None = None
    building_coverage_pct: float | None = None
    green_ratio_pct: float | None = None
    admin_ratio_pct: float | None = None
    neighbours: tuple[str, ...] = ()
    related_industries: tuple[str, ...] = ()
    name: str = ""
    source: str = ""
    fields: Mapping[str, str] = field(default_factory=dict, compare=False)
    ignored: tuple[str, ...] = ()

    def field_name(self, key: str) -> str:
        """The project field ``key`` as the user wrote it."""
        return self.fields.get(key, key)


def _fail(source: str | None, field_name: str, message: str) -> LandplanError:
    """One error naming the file (when there is one) and the field."""
    if source and source != "options":
        return InputFileError(source, message, field=field_name)
    return LandplanError(f"{field_name}: {message}")


def _industry(value: Any, source: str | None, field_name: str) -> str:
    """The 2-digit division of a GB/T 4754-2017 code (``39``, ``C39``, ``3911``, ``C3911``)."""
    if isinstance(value, bool):
        raise _fail(source, field_name, f"{shown(value)} is not an industry code")
    if isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer()):
        text = f"{int(value):02d}"
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
    m = _CODE.match(text)
    code = m.group(2) if m else None
    section = next((s for s, lo, hi in _SECTIONS if code and lo <= int(code) <= hi), None)
    if m is None or section is None or (m.group(1) and m.group(1).upper() != section):
        raise _fail(source, field_name,
                    f"unknown industry code {shown(text)} (expected a GB/T 4754-2017 division 01–97, "
                    "e.g. 39, C39 or 3911; a section letter must match its division)")
    return code


def _number(value: Any, kind: str | None, factor: float, source: str | None, field_name: str) -> float:
    """A number ≥ 0 from a cell or option; a unit written after it (``30亩``, ``1.2亿元``) is converted."""
    if isinstance(value, bool):
        raise _fail(source, field_name, f"{shown(value)} is not a number")
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value) * factor
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
        m = re.fullmatch(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(.*)", text)
        if m is None:
            raise _fail(source, field_name, f"{shown(value)} is not a number")
        number, unit = float(m.group(1)), m.group(2)
        if unit:
            written = unit_factor(kind, unit) if kind else None
            if written is None:
                raise _fail(source, field_name, f"{shown(value)}: unit {shown(unit)} is not understood here")
            factor = written
        number *= factor
    if not math.isfinite(number):
        raise _fail(source, field_name, f"{shown(value)} is not a finite number")
    if number < 0:
        raise _fail(source, field_name, f"{shown(value)} is negative; give a value ≥ 0")
    return number


def _items(value: Any) -> list[str]:
    """A list from a YAML list or a text such as ``"给水、污水, 电力"``."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        out: list[str] = []
        for item in value:
            out.extend(_items(item))
        return out
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    return [p.strip() for p in re.split(r"[,;、/|\n]+|\s+", text) if p.strip()]


def _needs(value: Any, rules: dict, source: str | None, field_name: str) -> tuple[str, ...]:
    levels = {unicodedata.normalize("NFKC", str(lvl["name"])).lower(): lvl["needs"]
              for lvl in rules["coverage"]["readiness"]}
    chosen: set[str] = set()
    for item in _items(value):
        key = item.lower()
        if key in levels:
            chosen.update(levels[key])
        elif key in _UTILITY_WORDS:
            chosen.update(_UTILITY_WORDS[key])
        else:
            known = ", ".join(f"{t} {_UTILITY_LABELS[t][0]}" for t in UTILITIES)
            raise _fail(source, field_name, f"unknown utility {shown(item)} (expected {known}, or a "
                        f"readiness level such as {', '.join(map(str, levels))})")
    return tuple(t for t in UTILITIES if t in chosen)


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in {"", "-", "—", "/"}


def make_project(values: Mapping[str, Any], *, source: str | None = None,
                 rules: dict | None = None) -> Project:
    """A :class:`Project` from a mapping with English or Chinese keys.

    Keys are recognised like import headers (case, spaces and full-width characters ignored,
    a unit in brackets honoured: ``用地面积(亩)``, ``总投资(亿元)``, ``预计税收（万元）``); money
    without a unit is in 万元, an area needs its unit (``area_mu``, ``用地面积(平方米)`` or a value
    such as ``30亩``). Needs are utility names (``给水``, ``power`` …), ``排水`` (sewer and storm),
    ``场平`` (leveled) or a readiness level of the rules (``三通一平``). Keys that are no project
    field are kept in ``ignored``.

    Parameters
    ----------
    values : mapping
        Key -> value (number, text, or a list for needs, neighbours and related industries).
    source : str, optional
        The file the values come from (named in errors); None or ``"options"`` for options.
    rules : dict, optional
        Rules in force (readiness level names); default :func:`landplan.rules.load_rules`.

    Raises
    ------
    InputFileError, LandplanError
        One message naming the file and the field: unknown industry code or utility, a
        negative or unparsable number, an area without unit, a field given twice, no
        industry code, neither land need nor investment.
    """
    rules = rules if rules is not None else load_rules()
    got: dict[str, tuple[str, Any, float]] = {}
    fields: dict[str, str] = {}
    ignored: list[str] = []
    for raw_key, value in values.items():
        key = str(raw_key)
        name, unit = normalize_header(key)
        canon = _ALIAS.get(name) or _ALIAS.get(normalize_header(key.replace("(", "").replace(")", ""))[0])
        if canon is None:
            ignored.append(key)
            continue
        if _is_blank(value) or (isinstance(value, (list, tuple)) and not value):
            continue
        factor = 1.0
        if canon == "area":
            written = unit_factor("mu", unit) if unit else None
            if unit and written is None:
                raise _fail(source, key, f"unit {shown(unit)} is not an area unit (亩, 平方米, 公顷)")
            if written is None and not (isinstance(value, str) and re.search(r"[^\d.\s,]", value)):
                raise _fail(source, key, "write the unit of the land need: 用地面积(亩), "
                            "用地面积(平方米), area_mu or area_m2 (or a value such as 30亩)")
            canon, factor = "area_mu", 1.0 if written is None else written
        elif canon in _UNIT_KIND and unit:
            kind = _UNIT_KIND[canon]
            written = unit_factor(kind, unit) if kind else None
            if written is None:
                raise _fail(source, key, f"unit {shown(unit)} is not understood for this field")
            factor = written
        group = "area" if canon in {"area_mu", "area_m2"} else canon
        if group in fields:
            raise _fail(source, key, f"given twice (also as {fields[group]})")
        fields[group] = key
        got[canon] = (key, value, factor)

    def num(canon: str) -> float | None:
        if canon not in got:
            return None
        key, value, factor = got[canon]
        return _number(value, _UNIT_KIND.get(canon), factor, source, key)

    if "industry_code" not in got:
        raise _fail(source, "行业代码 industry_code", "the project's industry code is required")
    code = _industry(got["industry_code"][1], source, got["industry_code"][0])
    area = num("area_mu")
    if "area_m2" in got:
        area = num("area_m2") / M2_PER_MU
    if area is not None and area <= 0:
        raise _fail(source, fields["area"], "the land need must be > 0")
    investment = num("investment_wan")
    if area is None and investment is None:
        raise _fail(source, "用地面积 area", "give the land need (用地面积(亩) / area_mu) or the "
                    "total investment (总投资 / investment_wan) to derive it from")
    related = tuple(sorted({_industry(v, source, got["related_industries"][0])
                            for v in _items(got["related_industries"][1])})) \
        if "related_industries" in got else ()
    fields_out = dict(fields)
    if "area" in fields_out:
        fields_out["area_mu"] = fields_out["area"]
    return Project(
        industry_code=code,
        area_mu=area,
        investment_wan=investment,
        tax_wan=num("tax_wan"),
        output_wan=num("output_wan"),
        needs=_needs(got["needs"][1], rules, source, got["needs"][0]) if "needs" in got else (),
        floor_area_ratio=num("floor_area_ratio"),
        building_coverage_pct=num("building_coverage_pct"),
        green_ratio_pct=num("green_ratio_pct"),
        admin_ratio_pct=num("admin_ratio_pct"),
        neighbours=tuple(dict.fromkeys(_items(got["neighbours"][1]))) if "neighbours" in got else (),
        related_industries=related,
        name=str(got["name"][1]).strip() if "name" in got else "",
        source=source or "options",
        fields=fields_out,
        ignored=tuple(ignored),
    )


def _read_yaml(path: Path) -> dict:
    from .io.yamltext import load_yaml_file

    data = load_yaml_file(path)
    if isinstance(data, dict) and len(data) == 1 and isinstance(next(iter(data.values())), dict) \
            and normalize_header(str(next(iter(data))))[0] in {"project", "项目"}:
        data = next(iter(data.values()))
    if not isinstance(data, dict):
        raise InputFileError(str(path), "must be a mapping of project fields (行业代码: 39, …)")
    return data


def _recognised(cells: Iterable[Any]) -> int:
    return sum(1 for c in cells if not _is_blank(c) and _ALIAS.get(normalize_header(str(c))[0]))


def _read_xlsx(path: Path, sheet: str | None) -> tuple[dict, str]:
    try:
        book = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
    except Exception as exc:  # openpyxl/zipfile raise many kinds for a bad workbook
        raise InputFileError(str(path), f"cannot be read as an XLSX workbook ({type(exc).__name__}: "
                             f"{exc})") from None
    if sheet is not None and sheet not in book:
        raise InputFileError(str(path), f"has no sheet {sheet!r} (sheets: {', '.join(book)})")
    name = sheet if sheet is not None else next(iter(book))
    frame = book[name].dropna(how="all").dropna(axis=1, how="all")
    rows = [list(r) for r in frame.itertuples(index=False)]
    excel_rows = [int(i) + 1 for i in frame.index]
    for i, row in enumerate(rows[:6]):  # a header row (title rows above it are skipped)
        if _recognised(row) >= 2:
            body = [(excel_rows[j], r) for j, r in enumerate(rows[i + 1:], start=i + 1)
                    if not all(_is_blank(c) for c in r)]
            if len(body) != 1:
                raise InputFileError(str(path), f"sheet {name}: one project per sheet, found "
                                     f"{len(body)} rows under the header (row {excel_rows[i]})")
            return {str(k): v for k, v in zip(row, body[0][1], strict=True) if not _is_blank(k)}, name
    if frame.shape[1] >= 2 and _recognised(r[0] for r in rows) >= 2:  # key | value
        out: dict[str, Any] = {}
        for excel_row, row in zip(excel_rows, rows, strict=True):
            if _is_blank(row[0]):
                continue
            if str(row[0]) in out:
                raise InputFileError(str(path), "given twice", where=f"row {excel_row}",
                                     field=str(row[0]))
            values = [v for v in row[1:] if not _is_blank(v)]
            out[str(row[0])] = values[0] if len(values) == 1 else (values or None)
        return out, name
    raise InputFileError(str(path), f"sheet {name}: no project fields found (write a header row "
                         "行业代码 | 用地面积(亩) | 总投资(万元) | … and one row, or two columns field | value)")


def read_project(path: str | Path, *, sheet: str | None = None, rules: dict | None = None,
                 overrides: Mapping[str, Any] | None = None) -> Project:
    """Read a project from a YAML or XLSX file (Chinese keys and headers recognised).

    YAML: a mapping of fields (optionally under one key ``project`` / ``项目``). XLSX: a header
    row (``行业代码 | 用地面积(亩) | 总投资(万元) | 预计税收(万元) | 所需配套``) with one data row,
    or two columns *field | value*; title rows above a header are skipped.

    Parameters
    ----------
    path : path
        ``.yaml``, ``.yml`` or ``.xlsx``.
    sheet : str, optional
        Sheet of the workbook (default the first).
    rules : dict, optional
        Rules in force (readiness level names in the needs).
    overrides : mapping, optional
        Fields that replace the file's (e.g. command-line options), canonical keys.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(str(path), "no such project file")
    suffix = path.suffix.lower()
    if suffix in {".yaml", ".yml"}:
        values = _read_yaml(path)
    elif suffix in {".xlsx", ".xlsm"}:
        values, _ = _read_xlsx(path, sheet)
    else:
        raise InputFileError(str(path), "give the project as .yaml, .yml or .xlsx")
    if overrides:
        values = _override(values, overrides)
    return make_project(values, source=str(path), rules=rules)


def _override(values: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict:
    """``values`` with the fields of ``overrides`` replacing theirs (whatever their spelling)."""
    def group(key: str) -> str | None:
        canon = _ALIAS.get(normalize_header(str(key))[0])
        return "area" if canon in {"area", "area_mu", "area_m2"} else canon

    replaced = {group(k) for k, v in overrides.items() if v is not None}
    out = {k: v for k, v in values.items() if group(k) not in replaced or group(k) is None}
    out.update({k: v for k, v in overrides.items() if v is not None})
    return out


# --------------------------------------------------------------------------------------------
# park values and the threshold check
# --------------------------------------------------------------------------------------------

def park_values(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The park's current 亩均 values (SPEC §8 park value) from an evaluation table.

    For each entry threshold: Σ numerator / Σ area_mu over the parcels graded that year
    (``efficiency_class`` set: ledger rows in the year, in scope) whose numerator is present
    and area > 0 — ``invested_wan`` for investment, ``tax_wan`` for tax, ``output_wan`` for output.

    Returns
    -------
    dict
        name -> {"value": float (NaN when no parcel has the data), "parcels": int,
        "area_mu": float, "year": int or None}.
    """
    graded = table["efficiency_class"].notna() if "efficiency_class" in table.columns else \
        pd.Series(False, index=table.index)
    area = _num(table, "area_mu")
    years = _num(table, "year").dropna()
    year = int(years.iloc[0]) if len(years) else None
    out: dict[str, dict[str, Any]] = {}
    for name, (_zh, _en, _unit, _proj, column) in _ENTRY.items():
        value = _num(table, column)
        ok = graded & value.notna() & (area > 0)
        land = float(area[ok].sum())
        out[name] = {"value": float(value[ok].sum() / land) if ok.any() else float("nan"),
                     "parcels": int(ok.sum()), "area_mu": land, "year": year}
    return out


def _screening(rules: dict) -> dict:
    """The ``screening`` block; :func:`landplan.rules.load_rules` checked its values
    (:data:`landplan.rules.RULE_KINDS`)."""
    return rules["screening"]


def _industry_override(spec: dict, code: str) -> dict:
    for key, item in (spec.get("by_industry") or {}).items():
        if str(key).zfill(2) == code:
            return {"key": str(key), **item}
    return {}


def _entry_thresholds(project: Project, rules: dict,
                      park: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """name -> {"value", "key", "basis_zh", "basis_en"} for every entry check switched on."""
    spec = _screening(rules)
    local = _industry_override(spec, project.industry_code)
    out: dict[str, dict[str, Any]] = {}
    for name, item in spec["entry_thresholds"].items():
        if name in local:
            key = f"screening.by_industry.{local['key']}.{name}"
            value = local[name]
        elif item.get("check", True):
            key = f"screening.entry_thresholds.{name}.value"
            value = item.get("value")
        else:
            continue
        if value is not None:
            out[name] = {"value": float(value), "key": key,
                         "basis_zh": f"本地固定值 ({key})", "basis_en": f"fixed local value ({key})"}
            continue
        pv = park.get(name, {})
        zh, en, unit, _p, column = _ENTRY[name]
        year = pv.get("year")
        out[name] = {
            "value": float(pv.get("value", float("nan"))), "key": key,
            "basis_zh": f"园区现值 Σ{column}/Σarea_mu，{pv.get('parcels', 0)}宗参评地块"
                        f"（{pv.get('area_mu', 0.0):.2f}亩，{'无台账' if year is None else f'{year}年台账'}）",
            "basis_en": f"park value Σ {column} / Σ area_mu over the {pv.get('parcels', 0)} parcels "
                        f"evaluated {'(no ledger)' if year is None else f'in {year}'} "
                        f"({pv.get('area_mu', 0.0):.2f} mu)",
        }
    return out


def _derive_need(project: Project, entry: Mapping[str, Mapping[str, Any]], rules: dict) -> tuple[float, str]:
    """The land need (mu) and how it was found."""
    if project.area_mu is not None:
        return project.area_mu, "given"
    floors: list[tuple[float, str]] = []
    inv = entry.get("investment_per_mu_wan")
    if inv is not None and math.isfinite(inv["value"]) and inv["value"] > 0:
        floors.append((inv["value"], inv["key"]))
    control = thresholds_for(project.industry_code, rules)["investment_intensity_wan_per_mu_min"]
    if control.value is not None and control.value > 0:
        floors.append((control.value, control.key or "compliance"))
    if not floors:
        raise _fail(project.source, project.field_name("area_mu") if "area_mu" in project.fields
                    else "用地面积 area",
                    "no land need given, and no investment-per-mu threshold is in force to derive "
                    "it from the investment (screening.entry_thresholds.investment_per_mu_wan, "
                    "compliance investment_intensity_wan_per_mu_min): give the land need")
    value, key = max(floors)
    return project.investment_wan / value, key


def _check_row(check: str, zh: str, en: str, kind: str, value: float | None, op: str,
               threshold: float, unit: str, key: str, basis_zh: str, basis_en: str,
               unconfirmed: bool) -> dict[str, Any]:
    if not math.isfinite(threshold):
        met: Any = pd.NA
        note_zh, note_en = "无法计算阈值（无台账数据），未检查", "no threshold (no ledger data): not checked"
    elif value is None:
        met, note_zh, note_en = False, "未申报", "not stated"
    else:
        tol = _RTOL * max(abs(threshold), 1.0)
        met = bool(value >= threshold - tol) if op == "≥" else bool(value <= threshold + tol)
        note_zh = note_en = ""
    return {"check": check, "kind": kind, "label_zh": zh, "label_en": en,
            "project_value": np.nan if value is None else float(value), "op": op,
            "threshold": threshold, "unit": unit, "met": met, "rules_key": key,
            "source": rule_source(key), "unconfirmed": bool(unconfirmed),
            "basis_zh": basis_zh, "basis_en": basis_en, "note_zh": note_zh, "note_en": note_en}


def check_project(project: Project, rules: dict, park: Mapping[str, Mapping[str, Any]], *,
                  need_mu: float | None = None) -> pd.DataFrame:
    """Every entry threshold and control indicator check of a project.

    Parameters
    ----------
    project : Project
    rules : dict
        Rules in force (``screening``, ``compliance``).
    park : mapping
        :func:`park_values` of the park's evaluation.
    need_mu : float, optional
        The land need (default: the project's, or derived from its investment).

    Returns
    -------
    DataFrame
        One row per check: check, kind (``entry`` / ``control``), label_zh, label_en,
        project_value, op (≥ / ≤), threshold, unit, met (bool; NA when no threshold can be
        formed), rules_key, source, unconfirmed, basis_zh, basis_en, note_zh, note_en.
    """
    entry = _entry_thresholds(project, rules, park)
    if need_mu is None:
        need_mu, _how = _derive_need(project, entry, rules)
    rows = []
    for name, thr in entry.items():
        zh, en, unit, figure, _col = _ENTRY[name]
        amount = getattr(project, figure)
        value = None if amount is None else amount / need_mu
        rows.append(_check_row(name, zh, en, "entry", value, "≥", thr["value"], unit, thr["key"],
                               thr["basis_zh"], thr["basis_en"], is_unconfirmed(thr["key"])))
    thresholds = thresholds_for(project.industry_code, rules)
    stated = {"floor_area_ratio": project.floor_area_ratio,
              "building_coverage_pct": project.building_coverage_pct,
              "investment_intensity_wan_per_mu": None if project.investment_wan is None
              else project.investment_wan / need_mu,
              "green_ratio_pct": project.green_ratio_pct, "admin_ratio_pct": project.admin_ratio_pct}
    for name, (zh, en, unit, lo, hi) in _CONTROL.items():
        value = stated[name]
        if value is None:
            continue
        for bound, op in ((lo, "≥"), (hi, "≤")):
            t = thresholds.get(bound) if bound else None
            if t is None or t.value is None:
                continue
            edition = f"{t.edition}版" + ("（回退2008）" if t.fallback else "")
            rows.append(_check_row(f"{name}_{bound.rsplit('_', 1)[1]}", zh, en, "control", value, op,
                                   float(t.value), unit, t.key or "", f"控制指标 {edition} 行业{project.industry_code}",
                                   f"control indicator, {t.edition} edition"
                                   + (" (2008 fallback)" if t.fallback else "")
                                   + f", industry {project.industry_code}", t.unconfirmed))
    columns = ["check", "kind", "label_zh", "label_en", "project_value", "op", "threshold", "unit",
               "met", "rules_key", "source", "unconfirmed", "basis_zh", "basis_en", "note_zh", "note_en"]
    out = pd.DataFrame(rows, columns=columns)
    out["met"] = out["met"].astype("boolean")
    return out


# --------------------------------------------------------------------------------------------
# conflicts
# --------------------------------------------------------------------------------------------

def _metric_geoms(frame: gpd.GeoDataFrame, crs) -> np.ndarray:
    geo = frame.geometry
    if crs is not None and geo.crs is not None and not geo.crs.equals(crs):
        geo = geo.to_crs(crs)
    return np.asarray(geo.array, dtype=object)


def _pair_text(index: pd.Index, rows: np.ndarray, texts: pd.Series) -> pd.Series:
    """Texts of pairs (row position -> text) joined per row, in a stable order."""
    if not len(rows):
        return pd.Series("", index=index, dtype=object)
    frame = pd.DataFrame({"row": rows, "text": texts.to_numpy()}).drop_duplicates()
    joined = frame.sort_values(["row", "text"], kind="mergesort").groupby("row")["text"].agg("；".join)
    out = pd.Series("", index=range(len(index)), dtype=object)
    out[joined.index] = joined.to_numpy()
    return out.set_axis(index)


def parcel_conflicts(parcels: gpd.GeoDataFrame, rules: dict, *, roads: gpd.GeoDataFrame | None = None,
                     powerlines: gpd.GeoDataFrame | None = None,
                     subset: pd.Series | np.ndarray | None = None) -> pd.DataFrame:
    """Why each parcel (of ``subset``) cannot be offered to a project (rules ``screening.conflicts``).

    Parameters
    ----------
    parcels : GeoDataFrame
        Every parcel of the park (overlaps are sought among all of them), ``parcel_id``.
    rules : dict
        Rules in force.
    roads, powerlines : GeoDataFrame, optional
        Network layers (``status``; ``voltage_kv``).
    subset : boolean array, optional
        The parcels to check (default all).

    Returns
    -------
    DataFrame
        Same index as ``parcels``: ``conflict`` (bool), ``conflicts`` (codes joined with ``,``:
        overlap, road, powerline, flag) and ``conflict_zh`` / ``conflict_en`` (the details: for a
        power line its voltage, distance, zone width and source).
    """
    spec = _screening(rules)["conflicts"]
    n = len(parcels)
    idx = parcels.index
    check = np.ones(n, dtype=bool) if subset is None else np.asarray(subset, dtype=bool)
    metric = to_metric(parcels.geometry) if n else parcels.geometry
    geoms = np.asarray(metric.array, dtype=object)
    ids = parcels["parcel_id"].astype(str).to_numpy()
    rows_zh: list[tuple[np.ndarray, pd.Series]] = []
    rows_en: list[tuple[np.ndarray, pd.Series]] = []
    codes: dict[str, np.ndarray] = {}
    where = np.flatnonzero(check & ~shapely.is_missing(geoms))
    if len(where):
        tree = shapely.STRtree(geoms)
        # overlaps with any other parcel
        a, b = tree.query(geoms[where], predicate="intersects")
        a = where[a]
        keep = a != b
        a, b = a[keep], b[keep]
        area = shapely.area(shapely.intersection(geoms[a], geoms[b])) if len(a) else np.zeros(0)
        hit = area > float(spec.get("overlap_min_m2") or 0.0)
        a, b, area = a[hit], b[hit], area[hit]
        codes["overlap"] = np.isin(np.arange(n), a)
        rows_zh.append((a, pd.Series([f"与宗地{p}重叠{x:.2f}平方米" for p, x in zip(ids[b], area, strict=True)], dtype=object)))
        rows_en.append((a, pd.Series([f"overlaps parcel {p} by {x:.2f} m²" for p, x in zip(ids[b], area, strict=True)], dtype=object)))

        def crossing(lines: gpd.GeoDataFrame, label, code: str) -> None:
            lg = _metric_geoms(lines, metric.crs)
            ok = ~shapely.is_missing(lg)
            lines, lg = lines[ok], lg[ok]
            if not len(lg):
                codes[code] = np.zeros(n, dtype=bool)
                return
            ltree = shapely.STRtree(lg)
            pi, li = ltree.query(geoms[where], predicate="intersects")
            pi = where[pi]
            inside = shapely.length(shapely.intersection(lg[li], geoms[pi])) - shapely.length(
                shapely.intersection(lg[li], shapely.boundary(geoms[pi])))
            sel = inside > _TOUCH_M
            pi, li = pi[sel], li[sel]
            texts_zh = [label(lines.iloc[j], "zh") + "穿越" for j in li]
            texts_en = ["crossed by " + label(lines.iloc[j], "en") for j in li]
            codes[code] = np.isin(np.arange(n), pi)
            rows_zh.append((pi, pd.Series(texts_zh, dtype=object)))
            rows_en.append((pi, pd.Series(texts_en, dtype=object)))

        statuses = set(spec.get("road_statuses") or [])
        if roads is not None and len(roads) and statuses:
            status = _text(roads, "status").replace("", "built")
            sel_roads = roads[status.isin(statuses).to_numpy()]
            zh_status = {"built": "已建", "under_construction": "在建", "planned": "规划"}

            def road_label(row, lang):
                rid = row.get("road_id") or row.get("name") or "?"
                st = row.get("status") if isinstance(row.get("status"), str) and row.get("status") else "built"
                return (f"{zh_status.get(st, st)}道路{rid}" if lang == "zh" else f"{st} road {rid}")

            crossing(sel_roads, road_label, "road")
        kv = spec.get("powerline_min_kv")
        if powerlines is not None and len(powerlines) and kv is not None:
            # the protection zones of the power lines (电力设施保护条例 Art. 10)
            corridor = spec.get("powerline_corridor_m")
            zones = zone_lines(powerlines, rules, crs=metric.crs, min_kv=float(kv),
                               statuses=tuple(spec.get("powerline_statuses") or ()))
            pi, li, d = zone_pairs(geoms[where], zones, corridor_m=corridor)
            pi = where[pi]
            zh, en = zone_texts(li, d, zones, corridor_m=corridor)
            codes["powerline"] = np.isin(np.arange(n), pi)
            rows_zh.append((pi, pd.Series(zh, dtype=object)))
            rows_en.append((pi, pd.Series(en, dtype=object)))
    flag = np.zeros(n, dtype=bool)
    for column in spec.get("flag_columns") or []:
        if column not in parcels.columns:
            continue
        words = _text(parcels, column).str.strip().str.lower()
        truthy = words.isin(_TRUE_WORDS).to_numpy(dtype=bool) & check
        flag |= truthy
        rows_zh.append((np.flatnonzero(truthy), pd.Series(f"标记{column}=是", index=range(int(truthy.sum())), dtype=object)))
        rows_en.append((np.flatnonzero(truthy), pd.Series(f"flagged {column} = yes", index=range(int(truthy.sum())), dtype=object)))
    codes["flag"] = flag
    pos = pd.RangeIndex(n)

    def joined(parts: list[tuple[np.ndarray, pd.Series]]) -> pd.Series:
        rows = np.concatenate([r for r, _ in parts]) if parts else np.zeros(0, dtype=int)
        texts = pd.concat([t.reset_index(drop=True) for _, t in parts], ignore_index=True) if parts else pd.Series([], dtype=object)
        return _pair_text(pos, rows.astype(int), texts)

    order = ("overlap", "road", "powerline", "flag")
    code_text = pd.Series("", index=pos, dtype=object)
    for code in order:
        mask = codes.get(code, np.zeros(n, dtype=bool))
        code_text = code_text + pd.Series(np.where(mask & (code_text != ""), ",", ""), index=pos) \
            + pd.Series(np.where(mask, code, ""), index=pos)
    any_conflict = (code_text != "").to_numpy()
    return pd.DataFrame({"conflict": any_conflict, "conflicts": code_text.to_numpy(),
                         "conflict_zh": joined(rows_zh).to_numpy(),
                         "conflict_en": joined(rows_en).to_numpy()}, index=idx)


# --------------------------------------------------------------------------------------------
# land-use grade
# --------------------------------------------------------------------------------------------

#: Grades of the industrial-land codes of the 2023 用地用海分类 (shared/domain/land-use-codes.md §1):
#: 一类 100101, 二类 100102, 三类 100103; ``1001`` is industrial land without a grade.
LAND_GRADES: dict[str, int] = {"100101": 1, "100102": 2, "100103": 3}
_UNGRADED = "1001"
_GRADE_LABELS: dict[int, tuple[str, str]] = {1: ("一类工业用地", "class 1 industrial land"),
                                             2: ("二类工业用地", "class 2 industrial land"),
                                             3: ("三类工业用地", "class 3 industrial land")}


def land_grade(project: Project, rules: dict) -> tuple[int | None, str]:
    """The industrial-land grade the project's industry needs (``screening.land_grade``) and the
    rules key it comes from; None when neither its industry nor ``default`` has one."""
    spec = _screening(rules).get("land_grade") or {}
    for key, value in (spec.get("by_industry") or {}).items():
        if str(key).zfill(2) == project.industry_code:
            return (None if value is None else int(value)), f"screening.land_grade.by_industry.{key}"
    default = spec.get("default")
    return (None if default is None else int(default)), "screening.land_grade.default"


def _grade_need(grade: int) -> tuple[str, str, str]:
    """What a grade needs, in words (zh, en) and the land-use codes that take it."""
    codes = ", ".join(c for c, g in LAND_GRADES.items() if g >= grade) + (f", {_UNGRADED}" if grade == 1 else "")
    zh, en = _GRADE_LABELS[grade]
    more = ("", "") if grade == 3 else ("或更高等级", " or a higher grade")
    return zh + more[0], en + more[1], codes


def land_use_fit(land_use: pd.Series, project: Project, rules: dict) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """Whether each parcel's land use takes the project's industry, and why not (zh, en).

    A parcel fits when the grade of its ``land_use`` is at least the grade the industry needs
    (:func:`land_grade`; 一类 land takes no 二/三类 plant, 二类 land no 三类 plant, a lower-grade
    plant may go on higher-grade land: 工业用地规划导则 3.1.9, land-economics.md §5.2); ungraded
    industrial land (1001) fits grade 1 only; any other or an empty land use fits no grade.
    Every parcel fits when the industry has no grade.
    """
    index = land_use.index
    grade, key = land_grade(project, rules)
    if grade is None:
        return np.ones(len(index), dtype=bool), pd.Series("", index=index), pd.Series("", index=index)
    code = land_use.map(lambda v: "" if _is_blank(v) else _parse_land_use(v)).astype(object)
    have = code.map(LAND_GRADES)
    ok = (have >= grade).fillna(False).to_numpy(dtype=bool) | ((code == _UNGRADED).to_numpy() & (grade == 1))
    need_zh, need_en, codes = _grade_need(grade)
    flag = ", UNCONFIRMED" if is_unconfirmed(key) else ""
    what_zh = code.map(lambda c: "未填" if not c else c + (_GRADE_LABELS[LAND_GRADES[c]][0] if c in LAND_GRADES
                                                          else "工业用地（未分等级）" if c == _UNGRADED else "（非工业用地）"))
    what_en = code.map(lambda c: "empty" if not c else c + (f" ({_GRADE_LABELS[LAND_GRADES[c]][1]})" if c in LAND_GRADES
                                                            else " (industrial land, no grade)" if c == _UNGRADED
                                                            else " (not industrial land)"))
    reason_zh = ("土地用途" + what_zh + f"，行业{project.industry_code}需{need_zh}（{codes}；{key}{flag}）").where(~ok, "")
    reason_en = ("land use " + what_en + f": industry {project.industry_code} needs {need_en} "
                 f"({codes}; {key}{flag})").where(~ok, "")
    return ok, reason_zh, reason_en


# --------------------------------------------------------------------------------------------
# neighbours
# --------------------------------------------------------------------------------------------

def _neighbours(project: Project, parcels: pd.DataFrame, ledger: pd.DataFrame | None,
                supplyable: Iterable[str]) -> pd.Series:
    """The neighbour parcels of the project: parcel_id -> label (name of what matched)."""
    ids = parcels["parcel_id"].astype(str)
    holder = _text(parcels, "holder").str.strip()
    pname = _text(parcels, "parcel_name").str.strip()
    out: dict[str, str] = {}
    ent = pd.DataFrame(columns=["parcel_id", "enterprise_id", "name"])
    if ledger is not None and len(ledger):
        ent = pd.DataFrame({"parcel_id": _text(ledger, "parcel_id"),
                            "enterprise_id": _text(ledger, "enterprise_id").str.strip(),
                            "name": _text(ledger, "name").str.strip()})
    for item in project.neighbours:
        hit = set(ids[(ids == item) | (holder == item) | (pname == item)])
        hit |= set(ent.loc[(ent["enterprise_id"] == item) | (ent["name"] == item), "parcel_id"])
        hit &= set(ids)
        if not hit:
            raise _fail(project.source, project.field_name("neighbours"),
                        f"{shown(item)} is no parcel id, holder, parcel name or ledger enterprise of the workspace")
        for pid in hit:
            out.setdefault(pid, item)
    if project.related_industries:
        code = _text(parcels, "industry_code").str.extract(r"^[A-Za-z]?(\d{2})", expand=False).fillna("")
        status = _text(parcels, "status")
        sel = code.isin(project.related_industries) & ~status.isin(list(supplyable))
        for pid, c, h in zip(ids[sel], code[sel], holder[sel], strict=True):
            out.setdefault(pid, h or f"行业{c}")
    return pd.Series(out, dtype=object).sort_index()


# --------------------------------------------------------------------------------------------
# ranking
# --------------------------------------------------------------------------------------------

def _fmt(values: pd.Series, spec: str) -> pd.Series:
    text = [("?" if pd.isna(v) else format(float(v), spec)) for v in values.to_numpy()]
    return pd.Series(text, index=values.index, dtype=object)




def _relative_low(x: pd.Series) -> pd.Series:
    """1 − x / max(x) over the candidates (lower x is better); 1 when the max is 0; NaN → 0."""
    top = float(x.max()) if x.notna().any() else float("nan")
    if not math.isfinite(top):
        return pd.Series(0.0, index=x.index)
    comp = (1.0 - x / top) if top > 0 else pd.Series(1.0, index=x.index)
    return comp.where(x.notna(), 0.0).clip(0.0, 1.0)


_SITE_COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "rank"), "parcel_id": ("宗地号", "parcel id"),
    "area_mu": ("面积(亩)", "area (mu)"), "area_m2": ("面积(平方米)", "area (m²)"),
    "need_mu": ("需求面积(亩)", "land need (mu)"), "area_diff_pct": ("面积偏差(%)", "area difference (%)"),
    "readiness": ("配套水平", "readiness"), "missing": ("缺项", "missing"),
    "needs_missing": ("项目所需缺项", "project needs missing"),
    "ext_cost_wan": ("所需配套延伸费用(万元)", "extension cost of the needs (10k CNY)"),
    "cut_m3": ("挖方(立方米)", "cut (m³)"), "fill_m3": ("填方(立方米)", "fill (m³)"),
    "relief_m": ("高差(米)", "relief (m)"), "leveled": ("场地平整", "site levelled"),
    "neighbour_distance_m": ("距关联地块(米)", "distance to neighbours (m)"),
    "neighbour_adjacent": ("与关联地块相邻", "adjacent to a neighbour"),
    "neighbour_nearest": ("最近关联地块", "nearest neighbour parcel"),
    "neighbour_label": ("最近关联方", "nearest neighbour"),
    "score": ("选址得分", "site score"),
    "explanation_zh": ("排名说明", "explanation (Chinese)"),
    "explanation_en": ("排名说明(英文)", "explanation (English)"),
    **{f"c_{k}": (f"{zh}分项", f"{en} component") for k, (zh, en) in _COMPONENTS.items()},
}


def rank_sites(table: gpd.GeoDataFrame, project: Project, rules: dict, *, need_mu: float,
               roads: gpd.GeoDataFrame | None = None, powerlines: gpd.GeoDataFrame | None = None,
               ledger: pd.DataFrame | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Rank the supplyable parcels that fit a project (see the module docstring for the score).

    Parameters
    ----------
    table : GeoDataFrame
        The evaluation table (:func:`landplan.evaluate.evaluate`), one row per parcel: status,
        area_mu, area_m2, the coverage and terrain columns.
    project : Project
    rules : dict
        Rules in force (``screening``).
    need_mu : float
        The land need in mu.
    roads, powerlines : GeoDataFrame, optional
        For the conflicts.
    ledger : DataFrame, optional
        The enterprise ledger (neighbours named by enterprise).

    Returns
    -------
    (sites, excluded)
        ``sites``: the ranked parcels (rank, parcel_id, area, need, readiness, missing,
        needs_missing, ext_<t>_m / ext_<t>_cost_wan, ext_cost_wan, cut_m3, fill_m3, relief_m,
        leveled, neighbour columns, c_<component>, score, explanation_zh, explanation_en,
        geometry), best first, ties by parcel_id. ``excluded``: the supplyable parcels left
        out, with reason_code (``conflict`` / ``land_use`` / ``area``, the first that applies)
        and reason_zh / reason_en.
    """
    spec = _screening(rules)
    table = table.reset_index(drop=True)
    statuses = [str(s) for s in spec.get("supplyable_statuses") or []]
    status = _text(table, "status")
    supply = status.isin(statuses).to_numpy()
    conflicts = parcel_conflicts(table, rules, roads=roads, powerlines=powerlines, subset=supply)
    area = _num(table, "area_mu")
    tol = float(spec["area_tolerance_pct"]) / 100.0
    diff = (area - need_mu) / need_mu
    fits = (diff.abs() <= tol + 1e-9).to_numpy()
    conflict = conflicts["conflict"].to_numpy()
    use_ok, use_zh, use_en = land_use_fit(table["land_use"] if "land_use" in table.columns
                                          else pd.Series("", index=table.index), project, rules)
    chosen = supply & ~conflict & use_ok & fits
    # excluded supplyable parcels: a conflict first, then the land use, then the area
    ex_mask = supply & ~chosen
    ex = table.loc[ex_mask, ["parcel_id"]].copy()
    ex["area_mu"] = area[ex_mask]
    why = [conflict[ex_mask], ~use_ok[ex_mask]]
    ex["reason_code"] = np.select(why, ["conflict", "land_use"], "area")
    lo, hi = need_mu * (1 - tol), need_mu * (1 + tol)
    ex["reason_zh"] = np.select(why, ["冲突：" + conflicts.loc[ex_mask, "conflict_zh"], "用地等级不符：" + use_zh[ex_mask]],
                                "面积" + _fmt(area[ex_mask], ".2f") + f"亩不在{lo:.2f}–{hi:.2f}亩内")
    ex["reason_en"] = np.select(why, ["conflict: " + conflicts.loc[ex_mask, "conflict_en"],
                                      "land-use grade: " + use_en[ex_mask]],
                                "area " + _fmt(area[ex_mask], ".2f") + f" mu outside {lo:.2f}–{hi:.2f} mu")
    ex = ex.sort_values("parcel_id", kind="mergesort").reset_index(drop=True)

    sel = table[chosen].copy()
    idx = sel.index
    needs_net = [t for t in project.needs if t != "leveled"]
    has = {t: sel[f"has_{t}"].astype("boolean").fillna(False).astype(bool) if f"has_{t}" in sel
           else pd.Series(False, index=idx) for t in NETWORK_TYPES}
    has["leveled"] = sel["leveled"].astype("boolean").fillna(False).astype(bool) if "leveled" in sel \
        else pd.Series(False, index=idx)
    missing_needs = [t for t in project.needs]
    needs_missing = _join([pd.Series(np.where(~has[t], t, ""), index=idx) for t in missing_needs], idx, ",")
    cost = pd.Series(0.0, index=idx)
    cost_known = pd.Series(True, index=idx)
    for t in needs_net:
        c = _num(sel, f"ext_{t}_cost_wan")
        cost = cost + c.fillna(0.0)
        cost_known &= c.notna()
    cost = cost.where(cost_known)
    earth = _num(sel, "cut_m3") + _num(sel, "fill_m3")

    # neighbours
    parcels_all = table
    neigh = _neighbours(project, parcels_all, ledger, statuses)
    dist = pd.Series(np.nan, index=idx)
    nearest = pd.Series("", index=idx, dtype=object)
    label = pd.Series("", index=idx, dtype=object)
    if len(neigh) and len(sel):
        metric = to_metric(table.geometry)
        all_geoms = np.asarray(metric.array, dtype=object)
        npos = np.flatnonzero(table["parcel_id"].astype(str).isin(neigh.index).to_numpy())
        tree = shapely.STRtree(all_geoms[npos])
        cand = all_geoms[idx.to_numpy()]
        (qi, ti), d = tree.query_nearest(cand, return_distance=True, exclusive=True, all_matches=True)
        if len(qi):
            pairs = pd.DataFrame({"q": qi, "pid": table["parcel_id"].astype(str).to_numpy()[npos[ti]], "d": d})
            pairs = pairs.sort_values(["q", "d", "pid"], kind="mergesort").drop_duplicates("q")
            dist.iloc[pairs["q"].to_numpy()] = np.where(pairs["d"].to_numpy() < _TOUCH_M, 0.0, pairs["d"].to_numpy())
            nearest.iloc[pairs["q"].to_numpy()] = pairs["pid"].to_numpy()
            label.iloc[pairs["q"].to_numpy()] = neigh.reindex(pairs["pid"]).to_numpy()

    # components and score
    raw: dict[str, pd.Series] = {"area_fit": (1.0 - diff[idx].abs() / tol).clip(0.0, 1.0) if tol > 0
                                 else pd.Series(1.0, index=idx)}
    unused: dict[str, tuple[str, str]] = {}
    if project.needs:
        met = sum(has[t].astype(float) for t in project.needs)
        raw["utilities"] = met / len(project.needs)
    else:
        unused["utilities"] = ("未给出所需配套", "no needs stated")
    if needs_net:
        raw["extension_cost"] = _relative_low(cost)
    else:
        unused["extension_cost"] = ("未给出所需管线道路", "no network needs stated")
    if earth.notna().any():
        raw["earthworks"] = _relative_low(earth)
    else:
        unused["earthworks"] = ("无DEM土方数据", "no DEM cut/fill")
    if len(neigh):
        raw["contiguity"] = _relative_low(dist)
    else:
        unused["contiguity"] = ("未给出关联企业或行业", "no neighbours stated")
    weights = {k: float(w) for k, w in spec["score_weights"].items() if w is not None and k in raw}
    for k, w in spec["score_weights"].items():
        if k not in raw and w:
            unused.setdefault(k, ("", ""))
    total = sum(weights.values())
    score = pd.Series(0.0, index=idx)
    for k, w in weights.items():
        score = score + w * raw[k]
    score = (100.0 * score / total).round(2) if total > 0 else score
    sel = sel.assign(_score=score, _pid=sel["parcel_id"].astype(str))
    order = sel.sort_values(["_score", "_pid"], ascending=[False, True], kind="mergesort").index

    # explanation, in words and weight by weight
    rank = pd.Series(0, index=idx)
    rank[order] = np.arange(1, len(order) + 1)
    pid = sel["_pid"]
    diff_pct = 100.0 * diff[idx]
    miss_zh = needs_missing.map(lambda s: "、".join(_UTILITY_LABELS[t][0] for t in s.split(",") if t))
    miss_en = needs_missing.map(lambda s: ", ".join(_UTILITY_LABELS[t][1] for t in s.split(",") if t))
    readiness = _text(sel, "readiness")
    if project.needs:
        util_zh = pd.Series(np.where(needs_missing == "", "项目所需配套齐全",
                                     "项目所需缺" + miss_zh), index=idx)
        util_en = pd.Series(np.where(needs_missing == "", "all the project's needs are met",
                                     "the project's needs lack " + miss_en), index=idx)
        if needs_net:
            util_zh = util_zh + "，补齐延伸费用" + _fmt(cost, ".1f") + "万元"
            util_en = util_en + ", extensions cost " + _fmt(cost, ".1f") + " 万元"
    else:
        util_zh = pd.Series("未给出所需配套", index=idx)
        util_en = pd.Series("no needs stated", index=idx)
    lev = sel["leveled"].astype("boolean") if "leveled" in sel else pd.Series(pd.NA, index=idx, dtype="boolean")
    lev_zh = pd.Series(np.where(lev.fillna(False), "，已平整", np.where(lev.isna(), "", "，需场平")), index=idx)
    lev_en = pd.Series(np.where(lev.fillna(False), ", levelled", np.where(lev.isna(), "", ", needs levelling")), index=idx)
    if earth.notna().any():
        earth_zh = "挖方" + _fmt(_num(sel, "cut_m3"), ".0f") + "立方米、填方" + _fmt(_num(sel, "fill_m3"), ".0f") \
            + "立方米（高差" + _fmt(_num(sel, "relief_m"), ".2f") + "米" + lev_zh + "）"
        earth_en = "cut " + _fmt(_num(sel, "cut_m3"), ".0f") + " m³, fill " + _fmt(_num(sel, "fill_m3"), ".0f") \
            + " m³ (relief " + _fmt(_num(sel, "relief_m"), ".2f") + " m" + lev_en + ")"
    else:
        earth_zh = pd.Series("无DEM" + lev_zh.str.replace("，", "，场地"), index=idx)
        earth_en = pd.Series("no DEM" + lev_en, index=idx)
    if len(neigh):
        near_zh = pd.Series(np.where(dist.isna(), "无可比关联地块",
                                     np.where(dist == 0, "与" + label + "（" + nearest + "）相邻",
                                              "距" + label + "（" + nearest + "）" + _fmt(dist, ".0f") + "米")), index=idx)
        near_en = pd.Series(np.where(dist.isna(), "no other neighbour parcel",
                                     np.where(dist == 0, "shares a boundary with " + label + " (" + nearest + ")",
                                              _fmt(dist, ".0f") + " m from " + label + " (" + nearest + ")")), index=idx)
    else:
        near_zh = pd.Series("", index=idx, dtype=object)
        near_en = pd.Series("", index=idx, dtype=object)
    # _fmt, not Series.map: map gives an empty Series float64, and text + float64 fails (no site)
    terms_zh = [f"{_COMPONENTS[k][0]} {w:g}×" + _fmt(raw[k], ".2f") for k, w in weights.items()]
    terms_en = [f"{_COMPONENTS[k][1]} {w:g}×" + _fmt(raw[k], ".2f") for k, w in weights.items()]
    formula_zh = "得分 = 100 × (" + _join(terms_zh, idx, " + ") + f") / 权重合计{total:g} = " + _fmt(score, ".2f")
    formula_en = "score = 100 × (" + _join(terms_en, idx, " + ") + f") / Σ weights {total:g} = " + _fmt(score, ".2f")
    skipped = [k for k in unused if spec["score_weights"].get(k)]
    if skipped:
        formula_zh = formula_zh + "；未计入 " + "、".join(
            f"{_COMPONENTS[k][0]}（{unused[k][0]}）" if unused[k][0] else _COMPONENTS[k][0] for k in skipped)
        formula_en = formula_en + "; not used: " + ", ".join(
            f"{_COMPONENTS[k][1]} ({unused[k][1]})" if unused[k][1] else _COMPONENTS[k][1] for k in skipped)
    expl_zh = ("第" + rank.astype(str) + "名 " + pid + "：面积" + _fmt(area[idx], ".2f") + "亩（需求"
               + f"{need_mu:.2f}亩，" + _fmt(diff_pct, "+.1f") + "%）；" + readiness + "，" + util_zh + "；"
               + earth_zh + _join([near_zh], idx, "") .map(lambda s: f"；{s}" if s else "") + "。" + formula_zh)
    expl_en = ("#" + rank.astype(str) + " " + pid + ": " + _fmt(area[idx], ".2f") + " mu (need "
               + f"{need_mu:.2f} mu, " + _fmt(diff_pct, "+.1f") + " %); " + readiness + ", " + util_en + "; "
               + earth_en + near_en.map(lambda s: f"; {s}" if s else "") + ". " + formula_en)

    cols: dict[str, Any] = {
        "rank": rank, "parcel_id": pid, "area_mu": area[idx], "area_m2": _num(sel, "area_m2"),
        "need_mu": pd.Series(need_mu, index=idx), "area_diff_pct": diff_pct.round(2),
        "readiness": readiness, "missing": _text(sel, "missing"), "needs_missing": needs_missing,
        "ext_cost_wan": cost,
    }
    for t in NETWORK_TYPES:
        cols[f"has_{t}"] = has[t]
        cols[f"ext_{t}_m"] = _num(sel, f"ext_{t}_m")
        cols[f"ext_{t}_cost_wan"] = _num(sel, f"ext_{t}_cost_wan")
    cols.update({"cut_m3": _num(sel, "cut_m3"), "fill_m3": _num(sel, "fill_m3"),
                 "relief_m": _num(sel, "relief_m"), "leveled": lev,
                 "neighbour_distance_m": dist, "neighbour_adjacent": (dist == 0).astype("boolean").where(dist.notna()),
                 "neighbour_nearest": nearest, "neighbour_label": label})
    for k in _COMPONENTS:
        cols[f"c_{k}"] = raw[k].round(4) if k in raw else pd.Series(np.nan, index=idx)
    cols.update({"score": score, "explanation_zh": expl_zh, "explanation_en": expl_en})
    frame = pd.DataFrame(cols, index=idx).loc[order].reset_index(drop=True)
    geometry = sel.geometry.loc[order].reset_index(drop=True)
    sites = gpd.GeoDataFrame(frame, geometry=geometry.to_numpy(), crs=table.crs)
    return sites, ex


# --------------------------------------------------------------------------------------------
# the screening
# --------------------------------------------------------------------------------------------

@dataclass
class ScreeningResult:
    """The result of :func:`screen_project`.

    Attributes
    ----------
    project : Project
        The project as screened (``area_mu`` filled in when it was derived).
    need_mu : float
        Land need in mu; ``need_basis`` says whether it was given or derived (the rules key).
    admitted : bool
        True when every check is met (checks without a threshold do not count).
    checks : DataFrame
        :func:`check_project`.
    sites : GeoDataFrame
        :func:`rank_sites`, best first.
    excluded : DataFrame
        Supplyable parcels left out, with the reason.
    park : dict
        :func:`park_values`.
    as_of : date
    year : int or None
        The ledger year of the park values.
    supplyable : int
        Supplyable parcels considered.
    area_tolerance_pct : float
        ``screening.area_tolerance_pct`` of the ranking (a site's area is within it of the need).
    land_grade : int or None
        The industrial-land grade the project's industry needs (:func:`land_grade`), None when
        its land use is not checked; ``land_grade_key`` is the rules key it comes from.
    """

    project: Project
    need_mu: float
    need_basis: str
    admitted: bool
    checks: pd.DataFrame
    sites: gpd.GeoDataFrame
    excluded: pd.DataFrame
    park: dict
    as_of: dt.date
    year: int | None
    supplyable: int
    area_tolerance_pct: float = float("nan")
    land_grade: int | None = None
    land_grade_key: str = ""

    @property
    def unmet(self) -> pd.DataFrame:
        """The checks that are not met (the reasons of a refusal)."""
        return self.checks[self.checks["met"].eq(False).fillna(False).astype(bool)]

    def no_site_reason(self, lang: str = "zh") -> str:
        """Why no parcel is ranked, in ``lang`` (zh or en): no supplyable parcel, or how many
        have conflicts and how many lie outside the area range, with the closest areas."""
        zh = lang == "zh"
        if self.supplyable == 0:
            return ("园区没有可供地块（状态属于 screening.supplyable_statuses 的地块）" if zh else
                    "the park has no supplyable parcel (status in screening.supplyable_statuses)")
        ex = self.excluded
        n_conf = int((ex["reason_code"] == "conflict").sum())
        n_use = int((ex["reason_code"] == "land_use").sum())
        area = ex[ex["reason_code"] == "area"]
        tol = self.area_tolerance_pct / 100.0
        lo, hi = self.need_mu * (1 - tol), self.need_mu * (1 + tol)
        parts_zh, parts_en = [], []
        if n_conf:
            parts_zh.append(f"{n_conf}宗有冲突")
            parts_en.append(f"{n_conf} with conflicts")
        if n_use:
            zh, en, codes = _grade_need(self.land_grade) if self.land_grade else ("", "", "")
            parts_zh.append(f"{n_use}宗用地等级不符（需{zh} {codes}，{self.land_grade_key}）")
            parts_en.append(f"{n_use} on land of a lower grade or another use (needs {en} {codes}, "
                            f"{self.land_grade_key})")
        if len(area):
            parts_zh.append(f"{len(area)}宗面积不在{lo:.2f}–{hi:.2f}亩内（需求{self.need_mu:.2f}亩"
                            f"±{self.area_tolerance_pct:g}%，screening.area_tolerance_pct）")
            parts_en.append(f"{len(area)} outside {lo:.2f}–{hi:.2f} mu (need {self.need_mu:.2f} mu "
                            f"± {self.area_tolerance_pct:g} %, screening.area_tolerance_pct)")
            gap = (area["area_mu"] - self.need_mu).abs()
            closest = area.assign(_gap=gap).sort_values(["_gap", "parcel_id"], kind="mergesort").head(3)
            parts_zh[-1] += "；面积最接近的：" + "、".join(f"{r.parcel_id} {r.area_mu:.2f}亩"
                                                     for r in closest.itertuples())
            parts_en[-1] += "; closest areas: " + ", ".join(f"{r.parcel_id} {r.area_mu:.2f} mu"
                                                           for r in closest.itertuples())
        if zh:
            return f"{self.supplyable}宗可供地块中" + "，".join(parts_zh)
        return f"of {self.supplyable} supplyable parcels, " + "; ".join(parts_en)

    def lines(self, *, lang: str = "zh", top: int | None = None) -> list[str]:
        """The summary ``landplan screen`` prints: the threshold check, then the ranked sites."""
        p = self.project
        zh = lang == "zh"
        title = p.name or (p.source if p.source != "options" else "")
        lines = [f"项目准入与选址 project screening{(': ' + title) if title else ''} — 行业 industry "
                 f"{p.industry_code}, as of {self.as_of:%Y-%m-%d}, "
                 + ("无台账 no ledger" if self.year is None else f"ledger {self.year}")]
        if self.need_basis == "given":
            lines.append(f"  用地需求 land need: {self.need_mu:.2f} 亩 mu ({self.need_mu * M2_PER_MU:.0f} m²)")
        else:
            lines.append(f"  用地需求 land need: {self.need_mu:.2f} 亩 mu, derived: investment "
                         f"{p.investment_wan:g} 万元 ÷ the investment-per-mu threshold ({self.need_basis})")
        if self.land_grade is not None:
            zh, en, codes = _grade_need(self.land_grade)
            flag = " UNCONFIRMED" if is_unconfirmed(self.land_grade_key) else ""
            lines.append(f"  用地等级 land grade: 需{zh} / needs {en}: {codes} "
                         f"[{self.land_grade_key}{flag}; {rule_source(self.land_grade_key)}]")
        else:
            lines.append(f"  用地等级 land grade: 行业{p.industry_code}无等级，未检查土地用途 / not checked "
                         f"(industry {p.industry_code} has no grade in screening.land_grade)")
        decision = "准入 ADMITTED" if self.admitted else "不予准入 REFUSED"
        lines.append(f"准入检查 threshold check: {decision}")
        for row in self.checks.itertuples():
            label = row.label_zh if zh else row.label_en
            basis = row.basis_zh if zh else row.basis_en
            mark = "–" if pd.isna(row.met) else ("✓" if bool(row.met) else "✗")
            value = "未申报 not stated" if pd.isna(row.project_value) else f"{row.project_value:.2f}"
            thr = "?" if not math.isfinite(row.threshold) else f"{row.threshold:.2f}"
            note = row.note_zh if zh else row.note_en
            flag = " UNCONFIRMED" if row.unconfirmed else ""
            lines.append(f"  {mark} {label} {row.check}: {value} {row.op} {thr} {row.unit}".rstrip()
                         + f" [{row.rules_key}{flag}; {basis}]" + (f" {note}" if note else ""))
        if not len(self.checks):
            lines.append("  (no threshold applies)")
        for row in self.unmet.itertuples():
            label = row.label_zh if zh else row.label_en
            value = "not stated" if pd.isna(row.project_value) else f"{row.project_value:.2f}"
            unit = f" {row.unit}" if row.unit else ""
            lines.append(f"  不满足 unmet: {label} {value}{unit}, threshold {row.op} {row.threshold:.2f}"
                         f"{unit} ({row.rules_key}; {row.source or 'source: workspace rules.yaml'})")
        if p.ignored:
            lines.append(f"  未识别字段 ignored fields: {', '.join(p.ignored)}")
        n_conf, n_use, n_area = (int((self.excluded["reason_code"] == c).sum()) if len(self.excluded) else 0
                                 for c in ("conflict", "land_use", "area"))
        lines.append(f"选址 sites: {self.supplyable} supplyable parcels, {n_conf} with conflicts, "
                     + (f"{n_use} on land of another grade or use, " if n_use else "")
                     + f"{n_area} outside the area tolerance, {len(self.sites)} ranked"
                     + ("" if self.admitted else " (参考 for reference only: the project is refused)"))
        for row in self.excluded[self.excluded["reason_code"] == "conflict"].itertuples():
            lines.append(f"  冲突 conflict {row.parcel_id}: {row.reason_zh if zh else row.reason_en}")
        if not len(self.sites):
            lines.append(f"  无合适地块 no site fits: {self.no_site_reason(lang)}")
        shown = self.sites if top is None else self.sites.head(top)
        for row in shown.itertuples():
            def show(v: float, spec: str) -> str:
                return "–" if pd.isna(v) else format(v, spec)

            lines.append(f"  {row.rank:>3}. {row.parcel_id} score {row.score:.2f}  "
                         f"{row.area_mu:.2f} 亩  {row.readiness}  ext {show(row.ext_cost_wan, '.1f')} 万元  "
                         f"cut/fill {show(row.cut_m3, '.0f')}/{show(row.fill_m3, '.0f')} m³")
            lines.append(f"       {row.explanation_zh if zh else row.explanation_en}")
        if len(self.sites) and any(is_unconfirmed(f"coverage.unit_cost_wan_per_m.{t}") for t in p.needs
                                   if t != "leveled"):
            lines.append("  注 note: extension costs use coverage.unit_cost_wan_per_m (UNCONFIRMED "
                         "placeholders until the park sets its own)")
        return lines


def screen_project(project: Project, workspace: Workspace | str | Path = "data", *,
                   as_of: dt.date | None = None, year: int | None = None,
                   rules: dict | None = None) -> ScreeningResult:
    """Screen a proposed project against the park and rank the sites for it (招商选址).

    The workspace is evaluated once (:func:`landplan.evaluate.evaluate` at ``as_of`` with the
    ledger ``year``); the park values, the checks and the ranking all come from that table.

    Parameters
    ----------
    project : Project
        :func:`make_project` or :func:`read_project`.
    workspace : Workspace or path
    as_of : date, optional
        Evaluation date (default today).
    year : int, optional
        Ledger year of the park values (default the latest).
    rules : dict, optional
        Rules in force (default the workspace's).

    Returns
    -------
    ScreeningResult

    Raises
    ------
    LandplanError
        Bad input (unknown neighbour, no land need and nothing to derive it from, bad rules).

    Examples
    --------
    >>> from landplan.demo import DEMO_AS_OF
    >>> p = make_project({"行业代码": "39", "用地面积(亩)": 22, "总投资(万元)": 9000,
    ...                   "预计税收(万元)": 300})
    >>> result = screen_project(p, "data", as_of=DEMO_AS_OF)   # doctest: +SKIP
    >>> result.admitted, result.unmet["check"].tolist()         # doctest: +SKIP
    (False, ['tax_per_mu_wan'])
    """
    from .evaluate import evaluate

    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
    rules = rules if rules is not None else load_rules(ws)
    spec = _screening(rules)
    if not ws.has("parcels"):
        raise LandplanError(f"the workspace {ws.path} has no parcels layer; import parcels first")
    ledger = ws.read("ledger")
    parcels = ws.read("parcels")
    _neighbours(project, parcels, ledger, spec.get("supplyable_statuses") or [])  # bad names fail first
    as_of = as_of or dt.date.today()
    table = evaluate(ws, as_of=as_of, year=year, rules=rules)
    park = park_values(table)
    entry = _entry_thresholds(project, rules, park)
    need_mu, basis = _derive_need(project, entry, rules)
    if project.area_mu is None:
        project = replace(project, area_mu=need_mu)
    checks = check_project(project, rules, park, need_mu=need_mu)
    roads = ws.read("roads") if ws.has("roads") else None
    powerlines = ws.read("powerlines") if ws.has("powerlines") else None
    sites, excluded = rank_sites(table, project, rules, need_mu=need_mu, roads=roads,
                                 powerlines=powerlines, ledger=ledger)
    admitted = not bool(checks["met"].eq(False).fillna(False).any())
    statuses = spec.get("supplyable_statuses") or []
    supplyable = int(_text(table, "status").isin(statuses).sum())
    log.info("screen %s: %s, %d sites", project.industry_code, "admitted" if admitted else "refused",
             len(sites))
    grade, grade_key = land_grade(project, rules)
    return ScreeningResult(project=project, need_mu=need_mu, need_basis=basis, admitted=admitted,
                           checks=checks, sites=sites, excluded=excluded, park=park, as_of=as_of,
                           year=next(iter(park.values()))["year"] if park else None,
                           supplyable=supplyable, area_tolerance_pct=float(spec["area_tolerance_pct"]),
                           land_grade=grade, land_grade_key=grade_key)


def write_sites(result: ScreeningResult, out: str | Path, *, top: int | None = None) -> Path:
    """Write the ranked sites to ``out`` (.csv, .xlsx or .gpkg), atomically.

    The XLSX has Chinese headers and a second sheet 准入检查 with the threshold checks; the
    GeoPackage holds the layer ``sites`` (and a table ``checks``).
    """
    import pyogrio

    from .io.writers import write_csv, write_xlsx

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in SITE_FORMATS:
        raise LandplanError(f"--out {out}: write .csv, .xlsx or .gpkg")
    sites = result.sites if top is None else result.sites.head(top)
    plain = pd.DataFrame(sites.drop(columns=sites.geometry.name))
    with atomic_path(out) as tmp:
        if suffix == ".csv":
            write_csv(plain, tmp)
        elif suffix == ".gpkg":
            frame = gpd.GeoDataFrame(plain, geometry=sites.geometry.to_numpy(), crs=sites.crs)
            pyogrio.write_dataframe(_ogr_frame(frame), tmp, layer="sites", driver="GPKG",
                                    promote_to_multi=True)
            checks = result.checks.copy()
            checks["met"] = checks["met"].astype(object).where(checks["met"].notna(), None)
            pyogrio.write_dataframe(pd.DataFrame(checks).astype({"met": "str"}), tmp, layer="checks",
                                    driver="GPKG", append=True)
        else:
            from .evaluate import column_label

            def header(c: str) -> str:
                return _SITE_COLUMNS[c][0] if c in _SITE_COLUMNS else column_label(c, "zh")

            xl = plain.copy()
            for column in xl.columns:
                if str(xl[column].dtype) == "boolean" or xl[column].dtype == bool:
                    xl[column] = xl[column].astype("boolean").map({True: "是", False: "否"}).astype(object)
            checks = result.checks.copy()
            checks["met"] = checks["met"].map({True: "是", False: "否"}).astype(object)
            checks["unconfirmed"] = checks["unconfirmed"].map({True: "是", False: ""}).astype(object)
            write_xlsx({"选址排序": xl.set_axis([header(c) for c in xl.columns], axis=1), "准入检查": checks},
                       tmp, out=out)
    return out
