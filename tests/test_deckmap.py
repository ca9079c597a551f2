"""The map component (landplan.app.deckmap) in a real headless Chromium: the demo park through
tests/apps/deckmap_app.py, one server and one browser for the module.

Scale bar and north arrow, cursor coordinates, measuring a parcel's area, a basemap from a
local tile server, click selection and focus, the reported view, the holder in the tooltip
shown as text; and the time to the first map against ``st.pydeck_chart``'s.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import shapely
from conftest import REPO_ROOT, _stop, wait_healthy
from wordcheck import cjk_in, codes_in

from landplan import labels
from landplan.app import deckmap
from landplan.app import map as lpmap
from landplan.workspace import Workspace

pytestmark = pytest.mark.browser
XSS = "<img src=x onerror=alert(1)>"
HEIGHT = 560


def test_frontend_dir_is_complete_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    deckmap.frontend_dir.cache_clear()
    try:
        folder = deckmap.frontend_dir()
        assert folder.parent == tmp_path / "landplan" and folder.name.startswith("deckmap-")
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [deckmap.BUNDLE_NAME, *deckmap._FILES])
        assert (folder / "deckmap.js").read_bytes() == (deckmap.FRONTEND / "deckmap.js").read_bytes()
        stamp = (folder / deckmap.BUNDLE_NAME).stat().st_mtime_ns
        deckmap.frontend_dir.cache_clear()
        assert deckmap.frontend_dir() == folder  # written once
        assert (folder / deckmap.BUNDLE_NAME).stat().st_mtime_ns == stamp
        assert [p.name for p in (tmp_path / "landplan").iterdir()] == [folder.name]
    finally:
        deckmap.frontend_dir.cache_clear()


# ------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def workspace(tmp_path_factory, demo_workspace) -> Path:
    """The demo park, one parcel's holder an HTML tag."""
    path = tmp_path_factory.mktemp("deckmap") / "ws"
    shutil.copytree(demo_workspace, path)
    ws = Workspace(path)
    parcels = ws.read("parcels")
    parcels.loc[parcels.index[0], "holder"] = XSS
    ws.write("parcels", parcels)
    return path


@pytest.fixture(scope="module")
def server(workspace, tmp_path_factory):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp_path_factory.mktemp("deckmap-server") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "tests/apps/deckmap_app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false", "--", "--workspace", str(workspace)],
            cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, url, log)
        yield url
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def park(workspace):
    """Parcels in workspace and local coordinates (the app's origin, as load_park's)."""
    parcels = Workspace(workspace).read("parcels")
    origin = lpmap.local_origin(parcels.total_bounds)
    local = lpmap.to_local(parcels.geometry.to_numpy(), origin)
    minx, miny, maxx, maxy = parcels.total_bounds
    bounds = (minx - origin[0], miny - origin[1], maxx - origin[0], maxy - origin[1])
    return {"parcels": parcels, "origin": origin, "local": local, "bounds": bounds,
            "drawn": lpmap.drawn(local, bounds)}


@pytest.fixture
def page(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1200, "height": 950},
                                           locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()


def _open(page, url: str):
    """Load the app; returns the component's frame once its first frame is drawn."""
    page.goto(url, timeout=60_000)
    page.locator("iframe").first.wait_for(timeout=60_000)
    frame = page.locator("iframe").first.element_handle().content_frame()
    frame.wait_for_function("() => window.landplanMap && window.landplanMap.firstFrame",
                            timeout=60_000)
    return frame


def _value(page) -> dict:
    text = page.locator("code").filter(has_text="VALUE").first.inner_text()
    return json.loads(text.split("VALUE", 1)[1])


