"""The catalogue of the words a person reads, in Chinese (default) and English.

Every code a person can see — a column name, an enum value, a status, a reason, a rules key,
a unit, a land-use or industry code — has one entry in the YAML tables beside this module,
and every face (app, reports, CLI, XLSX and CSV headers) reads it through the functions here,
so that the same code reads the same everywhere.

Keys are flat and namespaced::

    col.<column>            a column's header (``col.area_mu`` → 面积(亩))
    val.<kind>.<code>       a value of a coded column (``val.idle_status.not_idle`` → 未闲置)
    reason.<rules key>      a sentence template for a finding, with its source
    rule.<rules key>        a rules-file key: its label and help on the settings page
    unit.<unit>             a unit's name (``unit.mu`` → 亩)
    val.land_use.<code>     用地用海分类 (2023) land-use codes (``100101`` → 一类工业用地); GB
                            50137-2011 and 三调 codes under ``val.land_use_gb50137``,
                            ``val.land_use_survey3``
    val.industry_code.<nn>  GB/T 4754-2017 two-digit divisions (``34`` → 通用设备制造业); the 2002
                            manufacturing divisions of the 2008 tables under
                            ``val.industry_code_2002``; see :func:`industry`
    app.… report.… cli.…    the faces' own words

An entry is ``[中文, English]`` or a mapping with ``zh``, ``en`` and optionally ``def`` (its
definition), ``src`` (its source) and ``rule`` (the rules key it depends on). ``{name}``
fields are filled by :func:`t`.

>>> t("val.parcel_status.halted")
'停工/停产'
>>> t("val.parcel_status.halted", "en")
'halted'
>>> fmt(1234.5678, "mu")
'1,234.57'
"""

from __future__ import annotations

import locale
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "LANGS",
    "DEFAULT_LANG",
    "Entry",
    "catalogue",
    "entry",
    "has",
    "t",
    "column",
    "kind_of",
    "value",
    "NUMBERED_KINDS",
    "industry",
    "value_kinds",
    "definition",
    "fmt",
    "UNIT_DIGITS",
    "lang_of_locale",
    "check_lang",
]

#: Languages: code → its name in itself (the language switch).
LANGS: dict[str, str] = {"zh": "中文", "en": "English"}
DEFAULT_LANG = "zh"

_HERE = Path(__file__).parent


@dataclass(frozen=True)
class Entry:
    """One catalogue entry: a code's label in both languages, its definition and source."""

    key: str
    zh: str
    en: str
    definition: str = ""
    source: str = ""
    rule: str = ""
    values: str = ""
    file: str = ""

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML's safe loader refusing a key written twice in one mapping (YAML keeps the last one
    silently: a code's second entry would hide its first)."""

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise ValueError(f"line {key_node.start_mark.line + 1}: key {key} is written twice")
            seen.add(key)
        return super().construct_mapping(node, deep)


def _entries(path: Path) -> Iterable[Entry]:
    with open(path, encoding="utf-8") as f:
        try:
            data = yaml.load(f, Loader=_Loader) or {}
        except ValueError as e:
            raise ValueError(f"{path.name}: {e}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: the catalogue table must be a mapping of keys")
    for key, item in data.items():
        key = str(key)
        if isinstance(item, list) and len(item) == 2:
            zh, en, extra = item[0], item[1], {}
        elif isinstance(item, dict) and {"zh", "en"} <= item.keys():
            zh, en, extra = item["zh"], item["en"], item
            unknown = set(item) - {"zh", "en", "def", "src", "rule", "values"}
            if unknown:
                raise ValueError(f"{path.name}: {key}: unknown fields {sorted(unknown)}")
        else:
            raise ValueError(f"{path.name}: {key}: an entry is [中文, English] or a mapping with zh and en")
        yield Entry(key, "" if zh is None else str(zh), "" if en is None else str(en),
                    str(extra.get("def") or ""), str(extra.get("src") or ""),
                    str(extra.get("rule") or ""), str(extra.get("values") or ""), path.name)


@cache
def catalogue() -> Mapping[str, Entry]:
    """Every entry of the catalogue by key (the YAML tables of this package, read once)."""
    table: dict[str, Entry] = {}
    for path in sorted(_HERE.glob("*.yaml")):
        for e in _entries(path):
            if e.key in table:
                raise ValueError(f"catalogue key {e.key} is in both {table[e.key].file} and {e.file}")
            table[e.key] = e
    return table


