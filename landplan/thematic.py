"""专题图: a thematic map of the park to put into a report, as PNG, PDF or SVG.

One page, A4 or A3 landscape, drawn with matplotlib only (no tiles, no network): the parcels
coloured by one theme over the roads (drawn at their width in metres), the network of the
theme where it has one, a title (editable; by default the map's name in the catalogue:
闲置土地分布图, 亩均效益分级图, 基础设施配套图 …), a legend with the number of parcels and
their area in 亩 per class, a scale bar of a round length with the map's scale 1:N, a north
arrow (grid north of the workspace's CRS), the coordinate system, the data date, the as-of
date, the organisation when one is given, and a table of totals for the themes that have one.

The map is drawn at a round scale (1:N, N a round number such as 5000 or 25000): the frame is a
fixed size on the paper and the ground it shows is N times as large, so that a ruler on the
printed page measures the ground. Colours come from :mod:`landplan.style`, every word from
:mod:`landplan.labels`; text is drawn in the reduced CJK font of the PDF reports
(:mod:`landplan.report.fonts`), embedded in the PDF as TrueType/OpenType (``pdf.fonttype``
42) so that its text can be searched and copied; SVG keeps text as text.

>>> sorted(THEMES)[:3]
['cut_m3', 'efficiency_class', 'fill_m3']
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import labels, style
from .breaks import class_limits
from .coverage import NETWORK_TYPES, PIPE_KINDS
from .economics import PAYBACK_CLASSES, payback_class
from .errors import LandplanError

__all__ = ["THEMES", "FORMATS", "PAPERS", "Theme", "MapResult", "themes", "theme_title",
           "apply_filters", "classify", "crs_text", "render", "map_workspace"]

log = logging.getLogger(__name__)

#: Output formats (file suffix without the dot).
FORMATS: tuple[str, ...] = ("png", "pdf", "svg")
#: Paper sizes, landscape, in millimetres (width, height).
PAPERS: dict[str, tuple[float, float]] = {"a4": (297.0, 210.0), "a3": (420.0, 297.0)}
_MM = 1 / 25.4  # inches per millimetre


@dataclass(frozen=True)
class Theme:
    """How a theme colours the parcels.

    ``kind``: ``group`` (a coded column and its colour group in :mod:`landplan.style`),
    ``number`` (quantile classes on the ``number`` ramp, in ``unit``), ``levels`` (readiness,
    best first on the ``good_bad`` ramp) or ``has`` (a network available or lacking).
    ``total``: the column summed in the table of totals (none: no table).
    """

    name: str
    column: str
    kind: str
    group: str = ""
    unit: str = ""
    total: str = ""
    network: str = ""


def _themes() -> dict[str, Theme]:
    out = {
        "status": Theme("status", "status", "group", group="parcel_status"),
        "land_use": Theme("land_use", "land_use", "group", group="land_use"),
        "efficiency_class": Theme("efficiency_class", "efficiency_class", "group",
                                  group="efficiency_class", total="tax_wan"),
        "tax_per_mu_wan": Theme("tax_per_mu_wan", "tax_per_mu_wan", "number", unit="wan_per_mu",
                                total="tax_wan"),
        "idle_status": Theme("idle_status", "idle_status", "group", group="idle_status",
                             total="idle_fee_wan"),
        "readiness": Theme("readiness", "readiness", "levels"),
        "lifecycle_gap": Theme("lifecycle_gap", "lifecycle_gap", "group", group="lifecycle_gap"),
        "cut_m3": Theme("cut_m3", "cut_m3", "number", unit="m3", total="cut_m3"),
        "fill_m3": Theme("fill_m3", "fill_m3", "number", unit="m3", total="fill_m3"),
    }
    out["payback"] = Theme("payback", "payback_class", "group", group="payback_class")
    for net in NETWORK_TYPES:
        out[f"has_{net}"] = Theme(f"has_{net}", f"has_{net}", "has", network=net,
                                  total=f"ext_{net}_cost_wan")
    return out


#: Every theme by name.
THEMES: dict[str, Theme] = _themes()
#: The columns the payback theme's class (:func:`payback_classes`) is read from.
PAYBACK_COLUMNS: tuple[str, str] = ("static_payback_years", "econ_status")


def payback_classes(table: pd.DataFrame) -> pd.Series:
    """Per row its payback class (``val.payback_class.*``, style group ``payback_class``):
    the static payback years in :data:`landplan.economics.PAYBACK_BINS` (``0_5`` … ``30_plus``),
    else ``not_within_horizon`` from ``econ_status``; none where neither says (no outlay,
    supply date or ledger; no economics columns)."""
    years = table["static_payback_years"] if "static_payback_years" in table.columns else None
    status = table["econ_status"].to_numpy(dtype=object) if "econ_status" in table.columns else None
    codes = payback_class(np.full(len(table), np.nan) if years is None else years.to_numpy(dtype=object), status)
    # on the map a parcel without a payback is "not computed" (no class), except "not within the horizon"
    codes = np.where(np.isin(codes, [*PAYBACK_CLASSES, "not_within_horizon"]), codes, None)
    return pd.Series(codes, index=table.index, dtype=object)


def _with_payback(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its ``payback_class`` column where it has the economics columns."""
    if "payback_class" in table.columns or not set(PAYBACK_COLUMNS) & set(table.columns):
        return table
    return table.assign(payback_class=payback_classes(table))


