"""Very large parcels in reports and the app (issue 23, item 9): drawn no finer than the map.

The workspace holds BIG, a circle of radius 400 m with 1,000,000 vertices (built with numpy,
written through :class:`landplan.workspace.Workspace`), NB, a box that shares an arc of BIG's
outline (80,436 vertices, 2,256 once rounded to the app's 0.1 m), and FAR, a small square. Before the drawings were simplified, BIG's
HTML report was 14 MB, NB's 3.5 MB, BIG's PDF took 13 s (1,080,525 line segments in its page),
and the app's band around the selected BIG took 44 s and its inset 8 s.
"""

from __future__ import annotations

import re
import sys
import time
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from mapspec import map_json, map_spec
from streamlit.testing.v1 import AppTest

from landplan.app import map as lpmap
from landplan.app.mapview import LAYER_KEYS, SELECTED_KEY
from landplan.geometry import simplify_for_map
from landplan.report import report
from landplan.report.context import map_window
from landplan.units import M2_PER_MU
from landplan.workspace import Workspace

APP = Path(__file__).resolve().parent.parent / "app.py"
CENTRE = (39_519_000.0, 3_519_500.0)  # EPSG:4527, as the demo park
RADIUS_M = 400.0
VERTICES = 1_000_000
#: SVG coordinates are written to 0.1 px: a vertex moves by up to half of that on each axis.
SVG_ROUNDING_PX = 0.05 * 2 ** 0.5


def _circle(n: int, r: float, centre=(0.0, 0.0)) -> shapely.Polygon:
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return shapely.Polygon(np.column_stack([centre[0] + r * np.cos(a), centre[1] + r * np.sin(a)]))


def _parcels() -> dict[str, shapely.Geometry]:
    cx, cy = CENTRE
    big = _circle(VERTICES, RADIUS_M, CENTRE)
    return {"BIG": big, "NB": shapely.difference(shapely.box(cx + 300, cy - 100, cx + 600, cy + 100), big),
            "FAR": shapely.box(cx - 300, cy + 500, cx - 200, cy + 600)}


@pytest.fixture(scope="module")
def geoms() -> dict[str, shapely.Geometry]:
    return _parcels()


@pytest.fixture(scope="module")
def big_workspace(tmp_path_factory, geoms) -> Path:
    path = tmp_path_factory.mktemp("big") / "workspace"
    frame = gpd.GeoDataFrame({"parcel_id": list(geoms), "status": ["in_production"] * len(geoms)},
                             geometry=list(geoms.values()), crs="EPSG:4527")
    Workspace(path).write("parcels", frame)
    return path


# ------------------------------------------------------------------------------ the helper
def test_simplify_for_map_keeps_sparse_geometries_and_bounds_dense_ones():
    square = shapely.box(0, 0, 100, 100)
    circle = _circle(100_000, 100.0)
    sliver = shapely.segmentize(shapely.box(0, 0, 10, 0.2), 0.01)  # 2,041 vertices, 0.2 m wide
    polygon = _circle(40, 100.0)  # 40 edges of 15.7 m: an ordinary parcel
    # a square with a rounded corner: 1,400 m of straight edges and a quarter circle of 2,000
    # vertices, 0.78 m apart on average but 0.08 m along the arc
    turn = np.linspace(0, np.pi / 2, 2_000)
    arc = shapely.Polygon([(0, 0), (400, 0), *np.column_stack([300 + 100 * np.cos(turn),
                                                               300 + 100 * np.sin(turn)]), (0, 400)])
    drawn = simplify_for_map([square, circle, sliver, polygon, arc, None], 0.5)
    assert drawn[0].equals_exact(square, 0)  # 5 vertices: drawn as it is
    assert drawn[3].equals_exact(polygon, 0)  # no edge shorter than half a pixel
    assert shapely.get_num_coordinates(arc) == 2_004 and shapely.get_num_coordinates(drawn[4]) < 30
    assert shapely.hausdorff_distance(arc.exterior, drawn[4].exterior) <= 0.5
    # Douglas-Peucker keeps a vertex every 2·acos(1 - 0.5/100) = 0.2 rad: 32 of them, and the closing one
    assert shapely.get_num_coordinates(drawn[1]) == 33
    assert shapely.hausdorff_distance(circle.exterior, drawn[1].exterior) <= 0.5
    # plain Douglas-Peucker collapses the sliver to nothing; it is redone with the topology kept
    assert shapely.simplify(sliver, 0.5, preserve_topology=False).is_empty
    assert drawn[2].is_valid and drawn[2].area > 0
    assert shapely.hausdorff_distance(sliver.exterior, drawn[2].exterior) <= 0.5
    assert drawn[5] is None
    # clipped to the frame first: the right half of the circle, the square cut to its part
    half = simplify_for_map([circle, square], 0.5, frame=(0, -200, 200, 200))
    assert half[0].bounds == pytest.approx((0, -100, 100, 100), abs=1e-9)
    assert shapely.hausdorff_distance(shapely.clip_by_rect(circle, 0, -200, 200, 200).boundary,
                                      half[0].boundary) <= 0.5
    assert half[1].equals(square)


