"""Inline SVG drawn from the geometries: the parcel map and the park report's charts.

No tiles and no network: the map is the parcel, its neighbours, the roads, pipelines and power
lines clipped to a square window around it, drawn in the widths and colours of
:mod:`landplan.style` (the app's map draws the same) (see :func:`landplan.report.context.map_window`),
in the workspace's metric CRS, north up, with a scale bar. Every geometry is clipped to the
window and drawn no finer than half a pixel (a parcel of millions of vertices keeps a few
hundred; :func:`landplan.geometry.simplify_for_map`). Every text is escaped. The SVG has
no ``xmlns`` attribute: inline in HTML5 it needs none (and a report holds no URL at all).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from markupsafe import escape

from .. import style
from ..geometry import simplify_for_map
from .i18n import t

__all__ = ["parcel_map", "map_legend", "bar_chart", "histogram", "geometry_path"]

#: SVG text fonts: first the reduced CJK font PDF reports register (:data:`landplan.report.fonts.FAMILY`;
#: a browser skips the unknown name), then the system fonts.
_FONT = "landplan CJK, Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Zen Hei, sans-serif"
#: Geometries are drawn no finer than this many pixels (:func:`landplan.geometry.simplify_for_map`).
DRAW_TOLERANCE_PX = 0.5


def _built(status) -> bool:
    """A line is drawn as built when its status says so or is empty (SPEC §3)."""
    return str(status) in ("built", "None", "nan", "<NA>", "")


def _ring(coords: np.ndarray) -> str:
    pts = " L".join(f"{x:.1f} {y:.1f}" for x, y in coords)
    return f"M{pts}"


def geometry_path(geom) -> str:
    """SVG path data of a (multi)polygon or (multi)line in the SVG's own coordinates."""
    if geom is None or shapely.is_empty(geom):
        return ""
    parts = shapely.get_parts(geom)
    out = []
    for part in parts:
        kind = shapely.get_type_id(part)
        if kind == 3:  # polygon: exterior and holes (fill-rule evenodd)
            rings = [shapely.get_exterior_ring(part), *shapely.get_interior_ring(
                part, np.arange(shapely.get_num_interior_rings(part)))]
            out += [_ring(shapely.get_coordinates(r)) + " Z" for r in rings]
        elif kind in (1, 2):  # line
            out.append(_ring(shapely.get_coordinates(part)))
        elif kind == 7:
            out.append(geometry_path(part))
    return " ".join(p for p in out if p)


def _nice(length: float) -> float:
    """A round length ≤ ``length`` (1, 2, 5 × 10^n)."""
    if length <= 0:
        return 0.0
    exp = 10 ** math.floor(math.log10(length))
    return max(m for m in (1, 2, 5, 10) if m * exp <= length) * exp


