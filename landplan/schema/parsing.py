"""Value parsing: recognising source headers and turning raw values into canonical ones.

:func:`normalize_header` and :func:`match_column` recognise a source column (a unit in
brackets honoured); :func:`coerce_column` converts a column's raw values to its canonical dtype
(Chinese enum names and their synonyms, ``2021年3月1日`` and Excel dates, ``是/否`` booleans,
land-use names and GB 50137-2011 codes, ``10kV``), with one message per bad value. The
spellings recognised on import (:data:`_ENUM_SYNONYMS`, :data:`LAND_USE_CODES`) live here.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..units import UNIT_FACTORS, unit_factor
from .specs import ENUMS, LAYERS, Column, LayerSpec, canonical_dtype

# --------------------------------------------------------------------------------------------
# Enumerations: spellings recognised on import, besides the codes and their Chinese words
# --------------------------------------------------------------------------------------------

_ENUM_SYNONYMS: dict[str, dict[str, str]] = {
    "parcel_status": {
        "规划": "planned", "规划用地": "planned", "未征收": "planned",
        "征收中": "acquiring", "征地中": "acquiring", "征地拆迁": "acquiring", "拆迁中": "acquiring",
        "已批未供": "approved", "已批": "approved", "已获批": "approved", "已报批": "approved",
        "储备": "reserve", "未供": "reserve", "储备/未供": "reserve", "未出让": "reserve",
        "已供未建": "supplied", "已出让": "supplied", "已供": "supplied", "已供地": "supplied",
        "在建": "under_construction", "建设中": "under_construction", "已动工": "under_construction",
        "竣工": "completed", "已竣工": "completed",
        "投产": "in_production", "已投产": "in_production", "生产": "in_production",
        "停工": "halted", "停产": "halted", "停工/停产": "halted", "停建": "halted",
    },
    "idle_cause": {
        "企业原因": "enterprise", "企业": "enterprise",
        "政府原因": "government", "政府": "government",
        "不可抗力": "force_majeure",
    },
    "line_status": {
        "已建": "built", "建成": "built", "现状": "built", "已建成": "built",
        "在建": "under_construction", "规划": "planned", "拟建": "planned",
    },
    "road_grade": {
        "快速路": "expressway", "主干路": "arterial", "主干道": "arterial",
        "次干路": "secondary", "次干道": "secondary", "支路": "branch",
    },
    "pipe_kind": {
        "给水": "water", "供水": "water", "污水": "sewer", "雨水": "storm",
        "燃气": "gas", "天然气": "gas", "热力": "heat", "供热": "heat",
        "通信": "telecom", "电信": "telecom", "通讯": "telecom",
        "再生水": "reclaimed", "中水": "reclaimed",
    },
    "laying": {"架空": "overhead", "电缆": "cable", "地埋": "cable", "埋地": "cable"},
    "facility_kind": {
        "变电站": "substation", "水厂": "water_plant", "自来水厂": "water_plant",
        "污水处理厂": "sewage_plant", "污水厂": "sewage_plant",
        "燃气门站": "gas_station", "门站": "gas_station", "热源厂": "heat_source",
        "热源": "heat_source",
    },
}

# Land-use names and GB 50137-2011 codes mapped to 用地用海分类 (2023) codes
# (source: shared/domain/land-use-codes.md §1-2). Other codes are kept as written.
LAND_USE_CODES: dict[str, str] = {
    "工业用地": "1001", "一类工业用地": "100101", "二类工业用地": "100102", "三类工业用地": "100103",
    "采矿用地": "1002", "盐田": "1003",
    "物流仓储用地": "1101", "一类物流仓储用地": "110101", "二类物流仓储用地": "110102",
    "三类物流仓储用地": "110103", "储备库用地": "1102",
    "m": "1001", "m1": "100101", "m2": "100102", "m3": "100103",
    "w": "1101", "w1": "110101", "w2": "110102", "w3": "110103", "h5": "1002",
}


def _norm_text(value: str) -> str:
    """NFKC (full-width → half-width), trimmed, lower-case, inner spaces removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).lower()


def _enum_lookup(enum: str) -> dict[str, str]:
    table = {_norm_text(code): code for code in ENUMS[enum]}
    for code, (zh, _en) in ENUMS[enum].items():
        table[_norm_text(zh)] = code
    for spelling, code in _ENUM_SYNONYMS.get(enum, {}).items():
        table[_norm_text(spelling)] = code
    return table


