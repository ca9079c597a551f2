"""pydeck layers of the park in local metres: a parcel choropleth over the networks, no basemap.

The map is a planar deck.gl ``OrthographicView`` over the workspace's own metric CRS
(Gauss-Krüger), shifted by an origin so numbers stay small: no reprojection to Web Mercator,
no basemap and no network request. Geometries finer than the map's resolution are simplified
(:func:`drawn`: a parcel of a million vertices is sent as a few hundred), coordinates are
rounded to 0.1 m and every row carries
only what the map shows (id, holder, the coloured value, area in mu), which keeps the payload
near a hundred bytes per parcel; the full attributes stay on the server.

Parcels are coloured by a theme (:data:`THEMES`: a column, a number column cut at its natural
breaks, a network's has/lacks, a cut or fill depth): :func:`classify` turns it into classes
(categories, or graduated classes for numbers, :func:`class_limits`), one layer per class.
Roads are drawn under the parcels as their areas; pipelines and power lines over them, each
network type offset across its line by its own slot (:func:`network_offset_m`), so that lines
laid along one road centreline all stay visible.

Without a GPU (software WebGL, as on the machines this is benchmarked on) the browser's
first frame is most of the time to the first map: one WebGL program is compiled per layer
kind, and every line is rasterized in software. So the default map is polygons only
(``SolidPolygonLayer``): the parcels, drawn inset (:func:`inset`) so that their boundaries
show as a gap of about a pixel at the first view; the roads as their areas (buffered on the
server); the facility markers; the selected parcel's outline as a band (:func:`band`). Lines
(``LineLayer``) come only with what the planner turns on: the parcels' 1-pixel outlines
(each shared edge once), pipelines, power lines and routes. Above
:data:`VECTOR_MAX_PARCELS` shown parcels the choropleth and the lines are drawn on the server
into one image (:func:`raster_image`, a ``BitmapLayer``): a 100,000-parcel park then costs a
few hundred kB instead of tens of MB.

Everything here is plain Python (no Streamlit), so it is testable alone:

>>> import shapely
>>> polygons = polygon_rings([shapely.box(39_500_000, 3_500_000, 39_500_100, 3_500_050)],
...                          origin=(39_500_000, 3_500_000))
>>> polygons[0]  # its polygons; each a list of rings, left open
[[[[100.0, 0.0], [100.0, 50.0], [0.0, 50.0], [0.0, 0.0]]]]
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

from .. import labels, style
from ..breaks import class_limits, jenks_limits  # noqa: F401 - jenks_limits: part of this module's API
from ..coverage import NETWORK_TYPES
from ..geometry import simplify_for_map

__all__ = [
    "STATUS_COLOURS",
    "NO_STATUS_COLOUR",
    "NO_DATA_COLOUR",
    "ROAD_STYLES",
    "ROAD_WIDTH_M",
    "PIPE_COLOURS",
    "POWER_COLOURS",
    "FACILITY_COLOURS",
    "PRECISION_M",
    "DRAW_WIDTH_PX",
    "VECTOR_MAX_PARCELS",
    "COLOUR_COLUMNS",
    "THEMES",
    "JENKS",
    "DERIVED",
    "theme_column",
    "theme_columns",
    "theme_title",
    "class_limits",
    "jenks_limits",
    "metres_per_px",
    "network_offset_m",
    "offset_lines",
    "PARCEL_COLUMNS",
    "COLOUR_GROUPS",
    "NUMBER_UNITS",
    "Classes",
    "CompactDeck",
    "local_origin",
    "to_local",
    "draw_tolerance_m",
    "drawn",
    "polygon_rings",
    "line_paths",
    "rings_of",
    "paths_of",
    "classify",
    "parcel_layer_id",
    "parcel_records",
    "road_records",
    "line_records",
    "segment_rows",
    "edge_rows",
    "line_rows",
    "parcel_gap_m",
    "inset",
    "band",
    "facility_rows",
    "view_state",
    "raster_image",
    "TILE_MAX",
    "xyz_tiles",
    "parcel_tooltip",
    "park_deck",
    "parcel_deck",
    "picked_parcel",
]

#: Coordinates sent to the browser are rounded to this many metres.
PRECISION_M = 0.1
#: The map's resolution: geometries are drawn no finer than half a pixel of a map this many
#: pixels wide showing the whole park (:func:`drawn`). It is the width of the server-drawn
#: image of a big park (:func:`raster_image`), and a 560-pixel map zoomed in twice (4×) shows
#: as much detail.
DRAW_WIDTH_PX = 2048
#: Above this many shown parcels the map is drawn on the server as one image.
VECTOR_MAX_PARCELS = 20_000

# The colours and widths are landplan/style.yaml's (:mod:`landplan.style`), shared with the
# reports; these names are kept for the pages and tests that read them here.
#: Fill colour (RGB) of each parcel status; the legend uses the same.
STATUS_COLOURS: dict[str, tuple[int, int, int]] = style.colours("parcel_status")
#: Fill colour of parcels without a (known) status.
NO_STATUS_COLOUR: tuple[int, int, int] = style.missing("parcel_status")
#: Fill colour of parcels without a value in the coloured column.
NO_DATA_COLOUR: tuple[int, int, int] = style.missing("ramps")
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
#: Without the outline layer, parcels are drawn inset by half of this share of the park's span
#: (~1 px at the first view), so that their boundaries show as a thin gap; the selected
#: parcel's band is three times as wide.
PARCEL_GAP_SHARE = 1 / 560
#: A facility marker's width as a share of the park's span (~12 px at the first view), and
#: its least width in metres.
FACILITY_MARKER_SHARE = 1 / 45
FACILITY_MARKER_MIN_M = 8.0
# pydeck turns a bare string argument into an accessor expression ("@@=pixels"); a quoted
# string stays a literal.
_PIXELS = "'pixels'"

#: Columns the parcels can be coloured by, in the order of the picker.
COLOUR_COLUMNS: tuple[str, ...] = (
    "status", "efficiency_class", "tax_per_mu_wan", "efficiency_score", "idle_status",
    "readiness", "cut_m3", "fill_m3", "relief_m", "lifecycle_gap", "contract_check",
)
#: A theme's ending that cuts its numbers at their natural breaks (Jenks) instead of quantiles.
JENKS = "@jenks"
#: Figures derived from two columns: theme → (numerator, denominator) (a depth in metres:
#: the volume spread over the parcel's area).
DERIVED: dict[str, tuple[str, str]] = {"cut_depth_m": ("cut_m3", "area_m2"),
                                       "fill_depth_m": ("fill_m3", "area_m2")}
#: Every theme a map can offer (地块着色), in the order of the picker; a page offers those that
#: make sense for it (:data:`landplan.app.mapview.PAGE_THEMES`).
THEMES: tuple[str, ...] = (
    "status", "land_use", "efficiency_class", "tax_per_mu_wan", "tax_per_mu_wan" + JENKS,
    "efficiency_score", "idle_status", "readiness", *(f"has_{t}" for t in NETWORK_TYPES),
    "lifecycle_gap", "contract_check", "cut_depth_m", "fill_depth_m", "cut_m3", "fill_m3",
    "relief_m",
)
#: Of those, the ones the parcels layer has itself (no evaluation needed).
PARCEL_COLUMNS: frozenset[str] = frozenset({"status", "land_use"})
#: Coded columns and their colour group in :mod:`landplan.style` (colours and legend words).
COLOUR_GROUPS: dict[str, str] = {
    "status": "parcel_status", "efficiency_class": "efficiency_class",
    "idle_status": "idle_status", "lifecycle_gap": "lifecycle_gap",
    "contract_check": "contract_check", "land_use": "land_use",
    **{f"has_{t}": "network_access" for t in NETWORK_TYPES},
}
#: Number columns, binned into quantiles, and the unit their numbers are written in
#: (:func:`landplan.labels.fmt`).
NUMBER_UNITS: dict[str, str] = {"tax_per_mu_wan": "wan_per_mu", "efficiency_score": "score",
                                "cut_m3": "m3", "fill_m3": "m3", "relief_m": "m",
                                "cut_depth_m": "m", "fill_depth_m": "m"}


class CompactDeck(pdk.Deck):
    """A :class:`pydeck.Deck` whose JSON is compact: no indentation, UTF-8 kept as it is.

    pydeck indents its JSON by two spaces and escapes every Chinese character to
    ``\\uXXXX``; for polygons that alone makes the payload three to four times larger.
    """

    def to_json(self) -> str:
        return json.dumps(self, default=default_serialize, sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False)


# ------------------------------------------------------------------------------ geometry
def local_origin(bounds: Sequence[float], *, step: float = 10.0) -> tuple[float, float]:
    """The origin subtracted from every coordinate: ``(minx, miny)`` floored to ``step`` m."""
    minx, miny = float(bounds[0]), float(bounds[1])
    return (math.floor(minx / step) * step, math.floor(miny / step) * step)


def to_local(geoms: Iterable, origin: tuple[float, float]) -> np.ndarray:
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


def draw_tolerance_m(bounds: Sequence[float], *, width_px: int = DRAW_WIDTH_PX) -> float:
    """Half a pixel of a map ``width_px`` pixels wide showing ``bounds``, in metres: the
    finest detail the map draws.

    >>> draw_tolerance_m((0, 0, 4096, 1000))
    1.0
    """
    return _span(bounds) / width_px / 2


def drawn(local_geoms: Sequence, bounds: Sequence[float]) -> np.ndarray:
    """The (local) geometries as the map draws them: those denser than the map's resolution
    simplified to :func:`draw_tolerance_m` of ``bounds`` (the park's), the others as they are.

    Only for drawing (see :func:`landplan.geometry.simplify_for_map`): a parcel of a million
    vertices becomes a few hundred, which keeps the payload small and :func:`inset` and
    :func:`band` fast; the areas shown are the parcels' own. Simplification keeps a subset
    of the vertices, so they stay rounded to :data:`PRECISION_M`.
    """
    return simplify_for_map(local_geoms, draw_tolerance_m(bounds))


def rings_of(local_geoms: Iterable) -> list[list[list[list[float]]]]:
    """Per (already local) geometry, its polygons as lists of rings, outer ring first."""
    out: list[list[list[list[float]]]] = []
    for geom in local_geoms:
        polys = []
        if geom is not None and not geom.is_empty:
            for part in shapely.get_parts(geom):
                if part.geom_type != "Polygon" or part.is_empty:
                    continue
                polys.append([_ring(part.exterior), *(_ring(r) for r in part.interiors)])
        out.append(polys)
    return out


def paths_of(local_geoms: Iterable) -> list[list[list[list[float]]]]:
    """Per (already local) geometry, its lines as lists of ``[x, y]`` vertices."""
    out: list[list[list[list[float]]]] = []
    for geom in local_geoms:
        paths = []
        if geom is not None and not geom.is_empty:
            for part in shapely.get_parts(geom):
                coords = shapely.get_coordinates(part)
                if len(coords) >= 2:
                    paths.append(coords.tolist())
        out.append(paths)
    return out


def polygon_rings(geoms: Iterable, *, origin: tuple[float, float]) -> list[list[list[list[float]]]]:
    """Per geometry, its polygons as lists of rings (outer ring first) in local metres.

    Empty or missing geometries give an empty list; rings are left open.
    """
    return rings_of(to_local(geoms, origin))


def line_paths(geoms: Iterable, *, origin: tuple[float, float]) -> list[list[list[list[float]]]]:
    """Per geometry, its lines as lists of ``[x, y]`` vertices in local metres."""
    return paths_of(to_local(geoms, origin))


# ------------------------------------------------------------------------------ classes
@dataclass(frozen=True)
class Classes:
    """How one column colours the parcels.

    Attributes
    ----------
    column : str
        The theme (:data:`THEMES`).
    title : str
        The column's label with its unit, for the legend.
    codes : ndarray of int
        Per parcel its class (index into ``labels``), ``-1`` without a value.
    labels, colours : list
        Per class its legend label and RGB colour.
    values : list of str
        Per parcel the value as shown in the tooltip.
    """

    column: str
    title: str
    codes: np.ndarray
    labels: list[str]
    colours: list[tuple[int, int, int]]
    values: list[str]
    missing_label: str
    missing_colour: tuple[int, int, int]


def _number_text(value: float, unit: str = "") -> str:
    """A number as the legend and the tooltip show it: :func:`landplan.labels.fmt` in the
    column's ``unit``; without one, a voltage (:func:`landplan.style.kv_text`)."""
    return labels.fmt(value, unit) if unit else style.kv_text(value)


def _limit_texts(edges: np.ndarray, unit: str) -> list[str]:
    """Class limits as the legend writes them: in the unit's decimals, more where two limits
    would read the same (depths of a few centimetres in metres), up to four."""
    texts = [_number_text(v, unit) for v in edges]
    digits = labels.UNIT_DIGITS.get(unit, 2)
    while len(set(texts)) < len(texts) and digits < 4:
        digits += 1
        texts = [labels.fmt(v, unit, digits=digits) for v in edges]
    return texts


def _unit_of(title: str) -> str:
    if "(" in title and title.endswith(")"):
        return title[title.rindex("(") + 1:-1]
    return ""


def theme_column(theme: str) -> str:
    """The column (or derived figure) a theme colours by: ``tax_per_mu_wan@jenks`` →
    ``tax_per_mu_wan``."""
    return theme.partition("@")[0]


def theme_columns(theme: str) -> tuple[str, ...]:
    """The frame's columns a theme needs (a derived figure's two)."""
    column = theme_column(theme)
    return DERIVED.get(column, (column,))


def _base_title(column: str, lang: str) -> str:
    if column in DERIVED:
        return labels.t(f"app.theme.{column}", lang)
    return labels.column(column, lang, layer="parcels" if column in PARCEL_COLUMNS else None)


def theme_title(theme: str, lang: str = "zh") -> str:
    """The words of a theme, as the picker and the legend's title show them: the column's
    label with its unit, and how its numbers are cut where a map offers more than one way."""
    column = theme_column(theme)
    title = _base_title(column, lang)
    if theme.endswith(JENKS):
        return labels.t("app.theme.jenks", lang, title=title)
    if column + JENKS in THEMES:
        return labels.t("app.theme.quantiles", lang, title=title)
    return title


def _theme_values(frame: pd.DataFrame, theme: str) -> pd.Series:
    column = theme_column(theme)
    if column in DERIVED:
        num, den = (pd.to_numeric(frame[c], errors="coerce") if c in frame.columns
                    else pd.Series(np.nan, index=frame.index) for c in DERIVED[column])
        return num / den.where(den > 0)
    if column in frame.columns:
        return frame[column]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def classify(frame: pd.DataFrame, column: str, *, lang: str = "zh",
             readiness_levels: Sequence[str] = ()) -> Classes:
    """The classes of the theme ``column`` (:data:`THEMES`) for the parcels of ``frame``
    (vectorised).

    Categories keep their own order (status in lifecycle order, classes A–D, readiness best
    first as ``readiness_levels`` give it, has before lacks) and their colours and legend
    words from :mod:`landplan.style`; numbers are cut at their quintiles, or at their natural
    breaks for a theme ending in :data:`JENKS` (fewer classes when values repeat), the class
    limits in the legend. A parcel without a value gets ``-1``.
    """
    theme = column
    column = theme_column(theme)
    title = theme_title(theme, lang)
    n = len(frame)
    raw = _theme_values(frame, theme)
    if column.startswith("has_") and column in COLOUR_GROUPS:  # yes/no → has/lacks
        raw = pd.Series([None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                         else ("has" if bool(v) else "lacks") for v in raw.to_numpy(dtype=object)],
                        index=frame.index, dtype=object)
    if column in NUMBER_UNITS:
        unit = NUMBER_UNITS[column]
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
        codes = np.full(n, -1, dtype=np.int64)
        names: list[str] = []
        colours: list[tuple[int, int, int]] = []
        jenks = theme.endswith(JENKS)
        # as many classes as the ramp has colours
        edges = class_limits(values, style.ramp_size("number"), "jenks" if jenks else "quantiles")
        if len(edges):
            inner = edges[1:-1]
            ok = np.isfinite(values)
            # quantiles: a value on a limit goes up; natural breaks: a limit is its class's top
            codes[ok] = np.searchsorted(inner, values[ok], side="left" if jenks else "right")
            shown_unit = _unit_of(_base_title(column, lang))
            limits = _limit_texts(edges, unit)
            for k in range(len(edges) - 1):
                names.append(f"{limits[k]} – {limits[k + 1]}"
                             + (f" {shown_unit}" if shown_unit else ""))
            colours = style.ramp("number", len(edges) - 1)
        shown = [_number_text(v, unit) for v in values]
        return Classes(theme, title, codes, names, colours, shown,
                       style.missing_label("ramps", lang), NO_DATA_COLOUR)

    text = raw.astype(object).where(raw.notna(), None).to_numpy(dtype=object)
    group = COLOUR_GROUPS.get(column)
    if group is not None:
        order = list(style.codes(group))
        colours = [style.rgb(group, c) for c in order]
        names = [style.label(group, c, lang) for c in order]
        missing = (style.missing_label(group, lang), style.missing(group))
        if column == "contract_check":  # no conditions: the missing value
            text = np.array([v if v else None for v in text], dtype=object)
        if column == "land_use":  # every code found, coloured by its class
            order = sorted({str(v) for v in text if v not in (None, "")})
            colours = [style.rgb(group, c) for c in order]
            names = [style.label(group, c, lang) for c in order]
    else:  # readiness and any other text column: the given order, then the rest as found
        found = [v for v in pd.unique(pd.Series(text).dropna()) if str(v)]
        order = [v for v in readiness_levels if v] + sorted(v for v in found if v not in readiness_levels)
        colours = style.ramp("good_bad", len(order))
        names = [labels.value(column, c, lang) for c in order]
        missing = (style.missing_label("ramps", lang), NO_DATA_COLOUR)
    index = {code: i for i, code in enumerate(order)}
    codes = np.fromiter((index.get(v, -1) if v is not None else -1 for v in text),
                        dtype=np.int64, count=n)
    shown = [names[c] if c >= 0 else (str(v) if v not in (None, "") else missing[0])
             for c, v in zip(codes, text, strict=True)]
    return Classes(theme, title, codes, names, list(colours), shown, missing[0], missing[1])


# ------------------------------------------------------------------------------ records
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
    areas = _rounded(areas)
    groups: dict[str, list[dict]] = {}
    for key, w, polys in zip(keys, ws, rings_of(areas), strict=True):
        groups.setdefault(key, []).extend(
            {"p": poly[0] if len(poly) == 1 else poly, "w": float(w)} for poly in polys)
    return groups


def segment_rows(paths: Iterable[Sequence], *, closed: bool = False) -> list[list[float]]:
    """``[x1, y1, x2, y2]`` rows, one per segment of ``paths`` (each a list of ``[x, y]``).

    ``closed`` paths (rings, left open) also get their closing segment. A segment given twice
    (the edge two neighbouring parcels share) is kept once, and zero-length ones are dropped;
    the others keep their order. Flat rows are a third smaller in JSON than ``{"s", "t"}``
    objects; the layer reads them with ``this[0]`` … ``this[3]``.
    """
    arrays = [np.asarray(p, dtype="float64").reshape(-1, 2) for p in paths if len(p) >= 2]
    if not arrays:
        return []
    lens = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
    return _segments(np.concatenate(arrays), lens, closed=closed)


def edge_rows(local_geoms: Sequence) -> list[list[float]]:
    """:func:`segment_rows` of the rings of (already local) polygons: their outlines, each
    edge once. Computed on the geometries at once (no lists of vertices in between)."""
    parts = _parts(local_geoms)
    rings = shapely.get_rings(parts[shapely.get_type_id(parts) == 3])  # of the Polygons
    if not len(rings):
        return []
    coords, which = shapely.get_coordinates(rings, return_index=True)
    lens = np.bincount(which, minlength=len(rings))
    keep = np.ones(len(coords), dtype=bool)
    keep[np.cumsum(lens) - 1] = False  # rings repeat their first vertex at the end
    lens = lens - 1
    return _segments(coords[keep], lens[lens > 0], closed=True)


def line_rows(local_geoms: Sequence) -> list[list[float]]:
    """:func:`segment_rows` of (already local) lines, each segment once, computed on the
    geometries at once like :func:`edge_rows`."""
    parts = _parts(local_geoms)
    lines = parts[np.isin(shapely.get_type_id(parts), (1, 2))]  # LineString, LinearRing
    if not len(lines):
        return []
    coords, which = shapely.get_coordinates(lines, return_index=True)
    lens = np.bincount(which, minlength=len(lines))
    return _segments(coords, lens[lens > 0], closed=False)


def _parts(geoms: Sequence) -> np.ndarray:
    """The single parts of the geometries that are there."""
    geoms = np.asarray(geoms, dtype=object)
    return shapely.get_parts(geoms[~shapely.is_missing(geoms)])


def _rounded(geoms):
    """Local geometries rounded to :data:`PRECISION_M` (as :func:`to_local` leaves them)."""
    return to_local(geoms, (0.0, 0.0))


def _span(bounds: Sequence[float]) -> float:
    """The larger side of ``bounds`` (minx, miny, maxx, maxy), at least 1 m."""
    return max(float(bounds[2]) - float(bounds[0]), float(bounds[3]) - float(bounds[1]), 1.0)


def parcel_gap_m(bounds: Sequence[float]) -> float:
    """The width of the gap between parcels drawn without outlines (:data:`PARCEL_GAP_SHARE`
    of the span of ``bounds``), rounded to :data:`PRECISION_M`, at least twice that."""
    return max(round(_span(bounds) * PARCEL_GAP_SHARE, 1), 2 * PRECISION_M)


def inset(local_geoms: Sequence, gap_m: float) -> np.ndarray:
    """Polygons shrunk by ``gap_m / 2`` (mitred corners), so neighbours show a ``gap_m`` gap.

    A polygon too thin to keep any area is kept as it is; missing ones stay missing.
    """
    geoms = np.asarray(local_geoms, dtype=object)
    shrunk = shapely.buffer(geoms, -gap_m / 2, join_style="mitre")
    lost = shapely.is_missing(shrunk) | shapely.is_empty(shrunk)
    shrunk[lost] = geoms[lost]
    return _rounded(shrunk)


def band(local_geom, width_m: float):
    """The inner band of a polygon ``width_m`` wide (its outline drawn as an area)."""
    inner = shapely.buffer(local_geom, -width_m, join_style="mitre")
    return _rounded([shapely.difference(local_geom, inner)])[0]


def _segments(flat: np.ndarray, lens: np.ndarray, *, closed: bool) -> list[list[float]]:
    """The segments of paths stored one after another in ``flat`` (``lens`` vertices each)."""
    first = np.repeat(np.cumsum(lens) - lens, lens)  # per vertex: its path's first vertex
    size = np.repeat(lens, lens)
    here = np.arange(len(flat))
    last = here == first + size - 1
    after = here + 1
    if closed:
        after[last] = first[last]
        keep = ~last | (size > 2)
    else:
        keep = ~last
    seg = np.hstack([flat[here[keep]], flat[after[keep]]])
    seg = seg[(seg[:, :2] != seg[:, 2:]).any(axis=1)]
    forward = (seg[:, 0] < seg[:, 2]) | ((seg[:, 0] == seg[:, 2]) & (seg[:, 1] <= seg[:, 3]))
    canonical = np.where(forward[:, None], seg, seg[:, [2, 3, 0, 1]])
    _, index = np.unique(canonical, axis=0, return_index=True)
    return seg[np.sort(index)].tolist()


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


def offset_lines(local_geoms: Sequence, distance_m: float) -> np.ndarray:
    """Lines moved ``distance_m`` across themselves (left of their direction when positive,
    mitred bends), rounded as :func:`to_local` leaves them; a line the offset loses (a
    hairpin) is kept as it is."""
    geoms = np.asarray(local_geoms, dtype=object)
    moved = shapely.offset_curve(geoms, distance_m, join_style="mitre", mitre_limit=2.0)
    lost = ~shapely.is_missing(geoms) & (shapely.is_missing(moved) | shapely.is_empty(moved))
    moved[lost] = geoms[lost]
    return _rounded(moved)


def metres_per_px(bounds: Sequence[float], *, width_px: int = 560, height_px: int = 560) -> float:
    """Metres per screen pixel at the first view of ``bounds`` (:func:`view_state`)."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    return 1 / (0.92 * min(width_px / span_x, height_px / span_y))


def network_offset_m(key: str, bounds: Sequence[float]) -> float:
    """How far a network of ``key`` (a pipe kind, or ``"power"``) is drawn beside its line,
    in metres: its slot (:func:`landplan.style.network_slot`) times the slots' spacing in
    pixels at the first view of ``bounds``, rounded to :data:`PRECISION_M`. Two types on one
    road centreline are drawn apart; the distance is fixed in metres (zoomed in, it grows on
    screen).

    >>> network_offset_m("water", (0, 0, 1288, 500)), network_offset_m("power", (0, 0, 1288, 500))
    (-7.5, 22.5)
    """
    return round(style.network_slot(key) * style.network_spacing_px() * metres_per_px(bounds), 1)


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


# ------------------------------------------------------------------------------ raster
def raster_image(polygons: np.ndarray, codes: np.ndarray, colours: Sequence[tuple[int, int, int]],
                 missing_colour: tuple[int, int, int], *, bounds: Sequence[float],
                 lines: Sequence[tuple[np.ndarray, tuple[int, int, int]]] = (),
                 max_px: int = DRAW_WIDTH_PX) -> tuple[str, list[float]]:
    """The choropleth (and lines over it) drawn into one PNG, as a data URL and its bounds.

    ``polygons`` are local geometries, ``codes`` their classes (``-1`` = ``missing_colour``).
    Cells are ``max(span) / max_px`` metres; the image is palette PNG with a transparent
    background. Returns ``(data URL, [minx, miny, maxx, maxy])`` for a ``BitmapLayer``.
    """
    from PIL import Image
    from rasterio.features import rasterize
    from rasterio.transform import from_bounds

    from ..terrain import burn

    minx, miny, maxx, maxy = (float(b) for b in bounds)
    cell = _span(bounds) / max_px
    width = max(1, math.ceil((maxx - minx) / cell))
    height = max(1, math.ceil((maxy - miny) / cell))
    maxx, maxy = minx + width * cell, miny + height * cell
    transform = from_bounds(minx, miny, maxx, maxy, width, height)
    palette = [(255, 255, 255), missing_colour, *colours]
    values = (np.asarray(codes, dtype=np.int64) + 2).astype(np.uint8)
    image = burn(polygons, values, transform=transform, shape=(height, width))
    for geoms, colour in lines:
        geoms = np.asarray(geoms, dtype=object)
        geoms = geoms[[g is not None and not g.is_empty for g in geoms]]
        if len(geoms):
            palette.append(colour)
            burnt = rasterize(((g, 1) for g in geoms), out_shape=(height, width),
                              transform=transform, fill=0, dtype="uint8", all_touched=True)
            image[burnt == 1] = len(palette) - 1
    pil = Image.fromarray(image, mode="P")
    flat = [v for rgb in palette for v in rgb]
    pil.putpalette(flat + [0] * (768 - len(flat)))
    buffer = io.BytesIO()
    pil.save(buffer, format="PNG", optimize=False, transparency=0)
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return url, [minx, miny, maxx, maxy]


# ------------------------------------------------------------------------------ basemap
#: At most this many XYZ tiles are drawn under the park (the zoom is lowered until they fit).
TILE_MAX = 64
_WEB_MERCATOR_M_PER_PX = 156_543.033_928  # metres per pixel of a 256-pixel tile at zoom 0


def _tile_lonlat(x: np.ndarray, y: np.ndarray, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of the corner (x, y) of XYZ tiles at zoom ``z``."""
    n = 2.0 ** z
    lon = x / n * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * y / n))))
    return lon, lat