#: The facility kind that feeds each network (drawn on its has_<network> map).
_FEEDS = {"power": "substation", "water": "water_plant", "sewer": "sewage_plant",
          "gas": "gas_station", "heat": "heat_source"}


def themes(table: pd.DataFrame | None = None) -> list[str]:
    """The theme names, in order; given the evaluation ``table``, only those it can draw
    (cut/fill need terrain, numbers at least one value)."""
    names = list(THEMES)
    if table is None:
        return names
    table = _with_payback(table)
    out = []
    for name in names:
        theme = THEMES[name]
        if theme.column not in table.columns:
            continue
        if theme.kind == "number" and not np.isfinite(
                pd.to_numeric(table[theme.column], errors="coerce").to_numpy(dtype="float64")).any():
            continue
        out.append(name)
    return out


def theme_title(theme: str, lang: str = labels.DEFAULT_LANG) -> str:
    """The map's default title for ``theme`` (:func:`get_theme` checks the name)."""
    spec = get_theme(theme, lang)
    if spec.kind == "has":
        return labels.t("thematic.title.has", lang, net=labels.value("network_type", spec.network, lang))
    return labels.t(f"thematic.title.{theme}", lang)


def get_theme(theme: str, lang: str = labels.DEFAULT_LANG) -> Theme:
    """The :class:`Theme` named ``theme``; an unknown name is bad input (:class:`LandplanError`)."""
    try:
        return THEMES[theme]
    except KeyError:
        raise LandplanError(labels.t("thematic.err.theme", lang, theme=theme,
                                     themes=", ".join(THEMES))) from None


# ------------------------------------------------------------------------------ filters
def _value_words(column: str, code: Any) -> set[str]:
    """A cell's code and its words in every language (a filter matches any of them)."""
    text = str(code)
    words = {text}
    kind = labels.kind_of(column)
    if kind is not None:
        words |= {labels.value(kind, code, lang) for lang in labels.LANGS}
    if isinstance(code, bool | np.bool_):
        words |= {str(bool(code)).lower(), "1" if code else "0"}
        words |= {labels.t(f"thematic.has.{'yes' if code else 'no'}", lang) for lang in labels.LANGS}
    return {w.strip().casefold() for w in words if w}


def apply_filters(table: pd.DataFrame, filters: Mapping[str, Sequence[str] | str] | None,
                  lang: str = labels.DEFAULT_LANG) -> np.ndarray:
    """The rows of ``table`` the filters keep, as a boolean array.

    ``filters``: column → value (or values: any of them). A value matches a cell's code or its
    words in either language (``status=halted`` or ``status=停工/停产``); several columns must
    all match. A column the table does not have, or a value no parcel has, is bad input
    (:class:`LandplanError` naming the values found).
    """
    keep = np.ones(len(table), dtype=bool)
    for column, wanted in (filters or {}).items():
        if column not in table.columns or column == "geometry":
            raise LandplanError(labels.t("thematic.err.column", lang, column=column))
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        wanted_words = {str(v).strip().casefold() for v in values}
        cells = table[column].to_numpy(dtype=object)
        words_of = {}
        hit = np.zeros(len(table), dtype=bool)
        for i, cell in enumerate(cells):
            if cell is None or (isinstance(cell, float) and math.isnan(cell)) or cell is pd.NA:
                continue
            key = (type(cell), cell)
            if key not in words_of:
                words_of[key] = _value_words(column, cell)
            hit[i] = bool(words_of[key] & wanted_words)
        if not hit.any():
            kind = labels.kind_of(column)
            found = sorted({labels.value(kind, c, lang) if kind else str(c)
                            for c in cells if c is not None and not pd.isna(c)})
            shown = ", ".join(found[:12]) + (" …" if len(found) > 12 else "")
            raise LandplanError(labels.t("thematic.err.value", lang, column=column,
                                         value="|".join(values), values=shown or "—"))
        keep &= hit
    return keep


def _filter_text(filters: Mapping[str, Sequence[str] | str] | None, lang: str) -> str:
    """The filters as a person reads them: ``状态 = 停工/停产``."""
    parts = []
    for column, wanted in (filters or {}).items():
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        kind = labels.kind_of(column)
        shown = [labels.value(kind, v, lang) if kind else v for v in values]
        parts.append(f"{labels.column(column, lang)} = {' / '.join(shown)}")
    return "; ".join(parts)


# ------------------------------------------------------------------------------ classes
@dataclass
class Classes:
    """The classes of a theme: words, colours and each parcel's class (-1: no value)."""

    title: str
    names: list[str]
    colours: list[tuple[int, int, int]]
    codes: np.ndarray
    missing_name: str
    missing_colour: tuple[int, int, int]
    limits: list[tuple[float, float]] = field(default_factory=list)


