"""Benchmark: infrastructure coverage distances on 10k, 100k and 1M demo parcels.

In one run, for every size, the same question — the distance from every parcel to the nearest
built line of each network type (road, water, sewer, storm, gas, heat, power, telecom) and
whether it is within the service distance — answered by

- ``floor``: the bare STRtree: one ``lines.sindex.nearest(parcels, return_distance=True)``
  call per type (no service test, no extensions, no readiness);
- ``landplan``: :func:`landplan.coverage.evaluate_coverage` with ``routes=False`` (distances,
  has_t, readiness, straight-line extensions);
- ``routed``: the same with ``routes=True`` (extensions routed along the road graph, as
  ``landplan evaluate`` does; one run; no peer: PostGIS has no routing without pgRouting);
- ``postgis``: PostgreSQL/PostGIS with GiST indexes, ``LATERAL (… ORDER BY geom <-> p.geom
  LIMIT 1)`` + ``ST_Distance`` per parcel and type, rows fetched (a real server on 127.0.0.1,
  started and stopped by the bench with ``tests/postgis.py``).

Each size runs in its own process (the PostGIS server is shared): its peak RSS is read after
the floor and landplan's runs (demo park included), before the PostGIS upload, and at the end.
Seconds (best of N; PostGIS best of 1 at 1M), peaks and ratios go to ``bench/RESULTS.md`` under
"## Infrastructure coverage"; landplan's figures to ``bench/_work/results/coverage_bench.json``.

Usage: ``python bench/coverage_bench.py [--sizes 10000 100000 1000000] [--repeat 2]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import produced_by, replace_section, run_worker, save_figures  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
TITLE = "Infrastructure coverage"
HEADING = f"## {TITLE}"


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def run_size(n: int, repeat: int, url: str) -> dict:
    import geopandas as gpd
    from sqlalchemy import create_engine, text

    from landplan.coverage import evaluate_coverage, network_lines
    from landplan.demo import make_demo
    from landplan.rules import load_rules

    park = make_demo(parcels=n, seed=0)
    rules = load_rules()
    layers = {"roads": park.roads, "pipelines": park.pipelines, "powerlines": park.powerlines}
    lines = network_lines(**layers, rules=rules)
    parcels = park.parcels

    def floor():
        for series in lines.values():
            if len(series):
                series.sindex.nearest(parcels.geometry, return_all=False, return_distance=True)

    result = {"parcels": n, "lines": int(sum(len(s) for s in lines.values()))}
    result["floor"] = _best(floor, repeat)
    result["landplan"] = _best(lambda: evaluate_coverage(parcels, **layers, rules=rules), repeat)
    result["routed"] = _best(lambda: evaluate_coverage(parcels, **layers, rules=rules, routes=True), 1)
    result["peak_gib"] = _peak_gib()

    engine = create_engine(url)
    with engine.begin() as con:
        con.execute(text("DROP TABLE IF EXISTS parcels"))
    gpd.GeoDataFrame({"pid": parcels["parcel_id"]}, geometry=parcels.geometry).to_postgis(
        "parcels", engine, index=False)
    types = [t for t, series in lines.items() if len(series)]
    with engine.begin() as con:
        for t in types:
            con.execute(text(f"DROP TABLE IF EXISTS lines_{t}"))
    for t in types:  # one table per type: the KNN operator then walks that table's GiST index
        gpd.GeoDataFrame(geometry=lines[t].to_numpy(), crs=parcels.crs).to_postgis(
            f"lines_{t}", engine, index=False)
    with engine.begin() as con:
        con.execute(text("CREATE INDEX ON parcels USING gist (geometry)"))
        for t in types:
            con.execute(text(f"CREATE INDEX ON lines_{t} USING gist (geometry)"))
            con.execute(text(f"ANALYZE lines_{t}"))
        con.execute(text("ANALYZE parcels"))

    def postgis():
        with engine.connect() as con:
            for t in types:
                con.execute(text(f"""
                    SELECT p.pid, n.d FROM parcels p
                    CROSS JOIN LATERAL (
                        SELECT ST_Distance(p.geometry, l.geometry) AS d FROM lines_{t} l
                        ORDER BY p.geometry <-> l.geometry LIMIT 1) n""")).fetchall()

    result["postgis"] = _best(postgis, 1 if n >= 1_000_000 else repeat)
    engine.dispose()
    result["peak_all_gib"] = _peak_gib()
    return result


def _write(results: list[dict], out: Path, repeat: int, command: str) -> None:
    import geopandas
    import shapely

    lines = [
        HEADING, "",
        f"Measured {dt.date.today()} by {command} on {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.machine()}; python {platform.python_version()}, "
        f"geopandas {geopandas.__version__}, shapely {shapely.__version__}, PostgreSQL 15 + PostGIS 3.", "",
        "Demo parks (`make_demo(parcels=N, seed=0)`): nearest built line of each of the 8 network "
        f"types for every parcel. Seconds, best of {repeat} (PostGIS at 1M: one run). `floor` = one "
        "bare `sindex.nearest` call per type; `landplan` = `evaluate_coverage` with its default "
        "`routes=False` (distances, has_t, readiness, straight-line extensions); `routed` = the same "
        "with `routes=True` (extensions routed along the road graph, scipy csgraph Dijkstra, as `landplan evaluate` "
        "does; one run); `postgis` = GiST + LATERAL `<->` LIMIT 1 + ST_Distance, rows fetched. Each size in its own process: `peak` = its peak RSS after the floor, landplan and routed (demo park included), `peak (PostGIS)` = at the end (the PostGIS client's upload and fetched rows included; the server's memory is not).", "",
        "| parcels | built lines | floor | landplan | routed | postgis | landplan / floor | postgis / landplan | peak | peak (PostGIS) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['parcels']:,} | {r['lines']:,} | {r['floor']:.2f} s | {r['landplan']:.2f} s | "
                     f"{r['routed']:.2f} s | {r['postgis']:.2f} s | {r['landplan'] / r['floor']:.1f}× | "
                     f"{r['postgis'] / r['landplan']:.1f}× | {r['peak_gib']:.2f} GiB | "
                     f"{r['peak_all_gib']:.2f} GiB |")
    lines.append("")
    big = [r for r in results if r["parcels"] >= 1_000_000]
    if big:
        r = big[0]
        ok = r["landplan"] <= 30 and r["postgis"] / r["landplan"] >= 3 and r["landplan"] / r["floor"] <= 2
        lines += [f"Goals at 1M (≤ 30 s, ≥ 3× faster than PostGIS, ≤ 2× the floor): "
                  f"{'met' if ok else 'NOT all met'} ({r['landplan']:.1f} s, "
                  f"{r['postgis'] / r['landplan']:.1f}× PostGIS, {r['landplan'] / r['floor']:.1f}× the floor).", ""]
    section = "\n".join(lines)
    replace_section(out, HEADING, section)


def main() -> int:
    from postgis import PostGIS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_size(args.worker, args.repeat, args.url)))
        return 0
    command = produced_by(__file__)
    results = []
    with PostGIS() as pg:
        for n in args.sizes:
            result = run_worker(__file__, n, args.repeat, "--url", pg.url)
            print(result, flush=True)
            results.append(result)
    _write(results, args.out, args.repeat, command)
    save_figures(args.out, "coverage_bench", TITLE,
                 {name: {r["parcels"]: {"seconds": r[key], "peak_gib": r["peak_gib"]} for r in results}
                  for name, key in (("evaluate_coverage", "landplan"),
                                    ("evaluate_coverage routes=True", "routed"))},
                 command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
