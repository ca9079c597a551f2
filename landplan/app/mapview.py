"""The map component every page uses: colour picker, layer pickers, the map, its legend.

:func:`show_map` draws the shown (filtered) parcels coloured by one column over the chosen
network layers, and returns the selected parcel id. The selection is shared by all pages
(:data:`SELECTED_KEY`): a parcel picked on any map, or in the 地块详情 search box, is the
parcel the 地块详情 page shows.

The map is the map component (:func:`landplan.app.deckmap.deck_map`: deck.gl with scale bar,
north arrow, cursor coordinates and measuring). A parcel selected with ``zoom`` (a table row,
the search box: :func:`select_parcel`) is the box the map zooms to, once per request. A big
park (above :data:`~landplan.app.map.VECTOR_MAX_PARCELS` shown parcels) is one server-drawn
image; its map reports its view, and zoomed in until the view holds at most
:data:`DETAIL_MAX_PARCELS` parcels, those are drawn as vectors over the image, with hover,
click and identify.
"""

from __future__ import annotations

import hashlib
import html

import numpy as np
import pandas as pd
import shapely
import streamlit as st

from .. import labels, style
from ..coverage import NETWORK_TYPES
from . import map as lpmap
from . import panels, server
from .context import TILE_URL_KEY, Context
from .data import same_ids
from .deckmap import deck_map
from .i18n import t

__all__ = ["show_map", "SELECTED_KEY", "FOCUS_KEY", "DETAIL_MAX_PARCELS", "LAYER_KEYS",
           "MAP_HEIGHT_PX", "PAGE_THEMES", "colour_key", "crs_label", "offered_themes",
           "select_parcel", "selected_parcel", "sync_selection"]

#: Session-state key of the selected parcel id (set by a map or the search box).
SELECTED_KEY = "parcel_selected"
#: Session-state key of the parcel the maps should zoom to: ``(parcel_id, seq)``, set by
#: :func:`select_parcel` with ``zoom=True`` (a table row or the search box); ``seq`` grows at
#: each request, so that a map zooms once per request and keeps the planner's view after.
FOCUS_KEY = "parcel_focus"
#: Session-state keys of the layer pickers: ``shown`` holds the chosen ones of
#: :data:`LAYER_CHOICES`, ``pipelines`` the pipe kinds, ``powerlines`` the voltages.
LAYER_KEYS = {"shown": "layer_shown", "pipelines": "layer_pipes", "powerlines": "layer_power"}
#: The layers picked in ``LAYER_KEYS["shown"]``, and those shown by default.
LAYER_CHOICES = ("roads", "facilities", "outlines")
LAYER_DEFAULTS = ("roads", "facilities")
_TAG_KEY = "_parcel_layer_tag"
#: Height of the map in pixels.
MAP_HEIGHT_PX = 560
#: A big park's map (above :data:`~landplan.app.map.VECTOR_MAX_PARCELS` shown parcels, one
#: server-drawn image) zoomed in until its view holds at most this many shown parcels draws
#: them as vector parcels over the image: hover, click and identify work there.
DETAIL_MAX_PARCELS = 3_000
_HAS = tuple(f"has_{n}" for n in NETWORK_TYPES)
#: The themes (:data:`landplan.app.map.THEMES`) each page's map offers, by the map's key, in
#: the order of its picker; a map not listed offers them all.
PAGE_THEMES: dict[str, tuple[str, ...]] = {
    "map_overview": lpmap.THEMES,
    "parcel_map": lpmap.THEMES,
    "map_efficiency": ("efficiency_class", "tax_per_mu_wan", "tax_per_mu_wan" + lpmap.JENKS,
                       "efficiency_score", "contract_check", "status", "land_use", "idle_status",
                       "lifecycle_gap"),
    "map_idle": ("idle_status", "status", "lifecycle_gap", "contract_check", "land_use",
                 "efficiency_class", "readiness"),
    "map_infrastructure": ("readiness", *_HAS, "status", "land_use", "idle_status"),
    "map_lifecycle": ("lifecycle_gap", "contract_check", "status", "idle_status", "land_use",
                      "efficiency_class"),
    "map_terrain": ("cut_depth_m", "fill_depth_m", "cut_m3", "fill_m3", "relief_m", "readiness",
                    "status", "land_use"),
    "map_siting": ("readiness", *_HAS, "land_use", "status", "efficiency_class", "idle_status"),
}


