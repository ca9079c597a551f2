"""全生命周期 / Lifecycle: stages, the five gaps (五未), 标准地 履约 checks, a parcel's history."""

from __future__ import annotations

import streamlit as st

from landplan import labels
from landplan.app import context, ui
from landplan.app.i18n import t
from landplan.app.mapview import SELECTED_KEY, select_parcel, show_map
from landplan.app.panels import history_panel
from landplan.lifecycle import GAPS, STAGES

MAP_KEY = "map_lifecycle"
HISTORY_PICK = "lifecycle_history_pick"
GAP_LIST = ["parcel_id", "holder", "area_mu", "lifecycle_stage", "lifecycle_gap",
            "lifecycle_gap_reason", "lifecycle_gap_years"]
CONTRACT = ["parcel_id", "holder", "area_mu", "contract_check", "contract_completion_check",
            "contract_production_check", "contract_unmet", "contract_reason", "contract_damages_wan",
            "transfer_barred_until", "contract_remedy"]
CHECKS = ["contract_check", "contract_completion_check", "contract_production_check"]


def render() -> None:
    found = context.evaluated_page("nav.lifecycle")
    if found is None:
        return
    ctx, table, mask = found
    lang = ctx.lang
    selected = show_map(ctx, table, mask, key=MAP_KEY, default_colour="lifecycle_gap")
    ui.thematic_download(ctx, table, mask, map_key=MAP_KEY, main="lifecycle_gap")
    view = table[mask]
    left, right = st.columns(2)
    stage = view["lifecycle_stage"].astype("string").fillna("")
    with left:
        st.subheader(t("lifecycle.stages", lang))
        stages = ui.count_rows(view, stage, STAGES, t("filters.status", lang),
                               lambda c: labels.value("parcel_status", c, lang), lang)
        ui.table_for_people(stages, lang, key="lifecycle_stages", sheet=t("lifecycle.stages", lang))
    gap = view["lifecycle_gap"].astype("string").fillna("")
    with right:
        st.subheader(t("lifecycle.gaps", lang))
        gaps = ui.count_rows(view, gap, list(GAPS), t("lifecycle.gap", lang),
                             lambda c: labels.value("lifecycle_gap", c, lang), lang)
        ui.table_for_people(gaps, lang, key="lifecycle_gap_counts", sheet=t("lifecycle.gaps", lang))
    st.subheader(t("lifecycle.gap_list", lang))
    ui.parcel_table(view[gap.ne("").to_numpy()], GAP_LIST, lang, key="lifecycle_gaps",
                    sheet=t("lifecycle.gap_list", lang))
    st.subheader(t("lifecycle.contract", lang))
    check = view["contract_check"].astype("string").fillna("")
    counts = {k: int((check == k).sum()) for k in ("met", "not_met", "not_due", "no_data")}
    st.caption(" · ".join(f"{labels.value('contract_check', k, lang)}: {v}" for k, v in counts.items()))
    checked = view[check.ne("").to_numpy()].copy()
    for column in (c for c in CHECKS if c in checked.columns):  # the stages read as the check
        checked[column] = [labels.value("contract_check", c, lang)
                           for c in checked[column].astype("string").fillna("")]
    ui.parcel_table(checked, CONTRACT, lang, key="lifecycle_contract", sheet=t("lifecycle.contract", lang))
    rules = ctx.rules()
    if rules is not None:
        ui.rules_block(rules, ["lifecycle.fully_developed_share", "lifecycle.damages.method",
                               "lifecycle.damages.combine", "lifecycle.no_transfer_years",
                               "lifecycle.no_transfer_from"], lang)
    st.subheader(t("history.title", lang))
    ids = sorted(view["parcel_id"].astype(str))
    pick = st.selectbox(t("select.label", lang), ids, key=HISTORY_PICK, index=ids.index(selected)
                        if selected in ids else None, placeholder=t("select.placeholder", lang))
    if pick and pick != st.session_state.get(SELECTED_KEY):
        select_parcel(pick, zoom=True)
    if pick:
        row = table[table["parcel_id"].astype(str) == pick].iloc[0]
        history_panel(ctx, pick, row)


if __name__ == "__main__":
    render()
