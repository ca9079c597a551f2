"""Benchmark: the map app in headless Chromium — first map, filter change, against an empty page.

For each park (the demo park in ``data/``, 300 parcels; a 100,000-parcel demo park written
once into ``bench/_work/app/``) a Streamlit server is started on the park and a fresh
Chromium context opens the app:

- **server ready**: from starting the server until it answers (it reads the park first, and
  evaluates a small one: ``landplan.app.server``);
- **first map, cold**: the first page load right after that (the first script run, building
  the map) until deck.gl has drawn its first frame in the map component's iframe (the
  browser's own time of that frame from the page's navigation); both the median of
  ``--cold`` server starts;
- **first map, warm**: a later browser session on the same server (cached park), in a new
  browser context (empty HTTP and code caches, as a first visit);
- **returning**: a new session in a browser that opened the app before (caches kept);
- **filter change** (demo park): typing a holder into the sidebar search until the shown
  count changes (the evaluation is cached, so this is filter + map payload + redraw);
- **parcel search**: on 地块详情 (its map drawn, the evaluation done), the end of a parcel
  id (``GB0000``: more than 50 parcels) typed into the search box and Enter, until the page
  says what it found: the server's first search, and the median of the later ones (new
  sessions); then a whole id, until that parcel's details show (it is selected: the page is
  drawn again with them).

The peers, measured in the same run: an empty Streamlit page's load time in the same browser
(the fixed overhead of Streamlit itself), and pages with nothing but a one-polygon deck.gl map
(a ``PolygonLayer``; a ``SolidPolygonLayer``, the least any deck.gl map costs). Warm loads
spread widely on this 2-core machine (the browser's main thread, its GPU process and the
server share the cores), so the medians of ``--repeat`` loads are reported with the fastest
and the slowest. Results go to ``bench/RESULTS.md`` under "## App in the browser" (only that
section is replaced).

Usage: ``python bench/app_bench.py [--sizes 300 100000] [--repeat 9] [--cold 3]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import produced_by, replace_section  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work" / "app"
HEADING = "## App in the browser"
GOALS = {300: 3.0, 100_000: 10.0}
FILTER_GOAL_S = 1.0
SEARCH_GOAL_S = 0.5
CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _workspace(n: int) -> Path:
    if n == 300:
        return ROOT / "data"
    path = WORK / f"park_{n}"
    if not (path / "parcels").exists():
        from landplan.demo import write_demo

        write_demo(path, parcels=n, seed=0)
    return path


def _start(script: Path, workspace: Path | None) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # the app starts as `landplan app` / `make app` start it (landplan.app.server: workspace
    # preloaded while the server starts); the peers with plain `streamlit run`
    runner = "landplan.app.server" if workspace is not None else "streamlit"
    cmd = [sys.executable, "-m", runner, "run", str(script), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    if workspace is not None:
        cmd += ["--", "--workspace", str(workspace)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.25)
    _stop(proc)
    raise RuntimeError(f"streamlit on {script} did not start")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # busy evaluating a big park: not left behind
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)


#: Records the page's main-thread stalls (a 20 ms timer that fires late = a long task).
_STALLS = """
window.__stalls = []; let last = performance.now();
function tick() { const now = performance.now(); if (now - last > 100) window.__stalls.push(now - last);
  last = now; if (now < 60000) setTimeout(tick, 20); }
setTimeout(tick, 20);
"""
LONGEST: list[float] = []  # the longest main-thread stall of each page load, in ms


#: The app's map: the deck.gl canvas in the map component's iframe (landplan.app.deckmap).
MAP_FRAME = "iframe[data-testid='stCustomComponentV1']"
#: A peer's map: the canvas of a plain ``st.pydeck_chart``.
PEER_CANVAS = "[data-testid='stDeckGlJsonChart'] canvas"


def _map_canvas(page):
    """The app's first map (its deck.gl canvas, inside the component's iframe)."""
    return page.frame_locator(MAP_FRAME).first.locator("canvas").first


def _peer_canvas(page) -> None:
    """Until a peer's map canvas shows."""
    page.locator(PEER_CANVAS).first.wait_for(state="visible", timeout=120_000)


def _title(page) -> None:
    """Until the empty page's title shows."""
    page.locator("h1").first.wait_for(state="visible", timeout=120_000)


