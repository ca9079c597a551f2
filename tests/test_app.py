"""The Streamlit app: the parcels page through AppTest, and once end to end in Chromium.

AppTest runs ``app.py`` in this process: the deck payload is the chart element's
``proto.json``; a map click is simulated by giving the chart's key a selection event, as the
browser would send it. The browser test starts a real server and drives Debian's Chromium.
"""

from __future__ import annotations

import doctest
import importlib
import json
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import shapely.affinity
from shapely.geometry import MultiPolygon, Polygon, box
from streamlit.testing.v1 import AppTest

from landplan.app import map as lpmap
from landplan.app.i18n import LABELS, t
from landplan.app.pages.parcels import MAP_HEIGHT_PX, MAP_KEY, PICK_KEY
from landplan.app.session import resolve_workspace
from landplan.schema import ENUMS, enum_label
from landplan.workspace import Workspace

APP = Path(__file__).resolve().parent.parent / "app.py"

#: Upper bound of the deck payload: a fixed part (layers, view, tooltip) plus, per parcel,
#: its map row (id, holder, status label, mu, a rounded polygon), plus the roads.
PAYLOAD_FIXED_BYTES = 4_000
PAYLOAD_BYTES_PER_PARCEL = 250
PAYLOAD_BYTES_PER_ROAD_VERTEX = 30


# ------------------------------------------------------------------------------- helpers
@pytest.fixture(params=["park", "demo"])
def app_workspace(request) -> Path:
    """The small park built in code, and the demo park when ``landplan.demo`` exists."""
    return request.getfixturevalue("park_workspace" if request.param == "park"
                                   else "demo_workspace")


def run_app(workspace: Path | None, monkeypatch, *, argv: list[str] | None = None) -> AppTest:
    if workspace is None:
        monkeypatch.delenv("LANDPLAN_WORKSPACE", raising=False)
    else:
        monkeypatch.setenv("LANDPLAN_WORKSPACE", str(workspace))
    monkeypatch.setattr(sys, "argv", [str(APP), *(argv or [])])
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def deck_json(at: AppTest) -> str:
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return charts[0].proto.json


def deck_spec(at: AppTest) -> dict:
    return json.loads(deck_json(at))


def parcel_rows(spec: dict) -> list[tuple[str, int, dict]]:
    """(layer id, index, row) of every row of the parcel layers."""
    return [(layer["id"], i, row) for layer in spec["layers"]
            if layer["id"].startswith("parcels-") for i, row in enumerate(layer["data"])]


def click_event(spec: dict, parcel_id: str) -> dict:
    """The selection event the browser sends when ``parcel_id`` is clicked on the map."""
    layer_id, index, row = next(r for r in parcel_rows(spec) if r[2]["id"] == parcel_id)
    return {"selection": {"indices": {layer_id: [index]}, "objects": {layer_id: [row]}}}


def table_values(at: AppTest) -> dict[str, str]:
    assert len(at.table) == 1
    frame = at.table[0].value
    return dict(zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True))


def parcels_of(workspace: Path) -> pd.DataFrame:
    return Workspace(workspace).read("parcels")


def a_parcel_with_holder(workspace: Path, skip: int = 0) -> tuple[str, str]:
    parcels = parcels_of(workspace)
    found = parcels[parcels["holder"].notna()].sort_values("parcel_id").iloc[skip]
    return str(found["parcel_id"]), str(found["holder"])


def all_numbers(value):
    if isinstance(value, list):
        for item in value:
            yield from all_numbers(item)
    else:
        yield value


# ------------------------------------------------------------------------------- AppTest
def test_page_renders_every_parcel_in_a_small_payload(app_workspace, monkeypatch):
    at = run_app(app_workspace, monkeypatch)
    parcels = parcels_of(app_workspace)
    assert [x.value for x in at.title] == ["地块"]
    assert f"{len(parcels)} 宗地块" in at.caption[0].value

    payload = deck_json(at)
    spec = json.loads(payload)
    rows = parcel_rows(spec)
    assert {r[2]["id"] for r in rows} == set(parcels["parcel_id"])
    road_vertices = sum(len(row["p"]) for layer in spec["layers"]
                        if layer["id"].startswith("roads-") for row in layer["data"])
    size = len(payload.encode("utf-8"))
    budget = (PAYLOAD_FIXED_BYTES + PAYLOAD_BYTES_PER_PARCEL * len(parcels)
              + PAYLOAD_BYTES_PER_ROAD_VERTEX * road_vertices)
    assert size <= budget, f"{size} bytes for {len(parcels)} parcels"
    print(f"deck payload: {size} bytes, {size / len(parcels):.0f} bytes per parcel "
          f"({len(parcels)} parcels, {road_vertices} road vertices)")

    # Local metres rounded to 0.1 m, planar view, no basemap, nothing fetched from outside.
    for _, _, row in rows:
        for number in all_numbers(row["p"]):
            assert abs(number) < 100_000 and abs(number * 10 - round(number * 10)) < 1e-6
        assert set(row) == {"id", "h", "s", "mu", "p"}
    assert [v["@@type"] for v in spec["views"]] == ["OrthographicView"]
    assert spec["views"][0]["flipY"] is False
    assert "mapStyle" not in spec and "http" not in payload and "\\u" not in payload
    assert all("id" in layer for layer in spec["layers"])


