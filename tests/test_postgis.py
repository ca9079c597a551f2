"""Cross-check of infrastructure coverage (``landplan.coverage``) against PostGIS.

The demo park's parcels and its roads, pipelines and power lines are written to a throwaway
PostGIS server (:mod:`postgis`, started by the ``postgis`` fixture); SQL picks the built lines
of every network type (SPEC: status ``built``; power lines of ``coverage.power_voltages_kv``)
and computes, per parcel and type, ``ST_Distance`` to the nearest such line (exact: a full
``MIN`` over the type's lines, also checked against a ``<->`` KNN LATERAL) and
``ST_DWithin(parcel, line, service_distance)``. landplan's ``dist_<t>_m`` must agree on every
parcel to 1 mm (NaN where the type has no line) and ``has_<t>`` exactly.

Two scenarios: the full demo park, and a sparse one (no roads layer, no heat pipes, only the
110 kV power lines) where road, heat and power have no line at all.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from postgis import PostGIS
from sqlalchemy import create_engine, text

from landplan.rules import load_rules
from landplan.workspace import Workspace

TYPES = ("road", "water", "sewer", "storm", "gas", "heat", "power", "telecom")
PIPE_KINDS = ("water", "sewer", "storm", "gas", "heat", "telecom")
#: Agreement required between landplan and PostGIS distances (metres).
TOL_M = 1e-3
SCENARIOS = ("full", "sparse")


@pytest.fixture(scope="module")
def park(demo_workspace) -> dict:
    ws = Workspace(demo_workspace)
    layers = {name: ws.read(name) for name in ("parcels", "roads", "pipelines", "powerlines")}
    assert len(layers["parcels"]) > 0
    return {**layers, "rules": load_rules()}


def _scenario_layers(park: dict, scenario: str) -> dict:
    """The inputs of one scenario: parcels, roads (or None), pipelines, powerlines."""
    if scenario == "full":
        return {k: park[k] for k in ("parcels", "roads", "pipelines", "powerlines")}
    pipes = park["pipelines"]
    power = park["powerlines"]
    listed = [float(v) for v in park["rules"]["coverage"]["power_voltages_kv"]]
    sparse = {
        "parcels": park["parcels"],
        "roads": None,
        "pipelines": pipes[pipes["kind"] != "heat"],
        "powerlines": power[~power["voltage_kv"].isin(listed)],
    }
    assert len(sparse["powerlines"]) > 0  # lines remain, none of a listed voltage
    return sparse


def _ensure_gist(conn, schema: str, table: str, column: str) -> None:
    """A GiST index on ``schema.table(column)`` (GeoAlchemy2 usually made one already)."""
    found = conn.execute(text(
        "SELECT count(*) FROM pg_indexes WHERE schemaname = :s AND tablename = :t "
        "AND indexdef ILIKE '%USING gist%' AND indexdef LIKE :c"),
        {"s": schema, "t": table, "c": f"%({column})%"}).scalar_one()
    if not found:
        conn.execute(text(f'CREATE INDEX "{table}_{column}_gist" ON "{schema}"."{table}" '
                          f'USING gist ("{column}")'))


def _write_scenario(engine, schema: str, layers: dict, rules: dict) -> None:
    """Write one scenario's layers into ``schema`` and build ``schema.network`` in SQL:
    (type, geom) for every built line of every network type."""
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    keep = {"parcels": ["parcel_id"], "roads": ["road_id", "status"],
            "pipelines": ["pipe_id", "kind", "status"],
            "powerlines": ["line_id", "voltage_kv", "status"]}
    for name, cols in keep.items():
        gdf = layers[name]
        if gdf is None:
            continue
        out = gpd.GeoDataFrame({c: gdf[c].astype(object) if c != "voltage_kv" else gdf[c]
                                for c in cols}, geometry=gdf.geometry.values, crs=gdf.crs)
        out.to_postgis(name, engine, schema=schema, index=False)
    srid = layers["parcels"].crs.to_epsg()
    with engine.begin() as conn:
        conn.execute(text(f'CREATE TABLE "{schema}".network '
                          f"(type text NOT NULL, geom geometry(Geometry, {srid}) NOT NULL)"))
        if layers["roads"] is not None:
            conn.execute(text(f"INSERT INTO \"{schema}\".network SELECT 'road', geometry "
                              f"FROM \"{schema}\".roads WHERE status = 'built'"))
        conn.execute(text(f'INSERT INTO "{schema}".network SELECT kind, geometry '
                          f"FROM \"{schema}\".pipelines WHERE status = 'built' "
                          "AND kind = ANY(:kinds)"), {"kinds": list(PIPE_KINDS)})
        conn.execute(text(f"INSERT INTO \"{schema}\".network SELECT 'power', geometry "
                          f"FROM \"{schema}\".powerlines WHERE status = 'built' "
                          "AND voltage_kv = ANY(:kv)"),
                     {"kv": [float(v) for v in rules["coverage"]["power_voltages_kv"]]})
        for name in keep:
            if layers[name] is not None:
                _ensure_gist(conn, schema, name, "geometry")
        conn.execute(text(f'CREATE INDEX ON "{schema}".network USING gist (geom)'))
        conn.execute(text(f'CREATE INDEX ON "{schema}".network (type)'))
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f'ANALYZE "{schema}".parcels; ANALYZE "{schema}".network'))


#: Per parcel and type: exact nearest distance (MIN over every line of the type), the KNN
#: distance (nearest by ``<->`` through the GiST index, then ST_Distance), and ST_DWithin.
COVERAGE_SQL = """
WITH types(type, sd) AS (
    SELECT * FROM unnest(CAST(:types AS text[]), CAST(:sds AS float8[]))
)
SELECT p.parcel_id, t.type, t.sd,
       (SELECT min(ST_Distance(p.geometry, n.geom))
          FROM "{s}".network n WHERE n.type = t.type)              AS dist_m,
       knn.d                                                        AS dist_knn_m,
       EXISTS (SELECT 1 FROM "{s}".network n
                WHERE n.type = t.type AND ST_DWithin(p.geometry, n.geom, t.sd)) AS has
  FROM "{s}".parcels p
 CROSS JOIN types t
  LEFT JOIN LATERAL (
       SELECT ST_Distance(p.geometry, n.geom) AS d
         FROM "{s}".network n
        WHERE n.type = t.type
        ORDER BY p.geometry <-> n.geom
        LIMIT 1) knn ON true
