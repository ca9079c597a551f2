"""园区土地规划 landplan — the planning map app.

Run ``streamlit run app.py -- --workspace DIR`` (or ``landplan app --workspace DIR``, or
``make app``). The workspace is ``--workspace``, else ``$LANDPLAN_WORKSPACE``, else the
demo park in ``data/`` beside this file. Pages live in :mod:`landplan.app.pages`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

from landplan.app import session
from landplan.app.i18n import t
from landplan.app.pages import parcels

st.set_page_config(page_title="园区土地规划 landplan", page_icon="🗺️", layout="wide")

session.set_workspace(
    session.resolve_workspace(sys.argv[1:], os.environ, Path(__file__).resolve().parent / "data")
)
lang = session.language_switch()
st.sidebar.caption(f"{t('app.title', lang)} · landplan")

page = st.navigation([
    st.Page(parcels.render, title=t("nav.parcels", lang), icon="🗺️", url_path="parcels",
            default=True),
])
page.run()
