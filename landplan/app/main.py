"""园区土地规划 landplan — the app's Streamlit script, shipped inside the package.

``landplan app`` runs this file (``streamlit run <package>/app/main.py``), so an installed
package starts its app without a source checkout; ``app.py`` at the top of the repository is a
shim calling :func:`run` with the checkout's ``data/``. Streamlit executes the script as
``__main__`` on every rerun, which calls :func:`run` again.

The workspace is ``--workspace DIR`` (after ``--``), else ``$LANDPLAN_WORKSPACE``, else the
``default_workspace`` given to :func:`run`, else the demo park
(:func:`landplan.app.session.demo_workspace`, written once to the user's cache). Pages live
in :mod:`landplan.app.pages`; the shared sidebar (dates, filters) in
:mod:`landplan.app.context`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

from landplan.app import context, session
from landplan.app.i18n import t
from landplan.app.pages import PAGES, page_path

__all__ = ["run", "SCRIPT"]

#: This script's path: what ``streamlit run`` is given to start the app.
SCRIPT = Path(__file__).resolve()


def run(default_workspace: Path | None = None) -> None:
    """Draw one run of the app: the page chosen in the navigation, then the sidebar."""
    st.set_page_config(page_title=f"{t('app.title', session.lang())} · landplan", page_icon="🗺️",
                       layout="wide")
    given = session.resolve_workspace(sys.argv[1:], os.environ, None)
    session.set_workspace(given or default_workspace or session.demo_workspace(os.environ))
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
    finally:  # after the page, so that its map reaches the browser first; always, so that
        context.draw_sidebar(ctx)  # the filters keep their values when a page stops early


if __name__ == "__main__":  # every run of `streamlit run` (Streamlit runs it as __main__)
    run()
