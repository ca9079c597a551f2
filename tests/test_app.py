"""The Streamlit app through AppTest (every page, every filter), and its plain modules.

AppTest runs ``app.py`` in this process: the deck payload is the chart element's
``proto.json``; a map click is simulated by giving the chart's key a selection event, as the
browser would send it. The end-to-end browser test is in ``tests/test_app_browser.py``.
"""

from __future__ import annotations

import datetime as dt
import doctest
import html
import importlib
import io
import json
import math
import re
import shutil
import sys
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
import yaml
from mapspec import map_args, map_json, map_spec
from shapely.geometry import MultiPolygon, Polygon, box
from streamlit.testing.v1 import AppTest

import landplan
from landplan import labels
from landplan.app import map as lpmap
from landplan.app import transfer
from landplan.app.context import FILTER_KEYS
from landplan.app.data import load_park, workspace_stamp
from landplan.app.filters import NO_VALUE, Filters, apply_filters
from landplan.app.i18n import t
from landplan.app.mapview import LAYER_KEYS, SELECTED_KEY, colour_key
from landplan.app.pages import PAGES
from landplan.app.pages.infrastructure import ROUTES_KEY
from landplan.app.pages.parcel import MAP_KEY, PICK_KEY
from landplan.app.pages.settings import rule_field_key
from landplan.app.session import resolve_workspace
from landplan.demo import DEMO_AS_OF, DEMO_RULES_TEXT
from landplan.evaluate import read_evaluation
from landplan.rules import load_rules
from landplan.schema import ENUMS, enum_label
from landplan.workspace import Workspace

APP = Path(__file__).resolve().parent.parent / "app.py"

#: Upper bound of the deck payload: a fixed part (layers, view, tooltip) plus, per parcel,
#: its map row (id, holder, coloured value, mu, a rounded polygon) and its outline segments,
#: plus the roads (their areas' vertices).
PAYLOAD_FIXED_BYTES = 8_000
PAYLOAD_BYTES_PER_PARCEL = 420
PAYLOAD_BYTES_PER_ROAD_VERTEX = 30


# ------------------------------------------------------------------------------- helpers
def run_app(workspace: Path | None, monkeypatch, *, argv: list[str] | None = None,
            page: str | None = None, as_of: dt.date | None = None) -> AppTest:
    if workspace is None:
        monkeypatch.delenv("LANDPLAN_WORKSPACE", raising=False)
    else:
        monkeypatch.setenv("LANDPLAN_WORKSPACE", str(workspace))
    monkeypatch.setattr(sys, "argv", [str(APP), *(argv or [])])
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if as_of is not None and at.date_input:
        at.date_input(key="as_of").set_value(as_of).run()
    if page is not None:
        goto(at, page)
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"landplan/app/pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def deck_json(at: AppTest) -> str:
    """The JSON of the page's one map (:mod:`mapspec`), as the browser gets it."""
    return map_json(at)


def deck_spec(at: AppTest) -> dict:
    """The deck of the page's one map (:mod:`mapspec`), its tooltip under ``"tooltip"``."""
    return map_spec(at)


def parcel_rows(spec: dict) -> list[tuple[str, int, dict]]:
    """(layer id, index, row) of every row of the parcel layers."""
    return [(layer["id"], i, row) for layer in spec["layers"]
            if layer["id"].startswith("parcels-") and "data" in layer
            for i, row in enumerate(layer["data"])]


def rings(rows: list[dict]) -> list[list]:
    """The rings of polygon rows ``{"p"}`` (one ring, or a list of rings)."""
    out = []
    for row in rows:
        out.extend([row["p"]] if isinstance(row["p"][0][0], (int, float)) else row["p"])
    return out


def edges(ring_list: list[list]) -> set[tuple]:
    """The edges of closed rings (left open), each as a sorted pair of points."""
    out = set()
    for ring in ring_list:
        for a, b in zip(ring, [*ring[1:], ring[0]], strict=True):
            out.add(tuple(sorted((tuple(a), tuple(b)))))
    return out


def segments(layer: dict) -> set[tuple]:
    """The segments of a LineLayer, each as a sorted pair of points."""
    return {tuple(sorted((tuple(row[:2]), tuple(row[2:])))) for row in layer["data"]}


def click_event(spec: dict, parcel_id: str) -> dict:
    """The selection event the browser sends when ``parcel_id`` is clicked on the map."""
    layer_id, index, row = next(r for r in parcel_rows(spec) if r[2]["id"] == parcel_id)
    return {"selection": {"indices": {layer_id: [index]}, "objects": {layer_id: [row]}}}


def table_values(at: AppTest) -> dict[str, str]:
    assert len(at.table) == 1
    frame = at.table[0].value
    return dict(zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True))


def count_shown(at: AppTest) -> tuple[int, int]:
    """(shown, total) from the sidebar's count line."""
    text = next(c.value for c in at.sidebar.caption if c.value.startswith(("显示", "showing")))
    numbers = text.replace(",", "").split()
    return int(numbers[1]), int(numbers[3])


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first ``st.dataframe`` that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


