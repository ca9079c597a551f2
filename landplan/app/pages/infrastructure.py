"""基础设施 / Infrastructure: readiness map, coverage per network type, gaps, extension
routes and their cost (unit costs from the rules, UNCONFIRMED where the rules say so)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from landplan import labels
from landplan.app import context, ui
from landplan.app.i18n import t
from landplan.app.map import paths_of, to_local
from landplan.app.mapview import show_map
from landplan.coverage import NETWORK_TYPES

MAP_KEY = "map_infrastructure"
ROUTES_KEY = "infra_routes"
GAPS = ["parcel_id", "holder", "area_mu", "readiness", "missing",
        *[f"ext_{n}_m" for n in NETWORK_TYPES]]


@st.cache_resource(show_spinner=False, max_entries=4)
def extension_paths(path: str, stamp: tuple, origin: tuple[float, float]) -> pd.DataFrame:
    """The routed extensions (:func:`landplan.coverage.extension_routes`) in local metres."""
    del stamp
    from landplan.coverage import extension_routes
    from landplan.rules import load_ruleset
    from landplan.workspace import Workspace

    ws = Workspace(path)
    nets = {n: ws.read(n) for n in ("roads", "pipelines", "powerlines") if ws.has(n)}
    routes = extension_routes(ws.parcels_with_area(), **nets, rules=load_ruleset(ws))
    out = pd.DataFrame(routes.drop(columns=routes.geometry.name))
    out["paths"] = paths_of(to_local(routes.geometry.to_numpy(), origin))
    return out


def render() -> None:
    found = context.evaluated_page("nav.infrastructure")
    if found is None:
        return
    ctx, table, mask = found
    lang = ctx.lang
    rules = ctx.rules()
    if rules is None:
        return
    cov = rules.coverage
    levels = tuple([lv.name for lv in cov.readiness] + [cov.below])
    kinds = st.multiselect(t("infra.routes", lang), list(NETWORK_TYPES), key=ROUTES_KEY,
                           format_func=lambda n: labels.value("network_type", n, lang),
                           placeholder=t("layers.none", lang))
    extra = None
    if kinds:
        routes = extension_paths(str(ctx.workspace.resolve()), ctx.stamp(), ctx.park.origin)
        ids = set(table.loc[mask, "parcel_id"].astype(str))
        keep = routes["type"].isin(kinds) & routes["parcel_id"].astype(str).isin(ids)
        extra = [{"p": p} for paths in routes.loc[keep, "paths"] for p in paths]
        st.caption(t("infra.routes_shown", lang, n=int(keep.sum()),
                     km=float(routes.loc[keep, "length_m"].sum()) / 1000))
    show_map(ctx, table, mask, key=MAP_KEY, default_colour="readiness", extra_lines=extra,
             readiness_levels=levels)
    ui.thematic_download(ctx, table, mask, map_key=MAP_KEY, main="readiness")
    view = table[mask]
    st.subheader(t("infra.by_type", lang))
    rows = []
    for n in NETWORK_TYPES:
        has = view[f"has_{n}"].fillna(False).astype(bool).to_numpy() if f"has_{n}" in view else None
        ext = pd.to_numeric(view.get(f"ext_{n}_m"), errors="coerce")
        cost = pd.to_numeric(view.get(f"ext_{n}_cost_wan"), errors="coerce")
        rows.append({
            t("infra.type", lang): labels.value("network_type", n, lang),
            t("infra.served", lang): int(has.sum()) if has is not None else 0,
            t("infra.served_mu", lang): labels.fmt(ui.mu(view, has) if has is not None else 0.0, "mu", lang),
            t("infra.gaps", lang): int((ext > 0).sum()) if ext is not None else 0,
            t("infra.ext_km", lang): labels.fmt(float(ext.sum()) / 1000 if ext is not None else 0.0, "km", lang),
            t("infra.cost", lang): (labels.fmt(float(cost.sum()), "wan", lang)
                                    + ui.unconfirmed_mark(f"coverage.unit_cost_wan_per_m.{n}", lang)
                                    if cost is not None and cost.notna().any() else "—"),
        })
    ui.table_for_people(pd.DataFrame(rows), lang, key="infra_by_type", sheet=t("infra.by_type", lang))
    st.subheader(t("infra.by_level", lang))
    by_level = ui.count_rows(view, view["readiness"], levels, t("filters.readiness", lang),
                             lambda c: labels.value("readiness", c, lang), lang)
    ui.table_for_people(by_level, lang, key="infra_by_level", sheet=t("infra.by_level", lang))
    st.subheader(t("infra.gap_list", lang))
    gaps = view[view["missing"].astype(str).str.strip().ne("") & view["missing"].notna()]
    ui.parcel_table(gaps, GAPS, lang, key="infra_gaps", sheet=t("infra.gap_list", lang))
    ui.rules_block(rules, [*(f"coverage.service_distance_m.{n}" for n in NETWORK_TYPES),
                           *(f"coverage.unit_cost_wan_per_m.{n}" for n in NETWORK_TYPES)], lang)


if __name__ == "__main__":
    render()
