"""Sentences and lists for people, for many rows at once, from the catalogue's templates.

An analysis writes a reason for thousands (up to millions) of parcels: :func:`fill` takes a
catalogue template (``reason.*``, ``{field}`` placeholders) and fills it from columns with
one pyarrow concatenation per template piece, never a Python loop per row. Numbers and
dates are formatted once per distinct value (:func:`numbers`, :func:`dates`) with
:func:`landplan.labels.fmt`, so a sentence shows a figure exactly as every table does.

Columns holding code lists (``missing = "sewer,heat"``, ``contract_unmet``,
``compliance_failed``) keep their codes for scripts; :func:`value_list` and
:func:`value_lists` render them for a person.

>>> value_list("network_type", "sewer,heat", "zh"), value_list("network_type", "sewer,heat", "en")
('污水、热力', 'sewer, heat')
>>> fill("reason.lifecycle.started_on", "en", day="2024-05-01")
'started on 2024-05-01'
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from functools import cache
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import UNIT_DIGITS, column, entry, fmt, t, value

__all__ = ["Lang", "fill", "pair", "concat", "clauses", "numbers", "dates", "values", "value_list",
           "value_lists", "sep", "cases", "pair_cases", "rule_mark", "plain", "plains", "headers", "LIST_KINDS"]

#: Columns of the evaluation holding comma-separated codes → the coded kind of each item.
LIST_KINDS: dict[str, str] = {
    "missing": "network_type",
    "contract_unmet": "contract_condition",
    "compliance_failed": "compliance_indicator",
    "revitalization_path": "revitalization_path",
    "efficiency_missing": "efficiency_indicator",
    "efficiency_imputed": "efficiency_indicator",
}

_SPLIT = re.compile(r"\s*[,;]\s*")


class Lang(NamedTuple):
    """A field whose words differ by language (:func:`pair` picks the reader's)."""

    zh: Any
    en: Any

    def of(self, lang: str) -> Any:
        return self.en if lang == "en" else self.zh


def sep(kind: str, lang: str) -> str:
    """A separator in ``lang``: ``clause`` (``；`` / ``; ``), ``list`` (``、`` / ``, ``),
    ``comma`` (``，`` / ``, ``)."""
    return t(f"text.sep.{kind}", lang)


@cache
def _pieces(key: str, lang: str) -> tuple[tuple[str, bool], ...]:
    """The template of ``key`` in ``lang`` as ``(text, is_field)`` pieces."""
    out: list[tuple[str, bool]] = []
    for literal, name, spec, conv in string.Formatter().parse(entry(key).text(lang)):
        if literal:
            out.append((literal, False))
        if name is not None:
            if spec or conv:
                raise ValueError(f"catalogue {key}: a field is {{name}} only, not {{{name}!{conv}:{spec}}}")
            out.append((name, True))
    return tuple(out)


def _is_column(part: Any) -> bool:
    return not isinstance(part, str) and isinstance(part, (np.ndarray, pd.Series, pd.Index, list, tuple,
                                                           pa.Array, pa.ChunkedArray))


def _arrow(part: Any) -> pa.Array | pa.Scalar:
    if isinstance(part, (pa.Array, pa.ChunkedArray)):
        return part.cast(pa.string()).fill_null("")
    if _is_column(part):
        values = np.asarray(part, dtype=object)
        return pa.array(values, type=pa.string(), from_pandas=True).fill_null("")
    return pa.scalar("" if part is None else str(part), type=pa.string())


def concat(*parts: Any) -> np.ndarray | str:
    """Element-wise concatenation of text columns and scalars (pyarrow, vectorised); a plain
    ``str`` when every part is a scalar. ``None`` and missing values read ``""``."""
    if not any(_is_column(p) for p in parts):
        return "".join("" if p is None else str(p) for p in parts)
    arrays = [_arrow(p) for p in parts]
    joined = pc.binary_join_element_wise(*arrays, "")
    return np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)


