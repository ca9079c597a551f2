"""Reading columns of an evaluation table that may lack them (one helper for every analysis)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["num", "text", "join"]


def num(table: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` as float64, NaN where missing, unreadable or absent."""
    if name not in table.columns:
        return pd.Series(np.nan, index=table.index, dtype=float)
    return pd.to_numeric(table[name], errors="coerce").astype(float)


def text(table: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` as text, ``""`` where missing or absent."""
    if name not in table.columns:
        return pd.Series("", index=table.index, dtype=object)
    col = table[name]
    return col.astype(object).where(col.notna(), "").astype(str)


def join(parts: Iterable[pd.Series], index: pd.Index, sep: str = "; ") -> pd.Series:
    """Join text Series element-wise, skipping empty parts (only the rows that have text are
    touched: reasons are usually rare)."""
    out = np.full(len(index), "", dtype=object)
    for part in parts:
        values = np.asarray(part.to_numpy(dtype=object), dtype=object)
        has = ~pd.isna(values)
        has[has] = values[has] != ""
        if not has.any():
            continue
        add = values[has].astype(str).astype(object)
        before = out[has]
        out[has] = np.where(before != "", before + sep + add, add)
    return pd.Series(out, index=index, dtype=object)
