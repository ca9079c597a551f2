"""Benchmark: idle-land evaluation (:func:`landplan.idle.evaluate_idle`) on 10k, 100k and 1M parcels.

Each size runs in its own process (so its peak RSS is its own): the demo park's parcels
(``make_demo(parcels=N, seed=0)``) are generated once into ``bench/_work/idle/`` as GeoParquet,
then a worker loads them and times, best of N,

- ``evaluate_idle`` at ``DEMO_AS_OF`` with the shipped rules (all columns, texts included);
- ``check_idle_inputs`` alone (the problem lines).

Results (seconds and the worker's peak RSS, data included) go to ``bench/RESULTS.md`` under
"## Idle land"; only that section is replaced on a rerun (up to the next ``## `` heading).

Usage: ``python bench/idle_bench.py [--sizes 10000 100000 1000000] [--repeat 3] [--keep]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import produced_by, replace_section, run_worker, save_figures  # noqa: E402

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work" / "idle"
TITLE = "Idle land"
HEADING = f"## {TITLE}"
GOAL_S = 5.0


def _prepare(n: int) -> tuple[Path, float]:
    from landplan.demo import make_demo

    path = WORK / f"parcels_{n}.parquet"
    if path.exists():
        return path, float("nan")
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    make_demo(parcels=n, seed=0).parcels.to_parquet(path)
    return path, time.perf_counter() - start


def _best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def worker(path: Path, repeat: int) -> dict:
    import geopandas as gpd

    from landplan.demo import DEMO_AS_OF
    from landplan.idle import check_idle_inputs, evaluate_idle
    from landplan.rules import load_rules

    parcels = gpd.read_parquet(path)
    rules = load_rules()
    import pandas as pd

    as_of = pd.Timestamp(DEMO_AS_OF)

    def baseline():
        # the floor: pandas' own anniversary arithmetic and the not-started test, nothing else
        start = parcels["agreed_start_date"]
        due = start + pd.DateOffset(years=1)
        unstarted = parcels["actual_start_date"].isna() | (parcels["actual_start_date"] > as_of)
        return unstarted & (due <= as_of)

    base_s, _ = _best(baseline, repeat)
    seconds, out = _best(lambda: evaluate_idle(parcels, rules, as_of=DEMO_AS_OF), repeat)
    check_s, lines = _best(lambda: check_idle_inputs(parcels, as_of=DEMO_AS_OF), repeat)
    return {
        "parcels": len(parcels), "baseline": base_s, "evaluate_idle": seconds, "check_idle_inputs": check_s,
        "problems": len(lines),
        "statuses": out["idle_status"].value_counts().to_dict(),
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
    }


def _versions() -> str:
    import geopandas
    import numpy
    import pandas
    import shapely

    return (f"python {platform.python_version()}, pandas {pandas.__version__}, "
            f"numpy {numpy.__version__}, geopandas {geopandas.__version__}, "
            f"shapely {shapely.__version__}")


def _write(results: list[dict], out: Path, repeat: int, command: str) -> None:
    lines = [
        HEADING, "",
        f"Measured {dt.date.today()} by {command} on {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.machine()}; {_versions()}.", "",
        "Demo parcels (`make_demo(parcels=N, seed=0).parcels`, generated once, loaded from "
        f"GeoParquet), evaluated at `DEMO_AS_OF` with the shipped rules; seconds, best of {repeat}; "
        "one process per size, peak RSS of that process (data included). `evaluate_idle` "
        "includes the input checks, the area of the halted parcels and the bilingual texts.", "",
        "| parcels | baseline (pandas DateOffset + not-started test) | evaluate_idle | ratio | check_idle_inputs | idle parcels | peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        idle = sum(v for k, v in r["statuses"].items() if k.startswith("idle_"))
        lines.append(f"| {r['parcels']:,} | {r['baseline']:.2f} s | {r['evaluate_idle']:.2f} s | "
                     f"{r['evaluate_idle'] / r['baseline']:.1f}× | "
                     f"{r['check_idle_inputs']:.2f} s | {idle:,} | {r['peak_rss_gib']:.2f} GiB |")
    lines.append("")
    goal = [r for r in results if r["parcels"] >= 1_000_000]
    if goal:
        r = goal[0]
        verdict = "met" if r["evaluate_idle"] <= GOAL_S else "NOT met"
        lines += [f"Goal (1M parcels in ≤ {GOAL_S:g} s): {verdict} ({r['evaluate_idle']:.2f} s).", ""]
    section = "\n".join(lines)
    replace_section(out, HEADING, section)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep bench/_work/idle")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeat)))
        return 0
    command = produced_by(__file__)
    results = []
    for n in args.sizes:
        path, built = _prepare(n)
        result = run_worker(__file__, path, args.repeat)
        result["generated_s"] = built
        print(json.dumps(result), flush=True)
        results.append(result)
    _write(results, args.out, args.repeat, command)
    save_figures(args.out, "idle_bench", TITLE,
                 {"evaluate_idle": {r["parcels"]: {"seconds": r["evaluate_idle"],
                                                   "peak_gib": r["peak_rss_gib"]} for r in results}},
                 command)
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