def _wait_value(page, check, timeout_s: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = _value(page)
            if check(value):
                return value
        except Exception:  # the block is being redrawn
            value = None
        if time.monotonic() > deadline:
            raise AssertionError(f"the app's value never matched: {value}")
        page.wait_for_timeout(100)


def _screen(page, frame, xy) -> tuple[float, float]:
    """Page pixels of a local point."""
    box = page.locator("iframe").first.bounding_box()
    px, py = frame.evaluate("xy => window.landplanMap.project(xy)", list(map(float, xy)))
    return box["x"] + px, box["y"] + py


def _focus(page, frame, parcel_id: str):
    before = frame.evaluate("() => window.landplanMap.viewState().bbox")
    box = page.get_by_label("focus")
    box.fill(parcel_id)
    box.press("Enter")
    frame.wait_for_function("b => JSON.stringify(window.landplanMap.viewState().bbox) !== "
                            "JSON.stringify(b)", arg=before)
    page.wait_for_timeout(300)


def _simple_parcel(park) -> int:
    """A parcel the map draws with all of its vertices (four corners, not simplified)."""
    n_local = shapely.get_num_coordinates(park["local"])
    n_drawn = shapely.get_num_coordinates(park["drawn"])
    area = shapely.area(park["local"])
    ok = np.flatnonzero((n_local == n_drawn) & (n_local == 5) & (area > 5000))
    assert len(ok)
    return int(ok[len(ok) // 2])


# ------------------------------------------------------------------------------ tools
def test_scale_bar_north_arrow_and_cursor(server, page, park):
    frame = _open(page, server)
    for _ in range(2):
        ppm = frame.evaluate("() => window.landplanMap.pixelsPerMetre()")
        zoom = frame.evaluate("() => window.landplanMap.viewState().zoom")
        assert ppm == pytest.approx(2 ** zoom, rel=1e-3)  # an OrthographicView: 2^zoom px/m
        bar = frame.locator("#scale-bar")
        width = bar.bounding_box()["width"]
        label = frame.locator("#scale-label").inner_text()
        number, unit = re.fullmatch(r"([\d.,]+) (\S+)", label).groups()
        metres = float(number.replace(",", "")) * (1000 if unit == labels.t("unit.km", "zh")
                                                   else 1)
        assert unit in (labels.t("unit.km", "zh"), labels.t("unit.m", "zh"))
        assert width / ppm == pytest.approx(metres, rel=0.01)
        assert 60 <= width <= 180
        ratio = frame.locator("#scale-ratio").inner_text()
        n = float(ratio.removeprefix("1:").replace(",", ""))
        assert n == pytest.approx(96 / 0.0254 / ppm, rel=0.01)
        # zoomed in, the bar reads anew
        box = page.locator("iframe").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + HEIGHT / 2)
        page.mouse.wheel(0, -600)
        frame.wait_for_function("z => window.landplanMap.viewState().zoom > z + 0.5", arg=zoom)
        page.wait_for_timeout(400)
    north = frame.locator("#north")
    assert north.is_visible() and "坐标北" in north.get_attribute("title")
    assert north.inner_text().strip() == labels.t("app.maptools.north_letter", "zh")

    # the cursor over a vertex reads its workspace coordinates
    i = _simple_parcel(park)
    _focus(page, frame, park["parcels"]["parcel_id"].iloc[i])
    vertex = shapely.get_coordinates(park["drawn"][i])[0]
    page.mouse.move(*_screen(page, frame, vertex))  # zoomed in on it: a pixel under 0.1 m
    zoom = frame.evaluate("() => window.landplanMap.viewState().zoom")
    for _ in range(3):  # deck.gl zooms in at most twice (1 level) per wheel event
        page.mouse.wheel(0, -600)
        page.wait_for_timeout(100)
    frame.wait_for_function("z => window.landplanMap.viewState().zoom > z + 1.5", arg=zoom)
    page.wait_for_timeout(500)
    page.mouse.move(*_screen(page, frame, vertex))
    text = frame.locator("#cursor").inner_text()
    x, y = (float(v.replace(",", "")) for v in re.findall(r"[XY] ([\d,]+\.\d)", text))
    true = shapely.get_coordinates(park["parcels"].geometry.iloc[i])[0]
    assert x == pytest.approx(true[0], abs=0.2) and y == pytest.approx(true[1], abs=0.2)
    assert "EPSG:4527" in text
    page.mouse.move(5, 5)  # out of the map: cleared
    assert frame.locator("#cursor").inner_text() == ""


@pytest.mark.parametrize("query", ["", "?inset=1"])
def test_measure_area_and_distance(server, page, park, query):
    frame = _open(page, server + "/" + query)
    i = _simple_parcel(park)
    _focus(page, frame, park["parcels"]["parcel_id"].iloc[i])
    ring = shapely.get_coordinates(park["drawn"][i])[:-1]
    # a few pixels off each corner: the clicks snap to the parcel's vertices
    frame.get_by_role("button", name="测面").click()
    for k, xy in enumerate(ring):
        sx, sy = _screen(page, frame, xy)
        page.mouse.click(sx + (3 if k % 2 else -3), sy + 2)
        page.wait_for_timeout(150)
    page.mouse.click(*_screen(page, frame, ring[0]))  # the first vertex again: done
    result = frame.locator("#measure-result")
    assert result.get_attribute("data-done") == "1"
    text = result.inner_text()
    m2, mu = (float(v.replace(",", "")) for v in re.findall(r"([\d,]+(?:\.\d+)?) (?:平方米|亩)", text))
    true = park["parcels"].geometry.iloc[i].area
    assert m2 == pytest.approx(true, rel=1e-3)
    assert mu == pytest.approx(m2 * 15 / 10_000, abs=0.01)
    assert _value(page)["picked"] is None  # measuring selects nothing

    # distance: two corners, a double-click finishes
    frame.get_by_role("button", name="测距").click()
    page.mouse.click(*_screen(page, frame, ring[0]))
    page.wait_for_timeout(150)
    page.mouse.dblclick(*_screen(page, frame, ring[1]))
    text = frame.locator("#measure-result").inner_text()
    length = float(re.search(r"([\d,]+\.\d) 米", text).group(1).replace(",", ""))
    assert length == pytest.approx(float(np.hypot(*(ring[1] - ring[0]))), abs=0.15)
    page.keyboard.press("Escape")
    assert frame.locator("#measure-result").inner_text() == ""


# ------------------------------------------------------------------------------ selection, view
def test_click_selects_and_focus_keeps_a_pan(server, page, park):
    frame = _open(page, server)
    i = _simple_parcel(park)
    pid = park["parcels"]["parcel_id"].iloc[i]
    centre = shapely.get_coordinates(shapely.point_on_surface(park["drawn"][i]))[0]
    page.mouse.click(*_screen(page, frame, centre))
    value = _wait_value(page, lambda v: v["seq"] >= 1)
    assert value["picked"] == pid and value["layers"]
    # a click beside every parcel: an empty selection
    page.mouse.click(*_screen(page, frame, (park["bounds"][0] - 300, park["bounds"][1] + 500)))
    value = _wait_value(page, lambda v: v["seq"] > value["seq"])
    assert value["picked"] is None and value["layers"] == []
    # the holder shows as text in the tooltip, never as HTML
    xss = park["parcels"].geometry.iloc[0]
    page.mouse.move(*_screen(page, frame, shapely.get_coordinates(
        shapely.point_on_surface(xss))[0] - park["origin"]))
    frame.get_by_text(XSS).first.wait_for()
    assert frame.locator("img[src='x']").count() == 0 and page.dialogs == []

    # focus: a new sequence number fits the view to the parcel
    whole = frame.evaluate("() => window.landplanMap.viewState().bbox")
    _focus(page, frame, pid)
    view = frame.evaluate("() => window.landplanMap.viewState().bbox")
    pminx, pminy, pmaxx, pmaxy = park["drawn"][i].bounds
    assert view[2] - view[0] < (whole[2] - whole[0]) / 2
    assert view[0] <= pminx and view[1] <= pminy and view[2] >= pmaxx and view[3] >= pmaxy
    # a pan, then a rerun with another deck and the same sequence number: the pan stays
    box = page.locator("iframe").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + HEIGHT / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 150, cy + 60, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    panned = frame.evaluate("() => window.landplanMap.viewState().bbox")
    assert panned != view
    layers = frame.evaluate("() => window.landplanMap.deck.props.layers.length")
    page.get_by_text("roads").click()  # the roads off
    frame.wait_for_function("n => window.landplanMap.deck.props.layers.length < n", arg=layers)
    page.wait_for_timeout(300)
    assert frame.evaluate("() => window.landplanMap.viewState().bbox") == panned
    # a deck with another initial view (another park): the view is that one
    page.get_by_text("quarter").click()
    minx, miny, maxx, maxy = park["bounds"]
    centre = ((3 * minx + maxx) / 4, (3 * miny + maxy) / 4)
    frame.wait_for_function("c => { const b = window.landplanMap.viewState().bbox; return "
                            "Math.abs((b[0] + b[2]) / 2 - c[0]) < 1 && "
                            "Math.abs((b[1] + b[3]) / 2 - c[1]) < 1; }", arg=centre)


def test_words_from_the_catalogue():
    for lang in ("zh", "en"):
        words = deckmap._words(lang)
        assert set(words) >= {"distance", "area", "clear", "north", "unit_m", "unit_mu"}
        for text in words.values():
            assert codes_in(text) == [] and (lang == "zh" or cjk_in(text) == [])
    assert deckmap._words("zh")["distance"] == "测距"


def test_report_view_in_english(server, page):
    frame = _open(page, server + "/?report=1&lang=en")
    value = _wait_value(page, lambda v: v["view"] is not None)  # sent at the first frame
    box = page.locator("iframe").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + HEIGHT / 3)
    page.mouse.wheel(0, -500)
    value = _wait_value(page, lambda v: v["view"]["zoom"] > value["view"]["zoom"] + 0.3)
    page.wait_for_timeout(600)  # the last of the zoom's steps
    value = _value(page)
    shown = frame.evaluate("() => window.landplanMap.viewState()")
    span = shown["bbox"][2] - shown["bbox"][0]
    assert value["view"]["bbox"] == pytest.approx(shown["bbox"], abs=0.01 * span)
    assert value["view"]["width_px"] == shown["width_px"]
    # an English reader reads no Chinese on the map's tools
    frame.get_by_role("button", name="Area").click()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + HEIGHT / 2)
    text = frame.locator("body").inner_text()
    assert "Grid north" in frame.locator("#north").get_attribute("title")
    assert re.search(r"X [\d,]+\.\d\s+Y [\d,]+\.\d", text) and "Click to add points" in text
    assert cjk_in(text) == [], text