def colour_key(key: str) -> str:
    """Session-state key of the colour picker of the map ``key``."""
    return f"{key}_colour"


def _tag() -> str:
    return str(st.session_state.get(_TAG_KEY, 0))


def select_parcel(parcel_id: str | None, *, zoom: bool = False) -> None:
    """Make ``parcel_id`` the selected parcel; maps drop their own (older) selection.

    The maps' parcel layers get new ids (:func:`~landplan.app.map.parcel_layer_id`), so the
    browser drops its selection and stops dimming the other parcels. With ``zoom`` the maps
    also zoom to the parcel (:data:`FOCUS_KEY`), as after a click on a table row.
    """
    state = st.session_state
    state[SELECTED_KEY] = parcel_id
    if zoom and parcel_id is not None:
        _, seq = state.get(FOCUS_KEY) or (None, 0)
        state[FOCUS_KEY] = (parcel_id, int(seq) + 1)
    state[_TAG_KEY] = int(state.get(_TAG_KEY, 0)) + 1
    for name in [k for k in state if str(k).startswith("_pick_")]:
        state[name] = None


def selected_parcel() -> str | None:
    """The selected parcel id (``None`` when none is)."""
    return st.session_state.get(SELECTED_KEY)


def sync_selection(key: str, ids) -> None:
    """Fold a new selection on the map ``key`` into the shared selection (kept while it is
    one of ``ids``, the shown frame's parcels). :func:`show_map` does it; a page that shows
    the selection above its map calls it first."""
    state = st.session_state
    last = f"_pick_{key}"
    pick = lpmap.picked_parcel(state.get(key), _tag())
    if pick != state.get(last):  # this map's selection changed since the last run
        state[last] = pick
        state[SELECTED_KEY] = pick  # None: a click beside the parcels clears it
    if state.get(SELECTED_KEY) not in ids:
        state[SELECTED_KEY] = None


def _swatch(rgb, alpha: float = 1.0) -> str:
    r, g, b = rgb[:3]
    return (f'<span style="display:inline-block;width:0.95em;height:0.95em;margin-right:0.4em;'
            f'vertical-align:-0.1em;border:1px solid #888;background:rgba({r},{g},{b},{alpha})">'
            "</span>")


def _legend(classes: lpmap.Classes, frame: pd.DataFrame, mask: np.ndarray, lang: str,
            lines: list[tuple[str, tuple]]) -> None:
    area = pd.to_numeric(frame["area_mu"], errors="coerce").to_numpy(dtype="float64")
    codes = classes.codes
    rows = []
    entries = [*((k, classes.labels[k], classes.colours[k]) for k in range(len(classes.labels))),
               (-1, classes.missing_label, classes.missing_colour)]
    for code, name, colour in entries:
        hit = mask & (codes == code)
        if code == -1 and not hit.any():
            continue
        rows.append(f"<div>{_swatch(colour)}{html.escape(name)} · "
                    f"{t('legend.summary', lang, n=int(hit.sum()), mu=float(np.nansum(area[hit])))}"
                    "</div>")
    rows.append(f"<div><b>{t('legend.total', lang)}</b> · "
                f"{t('legend.summary', lang, n=int(mask.sum()), mu=float(np.nansum(area[mask])))}"
                "</div>")
    for name, colour in lines:
        rows.append(f"<div style='margin-top:0.2em'>{_swatch(colour)}{html.escape(name)}</div>")
    st.markdown(f"**{t('legend.title', lang)}{html.escape(classes.title)}**")
    st.markdown("<div class='landplan-legend'>" + "".join(rows) + "</div>",
                unsafe_allow_html=True)


