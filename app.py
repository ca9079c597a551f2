"""园区土地规划 landplan — the planning map app.

Run ``streamlit run app.py -- --workspace DIR`` (or ``landplan app --workspace DIR``, or
``make app``). The workspace is ``--workspace``, else ``$LANDPLAN_WORKSPACE``, else the
demo park in ``data/`` beside this file. Pages live in :mod:`landplan.app.pages`; the shared
sidebar (dates, filters) in :mod:`landplan.app.context`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

from landplan.app import context, session
from landplan.app.i18n import t
from landplan.app.pages import PAGES, page_path

st.set_page_config(page_title="园区土地规划 landplan", page_icon="🗺️", layout="wide")

session.set_workspace(
    session.resolve_workspace(sys.argv[1:], os.environ, Path(__file__).resolve().parent / "data")
)
lang = session.language_switch()
page = st.navigation([
    st.Page(page_path(name), title=t(f"nav.{name}", lang), icon=icon, url_path=name,
            default=name == PAGES[0][0])
    for name, icon in PAGES
])
st.sidebar.caption(f"{t('app.title', lang)} · landplan")
ctx = context.sidebar(session.workspace())
try:
    page.run()
finally:  # after the page, so that its map reaches the browser first; always, so that the
    context.draw_sidebar(ctx)  # filters keep their values when a page stops early
