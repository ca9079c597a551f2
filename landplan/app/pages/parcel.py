"""地块详情 / Parcel: one parcel, picked on the map or found by id or holder — its attributes,
every evaluation figure with its rule and source, its enterprises, history and report; each
table downloads as CSV and XLSX, and the map as a 专题图.

The search box is a text box: on Enter its text is looked up in an index of the shown
evaluation's ids and holders (:class:`~landplan.app.filters.SearchIndex`, built once per
evaluation), and at most :data:`SEARCH_LIMIT` parcels are offered; a search that finds one
parcel, or an id itself, selects it. The box and its list are a fragment: a search reruns
them alone, not the map. (A select box of every parcel sent 100,000 options to the browser,
which filtered them on each keystroke: 204 s for the first one.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from landplan import labels
from landplan.app import context, ui
from landplan.app.data import attribute_table, same_ids
from landplan.app.filters import SearchIndex
from landplan.app.i18n import t
from landplan.app.mapview import (
    SELECTED_KEY,
    select_parcel,
    selected_parcel,
    show_map,
    sync_selection,
)
from landplan.app.panels import history_panel, report_download
from landplan.app.ui import format_value, unconfirmed_mark
from landplan.columns import OUTPUT_NAMES, PERSON_TEXT, text_column
from landplan.labels import rulekeys
from landplan.schema import PARCELS

MAP_KEY = "parcel_map"
#: Session-state key of the search box's text.
QUERY_KEY = "parcel_query"
#: Session-state key of the list of the parcels found (the shown parcels when they are few).
PICK_KEY = "parcel_pick"
#: At most this many parcels are offered for a search.
SEARCH_LIMIT = 50
_SEARCHED_KEY = "_parcel_searched"
#: Endings of the evaluation's columns that hold rules keys (``low_efficiency_rules``,
#: ``power_zone_key``): their value reads as the rules' names, the keys stand in the figures'
#: rules-key column.
RULE_KEY_ENDINGS = ("_rules", "_key")


def _on_pick() -> None:
    select_parcel(st.session_state.get(PICK_KEY), zoom=True)


@st.cache_resource(show_spinner=False, max_entries=4)
def search_index(key: tuple, _table: pd.DataFrame) -> SearchIndex:
    """The :class:`SearchIndex` of an evaluation's ids and holders, cached on ``key`` (the
    evaluation's own cache key)."""
    return SearchIndex(_table["parcel_id"], _table.get("holder"))


def _search(ctx, table: pd.DataFrame, mask) -> tuple[list[str], bool, str]:
    """The ids of the shown parcels the search box's text finds (``(ids, more, text)``); the
    shown parcels themselves when there is no text and they are few. A new text that finds
    one parcel, or an id itself, selects it."""
    text = str(st.session_state.get(QUERY_KEY) or "").strip()
    ids = table["parcel_id"].astype(str).to_numpy(dtype=object)
    if not text:
        st.session_state[_SEARCHED_KEY] = ""
        shown = np.flatnonzero(mask)
        return (sorted(ids[shown]), False, "") if len(shown) <= SEARCH_LIMIT else ([], False, "")
    key = ctx.frame_key(table)
    index = search_index(key, table) if key is not None else SearchIndex(
        table["parcel_id"], table.get("holder"))
    rows, more = index.find(text, among=mask, limit=SEARCH_LIMIT)
    found = [str(ids[r]) for r in rows]
    if text != st.session_state.get(_SEARCHED_KEY):  # a new search
        st.session_state[_SEARCHED_KEY] = text
        if len(found) == 1 or (found and found[0].casefold() == text.casefold()):
            select_parcel(found[0], zoom=True)
    return found, more, text


@st.fragment
def _search_box(ctx, table: pd.DataFrame, mask, drawn_with: str | None) -> None:
    """The search box, what it found and the list to pick from; a fragment: a search reruns
    it alone (not the map, not the rest of the page), and a parcel it selects (one found, an
    id in full, a pick in the list) reruns the whole page, drawn with ``drawn_with`` selected
    until then."""
    lang = ctx.lang
    join = ctx.joined(table)
    found, more, text = _search(ctx, table, mask)
    st.text_input(t("select.label", lang), key=QUERY_KEY, placeholder=t("select.search", lang))
    if text:
        st.caption(t("select.more", lang, n=SEARCH_LIMIT) if more else
                   t("select.found", lang, n=len(found)) if found else
                   t("select.no_match", lang, q=text))

    def holder_of(pid: str) -> str:
        at = join.row_of(pid)
        value = table["holder"].iloc[at] if at is not None and "holder" in table else None
        return f"{pid} · {value}" if isinstance(value, str) and value.strip() else pid

    selected = selected_parcel()
    st.session_state[PICK_KEY] = selected
    st.selectbox(t("select.matches", lang),
                 found if selected is None or selected in found else [*found, selected],
                 index=None, key=PICK_KEY, on_change=_on_pick,
                 placeholder=t("select.placeholder", lang), format_func=holder_of)
    if selected != drawn_with:  # the map and the details show the new one
        st.rerun()


