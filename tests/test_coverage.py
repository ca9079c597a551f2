"""Infrastructure coverage (SPEC §5, §8): distances, has_*, readiness, routed extensions, QA."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from landplan.coverage import (
    NETWORK_TYPES,
    POWER_ZONE_COLUMNS,
    evaluate_coverage,
    extension_routes,
    network_lines,
    network_qa,
)
from landplan.rules import load_rules, merge_rules
from landplan.workspace import Workspace

CRS = "EPSG:4527"
X0, Y0 = 39_500_000.0, 3_400_000.0


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def parcels_of(*geoms, ids=None, **cols) -> gpd.GeoDataFrame:
    ids = ids or [f"P{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"parcel_id": ids, **cols}, geometry=list(geoms), crs=CRS)


def lines_of(*geoms, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=CRS)


def hline(y, x0=X0 - 500, x1=X0 + 500):
    return LineString([(x0, y), (x1, y)])


def sq(x, y, size=100.0):
    return box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size)


def test_road_distance_and_service_threshold(rules):
    assert rules["coverage"]["service_distance_m"]["road"] == 50
    parcels = parcels_of(sq(0, 0), sq(1000, 0), sq(2000, 0))
    # P0 touches its road, P1's road is 49.9 m below it, P2's 50.1 m (parcels 1 km apart)
    roads = lines_of(hline(Y0, X0, X0 + 100), hline(Y0 - 49.9, X0 + 1000, X0 + 1100),
                     hline(Y0 - 50.1, X0 + 2000, X0 + 2100), status=["built", "built", "built"])
    out = evaluate_coverage(parcels, roads=roads, rules=rules)
    assert out.loc["P0", "dist_road_m"] == 0.0 and out.loc["P0", "has_road"]
    assert out.loc["P1", "dist_road_m"] == pytest.approx(49.9, abs=1e-6)
    assert out.loc["P1", "has_road"]
    assert out.loc["P2", "dist_road_m"] == pytest.approx(50.1, abs=1e-6)
    assert not out.loc["P2", "has_road"]
    assert out.loc["P2", "ext_road_m"] == pytest.approx(50.1, abs=1e-6)
    assert out.loc["P2", "ext_road_cost_wan"] == pytest.approx(50.1 * rules["coverage"]["unit_cost_wan_per_m"]["road"])
    assert out.loc["P1", "ext_road_m"] == 0.0
    # an override moves the threshold
    strict = merge_rules(rules, {"coverage": {"service_distance_m": {"road": 40}}})
    assert not evaluate_coverage(parcels, roads=roads, rules=strict).loc["P1", "has_road"]


def test_planned_pipe_does_not_count(rules):
    parcels = parcels_of(sq(0, 0))
    pipes = lines_of(hline(Y0 - 1), hline(Y0 - 300), kind=["water", "water"], status=["planned", "built"])
    out = evaluate_coverage(parcels, pipelines=pipes, rules=rules)
    assert out.loc["P0", "dist_water_m"] == pytest.approx(300.0)
    assert not out.loc["P0", "has_water"]
    only_planned = evaluate_coverage(parcels, pipelines=pipes.iloc[:1], rules=rules)
    assert np.isnan(only_planned.loc["P0", "dist_water_m"]) and not only_planned.loc["P0", "has_water"]
    assert np.isnan(only_planned.loc["P0", "ext_water_m"])


def test_no_status_means_built_and_reclaimed_ignored(rules):
    parcels = parcels_of(sq(0, 0))
    pipes = lines_of(hline(Y0 - 5), hline(Y0 - 1), kind=["gas", "reclaimed"])
    lines = network_lines(pipelines=pipes, rules=rules)
    assert len(lines["gas"]) == 1 and all(len(lines[t]) == 0 for t in NETWORK_TYPES if t != "gas")
    out = evaluate_coverage(parcels, pipelines=pipes, rules=rules)
    assert out.loc["P0", "dist_gas_m"] == pytest.approx(5.0) and out.loc["P0", "has_gas"]


def test_110kv_line_does_not_supply_power(rules):
    parcels = parcels_of(sq(0, 0))
    power = lines_of(hline(Y0 - 1), hline(Y0 - 400), voltage_kv=[110.0, 10.0], status=["built", "built"])
    out = evaluate_coverage(parcels, powerlines=power, rules=rules)
    assert out.loc["P0", "dist_power_m"] == pytest.approx(400.0)
    assert not out.loc["P0", "has_power"]


def test_road_inside_hole_is_at_distance_from_the_hole_ring(rules):
    outer = [(X0, Y0), (X0 + 200, Y0), (X0 + 200, Y0 + 200), (X0, Y0 + 200)]
    hole = [(X0 + 50, Y0 + 50), (X0 + 150, Y0 + 50), (X0 + 150, Y0 + 150), (X0 + 50, Y0 + 150)]
    parcel = Polygon(outer, [hole])
    road = LineString([(X0 + 100, Y0 + 60), (X0 + 100, Y0 + 140)])  # 10 m from the hole's edge
    out = evaluate_coverage(parcels_of(parcel), roads=lines_of(road, status=["built"]), rules=rules)
    assert shapely.distance(parcel, road) == pytest.approx(10.0)
    assert out.loc["P0", "dist_road_m"] == pytest.approx(10.0)


def test_multipolygon_parcel_distance_to_nearest_part(rules):
    parcel = MultiPolygon([sq(0, 0), sq(0, 1000)])
    road = hline(Y0 + 1100 + 30)  # 30 m above the top of the far part
    out = evaluate_coverage(parcels_of(parcel), roads=lines_of(road, status=["built"]), rules=rules)
    assert out.loc["P0", "dist_road_m"] == pytest.approx(30.0)


def full_networks(y):
    """Every network type as a built line along y (power 10 kV)."""
    kinds = ["water", "sewer", "storm", "gas", "heat", "telecom"]
    roads = lines_of(hline(y), status=["built"])
    pipes = lines_of(*[hline(y) for _ in kinds], kind=kinds, status=["built"] * len(kinds))
    power = lines_of(hline(y), voltage_kv=[10], status=["built"])
    return {"roads": roads, "pipelines": pipes, "powerlines": power}


def test_no_gas_network_and_readiness_ladder(rules):
    nets = full_networks(Y0 - 10)
    no_gas = nets["pipelines"][nets["pipelines"]["kind"] != "gas"]
    parcels = parcels_of(sq(0, 0), sq(200, 0), sq(400, 0), site_leveled=[True, False, None])
    out = evaluate_coverage(parcels, roads=nets["roads"], pipelines=no_gas, powerlines=nets["powerlines"], rules=rules)
    assert out["dist_gas_m"].isna().all() and not out["has_gas"].any()
    assert out.loc["P0", "readiness"] == "四通一平"  # 五通 needs gas
    assert out.loc["P0", "missing"] == "gas"
    assert out.loc["P1", "readiness"] == "未达三通一平"  # not leveled
    assert out.loc["P1", "missing"] == "gas,leveled"
    assert out.loc["P2", "readiness"] == "未达三通一平"  # missing leveled = not met
    # all networks: 七通一平 when leveled
    full = evaluate_coverage(parcels, **nets, rules=rules)
    assert full.loc["P0", "readiness"] == "七通一平" and full.loc["P0", "missing"] == ""
    # the leveled argument overrides site_leveled
    lev = pd.Series({"P0": False, "P1": True, "P2": True})
    by_terrain = evaluate_coverage(parcels, **nets, rules=rules, leveled=lev)
    assert list(by_terrain["readiness"]) == ["未达三通一平", "七通一平", "七通一平"]
    # three utilities and levelled: 三通一平; without power: below
    three = evaluate_coverage(parcels, roads=nets["roads"], pipelines=no_gas[no_gas["kind"] == "water"],
                              powerlines=nets["powerlines"], rules=rules)
    assert three.loc["P0", "readiness"] == "三通一平"
    assert three.loc["P0", "missing"] == "sewer,storm,telecom,gas,heat"
    below = evaluate_coverage(parcels, roads=nets["roads"], rules=rules)
    assert below.loc["P0", "readiness"] == "未达三通一平"


def test_output_columns_and_types(rules):
    nets = full_networks(Y0 - 10)
    out = evaluate_coverage(parcels_of(sq(0, 0), sq(0, 300)), **nets, rules=rules)
    assert out.index.name == "parcel_id"
    for t in NETWORK_TYPES:
        assert out[f"has_{t}"].dtype == bool
        assert out[f"dist_{t}_m"].dtype == float
    assert list(out.columns[-9:]) == ["readiness", "missing", *POWER_ZONE_COLUMNS]
    assert out["power_zone"].dtype == bool and out["power_zone_kv"].dtype == float


def test_ext_routed_along_l_shaped_road_and_straight_fallback(rules):
    # water main along y = Y0 - 200 (x ≤ X0 + 100); an L-shaped road from the main up x = X0 - 300 then
    # east along y = Y0 + 500 to the parcel; a parcel at (X0 + 300.., Y0 + 400..) is 600 m away
    water = lines_of(LineString([(X0 - 400, Y0 - 200), (X0 - 200, Y0 - 200)]), kind=["water"], status=["built"])
    road = LineString([(X0 - 300, Y0 - 200), (X0 - 300, Y0 + 520), (X0 + 350, Y0 + 520)])
    roads = lines_of(road, status=["planned"])  # planned roads route, they do not give road access
    parcel = box(X0 + 300, Y0 + 400, X0 + 400, Y0 + 500)
    island = box(X0 + 3000, Y0 + 3000, X0 + 3100, Y0 + 3100)  # no road anywhere near
    parcels = parcels_of(parcel, island)
    straight = evaluate_coverage(parcels, roads=roads, pipelines=water, rules=rules)
    routed = evaluate_coverage(parcels, roads=roads, pipelines=water, rules=rules, routes=True)
    d = shapely.distance(parcel, water.geometry.iloc[0])
    assert straight.loc["P0", "ext_water_m"] == pytest.approx(d)
    # along the road: 720 up + 650 east to the road end, the road end is 20 m above the parcel;
    # the parcel's nearest road point is (X0 + 350, Y0 + 520) -> 720 + 650 + 20
    assert routed.loc["P0", "ext_water_m"] == pytest.approx(720 + 650 + 20)
    assert routed.loc["P0", "ext_water_m"] > d
    routes = extension_routes(parcels, roads=roads, pipelines=water, rules=rules)
    water_routes = routes[routes["type"] == "water"].set_index("parcel_id")
    assert water_routes.loc["P0", "routed"] and not water_routes.loc["P1", "routed"]
    assert water_routes.loc["P0", "length_m"] == pytest.approx(720 + 650 + 20)
    assert water_routes.loc["P0", "geometry"].length == pytest.approx(720 + 650 + 20)
    assert water_routes.loc["P1", "length_m"] == pytest.approx(shapely.distance(island, water.geometry.iloc[0]))
    assert water_routes.loc["P1", "geometry"].length == pytest.approx(water_routes.loc["P1", "length_m"])
    assert water_routes.loc["P0", "cost_wan"] == pytest.approx(1390 * rules["coverage"]["unit_cost_wan_per_m"]["water"])
    # no route for a type without any network, nor for covered parcels
    assert set(routes["type"]) == {"water"}
    assert routes.crs == parcels.crs


def test_demo_distances_exact_and_routed_not_shorter(rules):
    ws = Workspace("data")
    parcels, roads, pipes, power = (ws.read(n) for n in ("parcels", "roads", "pipelines", "powerlines"))
    out = evaluate_coverage(parcels, roads=roads, pipelines=pipes, powerlines=power, rules=rules)
    assert len(out) == len(parcels) and out["readiness"].notna().all()
    levels = {lv["name"] for lv in rules["coverage"]["readiness"]} | {rules["coverage"]["below"]}
    assert set(out["readiness"]) <= levels
    lines = network_lines(roads=roads, pipelines=pipes, powerlines=power, rules=rules)
    geoms = parcels.geometry.to_numpy()
    for t in NETWORK_TYPES:
        expected = shapely.distance(geoms[:, None], np.asarray(lines[t].array)[None, :]).min(axis=1)
        np.testing.assert_allclose(out[f"dist_{t}_m"].to_numpy(), expected, rtol=0, atol=1e-9)
        service = rules["coverage"]["service_distance_m"][t]
        np.testing.assert_array_equal(out[f"has_{t}"].to_numpy(), expected <= service)
    routed = evaluate_coverage(parcels, roads=roads, pipelines=pipes, powerlines=power, rules=rules, routes=True)
    for t in NETWORK_TYPES:
        gap = ~out[f"has_{t}"]
        assert (routed.loc[gap, f"ext_{t}_m"] >= out.loc[gap, f"dist_{t}_m"] - 1e-9).all()
        assert (routed.loc[~gap, f"ext_{t}_m"] == 0).all()
    routes = extension_routes(parcels, roads=roads, pipelines=pipes, powerlines=power, rules=rules)
    assert len(routes) == int(sum((~out[f"has_{t}"] & out[f"dist_{t}_m"].notna()).sum() for t in NETWORK_TYPES))
    np.testing.assert_allclose(routes.geometry.length, routes["length_m"], rtol=1e-9)
    qa = network_qa(roads=roads, pipelines=pipes, powerlines=power, facilities=ws.read("facilities"),
                    parcels=parcels, rules=rules)
    assert list(qa.columns) == ["layer", "feature_id", "problem", "message", "message_zh"]


def test_road_graph_built_in_the_background_gives_the_same_routes(rules):
    """prepare_networks(background=True) returns before the road graph is built; the routes
    wait for it and equal those of a graph built at once."""
    import pickle

    from landplan.coverage import prepare_networks
    from landplan.geometry import to_metric

    ws = Workspace("data")
    parcels, roads, pipes, power = (ws.read(n) for n in ("parcels", "roads", "pipelines", "powerlines"))
    crs = to_metric(parcels).crs
    args = dict(roads=roads, pipelines=pipes, powerlines=power, rules=rules, crs=crs, routes=True)
    at_once = evaluate_coverage(parcels, rules=rules, routes=True, networks=prepare_networks(**args))
    later = prepare_networks(**args, background=True)
    assert later.building is not None  # building (or built, not yet waited for)
    out = evaluate_coverage(parcels, rules=rules, routes=True, networks=later)
    assert later.building is None and later.graph is not None
    pd.testing.assert_frame_equal(out, at_once)
    assert (out[[f"ext_{t}_m" for t in NETWORK_TYPES]] > 0).any().any()  # some routed gaps
    shipped = pickle.loads(pickle.dumps(prepare_networks(**args, background=True)))  # pickling waits too
    pd.testing.assert_frame_equal(evaluate_coverage(parcels, rules=rules, routes=True, networks=shipped), at_once)


def test_network_qa_finds_dangle_unconnected_and_missing(rules):
    roads = lines_of(
        LineString([(X0, Y0), (X0 + 100, Y0)]),
        LineString([(X0 + 100, Y0), (X0 + 200, Y0)]),
        LineString([(X0 + 100, Y0), (X0 + 100, Y0 + 50)]),  # spur: dangling end at the top
        LineString([(X0 + 1000, Y0), (X0 + 1010, Y0)]),  # far away piece
        road_id=["R1", "R2", "R3", "R4"],
        status=["built", "built", None, "built"],
    )
    power = lines_of(hline(Y0), voltage_kv=[None], status=["built"], line_id=["L1"])
    pipes = lines_of(hline(Y0), kind=[None], status=["built"], pipe_id=["G1"])
    qa = network_qa(roads=roads, powerlines=power, pipelines=pipes, rules=rules)
    probs = set(zip(qa["feature_id"], qa["problem"], strict=True))
    assert ("R3", "dangle") in probs
    assert ("R4", "unconnected piece") in probs
    assert ("R1", "unconnected piece") not in probs
    assert ("R3", "missing status") in probs
    assert ("L1", "missing voltage") in probs
    assert ("G1", "missing kind") in probs
    assert qa["message"].str.len().gt(0).all()
    r4 = qa[(qa["feature_id"] == "R4") & (qa["problem"] == "unconnected piece")].iloc[0]
    assert r4["message"] == "roads: not connected to the main network (2 separate pieces)"
    assert r4["message_zh"] == "道路：未与主网连通（共 2 个互不相连的部分）"
    g1 = qa[qa["feature_id"] == "G1"].iloc[0]
    assert g1["message_zh"].startswith("管线：类型为空或不属于 给水、污水、")
    clean = network_qa(roads=roads.iloc[:2].assign(status="built"), rules=rules)
    assert set(clean["problem"]) <= {"dangle"}  # the two outer ends of a straight road


def test_other_crs_networks_are_brought_to_the_parcels(rules):
    parcels = parcels_of(sq(0, 0))
    road = lines_of(hline(Y0 - 20), status=["built"]).to_crs("EPSG:4490")
    out = evaluate_coverage(parcels, roads=road, rules=rules)
    assert out.loc["P0", "dist_road_m"] == pytest.approx(20.0, abs=1e-3)


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(8))))
def test_distances_do_not_depend_on_row_order(order):
    rules = load_rules()
    parcels = parcels_of(*[sq(150 * i, 37 * i) for i in range(8)])
    nets = full_networks(Y0 + 120)
    base = evaluate_coverage(parcels, **nets, rules=rules)
    shuffled = evaluate_coverage(parcels.iloc[list(order)], **nets, rules=rules)
    pd.testing.assert_frame_equal(shuffled.loc[base.index], base)


def _random_parcel(draw_xy, size, hole):
    x, y = draw_xy
    outer = box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size)
    if hole:
        inner = box(X0 + x + size / 4, Y0 + y + size / 4, X0 + x + 3 * size / 4, Y0 + y + 3 * size / 4)
        return Polygon(outer.exterior.coords, [inner.exterior.coords])
    return outer


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.tuples(st.floats(-3000, 3000), st.floats(-3000, 3000)),
                       st.floats(1, 300), st.booleans()), min_size=1, max_size=30),
    st.lists(st.tuples(st.floats(-4000, 4000), st.floats(-4000, 4000),
                       st.floats(-4000, 4000), st.floats(-4000, 4000)), min_size=1, max_size=12),
    st.floats(0, 500),
    st.integers(1, 7),
    st.booleans(),
)
# found by hypothesis: GEOS puts the vertical line an ulp nearer (0.9999999999999999 m) than its
# bounding box (1 m), and the box pruning dropped it
@example([((1.0, 0.0), 1.0, False)], [(0.0, 0.0, 0.0, 0.0), (0.0, 480.0, 0.0, -26.0)], 0.0, 1, False)
def test_nearest_distance_equals_brute_force(parcel_specs, line_specs, service, chunk, snap):
    """Both search passes (within the service distance, then bounded by a vertex's distance),
    over chunks on threads, give exactly the brute-force minimum distance and its line (the
    lowest index among equally near lines: ``snap`` puts everything on a 250 m grid, where
    ties abound)."""
    from landplan.coverage import nearest

    if snap:
        parcel_specs = [((round(x / 250) * 250, round(y / 250) * 250), 250.0, hole)
                        for (x, y), _size, hole in parcel_specs]
        line_specs = [tuple(round(v / 250) * 250 for v in spec) for spec in line_specs]
    geoms = np.array([_random_parcel(xy, size, hole) for xy, size, hole in parcel_specs]
                     + [None, Polygon()], dtype=object)  # missing and empty geometries too
    lines = gpd.GeoSeries([LineString([(X0 + a, Y0 + b), (X0 + c, Y0 + d)]) for a, b, c, d in line_specs])
    old = nearest._CHUNK
    nearest._CHUNK = chunk
    try:
        idx, dist = nearest._nearest(np.asarray(lines.array, dtype=object), geoms, service)
    finally:
        nearest._CHUNK = old
    brute = shapely.distance(geoms[:-2, None], np.asarray(lines.array)[None, :])
    np.testing.assert_allclose(dist[:-2], brute.min(axis=1), rtol=0, atol=1e-9)
    assert (idx[:-2] == brute.argmin(axis=1)).all()  # argmin: the first (lowest) index of the minimum
    assert np.isnan(dist[-2:]).all() and (idx[-2:] == -1).all()


def test_substation_over_capacity_from_parcel_loads_and_rules(rules):
    from shapely.geometry import Point

    from landplan.coverage import substation_loads

    # S1 near P0/P1 (west), S2 near P2 (east), S3 in MW: not comparable without a power factor
    parcels = parcels_of(sq(0, 0), sq(150, 0), sq(3000, 0), sq(6000, 0),
                         load_kva=[30_000.0, None, 5_000.0, 1_000.0], industry_code=["39", "39", "13", "13"])
    fac = gpd.GeoDataFrame(
        {"facility_id": ["S1", "S2", "S3", "W1"], "name": ["西变", "东变", "南变", "水厂"],
         "kind": ["substation", "substation", "substation", "water_plant"],
         "capacity": [40.0, 50_000.0, 50.0, 10.0], "capacity_unit": ["MVA", "kVA", "MW", "万m³/d"],
         "status": ["built", None, "built", "built"]},
        geometry=[Point(X0 + 100, Y0 - 100), Point(X0 + 3050, Y0 - 100), Point(X0 + 6050, Y0 - 100),
                  Point(X0, Y0)], crs=CRS)
    # the shipped rules give no load per mu: P1 (no load_kva) is not counted, S1 is under capacity
    base = substation_loads(parcels, fac, rules).set_index("facility_id")
    assert list(base.index) == ["S1", "S2", "S3"]
    assert base.loc["S1", "parcels"] == 2 and base.loc["S1", "parcels_with_load"] == 1
    assert base.loc["S1", "load_kva"] == 30_000.0 and base.loc["S1", "capacity_kva"] == 40_000.0
    assert not base["over_capacity"].any()
    assert not base.loc["S3", "checked"] and "power factor" in base.loc["S3", "note"]
    # a park sets 1000 kVA per mu for industry 39: P1 (15 mu) adds 15,000 kVA → S1 over capacity
    local = merge_rules(rules, {"coverage": {"load_kva_per_mu": {"39": 1000.0}}})
    over = substation_loads(parcels, fac, local).set_index("facility_id")
    assert over.loc["S1", "load_kva"] == pytest.approx(30_000 + 1000 * 10_000 / (10_000 / 15))
    assert over.loc["S1", "over_capacity"] and not over.loc["S2", "over_capacity"]
    assert over.loc["S1", "load_pct"] == pytest.approx(100 * 45_000 / 40_000)
    qa = network_qa(facilities=fac, parcels=parcels, rules=local)
    hit = qa[qa["problem"] == "substation over capacity"]
    assert list(hit["feature_id"]) == ["S1"] and "45,000 kVA" in hit["message"].iloc[0]
    assert "substation over capacity" not in set(network_qa(facilities=fac, parcels=parcels, rules=rules)["problem"])


# --------------------------------------------------------------------------------------------
# power-line protection zones (issue 18 item 14; 电力设施保护条例 Art. 10)


def test_power_line_protection_zones_by_voltage(rules):
    """Parcels 1 km apart, each with its own lines (metres from the parcel's lower edge):
    Art. 10 gives 5 m for 1–10 kV, 10 m for 35–110 kV; a cable 0.75 m; 20 kV takes the next band
    up (10 m); a zone edge on the boundary does not reach in; planned lines and lines under
    1 kV have no zone in coverage."""
    cases = {  # parcel: [(metres below the parcel, kV, laying, status)]
        "P0": [(3.0, 10, "overhead", "built")],
        "P1": [(6.0, 10, "overhead", "built")],
        "P2": [(0.5, 10, "cable", "built")],
        "P3": [(1.0, 10, "cable", "built")],
        "P4": [(8.0, 20, "overhead", None)],
        "P5": [(-50.0, 10, "overhead", "planned"), (9.5, 110, "overhead", "under_construction"),
               (4.0, 10, "overhead", "built")],
        "P6": [(5.0, 10, "overhead", "built")],
        "P7": [(-50.0, 0.4, "overhead", "built")],
    }
    geoms, lines, kv, laying, status, ids = [], [], [], [], [], []
    for i, (pid, items) in enumerate(cases.items()):
        x = 1000.0 * i
        geoms.append(sq(x, 0))
        for j, (below, v, lay, st_) in enumerate(items):
            lines.append(hline(Y0 - below, X0 + x - 20, X0 + x + 120))
            kv.append(float(v)), laying.append(lay), status.append(st_), ids.append(f"{pid}-{j}")
    power = lines_of(*lines, line_id=ids, voltage_kv=kv, laying=laying, status=status)
    out = evaluate_coverage(parcels_of(*geoms, ids=list(cases)), powerlines=power, rules=rules)
    assert out["power_zone"].to_dict() == {"P0": True, "P1": False, "P2": True, "P3": False, "P4": True,
                                           "P5": True, "P6": False, "P7": False}
    zone = out[out["power_zone"]]
    assert zone["power_zone_kv"].to_dict() == {"P0": 10.0, "P2": 10.0, "P4": 20.0, "P5": 110.0}
    assert zone["power_zone_m"].to_dict() == {"P0": 5.0, "P2": 0.75, "P4": 10.0, "P5": 10.0}
    assert zone["power_zone_dist_m"].to_dict() == pytest.approx({"P0": 3.0, "P2": 0.5, "P4": 8.0, "P5": 9.5})
    assert zone["power_zone_key"].to_dict() == {
        "P0": "coverage.power_protection_zone_m.10", "P2": "coverage.cable_protection_zone_m",
        "P4": "coverage.power_protection_zone_m.110", "P5": "coverage.power_protection_zone_m.110"}
    assert out.loc["P0", "power_zone_reason_zh"] == (
        "已建10kV架空电力线P0-0距地块3.0米，在其保护区5米内（《电力设施保护条例》第十条）")
    assert out.loc["P2", "power_zone_reason_en"] == (
        "built 10 kV cable line P2-0 0.5 m from the parcel, inside its 0.75 m protection zone "
        "(Regulations on the Protection of Electric Power Facilities, Art. 10)")
    # both lines whose zone reaches in are named, the highest voltage first; the planned one is not
    art10 = "(Regulations on the Protection of Electric Power Facilities, Art. 10)"
    assert out.loc["P5", "power_zone_reason_en"].split("; ") == [
        f"under construction 110 kV overhead line P5-1 9.5 m from the parcel, inside its 10 m protection zone {art10}",
        f"built 10 kV overhead line P5-2 4.0 m from the parcel, inside its 5 m protection zone {art10}"]
    assert out.loc["P5", "power_zone_reason_zh"].count("；") == 1
    assert (out.loc[~out["power_zone"], ["power_zone_reason_zh", "power_zone_reason_en"]] == "").all().all()
    # a park that widens a band says so in the reason
    wide = merge_rules(rules, {"coverage": {"power_protection_zone_m": {"10": 7}}})
    out = evaluate_coverage(parcels_of(*geoms, ids=list(cases)), powerlines=power, rules=wide)
    assert out.loc["P1", "power_zone"] and out.loc["P1", "power_zone_m"] == 7.0
    assert out.loc["P1", "power_zone_reason_zh"].endswith("在其保护区7米内（本地规则）")


def test_zone_widths_follow_article_10_bands(rules):
    from landplan.coverage import zone_widths

    kv = np.array([0.4, 1, 6, 10, 20, 35, 66, 110, 154, 220, 330, 500, 750, np.nan])
    width, key = zone_widths(kv, np.zeros(len(kv), bool), rules)
    np.testing.assert_array_equal(width, [np.nan, 5, 5, 5, 10, 10, 10, 10, 15, 15, 15, 20, 20, np.nan])
    assert key[3] == "coverage.power_protection_zone_m.10" and key[0] == ""
    cable, _ = zone_widths(np.array([10.0, 110.0]), np.ones(2, bool), rules)
    assert cable.tolist() == [0.75, 0.75]


def test_bad_protection_zone_rules_are_named():
    from landplan.errors import RuleError

    with pytest.raises(RuleError, match=r"coverage\.power_protection_zone_m\.ten: unknown key, not a voltage"):
        merge_rules(load_rules(), {"coverage": {"power_protection_zone_m": {"ten": 5}}})
    with pytest.raises(RuleError, match=r"coverage\.cable_protection_zone_m: -1 is not a number ≥ 0"):
        merge_rules(load_rules(), {"coverage": {"cable_protection_zone_m": -1}})


def test_equal_length_pieces_the_first_drawn_is_the_main_network(rules):
    """Tie rule of network QA: of two pieces of equal total length, the main network is the
    piece holding the first line of the layer (as networkx numbered its components, and as
    scipy's csgraph does): here a 100 m road against two joined 50 m roads."""
    roads = lines_of(LineString([(X0, Y0), (X0 + 100, Y0)]),
                     LineString([(X0 + 1000, Y0), (X0 + 1050, Y0)]),
                     LineString([(X0 + 1050, Y0), (X0 + 1100, Y0)]),
                     road_id=["Y", "X1", "X2"], status=["built"] * 3)

    def unconnected(order):
        qa = network_qa(roads=roads.iloc[order], rules=rules)
        return sorted(qa.loc[qa["problem"] == "unconnected piece", "feature_id"])

    assert unconnected([0, 1, 2]) == ["X1", "X2"]
    assert unconnected([1, 0, 2]) == ["Y"]
    assert unconnected([1, 2, 0]) == ["Y"]


def test_equal_cost_routes_the_tie_is_the_same_whatever_the_drawing_order(rules):
    """Tie rule of the routed extensions: a square of roads offers two routes of 600 m from
    the water pipe's corner to the far corner (east then north, or north then east); the
    route runs east first, whichever road is drawn first (the Dijkstra keeps the first
    predecessor found at the shortest length, road nodes taken in coordinate order)."""
    def line(*pts):
        return LineString([(X0 + x, Y0 + y) for x, y in pts])

    east_first, north_first = line((0, 0), (300, 0), (300, 300)), line((0, 0), (0, 300), (300, 300))
    spur = line((300, 300), (300, 400))
    pipe = lines_of(line((-100, -30), (-10, -30)), kind=["water"], status=["built"])
    parcel = parcels_of(Polygon([(X0 + x, Y0 + y) for x, y in [(320, 350), (340, 340), (360, 350), (340, 360)]]))
    for drawn in ([east_first, north_first, spur], [north_first, east_first, spur], [spur, north_first, east_first]):
        routes = extension_routes(parcel, roads=lines_of(*drawn, status=["built"] * 3), pipelines=pipe, rules=rules)
        water = routes[routes["type"] == "water"].iloc[0]
        assert bool(water["routed"])
        assert water["length_m"] == pytest.approx(20 + 50 + 600 + np.hypot(10, 30))
        xy = [(round(x - X0), round(y - Y0)) for x, y in water.geometry.coords]
        assert xy == [(-10, -30), (0, 0), (300, 0), (300, 300), (300, 350), (320, 350)]


def test_package_doctest():
    """The package docstring's example (a parcel 20 m from a road) runs as written."""
    import doctest

    import landplan.coverage

    result = doctest.testmod(landplan.coverage)
    assert result.attempted > 0 and result.failed == 0