_ENUM_TABLES = {name: _enum_lookup(name) for name in ENUMS}

# --------------------------------------------------------------------------------------------
# Header recognition
# --------------------------------------------------------------------------------------------

# "税收（万元）"; also "税收（万元" as Shapefile writers leave it after cutting the name at 10 bytes
_BRACKET_UNIT = re.compile(r"^(?P<name>.+?)[\(\[（【](?P<unit>[^\)\]）】]*)[\)\]）】]?$")
# "用地面积_亩_": the same header after GDAL laundered the brackets (FileGDB, PostGIS)
_LAUNDERED_UNIT = re.compile(r"^(?P<name>.+?)_(?P<unit>[^_]+)_?$")


def normalize_header(header: str) -> tuple[str, str | None]:
    """Split a header into its normalised name and the unit written in brackets, if any.

    >>> normalize_header("税收（万元）")
    ('税收', '万元')
    >>> normalize_header(" Parcel_ID ")
    ('parcel_id', None)
    """
    text = unicodedata.normalize("NFKC", str(header)).strip()
    unit = None
    m = _BRACKET_UNIT.match(text)
    if m:
        text, unit = m.group("name"), m.group("unit").strip()
    return _norm_text(text), unit


def _alias_table(spec: LayerSpec) -> dict[str, str]:
    table: dict[str, str] = {}
    for col in spec.columns:  # canonical names first: they win over any alias
        table[_norm_text(col.name)] = col.name
    for col in spec.columns:
        for alias in (col.shp_name, *col.aliases):
            table.setdefault(_norm_text(alias), col.name)
    return table


_ALIASES = {name: _alias_table(spec) for name, spec in LAYERS.items()}


def match_column(layer: str, header: str) -> tuple[str | None, float, str | None]:
    """Recognise a source header for ``layer``.

    Returns
    -------
    (column, factor, unit) : tuple
        ``column`` is the canonical name or ``None`` when unrecognised; ``factor`` converts
        the values to the canonical unit (1.0 when no unit is written); ``unit`` is the unit
        written in the header. A unit the column cannot take raises :class:`SchemaError`.
    """
    name, unit = normalize_header(header)
    column = _ALIASES[layer].get(name)
    if column is None:
        column = _ALIASES[layer].get(_norm_text(header))
        if column is not None:  # a bracket that is part of a name, not a unit
            return column, 1.0, None
        m = _LAUNDERED_UNIT.match(unicodedata.normalize("NFKC", str(header)).strip())
        if m is None:
            return None, 1.0, None
        column = _ALIASES[layer].get(_norm_text(m.group("name")))
        col = LAYERS[layer].by_name.get(column) if column else None
        if col is None or col.unit is None or unit_factor(col.unit, m.group("unit")) is None:
            return None, 1.0, None
        unit = m.group("unit")
    col = LAYERS[layer].by_name[column]
    if unit is None:
        if col.unit_required and name not in (_norm_text(col.name), _norm_text(col.shp_name)):
            return None, 1.0, None  # its unit is asked for (unit_wanted), never assumed
        return column, 1.0, None
    if unit == "" and col.unit is not None:
        return None, 1.0, None  # "用地面积(": the unit was cut off; m² or mu cannot be told
    if col.unit is None:
        raise SchemaError(f"header {header!r}: column {column} takes no unit, but {unit!r} is written")
    factor = unit_factor(col.unit, unit)
    if factor is None:
        known = ", ".join(UNIT_FACTORS[col.unit])
        raise SchemaError(f"header {header!r}: unit {unit!r} is not one of {known}")
    return column, factor, unit


def unit_wanted(layer: str, header: str) -> str | None:
    """The column ``header`` names when it writes no unit for a column that needs one
    (:attr:`~landplan.schema.specs.Column.unit_required`), else ``None``.

    >>> unit_wanted("parcels", "区片综合地价"), unit_wanted("parcels", "区片综合地价(元/亩)")
    ('acquisition_wan_per_mu', None)
    """
    name, unit = normalize_header(header)
    column = _ALIASES[layer].get(name) if unit is None else None
    col = LAYERS[layer].by_name.get(column) if column else None
    return column if col is not None and col.unit_required and match_column(layer, header)[0] is None else None