def classify(table: pd.DataFrame, theme: str, *, lang: str = labels.DEFAULT_LANG,
             readiness_levels: Sequence[str] = ()) -> Classes:
    """The classes of ``theme`` for the rows of ``table``.

    Coded columns keep their style group's order, colours and words; numbers are cut at
    their quintiles (fewer classes where values repeat) with the class limits in the words;
    readiness levels run best first (``readiness_levels``, from the rules) on the good-bad
    ramp; a network's has/lacks is green/red (the ends of that ramp).
    """
    spec = get_theme(theme, lang)
    table = _with_payback(table)
    n = len(table)
    title = labels.column(spec.column, lang)
    raw = table[spec.column] if spec.column in table.columns else pd.Series([None] * n, index=table.index)
    if spec.kind == "number":
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
        ok = np.isfinite(values)
        if not ok.any():
            raise LandplanError(labels.t("thematic.err.no_values", lang, theme=theme, column=title))
        edges = class_limits(values[ok], style.ramp_size("number"))
        codes = np.full(n, -1, dtype=np.int64)
        codes[ok] = np.searchsorted(edges[1:-1], values[ok], side="right")
        limits = [(float(edges[k]), float(edges[k + 1])) for k in range(len(edges) - 1)]
        unit = labels.t(f"unit.{spec.unit}", lang)
        names = [f"{labels.fmt(a, spec.unit, lang)} – {labels.fmt(b, spec.unit, lang)} {unit}"
                 for a, b in limits]
        return Classes(title, names, style.ramp("number", len(limits)), codes,
                       style.missing_label("ramps", lang), style.missing("ramps"), limits)
    if spec.kind == "has":
        good, bad = style.ramp("good_bad", 2)
        flags = raw.astype(object).to_numpy(dtype=object)
        codes = np.array([-1 if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
                          else (0 if bool(v) else 1) for v in flags], dtype=np.int64)
        return Classes(title,
                       [labels.t("thematic.has.yes", lang), labels.t("thematic.has.no", lang)],
                       [good, bad], codes, style.missing_label("ramps", lang), style.missing("ramps"))
    text = raw.astype(object).where(raw.notna(), None).to_numpy(dtype=object)
    if spec.kind == "group":
        group = spec.group
        if group == "land_use":  # every code found, coloured by its class
            order = sorted({str(v) for v in text if v not in (None, "")})
        else:
            order = list(style.codes(group))
        colours = [style.rgb(group, c) for c in order]
        names = [style.label(group, c, lang) for c in order]
        missing = (style.missing_label(group, lang), style.missing(group))
    else:  # readiness: the rules' levels best first, then any other value found
        found = [str(v) for v in pd.unique(pd.Series(text).dropna()) if str(v)]
        order = [v for v in readiness_levels if v]
        order += sorted(v for v in found if v not in order)
        colours = style.ramp("good_bad", len(order))
        names = [labels.value(spec.column, c, lang) for c in order]
        missing = (style.missing_label("ramps", lang), style.missing("ramps"))
    index = {code: i for i, code in enumerate(order)}
    codes = np.fromiter((index.get(str(v), -1) if v is not None else -1 for v in text),
                        dtype=np.int64, count=n)
    return Classes(title, names, list(colours), codes, missing[0], missing[1])


# ------------------------------------------------------------------------------ page furniture
def crs_text(crs, lang: str = labels.DEFAULT_LANG) -> str:
    """The coordinate system as a map's margin names it: ``CGCS2000 / 3° 分带高斯-克吕格投影
    第 39 带 (EPSG:4527)`` for a CGCS2000 zone, else the CRS's name and EPSG code."""
    from pyproj import CRS

    from .crs import gk_zone_of_crs

    if crs is None:
        return "—"
    crs = CRS.from_user_input(crs)
    zone = gk_zone_of_crs(crs)
    code = crs.to_epsg()
    if zone is not None:
        return labels.t("thematic.crs.gk", lang, zone=zone, epsg=code)
    return f"{crs.name} (EPSG:{code})" if code else crs.name


def _nice_scale(needed: float) -> int:
    """The smallest round map scale denominator (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) ≥
    ``needed``: the map fills most of its frame at a scale a person can read and use."""
    exp = 10 ** math.floor(math.log10(max(needed, 1.0)))
    for m in _SCALE_STEPS:
        if m * exp >= needed:
            return int(round(m * exp))
    return int(10 * exp)  # pragma: no cover - 10·exp ≥ needed always


def _nice_length(length: float) -> float:
    """A round length ≤ ``length`` (1, 2, 5 × 10^n)."""
    exp = 10 ** math.floor(math.log10(length))
    return max(m for m in (1, 2, 5, 10) if m * exp <= length) * exp


#: Mantissas of the map scales (× 10^k).
_SCALE_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


@cache
def _font_path(chars: frozenset[str]) -> str | None:
    from .report.fonts import reduced_fonts, report_charset

    faces = reduced_fonts(report_charset(extra=["".join(sorted(chars))]))
    if faces is None:
        log.warning("no CJK font found: the map's Chinese text may not show (make sysdeps installs fonts-noto-cjk)")
        return None
    return str(faces.regular)


@dataclass(frozen=True)
class MapResult:
    """What :func:`render` drew: the title, the parcels coloured, the scale 1:N, the scale
    bar's length in metres and on the paper in millimetres, and the file (or bytes)."""

    title: str
    parcels: int
    scale: int
    bar_m: float
    bar_mm: float
    out: Path | None
    data: bytes | None