def _wait_map(page, timeout: float = 120_000) -> float:
    """Until the app's first map is drawn: its canvas visible, and deck.gl's first frame
    painted (the component's ``landplanMap.firstFrame`` is set). Returns when that frame was
    painted, in seconds from the page's navigation: read in the browser, as Playwright finds
    an element inside an iframe by polling at growing intervals (up to a second late)."""
    _map_canvas(page).wait_for(state="visible", timeout=timeout)
    frame = page.locator(MAP_FRAME).first.element_handle(timeout=timeout).content_frame()
    frame.wait_for_function("() => window.landplanMap && window.landplanMap.firstFrame",
                            timeout=timeout)
    painted = frame.evaluate("() => performance.timeOrigin + window.landplanMap.firstFrame")
    return (painted - page.evaluate("() => performance.timeOrigin")) / 1000


def _load(browser, url: str, wait) -> float:
    """One load in a new browser context (an empty cache: a first visit); ``wait(page)``
    returns when the page is shown."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    try:
        return _load_page(context, url, wait)
    finally:
        context.close()


def _load_page(context, url: str, wait) -> float:
    """One load in a new page (a new Streamlit session) of ``context``, whose HTTP and code
    caches are kept between pages (a planner who opened the app before)."""
    page = context.new_page()
    page.add_init_script(_STALLS)
    try:
        start = time.perf_counter()
        page.goto(url, timeout=120_000)
        shown = wait(page)  # the browser's own time where it has one (the map's first frame)
        seconds = shown if shown is not None else time.perf_counter() - start
        LONGEST.append(max(page.evaluate("window.__stalls"), default=0.0))
        return seconds
    finally:
        page.close()


def _chunks(n: int = 150) -> list[str]:
    """The names of ``n`` of Streamlit's JS chunks (the files a first page load fetches)."""
    import streamlit

    folder = Path(streamlit.__file__).parent / "static" / "static" / "js"
    return sorted(p.name for p in folder.glob("*.js"))[:n]


def _keepalive_fetch(url: str, names: list[str]) -> float:
    """Seconds to fetch ``names`` one after another on one kept-alive HTTP connection."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    try:
        start = time.perf_counter()
        for name in names:
            conn.request("GET", f"/static/js/{name}")
            conn.getresponse().read()
        return time.perf_counter() - start
    finally:
        conn.close()


def _filter_change(browser, url: str, text: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(url, timeout=120_000)
        _wait_map(page)
        count = page.get_by_text(re.compile(r"^显示 \d+ / \d+ 宗")).first
        count.wait_for()
        page.wait_for_timeout(1500)  # the overview's figures below the map are done
        before = count.inner_text()
        box = page.get_by_label("宗地号或权利人")
        box.fill(text)
        start = time.perf_counter()
        box.press("Enter")
        page.wait_for_function(
            "(b) => [...document.querySelectorAll('[data-testid=stSidebar] p')].some("
            "p => /^显示 \\d+ \\/ \\d+ 宗/.test(p.innerText) && p.innerText !== b)", arg=before,
            timeout=60_000)
        _wait_map(page)
        return time.perf_counter() - start
    finally:
        context.close()


def _parcel_search(browser, url: str, searches: tuple[tuple[str, object], ...]) -> list[float]:
    """Seconds from Enter in the 地块详情 search box until the page says what it found, for
    each ``(text, what the caption then starts with)`` in turn (the first search of the
    session builds the search index)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(url + "/parcel", timeout=300_000)
        _wait_map(page, timeout=300_000)  # the evaluation and the map are done
        page.wait_for_timeout(1500)
        box = page.get_by_label("按宗地号或权利人查找地块", exact=True)
        out = []
        for text, caption in searches:
            box.fill(text)
            start = time.perf_counter()
            box.press("Enter")
            page.get_by_text(caption).first.wait_for(timeout=300_000)
            out.append(time.perf_counter() - start)
        return out
    finally:
        context.close()