def parcel_map(ctx, parcel_id: str, *, lang: str = "zh", size_px: int = 400) -> str:
    """The parcel's map as an inline ``<svg>`` element (``""`` when the parcel has no geometry)."""
    pos = ctx.position[parcel_id]
    window = ctx.windows.get(pos)
    if window is None:
        return ""
    x0, y0, x1, y1 = window
    scale = size_px / (x1 - x0)
    tolerance_m = DRAW_TOLERANCE_PX / scale

    def to_svg(geoms: np.ndarray) -> np.ndarray:
        drawn = simplify_for_map(geoms, tolerance_m, frame=window)
        return shapely.transform(drawn, lambda c: np.column_stack([(c[:, 0] - x0) * scale,
                                                                   (y1 - c[:, 1]) * scale]))

    legend_h = 0
    parts = [f'<svg class="map" viewBox="0 0 {size_px} {size_px + legend_h}" width="{size_px}" '
             f'height="{size_px + legend_h}" role="img" font-size="10" font-family="{_FONT}" aria-label="{escape(t("map.alt", lang, pid=parcel_id))}">',
             f'<rect x="0" y="0" width="{size_px}" height="{size_px}" fill="{style.element_hex("background")}" '
             f'stroke="{style.element_hex("frame")}"/>']
    layer = ctx.layers["parcels"]
    near = layer.near.get(pos, np.zeros(0, int))
    others = near[near != pos]
    for geom, pid in zip(to_svg(layer.geoms[others]), layer.attrs["parcel_id"].to_numpy()[others], strict=True):
        parts.append(f'<path d="{geometry_path(geom)}" fill="{style.element_hex("neighbour")}" '
                     f'stroke="{style.element_hex("neighbour_edge")}" stroke-width="1" '
                     f'fill-rule="evenodd"><title>{escape(pid)}</title></path>')
    roads = ctx.layers.get("roads")
    if roads is not None:
        idx = roads.near.get(pos, np.zeros(0, int))
        columns = [roads.attrs[c].to_numpy()[idx] if c in roads.attrs else [None] * len(idx)
                   for c in ("grade", "width_m", "status")]
        for geom, grade, width_m, st in zip(to_svg(roads.geoms[idx]), *columns, strict=True):
            width = max(style.road_width_m(grade, width_m) * scale, 2.0)
            dash = "" if _built(st) else f' stroke-dasharray="{width:.1f} {width:.1f}"'
            colour = style.to_hex(style.road_rgb(st))
            parts.append(f'<path class="road" d="{geometry_path(geom)}" fill="none" stroke="{colour}" '
                         f'stroke-width="{width:.1f}" stroke-linecap="butt"{dash}/>')
    pipes = ctx.layers.get("pipelines")
    if pipes is not None:
        idx = pipes.near.get(pos, np.zeros(0, int))
        kinds = pipes.attrs["kind"].to_numpy()[idx]
        status = pipes.attrs["status"].to_numpy()[idx]
        for geom, kind, st in zip(to_svg(pipes.geoms[idx]), kinds, status, strict=True):
            dash = "" if _built(st) else ' stroke-dasharray="4 3"'
            parts.append(f'<path class="pipe" d="{geometry_path(geom)}" fill="none" '
                         f'stroke="{style.hex("pipe", kind)}" stroke-width="{style.pipe_width_px():g}"{dash}/>')
    power = ctx.layers.get("powerlines")
    if power is not None:
        idx = power.near.get(pos, np.zeros(0, int))
        volts = power.attrs["voltage_kv"].to_numpy()[idx]
        for geom, kv in zip(to_svg(power.geoms[idx]), volts, strict=True):
            parts.append(f'<path class="power" d="{geometry_path(geom)}" fill="none" '
                         f'stroke="{style.to_hex(style.power_rgb(kv))}" '
                         f'stroke-width="{style.power_width_px(kv):g}" stroke-dasharray="6 2 1 2"/>')
    me = to_svg(np.array([ctx.table.geometry.iloc[pos]], dtype=object))[0]
    parts.append(f'<path d="{geometry_path(me)}" fill="{style.element_hex("this_parcel")}" fill-opacity="0.75" '
                 f'stroke="{style.element_hex("this_parcel_edge")}" '
                 f'stroke-width="2.5" fill-rule="evenodd"/>')
    cx, cy = shapely.get_coordinates(shapely.point_on_surface(me))[0]
    parts.append(f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" font-size="12" font-weight="bold" fill="{style.element_hex("this_parcel_text")}">{escape(parcel_id)}</text>')
    # scale bar and north arrow
    bar_m = _nice((x1 - x0) / 4)
    bar_px = bar_m * scale
    unit = t("unit.m", lang)
    parts.append(f'<g class="scale"><rect x="12" y="{size_px - 22}" width="{bar_px:.1f}" height="5" fill="{style.element_hex("ink")}"/>'
                 f'<text x="12" y="{size_px - 27}" font-size="10">{escape(t("map.scale", lang))} {bar_m:g} {escape(unit)}</text></g>')
    parts.append(f'<g class="north"><path d="M{size_px - 22} 34 L{size_px - 14} 12 L{size_px - 6} 34 Z" fill="{style.element_hex("ink")}"/>'
                 f'<text x="{size_px - 14}" y="48" text-anchor="middle" font-size="11">N</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def map_legend(lang: str = "zh") -> list[tuple[str, str]]:
    """The map's legend as (inline CSS of the key, label) pairs, drawn in HTML under the map:
    the parcel, its neighbours, the roads, every pipeline kind and power-line band, in the
    colours of :mod:`landplan.style`."""
    fill = "background: {}; border: 0.5pt solid " + style.element_hex("legend_edge") + "; height: 7pt"
    line = "border-top: 2pt {} {}; height: 0"
    items = [(fill.format(style.element_hex("this_parcel")), t("map.legend.parcel", lang)),
             (fill.format(style.element_hex("neighbour")), t("map.legend.neighbour", lang)),
             (line.format("solid", style.to_hex(style.road_rgb("built"))), t("map.legend.road", lang))]
    items += [(line.format("dashed", colour), f"{t('map.legend.power', lang)} {words}")
              for words, colour in style.power_legend(lang)]
    items += [(line.format("solid", colour), words) for words, colour in style.legend("pipe", lang)]
    return items


def bar_chart(labels: list[str], values: list[float], *, unit: str, title: str,
              colours: list[str] | None = None, width: int = 460, bar_h: int = 22) -> str:
    """A horizontal bar chart as inline SVG; each bar says its value and unit."""
    values = [0.0 if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in values]
    top = max(values + [0.0]) or 1.0
    left, right = 120, 110
    height = 28 + bar_h * len(labels) + 8
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" font-size="10" font-family="{_FONT}" '
             f'aria-label="{escape(title)}">', f'<text x="0" y="16" font-size="12" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 28 + i * bar_h
        w = (width - left - right) * value / top
        colour = colours[i] if colours else style.element_hex("chart_bar")
        parts.append(f'<text x="{left - 6}" y="{y + bar_h * 0.65:.1f}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="{colour}"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + bar_h * 0.65:.1f}">{value:,.2f} {escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(values: np.ndarray, *, bins: int = 10, unit: str, count_unit: str, title: str,
              width: int = 460, height: int = 200) -> str:
    """A histogram of ``values`` (NaN left out) as inline SVG, bin edges labelled with the unit."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" font-size="10" font-family="{_FONT}" '
             f'aria-label="{escape(title)}">', f'<text x="0" y="16" font-size="12" font-weight="bold">{escape(title)}</text>']
    if len(values):
        counts, edges = np.histogram(values, bins=bins)
        top = counts.max() or 1
        left, bottom, plot_h = 40, height - 34, height - 70
        bw = (width - left - 10) / bins
        for i, c in enumerate(counts):
            h = plot_h * c / top
            parts.append(f'<rect x="{left + i * bw + 1:.1f}" y="{bottom - h:.1f}" width="{bw - 2:.1f}" '
                         f'height="{h:.1f}" fill="{style.element_hex("chart_bar")}"><title>{edges[i]:,.2f}–{edges[i + 1]:,.2f} '
                         f'{escape(unit)}: {c} {escape(count_unit)}</title></rect>')
            parts.append(f'<text x="{left + (i + 0.5) * bw:.1f}" y="{bottom - h - 3:.1f}" text-anchor="middle">{c}</text>')
        for i, anchor in ((0, "middle"), (bins // 2, "middle"), (bins, "end")):  # the last one ends at the edge
            parts.append(f'<text x="{left + i * bw:.1f}" y="{bottom + 14}" text-anchor="{anchor}">{edges[i]:,.1f}</text>')
        parts.append(f'<text x="{width - 10}" y="{height - 4}" text-anchor="end">{escape(unit)}</text>')
        parts.append(f'<text x="0" y="{bottom - plot_h - 4}">{escape(count_unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)