def figures(row: pd.Series, lang: str) -> pd.DataFrame:
    """Every evaluation figure of one parcel with its rules key, what the rule means and its
    source, and a ⚠ 未确认 mark where the rule's default is UNCONFIRMED. A text for people
    shows in the reader's language only (:func:`landplan.columns.text_column`)."""
    other = {text_column(text, "zh" if lang == "en" else "en") for text in PERSON_TEXT}
    columns = [c for c in OUTPUT_NAMES if c in row.index and c not in PARCELS.by_name
               and c not in other]
    keys = [labels.entry(f"col.{c}").rule if labels.has(f"col.{c}") else "" for c in columns]
    values = [format_value(c, row[c], lang) for c in columns]
    for i, c in enumerate(columns):  # a column of rules keys: their names, the keys beside them
        if c.endswith(RULE_KEY_ENDINGS):
            keys[i] = row[c] if isinstance(row[c], str) else ""
    single = [k if k and ";" not in k else "" for k in keys]  # one key: its source and mark
    return pd.DataFrame({
        t("details.field", lang): [labels.column(c, lang) for c in columns],
        t("details.value", lang): values,
        t("details.source", lang): [rulekeys.help_text(k, lang) if k else "" for k in single],
        t("details.unconfirmed", lang): [unconfirmed_mark(k, lang).strip() if k else "" for k in single],
        t("details.rule", lang): keys,
    })


def enterprises(ledger: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The ledger's rows of a parcel for a person: catalogue headers (the ledger's own
    columns), values as the app shows them, the latest year first."""
    rows = ledger.sort_values(["year", "enterprise_id"], ascending=[False, True])
    return ui.labelled(rows, [c for c in rows.columns if c != "parcel_id"], lang, layer="ledger")


def render() -> None:
    found = context.evaluated_page("nav.parcel")
    if found is None:
        return
    ctx, table, mask = found
    lang = ctx.lang
    park = ctx.park
    join = ctx.joined(table)
    sync_selection(MAP_KEY, join.ids)  # a map click since the last run: the list shows it
    _search_box(ctx, table, mask, selected_parcel())
    show_map(ctx, table, mask, key=MAP_KEY)
    ui.thematic_download(ctx, table, mask, map_key=MAP_KEY, main="status")
    key = ctx.frame_key(table)
    if key is not None:  # the index made now, after the map: the first search answers at once
        search_index(key, table)
    selected = st.session_state.get(SELECTED_KEY)
    at = join.row_of(selected)
    if at is None:
        st.caption(t("select.none", lang))
        return
    row = table.iloc[at]
    same_ids([row["parcel_id"]], [selected], "the parcel's row and the selected parcel")
    st.subheader(t("details.title", lang) + f" · {selected}")
    tabs = st.tabs([t("details.attributes", lang), t("details.figures", lang),
                    t("details.enterprises", lang), t("history.title", lang),
                    t("report.title", lang)])
    with tabs[0]:
        # its attributes as the shown frame has them (on the evaluation's date)
        attributes = attribute_table(row[[c for c in park.parcels.columns if c in row.index]], lang)
        st.table(attributes, hide_index=True)
        ui.downloads(attributes, None, lang, key="parcel_attributes", sheet=t("details.attributes", lang))
    with tabs[1]:
        ui.table_for_people(figures(row, lang), lang, key="parcel_figures",
                            sheet=t("details.figures", lang))
    with tabs[2]:
        ledger = park.ledger
        rows = ledger[ledger["parcel_id"].astype(str) == selected] if len(ledger) else ledger
        if len(rows):
            ui.table_for_people(enterprises(rows, lang), lang, key="parcel_enterprises",
                                sheet=t("details.enterprises", lang))
        else:
            st.caption(t("details.no_enterprises", lang))
    with tabs[3]:
        history_panel(ctx, selected, row)
    with tabs[4]:
        report_download(ctx, selected)


if __name__ == "__main__":
    render()
