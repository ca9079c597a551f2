"""The park map as a Streamlit component: the pydeck deck drawn by deck.gl, with the planner's
tools over it (scale bar, north arrow, cursor coordinates in the workspace CRS, measuring a
distance or an area).

``st.pydeck_chart`` gives no viewport, no cursor position and no way to add tools; this
component renders the same deck JSON (:func:`landplan.app.map.park_deck`) with the deck.gl
bundle pydeck ships for offline HTML (``pydeck/nbextension/static/index.js``: its globals
``createDeck`` and ``updateDeck``), in a components-v1 iframe served by the app's own server:
no CDN, no network. Streamlit serves a component's files from one folder, so the bundle and
``frontend/`` are copied once into a cache folder named by their hash (:func:`frontend_dir`),
never into site-packages.

Measuring snaps a click to the nearest vertex (within 8 px) of the pickable polygons ``p``
under it; where the parcels are drawn inset (:func:`landplan.app.map.inset`), ``snap_outset_m``
(half the gap) moves their vertices back out first, so that a measured area is the parcel's.

The value returned has the shape of ``st.pydeck_chart``'s event (its ``"selection"``), so
:func:`landplan.app.map.picked_parcel` reads it, plus the view the planner is looking at.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from ... import labels

__all__ = ["deck_map", "frontend_dir", "EMPTY_VALUE", "FRONTEND", "BUNDLE_NAME"]

#: The component's own files (index.html, deckmap.js, deckmap.css).
FRONTEND = Path(__file__).parent / "frontend"
_FILES = ("index.html", "deckmap.js", "deckmap.css")
#: The name of the deck.gl bundle in the served folder.
BUNDLE_NAME = "deckgl.js"
#: The value before any event.
EMPTY_VALUE: dict = {"selection": {"indices": {}, "objects": {}}, "view": None, "seq": 0}
#: The words the tools show (landplan/labels/maptools.yaml), by the name the frontend uses.
_WORDS = ("scale", "scale_dpi", "north_letter", "north", "cursor", "distance", "area", "clear",
          "hint_distance", "hint_area", "length", "area_result", "snapped")
_UNITS = ("m", "km", "m2", "mu")


def _bundle() -> Path:
    import pydeck

    return Path(pydeck.__file__).parent / "nbextension" / "static" / "index.js"


def _cache_roots() -> list[Path]:
    xdg = os.environ.get("XDG_CACHE_HOME")
    roots = [Path(xdg) if xdg else Path.home() / ".cache"]
    return [root / "landplan" for root in roots] + [Path(tempfile.gettempdir()) / "landplan"]


@functools.cache
def frontend_dir() -> Path:
    """The folder Streamlit serves the component from: ``frontend/`` and pydeck's deck.gl
    bundle (as :data:`BUNDLE_NAME`), copied once into ``$XDG_CACHE_HOME/landplan/deckmap-<hash>``
    (or ``~/.cache``, else the temporary folder) of their contents; written into a temporary
    folder beside it and renamed, so a folder of that name is always complete."""
    sources = [(_bundle(), BUNDLE_NAME), *((FRONTEND / name, name) for name in _FILES)]
    digest = hashlib.sha256(b"index.html with versioned URLs\0")  # how the folder is written
    for path, name in sources:
        digest.update(name.encode() + b"\0" + path.read_bytes())
    folder = f"deckmap-{digest.hexdigest()[:16]}"
    errors = []
    for root in _cache_roots():
        target = root / folder
        if all((target / name).is_file() for _, name in sources):
            return target
        try:
            root.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=f".{folder}-", dir=root))
            work.chmod(0o755)  # mkdtemp's is 0700
            for path, name in sources:
                shutil.copyfile(path, work / name)
            _version_urls(work / "index.html", digest.hexdigest()[:16])
            try:
                os.replace(work, target)
            except OSError:  # written meanwhile by another process: theirs is the same
                shutil.rmtree(work, ignore_errors=True)
            if all((target / name).is_file() for _, name in sources):
                return target
        except OSError as exc:
            errors.append(f"{root}: {exc}")
    raise OSError("no folder to serve the map component from: " + "; ".join(errors))


def _version_urls(index: Path, version: str) -> None:
    """Name the version in ``index``'s URLs of the other files (``deckgl.js?v=…``): the
    server then lets the browser keep them (:func:`landplan._compat.streamlit_component_cache`),
    and a new landplan's files, in a new folder, come with a new version."""
    text = index.read_text(encoding="utf-8")
    for name in (BUNDLE_NAME, *(f for f in _FILES if f != "index.html")):
        text = text.replace(f'"{name}"', f'"{name}?v={version}"')
    index.write_text(text, encoding="utf-8")