def _layer_pickers(ctx: Context) -> dict:
    park, lang = ctx.park, ctx.lang
    with st.expander(t("layers.title", lang), expanded=False):
        # multiselects only (no check boxes): one widget kind fewer for the browser to load
        # before the first map
        offered = [name for name in LAYER_CHOICES
                   if (name != "roads" or "roads" in park.lines)
                   and (name != "facilities" or not park.facilities.empty)]
        shown = st.multiselect(t("layers.shown", lang), offered,
                               default=[name for name in LAYER_DEFAULTS if name in offered],
                               key=LAYER_KEYS["shown"], help=t("layers.outlines_help", lang),
                               format_func=lambda name: t(f"layers.{name}", lang),
                               placeholder=t("layers.none", lang))
        kinds: list[str] = []
        if "pipelines" in park.lines:
            # the kinds present, found once (a set per kind cost 0.9 s a run at 100,000 parcels)
            present = set(pd.unique(park.lines["pipelines"][0].get(
                "kind", pd.Series(dtype=object)).dropna()))
            found = [k for k in lpmap.PIPE_COLOURS if k in present]
            kinds = st.multiselect(t("layers.pipelines", lang), found, key=LAYER_KEYS["pipelines"],
                                   format_func=lambda k: labels.value("pipe_kind", k, lang),
                                   placeholder=t("layers.none", lang))
        volts: list[float] = []
        if "powerlines" in park.lines:
            found_kv = sorted(float(v) for v in pd.unique(pd.to_numeric(
                park.lines["powerlines"][0].get("voltage_kv"), errors="coerce").dropna()))
            volts = st.multiselect(t("layers.powerlines", lang), found_kv,
                                   key=LAYER_KEYS["powerlines"],
                                   format_func=lambda v: f"{lpmap.number_text(v)} kV",
                                   placeholder=t("layers.none", lang))
    return {"roads": "roads" in shown, "pipelines": tuple(kinds), "powerlines": tuple(volts),
            "facilities": "facilities" in shown, "outlines": "outlines" in shown}


@st.cache_resource(show_spinner=False, max_entries=4)
def _drawn(key: tuple, _geoms, bounds: tuple) -> np.ndarray:
    """:func:`landplan.app.map.drawn` of every parcel (as the map draws them), cached on
    ``key`` (workspace, version)."""
    return lpmap.drawn(_geoms, bounds)


@st.cache_resource(show_spinner=False, max_entries=4)
def _tree(key: tuple, _geoms) -> shapely.STRtree:
    """An STRtree of the drawn parcels (:func:`_drawn`), cached on ``key`` (workspace, version)."""
    return shapely.STRtree(_geoms)


@st.cache_resource(show_spinner=False, max_entries=4)
def _inset(key: tuple, _geoms, gap_m: float) -> np.ndarray:
    """:func:`landplan.app.map.inset` of every parcel, cached on ``key`` (workspace, version)."""
    return lpmap.inset(_geoms, gap_m)


@st.cache_resource(show_spinner=False, max_entries=4)
def _roads(key: tuple, _attrs, _geoms) -> dict[str, list[dict]]:
    """:func:`landplan.app.map.road_records`, cached on ``key`` (workspace and data version):
    the road areas do not change with the filters."""
    return lpmap.road_records(_attrs, _geoms)


def _road_statuses(attrs: pd.DataFrame) -> np.ndarray:
    """Each road's status as drawn (missing or unknown: ``built``, as the map draws it)."""
    status = (attrs["status"] if "status" in attrs else pd.Series([None] * len(attrs))
              ).astype(object).to_numpy()
    return np.where(np.isin(status, list(lpmap.ROAD_STYLES)), status, "built")