class _Figures(HTMLParser):
    """The cards (``data-key`` → value) and tables (``data-key`` → rows of cell texts) of
    :func:`landplan.app.ui.show_html` blocks (tables by their ARIA roles)."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, str] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self._card = self._table = None
        self._row: list[str] | None = None
        self._text: list[str] | None = None
        self._divs: list[str] = []  # the role (or "") of each open div

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        role = attrs.get("role", "")
        if tag == "div":
            self._divs.append(role)
            if role == "table":
                self._table = attrs["data-key"]
                self.tables[self._table] = []
            elif role == "row":
                self._row = []
            elif role in ("cell", "columnheader"):
                self._text = []
            elif attrs.get("data-key") and not role:
                self._card = attrs["data-key"]
        elif tag == "b" and self._card:
            self._text = []

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "b" and self._card and self._text is not None:
            self.cards[self._card], self._card, self._text = "".join(self._text), None, None
        elif tag == "div" and self._divs:
            role = self._divs.pop()
            if role in ("cell", "columnheader"):
                self._row.append("".join(self._text))
                self._text = None
            elif role == "row":
                self.tables[self._table].append(self._row)
                self._row = None
            elif role == "table":
                self._table = None


def html_figures(at: AppTest) -> _Figures:
    parser = _Figures()
    for block in at.markdown:
        if "data-figures=" in block.value or 'role="table"' in block.value:
            parser.feed(block.value)
    return parser


def html_frame(at: AppTest, key: str) -> pd.DataFrame:
    """The static table ``key`` of the page as a frame of cell texts."""
    rows = html_figures(at).tables[key]
    return pd.DataFrame(rows[1:], columns=rows[0])


def legend(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "landplan-legend" in m.value)


def parcels_of(workspace: Path) -> pd.DataFrame:
    return Workspace(workspace).read("parcels")


def all_numbers(value):
    if isinstance(value, list):
        for item in value:
            yield from all_numbers(item)
    else:
        yield value


@pytest.fixture(scope="module")
def demo_table(demo_workspace):
    return landplan.evaluate(demo_workspace, as_of=DEMO_AS_OF)


@pytest.fixture(scope="module")
def park_eval_workspace(tmp_path_factory) -> Path:
    """The small park of conftest, with HF-006 idle since its agreed start date (2019-01-01).

    ``evaluate()`` needs at least one revitalization candidate today: with none,
    ``landplan.revitalization.candidates`` fails (an empty float Series added to text).
    """
    from conftest import _park_parcels, _park_roads

    parcels = _park_parcels()
    parcels["agreed_start_date"] = pd.to_datetime(
        np.where(parcels["parcel_id"] == "HF-006", "2019-01-01", None))
    path = tmp_path_factory.mktemp("park_eval") / "workspace"
    Workspace(path).write("parcels", parcels)
    Workspace(path).write("roads", _park_roads())
    return path


@pytest.fixture
def demo_copy(demo_workspace, tmp_path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(demo_workspace, target)
    return target


# ------------------------------------------------------------------------------- pages
@pytest.mark.parametrize("page", [name for name, _ in PAGES])
def test_every_page_renders(page, demo_workspace, monkeypatch):
    at = run_app(demo_workspace, monkeypatch, page=page, as_of=DEMO_AS_OF)
    assert [x.value for x in at.title] == [t(f"nav.{page}", "zh")]
    assert not at.error
    if page in {"overview", "efficiency", "idle", "infrastructure", "terrain", "lifecycle",
                "parcel"}:
        spec = deck_spec(at)
        assert {r[2]["id"] for r in parcel_rows(spec)} == set(parcels_of(demo_workspace)["parcel_id"])
        assert count_shown(at) == (300, 300)
    at.selectbox(key="lang").set_value("en").run()
    assert not at.exception
    assert [x.value for x in at.title] == [t(f"nav.{page}", "en")]


def test_default_page_is_the_overview_with_a_small_payload(app_workspace, monkeypatch):
    at = run_app(app_workspace, monkeypatch)
    parcels = parcels_of(app_workspace)
    assert [x.value for x in at.title] == ["总览"]
    assert f"{len(parcels)} 宗地块" in at.caption[0].value

    payload = deck_json(at)
    spec = json.loads(payload)
    rows = parcel_rows(spec)
    assert {r[2]["id"] for r in rows} == set(parcels["parcel_id"])
    road_vertices = sum(len(ring) for layer in spec["layers"]
                        if layer["id"].startswith("roads-") for ring in rings(layer["data"]))
    size = len(payload.encode("utf-8"))
    budget = (PAYLOAD_FIXED_BYTES + PAYLOAD_BYTES_PER_PARCEL * len(parcels)
              + PAYLOAD_BYTES_PER_ROAD_VERTEX * road_vertices)
    assert size <= budget, f"{size} bytes for {len(parcels)} parcels"
    # Local metres rounded to 0.1 m, planar view, no basemap, nothing fetched from outside.
    for _, _, row in rows:
        for number in all_numbers(row["p"]):
            assert abs(number) < 100_000 and abs(number * 10 - round(number * 10)) < 1e-6
        assert set(row) == {"id", "h", "v", "mu", "p"}
    assert [v["@@type"] for v in spec["views"]] == ["OrthographicView"]
    assert "mapStyle" not in spec and "http" not in payload and "\\u" not in payload
    assert all("id" in layer for layer in spec["layers"])


@pytest.fixture(params=["park", "demo"])
def app_workspace(request) -> Path:
    return request.getfixturevalue("park_workspace" if request.param == "park"
                                   else "demo_workspace")


def test_overview_figures_equal_the_evaluation(demo_workspace, demo_table, monkeypatch):
    at = run_app(demo_workspace, monkeypatch, as_of=DEMO_AS_OF)
    figures = html_figures(at)
    idle = demo_table["idle_status"].astype(str).str.startswith("idle_")
    assert figures.cards["idle"] == f"{demo_table.loc[idle, 'area_mu'].sum():,.2f} 亩"
    assert figures.cards["parcels"] == "300"
    graded = demo_table["efficiency_class"].notna()
    assert figures.cards["graded"] == f"{demo_table.loc[graded, 'area_mu'].sum():,.2f} 亩"
    by_class = html_frame(at, "by_class")
    tax = demo_table["tax_wan"].fillna(0)
    a = demo_table["efficiency_class"] == "A"
    row = by_class[by_class["亩均效益分类"] == t("map.class", "zh", c="A")].iloc[0]
    assert int(row["宗数"]) == int(a.sum())
    assert float(row["税收占比(%)"]) == pytest.approx(100 * tax[a].sum() / tax[graded].sum(), abs=0.05)
    by_status = html_frame(at, "by_status")
    produced = (demo_table["status"] == "in_production").to_numpy()
    row = by_status[by_status["建设状态"] == "投产"].iloc[0]
    assert int(row["宗数"]) == int(produced.sum())
    assert float(row["面积(亩)"].replace(",", "")) == pytest.approx(demo_table.loc[produced, "area_mu"].sum(), abs=0.005)
    chart = next(m.value for m in at.markdown if "data-figures=" in m.value)
    assert 'aria-label="各状态面积"' in chart  # the bar chart of mu by status
    assert f"{demo_table.loc[produced, 'area_mu'].sum():,.2f} 亩" in chart


def test_legend_counts_and_mu_per_status(monkeypatch, park_workspace):
    at = run_app(park_workspace, monkeypatch)
    text = legend(at)
    present = set(parcels_of(park_workspace)["status"].dropna())
    for code, (zh, _en) in ENUMS["parcel_status"].items():
        n = 2 if code in {"supplied", "in_production"} else int(code in present)
        assert f"{zh} · {n} 宗" in text
    assert "储备/未供 · 1 宗，32.40 亩" in text  # 180 m × 120 m = 21600 m² = 32.4 mu
    assert "投产 · 2 宗，61.20 亩" in text        # 32.4 + (21600 − 2400) m² = 61.2 mu
    assert "未填状态 · 1 宗，28.80 亩" in text     # the two-part parcel without status
    assert "合计</b> · 9 宗，284.40 亩" in text
    assert "道路" in text
    colours = {tuple(layer["getFillColor"][:3]) for layer in deck_spec(at)["layers"]
               if layer["id"].startswith("parcels-")}
    assert colours == {*(lpmap.STATUS_COLOURS[c] for c in present), lpmap.NO_STATUS_COLOUR}


def test_roads_by_status_width_by_grade(monkeypatch, park_workspace):
    spec = deck_spec(run_app(park_workspace, monkeypatch))
    roads = {layer["id"]: layer for layer in spec["layers"] if layer["id"].startswith("roads-")}
    assert set(roads) == {"roads-built", "roads-under_construction", "roads-planned"}
    built = [row["w"] for row in roads["roads-built"]["data"]]
    # R1 width_m 40, R2 secondary without width → 24, R5 expressway → 40, R6 nothing → 12
    assert sorted(built) == [12.0, 24.0, 40.0, 40.0]
    assert roads["roads-planned"]["data"][0]["w"] == lpmap.ROAD_WIDTH_M["branch"]
    # each road is drawn as its area, at its width, with square ends (half a width beyond
    # each end of the centre line): R1 830 m, R2 460 m, R5 520 m, R6 210 m long
    sides = []
    for row in roads["roads-built"]["data"]:
        box = shapely.minimum_rotated_rectangle(shapely.Polygon(row["p"]))
        ring = shapely.get_coordinates(box.exterior)
        lengths = sorted(np.hypot(*(ring[1:3] - ring[0:2]).T))
        sides.append(tuple(round(v, 1) for v in lengths))
        assert shapely.Polygon(row["p"]).area == pytest.approx(lengths[0] * lengths[1], rel=1e-3)
    assert sorted(sides) == [(12.0, 222.0), (24.0, 484.0), (40.0, 560.0), (40.0, 870.0)]
    assert all(layer["@@type"] == "SolidPolygonLayer" for layer in roads.values())
    ids = [layer["id"] for layer in spec["layers"]]
    assert max(ids.index(r) for r in roads) < min(
        ids.index(layer) for layer in ids if layer.startswith("parcels-"))  # roads underneath


def test_the_default_map_is_polygons_only(demo_workspace, monkeypatch):
    """Polygons only until the planner turns lines on: without a GPU the browser compiles one
    WebGL program per layer kind and rasterizes every line in software before the first
    frame, most of the time to the first map (bench/app_bench.py)."""
    at = run_app(demo_workspace, monkeypatch, page="infrastructure", as_of=DEMO_AS_OF)
    at.session_state[SELECTED_KEY] = str(parcels_of(demo_workspace)["parcel_id"].iloc[0])
    at.run()
    spec = deck_spec(at)
    ids = {layer["id"] for layer in spec["layers"]}
    assert {"roads-built", "facilities", "parcel-selected"} <= ids
    assert {layer["@@type"] for layer in spec["layers"]} == {"SolidPolygonLayer"}
    at.multiselect(key=LAYER_KEYS["pipelines"]).set_value(["water", "gas"]).run()
    at.multiselect(key=LAYER_KEYS["powerlines"]).set_value([10.0, 110.0]).run()
    at.multiselect(key=ROUTES_KEY).set_value(["water", "power"]).run()
    at.multiselect(key=LAYER_KEYS["shown"]).select("outlines").run()
    spec = deck_spec(at)
    lines = {layer["id"] for layer in spec["layers"] if layer["@@type"] == "LineLayer"}
    assert lines == {"routes", "pipes-water", "pipes-gas", "power-10kV", "power-110kV",
                     "parcel-outlines"}
    assert {layer["@@type"] for layer in spec["layers"]} == {"SolidPolygonLayer", "LineLayer"}


def park_of(workspace: Path):
    path = str(workspace.resolve())
    return load_park(path, workspace_stamp(path))


def polygon_of(row: dict) -> Polygon:
    """The polygon of a map row ``{"p"}`` (one ring, or rings with holes)."""
    shell, *holes = [row["p"]] if isinstance(row["p"][0][0], (int, float)) else row["p"]
    return Polygon(shell, holes)


def fill_polygons(spec: dict) -> dict[str, shapely.Geometry]:
    """Parcel id → the union of its drawn polygons."""
    parts: dict[str, list] = {}
    for _, _, row in parcel_rows(spec):
        parts.setdefault(html.unescape(row["id"]), []).append(polygon_of(row))
    return {pid: shapely.union_all(polys) for pid, polys in parts.items()}


def test_parcels_are_drawn_inset_without_outlines(monkeypatch, park_workspace):
    at = run_app(park_workspace, monkeypatch)
    spec = deck_spec(at)
    assert "parcel-outlines" not in {layer["id"] for layer in spec["layers"]}
    park = park_of(park_workspace)
    gap = lpmap.parcel_gap_m(park.bounds)
    assert gap == pytest.approx(max(park.bounds[2] - park.bounds[0],
                                    park.bounds[3] - park.bounds[1]) / 560, abs=0.06)
    drawn = fill_polygons(spec)
    for pid, geom in zip(park.parcels["parcel_id"], park.geoms, strict=True):
        inner = drawn[str(pid)]
        assert inner.within(geom.buffer(0.11))  # coordinates are rounded to 0.1 m
        assert geom.difference(inner.buffer(gap / 2 + 0.11, join_style="mitre")).area < 0.5
        assert geom.area - inner.area == pytest.approx(geom.length * gap / 2, rel=0.05)
    at.multiselect(key=LAYER_KEYS["shown"]).select("outlines").run()  # lines: the parcels as they are
    drawn = fill_polygons(deck_spec(at))
    for pid, geom in zip(park.parcels["parcel_id"], park.geoms, strict=True):
        assert drawn[str(pid)].symmetric_difference(geom).area < 1e-6


def test_parcel_outlines_are_every_edge_once(monkeypatch, park_workspace):
    at = run_app(park_workspace, monkeypatch)
    at.multiselect(key=LAYER_KEYS["shown"]).select("outlines").run()
    spec = deck_spec(at)
    fills = [layer for layer in spec["layers"] if layer["id"].startswith("parcels-")]
    outline = next(layer for layer in spec["layers"] if layer["id"] == "parcel-outlines")
    expected = edges([ring for layer in fills for ring in rings(layer["data"])])
    assert segments(outline) == expected
    assert len(outline["data"]) == len(expected)  # an edge two parcels share is drawn once
    assert outline["getColor"] == [255, 255, 255, 255] and outline["widthUnits"] == "pixels"
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids.index("parcel-outlines") > max(ids.index(layer["id"]) for layer in fills)


def test_segment_rows():
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    rows = lpmap.segment_rows([square, [[1.0, 0.0], [1.0, 1.0], [2.0, 1.0]]], closed=True)
    assert len(rows) == 4 + 2  # the square's 4 edges; the triangle's 3, one shared with it
    assert rows[:2] == [[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 1.0]]  # in order
    assert rows[4:] == [[1.0, 1.0, 2.0, 1.0], [2.0, 1.0, 1.0, 0.0]]
    assert lpmap.segment_rows([[[0.0, 0.0], [0.0, 0.0], [3.0, 4.0]]]) == [
        [0.0, 0.0, 3.0, 4.0]]  # a repeated point gives no segment
    assert lpmap.segment_rows([[[3.0, 4.0], [0.0, 0.0]], [[0.0, 0.0], [3.0, 4.0]]]) == [
        [3.0, 4.0, 0.0, 0.0]]  # the same segment backwards is the same segment
    assert lpmap.segment_rows([[[5.0, 5.0]], []]) == []
    assert len(lpmap.segment_rows([[[0.0, 0.0], [1.0, 0.0]]], closed=True)) == 1


def test_edge_rows_of_geometries_equal_segment_rows_of_their_rings():
    ring = box(0, 0, 10, 10).difference(box(2, 2, 4, 4))  # a hole
    geoms = [ring, MultiPolygon([box(10, 0, 20, 10), box(30, 0, 31, 1)]), None, Polygon()]
    local = lpmap.to_local(geoms, (0.0, 0.0))
    from_rings = lpmap.segment_rows(
        (r for polys in lpmap.rings_of(local) for poly in polys for r in poly), closed=True)
    rows = lpmap.edge_rows(local)
    assert rows == from_rings
    assert len(rows) == 4 + 4 + 3 + 4  # the shared edge x = 10 once
    assert lpmap.edge_rows([None]) == []


def test_line_rows_of_geometries_equal_segment_rows_of_their_paths():
    from shapely.geometry import LineString, MultiLineString

    geoms = [LineString([(0, 0), (5, 0), (5, 5)]), MultiLineString([[(5, 5), (5, 0)], [(9, 9), (9, 9.04)]]),
             None, LineString()]
    local = lpmap.to_local(geoms, (0.0, 0.0))
    rows = lpmap.line_rows(local)
    assert rows == lpmap.segment_rows(p for paths in lpmap.paths_of(local) for p in paths)
    assert rows == [[0.0, 0.0, 5.0, 0.0], [5.0, 0.0, 5.0, 5.0]]  # the same segment once
    groups = lpmap.line_records(["b", "a", "b", "a"], local)
    assert list(groups) == ["b", "a"]
    assert groups == {"b": rows[:2], "a": [[5.0, 5.0, 5.0, 0.0]]}  # the short line: a point


def test_facility_markers_are_octagons_at_the_point():
    rows = lpmap.facility_rows([{"x": 100.0, "y": 50.0, "k": "substation"},
                                {"x": 0.0, "y": 0.0, "k": "unknown"}], (0, 0, 900, 450))
    marker = shapely.Polygon(rows[0]["p"])
    assert len(rows[0]["p"]) == 8 and marker.is_valid
    assert marker.centroid.x == pytest.approx(100.0, abs=0.1)
    assert marker.centroid.y == pytest.approx(50.0, abs=0.1)
    width = marker.bounds[2] - marker.bounds[0]
    assert width == pytest.approx(900 * lpmap.FACILITY_MARKER_SHARE * math.cos(math.pi / 8),
                                  abs=0.2)
    assert rows[0]["c"] == list(lpmap.FACILITY_COLOURS["substation"])
    assert rows[1]["c"] == list(lpmap._OTHER_FACILITY_COLOUR)
    tiny = lpmap.facility_rows([{"x": 0.0, "y": 0.0, "k": "substation"}], (0, 0, 10, 10))
    assert shapely.Polygon(tiny[0]["p"]).bounds[2] >= lpmap.FACILITY_MARKER_MIN_M / 2 * 0.9


@pytest.mark.parametrize("column", lpmap.COLOUR_COLUMNS)
def test_colour_by_every_column(column, demo_workspace, demo_table, monkeypatch):
    at = run_app(demo_workspace, monkeypatch, page="parcel", as_of=DEMO_AS_OF)
    at.selectbox(key=colour_key("parcel_map")).set_value(column).run()
    assert not at.exception
    classes = lpmap.classify(demo_table, column, lang="zh",
                             readiness_levels=[lv["name"] for lv in load_rules(demo_workspace)
                                               ["coverage"]["readiness"]])
    text = legend(at)
    assert classes.title in at.markdown[[m.value for m in at.markdown].index(
        next(m.value for m in at.markdown if m.value.startswith("**图例：")))].value
    spec = deck_spec(at)
    layers = {layer["id"].split("@")[0]: layer for layer in spec["layers"]
              if layer["id"].startswith("parcels-")}
    counts = pd.Series(classes.codes).value_counts()
    for code, n in counts.items():
        name = lpmap.parcel_layer_id(code if code >= 0 else None)
        assert len({row["id"] for row in layers[name]["data"]}) == n
        label = classes.labels[code] if code >= 0 else classes.missing_label
        assert f"{label} · {n} 宗" in text
    tooltip = deck_spec(at)["tooltip"]["html"]
    assert classes.title in tooltip


def test_layer_toggles(demo_workspace, monkeypatch):
    at = run_app(demo_workspace, monkeypatch)
    ids = {layer["id"] for layer in deck_spec(at)["layers"]}
    assert "facilities" in ids and not any(i.startswith(("pipes-", "power-")) for i in ids)
    at.multiselect(key=LAYER_KEYS["pipelines"]).set_value(["water", "gas"]).run()
    at.multiselect(key=LAYER_KEYS["powerlines"]).set_value([10.0, 110.0]).run()
    at.multiselect(key=LAYER_KEYS["shown"]).unselect("roads").unselect("facilities").run()
    assert not at.exception
    spec = deck_spec(at)
    ids = {layer["id"] for layer in spec["layers"]}
    assert {"pipes-water", "pipes-gas", "power-10kV", "power-110kV"} <= ids
    assert not any(i.startswith("roads-") for i in ids) and "facilities" not in ids
    pipes = Workspace(demo_workspace).read("pipelines")
    water = next(layer for layer in spec["layers"] if layer["id"] == "pipes-water")
    drawn_m = sum(math.dist(row[:2], row[2:]) for row in water["data"])
    assert drawn_m == pytest.approx(pipes.geometry[pipes["kind"] == "water"].length.sum(),
                                    rel=1e-4)  # every segment once, coordinates to 0.1 m
    assert water["@@type"] == "LineLayer" and water["widthUnits"] == "pixels"
    text = legend(at)
    assert "给水管线" in text and "35–110 千伏 电力线" in text and "≤ 20 千伏 电力线" in text


def test_layer_choices_of_another_park_are_dropped(demo_workspace, monkeypatch):
    """Layer choices left in the session by another park (a kind, a voltage, a layer this
    park does not have) are dropped instead of failing the page."""
    at = run_app(demo_workspace, monkeypatch)
    at.session_state[LAYER_KEYS["shown"]] = ["facilities", "no-such-layer"]
    at.session_state[LAYER_KEYS["pipelines"]] = ["water", "no-such-kind"]
    at.session_state[LAYER_KEYS["powerlines"]] = [999.0]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key=LAYER_KEYS["shown"]).value == ["facilities"]
    assert at.multiselect(key=LAYER_KEYS["pipelines"]).value == ["water"]
    assert at.multiselect(key=LAYER_KEYS["powerlines"]).value == []
    ids = {layer["id"] for layer in deck_spec(at)["layers"]}
    assert "facilities" in ids and "pipes-water" in ids and not any(i.startswith("roads-") for i in ids)


# ------------------------------------------------------------------------------- filters
def _set(at: AppTest, key: str, value) -> AppTest:
    widget = at.multiselect(key=key) if key not in {FILTER_KEYS["area_mu"], FILTER_KEYS["text"]} \
        else (at.slider(key=key) if key == FILTER_KEYS["area_mu"] else at.text_input(key=key))
    widget.set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


FILTER_CASES = [
    ("statuses", ["halted", "reserve"], lambda tb: tb["status"].isin(["halted", "reserve"])),
    ("industries", ["39", NO_VALUE], lambda tb: tb["industry_code"].eq("39") | tb["industry_code"].isna()),
    ("classes", ["A"], lambda tb: tb["efficiency_class"].eq("A")),
    ("idle", ["idle_unstarted", "idle_halted"], lambda tb: tb["idle_status"].str.startswith("idle_")),
    ("readiness", ["七通一平"], lambda tb: tb["readiness"].eq("七通一平")),
    ("area_mu", (20.0, 40.0), lambda tb: tb["area_mu"].between(20.0, 40.0)),
    ("text", "电子", lambda tb: tb["holder"].fillna("").str.contains("电子")),
]


@pytest.mark.parametrize("name,value,expected", FILTER_CASES, ids=[c[0] for c in FILTER_CASES])
def test_each_filter_changes_the_count_map_and_tables(name, value, expected, demo_workspace,
                                                      demo_table, monkeypatch):
    at = run_app(demo_workspace, monkeypatch, page="efficiency", as_of=DEMO_AS_OF)
    assert count_shown(at) == (300, 300)
    _set(at, FILTER_KEYS[name], value)
    want = set(demo_table.loc[expected(demo_table).fillna(False).astype(bool), "parcel_id"])
    assert 0 < len(want) < 300
    assert count_shown(at) == (len(want), 300)
    assert {r[2]["id"] for r in parcel_rows(deck_spec(at))} == want
    ranking = frame_with(at, "亩均效益得分")
    assert set(ranking["宗地号"]) == want
    goto(at, "overview")  # the filter is shared: another page shows the same parcels
    assert count_shown(at) == (len(want), 300)
    assert {r[2]["id"] for r in parcel_rows(deck_spec(at))} == want


def test_the_sidebar_is_drawn_after_the_page_from_the_same_values(demo_workspace, monkeypatch):
    at = run_app(demo_workspace, monkeypatch)
    _set(at, FILTER_KEYS["statuses"], ["supplied", "in_production"])
    _set(at, FILTER_KEYS["area_mu"], (10.0, 100.0))
    at.date_input(key="as_of").set_value(DEMO_AS_OF).run()
    ctx = at.session_state["_landplan_context"]  # what the page was given, before the widgets
    assert ctx.filters.statuses == ("supplied", "in_production")
    assert ctx.filters.area_mu == (10.0, 100.0) and ctx.as_of == DEMO_AS_OF
    assert [w.key for w in ctx.widgets][:2] == ["as_of", "year"]
    assert all(w.value == at.session_state[w.key] or tuple(at.session_state[w.key]) == w.value
               for w in ctx.widgets)
    sidebar = [type(e).__name__ for e in at.sidebar]  # the widgets are in their places
    assert sidebar.index("DateInput") < sidebar.index("Multiselect") < sidebar.index("Slider")
    assert f"{t('filters.title', 'zh')}" in [m.value.strip("*") for m in at.sidebar.markdown]


def test_text_filter_finds_ids_case_insensitively(monkeypatch, park_workspace):
    at = run_app(park_workspace, monkeypatch)
    _set(at, FILTER_KEYS["text"], "hf-00")
    assert count_shown(at) == (9, 9)
    _set(at, FILTER_KEYS["text"], "hf-006")
    assert count_shown(at) == (1, 9)
    _set(at, FILTER_KEYS["text"], "sons <ltd")
    assert count_shown(at) == (1, 9)


def test_a_filter_change_does_not_re_evaluate(demo_workspace, monkeypatch):
    from landplan.app import data as appdata

    evaluate_module = importlib.import_module("landplan.evaluate")
    calls = []

    real = evaluate_module.evaluate

    def counting(*args, **kwargs):
        calls.append(kwargs.get("as_of"))
        return real(*args, **kwargs)

    appdata.evaluation.clear()
    monkeypatch.setattr(evaluate_module, "evaluate", counting)
    at = run_app(demo_workspace, monkeypatch, page="efficiency", as_of=DEMO_AS_OF)
    assert calls.count(DEMO_AS_OF) == 1
    for name, value, _ in FILTER_CASES:
        _set(at, FILTER_KEYS[name], value)
    goto(at, "idle")
    assert calls.count(DEMO_AS_OF) == 1  # one evaluation for every filter and page
    at.date_input(key="as_of").set_value(dt.date(2025, 6, 30)).run()
    assert calls[-1] == dt.date(2025, 6, 30)  # a new date is a new evaluation


def test_apply_filters_unit():
    frame = pd.DataFrame({"parcel_id": ["A", "B", "C"], "holder": ["x", None, "Y"],
                          "status": ["reserve", None, "halted"], "area_mu": [1.0, 2.0, 3.0],
                          "industry_code": ["39", None, "26"]})
    assert apply_filters(frame, Filters()).all()
    assert apply_filters(frame, Filters(industries=(NO_VALUE,))).tolist() == [False, True, False]
    assert apply_filters(frame, Filters(text="y")).tolist() == [False, False, True]
    assert apply_filters(frame, Filters(area_mu=(2.0, 3.0))).tolist() == [False, True, True]
    # a filter on an evaluation column the frame lacks passes nothing
    assert not apply_filters(frame, Filters(classes=("A",))).any()
    assert Filters(classes=("A",)).needs_evaluation() and not Filters(text="x").needs_evaluation()


# ------------------------------------------------------------------------------- selection
def test_map_selection_shows_the_parcels_details(demo_workspace, demo_table, monkeypatch):
    parcels = parcels_of(demo_workspace)
    found = parcels[parcels["holder"].notna()].sort_values("parcel_id").iloc[3]
    pid, holder = str(found["parcel_id"]), str(found["holder"])
    at = run_app(demo_workspace, monkeypatch, page="parcel", as_of=DEMO_AS_OF)
    assert not at.table  # nothing selected yet
    at.session_state[MAP_KEY] = click_event(deck_spec(at), pid)
    at.run()
    assert not at.exception
    values = table_values(at)
    assert values["宗地号"] == pid and values["土地使用权人"] == holder
    assert at.selectbox(key=PICK_KEY).value == pid  # the search box follows the map
    figures = frame_with(at, "规则")
    row = demo_table.set_index("parcel_id").loc[pid]
    shown = dict(zip(figures["项目"], figures["值"], strict=True))
    assert shown["面积(亩)"] == f"{row['area_mu']:,.2f}"
    assert shown["闲置状态"] == labels.value("idle_status", row["idle_status"], "zh")
    rules = dict(zip(figures["项目"], figures["规则"], strict=True))
    assert rules["闲置状态"] == "idle.idle_after_years"
    marks = dict(zip(figures["项目"], figures["未确认"], strict=True))
    assert marks["配套水平"] == "⚠ 未确认"  # readiness levels: 五通 UNCONFIRMED
    ledger = Workspace(demo_workspace).read("ledger")
    if (ledger["parcel_id"] == pid).any():
        assert len(frame_with(at, "统一社会信用代码")) == int((ledger["parcel_id"] == pid).sum())
    outline = [layer for layer in deck_spec(at)["layers"] if layer["id"] == "parcel-selected"]
    assert len(outline) == 1 and outline[0]["data"]
    park = park_of(demo_workspace)  # a band three gaps wide inside the parcel's boundary
    geom = park.geoms[park.position()[pid]]
    drawn = shapely.union_all([polygon_of(row) for row in outline[0]["data"]])
    width = 3 * lpmap.parcel_gap_m(park.bounds)
    assert drawn.area == pytest.approx(geom.area - geom.buffer(-width, join_style="mitre").area,
                                       rel=0.02)


def test_selectbox_selection_and_then_the_map_again(monkeypatch, park_eval_workspace):
    at = run_app(park_eval_workspace, monkeypatch, page="parcel")
    assert "HF-006 · 己化工有限公司" in at.selectbox(key=PICK_KEY).options
    at.selectbox(key=PICK_KEY).select("HF-006").run()
    assert not at.exception
    values = table_values(at)
    assert values["土地使用权人"] == "己化工有限公司"
    assert values["建设状态"] == "停工/停产"
    assert values["已完成投资(万元)"] == "800.00"  # one format per unit: 万元 2 decimals
    assert values["供地日期"] == "2018-01-10"
    assert values["面积(平方米)"] == "21,600" and values["面积(亩)"] == "32.40"
    at.session_state[MAP_KEY] = click_event(deck_spec(at), "HF-008")
    at.run()
    assert table_values(at)["土地使用权人"] == "庚物流有限公司"
    assert at.selectbox(key=PICK_KEY).value == "HF-008"
    at.selectbox(key=PICK_KEY).select("HF-009").run()
    assert table_values(at)["土地使用权人"] == "Xin & Sons <Ltd>"  # shown as written
    at.run()  # the old map selection lives on layer ids the chart no longer has
    assert table_values(at)["宗地号"] == "HF-009"
    goto(at, "overview")  # the selection is shared: outlined on the overview map too
    assert any(layer["id"] == "parcel-selected" for layer in deck_spec(at)["layers"])
    goto(at, "parcel")
    at.selectbox(key=PICK_KEY).set_value(None).run()
    assert not at.table


def test_parcel_without_holder_or_status(monkeypatch, park_eval_workspace):
    at = run_app(park_eval_workspace, monkeypatch, page="parcel")
    at.selectbox(key=PICK_KEY).select("HF-007").run()
    values = table_values(at)
    assert values["土地使用权人"] == "—" and values["建设状态"] == "—"
    rows = [r for r in parcel_rows(deck_spec(at)) if r[2]["id"] == "HF-007"]
    assert len(rows) == 2  # two parts


# ------------------------------------------------------------------------------- data in/out
@pytest.mark.parametrize("fmt", list(transfer.DOWNLOADS))
def test_downloads_import_back(fmt, demo_workspace, tmp_path):
    parcels = Workspace(demo_workspace).read("parcels")
    shown = parcels[parcels["status"].isin(["halted", "reserve"])]
    data = transfer.parcels_download(shown, fmt)
    path = tmp_path / f"download{transfer.DOWNLOADS[fmt][0]}"
    path.write_bytes(data)
    target = tmp_path / "ws"
    if fmt == "xlsx":  # an attribute table: it updates the parcels of a workspace
        Workspace(target).write("parcels", shown.assign(holder=None))
    report = landplan.import_layer(path, "parcels", workspace=target)
    assert report.rejected == 0
    back = Workspace(target).read("parcels").set_index("parcel_id").sort_index()
    assert list(back.index) == sorted(shown["parcel_id"])
    want = shown.set_index("parcel_id").sort_index()
    if fmt != "coordtxt":  # the 界址点 file holds ids, names and rings, not holders
        assert back["holder"].fillna("").tolist() == want["holder"].fillna("").tolist()
    if fmt != "xlsx":
        assert np.allclose(landplan.area_m2(back), landplan.area_m2(want), atol=0.01)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".gpkg"])
def test_evaluation_download_reads_back(suffix, lang, demo_table, tmp_path):
    table = demo_table[demo_table["status"] == "in_production"]
    path = tmp_path / f"evaluation{suffix}"
    path.write_bytes(transfer.evaluation_download(table, suffix, load_rules(), lang))
    back = read_evaluation(path)
    assert sorted(back["parcel_id"].astype(str)) == sorted(table["parcel_id"])
    assert pd.to_numeric(back["area_mu"]).sum() == pytest.approx(table["area_mu"].sum(), rel=1e-6)
    if suffix == ".csv":  # a table for people in the page's language; GeoPackage stays canonical
        headers = pd.read_csv(path, encoding="utf-8-sig", nrows=0).columns
        assert labels.column("parcel_id", lang) in headers and "parcel_id" not in headers


def test_data_page_offers_every_download(demo_workspace, monkeypatch):
    at = run_app(demo_workspace, monkeypatch, page="data")
    shown = {b.label for b in at.get("download_button")}
    assert {t(f"data.download.{f}", "zh") for f in transfer.DOWNLOADS} <= shown
    assert t("data.download.evaluation", "zh", fmt="XLSX") in shown


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_upload_imports_and_shows_the_report(demo_copy, park_parcels, tmp_path, monkeypatch):
    source = tmp_path / "宗地.geojson"
    park_parcels.to_crs(4326).to_file(source, driver="GeoJSON")
    at = run_app(demo_copy, monkeypatch, page="data")
    at.file_uploader(key="data_upload").upload(source.name, source.read_bytes(),
                                               "application/geo+json")
    at.run()
    at.button(key="data_run_import").click().run()
    assert not at.exception and not at.error
    report = at.code[0].value
    assert labels.t("import.counts", "zh", read=9, imported=9, repaired=0, rejected=0) in report
    assert len(parcels_of(demo_copy)) == 9
    goto(at, "overview")  # the new layer shows at the next run
    assert count_shown(at) == (9, 9)


def test_upload_leaves_unrecognised_columns_out_unless_the_box_is_ticked(demo_copy, park_parcels,
                                                                        tmp_path, monkeypatch):
    source = tmp_path / "宗地.geojson"
    park_parcels.assign(备注=[f"r{i}" for i in range(len(park_parcels))]).to_crs(4326) \
        .to_file(source, driver="GeoJSON")
    at = run_app(demo_copy, monkeypatch, page="data")
    assert at.checkbox(key="data_keep_extra").label == t("data.keep_extra", "zh")
    at.file_uploader(key="data_upload").upload(source.name, source.read_bytes(), "application/geo+json")
    at.run()
    at.button(key="data_run_import").click().run()
    assert labels.t("import.unmapped", "zh", n=1, columns="备注") in at.code[0].value
    assert "备注" not in parcels_of(demo_copy).columns
    at.checkbox(key="data_keep_extra").check().run()
    at.button(key="data_run_import").click().run()
    assert not at.exception and not at.error
    assert labels.t("import.kept_extra", "zh", columns="备注") in at.code[0].value
    assert sorted(parcels_of(demo_copy)["备注"]) == sorted(f"r{i}" for i in range(len(park_parcels)))


def test_upload_refusals(demo_copy, monkeypatch):
    before = {p: p.stat().st_mtime_ns for p in demo_copy.rglob("*") if p.is_file()}
    at = run_app(demo_copy, monkeypatch, page="data")
    evil = _zip({"../../escape.geojson": b'{"type": "FeatureCollection", "features": []}'})
    at.file_uploader(key="data_upload").upload("evil.zip", evil, "application/zip")
    at.run()
    at.button(key="data_run_import").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "path traversal" in at.error[0].value
    assert not (demo_copy.parent / "escape.geojson").exists()

    monkeypatch.setattr(transfer, "MAX_UPLOAD_MB", 0.001)  # 1 kB
    at.file_uploader(key="data_upload").set_value(("big.geojson", b" " * 5000, "application/json"))
    at.run()
    at.button(key="data_run_import").click().run()
    assert len(at.error) == 1 and "limited to 0.001 MB" in at.error[0].value
    after = {p: p.stat().st_mtime_ns for p in demo_copy.rglob("*") if p.is_file()}
    assert after == before  # nothing written


def test_check_upload_strips_folders():
    assert transfer.check_upload("../../a/b.zip", 10) == "b.zip"
    assert transfer.check_upload("C:\\x\\y.gpkg", 10) == "y.gpkg"
    with pytest.raises(landplan.InputFileError, match="no file name"):
        transfer.check_upload("..", 1)


# ------------------------------------------------------------------------------- rules form
def test_rules_form_saves_a_valid_rules_yaml(demo_copy, monkeypatch):
    at = run_app(demo_copy, monkeypatch, page="settings")
    names = [ti.label for ti in at.text_input]
    assert any("⚠ 未确认" in name for name in names)  # marks visible in the form
    assert "土地闲置费费率 :small[`idle.fee_rate`]" in names  # the label, the key in small print
    at.text_input(key=rule_field_key("idle.fee_rate")).set_value("0.3")
    at.text_input(key=rule_field_key("terrain.max_relief_m")).set_value("3")
    # a method and a switch are choices by label, their codes written to the file
    design = at.selectbox(key=rule_field_key("terrain.design_level"))
    assert design.options == ["平均高程（挖填相等）", "挖填平衡（计松散系数）"]
    design.set_value("balanced")
    stopped = at.selectbox(key=rule_field_key("idle.low_efficiency.stopped_on"))
    assert stopped.options == ["是", "否"] and stopped.value is True
    stopped.set_value(False)
    # the land economics' inputs are in the form too (the economics page points here)
    at.text_input(key=rule_field_key("economics.development_wan_per_mu")).set_value("12")
    next(b for b in at.button if b.label == t("settings.save", "zh")).click().run()
    assert not at.exception and not at.error
    assert at.success and "rules.yaml" in at.success[0].value
    saved = yaml.safe_load((demo_copy / "rules.yaml").read_text(encoding="utf-8"))
    demo_own = yaml.safe_load(DEMO_RULES_TEXT)  # the demo park's other economics inputs stay as they were
    demo_own["economics"]["development_wan_per_mu"] = 12
    assert saved == {"idle": {"fee_rate": 0.3, "low_efficiency": {"stopped_on": False}},
                     "terrain": {"max_relief_m": 3, "design_level": "balanced"}, **demo_own}
    assert load_rules(demo_copy)["idle"]["fee_rate"] == 0.3

    # an invalid value is refused and the file stays as it was
    text = (demo_copy / "rules.yaml").read_text(encoding="utf-8")
    at.text_input(key=rule_field_key("idle.fee_rate")).set_value("abc")
    next(b for b in at.button if b.label == t("settings.save", "zh")).click().run()
    assert at.error and "idle.fee_rate" in at.error[0].value
    assert (demo_copy / "rules.yaml").read_text(encoding="utf-8") == text


def test_unconfirmed_marks_where_rules_are_shown(demo_workspace, monkeypatch):
    at = run_app(demo_workspace, monkeypatch, page="infrastructure", as_of=DEMO_AS_OF)
    text = " ".join(m.value for m in at.markdown)
    assert "coverage.unit_cost_wan_per_m.road" in text and "⚠ 未确认" in text
    by_type = next(d.value for d in at.dataframe if "延伸费用(万元)" in d.value.columns)
    assert by_type["延伸费用(万元)"].str.contains("⚠ 未确认").any()


def test_tile_url_is_off_by_default_and_validated(demo_workspace, monkeypatch):
    at = run_app(demo_workspace, monkeypatch, page="settings")
    assert at.text_input(key="tile_url_input").value == ""
    at.text_input(key="tile_url_input").set_value("ftp://x/{z}").run()
    assert at.error and t("settings.tile_bad", "zh") in at.error[0].value
    at.text_input(key="tile_url_input").set_value(
        "https://tile.example.org/{z}/{x}/{y}.png").run()
    goto(at, "overview")
    spec = deck_spec(at)
    # the tiles as images under the park, in its own planar view (no map style: Streamlit's
    # chart takes a style name only, an object broke every map)
    assert [v["@@type"] for v in spec["views"]] == ["OrthographicView"] and "mapStyle" not in spec
    tiles = [layer for layer in spec["layers"] if layer["id"].startswith("tile-")]
    assert tiles and spec["layers"][:len(tiles)] == tiles  # drawn first, under everything
    assert all(layer["@@type"] == "BitmapLayer" and re.fullmatch(
        r"https://tile\.example\.org/1[0-9]/\d+/\d+\.png", layer["image"]) for layer in tiles)


# ------------------------------------------------------------------------------- library panels
def test_siting_page_checks_and_ranks_with_screen_project(demo_workspace, monkeypatch):
    at = run_app(demo_workspace, monkeypatch, page="siting", as_of=DEMO_AS_OF)
    from landplan.screen import make_project

    assert at.selectbox(key="siting_industry").options[:2] == ["01 农业", "02 林业"]
    # pressed before an industry is chosen: the form asks for it in the reader's words
    next(b for b in at.button if b.label == t("siting.run", "zh")).click().run()
    assert [w.value for w in at.warning] == [t("siting.no_industry", "zh")]
    at.selectbox(key="siting_industry").set_value("39")
    at.number_input(key="siting_area").set_value(30.0)
    at.number_input(key="siting_tax").set_value(1000.0)
    next(b for b in at.button if b.label == t("siting.run", "zh")).click().run()
    assert not at.exception and not at.error
    want = landplan.screen_project(
        make_project({"industry_code": "39", "area_mu": 30.0, "investment_wan": 20000.0,
                      "tax_wan": 1000.0, "output_wan": 50000.0, "needs": ["road", "water", "power"]},
                     source="options"), demo_workspace, as_of=DEMO_AS_OF)
    assert (len(at.success) == 1) == want.admitted
    sites = frame_with(at, "排名")
    assert sites["宗地号"].tolist() == want.sites["parcel_id"].astype(str).tolist()
    assert {r[2]["id"] for r in parcel_rows(deck_spec(at))} == set(want.sites["parcel_id"])
    # a project under the tax threshold: refused, with the unmet check listed
    at.number_input(key="siting_tax").set_value(1.0)
    next(b for b in at.button if b.label == t("siting.run", "zh")).click().run()
    not_met = labels.value("screen_result", "not_met", "zh")
    assert at.warning and frame_with(at, "结果")["结果"].eq(not_met).any()


def test_parcel_history_and_report_use_the_library(monkeypatch, park_eval_workspace):
    from landplan.history import parcel_history

    at = run_app(park_eval_workspace, monkeypatch, page="parcel")
    at.selectbox(key=PICK_KEY).select("HF-006").run()
    assert not at.exception and not at.error
    history = frame_with(at, "关系")
    want = parcel_history(park_eval_workspace, "HF-006")
    assert history["宗地号"].tolist() == want["parcel_id"].astype(str).tolist()
    next(b for b in at.button if b.label == t("report.make", "zh")).click().run()
    assert not at.exception and not at.error and not at.warning
    downloads = [d for d in at.get("download_button") if "report_download" in str(d.proto.id)
                 or d.proto.label == t("report.download", "zh")]
    assert downloads, "the report's download button is shown once it is made"


# ------------------------------------------------------------------------------- workspace
def test_missing_workspace_shows_a_message(monkeypatch, tmp_path):
    missing = tmp_path / "no-such-park"
    at = run_app(missing, monkeypatch)
    assert len(at.warning) == 1 and "工作区文件夹不存在" in at.warning[0].value
    assert not map_args(at)
    at.selectbox(key="lang").set_value("en").run()
    assert "does not exist" in at.warning[0].value


def test_empty_workspace_shows_a_message(monkeypatch, empty_workspace):
    at = run_app(empty_workspace, monkeypatch)
    assert len(at.info) == 1 and "没有地块" in at.info[0].value
    assert not map_args(at) and not at.error


def test_workspace_that_is_a_file_shows_a_message(monkeypatch, tmp_path):
    path = tmp_path / "parcels.gpkg"
    path.write_bytes(b"not a folder")
    at = run_app(path, monkeypatch)
    assert len(at.error) == 1 and "不是文件夹" in at.error[0].value


def test_broken_layer_shows_a_message(monkeypatch, tmp_path):
    (tmp_path / "parcels").mkdir()
    (tmp_path / "parcels" / "parcels.gpkg").write_bytes(b"this is not a GeoPackage")
    at = run_app(tmp_path, monkeypatch)
    assert len(at.error) == 1 and "无法读取工作区" in at.error[0].value


def test_parcels_without_roads(monkeypatch, parcels_only_workspace):
    at = run_app(parcels_only_workspace, monkeypatch)
    spec = deck_spec(at)
    assert not [layer for layer in spec["layers"] if layer["id"].startswith("roads-")]
    assert len({r[2]["id"] for r in parcel_rows(spec)}) == 9


def test_workspace_argument_beats_environment(monkeypatch, park_workspace, empty_workspace):
    at = run_app(empty_workspace, monkeypatch, argv=["--workspace", str(park_workspace)])
    assert map_args(at) and not at.info
    assert resolve_workspace([], {}, Path("data")) == Path("data")
    assert resolve_workspace(["--server.port", "1", "--workspace", "a"],
                             {"LANDPLAN_WORKSPACE": "b"}, Path("data")) == Path("a")
    assert resolve_workspace(["--workspace=a"], {}, Path("data")) == Path("a")


def test_workspace_changes_show_at_the_next_run(monkeypatch, tmp_path, park_parcels):
    ws = Workspace(tmp_path)
    ws.write("parcels", park_parcels.iloc[:3])
    at = run_app(tmp_path, monkeypatch)
    assert len({r[2]["id"] for r in parcel_rows(deck_spec(at))}) == 3
    time.sleep(0.01)
    ws.write("parcels", park_parcels)
    at.run()
    assert len({r[2]["id"] for r in parcel_rows(deck_spec(at))}) == 9


def test_language_switch(monkeypatch, park_workspace):
    at = run_app(park_workspace, monkeypatch)
    tooltip = deck_spec(at)["tooltip"]["html"]
    assert "宗地号" in tooltip and "土地使用权人" in tooltip and "亩" in tooltip
    at.selectbox(key="lang").set_value("en").run()
    assert [x.value for x in at.title] == ["Overview"]
    assert "in production · parcels: 2, 61.20 mu" in legend(at)
    statuses = {row["v"] for _, _, row in parcel_rows(deck_spec(at))}
    present = set(parcels_of(park_workspace)["status"].dropna())
    assert statuses == {enum_label("parcel_status", c, "en") for c in present} | {"no status"}


# ------------------------------------------------------------------------------- map module
@pytest.mark.parametrize("module", ["landplan.app.map", "landplan.app.i18n",
                                    "landplan.app.session", "landplan.app.filters"])
def test_doctests(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


def test_polygon_rings_holes_parts_and_rounding():
    origin = (39_500_000.0, 3_500_000.0)
    hole = Polygon([(0, 0), (100, 0), (100, 100), (0, 100)],
                   [[(40, 40), (60, 40), (60, 60), (40, 60)]])
    hole = shapely.affinity.translate(hole, *origin)
    parts = MultiPolygon([box(39_500_000.04, 3_500_000, 39_500_010, 3_500_010),
                          box(39_500_020, 3_500_000, 39_500_030.06, 3_500_010)])
    rings = lpmap.polygon_rings([hole, parts, None], origin=origin)
    assert len(rings[0]) == 1 and len(rings[0][0]) == 2  # one polygon: outer ring + hole
    assert rings[0][0][0] == [[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]]
    assert len(rings[1]) == 2  # two parts
    assert [0.0, 0.0] in rings[1][0][0] and [30.1, 10.0] in rings[1][1][0]
    assert rings[2] == []


def test_classify_numbers_into_quantiles():
    frame = pd.DataFrame({"tax_per_mu_wan": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan]})
    classes = lpmap.classify(frame, "tax_per_mu_wan")
    assert classes.codes.tolist() == [0, 1, 2, 3, 4, -1]
    assert classes.labels[0] == "1.00 – 1.80 万元/亩" and classes.title == "亩均税收(万元/亩)·分位数分级"
    assert classes.values[-1] == "—"
    same = lpmap.classify(pd.DataFrame({"cut_m3": [7.0, 7.0]}), "cut_m3")
    assert same.codes.tolist() == [0, 0] and len(same.labels) == 1


def test_raster_image_draws_classes_where_the_parcels_are():
    from PIL import Image

    polys = np.array([box(0, 0, 50, 100), box(50, 0, 100, 100)], dtype=object)
    url, extent = lpmap.raster_image(polys, np.array([0, -1]), [(10, 20, 30)], (1, 2, 3),
                                     bounds=(0, 0, 100, 100), max_px=10)
    assert url.startswith("data:image/png;base64,") and extent == [0.0, 0.0, 100.0, 100.0]
    import base64

    image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB")
    assert image.size == (10, 10)
    assert image.getpixel((2, 5)) == (10, 20, 30) and image.getpixel((7, 5)) == (1, 2, 3)


def test_large_parks_are_drawn_as_an_image(monkeypatch, park_workspace):
    monkeypatch.setattr(lpmap, "VECTOR_MAX_PARCELS", 5)
    at = run_app(park_workspace, monkeypatch)
    spec = deck_spec(at)
    ids = [layer["id"] for layer in spec["layers"]]
    assert "parcels-raster" in ids and not parcel_rows(spec)
    assert spec["layers"][ids.index("parcels-raster")]["image"].startswith("data:image/png")
    _set(at, FILTER_KEYS["statuses"], ["supplied", "in_production"])  # 4 parcels: vectors
    assert len({r[2]["id"] for r in parcel_rows(deck_spec(at))}) == 4


def test_compact_json_is_utf8_and_unindented():
    classes = lpmap.classify(pd.DataFrame({"status": ["reserve"]}), "status")
    deck = lpmap.park_deck({3: [{"id": "A", "h": "合肥", "v": "储备", "mu": 1.0,
                                 "p": [[0, 0], [1, 0], [1, 1]]}]}, classes, bounds=(0, 0, 1, 1))
    text = deck.to_json()
    assert "合肥" in text and "\n" not in text and ": " not in text
    assert json.loads(text)["layers"][0]["id"] == "parcels-3"


def test_picked_parcel():
    event = {"selection": {"indices": {"parcels-3@3": [0]},
                           "objects": {"parcels-3@3": [{"id": "A&amp;B"}]}}}
    assert lpmap.picked_parcel(event, "3") == "A&B"
    assert lpmap.picked_parcel(event, "2") is None  # a selection on layers since replaced
    assert lpmap.picked_parcel({"selection": {"indices": {}, "objects": {}}}) is None
    assert lpmap.picked_parcel(None) is None


def test_server_preload_fills_the_pages_caches(demo_workspace, tmp_path):
    """What the server preloads is what the pages read: the very same cached objects."""
    import datetime as dt

    from landplan.app import data, server
    from landplan.app.server import preload

    data.load_park.clear()
    data.evaluation.clear()
    park, table = preload(Path(demo_workspace), wait_s=0)
    path = str(Path(demo_workspace).resolve())
    assert data.load_park(path, data.workspace_stamp(path)) is park
    assert data.evaluation(path, data.workspace_stamp(path), dt.date.today(), park.years[-1],
                           data.rules_text(path)) is table
    assert len(table) == len(park.parcels)
    assert preload(tmp_path / "no-such-folder") is None  # nothing to preload, no error
    assert len(park.parcels) <= server.EVALUATE_UP_TO
    # and what the first script run imports: the pages and pydeck
    import sys

    from landplan.app.pages import PAGES

    assert "pydeck" in sys.modules
    assert all(f"landplan.app.pages.{name}" in sys.modules for name, _ in PAGES)
    assert all(name in sys.modules for name in server.WARM_MODULES)


@pytest.mark.parametrize("before_ready", [True, False], ids=["small-park", "bigger-park"])
def test_server_preload_is_ready_before_the_first_page(demo_workspace, monkeypatch, before_ready):
    """Before the server answers (``ready``) the park is read, the rules parsed and, for a small
    park, the evaluation done; a bigger park's evaluation waits until a page has sent its map.
    A workspace given relative (``make app``'s ``--workspace data``) shares the cache with the
    resolved one."""
    import threading

    from landplan import rules
    from landplan.app import context, data, server

    data.load_park.clear()
    data.evaluation.clear()
    rules._defaults.cache_clear()
    monkeypatch.setattr(server, "_MAP_SENT", threading.Event())
    if not before_ready:
        monkeypatch.setattr(server, "EVALUATE_BEFORE_READY", 0)
    calls = []
    real = data.evaluation
    monkeypatch.setattr(data, "evaluation", lambda *a: calls.append(a) or real(*a))
    monkeypatch.chdir(Path(demo_workspace).parent)
    relative = Path(Path(demo_workspace).name)
    done, ready = [], threading.Event()
    worker = threading.Thread(
        target=lambda: done.append(server.preload(relative, ready=ready, wait_s=60)))
    worker.start()
    try:
        assert ready.wait(60)
        assert rules._defaults.cache_info().currsize  # the rules parsed for the sidebar
        park, problem = context._open(relative, "zh")  # the page's read
        assert problem is None
        if before_ready:
            assert len(calls) == 1  # evaluated before the server answers
        else:
            time.sleep(0.3)
            assert worker.is_alive() and not calls  # the evaluation waits for a map
            server.map_sent()
        worker.join(60)
        assert not worker.is_alive() and len(calls) == 1
    finally:
        server.map_sent()
        worker.join(60)
    preloaded, table = done[0]
    assert preloaded is park  # one read of the park, not one per spelling of its path
    assert data.workspace_stamp(relative) == data.workspace_stamp(Path(demo_workspace).resolve())
    assert real(*calls[0]) is table  # the pages find the preload's evaluation in the cache


def test_server_preload_says_ready_when_it_fails(tmp_path):
    import threading

    from landplan.app import server

    (tmp_path / "parcels.geojson").write_text("not json", encoding="utf-8")
    ready = threading.Event()
    assert server.preload(tmp_path, ready=ready) is None  # the page will say what is wrong
    assert ready.is_set()  # and the server answers


def test_server_connections_send_without_nagle_delay():
    """The server's accepted connections get TCP_NODELAY (Streamlit binds its socket with
    protocol 0, so asyncio would not set it): a response's body does not wait for the
    browser's delayed ACK after its headers."""
    import asyncio
    import socket

    from streamlit.web.server.starlette import starlette_server

    from landplan.app import server

    assert server.tcp_nodelay()
    assert server.tcp_nodelay()  # idempotent: the function is wrapped once
    assert starlette_server._bind_socket.landplan_tcp
    listener = starlette_server._bind_socket("127.0.0.1", 0, 8)
    port = listener.getsockname()[1]
    assert listener.proto == socket.IPPROTO_TCP and not listener.getblocking()
    seen = []

    async def serve():
        def connected(reader, writer):
            sock = writer.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        srv = await asyncio.start_server(connected, sock=listener)
        async with srv:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(serve())
    assert seen and seen[0]  # asyncio turned TCP_NODELAY on for the accepted connection