def xyz_tiles(tile_url: str, bounds: Sequence[float], origin: tuple[float, float], crs,
              *, max_tiles: int = TILE_MAX) -> list[tuple[str, list[list[float]]]]:
    """The XYZ tiles of ``tile_url`` covering ``bounds`` (local metres), as ``(url, corners)``:
    each tile's four corners in local metres (bottom-left, top-left, top-right, bottom-right),
    for a ``BitmapLayer`` in the map's own planar view.

    The zoom gives about two tile pixels per map pixel at the first view (the park's span
    over 1,024 pixels), lowered until at most ``max_tiles`` tiles cover the park. A tile is a
    square in Web Mercator; placed by its corners, projected into ``crs`` (the workspace's),
    it lies where it belongs to within a pixel over a park's few kilometres. No tiles (an
    empty list) where the CRS has no way to longitude and latitude.
    """
    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    minx, miny, maxx, maxy = (float(b) for b in bounds)
    xs = np.array([minx, maxx, maxx, minx, (minx + maxx) / 2]) + origin[0]
    ys = np.array([miny, miny, maxy, maxy, (miny + maxy) / 2]) + origin[1]
    try:
        to_lonlat = Transformer.from_crs(crs, 4326, always_xy=True)
        to_crs = Transformer.from_crs(4326, crs, always_xy=True)
        lon, lat = to_lonlat.transform(xs, ys)
    except ProjError:  # a CRS without a way to longitude and latitude: no tiles
        return []
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()) or abs(lat[4]) > 85:
        return []
    metres_per_px = _span(bounds) / 1024
    zoom = int(np.clip(math.floor(math.log2(_WEB_MERCATOR_M_PER_PX * math.cos(math.radians(lat[4]))
                                            / metres_per_px)), 0, 19))
    while True:
        n = 2 ** zoom
        x0, x1 = (int(np.clip(math.floor((v + 180.0) / 360.0 * n), 0, n - 1))
                  for v in (lon[:4].min(), lon[:4].max()))
        y0, y1 = (int(np.clip(math.floor((1 - math.asinh(math.tan(math.radians(v))) / math.pi)
                                         / 2 * n), 0, n - 1)) for v in (lat[:4].max(), lat[:4].min()))
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= max_tiles or zoom == 0:
            break
        zoom -= 1
    tx, ty = np.meshgrid(np.arange(x0, x1 + 1), np.arange(y0, y1 + 1))
    tx, ty = tx.ravel(), ty.ravel()
    # corners per tile: bottom-left (x, y+1), top-left (x, y), top-right (x+1, y), bottom-right
    cx = np.stack([tx, tx, tx + 1, tx + 1], axis=1).ravel()
    cy = np.stack([ty + 1, ty, ty, ty + 1], axis=1).ravel()
    clon, clat = _tile_lonlat(cx.astype(float), cy.astype(float), zoom)
    px, py = to_crs.transform(clon, clat)
    corners = np.round(np.column_stack([np.asarray(px) - origin[0], np.asarray(py) - origin[1]]),
                       1).reshape(-1, 4, 2)
    url = tile_url.replace("'", "%27")  # the URL is a quoted literal in the deck's JSON
    return [(url.replace("{z}", str(zoom)).replace("{x}", str(int(x))).replace("{y}", str(int(y))),
             quad.tolist()) for x, y, quad in zip(tx, ty, corners, strict=True)
            if np.isfinite(quad).all()]


# ------------------------------------------------------------------------------ deck
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
    radius = grow * max(_span(bounds) * FACILITY_MARKER_SHARE / 2, FACILITY_MARKER_MIN_M / 2)
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
            layers.append(_line_layer(f"power-{_number_text(kv)}kV", rows,
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


def parcel_deck(parcel_groups: dict[int, list[dict]], classes: Classes,
                road_groups: dict[str, list[dict]], **kwargs) -> CompactDeck:
    """:func:`park_deck` with parcels and roads only (kept for scripts using the old map)."""
    return park_deck(parcel_groups, classes, road_groups=road_groups, **kwargs)


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
