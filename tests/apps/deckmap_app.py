"""A tiny app for tests/test_deckmap.py: the demo park through the map component.

Query parameters: ``map=pydeck`` draws the same deck with ``st.pydeck_chart`` (to compare the
time to the first map), ``tiles=URL`` adds XYZ basemap tiles, ``report=1`` asks for the view, ``inset=1`` draws the parcels inset (as the app's map
without outlines) and measures them as they are.
A text box "focus" takes a parcel id to zoom to (a new focus sequence number each time it
changes); the check box "roads" changes the deck (its roads) and keeps the focus; the check
box "quarter" fits the deck's initial view to the park's lower-left quarter. The returned value is written as JSON
in a code block (id of the picked parcel, view, seq) after the marker ``VALUE``.
"""

from __future__ import annotations

import json
import sys

import streamlit as st

from landplan.app import map as lpmap
from landplan.app.data import load_park, workspace_stamp
from landplan.app.deckmap import deck_map

workspace = sys.argv[sys.argv.index("--workspace") + 1]
park = load_park(workspace, workspace_stamp(workspace))
params = st.query_params
st.set_page_config(layout="wide")

classes = lpmap.classify(park.parcels, "status", lang="zh")
drawn = lpmap.drawn(park.geoms, park.bounds)
# inset=1: the parcels drawn inset as the app's map draws them without outlines
gap_m = lpmap.parcel_gap_m(park.bounds) if params.get("inset") == "1" else 0.0
shown = lpmap.inset(drawn, gap_m) if gap_m else drawn
groups = lpmap.parcel_records(park.parcels, lpmap.rings_of(shown), classes)
roads = None
if "roads" in park.lines and st.checkbox("roads", value=True):
    attrs, geoms = park.lines["roads"]
    roads = lpmap.road_records(attrs, geoms)
tiles = []
if params.get("tiles"):
    tiles = lpmap.xyz_tiles(params["tiles"], park.bounds, park.origin, park.metric)
bounds = park.bounds
if st.checkbox("quarter"):  # another initial view, as another park's deck has
    minx, miny, maxx, maxy = bounds
    bounds = (minx, miny, (minx + maxx) / 2, (miny + maxy) / 2)
deck = lpmap.park_deck(groups, classes, bounds=bounds, road_groups=roads,
                       outlines=None if gap_m else lpmap.edge_rows(drawn), lang="zh",
                       height_px=560, tiles=tiles)

if "focus_seq" not in st.session_state:
    st.session_state.focus_seq = 0


def _new_focus() -> None:
    st.session_state.focus_seq += 1


focus_id = st.text_input("focus", key="focus_id", on_change=_new_focus)
focus = None
if focus_id:
    row = park.parcels.index[park.parcels["parcel_id"] == focus_id]
    if len(row):
        focus = (tuple(float(v) for v in drawn[row[0]].bounds), st.session_state.focus_seq)

if params.get("map") == "pydeck":
    st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="map",
                    height=560)
    value = {}
else:
    value = deck_map(deck, key="map", height_px=560, lang=params.get("lang", "zh"),
                     origin=park.origin, crs_label=park.crs,
                     tooltip=lpmap.parcel_tooltip(classes.title, "zh"), focus=focus,
                     report_view=params.get("report") == "1", snap_outset_m=gap_m / 2)
st.code("VALUE " + json.dumps({
    "picked": lpmap.picked_parcel(value), "view": value.get("view"), "seq": value.get("seq"),
    "layers": sorted((value.get("selection") or {}).get("indices", {})),
    "origin": list(park.origin)}))
