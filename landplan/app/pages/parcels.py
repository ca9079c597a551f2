"""地块 / Parcels: the park's parcels by status over the roads, a legend, and one parcel's
attributes, picked on the map or found by parcel id or holder.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import streamlit as st

from ...errors import LandplanError
from .. import session
from ..data import Park, attribute_table, load_park, status_summary, workspace_stamp
from ..i18n import t
from ..map import ROAD_STYLES, parcel_deck, parcel_records, picked_parcel, road_records

__all__ = ["render", "MAP_KEY", "PICK_KEY", "SELECTED_KEY", "MAP_HEIGHT_PX"]

log = logging.getLogger(__name__)

#: Session-state key of the map's selection event.
MAP_KEY = "parcel_map"
#: Session-state key of the parcel search box.
PICK_KEY = "parcel_pick"
#: Session-state key of the selected parcel id (set by the map or the search box).
SELECTED_KEY = "parcel_selected"
_LAST_MAP_PICK = "_parcel_map_last_pick"
_LAYER_TAG = "_parcel_layer_tag"
#: Height of the map in pixels.
MAP_HEIGHT_PX = 600


def _open(path: Path, lang: str) -> Park | None:
    """The workspace's parcels and roads, or ``None`` after showing why there are none."""
    if not path.exists():
        st.warning(t("empty.missing", lang, path=path))
        return None
    if not path.is_dir():
        st.error(t("empty.error", lang, path=path, error=t("empty.not_folder", lang)))
        return None
    try:
        park = load_park(str(path.resolve()), workspace_stamp(path))
    except LandplanError as exc:
        st.error(t("empty.error", lang, path=path, error=exc))
        return None
    except Exception as exc:  # a broken file: say so, keep the traceback in the server log
        log.exception("reading workspace %s", path)
        st.error(t("empty.error", lang, path=path, error=f"{type(exc).__name__}: {exc}"))
        return None
    if park.parcels.empty:
        st.info(t("empty.no_parcels", lang, path=path))
        return None
    return park


def _layer_tag() -> str:
    return str(st.session_state.get(_LAYER_TAG, 0))


def _on_pick() -> None:
    """A parcel picked in the search box replaces the map's selection.

    The map's parcel layers get new ids (:func:`~landplan.app.map.parcel_layer_id`), so the
    browser drops its selection and stops dimming the other parcels.
    """
    state = st.session_state
    state[SELECTED_KEY] = state.get(PICK_KEY)
    state[_LAYER_TAG] = int(state.get(_LAYER_TAG, 0)) + 1
    state[_LAST_MAP_PICK] = None


def _sync_selection(ids: set[str]) -> str | None:
    """Fold a new map selection into the selected parcel; align the search box with it."""
    state = st.session_state
    map_pick = picked_parcel(state.get(MAP_KEY), _layer_tag())
    if map_pick != state.get(_LAST_MAP_PICK):  # the map's selection changed since last run
        state[_LAST_MAP_PICK] = map_pick
        state[SELECTED_KEY] = map_pick  # None: a click beside the parcels clears it
    if state.get(SELECTED_KEY) not in ids:
        state[SELECTED_KEY] = None
    state[PICK_KEY] = state[SELECTED_KEY]
    return state[SELECTED_KEY]


def _swatch(rgb, alpha: float = 1.0) -> str:
    r, g, b = rgb[:3]
    return (f'<span style="display:inline-block;width:0.95em;height:0.95em;margin-right:0.4em;'
            f'vertical-align:-0.1em;border:1px solid #888;background:rgba({r},{g},{b},{alpha})">'
            "</span>")


def _legend(park: Park, lang: str) -> None:
    summary = status_summary(park.parcels, lang)
    lines = [
        f"<div>{_swatch(row.colour)}{html.escape(row.label)} · "
        f"{t('legend.summary', lang, n=row.count, mu=row.area_mu)}</div>"
        for row in summary.itertuples()
    ]
    lines.append(f"<div><b>{t('legend.total', lang)}</b> · "
                 f"{t('legend.summary', lang, n=int(summary['count'].sum()), mu=summary['area_mu'].sum())}"
                 "</div>")
    if len(park.roads):
        swatches = "".join(_swatch(c, c[3] / 255) for c in ROAD_STYLES.values())
        lines.append(f"<div style='margin-top:0.4em'>{swatches}{t('legend.roads', lang)}</div>")
    else:
        lines.append(f"<div style='margin-top:0.4em'>{t('legend.no_roads', lang)}</div>")
    st.markdown(f"**{t('legend.title', lang)}**")
    st.markdown("<div class='landplan-legend'>" + "".join(lines) + "</div>",
                unsafe_allow_html=True)


def render() -> None:
    """Draw the page."""
    lang = session.lang()
    st.title(t("parcels.title", lang))
    park = _open(session.workspace(), lang)
    if park is None:
        return

    parcels = park.parcels
    ids = parcels["parcel_id"].astype(str).tolist()
    position = {pid: i for i, pid in reversed(list(enumerate(ids)))}
    holders = (parcels["holder"].astype(object).where(parcels["holder"].notna(), None).tolist()
               if "holder" in parcels else [None] * len(ids))
    holder_of = dict(zip(ids, holders, strict=True))
    selected = _sync_selection(set(ids))

    st.caption(t("parcels.caption", lang, n=len(parcels), mu=float(parcels["area_mu"].sum()),
                 crs=park.crs, path=park.path))
    highlight = []
    if selected is not None:
        for rings in park.polygons[position[selected]]:
            highlight.append({"p": rings[0] if len(rings) == 1 else rings})
    deck = parcel_deck(
        parcel_records(parcels, park.polygons, lang=lang),
        road_records(park.roads, park.road_paths),
        bounds=park.bounds, selected=highlight, lang=lang, height_px=MAP_HEIGHT_PX,
        tag=_layer_tag(),
    )

    col_map, col_side = st.columns([3, 1.25], gap="medium")
    with col_map:
        st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key=MAP_KEY,
                        height=MAP_HEIGHT_PX, alt=t("map.alt", lang))
        st.caption(t("map.hint", lang))
    with col_side:
        _legend(park, lang)
        st.selectbox(
            t("select.label", lang), sorted(ids), index=None, key=PICK_KEY, on_change=_on_pick,
            placeholder=t("select.placeholder", lang),
            format_func=lambda pid: f"{pid} · {holder_of[pid]}" if holder_of.get(pid) else pid,
        )
        if selected is None:
            st.caption(t("select.none", lang))
        else:
            st.subheader(t("details.title", lang))
            st.table(attribute_table(parcels.iloc[position[selected]], lang), hide_index=True)