def _a_parcel_id(workspace: Path) -> str:
    """The id of the parcel in the middle of the park's layer."""
    from landplan.workspace import Workspace

    ids = Workspace(workspace).read("parcels")["parcel_id"]
    return str(ids.iloc[len(ids) // 2])


def _parcel_point(workspace: Path, parcel_id: str) -> tuple[float, float]:
    """A point inside the parcel, in the map's local metres (the workspace CRS less the map's
    origin, :func:`landplan.app.map.local_origin` of the parcels)."""
    import shapely

    from landplan.app.map import local_origin
    from landplan.workspace import Workspace

    parcels = Workspace(workspace).read("parcels")
    origin = local_origin(parcels.total_bounds)
    geom = parcels.geometry[parcels["parcel_id"].astype(str) == parcel_id].iloc[0]
    x, y = shapely.get_coordinates(shapely.point_on_surface(geom))[0]
    return float(x - origin[0]), float(y - origin[1])


def _screen(page, frame, xy) -> tuple[float, float]:
    """The page's point of the local-metre point ``xy`` on the map (the component's
    ``landplanMap.project``, within its iframe)."""
    px, py = frame.evaluate("(xy) => window.landplanMap.project(xy)", list(xy))
    box = page.locator(MAP_FRAME).first.bounding_box()
    return box["x"] + px, box["y"] + py


def _zoom_in_detail(browser, url: str, parcel_id: str, xy) -> tuple[float, int, bool, bool]:
    """A big park's map zoomed in with the mouse wheel on the parcel until the vector parcels
    in view are drawn (the caption says how many); then the parcel hovered (its tooltip names
    it) and clicked (the identify panel shows it). Returns (seconds from the last wheel step to
    the vector parcels drawn, wheel steps, hover shown, click selected)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(url, timeout=300_000)
        _wait_map(page, timeout=300_000)
        frame = page.locator(MAP_FRAME).first.element_handle().content_frame()
        detail = page.get_by_text(re.compile(r"^视野内 [\d,]+ 宗地块可悬停")).first
        steps, seconds = 0, float("nan")
        while steps < 12:
            page.mouse.move(*_screen(page, frame, xy))
            page.mouse.wheel(0, -400)
            steps += 1
            start = time.perf_counter()
            try:
                detail.wait_for(timeout=4_000)
            except Exception:  # noqa: BLE001 - not yet: more parcels in view than the limit
                continue
            seconds = time.perf_counter() - start
            break
        page.wait_for_timeout(1000)
        page.mouse.move(*_screen(page, frame, xy))
        tooltip = frame.get_by_text(parcel_id).first
        try:
            tooltip.wait_for(timeout=10_000)
            hovered = True
        except Exception:  # noqa: BLE001
            hovered = False
        page.mouse.click(*_screen(page, frame, xy))
        try:
            page.get_by_text(f"所选地块 {parcel_id}", exact=True).first.wait_for(timeout=30_000)
            clicked = True
        except Exception:  # noqa: BLE001
            clicked = False
        return seconds, steps, hovered, clicked
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 100_000])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--cold", type=int, default=3, help="server starts per park (cold loads)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    command = produced_by(__file__)
    from playwright.sync_api import sync_playwright

    from landplan.app.map import VECTOR_MAX_PARCELS
    from landplan.app.mapview import DETAIL_MAX_PARCELS

    WORK.mkdir(parents=True, exist_ok=True)
    rows, notes = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        with tempfile.TemporaryDirectory() as tmp:
            empty = Path(tmp) / "empty.py"
            empty.write_text("import streamlit as st\nst.title('empty')\n", encoding="utf-8")
            proc, url = _start(empty, None)
            try:
                peer = [_load(browser, url, _title) for _ in range(args.repeat + 1)]
                static_peer = _keepalive_fetch(url, _chunks())
            finally:
                _stop(proc)
            decks = {}
            for kind in ("PolygonLayer", "SolidPolygonLayer"):
                deck = Path(tmp) / f"{kind}.py"
                deck.write_text(
                    "import pydeck as pdk\nimport streamlit as st\nst.pydeck_chart(pdk.Deck(layers=["
                    f"pdk.Layer('{kind}', data=[{{'p': [[0, 0], [10, 0], [10, 10]]}}], "
                    "get_polygon='p', id='x')], views=[pdk.View(type='OrthographicView')], "
                    "initial_view_state=pdk.ViewState(target=[5, 5, 0], zoom=3), map_provider=None, "
                    "map_style=None))\n", encoding="utf-8")
                proc, url = _start(deck, None)
                try:
                    LONGEST.clear()
                    loads = [_load(browser, url, _peer_canvas)
                             for _ in range(args.repeat + 1)]
                    decks[kind] = (statistics.median(loads[1:]),
                                   statistics.median(LONGEST[1:] or LONGEST))
                finally:
                    _stop(proc)
        peer_s = statistics.median(peer[1:]) if len(peer) > 1 else peer[0]
        static_app = None
        for n in args.sizes:
            ws = _workspace(n)
            canvas = _wait_map
            readies, colds = [], []
            for start in range(args.cold):  # a fresh server each: its first page load
                started = time.perf_counter()
                proc, url = _start(ROOT / "app.py", ws)
                readies.append(time.perf_counter() - started)
                try:
                    colds.append(_load(browser, url, canvas))
                except BaseException:
                    _stop(proc)
                    raise
                if start < args.cold - 1:
                    _stop(proc)
            ready, cold = statistics.median(readies), statistics.median(colds)
            cold_spread = (min(colds), max(colds))
            try:
                if static_app is None:  # the first park's server (a small park: idle by now)
                    static_app = _keepalive_fetch(url, _chunks())
                LONGEST.clear()
                warms = [_load(browser, url, canvas) for _ in range(args.repeat)]
                warm, spread = statistics.median(warms), (min(warms), max(warms))
                stall = statistics.median(LONGEST)
                returning = browser.new_context(viewport={"width": 1400, "height": 900},
                                                locale="zh-CN")
                try:
                    _load_page(returning, url, canvas)  # fills the browser's caches
                    again = statistics.median(_load_page(returning, url, canvas)
                                              for _ in range(args.repeat))
                finally:
                    returning.close()
                filt = None
                if n == 300:
                    filt = statistics.median(_filter_change(browser, url, "电子") for _ in range(args.repeat))
                ident = _a_parcel_id(ws)
                searches = (("GB0000", re.compile(r"^找到 \d+ 宗")), (ident, f"地块属性 · {ident}"))
                runs = [_parcel_search(browser, url, searches)
                        for _ in range(max(args.repeat // 3, 1) + 1)]
                search = (runs[0][0], statistics.median(r[0] for r in runs[1:]),
                          statistics.median(r[1] for r in runs))
                if n > VECTOR_MAX_PARCELS:  # the image; zoomed in, the parcels in view
                    secs, steps, hovered, clicked = _zoom_in_detail(
                        browser, url, ident, _parcel_point(ws, ident))
                    print(f"{n} parcels zoomed in: vector parcels after {steps} wheel steps, "
                          f"{secs:.2f} s after the last; hover {hovered}, click {clicked}",
                          flush=True)
                    notes += ["", f"*Zoomed in* ({n:,} parcels): the 总览 map wheeled in on parcel "
                              f"`{ident}` ({steps} steps of 400 px) until its view holds at most "
                              f"{DETAIL_MAX_PARCELS:,} parcels: the parcels in view drawn as vectors "
                              f"over the image **{secs:.2f} s** after the last step (the view sent "
                              "300 ms after the wheel stops, the server's rerun, the new deck "
                              "drawn); then hovering the parcel "
                              + ("shows its tooltip" if hovered else "**showed no tooltip**")
                              + " and clicking it "
                              + ("selects it (the identify panel names it)." if clicked
                                 else "**did not select it**.")]
            finally:
                _stop(proc)
            rows.append((n, ready, cold, cold_spread, warm, spread, again, filt, stall, search))
            print(f"{n} parcels: server ready {ready:.2f} s, first map cold {cold:.2f} s, "
                  f"warm {warm:.2f} s, "
                  f"returning {again:.2f} s"
                  + (f", filter change {filt:.2f} s" if filt is not None else "")
                  + f", parcel search {search[0]:.2f} s first, {search[1]:.2f} s later, "
                  f"selected by id {search[2]:.2f} s", flush=True)
        browser.close()
    load = os.getloadavg()
    lines = [HEADING, "",
             f"Measured {dt.date.today()} by {command} on {platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} cores, load average {load[0]:.2f} at the end of the run "
             f"(server ready and cold: the median of {args.cold} server starts; warm and filter "
             f"change: the median of {args.repeat} loads; read the ratios). "
             "Headless Debian Chromium (software GL) driven by Playwright; the app's server is "
             "started fresh per park as `landplan app` starts it (`landplan.app.server`: the "
             "workspace is read into the app's cache, and a park of up to 2,000 parcels "
             "evaluated, before the server answers, which waits up to 3 s for it; a park of up to 20,000 parcels is evaluated "
             "after its first map has been sent). *server ready* = from starting the server to "
             "its first answer to the health check; *cold* = the first page load, right after "
             "that; *warm* = a later browser session (park cached). The map is the 总览 page's "
             "(coloured by status; it needs no evaluation, so it shows before the evaluation "
             "behind the figures below it), drawn by the app's map component (an iframe loading "
             "pydeck's deck.gl bundle, with scale bar, north arrow, cursor coordinates and "
             "measuring): a load ends when deck.gl has drawn its first frame in the iframe "
             "(the browser's time of that frame from the page's navigation). "
             f"Above {VECTOR_MAX_PARCELS:,} shown parcels the choropleth and the "
             "roads are drawn on the server into one PNG (BitmapLayer, cached), so 100,000 "
             "parcels cost an image instead of tens of MB of JSON; zoomed in to at most "
             f"{DETAIL_MAX_PARCELS:,} parcels in view, those are drawn as vectors over it.", "",
             f"Peers: an empty Streamlit page loads in **{peer_s:.2f} s** here (the fixed overhead); "
             "a page with nothing but a one-polygon `st.pydeck_chart` (no component: the map the "
             "app had before) shows its canvas after "
             f"**{decks['PolygonLayer'][0]:.2f} s** with a `PolygonLayer` (longest stall "
             f"{decks['PolygonLayer'][1]:.0f} ms) and **{decks['SolidPolygonLayer'][0]:.2f} s** "
             "with a `SolidPolygonLayer`, the fill alone, the least a deck.gl map costs here "
             f"(longest stall {decks['SolidPolygonLayer'][1]:.0f} ms): deck.gl's bundle and "
             "software WebGL.", "",
             "The browser's main thread is measured too: *longest stall* = the median, over the warm "
             "loads, of the longest time a 20 ms timer fired late (a long task: on this machine "
             "deck.gl's first frame compiles its WebGL shaders in software, one program per layer "
             "kind, and rasterizes every line; the app's default map is polygons only, lines "
             "come with the layers turned on).", "",
             "*returning* = a new session in a browser that opened the app before (its HTTP "
             "and code caches kept; a planner's daily use), the median of as many loads.", "",
             "| parcels | server ready (s) | first map, cold (s) | cold, fastest–slowest (s) | first map, warm (s) | warm, fastest–slowest (s) | warm − empty page (s) | returning (s) | goal (s) | longest stall (ms) | filter change (s) | parcel search, first / later (s) | selected by id (s) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, ready, cold, cold_spread, warm, spread, again, filt, stall, search in rows:
        goal = GOALS.get(n)
        ok = "" if goal is None else (" ✓" if cold <= goal else " ✗ (cold)") if warm <= goal else " ✗"
        lines.append(f"| {n:,} | {ready:.2f} | {cold:.2f} | {cold_spread[0]:.2f}–{cold_spread[1]:.2f} | {warm:.2f} | {spread[0]:.2f}–{spread[1]:.2f} | "
                     f"{warm - peer_s:.2f} | {again:.2f} | "
                     f"{goal if goal is not None else '—'}{ok} | {stall:.0f} | "
                     + (f"{filt:.2f} (goal {FILTER_GOAL_S:g}{' ✓' if filt <= FILTER_GOAL_S else ' ✗'})"
                        if filt is not None else "—")
                     + f" | {search[0]:.2f} / {search[1]:.2f} (goal {SEARCH_GOAL_S:g}"
                     + (" ✓" if max(search[:2]) <= SEARCH_GOAL_S else " ✗") + f") | {search[2]:.2f} |")
    lines += ["", f"Static files: {len(_chunks())} of Streamlit's JS chunks fetched one after "
              "another on one kept-alive connection take "
              f"**{static_app:.2f} s** from the app's server (the {args.sizes[0]:,}-parcel park's, "
              f"after its cold load) and **{static_peer:.2f} s** from "
              "plain `streamlit run` (the empty page's server): Streamlit 1.67 binds its socket "
              "with protocol 0, so asyncio leaves `TCP_NODELAY` off and each response's body "
              "waits for the client's delayed ACK after its headers; `landplan.app.server` "
              "turns it on (`tcp_nodelay`)."]
    lines += ["", "*parcel search* = on 地块详情, from Enter in its search box until the page says "
              "what it found, for the end of an id (`GB0000`, more than 50 parcels: the first 50 "
              "listed), looked up in the evaluation's search index (ids and holders case-folded "
              "into one text, the ids sorted; made once, when the page is first drawn, after its "
              "map); *first* = the server's first search, *later* = the median of the first "
              "searches of later sessions. The box and its list are a fragment: a search reruns "
              "them alone, not the map. *selected by id* = a whole id "
              "typed next, until that parcel's details show (the page drawn again with its "
              "tables, in a browser session that loads their code then), the median of the "
              "sessions. The search box was a select box of every parcel, filtered in the browser "
              "on each keystroke: 204 s for the first one at 100,000 parcels (issue 17)."]
    lines += ["", "On a big park the 总览 page starts the evaluation after the map has been drawn "
              "(a first visitor sees the map, then the figures below it when the evaluation is "
              "done); every later session finds park and evaluation cached."]
    lines += notes
    lines += ["", "`make bench` runs this bench at its own two parks (300 and 100,000 parcels); "
              "BENCH_SIZES does not apply to it."]
    replace_section(args.out, HEADING, "\n".join(lines) + "\n")
    print(f"wrote {HEADING} in {args.out}")


if __name__ == "__main__":
    main()