def _data_date(workspace) -> str | None:
    """The date of the parcels data: the effective date of the last change recorded in the
    workspace's history, else the date the parcels file was written; None for neither (a
    database workspace without history)."""
    if workspace is None:
        return None
    try:
        from .history import change_log, keeps_history
        from .workspace import Workspace

        ws = Workspace(workspace)
        if keeps_history(ws):
            dates = pd.to_datetime(change_log(ws)["effective_date"], errors="coerce").dropna()
            if len(dates):
                return dates.max().date().isoformat()
        path = ws.existing_path("parcels")
    except (LandplanError, OSError, AttributeError):  # no file (a database): no date shown
        return None
    if path is None:
        return None
    return dt.date.fromtimestamp(path.stat().st_mtime).isoformat()


def render(table: gpd.GeoDataFrame, theme: str, *, out: str | Path | None = None,
           fmt: str | None = None, lang: str = labels.DEFAULT_LANG, title: str | None = None,
           paper: str = "a4", filters: Mapping[str, Sequence[str] | str] | None = None,
           roads: gpd.GeoDataFrame | None = None, pipelines: gpd.GeoDataFrame | None = None,
           powerlines: gpd.GeoDataFrame | None = None, facilities: gpd.GeoDataFrame | None = None,
           as_of: dt.date | str | None = None, data_date: str | None = None,
           workspace: str | Path | None = None, organisation: str | None = None,
           readiness_levels: Sequence[str] = (), notes: Sequence[str] = (), dpi: int = 200) -> MapResult:
    """Draw the 专题图 of ``theme`` for the evaluation ``table`` (a GeoDataFrame in the
    workspace's metric CRS) and write it to ``out`` (``.png``, ``.pdf`` or ``.svg``), or return
    its bytes in ``fmt`` when ``out`` is None (the app's download button).

    ``filters`` (column → value(s), :func:`apply_filters`) pick the parcels coloured; the
    others are drawn plain for context, and the map shows the chosen ones. ``as_of``: the
    evaluation date (default the table's ``as_of``); ``data_date``: the date of the data
    (default the parcels file's date in ``workspace``); ``organisation``: the 编制单位 line
    (none: left out); ``notes``: lines printed under the map, wrapped to its width (what the
    theme's figures rest on, :func:`theme_notes`). Bad input (an unknown theme, filter column
    or value, format or paper) raises :class:`LandplanError` with one line in ``lang``.
    """
    lang = labels.check_lang(lang)
    spec = get_theme(theme, lang)
    if paper not in PAPERS:
        raise LandplanError(labels.t("thematic.err.paper", lang, paper=paper))
    if out is not None:
        out = Path(out)
        fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise LandplanError(labels.t("thematic.err.out", lang, out=out if out is not None else fmt))
    geoms = table.geometry.to_numpy() if len(table) else np.array([])
    drawable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.zeros(0, bool)
    if not drawable.any():
        raise LandplanError(labels.t("thematic.err.empty", lang))
    chosen = apply_filters(table, filters, lang) & drawable
    if not chosen.any():
        raise LandplanError(labels.t("thematic.err.empty", lang))
    classes = classify(table, theme, lang=lang, readiness_levels=readiness_levels)
    title = title if title is not None and title.strip() else theme_title(theme, lang)

    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon as MplPolygon
    from matplotlib.patches import Rectangle

    area_mu = pd.to_numeric(table["area_mu"], errors="coerce").to_numpy(dtype="float64") \
        if "area_mu" in table.columns else np.full(len(table), np.nan)
    counts: list[tuple[str, tuple[int, int, int], int, float, float]] = []
    total = spec.total if spec.total in table.columns else ""
    sums = pd.to_numeric(table[total], errors="coerce").to_numpy(dtype="float64") if total else None
    for k, (name, colour) in enumerate([*zip(classes.names, classes.colours, strict=True),
                                        (classes.missing_name, classes.missing_colour)]):
        code = k if k < len(classes.names) else -1
        rows = chosen & (classes.codes == code)
        if code == -1 and not rows.any():
            continue
        counts.append((name, colour, int(rows.sum()), float(np.nansum(area_mu[rows])),
                       float(np.nansum(sums[rows])) if sums is not None else math.nan))

    crs = table.crs
    as_of_text = _as_of(as_of, table)
    data_date = str(data_date)[:10] if data_date else _data_date(workspace)
    year = _ledger_year(table)
    footer = [labels.t("thematic.crs", lang, crs=crs_text(crs, lang))]
    dates = []
    if data_date:
        dates.append(labels.t("thematic.data_date", lang, date=data_date))
    if year:
        dates.append(labels.t("thematic.ledger_year", lang, year=year))
    if as_of_text:
        dates.append(labels.t("thematic.as_of", lang, date=as_of_text))
    if dates:
        footer.append("    ".join(dates))
    if filters:
        footer.append(labels.t("thematic.filter", lang, f=_filter_text(filters, lang)))
    if organisation and organisation.strip():
        footer.append(labels.t("thematic.organisation", lang, org=organisation.strip()))

    # the page, in inches; a3 is a4 scaled (fonts too)
    paper_w, paper_h = (v * _MM for v in PAPERS[paper])
    k = paper_w / (PAPERS["a4"][0] * _MM)
    margin = 0.45 * k
    for note in notes:
        footer += _wrap(note, (paper_w - 2 * margin) / k * 72.0 / 8.5)
    title_h, footer_h = 0.75 * k, (0.22 * len(footer) + 0.2) * k
    panel_w = 3.5 * k
    frame_w = paper_w - 2 * margin - panel_w - 0.25 * k
    frame_h = paper_h - 2 * margin - title_h - footer_h
    frame_x, frame_y = margin, margin + footer_h

    minx, miny, maxx, maxy = shapely.total_bounds(geoms[chosen])
    span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    pad = 0.06
    needed = max(span_x * (1 + 2 * pad) / (frame_w * 0.0254), span_y * (1 + 2 * pad) / (frame_h * 0.0254))
    scale = _nice_scale(needed)
    ground_w, ground_h = frame_w * 0.0254 * scale, frame_h * 0.0254 * scale
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    x0, x1, y0, y1 = cx - ground_w / 2, cx + ground_w / 2, cy - ground_h / 2, cy + ground_h / 2
    window = shapely.box(x0, y0, x1, y1)

    texts = [title, *footer, *classes.names, classes.missing_name, classes.title,
             labels.t("thematic.north", lang), labels.t("thematic.legend.other", lang),
             labels.t("layer.roads", lang)]
    font = _font_path(frozenset("".join(texts)))
    rc = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "svg.hashsalt": "landplan",
          "axes.unicode_minus": False}
    with matplotlib.rc_context(rc):  # no pyplot: a Figure of its own, no global backend
        def fp(size: float, bold: bool = False) -> FontProperties:
            prop = FontProperties(fname=font) if font else FontProperties(family="sans-serif")
            prop.set_size(size * k)
            if bold and not font:
                prop.set_weight("bold")
            return prop

        fig = Figure(figsize=(paper_w, paper_h))
        fig.patch.set_facecolor("white")
        ink = style.to_hex(style.element("ink"))
        fig.text(0.5, 1 - (margin + title_h * 0.45) / paper_h, title, ha="center", va="center",
                 fontproperties=fp(20), color=ink, gid="title")

        ax = fig.add_axes((frame_x / paper_w, frame_y / paper_h, frame_w / paper_w, frame_h / paper_h))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(style.to_hex(style.element("background")))
        for spine in ax.spines.values():
            spine.set_edgecolor(ink)
            spine.set_linewidth(0.8)
        ax.set_gid("map")
        tolerance = scale * 0.0254 / 300  # a third of a point on paper
        legend_lines: list[tuple[str, str, float]] = []

        if roads is not None and len(roads):
            _draw_roads(ax, roads, window, tolerance)
            legend_lines.append((labels.t("layer.roads", lang), style.to_hex(style.road_rgb("built")), 4.0))

        # parcels: the others plain, the chosen by class
        drawn = shapely.simplify(shapely.clip_by_rect(geoms, x0, y0, x1, y1), tolerance)
        others = drawable & ~chosen
        if others.any():
            _fill(ax, drawn[others], [style.to_hex(style.element("neighbour"))] * int(others.sum()), edge="#ffffff",
              gid="context")
        palette = [style.to_hex(c) for c in classes.colours]
        fills = [palette[c] if c >= 0 else style.to_hex(classes.missing_colour) for c in classes.codes[chosen]]
        _fill(ax, drawn[chosen], fills, edge="#ffffff", gid="parcels")

        if spec.kind in ("has", "levels"):
            legend_lines += _draw_networks(ax, spec, pipelines, powerlines, facilities, window,
                                           tolerance, lang)

        bar_m, bar_mm = _scale_bar(ax, fig, scale, x0, x1, y0, y1, frame_w, fp, ink, lang, Rectangle, Line2D)
        _north_arrow(ax, x1, y1, ground_w, ground_h, fp, ink, lang, MplPolygon)

        # the panel: legend, then the totals
        px = (frame_x + frame_w + 0.25 * k) / paper_w
        top = (frame_y + frame_h) / paper_h
        y = _legend(fig, px, top, classes.title, counts, legend_lines, others.any(), fp, ink, lang,
                    paper_w, paper_h, k, Rectangle, Line2D)
        if total:
            _totals(fig, px, y - 0.3 * k / paper_h, counts, total, spec, fp, ink, lang,
                    paper_w, paper_h, k)
        for i, line in enumerate(footer):
            fig.text(margin / paper_w, (margin + footer_h - 0.3 * k - 0.22 * k * i) / paper_h, line,
                     ha="left", va="center", fontproperties=fp(8.5), color=ink, gid=f"footer-{i}")

        buffer = io.BytesIO()
        meta = {"png": {"Title": title, "Software": "landplan"},
                "pdf": {"Title": title, "Creator": "landplan"},
                "svg": {"Title": title}}[fmt]
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=meta)
        data = buffer.getvalue()

    if out is not None:
        from .io.atomic import atomic_path

        with atomic_path(out) as tmp:
            Path(tmp).write_bytes(data)
        return MapResult(title, int(chosen.sum()), scale, bar_m, bar_mm, out, None)
    return MapResult(title, int(chosen.sum()), scale, bar_m, bar_mm, None, data)


