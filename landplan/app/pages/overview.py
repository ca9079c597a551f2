"""总览 / Overview: the park at a glance — the map, mu by status, idle mu, classes, readiness.

The map comes first and needs only the parcels layer (coloured by status), so it shows
before the evaluation behind the figures below it has run. Every theme is offered (地块着色,
:data:`landplan.app.map.THEMES`); one that needs the evaluation (亩均 class, idle status,
readiness, a network's has/lacks …) draws the map from it once picked. Under the figures: the
map as a 专题图, and the tables as CSV and XLSX.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import streamlit as st

from landplan import labels
from landplan.app import context, ui
from landplan.app.data import status_summary
from landplan.app.i18n import t
from landplan.app.map import NO_STATUS_COLOUR, PARCEL_COLUMNS, STATUS_COLOURS, THEMES, theme_columns
from landplan.app.mapview import colour_key, crs_label, show_map

MAP_KEY = "map_overview"


def render() -> None:
    ctx = context.current()
    lang = ctx.lang if ctx else "zh"
    st.title(t("nav.overview", lang))
    if ctx is None:
        return
    park = ctx.park
    st.caption(t("overview.caption", lang, n=len(park.parcels), mu=ui.mu(park.parcels),
                 crs=crs_label(park, lang), path=park.path))
    picked = st.session_state.get(colour_key(MAP_KEY))
    picked = picked if picked in THEMES else "status"
    first = ctx.shown(evaluated=not set(theme_columns(picked)) <= PARCEL_COLUMNS)
    if first is None:
        return
    frame, mask = first
    show_map(ctx, frame, mask, key=MAP_KEY, columns=THEMES, also_offer=THEMES)
    shown = ctx.shown(evaluated=True)
    if shown is None:
        return
    table, mask = shown
    view = table[mask]
    rules = ctx.rules()
    idle = view["idle_status"].astype(str).str.startswith("idle_").to_numpy()
    graded = view["efficiency_class"].notna().to_numpy()
    cov = rules.coverage if rules else None
    levels = [lv.name for lv in cov.readiness] if cov else []
    ready = view["readiness"].isin(levels).to_numpy()
    unit = t("unit.mu", lang)

    def mu(mask=None) -> str:
        return labels.fmt(ui.mu(view, mask), "mu", lang, with_unit=True)

    cards = ui.figure_cards([
        ("parcels", t("overview.parcels", lang), labels.fmt(len(view), "count", lang)),
        ("area", t("overview.area", lang), mu()),
        ("idle", t("overview.idle", lang), mu(idle)),
        ("graded", t("overview.graded", lang), mu(graded)),
        ("ready", t("overview.ready", lang), mu(ready)),
    ])
    summary = status_summary(view, lang)
    chart = ui.bar_rows(list(summary["label"]), list(summary["area_mu"]), unit=unit, key="mu_by_status",
                        title=t("overview.mu_by_status", lang),
                        colours=[_hex(STATUS_COLOURS.get(code, NO_STATUS_COLOUR)) for code in summary["status"]])
    summary = pd.DataFrame({t("filters.status", lang): summary["label"],
                            t("overview.count", lang): summary["count"],
                            labels.column("area_mu", lang): ui.cell_texts("area_mu", summary["area_mu"], lang)})
    tax = pd.to_numeric(view["tax_wan"], errors="coerce").fillna(0.0)
    total_tax = float(tax[graded].sum())
    by_class = ui.count_rows(view, view["efficiency_class"], "ABCD", t("filters.class", lang),
                             lambda c: t("map.class", lang, c=c), lang)
    hits = [(view["efficiency_class"] == c).to_numpy() for c in "ABCD"]
    by_class[t("overview.mu_share", lang)] = [
        labels.fmt(100 * ui.mu(view, hit) / max(ui.mu(view, graded), 1e-9), "pct", lang) for hit in hits]
    by_class[t("overview.tax_share", lang)] = [
        labels.fmt(100 * float(tax[hit].sum()) / total_tax if total_tax else np.nan, "pct", lang)
        for hit in hits]
    readiness = ui.count_rows(view, view["readiness"], [*levels, *([cov.below] if cov else [])],
                              t("filters.readiness", lang), lambda c: labels.value("readiness", c, lang), lang)
    # static HTML in one element: the map above draws first (see landplan.app.ui)
    ui.show_html(
        cards,
        ui.COLUMNS_OPEN,
        f"<h3>{html.escape(t('overview.by_status', lang))}</h3>",
        ui.html_table(summary, key="by_status"), chart,
        ui.COLUMN_BREAK,
        f"<h3>{html.escape(t('overview.by_class', lang))}</h3>",
        ui.html_table(by_class, key="by_class"),
        f"<h3>{html.escape(t('overview.by_readiness', lang))}</h3>",
        ui.html_table(readiness, key="by_readiness"),
        ui.COLUMNS_CLOSE,
    )
    ui.thematic_download(ctx, table, mask, map_key=MAP_KEY, main="status")
    with st.expander(t("tables.downloads", lang)):
        for name, frame in (("by_status", summary), ("by_class", by_class), ("by_readiness", readiness)):
            title = t(f"overview.{name}", lang)
            st.markdown(f"**{ui.md_lines(title)}**")
            ui.downloads(frame, None, lang, key=f"overview_{name}", sheet=title)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


if __name__ == "__main__":
    render()
