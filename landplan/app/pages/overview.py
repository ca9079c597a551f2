"""总览 / Overview: the park at a glance — the map, mu by status, idle mu, classes, readiness.

The map comes first and needs only the parcels layer (coloured by status), so it shows
before the evaluation behind the figures below it has run.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import streamlit as st

from landplan.app import context, ui
from landplan.app.data import status_summary
from landplan.app.i18n import t
from landplan.app.map import NO_STATUS_COLOUR, STATUS_COLOURS
from landplan.app.mapview import show_map

MAP_KEY = "map_overview"


def render() -> None:
    ctx = context.current()
    lang = ctx.lang if ctx else "zh"
    st.title(t("nav.overview", lang))
    if ctx is None:
        return
    park = ctx.park
    st.caption(t("overview.caption", lang, n=len(park.parcels), mu=ui.mu(park.parcels),
                 crs=park.crs, path=park.path))
    first = ctx.shown()
    if first is None:
        return
    frame, mask = first
    show_map(ctx, frame, mask, key=MAP_KEY, columns=("status",) if not
             ctx.filters.needs_evaluation() else context_columns())
    shown = ctx.shown(evaluated=True)
    if shown is None:
        return
    table, mask = shown
    view = table[mask]
    rules = ctx.rules()
    idle = view["idle_status"].astype(str).str.startswith("idle_").to_numpy()
    graded = view["efficiency_class"].notna().to_numpy()
    levels = [lv["name"] for lv in rules["coverage"]["readiness"]] if rules else []
    ready = view["readiness"].isin(levels).to_numpy()
    unit = t("unit.mu", lang)
    cards = ui.figure_cards([
        ("parcels", t("overview.parcels", lang), f"{len(view)}"),
        ("area", t("overview.area", lang), f"{ui.mu(view):,.2f} {unit}"),
        ("idle", t("overview.idle", lang), f"{ui.mu(view, idle):,.2f} {unit}"),
        ("graded", t("overview.graded", lang), f"{ui.mu(view, graded):,.2f} {unit}"),
        ("ready", t("overview.ready", lang), f"{ui.mu(view, ready):,.2f} {unit}"),
    ])
    summary = status_summary(view, lang)
    chart = ui.bar_rows(list(summary["label"]), list(summary["area_mu"]), unit=unit, key="mu_by_status",
                        title=t("overview.mu_by_status", lang),
                        colours=[_hex(STATUS_COLOURS.get(code, NO_STATUS_COLOUR)) for code in summary["status"]])
    summary = summary.rename(columns={"label": t("filters.status", lang), "count": t("overview.count", lang),
                                      "area_mu": t("area_mu", lang)}).drop(columns="status")
    tax = pd.to_numeric(view["tax_wan"], errors="coerce").fillna(0.0)
    total_tax = float(tax[graded].sum())
    rows = []
    for c in ("A", "B", "C", "D"):
        hit = (view["efficiency_class"] == c).to_numpy()
        rows.append({t("filters.class", lang): c, t("overview.count", lang): int(hit.sum()),
                     t("area_mu", lang): round(ui.mu(view, hit), 2),
                     t("overview.mu_share", lang): round(100 * ui.mu(view, hit) / max(ui.mu(view, graded), 1e-9), 1),
                     t("overview.tax_share", lang): round(100 * float(tax[hit].sum()) / total_tax, 1)
                     if total_tax else np.nan})
    readiness = [{t("filters.readiness", lang): name, t("overview.count", lang): int((view["readiness"] == name).sum()),
                  t("area_mu", lang): round(ui.mu(view, (view["readiness"] == name).to_numpy()), 2)}
                 for name in [*levels, rules["coverage"]["below"] if rules else ""] if name]
    # static HTML in one element: the map above draws first (see landplan.app.ui)
    ui.show_html(
        cards,
        ui.COLUMNS_OPEN,
        f"<h3>{html.escape(t('overview.by_status', lang))}</h3>",
        ui.html_table(summary, key="by_status"), chart,
        ui.COLUMN_BREAK,
        f"<h3>{html.escape(t('overview.by_class', lang))}</h3>",
        ui.html_table(pd.DataFrame(rows), key="by_class"),
        f"<h3>{html.escape(t('overview.by_readiness', lang))}</h3>",
        ui.html_table(pd.DataFrame(readiness), key="by_readiness"),
        ui.COLUMNS_CLOSE,
    )


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def context_columns() -> tuple[str, ...]:
    from landplan.app.map import COLOUR_COLUMNS

    return COLOUR_COLUMNS


if __name__ == "__main__":
    render()
