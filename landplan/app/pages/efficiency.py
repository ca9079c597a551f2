"""亩均效益 / Efficiency per mu: the class map, the ranking table, distributions, the rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from landplan import labels
from landplan.app import context, ui
from landplan.app.i18n import t
from landplan.app.mapview import show_map

MAP_KEY = "map_efficiency"
RANKING = ["parcel_id", "holder", "industry_code", "area_mu", "tax_per_mu_wan",
           "value_added_per_mu_wan", "output_per_mu_wan", "value_added_per_tce_wan",
           "rd_intensity_pct", "productivity_wan_per_person", "efficiency_score",
           "efficiency_class", "tax_per_mu_wan_yoy_pct", "efficiency_note"]


def render() -> None:
    found = context.evaluated_page("nav.efficiency")
    if found is None:
        return
    ctx, table, mask = found
    lang = ctx.lang
    show_map(ctx, table, mask, key=MAP_KEY, default_colour="efficiency_class")
    view = table[mask]
    st.subheader(t("efficiency.ranking", lang))
    ranked = view.sort_values(["efficiency_score", "parcel_id"], ascending=[False, True],
                              na_position="last")
    ui.show_table(ranked, RANKING, lang, key="efficiency_table")
    left, right = st.columns(2)
    with left:
        st.subheader(t("efficiency.distribution", lang))
        tax = pd.to_numeric(view["tax_per_mu_wan"], errors="coerce").dropna()
        if len(tax):
            counts, edges = np.histogram(tax, bins=min(12, max(len(tax) // 3, 1)))
            bins = pd.DataFrame({t("efficiency.bin", lang): [f"{labels.fmt(a, 'wan_per_mu', lang)}–"
                                                           f"{labels.fmt(b, 'wan_per_mu', lang)}" for a, b in
                                                           zip(edges[:-1], edges[1:], strict=True)],
                                 t("overview.count", lang): counts})
            # in the bins' own order: sorted, their labels read 0.2–43.6, 130.3–173.6, 43.6–…
            st.bar_chart(bins, x=t("efficiency.bin", lang), y=t("overview.count", lang), sort=False)
        else:
            st.info(t("efficiency.no_data", lang))
    with right:
        st.subheader(t("efficiency.by_class", lang))
        classes = ui.count_rows(view, view["efficiency_class"], "ABCD", t("filters.class", lang),
                                lambda c: t("map.class", lang, c=c), lang)
        tax = pd.to_numeric(view["tax_wan"], errors="coerce")
        per_mu = []
        for c in "ABCD":
            hit = (view["efficiency_class"] == c).to_numpy()
            area = ui.mu(view, hit)
            per_mu.append(float(tax[hit].sum()) / area if hit.any() and area else np.nan)
        classes[t("efficiency.tax_per_mu", lang)] = ui.cell_texts("tax_per_mu_wan", per_mu, lang)
        st.dataframe(classes, hide_index=True)
    rules = ctx.rules()
    if rules:
        keys = [f"efficiency.indicators.{name}.weight" for name in rules["efficiency"]["indicators"]]
        method = rules["efficiency"]["classes"]["method"]
        keys.append("efficiency.classes.method")
        sub = "cutoffs" if method == "score" else "shares"
        keys += [f"efficiency.classes.{sub}.{c}" for c in rules["efficiency"]["classes"][sub]]
        ui.rules_block(rules, keys, lang)


if __name__ == "__main__":
    render()