def test_legend_counts_and_mu_per_status(monkeypatch, park_workspace):
    at = run_app(park_workspace, monkeypatch)
    legend = next(m.value for m in at.markdown if "landplan-legend" in m.value)
    present = set(parcels_of(park_workspace)["status"].dropna())
    for code, (zh, _en) in ENUMS["parcel_status"].items():
        # the pre-supply stages (规划, 征收中, 已批未供) are not in this park: shown with 0
        n = 2 if code in {"supplied", "in_production"} else int(code in present)
        assert f"{zh} · {n} 宗" in legend
    assert "储备/未供 · 1 宗，32.40 亩" in legend  # 180 m × 120 m = 21600 m² = 32.4 mu
    assert "投产 · 2 宗，61.20 亩" in legend        # 32.4 + (21600 − 2400) m² = 61.2 mu
    assert "未填状态 · 1 宗，28.80 亩" in legend     # the two-part parcel without status
    assert "合计</b> · 9 宗，284.40 亩" in legend
    assert "道路" in legend
    colours = {tuple(layer["getFillColor"][:3]) for layer in deck_spec(at)["layers"]
               if layer["id"].startswith("parcels-")}
    assert colours == {*(lpmap.STATUS_COLOURS[c] for c in present), lpmap.NO_STATUS_COLOUR}
    assert set(lpmap.STATUS_COLOURS) == set(ENUMS["parcel_status"])


def test_roads_by_status_width_by_grade(monkeypatch, park_workspace):
    spec = deck_spec(run_app(park_workspace, monkeypatch))
    roads = {layer["id"]: layer for layer in spec["layers"] if layer["id"].startswith("roads-")}
    assert set(roads) == {"roads-built", "roads-under_construction", "roads-planned"}
    built = [row["w"] for row in roads["roads-built"]["data"]]
    # R1 width_m 40, R2 secondary without width → 24, R5 expressway → 40, R6 nothing → 12
    assert sorted(built) == [12.0, 24.0, 40.0, 40.0]
    assert roads["roads-planned"]["data"][0]["w"] == lpmap.ROAD_WIDTH_M["branch"]
    assert roads["roads-built"]["getColor"][0] < roads["roads-planned"]["getColor"][0]  # darker
    assert all(layer["widthUnits"] == "meters" for layer in roads.values())
    ids = [layer["id"] for layer in spec["layers"]]
    assert max(ids.index(r) for r in roads) < min(
        ids.index(layer) for layer in ids if layer.startswith("parcels-"))  # roads underneath


def test_language_switch(monkeypatch, park_workspace):
    at = run_app(park_workspace, monkeypatch)
    tooltip = json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)["html"]
    assert "宗地号" in tooltip and "土地使用权人" in tooltip and "亩" in tooltip
    assert at.selectbox(key=PICK_KEY).label == t("select.label", "zh")

    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert [x.value for x in at.title] == ["Parcels"]
    assert "9 parcels" in at.caption[0].value
    legend = next(m.value for m in at.markdown if "landplan-legend" in m.value)
    assert "in production · parcels: 2, 61.20 mu" in legend
    assert "储备" not in legend
    assert at.selectbox(key=PICK_KEY).label == "Find a parcel by id or holder"
    spec = deck_spec(at)
    statuses = {row["s"] for _, _, row in parcel_rows(spec)}
    present = set(parcels_of(park_workspace)["status"].dropna())
    assert statuses == {enum_label("parcel_status", c, "en") for c in present} | {"no status"}
    tooltip = json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)["html"]
    assert "land-use right holder" in tooltip and "mu" in tooltip

    at.radio(key="lang").set_value("zh").run()
    assert [x.value for x in at.title] == ["地块"]


def test_every_label_has_both_languages():
    for key, (zh, en) in LABELS.items():
        assert zh and en, key
        assert t(key, "zh") == zh and t(key, "en") == en


