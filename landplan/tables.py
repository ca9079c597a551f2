"""Reading columns of an evaluation table that may lack them (one helper for every analysis)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["num", "text"]


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
