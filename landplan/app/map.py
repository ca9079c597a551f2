"""pydeck layers of the park in local metres: parcels by status over roads, no basemap.

The map is a planar deck.gl ``OrthographicView`` over the workspace's own metric CRS
(Gauss-Krüger), shifted by an origin so numbers stay small: no reprojection to Web Mercator,
no basemap and no network request. Coordinates are rounded to 0.1 m and every row carries
only what the map shows (id, holder, status label, area in mu), which keeps the payload
near a hundred bytes per parcel; the full attributes stay on the server.

Everything here is plain Python (no Streamlit), so it is testable alone:

>>> import shapely
>>> polygons = polygon_rings([shapely.box(39_500_000, 3_500_000, 39_500_100, 3_500_050)],
...                          origin=(39_500_000, 3_500_000))
>>> polygons[0]  # its polygons; each a list of rings, left open
[[[[100.0, 0.0], [100.0, 50.0], [0.0, 50.0], [0.0, 0.0]]]]
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

from ..schema import ENUMS, enum_label, label
from .i18n import t

__all__ = [
    "STATUS_COLOURS",
    "NO_STATUS_COLOUR",
    "ROAD_STYLES",
    "ROAD_WIDTH_M",
    "PRECISION_M",
    "CompactDeck",
    "local_origin",
    "polygon_rings",
    "line_paths",
    "parcel_layer_id",
    "parcel_records",
    "road_records",
    "view_state",
    "parcel_deck",
    "picked_parcel",
]

#: Coordinates sent to the browser are rounded to this many metres.
PRECISION_M = 0.1

#: Fill colour (RGB) of each parcel status; the legend uses the same.
STATUS_COLOURS: dict[str, tuple[int, int, int]] = {
    "planned": (240, 240, 240),           # near white: planned, not acquired
    "acquiring": (222, 203, 228),         # pale violet: acquisition in progress
    "approved": (215, 215, 215),          # light grey: approved, not supplied
    "reserve": (189, 189, 189),           # grey: not yet supplied
    "supplied": (244, 208, 63),           # yellow: supplied, not started
    "under_construction": (235, 137, 52),  # orange
    "completed": (66, 146, 198),          # blue
    "in_production": (46, 160, 90),       # green
    "halted": (203, 60, 51),              # red
}
#: Fill colour of parcels without a (known) status.
NO_STATUS_COLOUR: tuple[int, int, int] = (190, 165, 215)  # lilac
_FILL_ALPHA = 210

#: Road colour (RGBA) by status: built roads dark, the others lighter.
ROAD_STYLES: dict[str, tuple[int, int, int, int]] = {
    "built": (90, 90, 90, 255),
    "under_construction": (150, 150, 150, 220),
    "planned": (205, 205, 205, 200),
}
#: Width drawn for a road without ``width_m``, by grade (typical red-line widths).
ROAD_WIDTH_M: dict[str, float] = {"expressway": 40.0, "arterial": 32.0, "secondary": 24.0,
                                  "branch": 16.0}
_DEFAULT_ROAD_WIDTH_M = 12.0
# pydeck turns a bare string argument into an accessor expression ("@@=meters"); a quoted
# string stays a literal.
_METERS, _PIXELS = "'meters'", "'pixels'"


class CompactDeck(pdk.Deck):
    """A :class:`pydeck.Deck` whose JSON is compact: no indentation, UTF-8 kept as it is.

    pydeck indents its JSON by two spaces and escapes every Chinese character to
    ``\\uXXXX``; for polygons that alone makes the payload three to four times larger.
    """

    def to_json(self) -> str:
        return json.dumps(self, default=default_serialize, sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False)


def local_origin(bounds: Sequence[float], *, step: float = 10.0) -> tuple[float, float]:
    """The origin subtracted from every coordinate: ``(minx, miny)`` floored to ``step`` m."""
    minx, miny = float(bounds[0]), float(bounds[1])
    return (math.floor(minx / step) * step, math.floor(miny / step) * step)


def _local(geoms: Iterable, origin: tuple[float, float]) -> np.ndarray:
    """Geometries shifted by ``origin`` and rounded to :data:`PRECISION_M`, repeats removed."""
    arr = np.asarray(list(geoms) if not isinstance(geoms, np.ndarray) else geoms, dtype=object)
    offset = np.asarray(origin, dtype="float64")
    decimals = max(0, -int(math.floor(math.log10(PRECISION_M))))
    moved = shapely.transform(arr, lambda xy: np.round(xy - offset, decimals))
    return shapely.remove_repeated_points(moved, PRECISION_M / 2)


def _ring(ring) -> list[list[float]]:
    coords = shapely.get_coordinates(ring)
    if len(coords) > 1 and (coords[0] == coords[-1]).all():
        coords = coords[:-1]  # deck.gl closes polygons itself
    return coords.tolist()


def polygon_rings(geoms: Iterable, *, origin: tuple[float, float]) -> list[list[list[list[float]]]]:
    """Per geometry, its polygons as lists of rings (outer ring first) in local metres.

    Empty or missing geometries give an empty list; rings are left open.
    """
    out: list[list[list[list[float]]]] = []
    for geom in _local(geoms, origin):
        polys = []
        if geom is not None and not geom.is_empty:
            for part in shapely.get_parts(geom):
                if part.geom_type != "Polygon" or part.is_empty:
                    continue
                polys.append([_ring(part.exterior), *(_ring(r) for r in part.interiors)])
        out.append(polys)
    return out


def line_paths(geoms: Iterable, *, origin: tuple[float, float]) -> list[list[list[list[float]]]]:
    """Per geometry, its lines as lists of ``[x, y]`` vertices in local metres."""
    out: list[list[list[list[float]]]] = []
    for geom in _local(geoms, origin):
        paths = []
        if geom is not None and not geom.is_empty:
            for part in shapely.get_parts(geom):
                coords = shapely.get_coordinates(part)
                if len(coords) >= 2:
                    paths.append(coords.tolist())
        out.append(paths)
    return out


def _text(value) -> str:
    return "—" if value is None or pd.isna(value) or str(value) == "" else str(value)


def parcel_layer_id(status: str | None, tag: str = "") -> str:
    """The layer id of the parcels with ``status`` (one layer per status, one colour each).

    ``tag`` versions the ids: a chart whose parcel layers get new ids drops the selection
    the browser holds (Streamlit keeps a selection only while its layer id exists), which is
    how a parcel picked elsewhere than on the map replaces the map's own selection.

    >>> parcel_layer_id("halted"), parcel_layer_id(None, "2")
    ('parcels-halted', 'parcels-none@2')
    """
    return f"parcels-{status or 'none'}" + (f"@{tag}" if tag else "")


def _layer_tag(layer_id: str) -> str | None:
    """The tag of a parcel layer id, ``None`` for other layers."""
    if not layer_id.startswith("parcels-"):
        return None
    return layer_id.partition("@")[2]


def parcel_records(parcels: pd.DataFrame, polygons: Sequence, *, lang: str = "zh"
                   ) -> dict[str | None, list[dict]]:
    """Map rows of the parcels, grouped by status code (``None`` for no or an unknown status).

    Every polygon of a parcel is one row ``{"id", "h", "s", "mu", "p"}``: parcel id, holder,
    status label, area in mu (2 decimals) and the polygon (one ring, or rings with holes).
    Text is HTML-escaped for the tooltip.
    """
    n = len(parcels)
    ids = parcels["parcel_id"].astype(object).to_numpy()
    holders = parcels["holder"].to_numpy(dtype=object) if "holder" in parcels else [None] * n
    statuses = parcels["status"].to_numpy(dtype=object) if "status" in parcels else [None] * n
    mus = parcels["area_mu"].to_numpy(dtype="float64") if "area_mu" in parcels else [np.nan] * n
    known = ENUMS["parcel_status"]
    no_status = t("legend.no_status", lang)
    groups: dict[str | None, list[dict]] = {}
    for pid, holder, status, mu, polys in zip(ids, holders, statuses, mus, polygons, strict=True):
        code = status if isinstance(status, str) and status in known else None
        status_text = enum_label("parcel_status", code, lang) if code else (
            _text(status) if isinstance(status, str) else no_status)
        base = {"id": html.escape(str(pid)), "h": html.escape(_text(holder)),
                "s": html.escape(status_text), "mu": None if np.isnan(mu) else round(float(mu), 2)}
        rows = groups.setdefault(code, [])
        for rings in polys:
            rows.append({**base, "p": rings[0] if len(rings) == 1 else rings})
    return groups


def road_records(roads: pd.DataFrame, paths: Sequence) -> dict[str, list[dict]]:
    """Map rows of the roads grouped by status (missing = ``built``): ``{"p", "w"}``.

    ``w`` is ``width_m`` when given, else the typical width of the grade
    (:data:`ROAD_WIDTH_M`), rounded to 0.5 m.
    """
    n = len(roads)
    statuses = roads["status"].to_numpy(dtype=object) if "status" in roads else [None] * n
    grades = roads["grade"].to_numpy(dtype=object) if "grade" in roads else [None] * n
    widths = roads["width_m"].to_numpy(dtype="float64") if "width_m" in roads else [np.nan] * n
    groups: dict[str, list[dict]] = {}
    for status, grade, width, lines in zip(statuses, grades, widths, paths, strict=True):
        key = status if isinstance(status, str) and status in ROAD_STYLES else "built"
        if not (width > 0):
            width = ROAD_WIDTH_M.get(grade, _DEFAULT_ROAD_WIDTH_M) if isinstance(grade, str) \
                else _DEFAULT_ROAD_WIDTH_M
        w = round(float(width) * 2) / 2
        groups.setdefault(key, []).extend({"p": p, "w": w} for p in lines)
    return groups


def view_state(bounds: Sequence[float], *, width_px: int = 560, height_px: int = 560
               ) -> pdk.ViewState:
    """An orthographic view centred on ``bounds`` (local metres) that shows all of it.

    The chart's width in the page is not known on the server; ``width_px`` is a width
    most screens give the map column, so the whole park shows at the first draw.
    """
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    zoom = math.log2(0.92 * min(width_px / span_x, height_px / span_y))
    return pdk.ViewState(target=[round((minx + maxx) / 2, 1), round((miny + maxy) / 2, 1), 0],
                         zoom=round(zoom, 2), min_zoom=round(zoom - 3, 2),
                         max_zoom=round(zoom + 7, 2))


def _tooltip(lang: str) -> dict:
    rows = [
        (label("parcels", "parcel_id", lang), "<b>{id}</b>"),
        (label("parcels", "holder", lang), "{h}"),
        (label("parcels", "status", lang), "{s}"),
        (t("tooltip.area", lang), "{mu} " + t("unit.mu", lang)),
    ]
    body = "<br/>".join(f"{name}：{value}" if lang == "zh" else f"{name}: {value}"
                        for name, value in rows)
    return {"html": body, "style": {"fontSize": "12px", "padding": "6px 8px"}}


def parcel_deck(
    parcel_groups: dict[str | None, list[dict]],
    road_groups: dict[str, list[dict]],
    *,
    bounds: Sequence[float],
    selected: Sequence[dict] = (),
    lang: str = "zh",
    height_px: int = 560,
    tag: str = "",
) -> CompactDeck:
    """The park map: roads (by status), parcels (one layer per status), the selection outline.

    Parameters
    ----------
    parcel_groups, road_groups : dict
        As made by :func:`parcel_records` and :func:`road_records`.
    bounds : sequence of float
        ``(minx, miny, maxx, maxy)`` in local metres to fit the view to.
    selected : sequence of dict
        Rows of the selected parcel, drawn as a thick outline.
    tag : str
        Version of the parcel layer ids (see :func:`parcel_layer_id`).
    """
    layers: list[pdk.Layer] = []
    for status in ("planned", "under_construction", "built"):  # built drawn over the others
        rows = road_groups.get(status)
        if rows:
            layers.append(pdk.Layer(
                "PathLayer", data=rows, id=f"roads-{status}", get_path="p", get_width="w",
                get_color=list(ROAD_STYLES[status]), width_units=_METERS, width_min_pixels=1,
                cap_rounded=True, joint_rounded=True, pickable=False,
            ))
    for status in (*STATUS_COLOURS, None):
        rows = parcel_groups.get(status)
        if not rows:
            continue
        colour = STATUS_COLOURS.get(status, NO_STATUS_COLOUR) if status else NO_STATUS_COLOUR
        layers.append(pdk.Layer(
            "PolygonLayer", data=rows, id=parcel_layer_id(status, tag), get_polygon="p",
            get_fill_color=[*colour, _FILL_ALPHA], get_line_color=[255, 255, 255, 255],
            line_width_units=_PIXELS, get_line_width=1, stroked=True, filled=True,
            pickable=True, auto_highlight=True, highlight_color=[255, 255, 255, 110],
        ))
    if selected:
        layers.append(pdk.Layer(
            "PolygonLayer", data=list(selected), id="parcel-selected", get_polygon="p",
            filled=False, stroked=True, get_line_color=[20, 20, 20, 255],
            line_width_units=_PIXELS, get_line_width=3, pickable=False,
        ))
    return CompactDeck(
        layers=layers,
        views=[pdk.View(type="OrthographicView", controller=True, flip_y=False)],
        initial_view_state=view_state(bounds, height_px=height_px),
        map_provider=None,
        map_style=None,
        tooltip=_tooltip(lang),
        height=height_px,
    )


def picked_parcel(event, tag: str = "") -> str | None:
    """The parcel id selected in a ``st.pydeck_chart`` event (its ``"selection"``), or ``None``.

    Only parcel layers of version ``tag`` count (see :func:`parcel_layer_id`). The clicked
    object's ``id`` is used, as the browser sent it back (HTML-unescaped).

    >>> picked_parcel({"selection": {"indices": {"parcels-halted": [0]},
    ...                              "objects": {"parcels-halted": [{"id": "HF-6"}]}}})
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
