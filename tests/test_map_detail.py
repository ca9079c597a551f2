"""The app's map on the map component: table → map zoom, and a big park zoomed in.

AppTest (the component's arguments, :mod:`mapspec`; a map's view and clicks given as the
value the component returns): a parcel selected with ``zoom=True`` is the box the map zooms
to, once per request; a park drawn as an image (above ``VECTOR_MAX_PARCELS``) draws, zoomed in
until its view holds at most ``DETAIL_MAX_PARCELS`` parcels, those parcels as vectors with
their tooltip over the image, and a click on one selects it. The same in Chromium at 100,000
parcels is in ``bench/app_bench.py``; identify in Chromium is below.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil

import numpy as np
import pytest
import shapely
from mapspec import map_args, map_spec, screen_point, wait_map
from test_app import click_event, count_shown, parcel_rows, run_app
from test_identify import expected

import landplan
from landplan import labels
from landplan.app import map as lpmap
from landplan.app import mapview
from landplan.app.mapview import FOCUS_KEY, SELECTED_KEY
from landplan.edit import update_parcel
from landplan.workspace import Workspace


def _local(workspace) -> dict[str, shapely.Geometry]:
    """The parcels in the map's local metres (the workspace CRS less the map's origin)."""
    parcels = Workspace(workspace).read("parcels")
    origin = lpmap.local_origin(parcels.total_bounds)
    moved = shapely.transform(parcels.geometry.to_numpy(), lambda xy: xy - np.asarray(origin))
    return dict(zip(parcels["parcel_id"].astype(str), moved, strict=True))


def _view(box) -> dict:
    """The value the map component returns after the planner zoomed to ``box``."""
    return {"selection": {"indices": {}, "objects": {}}, "seq": 1,
            "view": {"bbox": list(box), "zoom": 0.0, "width_px": 800, "height_px": 560}}


def test_a_big_park_zoomed_in_draws_the_parcels_in_view(park_workspace, monkeypatch):
    monkeypatch.setattr(lpmap, "VECTOR_MAX_PARCELS", 5)  # 9 parcels: the image
    monkeypatch.setattr(mapview, "DETAIL_MAX_PARCELS", 3)
    at = run_app(park_workspace, monkeypatch)
    spec = map_spec(at)
    ids = [layer["id"] for layer in spec["layers"]]
    assert "parcels-raster" in ids and not parcel_rows(spec) and spec["tooltip"] is False
    assert map_args(at)[0]["report_view"] is True  # the map tells its view
    hint = labels.t("app.mapdetail.hint_zoom", "zh", n=5, limit=3)
    assert hint in [c.value for c in at.caption]

    local = _local(park_workspace)
    box = (10.0, 10.0, 370.0, 110.0)  # the first row's two parcels
    at.session_state["map_overview"] = _view(box)
    at.run()
    assert not at.exception
    spec = map_spec(at)
    rows = parcel_rows(spec)
    inside = {pid for pid, geom in local.items() if shapely.intersects(shapely.box(*box),
                                                                       shapely.envelope(geom))}
    assert {r[2]["id"] for r in rows} == inside == {"HF-001", "HF-002"}
    assert "parcels-raster" in [layer["id"] for layer in spec["layers"]]  # still under them
    assert "parcel-outlines" in [layer["id"] for layer in spec["layers"]]
    assert "{h}" in spec["tooltip"]["html"]
    by_id = {r[2]["id"]: r[2] for r in rows}
    assert by_id["HF-002"]["h"] == "安徽乙新材料股份有限公司"
    assert by_id["HF-001"]["v"] == labels.value("parcel_status", "reserve", "zh")
    # drawn where the parcel is (rounded to 0.1 m)
    drawn = shapely.Polygon(by_id["HF-002"]["p"])
    assert shapely.hausdorff_distance(drawn, local["HF-002"]) < 0.2
    assert labels.t("app.mapdetail.hint_detail", "zh", n=2) in [c.value for c in at.caption]

    # a click on one selects it: the identify panel shows it
    at.session_state["map_overview"] = {**_view(box), **click_event(spec, "HF-002"), "seq": 2}
    at.run()
    assert not at.exception and at.session_state[SELECTED_KEY] == "HF-002"
    assert any("landplan-identify" in m.value for m in at.markdown)

    # zoomed out to the whole park: 9 parcels in view, more than 3: the image alone
    at.session_state["map_overview"] = _view((-50.0, -50.0, 900.0, 600.0))
    at.run()
    spec = map_spec(at)
    assert not parcel_rows(spec) and spec["tooltip"] is False
    assert count_shown(at) == (9, 9)


def test_a_selection_with_zoom_is_the_box_the_map_zooms_to(park_workspace, monkeypatch):
    at = run_app(park_workspace, monkeypatch)
    assert map_args(at)[0]["focus"] is None and map_args(at)[0]["report_view"] is False
    # the cursor's CRS named as the 专题图 name it (EPSG:4527: CGCS2000, zone 39)
    assert map_args(at)[0]["crs"] == labels.t("thematic.crs.gk", "zh", zone=39, epsg=4527)
    assert map_args(at)[0]["origin"] == list(lpmap.local_origin(
        Workspace(park_workspace).read("parcels").total_bounds))
    local = _local(park_workspace)
    at.session_state[SELECTED_KEY] = "HF-005"
    at.session_state[FOCUS_KEY] = ("HF-005", 7)  # as select_parcel("HF-005", zoom=True)
    at.run()
    focus = map_args(at)[0]["focus"]
    box, seq = focus["bbox"], focus["seq"]
    assert seq == 7
    assert np.allclose(box, local["HF-005"].bounds, atol=0.1)
    at.run()  # a later run keeps the request's number: the map zooms once and keeps its view
    assert map_args(at)[0]["focus"]["seq"] == 7
    # a parcel the map does not show: no zoom
    at.session_state[FOCUS_KEY] = ("NO-SUCH", 8)
    at.run()
    assert map_args(at)[0]["focus"] is None


# ------------------------------------------------------------------------------ Chromium
def _panel(page) -> list[str]:
    """The identify panel's facts as the page shows them."""
    return page.locator(".landplan-identify > div").all_inner_texts()