def _ems(ch: str) -> float:
    """The width of ``ch`` in font sizes: a wide (CJK) or full-width character one, others about 0.55."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55


def _wrap(text: str, ems: float) -> list[str]:
    """``text`` in lines of at most ``ems`` font sizes wide, broken after a list separator
    (、，；, or ;) in the line's second half, else where the width runs out."""
    lines, line = [], ""
    for ch in text:
        if line and sum(map(_ems, line)) + _ems(ch) > ems:
            cut = max(line.rfind(sep) for sep in ("、", "，", "；", ", ", "; "))
            if cut > len(line) // 2:
                cut += 2 if line[cut:cut + 2] in (", ", "; ") else 1
                lines.append(line[:cut].rstrip())
                line = line[cut:]
            else:
                lines.append(line)
                line = ""
        line += ch
    if line.strip():
        lines.append(line)
    return lines


def theme_notes(theme: str, rules: Any, lang: str = labels.DEFAULT_LANG) -> list[str]:
    """The lines a theme's map must carry under it: for ``payback``, the inputs the payback
    rests on with their marks and, for a demo's illustrative inputs, the caveat
    (:func:`landplan.economics_workspace.basis_line`, ``economics_caveat``); else none."""
    if theme != "payback":
        return []
    from .economics_workspace import basis_line, economics_caveat

    return [line for line in (economics_caveat(rules, lang), basis_line(rules, lang)) if line]