def test_a_map_on_the_page_releases_the_preload(demo_workspace, monkeypatch):
    import threading

    from landplan.app import server

    monkeypatch.setattr(server, "_MAP_SENT", threading.Event())
    at = run_app(demo_workspace, monkeypatch, page="settings")
    server._MAP_SENT.clear()  # the first run was the overview's
    at.run()
    assert not at.exception and not server._MAP_SENT.is_set()  # the settings page has no map
    goto(at, "overview")
    assert server._MAP_SENT.is_set()


# ------------------------------------------------------------------------------- 亩均 trends
def _trend_tables(at: AppTest, lang: str) -> dict[str, pd.DataFrame]:
    """The trend tables of the efficiency page by what they hold: park, industries (latest
    year), industry, enterprise, parcels (the enterprise's, then the selected parcel's)."""
    year, industry = labels.column("year", lang), labels.column("industry_code", lang)
    enterprise, parcel = labels.column("enterprise_id", lang), labels.column("parcel_id", lang)
    out: dict[str, pd.DataFrame] = {}
    for frame in (d.value for d in at.dataframe):
        cols = list(frame.columns)
        if cols[0] == year:
            out["park"] = frame
        elif cols[0] == industry:
            out["industry" if year in cols else "industries"] = frame
        elif cols[0] == enterprise:
            out["enterprise"] = frame
        elif cols[:2] == [parcel, year]:
            out["parcel" if "enterprise_parcels" in out else "enterprise_parcels"] = frame
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_efficiency_trends_by_park_industry_enterprise_and_parcel(lang, demo_workspace, demo_table,
                                                                  monkeypatch):
    from test_app_words import _data_values, _rules_keys, problems, start, visible_texts
    from wordcheck import cjk_in

    from landplan import trends
    from landplan.app.pages.efficiency import GROUP_TREND, INDUSTRY_KEY, RANKING, table_bytes

    at = goto(start(demo_workspace, lang, monkeypatch), "efficiency")
    pick = str(demo_table.sort_values("tax_wan", ascending=False)["parcel_id"].iloc[0])
    at.session_state[SELECTED_KEY] = pick
    options = at.selectbox(key=INDUSTRY_KEY).options
    at.selectbox(key=INDUSTRY_KEY).select_index(1).run()
    assert not at.exception, [e.value for e in at.exception]
    tables = _trend_tables(at, lang)
    assert set(tables) == {"park", "industries", "industry", "enterprise", "enterprise_parcels", "parcel"}

    ws = Workspace(demo_workspace)
    parcels, ledger = ws.parcels_with_area(), ws.read("ledger")
    rows = trends.parcel_trends(parcels, ledger, load_rules(demo_workspace))
    years = trends.ledger_years(ledger)
    park = trends.group_trends(rows)
    per_mu = labels.column("tax_per_mu_wan", lang)
    assert tables["park"][per_mu].tolist() == [labels.fmt(v, "wan_per_mu", lang) for v in park["tax_per_mu_wan"]]
    assert tables["park"][labels.column("tax_per_mu_wan_yoy_pct", lang)].iloc[0] == "—"
    # the industries of the last year add up to the park's parcels that year
    count = labels.column("parcels", lang)
    assert sum(int(n) for n in tables["industries"][count]) == park["parcels"].iloc[-1]
    assert tables["industry"][labels.column("industry_code", lang)].tolist() == [options[1]] * len(years)
    # the selected parcel's years; the evaluated year reads as the evaluation
    mine = tables["parcel"]
    assert mine[labels.column("year", lang)].tolist() == [str(y) for y in years]
    row = demo_table.set_index("parcel_id").loc[pick]
    assert mine[per_mu].iloc[years.index(int(row["year"]))] == labels.fmt(row["tax_per_mu_wan"], "wan_per_mu", lang)
    assert at.subheader[-1].value == t("trends.parcel", lang, parcel=pick)
    keys = {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")}
    assert {f"{k}_{fmt}" for k in ("trend_park", "trend_industries", "trend_industry", "trend_enterprise",
                                   "trend_enterprise_parcels", "trend_parcel", "efficiency_ranking")
            for fmt in ("csv", "xlsx")} <= keys

    # the download: the page's table in its language, numbers exact in the XLSX
    xlsx = pd.read_excel(io.BytesIO(table_bytes(park, GROUP_TREND, lang, "xlsx", sheet="s")))
    assert list(xlsx.columns) == list(tables["park"].columns)
    assert xlsx[per_mu].tolist() == pytest.approx(park["tax_per_mu_wan"].tolist())
    csv = table_bytes(park, GROUP_TREND, lang, "csv").decode("utf-8-sig")
    assert csv.splitlines()[0].split(",")[:2] == list(tables["park"].columns[:2])
    # the ranking's download: the page's headers (a reason in the reader's language)
    ranking = table_bytes(demo_table, RANKING, lang, "csv").decode("utf-8-sig")
    shown = frame_with(at, labels.column("efficiency_score", lang))
    assert list(pd.read_csv(io.StringIO(ranking), dtype=str).columns) == list(shown.columns)
    if lang == "en":
        assert not cjk_in(ranking, data=_data_values(demo_workspace))

    ids = set(parcels["parcel_id"].astype(str))
    page = type("Main", (), {"_tree": at.main})  # the page's words (the sidebar is everyone's)
    texts = [("efficiency", where, text) for where, text in visible_texts(page)]
    found = problems(texts, lang, ids=ids, data=_data_values(demo_workspace),
                     keys=_rules_keys(demo_workspace))
    assert not found, "\n".join(found)