def fill(key: str, lang: str, /, **fields: Any) -> np.ndarray | str:
    """The template ``key`` in ``lang`` filled from ``fields``: each a ``str`` (the same for
    every row), a column of texts (one per row, all of one length) or a :class:`Lang`.

    A plain ``str`` when every field is a scalar (as :func:`landplan.labels.t`). A field the
    template names but ``fields`` lacks is a bug (:class:`KeyError`).
    """
    parts = []
    for text, is_field in _pieces(key, lang):
        if not is_field:
            parts.append(text)
            continue
        if text not in fields:
            raise KeyError(f"catalogue {key}: no value for the field {{{text}}}")
        v = fields[text]
        parts.append(v.of(lang) if isinstance(v, Lang) else v)
    return concat(*parts)


def pair(key: str, /, **fields: Any) -> tuple[Any, Any]:
    """``(zh, en)``: the template ``key`` filled in both languages (see :func:`fill`)."""
    return fill(key, "zh", **fields), fill(key, "en", **fields)


def _take(v: Any, rows: np.ndarray, lang: str) -> Any:
    v = v.of(lang) if isinstance(v, Lang) else v
    return np.asarray(v, dtype=object)[rows] if _is_column(v) else v


def cases(n: int, lang: str, /, *branches: tuple[Any, str, dict[str, Any]]) -> np.ndarray:
    """Per row, the template of the first branch ``(mask, key, fields)`` whose mask holds
    (``True``: every row left), filled for those rows only; ``""`` where none holds or the
    branch's key is ``None``. Column fields are the length of the rows (``n``) and taken at the
    branch's rows."""
    out = np.full(n, "", dtype=object)
    left = np.ones(n, dtype=bool)
    for mask, key, fields in branches:
        rows = left & mask
        if key is not None and rows.any():
            out[rows] = fill(key, lang, **{k: _take(v, rows, lang) for k, v in fields.items()})
        left &= ~rows
    return out