# ------------------------------------------------------------------------------ basemap
TILE_RGB = (255, 0, 255)


@pytest.fixture(scope="module")
def tile_server():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), TILE_RGB).save(buffer, format="PNG")
    png = buffer.getvalue()
    requests: list[str] = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            requests.append(self.path)
            ok = re.fullmatch(r"/\d+/\d+/\d+\.png", self.path)
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "image/png")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            if ok:
                self.wfile.write(png)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()


def test_basemap_tiles_from_a_local_server(server, page, park, tile_server):
    url, requests = tile_server
    frame = _open(page, f"{server}/?tiles={url}/{{z}}/{{x}}/{{y}}.png")
    deadline = time.monotonic() + 20
    while not requests and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert requests and all(re.fullmatch(r"/\d+/\d+/\d+\.png", r) for r in requests)
    # a point inside the park's box but on no parcel: the tile's colour
    minx, miny, maxx, maxy = park["bounds"]
    union = shapely.union_all(park["local"])
    candidates = [(minx + fx * (maxx - minx), miny + fy * (maxy - miny))
                  for fx in np.linspace(0.05, 0.95, 19) for fy in np.linspace(0.05, 0.95, 19)]
    empty = next(p for p in candidates if shapely.distance(union, shapely.Point(p)) > 60)
    page.wait_for_timeout(1000)
    from PIL import Image

    sx, sy = _screen(page, frame, empty)
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    assert shot.getpixel((round(sx), round(sy))) == TILE_RGB