# ------------------------------------------------------------------------------ reports
def _rings(d: str, window, size_px: int = 400) -> shapely.Geometry:
    """The polygon of an SVG path ``d`` (``M x y L x y … Z``) back in workspace metres."""
    x0, _, x1, y1 = window
    scale = size_px / (x1 - x0)
    rings = []
    for part in d.split("Z"):
        xy = np.array(re.findall(r"(-?[\d.]+) (-?[\d.]+)", part), dtype=float)
        if len(xy):
            rings.append(np.column_stack([x0 + xy[:, 0] / scale, y1 - xy[:, 1] / scale]))
    return shapely.Polygon(rings[0], rings[1:])


def _own_path(text: str) -> str:
    return re.search(r'<path d="([^"]*)" fill="#f4a582"', text).group(1)


def _neighbour_path(text: str, parcel_id: str) -> str:
    return re.search(r'<path d="([^"]*)" fill="#e4e4dc"[^>]*><title>' + parcel_id + "</title>",
                     text).group(1)


@pytest.fixture(scope="module")
def html_run(big_workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("big_html")
    start = time.perf_counter()
    run = report(big_workspace, ["BIG", "NB"], out=out)
    seconds = time.perf_counter() - start
    assert run.failures == {}
    return run, seconds


def test_reports_of_a_million_vertex_parcel_and_its_neighbour_stay_small(html_run):
    run, seconds = html_run
    assert seconds < 30  # 1.2 s measured (2.8 s before, 39 s for 10 million vertices)
    for pid in ("BIG", "NB"):
        assert run.written[pid].stat().st_size < 200_000  # 29 kB each (14 MB and 3.5 MB before)
    big = run.written["BIG"].read_text(encoding="utf-8")
    assert len(big) < 200_000
    # the window is 1,760 m wide (800 m + 2 × 60 % margin) on 400 px: 4.4 m a pixel, half a
    # pixel 2.2 m, so Douglas-Peucker keeps a vertex every 2·acos(1 - 2.2/400) = 0.21 rad: ~30
    drawn = _rings(_own_path(big), map_window(np.array([[CENTRE[0] - 400, CENTRE[1] - 400,
                                                         CENTRE[0] + 400, CENTRE[1] + 400]]))[0])
    assert 25 <= shapely.get_num_coordinates(drawn) <= 40


def test_the_drawn_outline_stays_within_half_a_pixel(html_run, geoms):
    run, _ = html_run
    for pid, text in ((pid, run.written[pid].read_text(encoding="utf-8")) for pid in ("BIG", "NB")):
        window = map_window(np.array([geoms[pid].bounds]))[0]
        metres_per_px = (window[2] - window[0]) / 400
        limit = (0.5 + SVG_ROUNDING_PX) * metres_per_px
        own = _rings(_own_path(text), window)
        near = _rings(_neighbour_path(text, "NB" if pid == "BIG" else "BIG"), window)
        assert shapely.get_num_coordinates(own) + shapely.get_num_coordinates(near) < 1_000
        assert shapely.hausdorff_distance(shapely.clip_by_rect(geoms[pid], *window).boundary,
                                          own.boundary) <= limit, pid
        other = "NB" if pid == "BIG" else "BIG"
        assert shapely.hausdorff_distance(shapely.clip_by_rect(geoms[other], *window).boundary,
                                          near.boundary) <= limit, (pid, other)


def test_areas_stay_on_the_original_geometry(html_run):
    run, _ = html_run
    text = run.written["BIG"].read_text(encoding="utf-8")
    # the 1,000,000-gon: n/2 · r² · sin(2π/n) = 502,654.82 m² = 753.98 mu; the ~30-gon drawn
    # has 498,900 m² (748.4 mu)
    exact = VERTICES / 2 * RADIUS_M ** 2 * np.sin(2 * np.pi / VERTICES)
    assert f'data-col="area_m2">{exact:,.0f}<' in text  # m² shown whole: 502,655
    assert f'data-col="area_mu">{exact / M2_PER_MU:.2f}<' in text
    assert f"{exact / M2_PER_MU:.2f}" == "753.98"


def _pdf_line_segments(data: bytes) -> int:
    """How many line-to operators (``x y l``) the PDF's compressed content streams hold."""
    count = 0
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            content = zlib.decompress(data[match.end():end])
        except zlib.error:
            continue  # fonts and images are not content streams
        count += len(re.findall(rb"[\d.]+ [\d.]+ l\n", content))
    return count


def test_pdf_of_a_million_vertex_parcel_is_fast(big_workspace, tmp_path):
    start = time.perf_counter()
    run = report(big_workspace, ["BIG"], out=tmp_path, fmt="pdf")
    seconds = time.perf_counter() - start
    assert run.failures == {}
    assert seconds < 30  # 2.3 s and 341 MB measured (13.3 s and 748 MB before)
    # the map's ~30-gon, the north arrow and the table rules; 1,080,642 segments before
    assert _pdf_line_segments(run.written["BIG"].read_bytes()) < 1_000


# ------------------------------------------------------------------------------ the app
def _app(workspace: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("LANDPLAN_WORKSPACE", str(workspace))
    monkeypatch.setattr(sys, "argv", [str(APP)])
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _deck(at: AppTest) -> tuple[str, dict]:
    return map_json(at), map_spec(at)


def _polygon(row: dict) -> shapely.Polygon:
    shell, *holes = [row["p"]] if isinstance(row["p"][0][0], (int, float)) else row["p"]
    return shapely.Polygon(shell, holes)


def test_app_payload_of_a_million_vertex_parcel_is_bounded(big_workspace, geoms, monkeypatch):
    at = _app(big_workspace, monkeypatch)
    payload, spec = _deck(at)
    assert len(payload.encode("utf-8")) < 30_000  # 6 kB measured (260 kB before)
    at.multiselect(key=LAYER_KEYS["shown"]).select("outlines").run()  # parcels drawn not inset
    payload, spec = _deck(at)
    rows = {row["id"]: row for layer in spec["layers"] if layer["id"].startswith("parcels-")
            for row in layer["data"]}
    drawn = _polygon(rows["BIG"])
    # the park spans 1,000 m: half a pixel of a 2,048-pixel map is 0.244 m, a vertex every
    # 2·acos(1 - 0.244/400) = 0.07 rad (90), more where the 0.1 m rounding bends the circle
    tolerance = lpmap.draw_tolerance_m((0, 0, 1000, 1000))
    assert tolerance == pytest.approx(0.244, abs=1e-3)
    assert 80 <= len(_polygon(rows["BIG"]).exterior.coords) <= 200
    # within half a pixel of the original (local metres: shifted by the origin, rounded to 0.1 m)
    origin = lpmap.local_origin(shapely.total_bounds(list(geoms.values())))
    local = shapely.transform(geoms["BIG"], lambda xy: xy - np.asarray(origin))
    assert shapely.hausdorff_distance(local.boundary, drawn.boundary) <= tolerance + SVG_ROUNDING_PX
    assert rows["BIG"]["mu"] == 753.98  # the area of the parcel itself, not of the drawing
    assert len(_polygon(rows["NB"]).exterior.coords) < 30  # its arc simplified too (2,256 before)

    at.session_state[SELECTED_KEY] = "BIG"
    start = time.perf_counter()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert time.perf_counter() - start < 30  # 44 s before (the band of 31,849 vertices)
    payload, spec = _deck(at)
    (band,) = [layer for layer in spec["layers"] if layer["id"] == "parcel-selected"]
    assert sum(len(_polygon(row).exterior.coords) for row in band["data"]) < 1_000
    assert len(payload.encode("utf-8")) < 30_000
