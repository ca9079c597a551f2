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
    """Join text Series element-wise, skipping empty parts."""
    out = pd.Series("", index=index, dtype=object)
    for part in parts:
        part = part.astype(object).where(part.notna(), "").astype(str)
        glue = pd.Series(np.where((out != "") & (part != ""), sep, ""), index=index)
        out = out + glue + part
    return out