def map_workspace(workspace: str | Path, theme: str, *, out: str | Path, lang: str = labels.DEFAULT_LANG,
                  as_of: dt.date | None = None, year: int | None = None, **options: Any) -> MapResult:
    """Evaluate ``workspace`` (as of ``as_of``, ledger ``year``) and :func:`render` ``theme`` to
    ``out`` with its roads, networks and facilities and the readiness levels of its rules
    (``landplan map``). The theme and the file's suffix are checked before the evaluation."""
    from .evaluate import evaluate
    from .rules import load_ruleset
    from .workspace import Workspace

    get_theme(theme, lang)
    if Path(out).suffix.lower().lstrip(".") not in FORMATS:
        raise LandplanError(labels.t("thematic.err.out", lang, out=out))
    ws = Workspace(workspace)
    rules = load_ruleset(ws)
    table = evaluate(ws, as_of=as_of, year=year, rules=rules)
    cov = rules.coverage
    layers = {name: ws.read(name) for name in ("roads", "pipelines", "powerlines", "facilities") if ws.has(name)}
    levels = [level.name for level in cov.readiness] + [cov.below]
    options.setdefault("notes", theme_notes(theme, rules, lang))
    return render(table, theme, out=out, lang=lang, workspace=workspace, readiness_levels=levels,
                  **layers, **options)


def _as_of(as_of, table) -> str | None:
    if as_of is not None:
        return str(as_of)[:10]
    if "as_of" in table.columns and len(table) and pd.notna(table["as_of"].iloc[0]):
        return pd.Timestamp(table["as_of"].iloc[0]).date().isoformat()
    return None


def _ledger_year(table) -> str | None:
    if "year" not in table.columns:
        return None
    years = pd.to_numeric(table["year"], errors="coerce").dropna()
    return str(int(years.max())) if len(years) else None


def _fill(ax, geoms: np.ndarray, colours: Sequence[str], *, edge: str, gid: str) -> None:
    """Polygons as matplotlib patches (holes cut by the even-odd rule of a compound path)."""
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path as MplPath

    paths, faces = [], []
    for geom, colour in zip(geoms, colours, strict=True):
        if geom is None or shapely.is_empty(geom):
            continue
        verts, codes = [], []
        for part in shapely.get_parts(geom):
            if shapely.get_type_id(part) != 3:
                continue
            rings = [shapely.get_exterior_ring(part), *shapely.get_interior_ring(
                part, np.arange(shapely.get_num_interior_rings(part)))]
            for ring in rings:
                xy = shapely.get_coordinates(ring)
                if len(xy) < 3:
                    continue
                verts.append(xy)
                codes.append(np.r_[MplPath.MOVETO, np.full(len(xy) - 2, MplPath.LINETO), MplPath.CLOSEPOLY])
        if verts:
            paths.append(MplPath(np.concatenate(verts), np.concatenate(codes).astype(np.uint8)))
            faces.append(colour)
    if paths:
        ax.add_collection(PathCollection(paths, facecolors=faces, edgecolors=edge, linewidths=0.3, zorder=2,
                                          gid=gid))


def _draw_roads(ax, roads: gpd.GeoDataFrame, window, tolerance: float) -> None:
    """Roads as areas of their width in metres (flat ends), under the parcels."""
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path as MplPath

    lines = shapely.clip_by_rect(roads.geometry.to_numpy(), *window.bounds)
    widths = [style.road_width_m(g, w) for g, w in zip(
        roads["grade"] if "grade" in roads else [None] * len(roads),
        roads["width_m"] if "width_m" in roads else [None] * len(roads), strict=True)]
    status = roads["status"] if "status" in roads else pd.Series([None] * len(roads))
    areas = shapely.buffer(lines, np.asarray(widths) / 2, cap_style="flat", join_style="mitre")
    keep = ~shapely.is_empty(areas)
    colours = [style.to_hex(style.road_rgb(s)) for s in status]
    paths, faces = [], []
    for geom, colour in zip(shapely.simplify(areas[keep], tolerance), np.asarray(colours, dtype=object)[keep],
                            strict=True):
        for part in shapely.get_parts(geom):
            if shapely.get_type_id(part) != 3:
                continue
            xy = shapely.get_coordinates(shapely.get_exterior_ring(part))
            if len(xy) >= 3:
                paths.append(MplPath(xy, closed=True))
                faces.append(colour)
    if paths:
        ax.add_collection(PathCollection(paths, facecolors=faces, edgecolors="none", zorder=1))