def _line_groups(ctx: Context, on: dict, *, raster: bool) -> tuple[dict, dict, dict, list]:
    """Map rows of the networks turned on, pipelines and power lines each type beside the
    others (:func:`landplan.app.map.network_offset_m`), and their legend entries
    (:func:`_layer_legend`); no road rows for a ``raster`` map (its image has the roads)."""
    park = ctx.park
    roads = pipes = power = {}
    legend: list = []
    if on["roads"]:
        attrs, geoms = park.lines["roads"]
        if not raster:
            roads = _roads((park.path, ctx.stamp()), attrs, geoms)
        present = set(_road_statuses(attrs))
        legend += [("road", s) for s in style.codes("road_status") if s in present]
    if on["pipelines"]:
        attrs, geoms = park.lines["pipelines"]
        kind = attrs["kind"].astype(object).to_numpy()
        keep = np.isin(kind, list(on["pipelines"]))
        pipes = lpmap.line_records(kind[keep], geoms[keep], offset_m={
            k: lpmap.network_offset_m(k, park.bounds) for k in on["pipelines"]})
        legend += [("pipe", k) for k in on["pipelines"]]
    if on["powerlines"]:
        attrs, geoms = park.lines["powerlines"]
        kv = pd.to_numeric(attrs["voltage_kv"], errors="coerce").to_numpy(dtype="float64")
        keep = np.isin(kv, list(on["powerlines"]))
        shift = lpmap.network_offset_m("power", park.bounds)
        power = lpmap.line_records(kv[keep].tolist(), geoms[keep],
                                   offset_m={v: shift for v in on["powerlines"]})
        legend += [("band", b) for b in sorted({style.power_band(v) for v in on["powerlines"]})]
    return roads, pipes, power, legend


def _layer_legend(entries: list, lang: str) -> list[tuple[str, tuple]]:
    """Legend words and colour of every layer drawn beside the parcels: ``(what, code)``
    entries of roads by status, pipelines by kind, power lines by voltage band, facilities by
    kind, extension routes, the selected parcel."""
    out = []
    for what, code in entries:
        if what == "road":
            out.append((t("legend.road", lang, status=labels.value("line_status", code, lang)),
                        lpmap.ROAD_STYLES[code][:3]))
        elif what == "pipe":
            out.append((t("legend.pipe", lang, kind=labels.value("pipe_kind", code, lang)),
                        style.rgb("pipe", code)))
        elif what == "band":
            band = style.table()["power"]["bands"][code]
            kv = band["max_kv"] if band["max_kv"] is not None else band["min_kv"]
            out.append((t("legend.power_band", lang, band=style.power_label(kv, lang)),
                        style.power_rgb(kv)))
        elif what == "facility":
            out.append((t("legend.facility", lang, kind=style.label("facility", code, lang)),
                        style.rgb("facility", code)))
        else:  # routes, selected
            out.append((t(f"legend.{what}", lang), style.element("route" if what == "routes"
                                                                 else "selected")))
    return out


@st.cache_resource(show_spinner=False, max_entries=8)
def _raster(key: tuple, _polygons, _codes, _colours, _missing, _bounds, _lines):
    """:func:`landplan.app.map.raster_image`, cached on ``key`` (data version and choices)."""
    return lpmap.raster_image(_polygons, _codes, _colours, _missing, bounds=_bounds, lines=_lines)


@st.cache_resource(show_spinner=False, max_entries=4)
def _tiles(url: str, bounds: tuple, origin: tuple, crs_name: str, _crs) -> list:
    """:func:`landplan.app.map.xyz_tiles`, cached on the URL and the park's place."""
    return lpmap.xyz_tiles(url, bounds, origin, _crs)


def _view_bbox(value) -> tuple[float, float, float, float] | None:
    """The box (local metres) of the view a map reported (:func:`~landplan.app.deckmap.deck_map`
    with ``report_view``), or ``None`` before it has, or for anything not a box."""
    try:
        box = tuple(float(v) for v in value["view"]["bbox"])
    except (KeyError, TypeError, ValueError):
        return None
    if len(box) != 4 or not np.isfinite(box).all() or box[0] >= box[2] or box[1] >= box[3]:
        return None
    return box


