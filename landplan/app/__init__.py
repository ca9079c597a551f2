"""The Streamlit app: its script (:mod:`landplan.app.main`; ``app.py`` at the top of a checkout
is a shim), pages, the map and its component, words.

- :mod:`landplan.app.main` — the script ``landplan app`` runs: navigation, sidebar, page;
- :mod:`landplan.app.server` — the server ``landplan app`` starts (workspace preloaded);
- :mod:`landplan.app.i18n` — the app's words, a door onto the catalogue
  (:mod:`landplan.labels`: ``app.*`` keys, coded values, units, rules keys);
- :mod:`landplan.app.ui` — tables for people (catalogue headers, labelled values, numbers in
  their unit's decimals, row selection, downloads, the 专题图 button), rule lines with their
  meaning and source;
- :mod:`landplan.app.session` — workspace and language shared by the pages;
- :mod:`landplan.app.data` — workspace loading (cached on the files' mtimes) and tables;
- :mod:`landplan.app.mapview` — the map every page shows: themes, layers, legend, identify;
- :mod:`landplan.app.map` — the deck in local metres (OrthographicView), over
  :mod:`~landplan.app.mapgeom` (coordinates, drawing geometry),
  :mod:`~landplan.app.mapthemes` (themes, classes) and :mod:`~landplan.app.mapraster` (the
  server-drawn image of a big park, basemap tiles);
- :mod:`landplan.app.deckmap` — the map component: deck.gl in the browser with scale bar,
  north arrow, cursor coordinates and measuring;
- :mod:`landplan.app.pages` — one module per page, each with a ``render()`` function.

Only :mod:`~landplan.app.session`, :mod:`~landplan.app.data`, the map view, the component and
the pages import Streamlit; the map modules and :mod:`~landplan.app.i18n` are plain
functions, testable alone.
"""