"""


@pytest.fixture(scope="module")
def pg_engine(postgis: PostGIS):
    engine = create_engine(postgis.url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def postgis_result(pg_engine, park) -> dict[str, pd.DataFrame]:
    """Per scenario, PostGIS's long result: parcel_id, type, sd, dist_m, dist_knn_m, has."""
    rules = park["rules"]
    service = rules["coverage"]["service_distance_m"]
    out = {}
    for scenario in SCENARIOS:
        t0 = time.perf_counter()
        _write_scenario(pg_engine, scenario, _scenario_layers(park, scenario), rules)
        t1 = time.perf_counter()
        with pg_engine.connect() as conn:
            long = pd.read_sql(text(COVERAGE_SQL.format(s=scenario)), conn, params={
                "types": list(TYPES), "sds": [float(service[t]) for t in TYPES]})
        t2 = time.perf_counter()
        print(f"postgis {scenario}: load {t1 - t0:.2f}s, coverage SQL {t2 - t1:.2f}s")
        long["parcel_id"] = long["parcel_id"].astype(str)
        out[scenario] = long
    return out


def _wide(long: pd.DataFrame, parcel_ids: pd.Index) -> pd.DataFrame:
    """dist_<t>_m / has_<t> columns indexed by parcel_id, in ``parcel_ids`` order."""
    dist = long.pivot(index="parcel_id", columns="type", values="dist_m")
    has = long.pivot(index="parcel_id", columns="type", values="has")
    wide = pd.concat([dist.rename(columns=lambda t: f"dist_{t}_m").astype(float),
                      has.rename(columns=lambda t: f"has_{t}").astype(bool)], axis=1)
    return wide.reindex(parcel_ids)


def _parcel_ids(park) -> pd.Index:
    return pd.Index(park["parcels"]["parcel_id"].astype(str), name="parcel_id")


def _assert_agree(got: pd.DataFrame, want: pd.DataFrame, *, who: str) -> None:
    """``got`` (dist_<t>_m, has_<t> by parcel_id) equals ``want`` on every parcel:
    distances to TOL_M with NaN exactly where ``want`` is NaN, has_<t> exactly."""
    assert got.index.is_unique
    missing = want.index.difference(got.index.astype(str))
    assert missing.empty, f"{who}: no row for parcels {list(missing[:5])}"
    got = got.set_axis(got.index.astype(str)).reindex(want.index)
    problems = []
    for t in TYPES:
        d, w = got[f"dist_{t}_m"].astype(float), want[f"dist_{t}_m"]
        bad = ~((d.isna() & w.isna()) | ((d - w).abs() <= TOL_M))
        problems += [f"dist_{t}_m {pid}: {who} {d[pid]!r} vs PostGIS {w[pid]!r}"
                     for pid in d.index[bad][:5]]
        h = got[f"has_{t}"]
        assert not h.isna().any(), f"{who}: has_{t} has missing values"
        bad = h.astype(bool) != want[f"has_{t}"]
        problems += [f"has_{t} {pid}: {who} {h[pid]!r} vs PostGIS {want[f'has_{t}'][pid]!r} "
                     f"(PostGIS distance {w[pid]!r})" for pid in h.index[bad][:5]]
    assert not problems, f"{len(problems)} disagreements (first per column):\n" + "\n".join(
        problems)


