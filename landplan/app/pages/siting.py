"""招商选址 / Site selection: enter a project, see the entry-threshold check and the ranked
parcels on the map. The check and the ranking are :func:`landplan.screen.screen_project`'s,
shown as :func:`landplan.screen.tables_for` words them (rounded, in the page's language); each
table downloads as CSV and XLSX (numbers as numbers), a row of the sites selects its parcel.
The project's payback on each site is a column of the sites and a ranking term whose weight
the form asks (0 by default: the ranking without it); a line under the table says how it is
formed or which rules it lacks.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from landplan import labels
from landplan.app import context, ui
from landplan.app.i18n import t
from landplan.app.mapview import show_map
from landplan.app.panels import guarded
from landplan.coverage import NETWORK_TYPES

MAP_KEY = "map_siting"
RESULT_KEY = "_siting_result"


def industry_codes() -> list[str]:
    """The two-digit GB/T 4754-2017 industry codes the catalogue names (the divisions)."""
    return sorted(c for c in labels.value_kinds().get("industry_code", {}) if len(c) == 2 and c.isdigit())


def _project_form(lang: str) -> dict | None:
    with st.form("siting_form"):
        cols = st.columns(3)
        industry = cols[0].selectbox(t("siting.industry", lang), industry_codes(), index=None,
                                     key="siting_industry", placeholder=t("siting.industry_pick", lang),
                                     format_func=lambda c: labels.value("industry_code", c, lang))
        area = cols[1].number_input(t("siting.area", lang), min_value=0.0, value=50.0, step=5.0,
                                    key="siting_area")
        invest = cols[2].number_input(t("siting.investment", lang), min_value=0.0, value=20000.0,
                                      step=1000.0, key="siting_investment")
        cols = st.columns(3)
        tax = cols[0].number_input(t("siting.tax", lang), min_value=0.0, value=1000.0,
                                   step=100.0, key="siting_tax")
        output = cols[1].number_input(t("siting.output", lang), min_value=0.0, value=50000.0,
                                      step=1000.0, key="siting_output")
        needs = cols[2].multiselect(t("siting.needs", lang), list(NETWORK_TYPES),
                                    default=["road", "water", "power"], key="siting_needs",
                                    format_func=lambda n: labels.value("network_type", n, lang))
        payback = st.columns(3)[0].number_input(t("siting.payback_weight", lang), min_value=0.0, value=0.0,
                                                step=5.0, key="siting_payback_weight",
                                                help=t("siting.payback_weight_help", lang))
        if not st.form_submit_button(t("siting.run", lang)):
            return None
    return {"industry_code": industry or "", "area_mu": area or None,
            "investment_wan": invest or None, "tax_wan": tax or None,
            "output_wan": output or None, "needs": list(needs), "payback_weight": payback}


def render() -> None:
    ctx = context.current()
    lang = ctx.lang if ctx else "zh"
    st.title(t("nav.siting", lang))
    if ctx is None:
        return
    from landplan.screen import make_project, screen_project, tables_for

    values = _project_form(lang)
    if values is not None:
        def check():
            rules = ctx.rules()
            fields = {k: v for k, v in values.items() if v not in ("", None) and k != "payback_weight"}
            project = make_project(fields, source="options", rules=rules)
            return screen_project(project, ctx.workspace, as_of=ctx.as_of, year=ctx.year, rules=rules,
                                  payback_weight=values["payback_weight"])

        if values.get("industry_code") in ("", None):  # the form's own question, in the reader's words
            st.warning(t("siting.no_industry", lang))
            st.session_state[RESULT_KEY] = None
        else:
            st.session_state[RESULT_KEY] = guarded("screen", lang, check)[1]
    result = st.session_state.get(RESULT_KEY)
    if result is None:
        st.caption(t("siting.hint", lang))
        return
    (st.success if result.admitted else st.warning)(
        t("siting.admitted" if result.admitted else "siting.refused", lang,
          need=result.need_mu, n=len(result.sites)))
    tables = tables_for(result, lang)
    numbers = tables_for(result, lang, formatted=False)  # the downloads: numbers as numbers
    st.subheader(t("siting.checks", lang))
    ui.table_for_people(tables["checks"], lang, key="siting_checks", sheet=t("siting.checks", lang),
                        data=numbers["checks"])
    st.subheader(t("siting.sites", lang))
    if not len(result.sites):  # why: no supplyable parcel, conflicts, areas out of range
        st.info(t("siting.no_site", lang, reason=result.no_site_reason(lang)))
    else:
        shown = ctx.shown(evaluated=True)
        if shown is not None:
            table, mask = shown
            ranked = set(result.sites["parcel_id"].astype(str))
            mask = mask & table["parcel_id"].astype(str).isin(ranked).to_numpy()
            show_map(ctx, table, np.asarray(mask), key=MAP_KEY, default_colour="readiness")
            ui.thematic_download(ctx, table, np.asarray(mask), map_key=MAP_KEY, main="readiness")
        # a row selects its site (the rows are the ranked sites, in their order)
        ui.table_for_people(tables["sites"], lang, key="siting_sites", sheet=t("siting.sites", lang),
                            ids=result.sites["parcel_id"], data=numbers["sites"])
        st.caption(result.payback_note(lang))  # how the payback is formed, or the rules it lacks
    for name in ("excluded", "score"):
        if len(tables[name]):
            title = labels.t(f"screen.table.{name}", lang)
            st.subheader(title)
            ui.table_for_people(tables[name], lang, key=f"siting_{name}", sheet=title, data=numbers[name])


if __name__ == "__main__":
    render()