@functools.cache
def _component():
    import streamlit.components.v1 as components

    return components.declare_component("deckmap", path=str(frontend_dir()))


def _words(lang: str) -> dict:
    words = {name: labels.t(f"app.maptools.{name}", lang) for name in _WORDS}
    words.update({f"unit_{u}": labels.t(f"unit.{u}", lang) for u in _UNITS})
    return words


def deck_map(deck, *, key: str, height_px: int, lang: str, origin: tuple[float, float],
             crs_label: str, tooltip: dict | bool | None = None,
             focus: tuple[tuple[float, float, float, float], int] | None = None,
             report_view: bool = False, snap_outset_m: float = 0.0) -> dict:
    """Draw ``deck`` (a :class:`pydeck.Deck` in local metres, :func:`~landplan.app.map.park_deck`)
    with the map tools; returns the component's value.

    Parameters
    ----------
    deck : pydeck.Deck
        Sent as its JSON (``deck.to_json()``).
    key : str
        The widget key (its value stays in ``st.session_state[key]``).
    height_px : int
        The map's height.
    lang : str
        The language of the tools' words (``"zh"`` or ``"en"``).
    origin : (float, float)
        Local metres → workspace CRS: ``X = x + origin[0]``, ``Y = y + origin[1]``.
    crs_label : str
        The CRS's name shown beside the cursor coordinates.
    tooltip : dict or bool, optional
        pydeck's tooltip (``{"html", "style"}`` with ``{field}`` templates, values escaped by
        the server), or ``False``/``None`` for none.
    focus : ((minx, miny, maxx, maxy), seq), optional
        A box in local metres to fit the view to when ``seq`` is new; otherwise the planner's
        view is kept across reruns (until the deck's initial view changes).
    report_view : bool
        Send the view (debounced after pan and zoom, and once at the first frame).
    snap_outset_m : float
        How far the parcels are drawn inset (``gap_m / 2`` of :func:`landplan.app.map.inset`,
        mitred): measuring snaps to their vertices moved back out by as much. A parcel the
        inset left as it was (too thin) then snaps that far off.

    Returns
    -------
    dict
        ``{"selection": {"indices": {layer: [i]}, "objects": {layer: [row]}}, "view": None or
        {"bbox": [minx, miny, maxx, maxy], "zoom", "width_px", "height_px"}, "seq": n}``.
    """
    import streamlit as st

    lang = labels.check_lang(lang)
    if tooltip is None:
        tooltip = False
    last = st.session_state.get(key)
    seq0 = int(last.get("seq", 0)) if isinstance(last, dict) else 0
    focus_arg = None
    if focus is not None:
        box, fseq = focus
        focus_arg = {"bbox": [float(v) for v in box], "seq": int(fseq)}
    value = _component()(
        spec=deck.to_json(), tooltip=tooltip, height=int(height_px),
        origin=[float(origin[0]), float(origin[1])], crs=str(crs_label), words=_words(lang),
        digits={u: labels.UNIT_DIGITS[u] for u in _UNITS}, focus=focus_arg,
        report_view=bool(report_view), snap_outset_m=max(0.0, float(snap_outset_m)), seq0=seq0,
        key=key, default=EMPTY_VALUE)
    if not isinstance(value, dict):
        return dict(EMPTY_VALUE)
    return value
