"""Small pieces the pages share: labelled tables, rule figures with their source, downloads.

Every attribute value reaches the page through ``st.dataframe`` / ``st.table`` /
``st.metric`` (rendered as text), or through :func:`html.escape` where HTML is built; no
value of the data is ever given to ``unsafe_allow_html`` unescaped.

:func:`figure_cards` and :func:`html_table` build static HTML for a page's key figures: one
Markdown element draws them, where metrics, data grids and charts would each load and lay out
a component of their own in the browser (on the overview, that delayed the map by ~2 s).
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from ..evaluate import column_label
from ..rules import is_unconfirmed, rule_source
from .data import format_value
from .i18n import t

__all__ = ["labelled", "show_table", "rule_line", "rules_block", "get_rule", "mu", "figure_cards",
           "html_table", "show_html"]


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


_CSS = (
    "<style>.lp-cards{display:flex;flex-wrap:wrap;gap:0.75rem;margin:0.5rem 0 1rem}"
    ".lp-card{flex:1 1 9rem;padding:0.4rem 0.2rem}.lp-card span{display:block;font-size:0.875rem;"
    "opacity:0.75}.lp-card b{display:block;font-size:1.6rem;font-weight:400}"
    ".lp-cols{display:flex;flex-wrap:wrap;gap:2rem}.lp-cols>div{flex:1 1 22rem}"
    "table.lp-table{border-collapse:collapse;font-size:0.875rem;margin-bottom:0.75rem}"
    ".lp-table th,.lp-table td{padding:0.2rem 0.6rem;border-bottom:1px solid rgba(128,128,128,0.3)}"
    ".lp-table td.n{text-align:right;font-variant-numeric:tabular-nums}</style>"
)


def figure_cards(items: list[tuple[str, str, str]]) -> str:
    """Key figures as a row of cards: ``(key, label, value)`` → HTML (text escaped).

    Each card carries ``data-key`` (for tests and scripts reading the page).
    """
    cards = "".join(f'<div class="lp-card" data-key="{html.escape(key)}"><span>{html.escape(label)}</span>'
                    f"<b>{html.escape(value)}</b></div>" for key, label, value in items)
    return f'<div class="lp-cards">{cards}</div>'


def _cell(value) -> tuple[str, bool]:
    """(text, numeric) of one table value."""
    if value is None or (isinstance(value, float) and value != value):
        return "—", True
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int):
        return f"{value:,}", True
    if isinstance(value, float):
        return f"{value:,.2f}", True
    return str(value), False


def html_table(frame: pd.DataFrame, *, key: str) -> str:
    """``frame`` as a static HTML table (headers = column names; numbers right-aligned with
    thousands separators, floats to 2 decimals, missing as —; every text escaped)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for value in values:
            value = value.item() if hasattr(value, "item") else value  # numpy scalar → Python
            text, numeric = _cell(value)
            cells.append(f'<td class="n">{html.escape(text)}</td>' if numeric else f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="lp-table" data-key="{html.escape(key)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def show_html(*blocks: str) -> None:
    """One Markdown element with the page's static HTML blocks (built escaped, above)."""
    st.markdown(_CSS + "".join(blocks), unsafe_allow_html=True)
