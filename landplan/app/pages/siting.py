"""招商选址 / Site selection: enter a project, see the entry-threshold check and the ranked
parcels on the map. The check and the ranking are ``landplan.screen``'s (see
:mod:`landplan.app.hooks`); without it the page says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from landplan.app import context, hooks
from landplan.app.i18n import t
from landplan.app.mapview import show_map
from landplan.app.panels import unavailable
from landplan.coverage import NETWORK_TYPES
from landplan.errors import LandplanError
from landplan.evaluate import column_label

MAP_KEY = "map_siting"
RESULT_KEY = "_siting_result"


def _project_form(lang: str) -> dict | None:
    with st.form("siting_form"):
        cols = st.columns(3)
        industry = cols[0].text_input(t("siting.industry", lang), key="siting_industry")
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
                                    format_func=lambda n: column_label(f"has_{n}", lang))
        if not st.form_submit_button(t("siting.run", lang)):
            return None
    return {"industry_code": industry.strip(), "area_mu": area, "investment_wan": invest,
            "tax_wan": tax, "output_wan": output, "needs": list(needs)}


def _frames(result) -> list[tuple[str, pd.DataFrame]]:
    if isinstance(result, pd.DataFrame):
        return [("", result)]
    if isinstance(result, dict):
        return [(str(k), v if isinstance(v, pd.DataFrame) else pd.DataFrame(v))
                for k, v in result.items() if isinstance(v, (pd.DataFrame, list))]
    frames = []
    for name in ("checks", "unmet", "ranking", "ranked", "parcels"):
        value = getattr(result, name, None)
        if isinstance(value, (pd.DataFrame, list)):
            frames.append((name, value if isinstance(value, pd.DataFrame) else pd.DataFrame(value)))
    return frames


def render() -> None:
    ctx = context.current()
    lang = ctx.lang if ctx else "zh"
    st.title(t("nav.siting", lang))
    if ctx is None:
        return
    fn = hooks.find("screen")
    if fn is None:
        unavailable("screen", lang)
        return
    project = _project_form(lang)
    if project is not None:
        try:
            st.session_state[RESULT_KEY] = fn(ctx.workspace, project, as_of=ctx.as_of, year=ctx.year)
        except LandplanError as exc:
            st.session_state[RESULT_KEY] = None
            st.warning(str(exc))
        except Exception as exc:
            st.session_state[RESULT_KEY] = None
            st.error(t("hook.failed", lang, what=t("hook.screen", lang),
                       error=f"{type(exc).__name__}: {exc}"))
    result = st.session_state.get(RESULT_KEY)
    if result is None:
        st.caption(t("siting.hint", lang))
        return
    frames = _frames(result)
    ranked = next((f for _, f in frames if "parcel_id" in f.columns), None)
    shown = ctx.shown(evaluated=True)
    if shown is not None and ranked is not None:
        table, mask = shown
        mask = mask & table["parcel_id"].astype(str).isin(set(ranked["parcel_id"].astype(str))).to_numpy()
        show_map(ctx, table, np.asarray(mask), key=MAP_KEY, default_colour="readiness")
    for name, frame in frames:
        if name:
            st.subheader(name)
        st.dataframe(frame.astype(str), hide_index=True)


if __name__ == "__main__":
    render()
