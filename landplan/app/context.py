"""The sidebar every page shares, and what it gives the pages: park, dates, filters.

``app.py`` calls :func:`sidebar` once per run before the page, and :func:`draw_sidebar`
after it (the widgets go into the places :func:`sidebar` laid out); the page calls
:func:`current` for the :class:`Context`: the park (:func:`~landplan.app.data.load_park`),
the as-of date and ledger year, the filters, and :meth:`Context.shown`, the filtered frame
(the parcels in force on the date, or the cached evaluation when a filter or the page needs
it), which also writes the count of shown parcels into the sidebar and says so when the
filters leave no parcel. A frame's rows are placed on the park's geometries by parcel_id
(:meth:`Context.joined`), never by position.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from .. import labels
from ..errors import LandplanError
from ..idle import IDLE_STATUSES
from ..rules import load_ruleset
from ..ruleset import RuleSet
from ..schema import ENUMS
from . import session
from .data import (
    Joined,
    Park,
    evaluation,
    join_park,
    joined,
    load_park,
    parcels_on,
    rules_text,
    workspace_stamp,
)
from .filters import NO_VALUE, Filters, apply_filters
from .i18n import t
from .ui import md_lines

__all__ = ["Context", "sidebar", "draw_sidebar", "current", "FILTER_KEYS", "AS_OF_KEY",
           "YEAR_KEY", "TILE_URL_KEY"]

log = logging.getLogger(__name__)

#: Session-state keys of the filter widgets.
FILTER_KEYS = {"statuses": "f_status", "industries": "f_industry", "classes": "f_class",
               "idle": "f_idle", "readiness": "f_readiness", "area_mu": "f_area",
               "text": "f_text"}
AS_OF_KEY = "as_of"
YEAR_KEY = "year"
#: Session-state key of the optional XYZ tile URL (settings page); empty = no basemap.
TILE_URL_KEY = "tile_url"
_CTX_KEY = "_landplan_context"
_RERUN_KEY = "_landplan_sidebar_rerun"


@dataclass
class Context:
    """What a page needs besides its own widgets."""

    workspace: Path
    lang: str
    park: Park | None
    as_of: dt.date
    year: int | None
    filters: Filters
    count_slot: object
    problem: tuple[str, str] | None = None  # (level, message) when there is no park
    widgets: list = field(default_factory=list)  # drawn by draw_sidebar() after the page
    # the frames this run got from the caches: id -> (frame, its cache key), for joined()
    _frames: dict = field(default_factory=dict)
    _said_empty: bool = False

    def _keep(self, frame, key: tuple):
        self._frames[id(frame)] = (frame, key)
        return frame

    def stamp(self) -> tuple:
        return workspace_stamp(self.workspace)

    def rules(self) -> RuleSet | None:
        """The rules in force (typed), or ``None`` after showing why they cannot be read."""
        try:
            return load_ruleset(self.workspace)
        except LandplanError as exc:
            st.error(t("rules.invalid", self.lang, error=md_lines(exc)))
            return None

    def table(self) -> pd.DataFrame | None:
        """The evaluation (cached), or ``None`` after showing why it failed."""
        return self.table_at(self.as_of)

    def table_at(self, as_of: dt.date) -> pd.DataFrame | None:
        """The evaluation at another date (same year and rules), cached likewise."""
        path = str(self.workspace.resolve())
        try:
            with st.spinner(t("eval.running", self.lang)):
                key = (path, workspace_stamp(path), as_of, self.year, rules_text(path))
                return self._keep(evaluation(*key), ("evaluation", *key))
        except LandplanError as exc:
            st.error(t("eval.failed", self.lang, error=md_lines(exc)))
        except Exception as exc:  # a broken file: say so, keep the traceback in the log
            log.exception("evaluating %s", path)
            st.error(t("eval.failed", self.lang, error=f"{type(exc).__name__}: {exc}"))
        return None

    def parcels(self) -> pd.DataFrame:
        """The parcels in force on the as-of date with their area: the layer's
        (:attr:`Park.parcels`), or in a workspace with a history those the history gives for
        the date (:func:`~landplan.app.data.parcels_on`)."""
        assert self.park is not None
        path = str(self.workspace.resolve())
        stamp = workspace_stamp(path)
        on = parcels_on(path, stamp, self.as_of)
        if on is None:
            return self._keep(self.park.parcels, ("layer", path, stamp))
        return self._keep(on, ("parcels", path, stamp, self.as_of))

    def frame_key(self, frame: pd.DataFrame) -> tuple | None:
        """What ``frame`` is, when this run got it from :meth:`parcels` or :meth:`table`
        (its cache key), else ``None``."""
        kept = self._frames.get(id(frame))
        return kept[1] if kept is not None and kept[0] is frame else None

    def joined(self, frame: pd.DataFrame) -> Joined:
        """The rows of ``frame`` placed on the park's geometries by parcel_id (cached for the
        frames of :meth:`parcels` and :meth:`table`)."""
        assert self.park is not None
        key = self.frame_key(frame)
        return join_park(self.park, frame) if key is None else joined(key, self.park, frame)

    def shown(self, *, evaluated: bool = False) -> tuple[pd.DataFrame, np.ndarray] | None:
        """The frame the page shows and its filter mask (and the count in the sidebar).

        The frame is the evaluation when ``evaluated`` or when a set filter needs it, else
        the parcels in force on the date (:meth:`parcels`); each in its own row order
        (:meth:`joined` places it on the park). ``None`` after showing why when there is
        nothing to show: the evaluation failed, or no parcel passes the filters.
        """
        assert self.park is not None
        if evaluated or self.filters.needs_evaluation():
            frame = self.table()
            if frame is None:
                return None
        else:
            frame = self.parcels()
        mask = apply_filters(frame, self.filters).to_numpy(dtype=bool)
        area = pd.to_numeric(frame["area_mu"], errors="coerce").to_numpy(dtype="float64")
        self.count_slot.caption(t("filters.count", self.lang, n=int(mask.sum()), total=len(frame),
                                  mu=float(np.nansum(area[mask]))))
        if not mask.any():
            if not self._said_empty:  # once per run (a page may ask for two frames)
                st.info(t("filters.nothing", self.lang, total=len(frame)) if len(frame) else
                        t("filters.none_on", self.lang, date=self.as_of.isoformat()))
                self._said_empty = True
            return None
        return frame, mask


def _open(path: Path, lang: str) -> tuple[Park | None, tuple[str, str] | None]:
    if not path.exists():
        return None, ("warning", t("empty.missing", lang, path=path))
    if not path.is_dir():
        return None, ("error", t("empty.error", lang, path=path, error=t("empty.not_folder", lang)))
    try:
        park = load_park(str(path.resolve()), workspace_stamp(path))
    except LandplanError as exc:
        return None, ("error", t("empty.error", lang, path=path, error=exc))
    except Exception as exc:  # a broken file: say so, keep the traceback in the server log
        log.exception("reading workspace %s", path)
        return None, ("error", t("empty.error", lang, path=path, error=f"{type(exc).__name__}: {exc}"))
    if park.parcels.empty:
        return None, ("info", t("empty.no_parcels", lang, path=path))
    return park, None


def readiness_levels(workspace: Path) -> list[str]:
    """The readiness levels of the rules in force, best first, then the level below."""
    try:
        cov = load_ruleset(workspace).coverage
    except LandplanError:
        return []
    return [level.name for level in cov.readiness] + [cov.below]


@dataclass
class _Widget:
    """One sidebar widget: its key, the value it has now (the session state, made valid for
    its options) and how to draw it."""

    key: str
    value: object
    draw: Callable[[], object]


def _stored(key: str, default, valid: Callable[[object], bool]):
    """The widget's value in the session state (set by the browser before the run), or
    ``default`` when it has none yet or no longer fits the options."""
    value = st.session_state.get(key, default)
    return value if valid(value) else default


def _choices(where, label: str, options: list, key: str, fmt, lang: str) -> _Widget:
    def draw():
        return tuple(where.multiselect(label, options, key=key, format_func=fmt,
                                       placeholder=t("filters.any", lang)))

    value = _stored(key, [], lambda v: isinstance(v, (list, tuple))
                    and all(x in options for x in v))
    return _Widget(key, tuple(value), draw)


def _widgets(park: Park, workspace: Path, lang: str, dates, box
             ) -> tuple[list[_Widget], float]:
    """The sidebar's widgets (dates into ``dates``, filters into ``box``) in their order, and
    the end of the area slider."""
    today = dt.date.today()
    lo, hi = dt.date(1990, 1, 1), dt.date(2100, 12, 31)
    out = [_Widget(AS_OF_KEY, _stored(AS_OF_KEY, today,
                                      lambda v: isinstance(v, dt.date) and lo <= v <= hi),
                   lambda: dates.date_input(t("filters.as_of", lang), value=today, key=AS_OF_KEY,
                                            min_value=lo, max_value=hi))]
    if park.years:
        years = park.years[::-1]
        out.append(_Widget(YEAR_KEY, _stored(YEAR_KEY, years[0], lambda v: v in years),
                           lambda: dates.selectbox(t("filters.year", lang), years, index=0,
                                                   key=YEAR_KEY)))
    parcels = park.parcels
    codes = sorted({str(c) for c in parcels.get("industry_code", pd.Series()).dropna()
                    if str(c).strip()})
    out += [
        _choices(box, t("filters.status", lang), list(ENUMS["parcel_status"]),
                 FILTER_KEYS["statuses"], lambda c: labels.value("parcel_status", c, lang), lang),
        _choices(box, t("filters.industry", lang), [*codes, NO_VALUE], FILTER_KEYS["industries"],
                 lambda c: t("filters.none", lang) if c == NO_VALUE
                 else labels.value("industry_code", c, lang), lang),
        _choices(box, t("filters.class", lang), ["A", "B", "C", "D", NO_VALUE],
                 FILTER_KEYS["classes"],
                 lambda c: t("map.not_graded", lang) if c == NO_VALUE else t("map.class", lang, c=c),
                 lang),
        _choices(box, t("filters.idle", lang), list(IDLE_STATUSES), FILTER_KEYS["idle"],
                 lambda c: labels.value("idle_status", c, lang), lang),
        _choices(box, t("filters.readiness", lang), readiness_levels(workspace),
                 FILTER_KEYS["readiness"], lambda c: labels.value("readiness", c, lang), lang),
    ]
    area = pd.to_numeric(parcels["area_mu"], errors="coerce")
    top = max(float(np.ceil(area.max())) if area.notna().any() else 1.0, 1.0)
    full = (0.0, top)
    out.append(_Widget(
        FILTER_KEYS["area_mu"],
        tuple(_stored(FILTER_KEYS["area_mu"], full, lambda v: isinstance(v, (list, tuple))
                      and len(v) == 2 and 0.0 <= v[0] <= v[1] <= top)),
        lambda: tuple(box.slider(t("filters.area", lang), min_value=0.0, max_value=top,
                                 value=full, step=0.5, key=FILTER_KEYS["area_mu"]))))
    out.append(_Widget(FILTER_KEYS["text"],
                       _stored(FILTER_KEYS["text"], "", lambda v: isinstance(v, str)),
                       lambda: box.text_input(t("filters.text", lang), key=FILTER_KEYS["text"],
                                              placeholder=t("select.placeholder", lang))))
    return out, top


def sidebar(workspace: Path) -> Context:
    """Lay out the shared sidebar and keep the context for the page.

    The context is made from the widgets' values as the browser sent them (the session
    state); the widgets themselves are drawn by :func:`draw_sidebar` after the page, into
    their places here. The page's map then reaches the browser before a dozen widgets, whose
    code the browser loads and runs first otherwise (~0.3 s of the first map).
    """
    lang = session.lang()
    park, problem = _open(workspace, lang)
    as_of, year, filters = dt.date.today(), None, Filters()
    slot = st.sidebar.empty()
    widgets: list[_Widget] = []
    if park is not None:
        dates = st.sidebar.container()
        st.sidebar.markdown(f"**{t('filters.title', lang)}**")
        slot = st.sidebar.empty()
        widgets, top = _widgets(park, workspace, lang, dates, st.sidebar.container())
        as_of, year, filters = _read({w.key: w.value for w in widgets}, top)
    ctx = Context(workspace, lang, park, as_of, year, filters, slot, problem, widgets)
    st.session_state[_CTX_KEY] = ctx
    return ctx


def _read(values: dict, top: float) -> tuple[dt.date, int | None, Filters]:
    """Date, year and filters from the widgets' values (``top``: the area slider's end)."""
    area = values[FILTER_KEYS["area_mu"]]
    filters = Filters(values[FILTER_KEYS["statuses"]], values[FILTER_KEYS["industries"]],
                      values[FILTER_KEYS["classes"]], values[FILTER_KEYS["idle"]],
                      values[FILTER_KEYS["readiness"]],
                      None if tuple(area) == (0.0, top) else tuple(map(float, area)),
                      values[FILTER_KEYS["text"]] or "")
    return values[AS_OF_KEY], values.get(YEAR_KEY), filters


def draw_sidebar(ctx: Context) -> None:
    """Draw the sidebar's widgets (after the page); when one of them has another value than
    the context was made with (its options changed), run the script again."""
    changed = False
    for widget in ctx.widgets:
        changed |= widget.draw() != widget.value
    if changed and not st.session_state.get(_RERUN_KEY):
        st.session_state[_RERUN_KEY] = True
        st.rerun()
    st.session_state[_RERUN_KEY] = False


def current() -> Context | None:
    """The context of this run, or ``None`` after showing why there is no park."""
    ctx = st.session_state.get(_CTX_KEY)
    if ctx is None:
        return None
    if ctx.park is None:
        level, message = ctx.problem or ("info", "")
        getattr(st, level)(message)
        return None
    return ctx


def evaluated_page(title_key: str) -> tuple[Context, pd.DataFrame, np.ndarray] | None:
    """The start every evaluation page shares: its title, then (context, evaluation, filter
    mask), or ``None`` (after the reason is shown) when there is nothing to show."""
    ctx = current()
    st.title(t(title_key, ctx.lang if ctx else "zh"))
    if ctx is None:
        return None
    shown = ctx.shown(evaluated=True)
    if shown is None:
        return None
    table, mask = shown
    return ctx, table, mask

