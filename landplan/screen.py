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
    explained weight by weight.

:func:`screen_project` does both on a workspace; it evaluates the workspace once with
:func:`landplan.evaluate.evaluate` (coverage and terrain are never recomputed here).

For scripts and for people
--------------------------
The :class:`ScreeningResult` holds canonical frames: column names and codes a script can
rely on (:data:`CHECK_COLUMNS`, :data:`SITE_COLUMNS`, ``excluded``: parcel_id, area_mu,
reason_code, reason_zh, reason_en), with each text a person reads as a pair of columns, one
per language (``reason_zh`` / ``reason_en``, ``explanation_zh`` / ``explanation_en``); rules
keys stay in their own column (``rules_key``), never inside a sentence. People read
:func:`tables_for` (``tables_for(result, lang)``: the checks, the ranked sites, the parcels not
ranked and how the score is made, with catalogue headers, labelled values and numbers rounded
by :func:`landplan.labels.fmt`) and :meth:`ScreeningResult.lines` (the summary ``landplan
screen`` prints), each in one language; every word comes from the catalogue
(``landplan/labels/screen.yaml``). ``write_sites`` writes the CSV and GeoPackage canonical, the
XLSX for people.

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

from . import labels
from .compliance import _provenance, control_source, thresholds_for
from .coverage import NETWORK_TYPES, READINESS_NEEDS, zone_lines, zone_pairs, zone_texts
from .errors import InputFileError, LandplanError, shown
from .geometry import to_metric
from .io.atomic import atomic_path
from .labels import text as words
from .rules import is_unconfirmed, load_rules, rule_source
from .schema import _parse_land_use, normalize_header
from .tables import join as _join
from .tables import num as _num
from .tables import text as _text
from .units import M2_PER_MU, UNIT_FACTORS, unit_factor
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
    "grade_need",
    "grade_source",
    "tables_for",
    "TABLES",
    "CHECK_COLUMNS",
    "SITE_COLUMNS",
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

#: Entry thresholds: name -> (unit, project figure, park numerator); their words are the
#: catalogue's ``val.screen_indicator.<name>``.
_ENTRY: dict[str, tuple[str, str, str]] = {
    "investment_per_mu_wan": ("wan_per_mu", "investment_wan", "invested_wan"),
    "tax_per_mu_wan": ("wan_per_mu", "tax_wan", "tax_wan"),
    "output_per_mu_wan": ("wan_per_mu", "output_wan", "output_wan"),
}

#: Control indicators a project can state: name -> (unit, min key, max key).
_CONTROL: dict[str, tuple[str, str | None, str | None]] = {
    "floor_area_ratio": ("ratio", "floor_area_ratio_min", "floor_area_ratio_max"),
    "building_coverage_pct": ("pct", "building_coverage_pct_min", None),
    "investment_intensity_wan_per_mu": ("wan_per_mu", "investment_intensity_wan_per_mu_min", None),
    "green_ratio_pct": ("pct", "green_ratio_pct_min", "green_ratio_pct_max"),
    "admin_ratio_pct": ("pct", "admin_ratio_pct_min", "admin_ratio_pct_max"),
}

#: Score components, in order (rules ``screening.score_weights``; words ``val.screen_component.*``,
#: meanings ``screen.meaning.*``).
_COMPONENTS: tuple[str, ...] = ("area_fit", "utilities", "extension_cost", "earthworks", "contiguity")

def _written(canon: str) -> str:
    """The first Chinese spelling of a project field (from :data:`_KEYS`), for messages
    telling a clerk how to write it."""
    return next(n for n in _KEYS[canon] if not n.isascii())


def _unit_word(kind: str) -> str:
    """The Chinese spelling of a canonical unit (``亩``, ``平方米``, ``万元``: factor 1 in
    :data:`landplan.units.UNIT_FACTORS`)."""
    return next(u for u, f in UNIT_FACTORS[kind].items() if f == 1.0 and not u.isascii())


def _need_word(need: str) -> str:
    """The first Chinese spelling of a need (from :data:`_UTILITY_WORDS`)."""
    return next(w for w, ts in _UTILITY_WORDS.items() if ts == (need,) and not w.isascii())


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
            known = ", ".join(f"{t} {_need_word(t)}" for t in UTILITIES)
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
                raise _fail(source, key, f"unit {shown(unit)} is not an area unit "
                            f"({', '.join(_unit_word(k) for k in ('mu', 'm2'))} …)")
            if written is None and not (isinstance(value, str) and re.search(r"[^\d.\s,]", value)):
                area, mu, m2 = _written("area"), _unit_word("mu"), _unit_word("m2")
                raise _fail(source, key, f"write the unit of the land need: {area}({mu}), {area}({m2}), "
                            f"area_mu or area_m2 (or a value such as 30{mu})")
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
        raise _fail(source, f"{_written('industry_code')} industry_code",
                    "the project's industry code is required")
    code = _industry(got["industry_code"][1], source, got["industry_code"][0])
    area = num("area_mu")
    if "area_m2" in got:
        area = num("area_m2") / M2_PER_MU
    if area is not None and area <= 0:
        raise _fail(source, fields["area"], "the land need must be > 0")
    investment = num("investment_wan")
    if area is None and investment is None:
        raise _fail(source, f"{_written('area')} area",
                    f"give the land need ({_written('area')}({_unit_word('mu')}) / area_mu) or the "
                    f"total investment ({_written('investment_wan')} / investment_wan) to derive it from")
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
            and _ALIAS.get(normalize_header(str(next(iter(data))))[0]) == "name":  # project: / 项目:
        data = next(iter(data.values()))
    if not isinstance(data, dict):
        raise InputFileError(str(path), f"must be a mapping of project fields ({_written('industry_code')}: 39, …)")
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
    mu, wan = _unit_word("mu"), _unit_word("wan")
    raise InputFileError(str(path), f"sheet {name}: no project fields found (write a header row "
                         f"{_written('industry_code')} | {_written('area')}({mu}) | "
                         f"{_written('investment_wan')}({wan}) | … and one row, or two columns field | value)")


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
    for name, (_unit, _proj, column) in _ENTRY.items():
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
    """name -> {"value", "key", "basis", "park"} for every entry check switched on; ``basis``
    is ``park_value`` (the park's current value, ``park`` its :func:`park_values` entry),
    ``local`` (a fixed value of the rules) or ``local_industry`` (``screening.by_industry``)."""
    spec = _screening(rules)
    local = _industry_override(spec, project.industry_code)
    out: dict[str, dict[str, Any]] = {}
    for name, item in spec["entry_thresholds"].items():
        if name in local:
            key, value, basis = f"screening.by_industry.{local['key']}.{name}", local[name], "local_industry"
        elif item.get("check", True):
            key, value, basis = f"screening.entry_thresholds.{name}.value", item.get("value"), "local"
        else:
            continue
        if value is not None:
            out[name] = {"value": float(value), "key": key, "basis": basis, "park": {}}
            continue
        pv = park.get(name, {})
        out[name] = {"value": float(pv.get("value", float("nan"))), "key": key, "basis": "park_value",
                     "park": dict(pv)}
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
                    else f"{_written('area')} area",
                    "no land need given, and no investment-per-mu threshold is in force to derive "
                    "it from the investment (screening.entry_thresholds.investment_per_mu_wan, "
                    "compliance investment_intensity_wan_per_mu_min): give the land need")
    value, key = max(floors)
    return project.investment_wan / value, key


