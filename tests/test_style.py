"""One style table (landplan/style.yaml) for the app's map and the reports' SVG.

The app's deck (AppTest on a copy of the demo park) and a parcel report's map draw every road
grade, pipeline kind and power-line band the same width and colour; colours drawn together
stay apart; every colour group has legend words in Chinese and English; no other module of
landplan keeps a colour table of its own.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString
from test_app import deck_spec, run_app
from wordcheck import cjk_in, codes_in

from landplan import labels, style
from landplan.app import map as lpmap
from landplan.app.data import load_park
from landplan.app.mapview import LAYER_KEYS
from landplan.report import svg
from landplan.report.context import prepare
from landplan.workspace import Workspace

PACKAGE = Path(style.__file__).parent
#: Two colours drawn together are at least this far apart (CIE76 ΔE; 2.3 is just noticeable).
MIN_APART = 20.0
#: Two classes of one legend are at least this far apart (the statuses' greys are the closest).
MIN_APART_IN_GROUP = 8.0

_PATH = re.compile(r'<path class="(road|pipe|power)" d="[^"]*" fill="none" stroke="(#[0-9a-f]{6})" '
                   r'stroke-width="([0-9.]+)"')


@pytest.fixture(scope="module")
def styled_park(demo_workspace, tmp_path_factory) -> tuple[Path, str]:
    """A copy of the demo park with, across the map window of one of its parcels, a road of
    every grade without its own width (and of every status), a pipeline of every kind and a
    power line in every voltage band; the demo's own roads keep their width_m."""
    path = tmp_path_factory.mktemp("style") / "workspace"
    shutil.copytree(demo_workspace, path)
    ws = Workspace(path)
    parcels = ws.read("parcels")
    pid = str(parcels["parcel_id"].iloc[len(parcels) // 2])
    x0, y0, x1, y1 = parcels.geometry[parcels["parcel_id"] == pid].total_bounds
    cx, half = (x0 + x1) / 2, max(x1 - x0, y1 - y0) / 2

    def across(i: int, n: int) -> LineString:  # horizontal lines spread over the parcel
        y = y0 + (y1 - y0) * (i + 1) / (n + 1)
        return LineString([(cx - 2 * half, y), (cx + 2 * half, y)])

    def add(layer: str, rows: list[dict]) -> None:
        old = ws.read(layer)
        new = gpd.GeoDataFrame(pd.DataFrame([{k: v for k, v in r.items() if k != "geometry"}
                                             for r in rows]),
                               geometry=[r["geometry"] for r in rows], crs=old.crs)
        ws.write(layer, pd.concat([old, new], ignore_index=True))

    grades = [*style.table()["road_width_m"]["grades"], None]
    statuses = [*style.codes("road_status"), None]
    add("roads", [{"road_id": f"S-{i}", "grade": g, "width_m": np.nan,
                   "status": statuses[i % len(statuses)], "geometry": across(i, len(grades))}
                  for i, g in enumerate(grades)])
    kinds = style.codes("pipe")
    add("pipelines", [{"pipe_id": f"S-{k}", "kind": k, "status": "built",
                       "geometry": across(i, len(kinds))} for i, k in enumerate(kinds)])
    volts = [10.0, 35.0, 220.0]
    add("powerlines", [{"line_id": f"S-{kv:g}", "voltage_kv": kv, "status": "built",
                        "geometry": across(i, len(volts))} for i, kv in enumerate(volts)])
    assert {style.power_band(kv) for kv in volts} == set(range(len(style.table()["power"]["bands"])))
    return path, pid


def _app_drawing(path: Path, monkeypatch) -> tuple[dict, dict, dict]:
    """What the app's deck draws: per road (by id) its (width m, colour), per pipe kind and
    per voltage its (colour, width px)."""
    at = run_app(path, monkeypatch)
    ws = Workspace(path)
    pipes, power, roads = ws.read("pipelines"), ws.read("powerlines"), ws.read("roads")
    at.multiselect(key=LAYER_KEYS["pipelines"]).set_value(sorted(set(pipes["kind"]))).run()
    at.multiselect(key=LAYER_KEYS["powerlines"]).set_value(
        sorted(set(power["voltage_kv"].astype(float)))).run()
    assert not at.exception, [e.value for e in at.exception]
    layers = deck_spec(at)["layers"]
    origin = load_park(str(path), ()).origin
    areas, area_colour = [], []
    for layer in layers:
        if layer["id"].startswith("roads-"):
            for row in layer["data"]:
                rings = [row["p"]] if isinstance(row["p"][0][0], int | float) else row["p"]
                areas.append((shapely.Polygon(rings[0], rings[1:]), row["w"]))
                area_colour.append(tuple(layer["getFillColor"][:3]))
    polygons = np.array([a for a, _ in areas], dtype=object)
    widths = np.array([w for _, w in areas])
    road_drawn = {}
    for rid, line in zip(roads["road_id"], roads.geometry, strict=True):
        # the row drawn for this road: the area of its centre line at the row's own width
        local = shapely.transform(line, lambda xy: xy - np.asarray(origin))
        own = shapely.buffer(local, widths / 2, cap_style="square", join_style="mitre",
                             mitre_limit=2.0)
        iou = (shapely.area(shapely.intersection(polygons, own))
               / shapely.area(shapely.union(polygons, own)))
        best = int(np.argmax(iou))
        assert iou[best] > 0.98, rid
        road_drawn[rid] = (areas[best][1], area_colour[best])
    lines = {layer["id"]: (tuple(layer["getColor"][:3]), float(layer["getWidth"]))
             for layer in layers if layer["id"].startswith(("pipes-", "power-"))}
    pipe_drawn = {k: lines[f"pipes-{k}"] for k in set(pipes["kind"])}
    power_drawn = {kv: lines[f"power-{style.kv_text(kv)}kV"] for kv in set(power["voltage_kv"])}
    return road_drawn, pipe_drawn, power_drawn


def _report_drawing(path: Path, pid: str) -> tuple[dict, dict, dict, float]:
    """What the parcel report's map draws, as :func:`_app_drawing` (road widths in pixels),
    and the map's scale (pixels per metre)."""
    ctx = prepare(Workspace(path), [pid])
    text = svg.parcel_map(ctx, pid)
    pos = ctx.position[pid]
    x0, _, x1, _ = ctx.windows[pos]
    drawn: dict[str, list] = {"road": [], "pipe": [], "power": []}
    for kind, colour, width in _PATH.findall(text):
        drawn[kind].append((colour, float(width)))
    road_ids = Workspace(path).read("roads")["road_id"].to_numpy()
    out = []
    for name, kind in (("roads", "road"), ("pipelines", "pipe"), ("powerlines", "power")):
        layer = ctx.layers[name]
        near = layer.near.get(pos, np.zeros(0, int))
        keys = road_ids[near] if kind == "road" else layer.attrs[
            "kind" if kind == "pipe" else "voltage_kv"].to_numpy()[near]
        assert len(keys) == len(drawn[kind])
        seen: dict = {}
        for k, (c, w) in zip(keys, drawn[kind], strict=True):
            seen.setdefault(k, set()).add((w, c) if kind == "road" else (c, w))
        assert all(len(v) == 1 for v in seen.values()), seen  # one look per key
        out.append({k: v.pop() for k, v in seen.items()})
    return out[0], out[1], out[2], 400 / (x1 - x0)


def test_app_and_report_draw_roads_and_networks_alike(styled_park, monkeypatch):
    path, pid = styled_park
    app_roads, app_pipes, app_power = _app_drawing(path, monkeypatch)
    svg_roads, svg_pipes, svg_power, scale = _report_drawing(path, pid)
    roads = Workspace(path).read("roads").set_index("road_id")
    # every grade without its own width (and a road without a grade), every status
    shown = roads.loc[list(svg_roads)]
    assert set(style.table()["road_width_m"]["grades"]) <= set(shown["grade"].dropna())
    assert set(style.codes("road_status")) <= set(shown["status"].dropna())
    assert shown["width_m"].notna().any() and shown["width_m"].isna().any()
    for rid, (px, colour) in svg_roads.items():
        grade, width_m, status = roads.loc[rid, ["grade", "width_m", "status"]]
        want = style.road_width_m(grade, width_m)  # a road's own width wins
        assert app_roads[rid][0] == want, rid
        assert px == pytest.approx(want * scale, abs=0.051), rid
        assert style.to_hex(app_roads[rid][1]) == colour == style.to_hex(style.road_rgb(status))
    assert roads.loc["S-0", "grade"] == "expressway" and app_roads["S-0"][0] == 40.0
    assert set(svg_pipes) == set(style.codes("pipe")) <= set(app_pipes)
    for kind, (colour, width) in svg_pipes.items():
        assert (colour, width) == (style.to_hex(app_pipes[kind][0]), app_pipes[kind][1])
        assert (colour, width) == (style.hex("pipe", kind), style.pipe_width_px())
    assert {style.power_band(kv) for kv in svg_power} == {0, 1, 2}
    for kv, (colour, width) in svg_power.items():
        assert (colour, width) == (style.to_hex(app_power[kv][0]), app_power[kv][1])
        assert (colour, width) == (style.to_hex(style.power_rgb(kv)), style.power_width_px(kv))


def _fill(column: str) -> dict[str, tuple]:
    """The colours the app's map fills parcels with when coloured by ``column``."""
    classes = lpmap.classify(pd.DataFrame({column: pd.Series([], dtype=object)}), column)
    return {**dict(zip(classes.labels, classes.colours, strict=True)),
            classes.missing_label: classes.missing_colour}


def _closest(a: dict, b: dict) -> tuple[float, str, str]:
    return min((style.delta_e(x, y), str(i), str(j)) for i, x in a.items()
               for j, y in b.items() if a is not b or str(i) < str(j))


def test_colours_drawn_together_stay_apart():
    """Facility markers over every parcel fill, pipelines and power lines among themselves, as
    the app's map draws them (the reports draw the same: the test above)."""
    facilities = {k: tuple(lpmap.facility_rows([{"x": 0, "y": 0, "k": k}], (0, 0, 9, 9))[0]["c"])
                  for k in (*style.codes("facility"), "other")}
    fills = {c: _fill(c) for c in ("status", "efficiency_class", "idle_status", "lifecycle_gap",
                                   "contract_check", "has_water")}
    fills["land_use"] = {**style.colours("land_use"), "(missing)": style.missing("land_use")}
    fills["numbers"] = dict(enumerate(lpmap.classify(
        pd.DataFrame({"relief_m": np.arange(10.0)}), "relief_m").colours))
    fills["readiness"] = dict(enumerate(lpmap.classify(
        pd.DataFrame({"readiness": list("abcdef")}), "readiness").colours))
    assert len(fills["numbers"]) == style.ramp_size("number") and len(fills["readiness"]) == 6
    for column, colours in fills.items():
        assert _closest(facilities, colours)[0] >= MIN_APART, (column, _closest(facilities, colours))
        if column not in ("numbers", "readiness"):
            assert _closest(colours, colours)[0] >= MIN_APART_IN_GROUP, (column, _closest(colours, colours))
    networks = {**{f"pipe:{k}": c for k, c in lpmap.PIPE_COLOURS.items()},
                "pipe:(other)": style.other("pipe"),
                **{f"{kv:g} kV": lpmap.POWER_COLOURS[kv] for kv in lpmap.POWER_COLOURS}}
    assert set(networks) >= {f"pipe:{k}" for k in style.codes("pipe")}
    assert len(networks) == len(style.codes("pipe")) + 1 + len(style.table()["power"]["bands"])
    assert _closest(networks, networks)[0] >= MIN_APART, _closest(networks, networks)
    # land use is a theme too: its GB 50137 colours share pure red with power lines (drawn
    # over the parcels, as in the standard's own drawings); facilities are kept apart from it
    assert {"land_use", "has_water"} <= set(fills)


def test_land_use_fills_by_its_class():
    frame = pd.DataFrame({"land_use": ["100102", "1001", "0902", "1309", "1201", None]})
    classes = lpmap.classify(frame, "land_use", lang="zh")
    assert classes.labels == ["商务金融用地", "工业用地", "二类工业用地", "铁路用地",
                              "环卫用地"]
    assert classes.colours == [(255, 0, 0), (127, 95, 63), (127, 95, 63), style.missing("land_use"),
                               (0, 95, 127)]  # 09 B, 1001 M (sub-classes too), 12 unlisted, 13 U
    assert classes.codes.tolist() == [2, 1, 0, 4, 3, -1]
    assert lpmap.classify(frame, "land_use", lang="en").labels[1] == "industrial land"


def test_every_colour_group_has_legend_words():
    for group in (*style.GROUPS, "power"):
        zh, en = style.legend(group, "zh", with_missing=True), style.legend(group, "en", with_missing=True)
        assert len(zh) == len(en) >= 3, group
        codes = style.codes(group) if group != "power" else ()
        for code, (z, _), (e, _) in zip(codes, zh, en, strict=False):
            assert z and e and z != e, (group, code, z, e)
            assert not codes_in(z), (group, z)
            assert not cjk_in(e), (group, e)
            entry = style.table()[group]
            own = (entry.get("labels") or {}).get(code)
            assert own or entry.get("label") or labels.has(f"val.{entry['kind']}.{code}"), (group, code)
        for z, e in zip(zh, en, strict=True):
            assert z[1] == e[1] and re.fullmatch(r"#[0-9a-f]{6}", z[1])
    assert style.legend("power", "en")[1][0] == "35–110 kV"
    assert style.missing_label("ramps", "zh") == labels.t("app.map.no_data", "zh")


def _colour_like(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", node.value))
    if isinstance(node, ast.Tuple | ast.List) and len(node.elts) in (3, 4):
        return all(isinstance(e, ast.Constant) and type(e.value) is int and 0 <= e.value <= 255
                   for e in node.elts)
    return False


def colour_tables(source: str) -> list[int]:
    """Lines of the dict literals mapping keys to colours (``(r, g, b)`` or ``"#rrggbb"``)
    and of the list/tuple literals of three colours or more in Python ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            values = node.values
        elif isinstance(node, ast.List | ast.Tuple):
            values = node.elts if len(node.elts) >= 3 else []
        else:
            continue
        if len(values) >= 2 and all(_colour_like(v) for v in values):
            found.append(node.lineno)
    return found


def test_no_colour_table_outside_the_style():
    assert colour_tables('A = {"a": (1, 2, 3), "b": (4, 5, 6)}\nB = ["#aabbcc", "#000", "#fff"]') == [1, 2]
    assert colour_tables('C = {"a": (1.5, 2, 3), "b": (4, 5, 6)}\nD = (4, 5, 6, 7)') == []
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "style.py":
            lines = colour_tables(path.read_text(encoding="utf-8"))
            if lines:
                offenders[str(path.relative_to(PACKAGE.parent))] = lines
    assert not offenders, offenders