def _draw_networks(ax, spec: Theme, pipelines, powerlines, facilities, window, tolerance: float,
                   lang: str) -> list[tuple[str, str, float]]:
    """The network of a has_<network> map (all of them on the readiness map) over the parcels,
    and the facilities that feed it; their legend lines."""
    from matplotlib.collections import LineCollection

    out: list[tuple[str, str, float]] = []
    kinds = PIPE_KINDS if spec.kind == "levels" else ((spec.network,) if spec.network in PIPE_KINDS else ())
    lw = style.pipe_width_px() * 0.75
    if pipelines is not None and len(pipelines) and kinds and "kind" in pipelines:
        for kind in kinds:
            rows = pipelines[pipelines["kind"].astype(str) == kind]
            segs = _segments(rows.geometry.to_numpy(), window, tolerance)
            if segs:
                colour = style.hex("pipe", kind)
                ax.add_collection(LineCollection(segs, colors=colour, linewidths=lw, zorder=3))
                out.append((labels.value("pipe_kind", kind, lang), colour, lw))
    if powerlines is not None and len(powerlines) and spec.network in ("power", "") and spec.kind != "group":
        kv = powerlines["voltage_kv"] if "voltage_kv" in powerlines else pd.Series([None] * len(powerlines))
        bands = np.array([style.power_band(v) for v in kv])
        for band, (words, colour) in enumerate(style.power_legend(lang)):
            segs = _segments(powerlines.geometry.to_numpy()[bands == band], window, tolerance)
            if segs:
                ax.add_collection(LineCollection(segs, colors=colour, linewidths=lw, zorder=3))
                out.append((f"{labels.t('layer.powerlines', lang)} {words}", colour, lw))
    if facilities is not None and len(facilities) and "kind" in facilities:
        wanted = set(_FEEDS.values()) if spec.kind == "levels" else {_FEEDS.get(spec.network, "")}
        pts = facilities[facilities["kind"].astype(str).isin(wanted)]
        for kind, rows in pts.groupby(pts["kind"].astype(str), sort=True):
            xy = shapely.get_coordinates(shapely.centroid(rows.geometry.to_numpy()))
            ax.scatter(xy[:, 0], xy[:, 1], s=40, marker="s", c=style.hex("facility", kind),
                       edgecolors=style.element_hex("halo"), linewidths=0.8, zorder=4)
            out.append((labels.value("facility_kind", kind, lang), style.hex("facility", kind), -1.0))
    return out


def _segments(geoms: np.ndarray, window, tolerance: float) -> list[np.ndarray]:
    segs = []
    for geom in shapely.simplify(shapely.clip_by_rect(geoms, *window.bounds), tolerance):
        if geom is None or shapely.is_empty(geom):
            continue
        for part in shapely.get_parts(geom):
            if shapely.get_type_id(part) in (1, 2):
                xy = shapely.get_coordinates(part)
                if len(xy) >= 2:
                    segs.append(xy)
    return segs


def _scale_bar(ax, fig, scale: int, x0, x1, y0, y1, frame_w: float, fp, ink: str, lang: str,
               Rectangle, Line2D) -> tuple[float, float]:
    """A bar of a round length (about a fifth of the frame) in four black and white parts at
    the lower left, its length in metres below it and the scale 1:N above. Returns the bar's
    length in metres and on paper in millimetres."""
    ground_w = x1 - x0
    bar_m = _nice_length(ground_w / 5)
    bx, by = x0 + ground_w * 0.04, y0 + (y1 - y0) * 0.05
    h = (y1 - y0) * 0.012
    ax.add_patch(Rectangle((bx - ground_w * 0.015, by - h * 3.2), bar_m + ground_w * 0.05, h * 8.4,
                           facecolor="white", edgecolor="none", alpha=0.85, zorder=5))
    for i in range(4):
        ax.add_patch(Rectangle((bx + bar_m * i / 4, by), bar_m / 4, h, facecolor=ink if i % 2 == 0 else "white",
                               edgecolor=ink, linewidth=0.6, zorder=6))
    ax.add_line(Line2D([bx, bx + bar_m], [by, by], color=ink, linewidth=0.8, zorder=7, gid="scalebar"))
    unit, shown = ("km", bar_m / 1000) if bar_m >= 1000 else ("m", bar_m)
    ax.text(bx, by - h * 0.8, "0", ha="center", va="top", fontproperties=fp(7), color=ink, zorder=7)
    ax.text(bx + bar_m, by - h * 0.8, f"{shown:g} {labels.t(f'unit.{unit}', lang)}", ha="center", va="top",
            fontproperties=fp(7), color=ink, zorder=7)
    ax.text(bx, by + h * 2.2, labels.t("thematic.scale", lang, n=scale), ha="left", va="bottom",
            fontproperties=fp(8), color=ink, zorder=7, gid="scale")
    return bar_m, bar_m / scale * 1000