# --------------------------------------------------------------------------------------------
# sources and sentences (the catalogue's words; rules keys stay in their own columns)
# --------------------------------------------------------------------------------------------

def _amount(x: float | None, unit: str, lang: str) -> str:
    """A figure with its unit as a person reads it (:func:`landplan.labels.fmt`)."""
    return labels.fmt(x, unit, lang, with_unit=unit != "ratio")


def _indicator(name: str, lang: str) -> str:
    """An entry threshold's or a control indicator's name (``val.screen_indicator.*``,
    ``val.compliance_indicator.*``)."""
    return labels.value("compliance_indicator" if name in _CONTROL else "screen_indicator", name, lang)


def _with_flag(text: str, unconfirmed: bool, lang: str) -> str:
    """A source, marked when its shipped value is UNCONFIRMED (as the analyses' reasons mark it)."""
    return text + (labels.t("reason.mark.unconfirmed", lang) if unconfirmed else "")


def _entry_source(threshold: Mapping[str, Any], lang: str) -> str:
    """Where an entry threshold comes from, in ``lang``."""
    if threshold["basis"] != "park_value":
        return labels.t("screen.source.label", lang, source=labels.t("src.local_rules", lang))
    text = _with_flag(labels.t("screen.source.entry_park", lang), is_unconfirmed(threshold["key"]), lang)
    return labels.t("screen.source.label", lang, source=text)


def _basis(name: str, threshold: Mapping[str, Any], industry: str, lang: str) -> str:
    """How the entry threshold ``name`` was formed, in ``lang``."""
    basis = threshold["basis"]
    if basis == "local":
        return labels.t("screen.basis.local", lang)
    if basis == "local_industry":
        return labels.t("screen.basis.local_industry", lang, industry=labels.value("industry_code", industry, lang))
    pv = threshold["park"]
    year = pv.get("year")
    ledger = labels.t("screen.ledger.none", lang) if year is None else labels.t("screen.ledger.year", lang, year=year)
    return labels.t("screen.basis.park_value", lang, parcels=pv.get("parcels", 0),
                    figure=labels.t(f"screen.figure.{name}", lang),
                    area=labels.fmt(pv.get("area_mu", 0.0), "mu", lang), ledger=ledger)


def _check_reason(indicator: str, check_kind: str, result: str, value: float | None, op: str, threshold: float, unit: str,
                  basis: str, source: str, lang: str) -> str:
    """A check as a sentence with its basis and source: "亩均税收 13.64 万元/亩，低于下限 20.52
    万元/亩（门槛为园区现值…；来源：…）"."""
    label = _indicator(indicator, lang)
    bound = "min" if op == "≥" else "max"
    kind = labels.t(f"screen.threshold.{check_kind}_{bound}", lang)
    if result == "no_threshold":
        sentence = labels.t("screen.reason.no_threshold", lang, label=label)
    elif result == "not_stated":
        sentence = labels.t("screen.reason.not_stated", lang, label=label, kind=kind, op=op,
                            threshold=_amount(threshold, unit, lang))
    else:
        sentence = labels.t(f"screen.reason.{bound}_{result}", lang, label=label, kind=kind,
                            value=_amount(value, unit, lang), threshold=_amount(threshold, unit, lang))
    if not basis:  # a control indicator: its source says the table and the industry
        return labels.t("screen.reason.with_source", lang, sentence=sentence, source=source)
    return labels.t("screen.reason.with_basis", lang, sentence=sentence, basis=basis, source=source)


