"""场地平整 / Site levelling: relief, cut and fill per parcel from the DEM (or site_leveled)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from landplan import labels
from landplan.app import context, ui
from landplan.app.i18n import t
from landplan.app.mapview import show_map

MAP_KEY = "map_terrain"
TERRAIN = ["parcel_id", "holder", "area_mu", "elev_mean_m", "relief_m", "slope_mean_deg",
           "design_elev_m", "design_basis", "cut_m3", "fill_m3", "leveled", "leveled_source"]


def render() -> None:
    found = context.evaluated_page("nav.terrain")
    if found is None:
        return
    ctx, table, mask = found
    lang = ctx.lang
    if not ctx.park.has_dem:
        st.info(t("terrain.no_dem", lang))
    show_map(ctx, table, mask, key=MAP_KEY,
             default_colour="cut_m3" if "cut_m3" in table.columns else "status")
    ui.thematic_download(ctx, table, mask, map_key=MAP_KEY, main="cut_m3")
    view = table[mask]
    leveled = view["leveled"].fillna(False).astype(bool).to_numpy() if "leveled" in view else None
    cols = st.columns(3)
    cut = pd.to_numeric(view.get("cut_m3"), errors="coerce")
    fill = pd.to_numeric(view.get("fill_m3"), errors="coerce")
    cols[0].metric(t("terrain.cut", lang),
                   labels.fmt(float(cut.sum()) if cut is not None else 0, "m3", lang, with_unit=True))
    cols[1].metric(t("terrain.fill", lang),
                   labels.fmt(float(fill.sum()) if fill is not None else 0, "m3", lang, with_unit=True))
    cols[2].metric(t("terrain.leveled", lang),
                   labels.fmt(ui.mu(view, leveled) if leveled is not None else 0, "mu", lang, with_unit=True))
    st.subheader(t("terrain.table", lang))
    order = view.sort_values("relief_m", ascending=False) if "relief_m" in view else view
    ui.parcel_table(order, TERRAIN, lang, key="terrain_table", sheet=t("terrain.table", lang))
    rules = ctx.rules()
    if rules:
        ui.rules_block(rules, ["terrain.max_relief_m", "terrain.design_level", "terrain.swell_factor"],
                       lang)


if __name__ == "__main__":
    render()
