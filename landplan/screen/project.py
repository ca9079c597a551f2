"""The proposed project of a screening (拟引进项目): what it is and how it is read.

:func:`make_project` turns a mapping (command-line options, a form, a row) into a checked
:class:`Project`: industry code (GB/T 4754-2017, ``C39`` or ``39``), land need with its unit,
investment, tax and output in 万元, the utilities it needs and its neighbours; bad values raise
a :class:`~landplan.errors.LandplanError` naming the field. :func:`read_project` reads the same
from a YAML, CSV or XLSX file whose headers a clerk writes in Chinese or English.

The spellings a clerk may write (:data:`_KEYS`, :data:`_UTILITY_WORDS`) live here, next to the
only code that reads them; every word shown to people comes from the catalogue.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..coverage import READINESS_NEEDS
from ..errors import InputFileError, LandplanError, shown
from ..rules import load_ruleset
from ..ruleset import RuleSet, as_ruleset
from ..schema import normalize_header
from ..units import M2_PER_MU, UNIT_FACTORS, unit_factor

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
    "land_price_wan_per_mu": ("land_price_wan_per_mu", "出让单价", "拟出让单价", "土地出让单价"),
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
              "floor_area_ratio": None, "area_mu": "mu", "area_m2": "m2", "land_price_wan_per_mu": "wan_per_mu"}

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
    land_price_wan_per_mu : float or None
        The land price offered for the project (出让单价, 万元/亩); None: the payback of a site
        counts the park's floor price (:mod:`landplan.screen.payback`).
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
    land_price_wan_per_mu: float | None = None
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


def _needs(value: Any, rules: RuleSet, source: str | None, field_name: str) -> tuple[str, ...]:
    levels = {unicodedata.normalize("NFKC", str(lvl.name)).lower(): lvl.needs
              for lvl in rules.coverage.readiness}
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
                 rules: RuleSet | Mapping | None = None) -> Project:
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
    rules : RuleSet or dict (a dict is deprecated), optional
        Rules in force (readiness level names); default :func:`landplan.rules.load_ruleset`.

    Raises
    ------
    InputFileError, LandplanError
        One message naming the file and the field: unknown industry code or utility, a
        negative or unparsable number, an area without unit, a field given twice, no
        industry code, neither land need nor investment.
    """
    rules = as_ruleset(rules) if rules is not None else load_ruleset()
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
        land_price_wan_per_mu=num("land_price_wan_per_mu"),
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
    from ..io.yamltext import load_yaml_file

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


def read_project(path: str | Path, *, sheet: str | None = None, rules: RuleSet | Mapping | None = None,
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
    rules : RuleSet or dict (a dict is deprecated), optional
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