# --------------------------------------------------------------------------------------------
# Value coercion
# --------------------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = _dt.date(1899, 12, 30)
_TRUE = {"是", "y", "yes", "true", "t", "1", "有", "√", "1.0"}
_FALSE = {"否", "n", "no", "false", "f", "0", "无", "×", "0.0"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$")


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in {"", "-", "—", "/", "nan", "NaN", "null", "NULL"}


def _parse_float(value, col: Column) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = _norm_text(value).replace(",", "")
    factor = 1.0
    if col.unit and not _NUMBER.match(text):
        for written, f in sorted(UNIT_FACTORS[col.unit].items(), key=lambda kv: -len(kv[0])):
            if text.endswith(written) and _NUMBER.match(text[: -len(written)]):
                text, factor = text[: -len(written)], f
                break
    if not _NUMBER.match(text):
        raise ValueError(f"{value!r} is not a number")
    return float(text) * factor


def _parse_date(value) -> pd.Timestamp:
    if isinstance(value, pd.Timestamp):
        return value.normalize()
    if isinstance(value, (_dt.datetime, _dt.date, np.datetime64)):
        return pd.Timestamp(value).normalize()
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 19000101 <= number <= 21001231:
            value = str(int(number))
        elif number.is_integer() and 1 <= number < 80000:  # an Excel serial day number
            return pd.Timestamp(_EXCEL_EPOCH + _dt.timedelta(days=int(number)))
        else:
            raise ValueError(f"{value!r} is not a date")
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if re.fullmatch(r"\d{4,5}(\.0+)?", text) and not re.fullmatch(r"\d{8}", text):
        number = int(float(text))
        if 1 <= number < 80000:
            return pd.Timestamp(_EXCEL_EPOCH + _dt.timedelta(days=number))
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups()[:3])
            try:
                return pd.Timestamp(_dt.date(y, mo, d))
            except ValueError:
                raise ValueError(f"{value!r} is not a valid date ({y}-{mo:02d}-{d:02d} does not exist)") from None
    raise ValueError(
        f"{value!r} is not a date (write 2021-03-01, 2021/3/1, 2021年3月1日 or 20210301)"
    )


