"""Small pieces the pages share: labelled tables, rule figures with their source, downloads.

Every table of a page goes through one of two helpers: :func:`parcel_table` (one row per
parcel: a click on a row selects that parcel on every page and zooms the maps to it) and
:func:`table_for_people` (a table already for people, such as counts per class); both offer the
table as CSV and XLSX in the page's language (:func:`downloads`). :func:`thematic_download`
makes the 专题图 of a page's map, its theme and filters, when the planner asks for it.

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

import dataclasses
import hashlib
import html
import io
import logging
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import streamlit as st

from .. import labels
from ..labels import rulekeys
from ..rules import is_unconfirmed
from ..ruleset import RuleSet, plain
from .i18n import t

__all__ = ["cell_texts", "format_value", "labelled", "show_table", "parcel_table", "table_for_people",
           "downloads", "table_bytes", "thematic_download", "thematic_theme", "rule_value",
           "unconfirmed_mark", "rule_line", "rules_block", "get_rule", "mu", "count_rows",
           "figure_cards", "html_table", "bar_rows", "show_html", "md_lines"]


log = logging.getLogger(__name__)

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


def get_rule(rules: RuleSet, key: str):
    """The value of dotted rules ``key`` as plain data (``None`` when a part is missing)."""
    node = rules
    for part in key.split("."):
        if dataclasses.is_dataclass(node):
            node = getattr(node, part, None)
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            return None
    return plain(node)


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


#: A table's downloads are made when clicked (an XLSX of 2,000 rows takes 1.5 s); what could
#: refuse its XLSX (a control character, a text too long for a cell) is checked with the page
#: for a table of at most this many rows (9 ms at 2,000 rows, 0.15 s at 100,000), a longer
#: one's by the page (``checked``) or when clicked.
CHECK_ROWS = 20_000
#: Characters neither a sheet's name nor a file's may hold.
_NAME_UNSAFE = re.compile(r'[\[\]:*?/\\<>|"]')
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _present(frame: pd.DataFrame, columns: list[str], lang: str) -> list[str]:
    """The columns of ``frame`` a table of ``columns`` shows in ``lang`` (a reason in the
    reader's language: :func:`landplan.io.writers.person_column`), as the page shows them."""
    from ..io.writers import person_column

    return [c for c in (person_column(c, lang) for c in columns) if c in frame.columns]


def table_bytes(frame: pd.DataFrame, columns: list[str] | None, lang: str, fmt: str, *,
                sheet: str = "") -> bytes:
    """``frame[columns]`` as a person reads it in ``lang`` (catalogue headers, codes as labels:
    :func:`landplan.io.writers.people_table`), as ``csv`` (UTF-8 with BOM) or ``xlsx``
    (numbers exact, shown with their unit's decimals). ``columns=None``: ``frame`` is a table
    for people already (headers and words in ``lang``), written as it is."""
    from ..io.writers import number_format, people_table, write_csv, write_xlsx

    sheet = _NAME_UNSAFE.sub(" ", sheet).strip()[:31]  # what a sheet's name may hold
    if columns is None:
        table, units = frame, {}
    else:
        table, units = people_table(frame[_present(frame, columns, lang)], lang)
    out = io.BytesIO()
    if fmt == "csv":
        write_csv(table, out)
    else:
        formats = {h: number_format(u) for h, u in units.items()}
        write_xlsx({sheet or "1": table}, out, out=f"{sheet}.xlsx", number_formats={sheet or "1": formats})
    return out.getvalue()


def _xlsx_refusal(frame: pd.DataFrame, columns: list[str] | None, lang: str, *, name: str,
                  sheet: str) -> str | None:
    """Why the table :func:`table_bytes` makes of ``frame`` cannot be an XLSX (its fields named
    as its headers), or ``None``; read from ``frame`` itself (its codes' labels are clean)."""
    from ..errors import LandplanError
    from ..io.writers import _check_xlsx_text

    if columns is not None:
        present = _present(frame, columns, lang)
        frame = frame[present].set_axis([labels.column(c, lang) for c in present], axis=1)
    try:
        _check_xlsx_text(pd.DataFrame(frame), name, sheet)
    except LandplanError as exc:
        return str(exc)
    return None


def downloads(frame: pd.DataFrame, columns: list[str] | None, lang: str, *, key: str, sheet: str,
              checked: tuple[str | None] | None = None) -> None:
    """CSV and XLSX buttons for a table (:func:`table_bytes`, made when clicked; keys
    ``<key>_csv``, ``<key>_xlsx``; files named as the sheet, ``闲置土地与处置.csv`` …). An
    XLSX that cannot be written is said in place, without its button: found now for a table
    of at most :data:`CHECK_ROWS` rows, or given by the page (``checked``: ``(refusal or
    None,)``, as it found it)."""
    left, right = st.columns(2)
    if checked is not None:
        refusal = checked[0]
    elif len(frame) <= CHECK_ROWS:
        refusal = _xlsx_refusal(frame, columns, lang, name=f"{key}.xlsx", sheet=sheet)
    else:
        refusal = None
    for col, fmt in ((left, "csv"), (right, "xlsx")):
        if fmt == "xlsx" and refusal:
            col.error(t("data.download_refused", lang, fmt=fmt.upper(), error=refusal))
            continue
        col.download_button(t("tables.download", lang, fmt=fmt.upper()),
                            data=lambda fmt=fmt: table_bytes(frame, columns, lang, fmt, sheet=sheet),
                            file_name=f"{_NAME_UNSAFE.sub(' ', sheet).strip() or key}.{fmt}",
                            key=f"{key}_{fmt}", on_click="ignore",
                            mime="text/csv" if fmt == "csv" else _XLSX)


def _ids_key(key: str) -> str:
    return f"_table_ids_{key}"


def _rows_key(key: str) -> str:
    return f"_table_rows_{key}"


def follow_row(key: str) -> bool:
    """Select the parcel of the row picked in the parcel table ``key`` (its selection in
    ``st.session_state[key]``: positions in the frame the page gave, whatever order the reader
    sorted it in) and ask the maps to zoom to it; True when a new row was picked. The table's
    callback, and :func:`parcel_table` for a selection set otherwise (through the session
    state)."""
    from .mapview import select_parcel

    state = st.session_state
    event = state.get(key) or {}
    rows = [int(r) for r in (event.get("selection") or {}).get("rows") or []]
    if rows == state.get(_rows_key(key)):
        return False
    state[_rows_key(key)] = rows
    ids = state.get(_ids_key(key))
    if not rows or ids is None or not 0 <= rows[0] < len(ids):
        return False  # a row unpicked: the selection stays
    select_parcel(str(ids[rows[0]]), zoom=True)
    return True


def _selectable(shown: pd.DataFrame, ids: np.ndarray, *, key: str, height: int | str = "auto") -> None:
    """``shown`` as a sortable table whose rows select their parcel (``ids``, row by row)."""
    st.session_state[_ids_key(key)] = ids
    st.dataframe(shown, hide_index=True, key=key, height=height, on_select=lambda: follow_row(key),
                 selection_mode="single-row")
    if follow_row(key):  # picked without the callback (set through the session state):
        st.rerun()  # the map above shows it


def parcel_table(frame: pd.DataFrame, columns: list[str], lang: str, *, key: str, sheet: str,
                 download_key: str | None = None, checked: tuple[str | None] | None = None,
                 height: int | str = "auto") -> None:
    """A table of parcels (one row per ``parcel_id`` of ``frame``): labelled and formatted
    (:func:`labelled`), sortable; a click on a row selects that parcel for every page (the
    identify panel and 地块详情 show it) and zooms the maps to it
    (:func:`~landplan.app.mapview.select_parcel`); then its CSV and XLSX downloads
    (:func:`downloads`, keys ``<download_key or key>_csv`` …).

    The row's parcel is found by position in ``frame``'s ids, kept for the next run (when the
    click's callback runs): Streamlit gives the positions in the frame passed, not as sorted.
    """
    from .data import same_ids

    shown = labelled(frame, columns, lang)
    ids = frame["parcel_id"].astype(str).to_numpy(dtype=object)
    same_ids(shown.get(labels.column("parcel_id", lang), ids), ids, f"the table {key} and its parcel ids")
    _selectable(shown, ids, key=key, height=height)
    downloads(frame, columns, lang, key=download_key or key, sheet=sheet, checked=checked)


def table_for_people(frame: pd.DataFrame, lang: str, *, key: str, sheet: str, ids=None,
                     data: pd.DataFrame | None = None) -> None:
    """A table for people already (counts per class, a screening's table: headers and words
    in ``lang``) and its CSV and XLSX downloads (:func:`downloads`) of ``data`` (default the
    table itself; the same table with its numbers as numbers, for a spreadsheet). With
    ``ids`` (its rows' parcel ids, row by row) a click on a row selects that parcel, as in
    :func:`parcel_table`."""
    if ids is None:
        st.dataframe(frame, hide_index=True, key=key)
    else:
        ids = pd.Series(ids, dtype=object).astype(str).to_numpy(dtype=object)
        if len(ids) != len(frame):
            raise ValueError(f"the table {key}: {len(frame)} rows, {len(ids)} parcel ids")
        _selectable(frame, ids, key=key)
    downloads(frame if data is None else data, None, lang, key=key, sheet=sheet)


def thematic_theme(picked: str | None, main: str, table: pd.DataFrame) -> str:
    """The 专题图 theme (:data:`landplan.thematic.THEMES`) of the app's map theme ``picked``
    (:data:`landplan.app.map.THEMES`): the same where the 专题图 has it (a graduated theme's
    natural breaks read as its quantiles), else the page's ``main`` theme, else the status;
    only themes ``table`` can draw (:func:`landplan.thematic.themes`)."""
    from .. import thematic
    from .map import JENKS

    can = thematic.themes(table)
    for theme in (picked, (picked or "").removesuffix(JENKS), main, "status"):
        if theme in can:
            return theme
    return can[0] if can else "status"


def _thematic_filters(ctx, table: pd.DataFrame, mask: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """What the 专题图 draws for a page's ``table`` and filter ``mask``: the sidebar's filters
    a 专题图 can say (values of a column) as its ``filters`` (the map names them; the other
    parcels drawn plain around), on the whole table when they pick the same parcels as the
    page; otherwise (an area range, a text, a page's own choice) the shown rows only."""
    from .. import thematic
    from .filters import NO_VALUE, VALUE_FILTERS

    wanted = {column: list(getattr(ctx.filters, name)) for name, column in VALUE_FILTERS.items()
              if getattr(ctx.filters, name) and NO_VALUE not in getattr(ctx.filters, name)
              and column in table.columns}
    if wanted and np.array_equal(thematic.apply_filters(table, wanted, ctx.lang), mask):
        return table, wanted
    return table[mask], wanted


def thematic_download(ctx, table: pd.DataFrame, mask: np.ndarray, *, map_key: str, main: str) -> None:
    """The 专题图 of a page's map: its theme (the map's theme picker, :func:`thematic_theme`;
    a theme the 专题图 lacks said in a caption) and its filters, with an editable title, A4 or
    A3, PDF or PNG (:func:`landplan.thematic.render`, with the workspace's roads, networks and
    facilities). Drawn only when the planner asks (a button; it takes seconds), then offered
    for download while the theme, filters and choices stay the same."""
    from .. import thematic
    from ..errors import LandplanError
    from ..workspace import Workspace
    from . import map as lpmap
    from .context import readiness_levels
    from .mapview import colour_key

    lang = ctx.lang
    picked = st.session_state.get(colour_key(map_key)) or main
    theme = thematic_theme(picked, main, table)
    with st.expander(t("thematic.section", lang)):
        if theme != picked:
            st.caption(t("thematic.fallback", lang, picked=lpmap.theme_title(picked, lang),
                         theme=thematic.theme_title(theme, lang)))
        st.caption(t("thematic.caption", lang, theme=thematic.theme_title(theme, lang),
                     n=int(np.count_nonzero(mask))))
        with st.form(f"{map_key}_thematic"):
            cols = st.columns([2, 1, 1])
            title = cols[0].text_input(t("thematic.title", lang), value=thematic.theme_title(theme, lang),
                                       key=f"{map_key}_thematic_title_{theme}")
            paper = cols[1].selectbox(t("thematic.paper", lang), list(thematic.PAPERS), key=f"{map_key}_paper",
                                      format_func=lambda p: labels.value("thematic_paper", p, lang))
            fmt = cols[2].selectbox(t("thematic.format", lang), ["pdf", "png"], key=f"{map_key}_fmt",
                                    format_func=str.upper)
            make = st.form_submit_button(t("thematic.make", lang))
        digest = hashlib.sha1(np.packbits(np.asarray(mask, dtype=bool)).tobytes()).hexdigest()
        made_key = f"_thematic_{map_key}"
        wanted = (theme, digest, ctx.frame_key(table), title, paper, fmt, lang)
        if make:
            ws = Workspace(ctx.workspace)
            try:
                with st.spinner(t("thematic.make", lang)):
                    drawn, filters = _thematic_filters(ctx, table, mask)
                    layers = {name: ws.read(name) for name in ("roads", "pipelines", "powerlines", "facilities")
                              if ws.has(name)}
                    made = thematic.render(drawn, theme, fmt=fmt, lang=lang, title=title, paper=paper,
                                           filters=filters or None, as_of=ctx.as_of, workspace=ctx.workspace,
                                           readiness_levels=readiness_levels(ctx.workspace),
                                           notes=thematic.theme_notes(theme, ctx.rules(), lang), **layers)
            except Exception as exc:  # bad input in one line; what else the drawing trips on too,
                error = exc
                if not isinstance(exc, LandplanError):  # its traceback in the log
                    log.exception("drawing the thematic map %s of %s", theme, ctx.workspace)
                    error = f"{type(exc).__name__}: {exc}"
                st.session_state.pop(made_key, None)
                st.error(t("thematic.failed", lang, error=md_lines(error)))
            else:
                st.session_state[made_key] = (wanted, made.data)
        made = st.session_state.get(made_key)
        if made is not None and made[0] == wanted:
            st.download_button(t("thematic.download", lang, fmt=fmt.upper()), data=made[1],
                               file_name=f"{_NAME_UNSAFE.sub(' ', title).strip() or theme}.{fmt}",
                               key=f"{map_key}_thematic_dl", on_click="ignore",
                               mime="application/pdf" if fmt == "pdf" else "image/png")


def rule_value(rules: RuleSet, key: str, lang: str) -> str:
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


def rule_line(rules: RuleSet, key: str, lang: str) -> str:
    """A rule as Markdown: its label, its value, a visible ⚠ 未确认 where the default is
    UNCONFIRMED, then what it means and its source, with the rules key in small print."""
    label = _MARKDOWN.sub(r"\\\1", rulekeys.label(key, lang))
    value = _MARKDOWN.sub(r"\\\1", rule_value(rules, key, lang))
    help_text = _MARKDOWN.sub(r"\\\1", rulekeys.help_text(key, lang))
    return (f"**{label}** = **{value}**{unconfirmed_mark(key, lang)}  \n"
            f":small[{help_text} `{key}`]")


def rules_block(rules: RuleSet, keys: list[str], lang: str) -> None:
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