def test_map_selection_shows_the_parcels_attributes(app_workspace, monkeypatch):
    pid, holder = a_parcel_with_holder(app_workspace)
    at = run_app(app_workspace, monkeypatch)
    assert not at.table  # nothing selected yet
    at.session_state[MAP_KEY] = click_event(deck_spec(at), pid)
    at.run()
    assert not at.exception
    values = table_values(at)
    assert values["宗地号"] == pid
    assert values["土地使用权人"] == holder
    assert "面积(亩)" in values and "建设状态" in values
    assert at.selectbox(key=PICK_KEY).value == pid  # the search box follows the map
    selected = [layer for layer in deck_spec(at)["layers"] if layer["id"] == "parcel-selected"]
    assert len(selected) == 1 and selected[0]["data"]

    at.radio(key="lang").set_value("en").run()
    values = table_values(at)
    assert values["parcel id"] == pid and values["land-use right holder"] == holder


def test_selectbox_selection_and_then_the_map_again(monkeypatch, park_workspace):
    at = run_app(park_workspace, monkeypatch)
    assert "HF-006 · 己化工有限公司" in at.selectbox(key=PICK_KEY).options
    at.selectbox(key=PICK_KEY).select("HF-006").run()
    assert not at.exception
    values = table_values(at)
    assert values["土地使用权人"] == "己化工有限公司"
    assert values["建设状态"] == "停工/停产"
    assert values["场地已平整"] == "否"
    assert values["已完成投资(万元)"] == "800"
    assert values["供地日期"] == "2018-01-10"
    assert values["面积(平方米)"] == "21,600.0" and values["面积(亩)"] == "32.40"

    # a map click after the search box: the map wins, then the search box again
    spec = deck_spec(at)
    at.session_state[MAP_KEY] = click_event(spec, "HF-008")
    at.run()
    assert table_values(at)["土地使用权人"] == "庚物流有限公司"
    assert at.selectbox(key=PICK_KEY).value == "HF-008"
    at.selectbox(key=PICK_KEY).select("HF-009").run()
    assert table_values(at)["土地使用权人"] == "Xin & Sons <Ltd>"  # shown as written
    # the old map selection lives on layer ids the chart no longer has: it does not come back
    at.run()
    assert table_values(at)["宗地号"] == "HF-009"
    # and clearing the search box clears the selection
    at.selectbox(key=PICK_KEY).set_value(None).run()
    assert not at.table


def test_parcel_without_holder_or_status(monkeypatch, park_workspace):
    at = run_app(park_workspace, monkeypatch)
    at.selectbox(key=PICK_KEY).select("HF-007").run()
    values = table_values(at)
    assert values["土地使用权人"] == "—" and values["建设状态"] == "—"
    assert values["面积(亩)"] == "28.80"
    rows = [r for r in parcel_rows(deck_spec(at)) if r[2]["id"] == "HF-007"]
    assert len(rows) == 2 and {r[0] for r in rows} == {"parcels-none@1"}  # two parts
    outline = next(layer for layer in deck_spec(at)["layers"] if layer["id"] == "parcel-selected")
    assert len(outline["data"]) == 2


def test_missing_workspace_shows_a_message(monkeypatch, tmp_path):
    missing = tmp_path / "no-such-park"
    at = run_app(missing, monkeypatch)
    assert len(at.warning) == 1 and "工作区文件夹不存在" in at.warning[0].value
    assert str(missing) in at.warning[0].value
    assert not at.get("deck_gl_json_chart")
    at.radio(key="lang").set_value("en").run()
    assert "does not exist" in at.warning[0].value


def test_empty_workspace_shows_a_message(monkeypatch, empty_workspace):
    at = run_app(empty_workspace, monkeypatch)
    assert len(at.info) == 1 and "没有地块" in at.info[0].value
    assert not at.get("deck_gl_json_chart") and not at.error


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
    legend = next(m.value for m in at.markdown if "landplan-legend" in m.value)
    assert "没有道路图层" in legend


def test_workspace_argument_beats_environment(monkeypatch, park_workspace, empty_workspace):
    at = run_app(empty_workspace, monkeypatch, argv=["--workspace", str(park_workspace)])
    assert at.get("deck_gl_json_chart") and not at.info
    assert resolve_workspace([], {}, Path("data")) == Path("data")
    assert resolve_workspace(["--server.port", "1", "--workspace", "a"],
                             {"LANDPLAN_WORKSPACE": "b"}, Path("data")) == Path("a")
    assert resolve_workspace(["--workspace=a"], {}, Path("data")) == Path("a")
    assert resolve_workspace(["--work", "x"], {"LANDPLAN_WORKSPACE": "b"}, Path("d")) == Path("b")


