"""地块详情 / Parcel: one parcel, picked on the map or found by id or holder — its attributes,
every evaluation figure with its rule and source, its enterprises, history and report."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from landplan.app import context
from landplan.app.data import attribute_table, format_value
from landplan.app.i18n import t
from landplan.app.mapview import SELECTED_KEY, select_parcel, show_map
from landplan.app.panels import history_panel, report_download
from landplan.evaluate import OUTPUT_COLUMNS, column_label, definitions
from landplan.schema import PARCELS

MAP_KEY = "parcel_map"
#: Session-state key of the parcel search box.
PICK_KEY = "parcel_pick"


def _on_pick() -> None:
    select_parcel(st.session_state.get(PICK_KEY))


def figures(row: pd.Series, rules: dict | None, lang: str) -> pd.DataFrame:
    """Every evaluation figure of one parcel with its rules key, source and UNCONFIRMED mark."""
    columns = [c for c in row.index if c in OUTPUT_COLUMNS and c not in PARCELS.by_name]
    defs = definitions(columns, rules)
    return pd.DataFrame({
        t("details.field", lang): [column_label(c, lang) for c in columns],
        t("details.value", lang): [format_value(c, row[c], lang) for c in columns],
        t("details.rule", lang): defs["规则 rules key"].tolist(),
        t("details.source", lang): defs["来源 source"].tolist(),
        t("details.unconfirmed", lang): ["⚠ UNCONFIRMED" if v else "" for v in defs["未确认 UNCONFIRMED"]],
    })


def render() -> None:
    found = context.evaluated_page("nav.parcel")
    if found is None:
        return
    ctx, table, mask = found
    lang = ctx.lang
    park = ctx.park
    # the search box first in the script, so its callback's choice is in force for the map
    ids = sorted(table.loc[mask, "parcel_id"].astype(str))
    holders = dict(zip(table["parcel_id"].astype(str), table["holder"].astype(object).where(
        table["holder"].notna(), None), strict=False)) if "holder" in table else {}
    selected = show_map(ctx, table, mask, key=MAP_KEY)
    if selected is not None and selected not in ids:
        ids = sorted([*ids, selected])
    st.session_state[PICK_KEY] = selected
    st.selectbox(t("select.label", lang), ids, index=None, key=PICK_KEY, on_change=_on_pick,
                 placeholder=t("select.placeholder", lang),
                 format_func=lambda pid: f"{pid} · {holders[pid]}" if holders.get(pid) else pid)
    selected = st.session_state.get(SELECTED_KEY)
    if selected is None:
        st.caption(t("select.none", lang))
        return
    position = park.position()
    row = table.iloc[position[selected]]
    st.subheader(t("details.title", lang) + f" · {selected}")
    tabs = st.tabs([t("details.attributes", lang), t("details.figures", lang),
                    t("details.enterprises", lang), t("history.title", lang),
                    t("report.title", lang)])
    with tabs[0]:
        st.table(attribute_table(park.parcels.iloc[position[selected]], lang), hide_index=True)
    with tabs[1]:
        st.dataframe(figures(row, ctx.rules(), lang), hide_index=True, key="parcel_figures")
    with tabs[2]:
        ledger = park.ledger
        rows = ledger[ledger["parcel_id"].astype(str) == selected] if len(ledger) else ledger
        if len(rows):
            show = rows.sort_values(["year", "enterprise_id"], ascending=[False, True])
            st.dataframe(show.astype(str).rename(columns=lambda c: column_label(c, lang)
                                                 if c in OUTPUT_COLUMNS else c),
                         hide_index=True, key="parcel_enterprises")
        else:
            st.caption(t("details.no_enterprises", lang))
    with tabs[3]:
        history_panel(ctx, selected, row)
    with tabs[4]:
        report_download(ctx, selected)


if __name__ == "__main__":
    render()