def _check_row(check: str, indicator: str, kind: str, value: float | None, op: str, threshold: float,
               unit: str, key: str, unconfirmed: bool, basis: str, why: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """One check; ``why`` holds its basis and source texts by language."""
    if not math.isfinite(threshold):
        met: Any = pd.NA
        result = "no_threshold"
    elif value is None:
        met, result = False, "not_stated"
    else:
        tol = _RTOL * max(abs(threshold), 1.0)
        met = bool(value >= threshold - tol) if op == "≥" else bool(value <= threshold + tol)
        result = "met" if met else "not_met"
    reasons = {lang: _check_reason(indicator, kind, result, value, op, threshold, unit, *why[lang], lang)
               for lang in labels.LANGS}
    return {"check": check, "indicator": indicator, "kind": kind,
            "project_value": np.nan if value is None else float(value), "op": op,
            "threshold": threshold, "unit": unit, "met": met, "result": result, "rules_key": key,
            "source": rule_source(key), "unconfirmed": bool(unconfirmed), "basis": basis,
            "reason_zh": reasons["zh"], "reason_en": reasons["en"]}


#: The columns of :func:`check_project` (canonical names, for scripts).
CHECK_COLUMNS: tuple[str, ...] = (
    "check", "indicator", "kind", "project_value", "op", "threshold", "unit", "met", "result",
    "rules_key", "source", "unconfirmed", "basis", "reason_zh", "reason_en")


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
        One row per check (:data:`CHECK_COLUMNS`): ``check`` (the indicator and, for a control
        indicator, its bound: ``floor_area_ratio_min``), ``indicator``, ``kind`` (``entry`` /
        ``control``), ``project_value``, ``op`` (≥ / ≤), ``threshold``, ``unit`` (a
        :data:`landplan.labels.UNIT_DIGITS` unit: ``wan_per_mu``, ``pct``, ``ratio``), ``met``
        (bool; NA when no threshold can be formed), ``result`` (``met`` / ``not_met`` /
        ``not_stated`` / ``no_threshold``), ``rules_key``, ``source`` (the rules file's source
        comment), ``unconfirmed``, ``basis`` (``park_value`` / ``local`` / ``local_industry``
        / ``control``) and ``reason_zh`` / ``reason_en`` (the check as a sentence with its
        basis and source, for people).
    """
    entry = _entry_thresholds(project, rules, park)
    if need_mu is None:
        need_mu, _how = _derive_need(project, entry, rules)
    code = project.industry_code
    rows = []
    for name, thr in entry.items():
        unit, figure, _col = _ENTRY[name]
        amount = getattr(project, figure)
        value = None if amount is None else amount / need_mu
        why = {lang: (_basis(name, thr, code, lang), _entry_source(thr, lang)) for lang in labels.LANGS}
        unconfirmed = is_unconfirmed(thr["key"]) and thr["basis"] == "park_value"
        rows.append(_check_row(name, name, "entry", value, "≥", thr["value"], unit, thr["key"], unconfirmed,
                               thr["basis"], why))
    thresholds = thresholds_for(code, rules)
    stated = {"floor_area_ratio": project.floor_area_ratio,
              "building_coverage_pct": project.building_coverage_pct,
              "investment_intensity_wan_per_mu": None if project.investment_wan is None
              else project.investment_wan / need_mu,
              "green_ratio_pct": project.green_ratio_pct, "admin_ratio_pct": project.admin_ratio_pct}
    for name, (unit, lo, hi) in _CONTROL.items():
        value = stated[name]
        if value is None:
            continue
        for bound, op in ((lo, "≥"), (hi, "≤")):
            t = thresholds.get(bound) if bound else None
            if t is None or t.value is None:
                continue
            zh, en = control_source(pd.DataFrame({"industry_code": [code]}), rules, bound)
            why = {"zh": ("", zh[0]), "en": ("", en[0])}
            rows.append(_check_row(f"{name}_{bound.rsplit('_', 1)[1]}", name, "control", value, op,
                                   float(t.value), unit, t.key or "", t.unconfirmed, "control", why))
    out = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
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


def _m2(x: float, lang: str) -> str:
    """An overlap in m² (:func:`landplan.labels.fmt`); one below 1 m² keeps two decimals, not "0"."""
    return labels.fmt(x, "m2", lang, digits=2 if abs(x) < 1 else None)


def _pair_text(index: pd.Index, rows: np.ndarray, texts: pd.Series, lang: str) -> pd.Series:
    """Texts of pairs (row position -> text) joined per row, in a stable order."""
    if not len(rows):
        return pd.Series("", index=index, dtype=object)
    frame = pd.DataFrame({"row": rows, "text": texts.to_numpy()}).drop_duplicates()
    joined = frame.sort_values(["row", "text"], kind="mergesort").groupby("row")["text"].agg(words.sep("clause", lang).join)
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
        for lang, rows in (("zh", rows_zh), ("en", rows_en)):
            rows.append((a, pd.Series([labels.t("screen.conflict.overlap", lang, other=p, area=_m2(x, lang))
                                       for p, x in zip(ids[b], area, strict=True)], dtype=object)))

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
            codes[code] = np.isin(np.arange(n), pi)
            rows_zh.append((pi, pd.Series([label(lines.iloc[j], "zh") for j in li], dtype=object)))
            rows_en.append((pi, pd.Series([label(lines.iloc[j], "en") for j in li], dtype=object)))

        statuses = set(spec.get("road_statuses") or [])
        if roads is not None and len(roads) and statuses:
            status = _text(roads, "status").replace("", "built")
            sel_roads = roads[status.isin(statuses).to_numpy()]

            def road_label(row, lang):
                rid = row.get("road_id") or row.get("name") or "?"
                st = row.get("status") if isinstance(row.get("status"), str) and row.get("status") else "built"
                return labels.t("screen.conflict.road", lang, status=labels.value("line_status", st, lang), road=rid)

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
        said = _text(parcels, column).str.strip().str.lower()
        truthy = said.isin(_TRUE_WORDS).to_numpy(dtype=bool) & check
        flag |= truthy
        for lang, rows in (("zh", rows_zh), ("en", rows_en)):
            text = labels.t("screen.conflict.flag", lang, column=labels.column(column, lang))
            rows.append((np.flatnonzero(truthy), pd.Series(text, index=range(int(truthy.sum())), dtype=object)))
    codes["flag"] = flag
    pos = pd.RangeIndex(n)

    def joined(parts: list[tuple[np.ndarray, pd.Series]], lang: str) -> pd.Series:
        rows = np.concatenate([r for r, _ in parts]) if parts else np.zeros(0, dtype=int)
        texts = pd.concat([t.reset_index(drop=True) for _, t in parts], ignore_index=True) if parts else pd.Series([], dtype=object)
        return _pair_text(pos, rows.astype(int), texts, lang)

    order = ("overlap", "road", "powerline", "flag")
    code_text = pd.Series("", index=pos, dtype=object)
    for code in order:
        mask = codes.get(code, np.zeros(n, dtype=bool))
        code_text = code_text + pd.Series(np.where(mask & (code_text != ""), ",", ""), index=pos) \
            + pd.Series(np.where(mask, code, ""), index=pos)
    any_conflict = (code_text != "").to_numpy()
    return pd.DataFrame({"conflict": any_conflict, "conflicts": code_text.to_numpy(),
                         "conflict_zh": joined(rows_zh, "zh").to_numpy(),
                         "conflict_en": joined(rows_en, "en").to_numpy()}, index=idx)


# --------------------------------------------------------------------------------------------
# land-use grade
# --------------------------------------------------------------------------------------------

#: Grades of the industrial-land codes of the 2023 用地用海分类 (shared/domain/land-use-codes.md §1):
#: 一类 100101, 二类 100102, 三类 100103; ``1001`` is industrial land without a grade.
LAND_GRADES: dict[str, int] = {"100101": 1, "100102": 2, "100103": 3}
_UNGRADED = "1001"


def land_grade(project: Project, rules: dict) -> tuple[int | None, str]:
    """The industrial-land grade the project's industry needs (``screening.land_grade``) and the
    rules key it comes from; None when neither its industry nor ``default`` has one."""
    spec = _screening(rules).get("land_grade") or {}
    for key, value in (spec.get("by_industry") or {}).items():
        if str(key).zfill(2) == project.industry_code:
            return (None if value is None else int(value)), f"screening.land_grade.by_industry.{key}"
    default = spec.get("default")
    return (None if default is None else int(default)), "screening.land_grade.default"


def _grade_name(grade: int, lang: str) -> str:
    """The name of an industrial-land grade: the catalogue's name of its land-use code."""
    return labels.value("land_use", next(c for c, g in LAND_GRADES.items() if g == grade), lang)


def grade_need(grade: int, lang: str = "zh") -> str:
    """What a grade needs, in words: "二类工业用地或更高等级" (grade 1 takes ungraded industrial
    land 1001 too)."""
    name = _grade_name(grade, lang)
    if grade == max(LAND_GRADES.values()):
        return labels.t("screen.grade.only", lang, grade=name)
    if grade == 1:
        return labels.t("screen.grade.or_higher_ungraded", lang, grade=name,
                        industrial=labels.value("land_use", _UNGRADED, lang))
    return labels.t("screen.grade.or_higher", lang, grade=name)


def grade_source(key: str, rules: dict, lang: str = "zh") -> str:
    """Where the land grade of rules key ``key`` comes from, in ``lang`` ("来源：GBJ 137-90 …")."""
    _key, unconfirmed, overridden = _provenance(rules, tuple(key.split(".")))
    if overridden:
        text = labels.t("src.local_rules", lang)
    elif rule_source(key).removeprefix("source:").strip().startswith("GBJ 137-90"):
        text = labels.t("screen.source.land_grade", lang)
    else:
        text = labels.t("screen.source.land_grade_judgement", lang)
    return labels.t("screen.source.label", lang, source=_with_flag(text, unconfirmed, lang))


def _land_use_words(code: str, lang: str) -> str:
    """A parcel's land use as the grade test reads it."""
    if not code:
        return labels.t("screen.grade.empty", lang)
    if code in LAND_GRADES:
        return labels.value("land_use", code, lang)
    if code == _UNGRADED:
        return labels.t("screen.grade.ungraded", lang, use=labels.value("land_use", code, lang))
    return labels.t("screen.grade.not_industrial", lang, use=labels.value("land_use", code, lang))


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
    out = []
    for lang in ("zh", "en"):
        fixed = {"industry": labels.value("industry_code", project.industry_code, lang),
                 "need": grade_need(grade, lang), "source": grade_source(key, rules, lang)}
        text = {c: labels.t("screen.grade.mismatch", lang, have=_land_use_words(c, lang), **fixed)
                for c in code[~ok].unique()}
        out.append(code.map(text).where(~ok, "").fillna("").astype(object))
    return ok, out[0], out[1]


# --------------------------------------------------------------------------------------------
# neighbours
# --------------------------------------------------------------------------------------------

def _neighbours(project: Project, parcels: pd.DataFrame, ledger: pd.DataFrame | None,
                supplyable: Iterable[str]) -> pd.DataFrame:
    """The neighbour parcels of the project, by parcel_id: ``label`` (the name that matched, or
    the parcel's holder for a parcel of a related industry) and ``industry`` (the related
    industry's 2-digit code that brought the parcel in, else "")."""
    ids = parcels["parcel_id"].astype(str)
    holder = _text(parcels, "holder").str.strip()
    pname = _text(parcels, "parcel_name").str.strip()
    out: dict[str, tuple[str, str]] = {}
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
            out.setdefault(pid, (item, ""))
    if project.related_industries:
        code = _text(parcels, "industry_code").str.extract(r"^[A-Za-z]?(\d{2})", expand=False).fillna("")
        status = _text(parcels, "status")
        sel = code.isin(project.related_industries) & ~status.isin(list(supplyable))
        for pid, c, h in zip(ids[sel], code[sel], holder[sel], strict=True):
            out.setdefault(pid, (h, c))
    return pd.DataFrame.from_dict(out, orient="index", columns=["label", "industry"], dtype=object).sort_index()


# --------------------------------------------------------------------------------------------
# ranking
# --------------------------------------------------------------------------------------------

def _relative_low(x: pd.Series) -> pd.Series:
    """1 − x / max(x) over the candidates (lower x is better); 1 when the max is 0; NaN → 0."""
    top = float(x.max()) if x.notna().any() else float("nan")
    if not math.isfinite(top):
        return pd.Series(0.0, index=x.index)
    comp = (1.0 - x / top) if top > 0 else pd.Series(1.0, index=x.index)
    return comp.where(x.notna(), 0.0).clip(0.0, 1.0)


def _coded(column: str, values: Any, lang: str) -> np.ndarray:
    """The values of a coded evaluation column (``readiness`` …) as the catalogue labels them;
    as they are when the catalogue has no kind for the column (the rules' own names)."""
    kind = labels.kind_of(column)
    return words.values(kind, values, lang) if kind else np.asarray(values, dtype=object)


def _signed(values: pd.Series, unit: str, lang: str) -> np.ndarray:
    """Numbers with their sign (``+2.3``, ``-9.1``)."""
    text = words.numbers(values, unit, lang)
    plus = (values.to_numpy(dtype=float) > 0) & ~np.isin(text, ["0", "0.0", "0.00"])
    return np.where(plus, "+" + text.astype(str), text).astype(object)


def _unused_components(project: Project, earth_known: bool, neighbours: bool,
                       weights: Mapping[str, Any]) -> dict[str, str]:
    """Components not used in the score → why (``val.screen_unused.*``)."""
    why = {"utilities": "no_needs" if not project.needs else "",
           "extension_cost": "no_network_needs" if not [t for t in project.needs if t != "leveled"] else "",
           "earthworks": "" if earth_known else "no_dem",
           "contiguity": "" if neighbours else "no_neighbours"}
    out = {k: why.get(k, "") for k in _COMPONENTS if why.get(k)}
    for k in _COMPONENTS:
        if not weights.get(k) and k not in out:
            out[k] = "zero_weight"
    return out


def _explanations(lang: str, *, rank: pd.Series, pid: pd.Series, area: pd.Series, need_mu: float,
                  diff_pct: pd.Series, readiness: pd.Series, project: Project, needs_missing: pd.Series,
                  cost: pd.Series, earth_known: bool, sel: pd.DataFrame, lev: pd.Series, neighbours: bool,
                  dist: pd.Series, label: pd.Series, industry: pd.Series, nearest: pd.Series,
                  raw: Mapping[str, pd.Series], weights: Mapping[str, float], unused: Mapping[str, str],
                  score: pd.Series) -> np.ndarray:
    """The explanation of every ranked site in ``lang``, in words and weight by weight."""
    def t(key: str, **fields: Any) -> str:
        return labels.t(key, lang, **fields)

    n = len(rank)
    if project.needs:
        lack = words.fill("screen.expl.needs_lack", lang, missing=words.value_lists("network_type", needs_missing, lang))
        utilities = np.where(needs_missing.to_numpy() == "", t("screen.expl.needs_met"), lack)
        if [x for x in project.needs if x != "leveled"]:
            utilities = words.fill("screen.expl.ext_cost", lang, utilities=utilities,
                                   cost=words.numbers(cost, "wan", lang))
    else:
        utilities = np.full(n, t("screen.expl.no_needs"), dtype=object)
    done, unknown = lev.fillna(False).to_numpy(dtype=bool), lev.isna().to_numpy()
    if earth_known:
        leveled = np.where(done, t("screen.expl.leveled"), np.where(unknown, "", t("screen.expl.not_leveled")))
        earth = words.fill("screen.expl.earth", lang, cut=words.numbers(_num(sel, "cut_m3"), "m3", lang),
                           fill=words.numbers(_num(sel, "fill_m3"), "m3", lang),
                           relief=words.numbers(_num(sel, "relief_m"), "m", lang), leveled=leveled)
    else:
        earth = np.where(done, t("screen.expl.no_dem_leveled"),
                         np.where(unknown, t("screen.expl.no_dem"), t("screen.expl.no_dem_not_leveled")))
    if neighbours:
        name = np.where(label.to_numpy() != "", label.to_numpy(),
                        words.fill("screen.expl.industry", lang, industry=words.values("industry_code", industry, lang)))
        near = np.where(dist.isna(), t("screen.expl.no_neighbour"),
                        np.where(dist.to_numpy() == 0, words.fill("screen.expl.adjacent", lang, name=name, pid=nearest),
                                 words.fill("screen.expl.distance", lang, name=name, pid=nearest,
                                            dist=words.numbers(dist, "m", lang))))
        near = words.fill("screen.expl.near", lang, text=near)
    else:
        near = np.full(n, "", dtype=object)
    terms: list[Any] = []
    for k, w in weights.items():
        terms += [" + "] if terms else []
        terms.append(words.fill("screen.expl.term", lang, name=labels.value("screen_component", k, lang),
                                weight=f"{w:g}", value=words.numbers(raw[k], "ratio", lang)))
    formula = words.fill("screen.expl.formula", lang, terms=words.concat(*terms, np.full(n, "", dtype=object)),
                         total=f"{sum(weights.values()):g}", score=words.numbers(score, "score", lang))
    skipped = [k for k, why in unused.items() if why != "zero_weight"]
    if skipped:
        items = words.sep("list", lang).join(
            t("screen.expl.not_used_item", name=labels.value("screen_component", k, lang),
              why=labels.value("screen_unused", unused[k], lang)) for k in skipped)
        formula = words.fill("screen.expl.not_used", lang, formula=formula, items=items)
    return np.asarray(words.fill("screen.expl.sentence", lang, rank=rank.astype(str).to_numpy(), pid=pid.to_numpy(),
                                 area=words.numbers(area, "mu", lang), need=labels.fmt(need_mu, "mu", lang),
                                 diff=_signed(diff_pct, "pct", lang), readiness=_coded("readiness", readiness, lang),
                                 utilities=utilities, earth=earth, near=near, formula=formula), dtype=object)


#: The columns of the ranked sites (canonical names, for scripts), in order; ``<t>`` runs over
#: the network types. :func:`tables_for` gives them to people.
SITE_COLUMNS: tuple[str, ...] = (
    "rank", "parcel_id", "area_mu", "area_m2", "need_mu", "area_diff_pct", "readiness", "missing",
    "needs_missing", "ext_cost_wan", *(f"{k}_{t}{u}" for t in NETWORK_TYPES
                                       for k, u in (("has", ""), ("ext", "_m"), ("ext", "_cost_wan"))),
    "cut_m3", "fill_m3", "relief_m", "leveled", "neighbour_distance_m", "neighbour_adjacent",
    "neighbour_nearest", "neighbour_label", "neighbour_industry", *(f"c_{k}" for k in _COMPONENTS),
    "score", "explanation_zh", "explanation_en")


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
        ``sites``: the ranked parcels (:data:`SITE_COLUMNS` and the geometry), best first,
        ties by parcel_id: rank, parcel_id, area, need, readiness, missing and needs_missing
        (network-type codes joined with ``,``), ext_<t>_m / ext_<t>_cost_wan, ext_cost_wan,
        cut_m3, fill_m3, relief_m, leveled, neighbour columns (``neighbour_label`` the name
        that matched, ``neighbour_industry`` the related industry that brought the neighbour
        in), c_<component> (0–1), score and explanation_zh / explanation_en (for people).
        ``excluded``: the supplyable parcels left out, with reason_code (``conflict`` /
        ``land_use`` / ``area``, the first that applies) and reason_zh / reason_en.
    """
    sites, excluded, _weights, _unused = _rank(table, project, rules, need_mu=need_mu, roads=roads,
                                               powerlines=powerlines, ledger=ledger)
    return sites, excluded


def _rank(table: gpd.GeoDataFrame, project: Project, rules: dict, *, need_mu: float,
          roads: gpd.GeoDataFrame | None, powerlines: gpd.GeoDataFrame | None,
          ledger: pd.DataFrame | None) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict[str, float], dict[str, str]]:
    """:func:`rank_sites`, with the weights used and the components left out (→ why)."""
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
    for lang, use in (("zh", use_zh), ("en", use_en)):
        ex[f"reason_{lang}"] = np.select(why, [
            words.fill("screen.excluded.conflict", lang, detail=conflicts.loc[ex_mask, f"conflict_{lang}"].to_numpy()),
            words.fill("screen.excluded.land_use", lang, detail=use[ex_mask].to_numpy())],
            words.fill("screen.excluded.area", lang, area=words.numbers(area[ex_mask], "mu", lang),
                       lo=labels.fmt(lo, "mu", lang), hi=labels.fmt(hi, "mu", lang))).astype(object)
    ex = ex.sort_values("parcel_id", kind="mergesort").reset_index(drop=True)

    sel = table[chosen].copy()
    idx = sel.index
    needs_net = [t for t in project.needs if t != "leveled"]
    has = {t: sel[f"has_{t}"].astype("boolean").fillna(False).astype(bool) if f"has_{t}" in sel
           else pd.Series(False, index=idx) for t in NETWORK_TYPES}
    has["leveled"] = sel["leveled"].astype("boolean").fillna(False).astype(bool) if "leveled" in sel \
        else pd.Series(False, index=idx)
    needs_missing = _join([pd.Series(np.where(~has[t], t, ""), index=idx) for t in project.needs], idx, ",")
    cost = pd.Series(0.0, index=idx)
    cost_known = pd.Series(True, index=idx)
    for t in needs_net:
        c = _num(sel, f"ext_{t}_cost_wan")
        cost = cost + c.fillna(0.0)
        cost_known &= c.notna()
    cost = cost.where(cost_known)
    earth = _num(sel, "cut_m3") + _num(sel, "fill_m3")

    # neighbours
    neigh = _neighbours(project, table, ledger, statuses)
    dist = pd.Series(np.nan, index=idx)
    nearest = pd.Series("", index=idx, dtype=object)
    label = pd.Series("", index=idx, dtype=object)
    industry = pd.Series("", index=idx, dtype=object)
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
            at = pairs["q"].to_numpy()
            dist.iloc[at] = np.where(pairs["d"].to_numpy() < _TOUCH_M, 0.0, pairs["d"].to_numpy())
            nearest.iloc[at] = pairs["pid"].to_numpy()
            label.iloc[at] = neigh["label"].reindex(pairs["pid"]).to_numpy()
            industry.iloc[at] = neigh["industry"].reindex(pairs["pid"]).to_numpy()

    # components and score
    raw: dict[str, pd.Series] = {"area_fit": (1.0 - diff[idx].abs() / tol).clip(0.0, 1.0) if tol > 0
                                 else pd.Series(1.0, index=idx)}
    if project.needs:
        raw["utilities"] = sum(has[t].astype(float) for t in project.needs) / len(project.needs)
    if needs_net:
        raw["extension_cost"] = _relative_low(cost)
    if earth.notna().any():
        raw["earthworks"] = _relative_low(earth)
    if len(neigh):
        raw["contiguity"] = _relative_low(dist)
    weights = {k: float(w) for k, w in spec["score_weights"].items() if w is not None and k in raw}
    unused = _unused_components(project, bool(earth.notna().any()), bool(len(neigh)), spec["score_weights"])
    total = sum(weights.values())
    score = pd.Series(0.0, index=idx)
    for k, w in weights.items():
        score = score + w * raw[k]
    score = (100.0 * score / total).round(2) if total > 0 else score
    sel = sel.assign(_score=score, _pid=sel["parcel_id"].astype(str))
    order = sel.sort_values(["_score", "_pid"], ascending=[False, True], kind="mergesort").index

    rank = pd.Series(0, index=idx)
    rank[order] = np.arange(1, len(order) + 1)
    pid = sel["_pid"]
    diff_pct = 100.0 * diff[idx]
    readiness = _text(sel, "readiness")
    lev = sel["leveled"].astype("boolean") if "leveled" in sel else pd.Series(pd.NA, index=idx, dtype="boolean")
    explained = {lang: _explanations(
        lang, rank=rank, pid=pid, area=area[idx], need_mu=need_mu, diff_pct=diff_pct, readiness=readiness,
        project=project, needs_missing=needs_missing, cost=cost, earth_known=bool(earth.notna().any()), sel=sel,
        lev=lev, neighbours=bool(len(neigh)), dist=dist, label=label, industry=industry, nearest=nearest, raw=raw,
        weights=weights, unused=unused, score=score) for lang in ("zh", "en")}

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
                 "neighbour_nearest": nearest, "neighbour_label": label, "neighbour_industry": industry})
    for k in _COMPONENTS:
        cols[f"c_{k}"] = raw[k].round(4) if k in raw else pd.Series(np.nan, index=idx)
    cols.update({"score": score, "explanation_zh": pd.Series(explained["zh"], index=idx, dtype=object),
                 "explanation_en": pd.Series(explained["en"], index=idx, dtype=object)})
    frame = pd.DataFrame(cols, index=idx).loc[order].reset_index(drop=True)
    geometry = sel.geometry.loc[order].reset_index(drop=True)
    sites = gpd.GeoDataFrame(frame, geometry=geometry.to_numpy(), crs=table.crs)
    return sites, ex, weights, unused


# --------------------------------------------------------------------------------------------
# the screening
# --------------------------------------------------------------------------------------------

@dataclass
class ScreeningResult:
    """The result of :func:`screen_project`.

    Its frames hold canonical column names and codes, for scripts (:data:`CHECK_COLUMNS`,
    :data:`SITE_COLUMNS`); :func:`tables_for` gives them to people, :meth:`lines` prints the
    summary, each in one language.

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
    supplyable_statuses : tuple of str
        ``screening.supplyable_statuses``.
    weights : dict
        The score weights used (component → weight); ``unused`` the components left out →
        why (``val.screen_unused.*`` codes).
    cost_unconfirmed : bool
        The extension costs of the needs use UNCONFIRMED shipped unit costs.
    rules : dict
        The rules in force (the sources of the texts).
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
    supplyable_statuses: tuple[str, ...] = ()
    weights: dict = field(default_factory=dict)
    unused: dict = field(default_factory=dict)
    cost_unconfirmed: bool = False
    rules: dict | None = field(default=None, repr=False)

    @property
    def unmet(self) -> pd.DataFrame:
        """The checks that are not met (the reasons of a refusal)."""
        return self.checks[self.checks["met"].eq(False).fillna(False).astype(bool)]

    def no_site_reason(self, lang: str = "zh") -> str:
        """Why no parcel is ranked, in ``lang`` (zh or en): no supplyable parcel, or how many
        have conflicts and how many lie outside the area range, with the closest areas."""
        lang = labels.check_lang(lang)

        def t(key: str, **fields: Any) -> str:
            return labels.t(key, lang, **fields)

        if self.supplyable == 0:
            return t("screen.nosite.no_supply", statuses=words.sep("list", lang).join(
                labels.value("parcel_status", s, lang) for s in self.supplyable_statuses))
        ex = self.excluded
        n_conf = int((ex["reason_code"] == "conflict").sum())
        n_use = int((ex["reason_code"] == "land_use").sum())
        area = ex[ex["reason_code"] == "area"]
        tol = self.area_tolerance_pct / 100.0
        parts = []
        if n_conf:
            parts.append(t("screen.nosite.conflict", n=n_conf))
        if n_use and self.land_grade:
            parts.append(t("screen.nosite.land_use", n=n_use, need=grade_need(self.land_grade, lang)))
        if len(area):
            gap = (area["area_mu"] - self.need_mu).abs()
            closest = area.assign(_gap=gap).sort_values(["_gap", "parcel_id"], kind="mergesort").head(3)
            items = words.sep("list", lang).join(t("screen.nosite.item", pid=r.parcel_id,
                                                    area=labels.fmt(r.area_mu, "mu", lang))
                                                  for r in closest.itertuples())
            parts.append(t("screen.nosite.area", n=len(area), lo=labels.fmt(self.need_mu * (1 - tol), "mu", lang),
                           hi=labels.fmt(self.need_mu * (1 + tol), "mu", lang),
                           need=labels.fmt(self.need_mu, "mu", lang),
                           tol=labels.fmt(self.area_tolerance_pct, "pct", lang))
                         + words.sep("clause", lang) + t("screen.nosite.closest", items=items))
        return t("screen.nosite.of", n=self.supplyable, parts=words.sep("clause", lang).join(parts))

    def lines(self, *, lang: str = "zh", top: int | None = None) -> list[str]:
        """The summary ``landplan screen`` prints, in ``lang``: the project, the threshold
        check (each check a sentence with its basis and source), then the ranked sites."""
        lang = labels.check_lang(lang)

        def t(key: str, **fields: Any) -> str:
            return labels.t(key, lang, **fields)

        p = self.project
        rules = self.rules if self.rules is not None else load_rules()
        title = p.name or (p.source if p.source != "options" else "")
        ledger = t("screen.ledger.none") if self.year is None else t("screen.ledger.year", year=self.year)
        industry = labels.value("industry_code", p.industry_code, lang)
        lines = [t("screen.summary.head_named" if title else "screen.summary.head", name=title,
                   industry=industry, as_of=f"{self.as_of:%Y-%m-%d}", ledger=ledger)]
        if self.need_basis == "given":
            lines.append(t("screen.summary.need_given", mu=labels.fmt(self.need_mu, "mu", lang),
                           m2=labels.fmt(self.need_mu * M2_PER_MU, "m2", lang)))
        else:
            name = "investment_per_mu_wan" if self.need_basis.startswith("screening.") \
                else "investment_intensity_wan_per_mu"
            lines.append(t("screen.summary.need_derived", mu=labels.fmt(self.need_mu, "mu", lang),
                           investment=labels.fmt(p.investment_wan, "wan", lang),
                           label=_indicator(name, lang),
                           threshold=labels.fmt(p.investment_wan / self.need_mu, "wan_per_mu", lang)))
        if self.land_grade is not None:
            lines.append(t("screen.summary.grade", need=grade_need(self.land_grade, lang),
                           source=grade_source(self.land_grade_key, rules, lang)))
        else:
            lines.append(t("screen.summary.no_grade", industry=industry))
        decision = labels.value("screen_decision", "admitted" if self.admitted else "refused", lang)
        lines.append(t("screen.summary.decision", decision=decision))
        marks = {"met": "✓", "not_met": "✗", "not_stated": "✗", "no_threshold": "–"}
        for row in self.checks.itertuples():
            lines.append(t("screen.summary.check", mark=marks[row.result], reason=getattr(row, f"reason_{lang}")))
        if not len(self.checks):
            lines.append(t("screen.summary.no_check"))
        if p.ignored:
            lines.append(t("screen.summary.ignored", fields=words.sep("list", lang).join(p.ignored)))
        n_conf, n_use, n_area = (int((self.excluded["reason_code"] == c).sum()) if len(self.excluded) else 0
                                 for c in ("conflict", "land_use", "area"))
        sites_line = t("screen.summary.sites", n=self.supplyable, conflict=n_conf, land_use=n_use, area=n_area,
                       ranked=len(self.sites))
        lines.append(sites_line if self.admitted else t("screen.summary.reference_only", line=sites_line))
        for row in self.excluded[self.excluded["reason_code"] == "conflict"].itertuples():
            lines.append(t("screen.summary.conflict", pid=row.parcel_id, reason=getattr(row, f"reason_{lang}")))
        if not len(self.sites):
            lines.append(t("screen.summary.no_site", reason=self.no_site_reason(lang)))
        shown = self.sites if top is None else self.sites.head(top)
        readiness = _coded("readiness", shown["readiness"], lang)
        networks = [x for x in p.needs if x != "leveled"]
        for row, ready in zip(shown.itertuples(), readiness, strict=True):
            lines.append(t("screen.summary.site", rank=f"{row.rank:>3}", pid=row.parcel_id,
                           score=labels.fmt(row.score, "score", lang), area=labels.fmt(row.area_mu, "mu", lang),
                           readiness=ready, cost=labels.fmt(row.ext_cost_wan if networks else None, "wan", lang),
                           cut=labels.fmt(row.cut_m3, "m3", lang), fill=labels.fmt(row.fill_m3, "m3", lang)))
            lines.append(t("screen.summary.explanation", text=getattr(row, f"explanation_{lang}")))
        if len(self.sites) and self.cost_unconfirmed:
            lines.append(t("screen.summary.cost_note"))
        return lines


#: The tables :func:`tables_for` gives, in order (their titles: ``screen.table.<name>``).
TABLES: tuple[str, ...] = ("checks", "sites", "excluded", "score")

# the columns of the ranked sites a person reads, with their unit (None: text)
_SITE_VIEW: tuple[tuple[str, str | None], ...] = (
    ("rank", None), ("parcel_id", None), ("area_mu", "mu"), ("area_diff_pct", "pct"), ("readiness", None),
    ("needs_missing", None), ("ext_cost_wan", "wan"), ("cut_m3", "m3"), ("fill_m3", "m3"),
    ("neighbour_label", None), ("neighbour_distance_m", "m"),
    *((f"c_{k}", "ratio") for k in _COMPONENTS), ("score", "score"), ("explanation", None))


def _numbers(values: pd.Series, unit: str, lang: str, formatted: bool, *, signed: bool = False) -> pd.Series:
    if formatted:
        text = _signed(values, unit, lang) if signed else words.numbers(values, unit, lang)
        return pd.Series(text, index=values.index, dtype=object)
    return pd.to_numeric(values, errors="coerce").round(labels.UNIT_DIGITS.get(unit, 2))


def tables_for(result: ScreeningResult, lang: str = "zh", *, top: int | None = None,
               formatted: bool = True) -> dict[str, pd.DataFrame]:
    """The screening's tables for people, in ``lang``: catalogue headers, coded values as
    labels, reasons as sentences with their source, numbers rounded as
    :func:`landplan.labels.fmt` rounds them.

    Parameters
    ----------
    result : ScreeningResult
    lang : {"zh", "en"}
    top : int, optional
        The best ``top`` sites only.
    formatted : bool
        Numbers as text (``1,234.57``, ``—`` when missing); False keeps them numbers rounded to
        their unit's decimals (a spreadsheet's cells).

    Returns
    -------
    dict of str to DataFrame
        :data:`TABLES` → table; its title is ``labels.t(f"screen.table.{name}", lang)``:
        ``checks`` (check, kind, project value, requirement, result, explanation), ``sites``
        (rank, parcel, area, difference from the need, readiness, needs missing, extension
        cost, cut, fill, nearest neighbour and its distance, the score's components, score,
        explanation; columns of a component not used are left out), ``excluded`` (parcel,
        area, why, explanation) and ``score`` (component, weight, meaning, used or why not).
    """
    lang = labels.check_lang(lang)
    out: dict[str, pd.DataFrame] = {}
    c = result.checks

    def heads(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
        return frame.set_axis([labels.column(n, lang, layer=layer) for n in frame.columns], axis=1)

    checks = pd.DataFrame({
        "indicator": [_indicator(name, lang) for name in c["indicator"]],
        "kind": words.values("screen_kind", c["kind"], lang),
        "project_value": [_amount(v, u, lang) for v, u in zip(c["project_value"], c["unit"], strict=True)],
        "requirement": [labels.t("screen.requirement", lang, op=o, threshold=_amount(x, u, lang))
                        for o, x, u in zip(c["op"], c["threshold"], c["unit"], strict=True)],
        "result": words.values("screen_result", c["result"], lang),
        "reason": c[f"reason_{lang}"].to_numpy(dtype=object)}, index=c.index)
    out["checks"] = heads(checks, "checks")

    s = pd.DataFrame(result.sites.drop(columns=result.sites.geometry.name))
    s = s if top is None else s.head(top)
    skip = {f"c_{k}" for k in result.unused}
    if not result.project.needs:
        skip |= {"needs_missing", "ext_cost_wan"}
    elif not [x for x in result.project.needs if x != "leveled"]:
        skip.add("ext_cost_wan")
    if "earthworks" in result.unused and result.unused["earthworks"] == "no_dem":
        skip |= {"cut_m3", "fill_m3"}
    if "contiguity" in result.unused and result.unused["contiguity"] == "no_neighbours":
        skip |= {"neighbour_label", "neighbour_distance_m"}
    sites: dict[str, Any] = {}
    for name, unit in _SITE_VIEW:
        if name in skip:
            continue
        if name == "explanation":
            sites[name] = s[f"explanation_{lang}"].astype(object)
        elif name == "readiness":
            sites[name] = _coded("readiness", s["readiness"], lang)
        elif name == "needs_missing":
            sites[name] = words.value_lists("network_type", s["needs_missing"], lang)
        elif name == "neighbour_label":
            ind = words.fill("screen.expl.industry", lang, industry=words.values("industry_code", s["neighbour_industry"], lang))
            sites[name] = np.where(s["neighbour_label"].to_numpy() != "", s["neighbour_label"].to_numpy(),
                                   np.where(s["neighbour_industry"].to_numpy() != "", ind, ""))
        elif unit is None:
            sites[name] = s[name]
        else:
            sites[name] = _numbers(s[name], unit, lang, formatted, signed=name == "area_diff_pct")
    out["sites"] = heads(pd.DataFrame(sites, index=s.index), "sites")

    e = result.excluded
    excluded = pd.DataFrame({"parcel_id": e["parcel_id"], "area_mu": _numbers(e["area_mu"], "mu", lang, formatted),
                             "reason_code": words.values("screen_excluded", e["reason_code"], lang),
                             "reason": e[f"reason_{lang}"].to_numpy(dtype=object)}, index=e.index)
    out["excluded"] = heads(excluded, "excluded")

    weights = (result.rules or load_rules())["screening"]["score_weights"]
    score = pd.DataFrame({
        "component": [labels.value("screen_component", k, lang) for k in _COMPONENTS],
        "weight": [labels.fmt(weights.get(k) or 0, "count", lang) if formatted else weights.get(k) or 0
                   for k in _COMPONENTS],
        "meaning": [labels.t(f"screen.meaning.{k}", lang) for k in _COMPONENTS],
        "used": [labels.t("screen.score.unused", lang, why=labels.value("screen_unused", result.unused[k], lang))
                 if k in result.unused else labels.t("screen.score.used", lang) for k in _COMPONENTS]})
    out["score"] = heads(score, "score")
    return out


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
    sites, excluded, weights, unused = _rank(table, project, rules, need_mu=need_mu, roads=roads,
                                             powerlines=powerlines, ledger=ledger)
    admitted = not bool(checks["met"].eq(False).fillna(False).any())
    statuses = tuple(str(s) for s in spec.get("supplyable_statuses") or [])
    supplyable = int(_text(table, "status").isin(statuses).sum())
    log.info("screen %s: %s, %d sites", project.industry_code, "admitted" if admitted else "refused",
             len(sites))
    grade, grade_key = land_grade(project, rules)
    cost_unconfirmed = any(_provenance(rules, ("coverage", "unit_cost_wan_per_m", t))[1]
                           for t in project.needs if t != "leveled")
    return ScreeningResult(project=project, need_mu=need_mu, need_basis=basis, admitted=admitted,
                           checks=checks, sites=sites, excluded=excluded, park=park, as_of=as_of,
                           year=next(iter(park.values()))["year"] if park else None,
                           supplyable=supplyable, area_tolerance_pct=float(spec["area_tolerance_pct"]),
                           land_grade=grade, land_grade_key=grade_key, supplyable_statuses=statuses,
                           weights=weights, unused=unused, cost_unconfirmed=cost_unconfirmed, rules=rules)


def _plain_bools(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its nullable booleans as True / False / empty cells (a spreadsheet's)."""
    out = frame.copy()
    for name in out.columns:
        if str(out[name].dtype) == "boolean":
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out


def write_sites(result: ScreeningResult, out: str | Path, *, top: int | None = None, lang: str = "zh") -> Path:
    """Write the ranked sites to ``out`` (.csv, .xlsx or .gpkg), atomically.

    The CSV and the GeoPackage are for scripts, whatever ``lang``: canonical column names and
    codes (:data:`SITE_COLUMNS`; the GeoPackage holds the layer ``sites`` and the table
    ``checks``, :data:`CHECK_COLUMNS`). The XLSX is for people, in ``lang`` (zh or en): one
    sheet per table of :func:`tables_for` (ranked sites, entry checks, parcels not ranked, how
    the score is made), catalogue headers, numbers rounded to their unit's decimals;
    ``lang="code"`` writes the canonical frames instead (sheets ``sites``, ``checks``,
    ``excluded``).
    """
    import pyogrio

    from .io.writers import write_csv, write_xlsx

    lang = lang if lang == "code" else labels.check_lang(lang)
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
        elif lang == "code":
            write_xlsx({name: _plain_bools(frame) for name, frame in
                        (("sites", plain), ("checks", result.checks), ("excluded", result.excluded))}, tmp, out=out)
        else:
            tables = tables_for(result, lang, top=top, formatted=False)
            order = ("sites", "checks", "excluded", "score")
            write_xlsx({labels.t(f"screen.table.{name}", lang): tables[name] for name in order}, tmp, out=out)
    return out