def _parse_str(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))  # codes read as numbers from spreadsheets: 44120000105.0
    if isinstance(value, (_dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _parse_land_use(value) -> str:
    text = _parse_str(value)
    return LAND_USE_CODES.get(_norm_text(text), text)


def _parse_industry(value) -> str:
    text = _parse_str(value)
    m = re.fullmatch(r"[A-Ta-t](\d{2,4})", text)
    return m.group(1) if m else text


def _parse_value(value, col: Column):
    if col.kind == "str":
        if col.name == "land_use":
            return _parse_land_use(value)
        if col.name == "industry_code":
            return _parse_industry(value)
        return _parse_str(value)
    if col.kind == "float":
        number = _parse_float(value, col)
        if not np.isfinite(number):
            raise ValueError(f"{value!r} is not a finite number")
        if col.nonneg and number < 0:
            raise ValueError(f"negative value {number:g} (must be ≥ 0)")
        return number
    if col.kind == "int":
        number = _parse_float(value, col)
        if not float(number).is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        if col.nonneg and number < 0:
            raise ValueError(f"negative value {number:g} (must be ≥ 0)")
        return int(number)
    if col.kind == "bool":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        text = _norm_text(value)
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"{value!r} is not yes/no (write 是/否, Y/N or 1/0)")
    if col.kind == "date":
        return _parse_date(value)
    if col.kind == "enum":
        code = _ENUM_TABLES[col.enum].get(_norm_text(value))
        if code is None:
            choices = ", ".join(f"{k} {zh}" for k, (zh, _) in ENUMS[col.enum].items())
            raise ValueError(f"unknown value {value!r} (expected one of: {choices})")
        return code
    raise AssertionError(col.kind)  # pragma: no cover - kinds are fixed above


def _arrow_numbers(values: pd.Series) -> np.ndarray | None:
    """float64 of an arrow-backed text column when arrow's own parser reads every value (empty
    text → NaN; 10× pandas' ``to_numeric``); None when a value needs the slower readers."""
    if not isinstance(values.array, pd.arrays.ArrowStringArray):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(values.array)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
    try:
        return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def coerce_column(values: pd.Series, col: Column, *, factor: float = 1.0,
                  _fast: bool = True) -> tuple[pd.Series, dict]:
    """Convert raw values to the canonical dtype of ``col``.

    Parameters
    ----------
    values : Series
        Raw values as read (text, numbers, dates, None).
    col : Column
        The canonical column.
    factor : float
        Unit conversion from the header's unit (numeric columns only).

    Returns
    -------
    (series, errors)
        The converted Series (same index, canonical dtype; a bad value becomes empty) and a
        dict ``{index label: message}`` for every value that could not be converted.
    """
    dtype = canonical_dtype(col)
    errors: dict = {}
    if col.kind in {"float", "int"} and values.dtype.kind in "iuf":  # numbers already: vectorised
        numbers = values.astype("float64") * factor
        problems = pd.Series("", index=values.index, dtype=object)
        problems[~np.isfinite(numbers) & numbers.notna()] = "not a finite number"
        if col.nonneg:
            negative = numbers.lt(0).to_numpy()
            problems[negative] = [f"negative value {v:g} (must be ≥ 0)" for v in numbers[negative]]
        if col.kind == "int":
            fractional = (numbers.notna() & (numbers % 1 != 0)).to_numpy()
            problems[fractional] = [f"{v!r} is not a whole number" for v in numbers[fractional]]
        bad = problems.ne("").to_numpy()
        errors = dict(zip(values.index[bad], problems[bad], strict=True))
        numbers[bad] = np.nan
        return (numbers if col.kind == "float" else numbers.astype(dtype)), errors
    if col.kind == "date" and values.dtype.kind == "M":
        return values.dt.normalize().astype(dtype), errors
    if col.kind in {"float", "int"} and _fast and len(values) > 1000:
        # plain decimal text (a stored table, a big CSV): pandas' parser first, the values it
        # cannot read (units, thousands separators, words) by the rules below, each once
        numbers = _arrow_numbers(values)
        if numbers is None:
            try:
                numbers = pd.to_numeric(values, errors="coerce")
            except (TypeError, ValueError):  # mixed objects: go through Python objects
                numbers = pd.to_numeric(pd.Series(values.to_numpy(dtype=object), index=values.index),
                                        errors="coerce")
        numbers = pd.Series(np.asarray(numbers, dtype="float64"), index=values.index)
        rest = ~np.isfinite(numbers.to_numpy()) & ~values.isna().to_numpy()  # 'inf' too: its own message
        if col.kind == "int":
            rest |= np.isfinite(numbers.to_numpy()) & (numbers.to_numpy() % 1 != 0)  # messages quote the text
        plain, errors = coerce_column(numbers.where(~rest), col, factor=factor)
        if rest.any():
            parsed, more = coerce_column(values[rest], col, factor=factor, _fast=False)
            plain = plain.astype("float64")
            plain[rest] = parsed.astype("float64").to_numpy()
            errors.update(more)
            plain = plain if col.kind == "float" else plain.astype(dtype)
        return plain, errors
    # Anything else: parse every distinct value once, then spread the results.
    codes, uniques = pd.factorize(pd.Series(values.to_numpy(dtype=object), dtype=object))
    parsed: list = []
    failed: dict[int, str] = {}
    for k, value in enumerate(uniques):
        if _is_missing(value):
            parsed.append(None)
            continue
        try:
            result = _parse_value(value, col)
            parsed.append(result * factor if col.kind == "float" and factor != 1.0 else result)
        except (ValueError, TypeError, OverflowError) as exc:
            failed[k] = str(exc)
            parsed.append(None)
    for k, message in failed.items():
        for idx in values.index[codes == k]:
            errors[idx] = message
    lookup = np.empty(len(parsed) + 1, dtype=object)
    lookup[: len(parsed)] = parsed
    lookup[-1] = None  # code -1: missing
    out = lookup[codes]
    if col.kind == "float":
        series = pd.Series(np.where(pd.isna(out), np.nan, out).astype("float64"), index=values.index)
    elif col.kind == "date":
        series = pd.Series(pd.to_datetime(pd.Series(out, dtype=object)).to_numpy(), index=values.index)
        series = series.astype(dtype)
    else:
        series = pd.Series(out, index=values.index, dtype=object).astype(dtype)
    return series, errors