def test_workspace_changes_show_at_the_next_run(monkeypatch, tmp_path, park_parcels):
    ws = Workspace(tmp_path)
    ws.write("parcels", park_parcels.iloc[:3])
    at = run_app(tmp_path, monkeypatch)
    assert len({r[2]["id"] for r in parcel_rows(deck_spec(at))}) == 3
    time.sleep(0.01)
    ws.write("parcels", park_parcels)
    at.run()
    assert len({r[2]["id"] for r in parcel_rows(deck_spec(at))}) == 9


# ------------------------------------------------------------------------------- map module
@pytest.mark.parametrize("module", ["landplan.app.map", "landplan.app.i18n",
                                    "landplan.app.session"])
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
    assert lpmap.local_origin((39_512_345.6, 3_521_009.9, 0, 0)) == (39_512_340.0, 3_521_000.0)


def test_compact_json_is_utf8_and_unindented():
    deck = lpmap.parcel_deck({"reserve": [{"id": "A", "h": "合肥", "s": "储备", "mu": 1.0,
                                           "p": [[0, 0], [1, 0], [1, 1]]}]}, {},
                             bounds=(0, 0, 1, 1))
    text = deck.to_json()
    assert "合肥" in text and "\n" not in text and ": " not in text
    assert json.loads(text)["layers"][0]["id"] == "parcels-reserve"


def test_picked_parcel():
    event = {"selection": {"indices": {"parcels-halted@3": [0]},
                           "objects": {"parcels-halted@3": [{"id": "A&amp;B"}]}}}
    assert lpmap.picked_parcel(event, "3") == "A&B"
    assert lpmap.picked_parcel(event, "2") is None  # a selection on layers since replaced
    assert lpmap.picked_parcel({"selection": {"indices": {}, "objects": {}}}) is None
    assert lpmap.picked_parcel(None) is None


# ------------------------------------------------------------------------------- browser
@pytest.mark.browser
def test_browser_end_to_end(streamlit_app, chromium_browser, park_workspace, tmp_path):
    """Real server, real Chromium: the map draws, Chinese renders, a parcel is found."""
    url = streamlit_app(park_workspace)
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 900},
                                           locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else None)
    try:
        start = time.monotonic()
        page.goto(url, timeout=60_000)
        canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
        canvas.wait_for(state="visible", timeout=60_000)
        first_canvas_s = time.monotonic() - start
        assert "园区土地规划" in page.title()
        page.locator("h1", has_text="地块").first.wait_for(timeout=30_000)
        page.get_by_text("储备/未供", exact=False).first.wait_for(timeout=30_000)

        # hover a parcel: the tooltip proves picking works, then a click selects it
        x, y = _screen_point(canvas.bounding_box(), park_workspace, "HF-006")
        tooltip = page.locator(".deck-tooltip", has_text="HF-006")
        deadline = time.monotonic() + 20
        while not tooltip.is_visible() and time.monotonic() < deadline:
            page.mouse.move(x - 3, y)
            page.mouse.move(x, y)
            page.wait_for_timeout(250)
        assert tooltip.is_visible(), "no tooltip over the parcel"
        page.mouse.click(x, y)
        table = page.locator("[data-testid='stTable']")
        table.get_by_text("己化工有限公司").wait_for(timeout=30_000)

        # the search box: type a parcel id, pick it, see its holder
        page.locator("[data-testid='stSelectbox']").first.click()
        page.keyboard.type("HF-005")
        page.get_by_role("option", name="HF-005 · 戊汽车零部件有限公司").click(timeout=15_000)
        table.get_by_text("戊汽车零部件有限公司").wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        shot = tmp_path / "app.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
        print(f"first canvas after {first_canvas_s:.1f} s; screenshot {shot}")
        assert outside == [], f"requests beyond the local server: {outside}"
    finally:
        context.close()


def _screen_point(box_px: dict, workspace: Path, parcel_id: str) -> tuple[float, float]:
    """Where a parcel's inner point is on the canvas, from the view the app computes."""
    parcels = parcels_of(workspace)
    origin = lpmap.local_origin(parcels.total_bounds)
    minx, miny, maxx, maxy = parcels.total_bounds
    view = lpmap.view_state((minx - origin[0], miny - origin[1], maxx - origin[0],
                             maxy - origin[1]), height_px=MAP_HEIGHT_PX)
    point = parcels.set_index("parcel_id").geometry[parcel_id].representative_point()
    scale = 2 ** view.zoom
    tx, ty, _ = view.target
    x = box_px["x"] + box_px["width"] / 2 + (point.x - origin[0] - tx) * scale
    y = box_px["y"] + box_px["height"] / 2 - (point.y - origin[1] - ty) * scale
    return x, y