def _detail_box(state, key: str, focus: tuple | None) -> tuple | None:
    """The box whose parcels a big park's map draws as vectors: the view the map reported
    last (:func:`_view_bbox`); but from the run that asks the map to zoom to a parcel
    (``focus``) until the map reports another view, a box about the view the map zooms to
    (the parcel's box, at least 60 m, grown by half on every side: the map fits the box
    with a margin, in a frame wider than high)."""
    value = state.get(key)
    reported = value.get("view") if isinstance(value, dict) else None
    memo_key = f"_focus_view_{key}"
    memo = state.get(memo_key)
    if focus is not None and (memo is None or memo[0] != focus[1]):
        (minx, miny, maxx, maxy), seq = focus
        half = max(60.0, maxx - minx, maxy - miny) * 1.5
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        memo = (seq, reported, (cx - half, cy - half, cx + half, cy + half))
        state[memo_key] = memo
    if memo is not None and reported == memo[1]:
        return memo[2]
    return _view_bbox(value)


def _in_view(tree: shapely.STRtree, join, index: np.ndarray, shown: np.ndarray,
             box: tuple[float, float, float, float]) -> np.ndarray:
    """Positions in ``index`` (the shown rows; ``shown`` their drawn parcels) of the parcels
    whose drawn box meets ``box``: the layer's parcels found in the tree of the park's drawn
    parcels, a row with its own geometry (another date's) by its own."""
    inside = np.zeros(len(tree.geometries), dtype=bool)
    inside[tree.query(shapely.box(*box))] = True
    rows = join.rows[index]
    hit = np.zeros(len(index), dtype=bool)
    layer = rows >= 0
    hit[layer] = inside[rows[layer]]
    if not layer.all():
        hit[~layer] = shapely.intersects(shown[~layer], shapely.box(*box))
    return np.flatnonzero(hit)


def _subset(classes: lpmap.Classes, index: np.ndarray) -> lpmap.Classes:
    """The classes of the rows ``index`` (their codes and values; the same classes)."""
    return lpmap.Classes(classes.column, classes.title, classes.codes[index], classes.labels,
                         classes.colours, [classes.values[i] for i in index],
                         classes.missing_label, classes.missing_colour)


def _focus(state, join, mask: np.ndarray, drawn_of) -> tuple | None:
    """``(box, seq)`` for the map to zoom to: the drawn bounds (local metres) of the parcel
    :data:`FOCUS_KEY` names, while the map shows it; ``None`` otherwise. The map zooms once
    per ``seq`` and keeps the planner's view after."""
    focus = state.get(FOCUS_KEY)
    if not focus:
        return None
    pid, seq = focus
    row = join.row_of(pid)
    if row is None or not mask[row]:
        return None
    geom = drawn_of([row])[0]
    if geom is None or geom.is_empty:
        return None
    return tuple(round(float(v), 1) for v in geom.bounds), int(seq)


def crs_label(park, lang: str) -> str:
    """The map's CRS as its cursor readout names it (:func:`landplan.thematic.crs_text`:
    ``CGCS2000 / 3° 分带高斯-克吕格投影 第 39 带 (EPSG:4527)``), or the name the park has."""
    if park.metric is None:
        return park.crs or "—"
    from ..thematic import crs_text

    return crs_text(park.metric, lang)


def offered_themes(themes, frame_columns, also: tuple[str, ...] = ()) -> list[str]:
    """The themes of ``themes`` a map offers: those whose columns the frame has, and those
    of ``also`` (a page that evaluates when one of them is picked)."""
    have = set(frame_columns)
    return [c for c in themes if c in also or set(lpmap.theme_columns(c)) <= have]