@pytest.mark.browser
def test_click_on_the_canvas_identifies_the_parcel_also_after_an_edit(
        streamlit_app, chromium_browser, demo_workspace, tmp_path):
    path = tmp_path / "demo"
    shutil.copytree(demo_workspace, path)
    today = dt.date.today()
    table = landplan.evaluate(path, as_of=today)
    local = _local(path)
    # a parcel with every fact, the largest such (easy to hit on the first view)
    rich = table[table["next_step_zh"].fillna("").astype(str).ne("")
                 & table["missing"].fillna("").astype(str).ne("")]
    pid = str(max(rich["parcel_id"].astype(str), key=lambda p: local[p].area))
    point = shapely.get_coordinates(shapely.point_on_surface(local[pid]))[0]
    url = streamlit_app(path)
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000},
                                           locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(url, timeout=60_000)
        frame = wait_map(page)
        assert not page.locator(".landplan-identify").count()  # none selected yet
        page.mouse.click(*screen_point(page, frame, point))
        page.locator(".landplan-identify").wait_for()
        page.get_by_text(labels.t("identify.title", "zh", id=pid), exact=True).wait_for()
        assert _panel(page) == expected(table, pid, "zh")

        holder = "新宏精密制造有限公司"
        update_parcel(Workspace(path), pid, {"holder": holder}, date=today - dt.timedelta(days=1))
        frame = wait_map(page)
        page.mouse.click(*screen_point(page, frame, point))  # the same parcel, clicked again
        fact = labels.t("identify.fact", "zh", name=labels.column("holder", "zh"), value=holder)
        page.locator(".landplan-identify").get_by_text(fact, exact=True).wait_for()
        assert _panel(page) == expected(landplan.evaluate(path, as_of=today), pid, "zh")
    finally:
        context.close()


def test_a_big_park_zoomed_to_a_parcel_draws_it_until_the_map_moves(park_workspace,
                                                                     monkeypatch):
    monkeypatch.setattr(lpmap, "VECTOR_MAX_PARCELS", 5)  # 9 parcels: the image
    at = run_app(park_workspace, monkeypatch)
    away = _view((5_000.0, 5_000.0, 5_100.0, 5_100.0))  # the planner looks beside the park
    at.session_state["map_overview"] = away
    at.run()
    assert not parcel_rows(map_spec(at))
    at.session_state[SELECTED_KEY] = "HF-005"
    at.session_state[FOCUS_KEY] = ("HF-005", 3)  # a table row or the search box: zoom to it
    at.run()
    assert "HF-005" in {r[2]["id"] for r in parcel_rows(map_spec(at))}  # hover and click there
    at.run()
    assert "HF-005" in {r[2]["id"] for r in parcel_rows(map_spec(at))}
    at.session_state["map_overview"] = {**away, "view": {**away["view"],
                                                         "bbox": [5_000, 5_000, 5_200, 5_200]}}
    at.run()  # the planner moved away: the view the map reports
    assert not parcel_rows(map_spec(at))


@pytest.mark.browser
def test_measure_on_the_apps_map_gives_a_parcels_area(streamlit_app, chromium_browser,
                                                      demo_workspace):
    """On the 总览 map as the app draws it (parcels inset by half the gap between them), an
    area measured by clicking a parcel's corners is the parcel's own area within 0.1 %: the
    clicks snap to its corners, moved back out by the inset."""
    local = _local(demo_workspace)
    quads = {p: g for p, g in local.items() if len(shapely.get_coordinates(g)) == 5}
    pid = max(quads, key=lambda p: quads[p].area)  # the largest four-cornered parcel
    ring = shapely.get_coordinates(quads[pid])[:-1]
    url = streamlit_app(demo_workspace)
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000},
                                           locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(url, timeout=60_000)
        frame = wait_map(page)
        frame.get_by_role("button", name=labels.t("app.maptools.area", "zh")).click()
        for xy in ring:
            page.mouse.click(*screen_point(page, frame, xy))
            page.wait_for_timeout(150)
        page.mouse.click(*screen_point(page, frame, ring[0]))  # the first corner again: done
        result = frame.locator("#measure-result")
        assert result.get_attribute("data-done") == "1"
        m2 = float(re.search(r"([\d,]+) 平方米", result.inner_text()).group(1).replace(",", ""))
        assert m2 == pytest.approx(quads[pid].area, rel=1e-3)
        assert not page.locator(".landplan-identify").count()  # measuring selects nothing
    finally:
        context.close()
