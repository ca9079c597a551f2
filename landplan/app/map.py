"""pydeck layers of the park in local metres: a parcel choropleth over the networks, no basemap.

The map is a planar deck.gl ``OrthographicView`` over the workspace's own metric CRS
(Gauss-Krüger), shifted by an origin so numbers stay small: no reprojection to Web Mercator,
no basemap and no network request. The work is in four modules, this one the deck itself:

- :mod:`landplan.app.mapgeom` — coordinates and drawing geometry: local metres rounded to
  0.1 m, the map's resolution (a parcel of a million vertices sent as a few hundred), rings,
  segments, the parcels' gaps and bands, the networks' offsets;
- :mod:`landplan.app.mapthemes` — what colours the parcels: the themes (:data:`THEMES`) and
  :func:`classify`, with colours and legend words from landplan/style.yaml;
- :mod:`landplan.app.mapraster` — a big park drawn on the server as one image, basemap tiles;
- here — the rows each layer gets (:func:`parcel_records`, :func:`road_records`,
  :func:`line_records`, :func:`facility_rows`), the deck (:func:`park_deck`), its tooltip and
  the parcel a click picked (:func:`picked_parcel`).

Every name of the four stays readable here (``from landplan.app import map as lpmap;
lpmap.classify``), as the pages and tests read them.

Every row carries only what the map shows (id, holder, the coloured value, area in mu), which
keeps the payload near a hundred bytes per parcel; the full attributes stay on the server. The
deck's JSON is compact (:class:`CompactDeck`). Roads are drawn under the parcels as their
areas; pipelines and power lines over them, each network type offset across its line by its
own slot (:func:`~landplan.app.mapgeom.network_offset_m`), so that lines laid along one road
centreline all stay visible.

Without a GPU (software WebGL, as on the machines this is benchmarked on) the browser's
first frame is most of the time to the first map: one WebGL program is compiled per layer
kind, and every line is rasterized in software. So the default map is polygons only
(``SolidPolygonLayer``): the parcels, drawn inset (:func:`~landplan.app.mapgeom.inset`) so
that their boundaries show as a gap of about a pixel at the first view; the roads as their
areas (buffered on the server); the facility markers; the selected parcel's outline as a band
(:func:`~landplan.app.mapgeom.band`). Lines (``LineLayer``) come only with what the planner
turns on: the parcels' 1-pixel outlines (each shared edge once), pipelines, power lines and
routes. Above :data:`VECTOR_MAX_PARCELS` shown parcels the choropleth and the lines are drawn
on the server into one image (:func:`~landplan.app.mapraster.raster_image`, a
``BitmapLayer``): a 100,000-parcel park then costs a few hundred kB instead of tens of MB.

Everything here is plain Python (no Streamlit), so it is testable alone:

>>> picked_parcel({"selection": {"objects": {parcel_layer_id("A"): [{"id": "HF-6"}]}}})
'HF-6'
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from .. import _compat, labels, style
from ..breaks import class_limits, jenks_limits
from . import mapgeom, mapraster, mapthemes

# Every name of the parts is read here too (``lpmap.classify``), as the pages and tests do.
from .mapgeom import *  # noqa: F403
from .mapgeom import line_rows, metres_per_px, offset_lines, rings_of, rounded, segment_rows, span_m
from .mapraster import *  # noqa: F403
from .mapthemes import *  # noqa: F403
from .mapthemes import Classes, number_text

__all__ = [
    # the deck (this module)
    "VECTOR_MAX_PARCELS",
    "ROAD_STYLES",
    "ROAD_WIDTH_M",
    "PIPE_COLOURS",
    "POWER_COLOURS",
    "FACILITY_COLOURS",
    "FACILITY_MARKER_SHARE",
    "FACILITY_MARKER_MIN_M",
    "CompactDeck",
    "parcel_layer_id",
    "parcel_records",
    "road_records",
    "line_records",
    "facility_rows",
    "view_state",
    "parcel_tooltip",
    "park_deck",
    "picked_parcel",
    # graduated classes (landplan.breaks), as the themes cut numbers
    "class_limits",
    "jenks_limits",
    *mapthemes.__all__,
    *mapgeom.__all__,
    *mapraster.__all__,
]

#: Above this many shown parcels the map is drawn on the server as one image.
VECTOR_MAX_PARCELS = 20_000

# The colours and widths are landplan/style.yaml's (:mod:`landplan.style`), shared with the
# reports; these names are kept for the pages and tests that read them here.
_FILL_ALPHA = style.alpha("fill")
_LINE_ALPHA = style.alpha("line")
#: Road colour (RGBA) by status: built roads dark, the others lighter; opaque.
ROAD_STYLES: dict[str, tuple[int, int, int, int]] = {
    status: (*colour, 255) for status, colour in style.colours("road_status").items()}
#: Width drawn for a road without ``width_m``, by grade (:func:`landplan.style.road_width_m`).
ROAD_WIDTH_M: dict[str, float] = dict(style.table()["road_width_m"]["grades"])
#: Line colour of each pipeline kind.
PIPE_COLOURS: dict[str, tuple[int, int, int]] = style.colours("pipe")


class _ByVoltage(Mapping):
    """Line colour of power lines by voltage (kV): any voltage gives its band's colour
    (:func:`landplan.style.power_rgb`); iterating gives one voltage of each band."""

    def __getitem__(self, kv) -> tuple[int, int, int]:
        if isinstance(kv, bool) or not isinstance(kv, int | float | np.number):
            raise KeyError(kv)
        return style.power_rgb(kv)

    def __iter__(self):
        return iter(float(b["max_kv"] if b["max_kv"] is not None else b["min_kv"])
                    for b in style.table()["power"]["bands"])

    def __len__(self) -> int:
        return len(style.table()["power"]["bands"])


#: Line colour of power lines by voltage (kV), by band.
POWER_COLOURS: Mapping[float, tuple[int, int, int]] = _ByVoltage()
#: Marker colour of facility kinds.
FACILITY_COLOURS: dict[str, tuple[int, int, int]] = style.colours("facility")
_OTHER_FACILITY_COLOUR = style.other("facility")
#: A facility marker's width as a share of the park's span (~12 px at the first view), and
#: its least width in metres.
FACILITY_MARKER_SHARE = 1 / 45
FACILITY_MARKER_MIN_M = 8.0
# pydeck turns a bare string argument into an accessor expression ("@@=pixels"); a quoted
# string stays a literal.
_PIXELS = "'pixels'"


class CompactDeck(pdk.Deck):
    """A :class:`pydeck.Deck` whose JSON is compact: no indentation, UTF-8 kept as it is.

    pydeck indents its JSON by two spaces and escapes every Chinese character to
    ``\\uXXXX``; for polygons that alone makes the payload three to four times larger. The
    JSON is :func:`landplan._compat.deck_json`'s (pydeck's own serializer is not public).
    """

    def to_json(self) -> str:
        return _compat.deck_json(self)


def _text(value) -> str:
    return "—" if value is None or pd.isna(value) or str(value) == "" else str(value)


def parcel_layer_id(klass: str | int | None, tag: str = "") -> str:
    """The layer id of the parcels of one class (one layer per class, one colour each).

    ``tag`` versions the ids: a chart whose parcel layers get new ids drops the selection
    the browser holds (Streamlit keeps a selection only while its layer id exists), which is
    how a parcel picked elsewhere than on the map replaces the map's own selection.

    >>> parcel_layer_id("halted"), parcel_layer_id(None, "2")
    ('parcels-halted', 'parcels-none@2')
    """
    return f"parcels-{'none' if klass is None else klass}" + (f"@{tag}" if tag else "")


def _layer_tag(layer_id: str) -> str | None:
    """The tag of a parcel layer id, ``None`` for other layers."""
    if not layer_id.startswith("parcels-"):
        return None
    return layer_id.partition("@")[2]


def parcel_records(parcels: pd.DataFrame, rings: Sequence, classes: Classes
                   ) -> dict[int, list[dict]]:
    """Map rows of the parcels, grouped by class (``-1`` for no value).

    Every polygon of a parcel is one row ``{"id", "h", "v", "mu", "p"}``: parcel id, holder,
    the coloured value, area in mu (2 decimals) and the polygon (one ring, or rings with
    holes). Text is HTML-escaped for the tooltip.
    """
    n = len(parcels)
    ids = parcels["parcel_id"].astype(object).to_numpy()
    holders = parcels["holder"].to_numpy(dtype=object) if "holder" in parcels else [None] * n
    mus = parcels["area_mu"].to_numpy(dtype="float64") if "area_mu" in parcels else [np.nan] * n
    groups: dict[int, list[dict]] = {}
    for pid, holder, mu, code, value, polys in zip(ids, holders, mus, classes.codes,
                                                    classes.values, rings, strict=True):
        base = {"id": html.escape(str(pid)), "h": html.escape(_text(holder)),
                "v": html.escape(value), "mu": None if np.isnan(mu) else round(float(mu), 2)}
        rows = groups.setdefault(int(code), [])
        for poly in polys:
            rows.append({**base, "p": poly[0] if len(poly) == 1 else poly})
    return groups


def road_records(roads: pd.DataFrame, local_geoms: Sequence) -> dict[str, list[dict]]:
    """Map rows of the roads grouped by status (missing = ``built``): ``{"p", "w"}``.

    Each road is drawn as its area: the (local) centre line buffered by half of ``w``, with
    square ends and mitred bends, so that it shares the parcels' polygon program in the
    browser (one program fewer to compile) and keeps its true width at every zoom. ``w`` is
    ``width_m`` when given, else the width of the grade (:func:`landplan.style.road_width_m`,
    as the reports draw it), rounded to 0.5 m; ``p`` is the polygon (one ring, or rings with holes).
    """
    n = len(roads)
    statuses = roads["status"].to_numpy(dtype=object) if "status" in roads else [None] * n
    grades = roads["grade"].to_numpy(dtype=object) if "grade" in roads else [None] * n
    widths = roads["width_m"].to_numpy(dtype="float64") if "width_m" in roads else [np.nan] * n
    keys, ws = [], np.empty(n, dtype="float64")
    for i, (status, grade, width) in enumerate(zip(statuses, grades, widths, strict=True)):
        keys.append(status if isinstance(status, str) and status in ROAD_STYLES else "built")
        ws[i] = round(style.road_width_m(grade, width) * 2) / 2
    geoms = np.asarray(list(local_geoms), dtype=object)
    areas = shapely.buffer(geoms, ws / 2, cap_style="square", join_style="mitre",
                           mitre_limit=2.0)
    areas = rounded(areas)
    groups: dict[str, list[dict]] = {}
    for key, w, polys in zip(keys, ws, rings_of(areas), strict=True):
        groups.setdefault(key, []).extend(
            {"p": poly[0] if len(poly) == 1 else poly, "w": float(w)} for poly in polys)
    return groups


def line_records(keys: Sequence, local_geoms: Sequence, *,
                 offset_m: Mapping | None = None) -> dict:
    """Segment rows of (already local) lines (:func:`line_rows`) grouped by ``keys``
    (pipeline kind, voltage), in the order the keys first appear; each group offset across
    its lines by ``offset_m[key]`` metres where given (:func:`offset_lines`)."""
    keys = list(keys)
    geoms = np.asarray(local_geoms, dtype=object)
    out = {}
    for key in dict.fromkeys(keys):
        group = geoms[[k == key for k in keys]]
        shift = float((offset_m or {}).get(key, 0.0))
        out[key] = line_rows(offset_lines(group, shift) if shift else group)
    return out


def view_state(bounds: Sequence[float], *, width_px: int = 560, height_px: int = 560
               ) -> pdk.ViewState:
    """An orthographic view centred on ``bounds`` (local metres) that shows all of it.

    The chart's width in the page is not known on the server; ``width_px`` is a width
    most screens give the map column, so the whole park shows at the first draw.
    """
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    zoom = -math.log2(metres_per_px(bounds, width_px=width_px, height_px=height_px))
    return pdk.ViewState(target=[round((minx + maxx) / 2, 1), round((miny + maxy) / 2, 1), 0],
                         zoom=round(zoom, 2), min_zoom=round(zoom - 3, 2),
                         max_zoom=round(zoom + 7, 2))


def parcel_tooltip(title: str, lang: str) -> dict:
    """The tooltip of the parcel layers (deck.gl's ``{"html", "style"}``, its ``{field}``
    templates filled from the rows of :func:`parcel_records`, escaped there): parcel id,
    holder, the coloured value (``title``) and area in mu."""
    rows = [
        (labels.column("parcel_id", lang, layer="parcels"), "<b>{id}</b>"),
        (labels.column("holder", lang, layer="parcels"), "{h}"),
        (html.escape(title), "{v}"),
        (labels.t("app.tooltip.area", lang), "{mu} " + labels.t("unit.mu", lang)),
    ]
    body = "<br/>".join(f"{name}：{value}" if lang == "zh" else f"{name}: {value}"
                        for name, value in rows)
    return {"html": body, "style": {"fontSize": "12px", "padding": "6px 8px"}}


def facility_rows(facilities: Iterable[dict], bounds: Sequence[float], *, grow: float = 1.0
                  ) -> list[dict]:
    """Markers of facilities ``{"x", "y", "k"}`` (kind code): ``{"p", "c"}`` rows.

    A marker is an octagon of :data:`FACILITY_MARKER_SHARE` of the park's span across (at
    least :data:`FACILITY_MARKER_MIN_M`), ``grow`` times that, coloured by kind
    (:func:`landplan.style.rgb` of ``"facility"``). It is drawn at a ground size, not in pixels: a polygon shares
    the parcels' program in the browser, where a point layer would be one more program to
    compile before the first map.
    """
    radius = grow * max(span_m(bounds) * FACILITY_MARKER_SHARE / 2, FACILITY_MARKER_MIN_M / 2)
    angles = np.radians(np.arange(8) * 45.0 + 22.5)
    unit = np.column_stack([np.cos(angles), np.sin(angles)]) * radius
    rows = []
    for f in facilities:
        ring = np.round(unit + (float(f["x"]), float(f["y"])), 1).tolist()
        rows.append({"p": ring, "c": list(style.rgb("facility", f["k"]))})
    return rows


def _line_layer(layer_id: str, rows: list[list[float]], colour, *, width_px: float = 2
                ) -> pdk.Layer:
    """Segments ``[x1, y1, x2, y2]`` (:func:`segment_rows`) of constant colour, ``width_px``
    pixels wide."""
    return pdk.Layer("LineLayer", data=rows, id=layer_id, get_source_position="[this[0],this[1]]",
                     get_target_position="[this[2],this[3]]", get_width=width_px,
                     get_color=list(colour),
                     width_units=_PIXELS, width_min_pixels=1, pickable=False)


def _area_layer(layer_id: str, rows: list[dict], colour, **props) -> pdk.Layer:
    """Polygons ``{"p"}`` filled with one colour, or each row's (``colour`` names its field),
    by deck.gl's ``SolidPolygonLayer``."""
    return pdk.Layer("SolidPolygonLayer", data=rows, id=layer_id, get_polygon="p",
                     get_fill_color=colour if isinstance(colour, str) else list(colour),
                     filled=True, **props)