def show_map(ctx: Context, frame: pd.DataFrame, mask: np.ndarray, *, key: str,
             default_colour: str = "status", columns: tuple[str, ...] | None = None,
             extra_lines: list[dict] | None = None, readiness_levels: tuple[str, ...] = (),
             also_offer: tuple[str, ...] = ()) -> str | None:
    """Draw the map of the shown parcels; returns the selected parcel id (or ``None``).

    ``frame`` (parcels or evaluation, each in its own row order) and ``mask`` come from
    :meth:`Context.shown`; every row is drawn with the geometry of its own parcel, found by
    parcel_id (:meth:`Context.joined`). The theme picker (地块着色) lists the themes of
    ``columns`` (by default the page's, :data:`PAGE_THEMES`) whose columns ``frame`` has (a
    page that gave the parcels alone offers those of
    :data:`~landplan.app.map.PARCEL_COLUMNS`), and those of ``also_offer``, which the page
    evaluates for when one is picked. The legend lists every class with its count and area,
    then every layer drawn (roads by status, pipelines by kind, power lines by voltage band,
    facilities by kind, routes, the selected parcel). Under the legend, the selected parcel's
    key facts and links to its details and report (:func:`~landplan.app.panels.identify_panel`).
    """
    park, lang = ctx.park, ctx.lang
    join = ctx.joined(frame)
    same_ids(join.ids, frame["parcel_id"].astype(str), "the map's geometries and the shown rows")
    sync_selection(key, join.ids)
    themes = PAGE_THEMES.get(key, lpmap.THEMES) if columns is None else columns
    offered = offered_themes(themes, frame.columns, also_offer)
    if default_colour not in offered:
        default_colour = offered[0] if offered else "status"
    ck = colour_key(key)
    if st.session_state.get(ck) not in offered:
        st.session_state[ck] = default_colour
    col_map, col_side = st.columns([3, 1.25], gap="medium")
    with col_side:
        column = st.selectbox(t("map.colour_by", lang), offered, key=ck,
                              format_func=lambda c: lpmap.theme_title(c, lang))
        on = _layer_pickers(ctx)
    if column == "readiness" and not readiness_levels:
        from .context import readiness_levels as levels_of

        readiness_levels = tuple(levels_of(ctx.workspace))
    classes = lpmap.classify(frame, column, lang=lang, readiness_levels=readiness_levels)
    index = np.flatnonzero(mask)
    roads, pipes, power, line_legend = _line_groups(
        ctx, on, raster=len(index) > lpmap.VECTOR_MAX_PARCELS)
    facilities = None
    if on["facilities"]:
        fac = park.facilities
        facilities = [{"x": float(x), "y": float(y), "k": str(k)} for x, y, k in
                      zip(fac["x"], fac["y"], fac.get("kind", pd.Series([""] * len(fac))),
                          strict=True)]
        present = {f["k"] for f in facilities}
        line_legend += [("facility", k) for k in (*style.codes("facility"),
                                                  *sorted(present - set(style.codes("facility"))))
                        if k in present]
    if extra_lines:
        line_legend.append(("routes", None))
    selected = st.session_state.get(SELECTED_KEY)
    gap_m = lpmap.parcel_gap_m(park.bounds)
    cache_key = (park.path, ctx.stamp())
    geoms = _drawn(cache_key, park.geoms, park.bounds)  # for drawing only

    def drawn_of(rows) -> np.ndarray:  # the frame's rows as drawn, by parcel_id
        return join.pick(geoms, rows, own=lambda own: lpmap.drawn(own, park.bounds))

    shown = drawn_of(index)
    highlight = []
    row = join.row_of(selected)
    if row is not None:
        parcel = drawn_of([row])[0]
        # as wide as three gaps, at most a sixth of the parcel's narrow side (a big park's
        # gap is wider than its parcels zoomed in)
        minx, miny, maxx, maxy = parcel.bounds if parcel is not None and not parcel.is_empty \
            else (0.0, 0.0, 0.0, 0.0)
        outline = lpmap.band(parcel, max(min(3 * gap_m, min(maxx - minx, maxy - miny) / 6),
                                         2 * lpmap.PRECISION_M))
        for poly in lpmap.rings_of([outline])[0]:
            highlight.append({"p": poly[0] if len(poly) == 1 else poly})
        line_legend.append(("selected", None))
    focus = _focus(st.session_state, join, mask, drawn_of)
    sub_classes = _subset(classes, index)
    raster = groups = outlines = None
    snap_outset_m = 0.0
    detail = None  # a big park zoomed in: the positions in index of the parcels in view
    if len(index) > lpmap.VECTOR_MAX_PARCELS:
        digest = hashlib.sha1(np.packbits(mask).tobytes() + join.rows.tobytes()).hexdigest()
        lines = []
        if on["roads"]:  # by status, built drawn last (over the others)
            attrs, road_geoms = park.lines["roads"]
            status = _road_statuses(attrs)
            lines += [(road_geoms[status == s], lpmap.ROAD_STYLES[s][:3])
                      for s in reversed(style.codes("road_status")) if (status == s).any()]
        raster = _raster((*cache_key, ctx.frame_key(frame), column, ctx.as_of, ctx.year, digest,
                          on["roads"], tuple(classes.labels)), shown, classes.codes[index],
                         tuple(classes.colours), classes.missing_colour, park.bounds, lines)
        box = _detail_box(st.session_state, key, focus)
        if box is not None:
            detail = _in_view(_tree(cache_key, geoms), join, index, shown, box)
            if len(detail) > DETAIL_MAX_PARCELS:
                detail = None
        if detail is not None and len(detail):  # the parcels in view over the image, outlined
            groups = lpmap.parcel_records(frame.iloc[index[detail]], lpmap.rings_of(shown[detail]),
                                          _subset(sub_classes, detail))
            outlines = lpmap.edge_rows(shown[detail])
    else:
        if on["outlines"]:
            rings = lpmap.rings_of(shown)
            outlines = lpmap.edge_rows(shown)
        else:  # drawn inset by half the gap: measuring moves their corners back out
            snap_outset_m = gap_m / 2
            rings = lpmap.rings_of(join.pick(_inset(cache_key, geoms, gap_m), index,
                                             own=lambda own: lpmap.inset(lpmap.drawn(
                                                 own, park.bounds), gap_m)))
        groups = lpmap.parcel_records(frame.iloc[index], rings, sub_classes)
    tile_url = st.session_state.get(TILE_URL_KEY) or ""
    tiles = (_tiles(tile_url, park.bounds, park.origin, park.crs, park.metric)
             if tile_url and park.metric is not None else [])
    deck = lpmap.park_deck(groups, classes, bounds=park.bounds, road_groups=roads,
                           pipe_groups=pipes, power_groups=power, facilities=facilities,
                           raster=raster, extra_lines=extra_lines, selected=highlight,
                           outlines=outlines, lang=lang,
                           height_px=MAP_HEIGHT_PX, tag=_tag(), tiles=tiles)
    with col_map:
        if tile_url:
            st.caption(t("map.tiles_on" if tiles else "map.tiles_unplaced", lang))
        deck_map(deck, key=key, height_px=MAP_HEIGHT_PX, lang=lang, origin=park.origin,
                 crs_label=crs_label(park, lang),
                 tooltip=lpmap.parcel_tooltip(classes.title, lang) if groups else False,
                 focus=focus, report_view=raster is not None, snap_outset_m=snap_outset_m)
        server.map_sent()  # the server's preload may now evaluate
        if raster is None:
            st.caption(t("map.hint", lang))
        elif detail is not None:
            st.caption(t("mapdetail.hint_detail", lang, n=len(detail)))
        else:
            st.caption(t("mapdetail.hint_zoom", lang, n=lpmap.VECTOR_MAX_PARCELS,
                         limit=DETAIL_MAX_PARCELS))
    with col_side:
        _legend(classes, frame, mask, lang, _layer_legend(line_legend, lang))
        if row is not None:  # identify in place: the selected parcel's key facts
            panels.identify_panel(ctx, frame, selected, key=key)
    return st.session_state.get(SELECTED_KEY)
