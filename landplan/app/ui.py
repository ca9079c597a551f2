"""Small pieces the pages share: labelled tables, rule figures with their source, downloads.

Every attribute value reaches the page through ``st.dataframe`` / ``st.table`` /
``st.metric`` (rendered as text), or through :func:`html.escape` where HTML is built; no
value of the data is ever given to ``unsafe_allow_html`` unescaped.

:func:`figure_cards`, :func:`html_table` and :func:`bar_rows` build static HTML for a page's
key figures: one Markdown element draws them, where metrics, data grids and charts would each
be one more component whose code the browser loads before it shows the page. On the
overview, together with multiselect layer pickers and a select-box language switch: warm
first map 2.77 → 2.40 s (median of 30 alternating loads, headless Chromium).
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import streamlit as st

from .. import labels
from ..labels import rulekeys
from ..rules import is_unconfirmed
from .i18n import t

__all__ = ["cell_texts", "format_value", "labelled", "show_table", "rule_value",
           "unconfirmed_mark", "rule_line", "rules_block", "get_rule", "mu", "count_rows",
           "figure_cards", "html_table", "bar_rows", "show_html", "md_lines"]


#: Characters Markdown would act on in an error's text (an underscore inside a word it leaves).
_MARKDOWN = re.compile(r"([\\`*\[\]<>#|~$])")


def md_lines(text) -> str:
    r"""``text`` (an error of several lines: one problem a line) for ``st.error`` and the
    like, which render Markdown: its characters kept as they are (escaped) and each line on a
    line of its own (a single newline would join them into one paragraph).

    >>> md_lines("a.b_c: [1]" + chr(10) + "d: 'x*y'").split("  " + chr(10))
    ['a.b_c: \\[1\\]', "d: 'x\\*y'"]
    """
    return "  \n".join(_MARKDOWN.sub(r"\\\1", line) for line in str(text).splitlines())


def get_rule(rules: dict, key: str):
    """The value of dotted rules ``key`` (``None`` when a part is missing)."""
    node = rules
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def cell_texts(column: str, values, lang: str, *, layer: str | None = None) -> list[str]:
    """The values of ``column`` as a person reads them in ``lang``, exactly as every other
    face shows them (:func:`landplan.io.writers.cell_text`: a code by its label, a list of
    codes joined the reader's way, yes/no, dates, numbers by :func:`landplan.labels.fmt` in
    the column's unit, ``—`` where empty), each distinct value formatted once: numbers by
    :func:`landplan.labels.text.numbers`, the rest by ``cell_text``."""
    from ..io.writers import cell_text, column_unit
    from ..labels.text import numbers

    values = pd.Series(values).reset_index(drop=True)
    unit = column_unit(column)
    plain_numbers = (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
                     and labels.kind_of(column, layer=layer) is None)
    if plain_numbers and not (unit is None and pd.api.types.is_integer_dtype(values)):
        return list(numbers(values, unit or "", lang))
    present = values.notna().to_numpy(dtype=bool)
    values = values.astype(object)  # Timestamps, Python bools: as cell_text reads them
    words = {v: cell_text(column, v, lang, layer=layer) for v in pd.unique(values[present])}
    return [words[v] if p else "—" for v, p in zip(values, present, strict=True)]


def format_value(column: str, value, lang: str, *, layer: str | None = None) -> str:
    """One value as the app shows it (:func:`cell_texts`)."""
    return cell_texts(column, pd.Series([value], dtype=object).infer_objects(), lang, layer=layer)[0]


def labelled(frame: pd.DataFrame, columns: list[str], lang: str, *,
             layer: str | None = None) -> pd.DataFrame:
    """``frame[columns]`` (those present) for a person: catalogue headers in ``lang``, every
    value as :func:`cell_texts` writes it; a text for people in ``lang`` only
    (:func:`landplan.io.writers.person_column`: a reason's column in the reader's language)."""
    from ..io.writers import person_column

    present = [c for c in (person_column(c, lang) for c in columns) if c in frame.columns]
    return pd.DataFrame({labels.column(c, lang, layer=layer): cell_texts(c, frame[c], lang, layer=layer)
                         for c in present})


def show_table(frame: pd.DataFrame, columns: list[str], lang: str, *, key: str | None = None,
               height: int | str = "auto") -> None:
    """A labelled, formatted table (``st.dataframe``: text, sortable, no index)."""
    st.dataframe(labelled(frame, columns, lang), hide_index=True, key=key, height=height)


def rule_value(rules: dict, key: str, lang: str) -> str:
    """The value of rules ``key`` as a person reads it (:func:`landplan.labels.rulekeys.value_text`;
    numbers to at most four decimals)."""
    value = get_rule(rules, key)
    if isinstance(value, float) and not isinstance(value, bool):
        text = f"{value:,.4f}".rstrip("0").rstrip(".")
        return text
    return rulekeys.value_text(key, value, lang)


def unconfirmed_mark(key: str, lang: str) -> str:
    """`` ⚠ 未确认`` when the default of ``key`` is UNCONFIRMED, else ``""``."""
    return f" ⚠ {t('rules.unconfirmed', lang)}" if is_unconfirmed(key) else ""


def rule_line(rules: dict, key: str, lang: str) -> str:
    """A rule as Markdown: its label, its value, a visible ⚠ 未确认 where the default is
    UNCONFIRMED, then what it means and its source, with the rules key in small print."""
    label = _MARKDOWN.sub(r"\\\1", rulekeys.label(key, lang))
    value = _MARKDOWN.sub(r"\\\1", rule_value(rules, key, lang))
    help_text = _MARKDOWN.sub(r"\\\1", rulekeys.help_text(key, lang))
    return (f"**{label}** = **{value}**{unconfirmed_mark(key, lang)}  \n"
            f":small[{help_text} `{key}`]")


def rules_block(rules: dict, keys: list[str], lang: str) -> None:
    """An expander listing the rules used on the page, each with its meaning, source and mark."""
    with st.expander(t("rules.used", lang)):
        for key in keys:
            st.markdown(rule_line(rules, key, lang))


def mu(frame: pd.DataFrame, mask=None) -> float:
    """Σ ``area_mu`` of ``frame`` (rows of ``mask``)."""
    area = pd.to_numeric(frame["area_mu"], errors="coerce").fillna(0.0)
    return float(area[mask].sum() if mask is not None else area.sum())


def count_rows(view: pd.DataFrame, values, codes, header: str, label, lang: str) -> pd.DataFrame:
    """Per code of ``codes``: its label (``label(code)``) under ``header``, how many rows of
    ``view`` have it among ``values`` (one per row) and their area in mu, formatted."""
    values = pd.Series(np.asarray(values, dtype=object))
    rows = []
    for code in codes:
        hit = values.eq(code).to_numpy(dtype=bool)
        rows.append({header: label(code), t("overview.count", lang): int(hit.sum()),
                     labels.column("area_mu", lang): labels.fmt(mu(view, hit), "mu", lang)})
    return pd.DataFrame(rows)


# Divs with inline styles, CSS grid for tables, bars as boxes: an earlier measurement in
# Chromium saw a <style> element, a <table> or an <svg> in a Markdown element delay the map's
# first frame.
_CARDS = "display:flex;flex-wrap:wrap;gap:0.75rem;margin:0.5rem 0 1rem"
_CARD = "flex:1 1 9rem;padding:0.4rem 0.2rem"
_CARD_LABEL = "display:block;font-size:0.875rem;opacity:0.75"
_CARD_VALUE = "display:block;font-size:1.6rem;font-weight:400"
_GRID = "display:grid;width:max-content;max-width:100%;font-size:0.875rem;margin-bottom:0.75rem"
_CELL = "padding:0.2rem 0.6rem;border-bottom:1px solid rgba(128,128,128,0.3)"
_NUMBER = _CELL + ";text-align:right;font-variant-numeric:tabular-nums"
_HEADER = _CELL + ";font-weight:600"
#: Two columns side by side (wrapping on a narrow screen): ``COLUMNS_OPEN``, a column's HTML,
#: ``COLUMN_BREAK``, the other's, ``COLUMNS_CLOSE``.
COLUMNS_OPEN = '<div style="display:flex;flex-wrap:wrap;gap:2rem"><div style="flex:1 1 22rem">'
COLUMN_BREAK = '</div><div style="flex:1 1 22rem">'
COLUMNS_CLOSE = "</div></div>"


def figure_cards(items: list[tuple[str, str, str]]) -> str:
    """Key figures as a row of cards: ``(key, label, value)`` → HTML (text escaped).

    Each card carries ``data-key`` (for tests and scripts reading the page).
    """
    cards = "".join(f'<div style="{_CARD}" data-key="{html.escape(key)}"><span style="{_CARD_LABEL}">'
                    f'{html.escape(label)}</span><b style="{_CARD_VALUE}">{html.escape(value)}</b></div>'
                    for key, label, value in items)
    return f'<div style="{_CARDS}" data-figures="cards">{cards}</div>'


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
    """``frame`` as a static table of ``<div>`` cells (ARIA roles table/row/cell; headers =
    column names; numbers right-aligned with thousands separators, floats to 2 decimals,
    missing as —; every text escaped)."""
    row = '<div role="row" style="display:contents">{}</div>'
    head = row.format("".join(f'<div role="columnheader" style="{_HEADER}">{html.escape(str(c))}</div>'
                              for c in frame.columns))
    rows = [head]
    for values in frame.itertuples(index=False):
        cells = []
        for value in values:
            value = value.item() if hasattr(value, "item") else value  # numpy scalar → Python
            text, numeric = _cell(value)
            cells.append(f'<div role="cell" style="{_NUMBER if numeric else _CELL}">{html.escape(text)}</div>')
        rows.append(row.format("".join(cells)))
    columns = max(1, len(frame.columns))
    return (f'<div role="table" data-key="{html.escape(key)}" style="{_GRID};grid-template-columns:'
            f'repeat({columns},auto)">{"".join(rows)}</div>')


def bar_rows(labels: list[str], values: list[float], *, unit: str, title: str, key: str,
             colours: list[str] | None = None, width_px: int = 220) -> str:
    """A horizontal bar chart of ``<div>`` boxes: each bar says its value and unit."""
    numbers = [0.0 if v is None or v != v else float(v) for v in values]
    top = max(numbers + [0.0]) or 1.0
    bars = []
    for i, (label, value) in enumerate(zip(labels, numbers, strict=True)):
        colour = colours[i] if colours else "#4c78a8"
        bars.append(
            '<div style="display:flex;align-items:center;gap:0.4rem;font-size:0.8rem;line-height:1.5">'
            f'<span style="flex:0 0 6rem;text-align:right">{html.escape(str(label))}</span>'
            f'<span style="flex:0 0 auto;height:0.8rem;width:{width_px * value / top:.0f}px;background:{colour}">'
            f'</span><span>{value:,.2f} {html.escape(unit)}</span></div>')
    return (f'<div role="img" aria-label="{html.escape(title)}" data-key="{html.escape(key)}">'
            f'<div style="font-weight:600;font-size:0.875rem">{html.escape(title)}</div>{"".join(bars)}</div>')


def show_html(*blocks: str) -> None:
    """One Markdown element with the page's static HTML blocks (built escaped, above)."""
    st.markdown("".join(blocks), unsafe_allow_html=True)
