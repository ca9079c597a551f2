"""The Streamlit app (``app.py`` at the top of the repository): pages, map layers, labels.

- :mod:`landplan.app.i18n` — every label of the app in Chinese and English;
- :mod:`landplan.app.session` — workspace and language shared by the pages;
- :mod:`landplan.app.data` — workspace loading (cached on the files' mtimes) and tables;
- :mod:`landplan.app.map` — pydeck layers in local metres (OrthographicView, no basemap);
- :mod:`landplan.app.pages` — one module per page, each with a ``render()`` function.

Only :mod:`~landplan.app.session`, :mod:`~landplan.app.data` and the pages import Streamlit;
:mod:`~landplan.app.map` and :mod:`~landplan.app.i18n` are plain functions, testable alone.
"""