# ------------------------------------------------------------------------------ timing
@pytest.mark.skipif(not os.environ.get("LANDPLAN_TIMING"),
                    reason="a measurement (LANDPLAN_TIMING=1); the app bench times the first map")
def test_first_map_time_against_pydeck_chart(server, chromium_browser):
    """Page load to the map's first frame, the component against ``st.pydeck_chart`` (its
    canvas drawn), median of 5 each, alternating, in one run."""
    times = {"component": [], "pydeck": []}
    for _ in range(5):
        for kind in times:
            context = chromium_browser.new_context(viewport={"width": 1200, "height": 950})
            page = context.new_page()
            start = time.monotonic()
            if kind == "component":
                _open(page, server)
            else:
                page.goto(server + "/?map=pydeck", timeout=60_000)
                page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for(
                    state="visible", timeout=60_000)
                page.wait_for_function("() => { const c = document.querySelector("
                                       "\"[data-testid='stDeckGlJsonChart'] canvas\");"
                                       " return c && c.width > 0; }")
            times[kind].append(time.monotonic() - start)
            context.close()
    medians = {k: statistics.median(v) for k, v in times.items()}
    print(f"first map, median of {len(times['pydeck'])}: component {medians['component']:.2f} s, "
          f"st.pydeck_chart {medians['pydeck']:.2f} s")
    assert medians["component"] < 3 * medians["pydeck"] + 2