def pair_cases(n: int, /, *branches: tuple[Any, str, dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """``(zh, en)`` of :func:`cases`."""
    return cases(n, "zh", *branches), cases(n, "en", *branches)


def clauses(parts: Iterable[Any], lang: str, *, kind: str = "clause") -> np.ndarray | str:
    """Parts (columns or scalars) joined row by row with the ``kind`` separator of ``lang``,
    empty parts skipped."""
    glue = sep(kind, lang)
    parts = list(parts)
    n = next((len(p) for p in parts if _is_column(p)), None)
    if n is None:
        return glue.join(str(p) for p in parts if p)
    out = np.full(n, "", dtype=object)
    for part in parts:
        vals = np.asarray(part, dtype=object) if _is_column(part) else np.full(n, "" if part is None else part,
                                                                              dtype=object)
        has = ~pd.isna(vals)
        has[has] = vals[has] != ""
        if not has.any():
            continue
        before = out[has]
        add = vals[has].astype(str).astype(object)
        out[has] = np.where(before != "", before + glue + add, add)
    return out


def _distinct(values: Any) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(pd.Series(np.asarray(values, dtype=object)), use_na_sentinel=True)
    return np.asarray(codes), np.asarray(uniques, dtype=object)


def _spread(codes: np.ndarray, texts: list[str], empty: str) -> np.ndarray:
    table = np.asarray([*texts, empty], dtype=object)
    return table[np.where(codes < 0, len(texts), codes)]


def _formatted(values: np.ndarray, digits: int) -> list[str]:
    """Finite numbers as :func:`landplan.labels.fmt` writes them (thousands separated, ``digits``
    decimals, no ``-0.00``)."""
    spec = f",.{digits}f"
    out = [format(v, spec) for v in values.tolist()]
    for i in np.flatnonzero(values < 0):
        if not out[i].strip("-0.,"):
            out[i] = out[i][1:]
    return out


def plain(number: Any) -> str:
    """A figure of the rules as written (a weight, a zone width): a whole number without
    decimals (``25``, ``1,000``), else as many decimals as it has, up to four (``0.75``).

    >>> plain(25.0), plain(0.75), plain(1 / 3)
    ('25', '0.75', '0.3333')
    """
    x = float(number)
    if x.is_integer():
        return fmt(x, "count")
    for digits in range(1, 5):
        if round(x, digits) == x:
            break
    return fmt(x, "ratio", digits=digits)


def plains(values: Any) -> np.ndarray:
    """:func:`plain` of every value, once per distinct value (missing: ``—``)."""
    x = np.asarray(values, dtype="float64")
    codes, uniques = pd.factorize(x, use_na_sentinel=True)
    return _spread(np.asarray(codes), [plain(u) for u in uniques], "—")


def numbers(values: Any, unit: str, lang: str = "zh", *, digits: int | None = None) -> np.ndarray:
    """Numbers as a person reads them in ``unit``, exactly as :func:`landplan.labels.fmt`
    writes each (formatted once per distinct value); missing values read ``—``.

    >>> numbers([1234.567, -0.001, None], "wan").tolist()
    ['1,234.57', '0.00', '—']
    """
    x = pd.to_numeric(pd.Series(values, dtype=object) if isinstance(values, (list, tuple)) else
                      pd.Series(np.asarray(values)), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    codes, uniques = pd.factorize(x, use_na_sentinel=True)
    d = UNIT_DIGITS.get(unit, 2) if digits is None else digits
    return _spread(np.asarray(codes), _formatted(np.asarray(uniques, dtype="float64"), d), "—")


def dates(values: Any) -> np.ndarray:
    """ISO dates (``2026-06-30``) of date values; ``""`` where missing."""
    days = pd.to_datetime(pd.Series(np.asarray(values, dtype=object) if not isinstance(values, np.ndarray)
                                    or values.dtype == object else values), errors="coerce")
    if isinstance(days.dtype, pd.DatetimeTZDtype):
        days = days.dt.tz_localize(None)
    text = pa.array(days.to_numpy().astype("datetime64[D]"), from_pandas=True).cast(pa.string())
    return np.asarray(text.fill_null("").to_numpy(zero_copy_only=False), dtype=object)


def values(kind: str, codes: Any, lang: str) -> np.ndarray:
    """The label of every code of ``kind`` (:func:`landplan.labels.value`), once per distinct code."""
    idx, uniques = _distinct(codes)
    return _spread(idx, [value(kind, u, lang) for u in uniques], "")


def headers(names: Any, lang: str, *, layer: str | None = None) -> np.ndarray:
    """The column label (:func:`landplan.labels.column`) of every column name, once per distinct name."""
    idx, uniques = _distinct(names)
    return _spread(idx, [column(str(u), lang, layer=layer) for u in uniques], "")


def value_list(kind: str, codes: Any, lang: str) -> str:
    """A comma- (or semicolon-) separated code list as labels joined the reader's way.

    >>> value_list("network_type", "sewer, heat", "zh")
    '污水、热力'
    >>> value_list("network_type", "", "en")
    ''
    """
    if codes is None or (isinstance(codes, float) and np.isnan(codes)) or codes is pd.NA:
        return ""
    items = [c for c in _SPLIT.split(str(codes).strip()) if c]
    return sep("list", lang).join(value(kind, c, lang) for c in items)


def value_lists(kind: str, column: Any, lang: str) -> np.ndarray:
    """:func:`value_list` of every row, rendered once per distinct list."""
    idx, uniques = _distinct(column)
    return _spread(idx, [value_list(kind, u, lang) for u in uniques], "")


@cache
def _shipped_rules() -> dict:
    """The shipped default rules, read once (never handed out: only read here)."""
    from ..rules import load_rules

    return load_rules()


def rule_mark(value: Any, key: str) -> Lang:
    """How a reason marks the rules value it used (after its source): ``，本地规则`` /
    ``, local rule`` where ``value`` is not the shipped one, ``，默认值未确认`` / ``, default
    unconfirmed`` where the shipped value's source says UNCONFIRMED, else nothing."""
    from ..rules import is_unconfirmed

    shipped: Any = _shipped_rules()
    for part in key.split("."):
        shipped = shipped.get(part) if isinstance(shipped, dict) else None
    if value != shipped:
        return Lang(*pair("reason.mark.local"))
    return Lang(*pair("reason.mark.unconfirmed")) if is_unconfirmed(key) else Lang("", "")