def _north_arrow(ax, x1, y1, ground_w, ground_h, fp, ink: str, lang: str, MplPolygon) -> None:
    """A north arrow (grid north) at the upper right: a split arrowhead and the letter."""
    s = ground_w * 0.022
    cx, top = x1 - ground_w * 0.05, y1 - ground_h * 0.06
    tip, base, notch = (cx, top), top - 2.6 * s, top - 1.9 * s
    ax.add_patch(MplPolygon([tip, (cx - s, base), (cx, notch)], closed=True, facecolor=ink,
                            edgecolor=ink, linewidth=0.6, zorder=6, gid="north"))
    ax.add_patch(MplPolygon([tip, (cx + s, base), (cx, notch)], closed=True, facecolor="white",
                            edgecolor=ink, linewidth=0.6, zorder=6))
    ax.text(cx, top + 0.3 * s, labels.t("thematic.north", lang), ha="center", va="bottom",
            fontproperties=fp(10), color=ink, zorder=6)


def _legend(fig, px: float, top: float, heading: str, counts, legend_lines, others: bool, fp, ink,
            lang: str, paper_w: float, paper_h: float, k: float, Rectangle, Line2D) -> float:
    """The legend in the right panel from ``top`` down: the theme's classes with their
    parcels and 亩, then the other layers drawn. Returns the y below it (figure fraction)."""
    step = 0.3 * k / paper_h
    sw, sh = 0.32 * k / paper_w, 0.18 * k / paper_h
    y = top - 0.1 * k / paper_h
    fig.text(px, y, heading, ha="left", va="top", fontproperties=fp(11), color=ink, gid="legend-title")
    y -= step * 1.3
    rows = [(name, style.to_hex(colour), labels.t("thematic.legend.count", lang, n=labels.fmt(n, "count", lang),
                                          mu=labels.fmt(mu, "mu", lang)))
            for name, colour, n, mu, _ in counts]
    if others:
        rows.append((labels.t("thematic.legend.other", lang), style.to_hex(style.element("neighbour")), ""))
    for name, colour, detail in rows:
        fig.add_artist(Rectangle((px, y - sh / 2), sw, sh, facecolor=colour, edgecolor=style.to_hex(style.element("legend_edge")),
                                 linewidth=0.5, transform=fig.transFigure))
        fig.text(px + sw + 0.1 * k / paper_w, y, name, ha="left", va="center", fontproperties=fp(8.5), color=ink)
        if detail:
            fig.text(1 - 0.45 * k / paper_w, y, detail, ha="right", va="center", fontproperties=fp(7.5), color=ink)
        y -= step
    for name, colour, width in legend_lines:
        if width < 0:  # a facility marker
            fig.add_artist(Rectangle((px + sw / 2 - sw / 6, y - sh / 3), sw / 3, sh * 2 / 3, facecolor=colour,
                                     edgecolor=style.to_hex(style.element("legend_edge")), linewidth=0.5,
                                     transform=fig.transFigure))
        else:
            fig.add_artist(Line2D([px, px + sw], [y, y], color=colour, linewidth=width, transform=fig.transFigure))
        fig.text(px + sw + 0.1 * k / paper_w, y, name, ha="left", va="center", fontproperties=fp(8.5), color=ink)
        y -= step
    return y


def _totals(fig, px: float, y: float, counts, total: str, spec: Theme, fp, ink, lang: str,
            paper_w: float, paper_h: float, k: float) -> None:
    """The table of totals: per class its parcels, 亩, share of the area and the sum of the
    theme's total column (tax, idle fee, extension cost, cut or fill), then the total."""
    header = [labels.t("thematic.table.class", lang), labels.t("thematic.table.count", lang),
              labels.column("area_mu", lang), labels.t("thematic.table.share", lang), labels.column(total, lang)]
    unit = "m3" if total in ("cut_m3", "fill_m3") else "wan"
    area = sum(c[3] for c in counts)
    rows = [[name, labels.fmt(n, "count", lang), labels.fmt(mu, "mu", lang),
             labels.fmt(100 * mu / area if area else math.nan, "pct", lang), labels.fmt(s, unit, lang)]
            for name, _, n, mu, s in counts]
    rows.append([labels.t("thematic.total", lang), labels.fmt(sum(c[2] for c in counts), "count", lang),
                 labels.fmt(area, "mu", lang), labels.fmt(100.0 if area else math.nan, "pct", lang),
                 labels.fmt(np.nansum([c[4] for c in counts]), unit, lang)])
    fig.text(px, y, labels.t("thematic.table.title", lang), ha="left", va="top", fontproperties=fp(10),
             color=ink, gid="totals-title")
    width = 1 - 0.45 * k / paper_w - px
    table_h = 0.2 * k / paper_h * (len(rows) + 1)
    tab = fig.add_axes((px, y - 0.28 * k / paper_h - table_h, width, table_h))
    tab.axis("off")
    table = tab.table(cellText=rows, colLabels=header, loc="upper left", cellLoc="right",
                      colLoc="center", bbox=(0, 0, 1, 1), colWidths=[0.34, 0.1, 0.18, 0.15, 0.23])
    table.auto_set_font_size(False)
    for (r, c), cell in table.get_celld().items():
        cell.set_text_props(fontproperties=fp(6.5 if r == 0 else 7), color=ink)
        cell.set_edgecolor(style.to_hex(style.element("legend_edge")))
        cell.set_linewidth(0.4)
        if c == 0:
            cell.get_text().set_horizontalalignment("left")
        if r == 0 or r == len(rows):
            cell.set_facecolor("#f2f2f2")
    tab.set_gid("totals")