@cache
def _kinds() -> dict[str, dict[str, Entry]]:
    out: dict[str, dict[str, Entry]] = {}
    for key, e in catalogue().items():
        if key.startswith("val."):
            kind, _, code = key[4:].partition(".")
            out.setdefault(kind, {})[code] = e
    return out


def has(key: str) -> bool:
    """Whether ``key`` is in the catalogue."""
    return key in catalogue()


def entry(key: str) -> Entry:
    """The catalogue entry ``key`` (:class:`KeyError` naming it when there is none)."""
    try:
        return catalogue()[key]
    except KeyError:
        raise KeyError(f"no catalogue entry {key!r} (landplan/labels/*.yaml)") from None


def check_lang(lang: str | None) -> str:
    """``lang`` when it is one of :data:`LANGS`, the default for ``None``; else ValueError."""
    if lang is None:
        return DEFAULT_LANG
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def t(key: str, lang: str = DEFAULT_LANG, /, **fields: Any) -> str:
    """The words of ``key`` in ``lang``, with ``{name}`` fields filled from ``fields``.

    A key missing from the catalogue is a bug of landplan, not of the input: it raises
    :class:`KeyError` (the completeness tests walk every face to find them first).
    """
    text = entry(key).text(lang)
    return text.format(**fields) if fields else text


def _column_entry(name: str, layer: str | None) -> Entry | None:
    table = catalogue()
    if layer is not None and f"col.{layer}.{name}" in table:
        return table[f"col.{layer}.{name}"]
    return table.get(f"col.{name}")


def column(name: str, lang: str = DEFAULT_LANG, *, layer: str | None = None) -> str:
    """The header of column ``name`` (of ``layer`` where the layer names it its own way,
    ``col.<layer>.<name>``); a column the catalogue does not know (a user's own, kept with
    ``keep_extra``) keeps its name, which is the user's data."""
    e = _column_entry(name, layer)
    return name if e is None else e.text(lang)


def kind_of(name: str, *, layer: str | None = None) -> str | None:
    """The coded kind of column ``name``'s values (``val.<kind>.*``), or None."""
    e = _column_entry(name, layer)
    if e is not None and e.values:
        return e.values
    return name if name in _kinds() else None


#: Kinds whose label reads with the code in front (``34 通用设备制造业``): people know them by
#: number as much as by name.
NUMBERED_KINDS: frozenset[str] = frozenset({"industry_code", "industry_code_2002"})

#: GB/T 4754 edition → the kind of its two-digit divisions in the catalogue.
_INDUSTRY_EDITIONS = {"2017": "industry_code", "2002": "industry_code_2002"}
_INDUSTRY_CODE = re.compile(r"[A-Ta-t]?(\d{2})(\d{0,2})")


def value(kind: str, code: Any, lang: str = DEFAULT_LANG) -> str:
    """The label of ``code`` of the coded column or enum ``kind``.

    Missing values read ``""``; a code the catalogue does not know (a land-use code of a local
    extension, an industry code of another standard) is data and is shown as it is. Codes of
    :data:`NUMBERED_KINDS` read with the code in front.
    """
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return ""
    try:
        import pandas as pd

        if code is pd.NA or code is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover
        pass
    if kind in NUMBERED_KINDS:
        return _numbered(kind, code, lang)
    text = str(code)
    e = _kinds().get(kind, {}).get(text)
    return text if e is None else e.text(lang)


def _numbered(kind: str, code: Any, lang: str) -> str:
    """``34 通用设备制造业``; a longer code names its division (``3911 (39 计算机…)``: the code
    first, then a space, as tables read back); a code the catalogue does not know reads as it is."""
    if isinstance(code, float) and code.is_integer():
        code = int(code)  # 34.0 from a spreadsheet
    text = str(code).strip()
    m = _INDUSTRY_CODE.fullmatch(text)
    e = _kinds().get(kind, {}).get(m.group(1)) if m else None
    if e is None:
        return text
    if not m.group(2):
        return f"{m.group(1)} {e.text(lang)}"
    return f"{text} ({m.group(1)} {e.text(lang)})"


