"""Small pieces the pages share: labelled tables, rule figures with their source, downloads.

Every attribute value reaches the page through ``st.dataframe`` / ``st.table`` /
``st.metric`` (rendered as text), or through :func:`html.escape` where HTML is built; no
value of the data is ever given to ``unsafe_allow_html`` unescaped.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from ..evaluate import column_label
from ..rules import is_unconfirmed, rule_source
from .data import format_value
from .i18n import t

__all__ = ["labelled", "show_table", "rule_line", "rules_block", "get_rule", "mu"]


def get_rule(rules: dict, key: str):
    """The value of dotted rules ``key`` (``None`` when a part is missing)."""
    node = rules
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def labelled(frame: pd.DataFrame, columns: list[str], lang: str) -> pd.DataFrame:
    """``frame[columns]`` (those present) with every value formatted and headers in ``lang``."""
    present = [c for c in columns if c in frame.columns]
    out = pd.DataFrame({column_label(c, lang): [format_value(c, v, lang) for v in frame[c]]
                        for c in present})
    return out


def show_table(frame: pd.DataFrame, columns: list[str], lang: str, *, key: str | None = None,
               height: int | str = "auto") -> None:
    """A labelled, formatted table (``st.dataframe``: text, sortable, no index)."""
    st.dataframe(labelled(frame, columns, lang), hide_index=True, key=key, height=height)


def rule_line(rules: dict, key: str, lang: str, *, unit: str = "") -> str:
    """``key = value unit · source`` with a visible ⚠ UNCONFIRMED mark when the default is."""
    value = get_rule(rules, key)
    shown = "null" if value is None else str(value)
    mark = f" ⚠ {t('rules.unconfirmed', lang)}" if is_unconfirmed(key) else ""
    source = rule_source(key) or t("rules.no_source", lang)
    return f"`{key}` = **{html.escape(shown)}**{(' ' + unit) if unit else ''}{mark} · {html.escape(source)}"


def rules_block(rules: dict, keys: list[tuple[str, str]], lang: str) -> None:
    """An expander listing rule figures used on the page, each with source and mark."""
    with st.expander(t("rules.used", lang)):
        for key, unit in keys:
            st.markdown(rule_line(rules, key, lang, unit=unit))


def mu(frame: pd.DataFrame, mask=None) -> float:
    """Σ ``area_mu`` of ``frame`` (rows of ``mask``)."""
    area = pd.to_numeric(frame["area_mu"], errors="coerce").fillna(0.0)
    return float(area[mask].sum() if mask is not None else area.sum())
