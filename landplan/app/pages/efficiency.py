"""亩均效益 / Efficiency per mu: the class map, the ranking table, distributions, the rules,
and the ledger's years (:mod:`landplan.trends`): the park's trend, drill-down by industry and
by enterprise, the selected parcel's trend; every table downloads as CSV and XLSX in the
page's language (:func:`landplan.app.ui.table_bytes`), a row of the ranking selects its parcel,
and the class map downloads as a 专题图."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from landplan import labels, trends
from landplan.app import context, ui
from landplan.app.data import rules_text
from landplan.app.i18n import t
from landplan.app.mapview import selected_parcel, show_map
from landplan.app.pages.data import _refusal
from landplan.app.ui import table_bytes  # noqa: F401  (the page's downloads, as tests read them)
from landplan.io.writers import column_unit
from landplan.ruleset import RuleSet

MAP_KEY = "map_efficiency"
RANKING = ["parcel_id", "holder", "industry_code", "area_mu", "tax_per_mu_wan",
           "value_added_per_mu_wan", "output_per_mu_wan", "value_added_per_tce_wan",
           "rd_intensity_pct", "productivity_wan_per_person", "efficiency_score",
           "efficiency_class", "tax_per_mu_wan_yoy_pct", "efficiency_note"]
#: The columns of a trend table: a group's (park, industry) and a unit's (parcel, enterprise).
GROUP_TREND = ["year", "parcels", "area_mu", "tax_wan", "output_wan", "value_added_wan",
               "tax_per_mu_wan", "output_per_mu_wan", "value_added_per_mu_wan",
               "tax_wan_yoy_pct", "tax_per_mu_wan_yoy_pct", "output_per_mu_wan_yoy_pct"]
PARCEL_TREND = ["parcel_id", "year", "area_mu", "enterprises", "tax_wan", "output_wan",
                "value_added_wan", "tax_per_mu_wan", "output_per_mu_wan", "value_added_per_mu_wan",
                "efficiency_score", "efficiency_class", "tax_per_mu_wan_yoy_pct"]
ENTERPRISE_TREND = ["enterprise_id", "name", "year", "parcels", "land_mu", "tax_wan", "output_wan",
                    "value_added_wan", "tax_per_mu_wan", "output_per_mu_wan", "value_added_per_mu_wan",
                    "efficiency_score", "efficiency_class", "tax_per_mu_wan_yoy_pct"]
#: The per-mu figures drawn per year.
CHARTED = ["tax_per_mu_wan", "output_per_mu_wan", "value_added_per_mu_wan"]
#: Widget keys of the drill-downs; at most ENTERPRISE_CHOICES enterprises to choose from.
INDUSTRY_KEY = "trend_industry"
ENTERPRISE_KEY = "trend_enterprise"
ENTERPRISE_CHOICES = 200


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
    ui.parcel_table(ranked, RANKING, lang, key="efficiency_table", download_key="efficiency_ranking",
                    sheet=labels.t("report.sheet.evaluation", lang),
                    # the evaluation's refusal, as the data page finds it (cached): a text of
                    # its shown rows an XLSX cannot hold
                    checked=(_refusal(ctx, table, mask, "efficiency_ranking.xlsx", evaluation=True),))
    ui.thematic_download(ctx, table, mask, map_key=MAP_KEY, main="efficiency_class")
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
        ui.table_for_people(classes, lang, key="efficiency_classes", sheet=t("efficiency.by_class", lang))
    rules = ctx.rules()
    if rules:
        classes = rules.efficiency.classes
        keys = [f"efficiency.indicators.{name}.weight" for name in rules.efficiency.indicators]
        method = classes.method
        keys.append("efficiency.classes.method")
        sub = "cutoffs" if method == "score" else "shares"
        keys += [f"efficiency.classes.{sub}.{c}" for c in getattr(classes, sub)]
        ui.rules_block(rules, keys, lang)
        _trends_section(ctx, view, rules, lang)


# ------------------------------------------------------------------------------- trends
@st.cache_resource(show_spinner=False, max_entries=4)
def _trend_rows(key: tuple, _parcels, _ledger, _rules) -> dict[str, pd.DataFrame]:
    """The trends of the parcels in force (:mod:`landplan.trends`): ``parcels``,
    ``enterprises``, ``park``, ``industries`` and ``holds`` (each enterprise's parcels, one
    row per pair), cached on ``key`` (the parcels' cache key and the rules text)."""
    del key
    rows = trends.parcel_trends(_parcels, _ledger, _rules)
    holds = pd.DataFrame({"enterprise_id": _ledger["enterprise_id"].astype(str),
                          "parcel_id": _ledger["parcel_id"].astype(str)}).drop_duplicates()
    return {"parcels": rows, "enterprises": trends.enterprise_trends(_parcels, _ledger, _rules),
            "park": trends.group_trends(rows), "industries": trends.group_trends(rows, by="industry"),
            "holds": holds[holds["parcel_id"].isin(set(rows["parcel_id"]))]}


def _show(frame: pd.DataFrame, columns: list[str], lang: str, *, key: str, sheet: str,
          chart: bool = True) -> None:
    """A trend table, its per-mu figures per year as a chart, and its CSV/XLSX downloads."""
    if chart:
        _chart(frame, lang, key=key)
    ui.show_table(frame, columns, lang, key=f"{key}_table")
    ui.downloads(frame, columns, lang, key=key, sheet=sheet)


def _chart(frame: pd.DataFrame, lang: str, *, key: str) -> None:
    """The per-mu figures of one unit's years as lines (rounded as the tables read them)."""
    year = labels.column("year", lang)
    data = pd.DataFrame({year: frame["year"].astype(str).to_numpy()})
    for name in CHARTED:
        digits = labels.UNIT_DIGITS[column_unit(name)]
        data[labels.column(name, lang)] = np.round(frame[name].to_numpy(dtype="float64", na_value=np.nan),
                                                   digits)
    st.line_chart(data, x=year, y=[labels.column(n, lang) for n in CHARTED])


def _trends_section(ctx, view: pd.DataFrame, rules: RuleSet, lang: str) -> None:
    st.header(t("trends.title", lang))
    years = trends.ledger_years(ctx.park.ledger)
    if not years:
        st.info(t("trends.no_ledger", lang))
        return
    parcels = ctx.parcels()
    found = _trend_rows((ctx.frame_key(parcels), rules_text(ctx.workspace)), parcels,
                        ctx.park.ledger, rules)
    rows, ents, holds = found["parcels"], found["enterprises"], found["holds"]
    st.subheader(t("trends.park", lang))
    st.caption(t("trends.park_caption", lang, first=years[0], last=years[-1]))
    _show(found["park"], GROUP_TREND, lang, key="trend_park", sheet=t("trends.park", lang))

    st.subheader(t("trends.industry", lang))
    none = t("trends.no_industry", lang)  # parcels without an industry: the code "" in the picker
    by = found["industries"].assign(industry_code=found["industries"]["industry_code"].fillna(""))
    latest = by[by["year"] == years[-1]].sort_values(["tax_wan", "industry_code"], ascending=[False, True],
                                                     na_position="last")
    st.markdown(f"**{t('trends.industry_year', lang, year=years[-1])}**")
    _show(latest.replace({"industry_code": {"": none}}), ["industry_code", *GROUP_TREND[1:]], lang,
          key="trend_industries", chart=False, sheet=t("trends.industry", lang))
    pick = st.selectbox(t("trends.industry_pick", lang), latest["industry_code"].tolist(), key=INDUSTRY_KEY,
                        format_func=lambda c: labels.value("industry_code", c, lang) or none)
    if pick is not None:
        _show(by[by["industry_code"] == pick].replace({"industry_code": {"": none}}),
              ["industry_code", *GROUP_TREND], lang, key="trend_industry",
              sheet=t("trends.industry_pick", lang))

    st.subheader(t("trends.enterprise", lang))
    last = ents[ents["year"] == years[-1]]
    if len(view) < len(parcels):  # the enterprises on the shown parcels
        on_shown = holds.loc[holds["parcel_id"].isin(set(view["parcel_id"].astype(str))), "enterprise_id"]
        last = last[last["enterprise_id"].isin(set(on_shown))]
    order = last.sort_values(["tax_wan", "enterprise_id"], ascending=[False, True], na_position="last")
    if len(order) > ENTERPRISE_CHOICES:
        st.caption(t("trends.enterprise_capped", lang, n=ENTERPRISE_CHOICES, total=len(order),
                     year=years[-1]))
        order = order.head(ENTERPRISE_CHOICES)
    choices = order["enterprise_id"].tolist()
    names = dict(zip(order["enterprise_id"], order["name"], strict=True))
    pick = st.selectbox(t("trends.enterprise_pick", lang), choices, key=ENTERPRISE_KEY,
                        format_func=lambda e: f"{names.get(e) or ''} {e}".strip())
    if pick is not None:
        _show(ents[ents["enterprise_id"] == pick], ENTERPRISE_TREND, lang, key="trend_enterprise",
              sheet=t("trends.enterprise_pick", lang))
        held = set(holds.loc[holds["enterprise_id"] == pick, "parcel_id"])
        st.markdown(f"**{t('trends.enterprise_parcels', lang)}**")
        _show(rows[rows["parcel_id"].isin(held)], PARCEL_TREND, lang, key="trend_enterprise_parcels",
              chart=False, sheet=t("trends.enterprise", lang))

    parcel = selected_parcel()
    if parcel is None:
        st.caption(t("trends.no_parcel", lang))
        return
    st.subheader(t("trends.parcel", lang, parcel=parcel))
    mine = rows[rows["parcel_id"] == parcel]
    if not (mine["enterprises"].fillna(0) > 0).any():
        st.info(t("trends.no_rows", lang))
    _show(mine, PARCEL_TREND, lang, key="trend_parcel", sheet=labels.t("layer.parcels", lang))


if __name__ == "__main__":
    render()