def industry(code: Any, lang: str = DEFAULT_LANG, edition: str = "2017") -> str:
    """A GB/T 4754 industry code as people read it: the code and its two-digit division's name.

    ``edition`` is ``"2017"`` (the codes parcels carry) or ``"2002"`` (the codes of the 2008
    control indicator tables), also written ``"GB/T 4754-2017"``. GB/T 4754-2011 is not
    accepted: 2017 added 79 土地管理业 and renumbered the divisions after it, so a 2011 code
    from 79 on would read with another division's name. A code with more digits (a 中类 or
    小类) names its division after it; missing codes read ``""`` and codes the catalogue does
    not know read as they are (data).

    >>> industry("34")
    '34 通用设备制造业'
    >>> industry("35", "zh", edition="2002")
    '35 通用设备制造业'
    >>> industry("3911", "en")
    '3911 (39 Manufacture of computers, communication and other electronic equipment)'
    >>> industry("M0-local")
    'M0-local'
    """
    m = re.search(r"(\d{4})\s*$", str(edition))
    kind = _INDUSTRY_EDITIONS.get(m.group(1) if m else "")
    if kind is None:
        raise ValueError(f"edition must be GB/T 4754-{' or -'.join(_INDUSTRY_EDITIONS)}, not {edition!r}")
    return value(kind, code, lang)


def value_kinds() -> dict[str, dict[str, Entry]]:
    """The coded kinds of the catalogue: kind → code → entry (``val.<kind>.<code>``)."""
    return _kinds()


def definition(key: str, lang: str = DEFAULT_LANG) -> str:
    """The definition of ``key`` (``""`` where the catalogue gives none)."""
    e = catalogue().get(key)
    return "" if e is None else e.definition


#: Decimals shown per unit: one function formats every number a person reads.
UNIT_DIGITS: dict[str, int] = {
    "mu": 2, "wan": 2, "pct": 1, "pp": 1, "m": 1, "m2": 0, "km": 2, "m3": 0, "ratio": 2, "score": 1,
    "years": 1, "days": 0, "count": 0, "kv": 0, "kva": 0, "tce": 2, "t": 2, "kwh": 0,
    "yuan_per_m2": 0, "wan_per_mu": 2, "wan_per_m": 4, "per_mu": 2, "mm": 0, "deg": 1,
    "wan_per_person": 2, "wan_per_tce": 2, "wan_per_t": 2, "yuan_per_kwh": 2, "people": 0, "share": 2,
}


def fmt(number: Any, unit: str, lang: str = DEFAULT_LANG, *, digits: int | None = None,
        with_unit: bool = False) -> str:
    """``number`` as a person reads it in ``unit``: thousands separated, the unit's decimals
    (亩 2, 万元 2, % 1, m 1 …); missing values read ``—``.

    >>> fmt(384.32802952275523, "wan")
    '384.33'
    >>> fmt(12.345, "pct", with_unit=True)
    '12.3 %'
    >>> fmt(float("nan"), "mu")
    '—'
    """
    try:
        x = float(number)
    except (TypeError, ValueError):
        return "—" if number is None else str(number)
    if math.isnan(x):
        return "—"
    d = UNIT_DIGITS.get(unit, 2) if digits is None else digits
    text = f"{x:,.{d}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    if with_unit:
        u = t(f"unit.{unit}", lang) if has(f"unit.{unit}") else unit
        return f"{text} {u}"
    return text


def lang_of_locale() -> str:
    """The language of the user's locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``): ``"zh"`` for
    a Chinese locale, ``"en"`` for another language, the default (Chinese) for ``C``/``POSIX``
    or none; ``LANDPLAN_LANG`` overrides them."""
    forced = os.environ.get("LANDPLAN_LANG", "").strip().lower()
    if forced in LANGS:
        return forced
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        v = os.environ.get(var, "").strip()
        if v:
            return _lang_of(v)
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return _lang_of(loc)


def _lang_of(name: str) -> str:
    """``zh_CN.UTF-8`` → zh, ``en_GB`` → en; ``C``/``POSIX``/unset say nothing: the default."""
    low = name.lower()
    if low.startswith("zh"):
        return "zh"
    if not low or low.split(".")[0] in ("c", "posix"):
        return DEFAULT_LANG
    return "en"