# -- the PostGIS side checks itself --------------------------------------------------------

@pytest.mark.parametrize("scenario", SCENARIOS)
def test_postgis_knn_distance_equals_full_scan(postgis_result, scenario):
    long = postgis_result[scenario]
    assert long["dist_m"].isna().equals(long["dist_knn_m"].isna())
    both = long.dropna(subset=["dist_m"])
    assert np.allclose(both["dist_m"], both["dist_knn_m"], rtol=0, atol=1e-9)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_postgis_dwithin_equals_distance_threshold(postgis_result, scenario):
    long = postgis_result[scenario]
    assert (long["has"] == (long["dist_m"] <= long["sd"])).all()  # NaN <= sd is False


def test_postgis_scenarios_cover_empty_types(postgis_result, park):
    ids = _parcel_ids(park)
    full, sparse = (_wide(postgis_result[s], ids) for s in SCENARIOS)
    assert full.filter(like="dist_").notna().all().all()
    for t in ("road", "heat", "power"):
        assert sparse[f"dist_{t}_m"].isna().all() and not sparse[f"has_{t}"].any()
    # every type is both present and absent somewhere in the full park, so has_ is tested
    for t in TYPES:
        assert full[f"has_{t}"].any(), t
        assert not full[f"has_{t}"].all(), t


def _shapely_coverage(layers: dict, rules: dict) -> pd.DataFrame:
    """An independent in-test computation (STRtree nearest + shapely.distance)."""
    parcels = layers["parcels"]
    service = rules["coverage"]["service_distance_m"]
    kv = [float(v) for v in rules["coverage"]["power_voltages_kv"]]
    roads, pipes, power = layers["roads"], layers["pipelines"], layers["powerlines"]
    lines = {"road": None if roads is None else roads.geometry[roads["status"] == "built"],
             "power": power.geometry[(power["status"] == "built") & power["voltage_kv"].isin(kv)]}
    for kind in PIPE_KINDS:
        lines[kind] = pipes.geometry[(pipes["status"] == "built") & (pipes["kind"] == kind)]
    out = pd.DataFrame(index=pd.Index(parcels["parcel_id"].astype(str), name="parcel_id"))
    for t in TYPES:
        g = lines[t]
        if g is None or g.empty:
            dist = np.full(len(parcels), np.nan)
        else:
            g = g.reset_index(drop=True)
            idx = g.sindex.nearest(parcels.geometry.values, return_all=False)
            dist = np.full(len(parcels), np.nan)
            dist[idx[0]] = shapely.distance(parcels.geometry.values[idx[0]],
                                            g.values[idx[1]])
        out[f"dist_{t}_m"] = dist
        out[f"has_{t}"] = dist <= float(service[t])
    return out


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_shapely_reference_agrees_with_postgis(postgis_result, park, scenario):
    layers = _scenario_layers(park, scenario)
    want = _wide(postgis_result[scenario], _parcel_ids(park))
    _assert_agree(_shapely_coverage(layers, park["rules"]), want, who="shapely")


# -- landplan.coverage against PostGIS -----------------------------------------------------

@pytest.mark.parametrize("scenario", SCENARIOS)
def test_network_lines_are_the_built_lines(pg_engine, postgis_result, park, scenario):
    from landplan.coverage import network_lines

    layers = _scenario_layers(park, scenario)
    got = network_lines(roads=layers["roads"], pipelines=layers["pipelines"],
                        powerlines=layers["powerlines"], rules=park["rules"])
    with pg_engine.connect() as conn:
        rows = conn.execute(text(f'SELECT type, ST_AsBinary(geom) FROM "{scenario}".network'))
        want = pd.DataFrame(rows.fetchall(), columns=["type", "wkb"])
    for t in TYPES:
        expected = sorted(bytes(b) for b in want.loc[want["type"] == t, "wkb"])
        series = got.get(t)
        actual = [] if series is None else sorted(bytes(b) for b in series.to_wkb())
        assert len(actual) == len(expected), f"{t}: {len(actual)} lines, PostGIS {len(expected)}"
        assert actual == expected, f"{t}: not the same lines as PostGIS's built {t} lines"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_evaluate_coverage_agrees_with_postgis(postgis_result, park, scenario):
    from landplan.coverage import evaluate_coverage

    layers = _scenario_layers(park, scenario)
    t0 = time.perf_counter()
    got = evaluate_coverage(layers["parcels"], roads=layers["roads"],
                            pipelines=layers["pipelines"], powerlines=layers["powerlines"],
                            rules=park["rules"])
    print(f"landplan.coverage {scenario}: {time.perf_counter() - t0:.3f}s")
    assert len(got) == len(layers["parcels"])
    want = _wide(postgis_result[scenario], _parcel_ids(park))
    _assert_agree(got, want, who="landplan")
