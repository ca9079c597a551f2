"""What colours the parcels: the map's themes and their classes, legend words and colours.

A theme (:data:`THEMES`) is a column, a number column cut at its natural breaks
(:data:`JENKS`), a network's has/lacks, a cut or fill depth (:data:`DERIVED`), or the
payback class (:func:`landplan.thematic.payback_classes`).
:func:`classify` turns it into :class:`Classes`: categories in their own order, with their
colours and legend words from landplan/style.yaml (:mod:`landplan.style`, shared with the
reports); or graduated classes for numbers (:func:`landplan.breaks.class_limits`), written
by :func:`landplan.labels.fmt` in the column's unit. The map (:mod:`landplan.app.map`) draws
one layer per class.

Plain pandas and numpy (no pydeck, no Streamlit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import labels, style
from ..breaks import class_limits
from ..coverage import NETWORK_TYPES
from ..thematic import PAYBACK_COLUMNS, payback_classes

__all__ = [
    "STATUS_COLOURS",
    "NO_STATUS_COLOUR",
    "NO_DATA_COLOUR",
    "COLOUR_COLUMNS",
    "JENKS",
    "DERIVED",
    "THEMES",
    "PARCEL_COLUMNS",
    "COLOUR_GROUPS",
    "NUMBER_UNITS",
    "Classes",
    "number_text",
    "theme_column",
    "theme_columns",
    "theme_title",
    "theme_values",
    "classify",
]

# The colours and widths are landplan/style.yaml's (:mod:`landplan.style`), shared with the
# reports; these are the parcels' fills, read by the pages and the tests.
#: Fill colour (RGB) of each parcel status; the legend uses the same.
STATUS_COLOURS: dict[str, tuple[int, int, int]] = style.colours("parcel_status")
#: Fill colour of parcels without a (known) status.
NO_STATUS_COLOUR: tuple[int, int, int] = style.missing("parcel_status")
#: Fill colour of parcels without a value in the coloured column.
NO_DATA_COLOUR: tuple[int, int, int] = style.missing("ramps")
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
    "payback", "lifecycle_gap", "contract_check", "cut_depth_m", "fill_depth_m", "cut_m3", "fill_m3",
    "relief_m",
)
#: Of those, the ones the parcels layer has itself (no evaluation needed).
PARCEL_COLUMNS: frozenset[str] = frozenset({"status", "land_use"})
#: Coded columns and their colour group in :mod:`landplan.style` (colours and legend words).
COLOUR_GROUPS: dict[str, str] = {
    "status": "parcel_status", "efficiency_class": "efficiency_class",
    "idle_status": "idle_status", "lifecycle_gap": "lifecycle_gap",
    "contract_check": "contract_check", "land_use": "land_use", "payback": "payback_class",
    **{f"has_{t}": "network_access" for t in NETWORK_TYPES},
}
#: Number columns, binned into quantiles, and the unit their numbers are written in
#: (:func:`landplan.labels.fmt`).
NUMBER_UNITS: dict[str, str] = {"tax_per_mu_wan": "wan_per_mu", "efficiency_score": "score",
                                "cut_m3": "m3", "fill_m3": "m3", "relief_m": "m",
                                "cut_depth_m": "m", "fill_depth_m": "m"}


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


def number_text(value: float, unit: str = "") -> str:
    """A number as the legend and the tooltip show it: :func:`landplan.labels.fmt` in the
    column's ``unit``; without one, a voltage (:func:`landplan.style.kv_text`)."""
    return labels.fmt(value, unit) if unit else style.kv_text(value)


def _limit_texts(edges: np.ndarray, unit: str) -> list[str]:
    """Class limits as the legend writes them: in the unit's decimals, more where two limits
    would read the same (depths of a few centimetres in metres), up to four."""
    texts = [number_text(v, unit) for v in edges]
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
    if column == "payback":
        return PAYBACK_COLUMNS
    return DERIVED.get(column, (column,))


def _base_title(column: str, lang: str) -> str:
    if column in DERIVED:
        return labels.t(f"app.theme.{column}", lang)
    if column == "payback":
        return labels.column("payback_class", lang)
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


def theme_values(frame: pd.DataFrame, theme: str) -> pd.Series:
    column = theme_column(theme)
    if column in DERIVED:
        num, den = (pd.to_numeric(frame[c], errors="coerce") if c in frame.columns
                    else pd.Series(np.nan, index=frame.index) for c in DERIVED[column])
        return num / den.where(den > 0)
    if column == "payback":  # classes of the static payback years and econ_status
        return payback_classes(frame)
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
    raw = theme_values(frame, theme)
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
        shown = [number_text(v, unit) for v in values]
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
