"""闲置土地 / Idle land: idle and low-efficiency parcels, disposal and deadlines,
revitalization candidates and the year's target progress; a row of a table selects its parcel,
every table downloads, the map downloads as a 专题图 (闲置土地分布图)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from landplan import labels
from landplan.app import context, ui
from landplan.app.i18n import t
from landplan.app.mapview import show_map
from landplan.errors import LandplanError
from landplan.revitalization import target_progress

MAP_KEY = "map_idle"
IDLE = ["parcel_id", "holder", "area_mu", "idle_status", "idle_stage", "idle_since", "idle_years",
        "idle_cause", "idle_disposal", "idle_fee_wan", "idle_reason", "next_step", "next_step_date"]
LOW = ["parcel_id", "holder", "area_mu", "efficiency_class", "tax_per_mu_wan",
       "floor_area_ratio", "low_efficiency_reason"]
CANDIDATES = ["parcel_id", "holder", "area_mu", "revitalization_priority", "revitalization_path",
              "candidate_reason", "priority_explained"]


def render() -> None:
    found = context.evaluated_page("nav.idle")
    if found is None:
        return
    ctx, table, mask = found
    lang = ctx.lang
    show_map(ctx, table, mask, key=MAP_KEY, default_colour="idle_status")
    view = table[mask]
    idle = view["idle_status"].astype(str).str.startswith("idle_").to_numpy()
    low = view["low_efficiency"].fillna(False).astype(bool).to_numpy()
    fees = pd.to_numeric(view["idle_fee_wan"], errors="coerce").fillna(0.0)
    cols = st.columns(4)
    cols[0].metric(t("overview.idle", lang), labels.fmt(ui.mu(view, idle), "mu", lang, with_unit=True))
    cols[1].metric(t("idle.count", lang), labels.fmt(int(idle.sum()), "count", lang))
    cols[2].metric(t("idle.fees", lang), labels.fmt(float(fees[idle].sum()), "wan", lang, with_unit=True))
    cols[3].metric(t("idle.low", lang), labels.fmt(ui.mu(view, low), "mu", lang, with_unit=True))
    ui.thematic_download(ctx, table, mask, map_key=MAP_KEY, main="idle_status")
    st.subheader(t("idle.idle_list", lang))
    ui.parcel_table(view[idle].sort_values(["idle_years", "parcel_id"], ascending=[False, True]),
                    IDLE, lang, key="idle_table", sheet=t("idle.idle_list", lang))
    st.subheader(t("idle.deadlines", lang))
    due = view[pd.to_datetime(view["next_step_date"], errors="coerce") >= pd.Timestamp(ctx.as_of)]
    due = due.assign(_d=pd.to_datetime(due["next_step_date"])).sort_values(["_d", "parcel_id"])
    ui.parcel_table(due.head(20), ["next_step_date", "parcel_id", "next_step", "idle_status"], lang,
                    key="idle_deadlines", sheet=t("idle.deadlines", lang))
    st.subheader(t("idle.low_list", lang))
    ui.parcel_table(view[low], LOW, lang, key="idle_low", sheet=t("idle.low_list", lang))
    st.subheader(t("idle.candidates", lang))
    cand = view[view["revitalization_priority"].notna()].sort_values(
        ["revitalization_priority", "parcel_id"], ascending=[False, True])
    ui.parcel_table(cand, CANDIDATES, lang, key="idle_candidates", sheet=t("idle.candidates", lang))
    rules = ctx.rules()
    st.subheader(t("idle.target", lang))
    start = st.date_input(t("idle.target_since", lang), value=dt.date(ctx.as_of.year, 1, 1),
                          key="idle_since_date")
    if rules is not None:
        before = ctx.table_at(start)
        if before is not None:
            try:
                progress = target_progress(before, table, rules, year=ctx.as_of.year)
            except LandplanError as exc:
                st.warning(ui.md_lines(exc))
            else:
                goal = (t("idle.no_target", lang) if progress["target_mu"] is None else
                        t("idle.target_of", lang, target=progress["target_mu"]))
                st.markdown(t("idle.progress", lang, year=progress["year"],
                              mu=progress["revitalized_mu"], n=len(progress["parcels"]),
                              since=start.isoformat(), goal=goal))
        ui.rules_block(rules, ["idle.idle_after_years", "idle.recover_after_years", "idle.fee_rate",
                               "idle.developed_share_min", "idle.invested_share_min",
                               "revitalization.target_mu_per_year"], lang)


if __name__ == "__main__":
    render()