def park_deck(
    parcel_groups: dict[int, list[dict]] | None,
    classes: Classes,
    *,
    bounds: Sequence[float],
    road_groups: dict[str, list[dict]] | None = None,
    pipe_groups: dict[str, list[dict]] | None = None,
    power_groups: dict[float, list[dict]] | None = None,
    facilities: list[dict] | None = None,
    raster: tuple[str, list[float]] | None = None,
    extra_lines: list[dict] | None = None,
    selected: Sequence[dict] = (),
    outlines: list[list[float]] | None = None,
    lang: str = "zh",
    height_px: int = 560,
    tag: str = "",
    tiles: Sequence[tuple[str, list]] = (),
) -> CompactDeck:
    """The park map: roads under the parcels (one layer per class), outlines, pipelines and
    power lines over them, facilities, selection; polygons and lines only (see the module's
    notes).

    Parameters
    ----------
    parcel_groups : dict or None
        As made by :func:`parcel_records`; with ``raster`` (which draws every parcel) ``None``,
        or the parcels in the view of a map zoomed in, drawn over the image with their tooltip.
    classes : Classes
        Colours of the classes (and the tooltip's title).
    bounds : sequence of float
        ``(minx, miny, maxx, maxy)`` in local metres to fit the view to.
    road_groups, pipe_groups, power_groups : dict, optional
        Lines to draw (:func:`road_records`, :func:`line_records`).
    facilities : list of dict, optional
        ``{"x", "y", "k"}`` rows (kind code).
    raster : (str, list), optional
        A server-drawn image (:func:`raster_image`) in place of the vector parcels.
    extra_lines : list of dict, optional
        Rows ``{"p"}`` of extension routes, drawn dashed-looking (thin, dark).
    selected : sequence of dict
        Rows ``{"p"}`` of the selected parcel's outline as an area (:func:`band`), drawn dark.
    outlines : list, optional
        The parcels' outlines (:func:`edge_rows`), drawn as 1-pixel white lines; without them
        the parcels should be drawn inset (:func:`inset`) so that their boundaries show.
    tag : str
        Version of the parcel layer ids (see :func:`parcel_layer_id`).
    tiles : sequence of (str, list)
        Basemap tiles drawn under the park (:func:`xyz_tiles`: an image URL and its corners
        in local metres), one ``BitmapLayer`` each, in the same planar view: the browser
        fetches them from their server. None by default (no request leaves the machine).
    """
    # Two kinds of layer (polygons, lines; and the image of a big park): the browser compiles
    # one WebGL program per kind before the first frame, most of the time to the first map.
    layers: list[pdk.Layer] = [
        pdk.Layer("BitmapLayer", id=f"tile-{i}", image=f"'{url}'", bounds=corners, pickable=False)
        for i, (url, corners) in enumerate(tiles)]
    if raster is not None:
        url, extent = raster
        layers.append(pdk.Layer("BitmapLayer", id="parcels-raster", image=f"'{url}'",
                                bounds=[round(v, 1) for v in extent], pickable=False))
    for status in reversed(style.codes("road_status")):  # built drawn over the others
        rows = (road_groups or {}).get(status)
        if rows:
            layers.append(_area_layer(f"roads-{status}", rows, ROAD_STYLES[status],
                                      pickable=False))
    for code in (*range(len(classes.labels)), -1):
        rows = (parcel_groups or {}).get(code)
        if not rows:
            continue
        colour = classes.colours[code] if code >= 0 else classes.missing_colour
        layers.append(_area_layer(
            parcel_layer_id(code if code >= 0 else None, tag), rows, (*colour, _FILL_ALPHA),
            pickable=True, auto_highlight=True,
            highlight_color=[*style.element("highlight"), style.alpha("highlight")]))
    if parcel_groups and outlines:
        layers.append(_line_layer("parcel-outlines", outlines, (*style.element("outline"), 255),
                                  width_px=style.width_px("outline")))
    # the networks over the parcels, each type beside the others (line_records' offsets)
    for kind, rows in (pipe_groups or {}).items():
        if rows:
            layers.append(_line_layer(f"pipes-{kind}", rows,
                                      (*style.rgb("pipe", kind), _LINE_ALPHA),
                                      width_px=style.pipe_width_px()))
    for kv, rows in (power_groups or {}).items():
        if rows:
            layers.append(_line_layer(f"power-{number_text(kv)}kV", rows,
                                      (*style.power_rgb(kv), _LINE_ALPHA),
                                      width_px=style.power_width_px(kv)))
    if extra_lines:
        layers.append(_line_layer("routes", segment_rows(row["p"] for row in extra_lines),
                                  (*style.element("route"), 255), width_px=style.width_px("route")))
    if facilities:
        # a white halo under each marker instead of an outline: no line layer over a raster
        layers.append(_area_layer("facility-halos", facility_rows(facilities, bounds, grow=1.3),
                                  (*style.element("halo"), 255), pickable=False))
        layers.append(_area_layer("facilities", facility_rows(facilities, bounds), "c",
                                  pickable=False))
    if selected:  # a band (see band()), not a line: no line layer for it
        layers.append(_area_layer("parcel-selected", list(selected),
                                  (*style.element("selected"), 255), pickable=False))
    return CompactDeck(
        layers=layers,
        views=[pdk.View(type="OrthographicView", controller=True, flip_y=False)],
        initial_view_state=view_state(bounds, height_px=height_px),
        map_provider=None,
        map_style=None,
        # a big park's image has no tooltip; the vector parcels over it (zoomed in) have
        tooltip=parcel_tooltip(classes.title, lang) if raster is None or parcel_groups else False,
        height=height_px,
    )


def picked_parcel(event, tag: str = "") -> str | None:
    """The parcel id selected in a ``st.pydeck_chart`` event (its ``"selection"``), or ``None``.

    Only parcel layers of version ``tag`` count (see :func:`parcel_layer_id`). The clicked
    object's ``id`` is used, as the browser sent it back (HTML-unescaped).

    >>> picked_parcel({"selection": {"indices": {"parcels-3": [0]},
    ...                              "objects": {"parcels-3": [{"id": "HF-6"}]}}})
    'HF-6'
    """
    if not event:
        return None
    try:
        selection = event["selection"]
        objects = selection.get("objects") or {}
    except (KeyError, TypeError, AttributeError):
        return None
    for layer_id, rows in objects.items():
        if _layer_tag(str(layer_id)) == tag and rows:
            pid = rows[0].get("id") if isinstance(rows[0], dict) else None
            if pid is not None:
                return html.unescape(str(pid))
    return None
