"""The Streamlit app (``app.py`` at the top of the repository): pages, map layers, labels.

- :mod:`landplan.app.i18n` — the app's words, a door onto the catalogue
  (:mod:`landplan.labels`: ``app.*`` keys, coded values, units, rules keys);
- :mod:`landplan.app.ui` — tables for people (catalogue headers, labelled values, numbers in
  their unit's decimals), rule lines with their meaning and source;
- :mod:`landplan.app.session` — workspace and language shared by the pages;
- :mod:`landplan.app.data` — workspace loading (cached on the files' mtimes) and tables;
- :mod:`landplan.app.map` — pydeck layers in local metres (OrthographicView, no basemap);
- :mod:`landplan.app.pages` — one module per page, each with a ``render()`` function.

Only :mod:`~landplan.app.session`, :mod:`~landplan.app.data` and the pages import Streamlit;
:mod:`~landplan.app.map` and :mod:`~landplan.app.i18n` are plain functions, testable alone.
"""
