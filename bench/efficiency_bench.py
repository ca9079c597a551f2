"""Benchmark: full efficiency + compliance evaluation on 10k, 100k and 1M demo parcels.

Each size runs in its own process (so its peak RSS is its own): the demo park is generated
once into ``bench/_work/`` as GeoParquet, then a worker loads it and times

- ``baseline``: a plain pandas groupby: the year's ledger summed per parcel and divided by
  the parcel's mu (the floor for any per-mu evaluation);
- ``efficiency``: :func:`landplan.efficiency.evaluate_efficiency` (parcel view, scores, classes,
  year-on-year);
- ``compliance``: :func:`landplan.compliance.evaluate_compliance`.

Results (seconds, best of N, and the worker's peak RSS) go to ``bench/RESULTS.md`` under
"## Efficiency and compliance" (that section is replaced on a rerun).

Usage: ``python bench/efficiency_bench.py [--sizes 10000 100000 1000000] [--repeat 3]``
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
WORK = HERE / "_work" / "efficiency"
TITLE = "Efficiency and compliance"
HEADING = f"## {TITLE}"


def _prepare(n: int) -> Path:
    from landplan.demo import make_demo

    folder = WORK / str(n)
    if (folder / "ledger.parquet").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    park = make_demo(parcels=n, seed=0)
    park.parcels.to_parquet(folder / "parcels.parquet")
    park.ledger.to_parquet(folder / "ledger.parquet")
    return folder


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def worker(folder: Path, repeat: int) -> dict:
    import geopandas as gpd
    import pandas as pd

    from landplan.compliance import evaluate_compliance
    from landplan.efficiency import evaluate_efficiency
    from landplan.geometry import area_mu
    from landplan.rules import load_rules

    parcels = gpd.read_parquet(folder / "parcels.parquet")
    ledger = pd.read_parquet(folder / "ledger.parquet")
    rules = load_rules()
    year = int(ledger["year"].max())
    figures = ["tax_wan", "revenue_wan", "output_wan", "value_added_wan", "energy_tce",
               "emission_t", "rd_wan", "employees"]

    def baseline():
        mu = pd.Series(area_mu(parcels).to_numpy(), index=parcels["parcel_id"])
        sums = ledger[ledger["year"] == year].groupby("parcel_id")[figures].sum(min_count=1)
        return sums.div(mu.reindex(sums.index), axis=0)

    result = {
        "parcels": len(parcels), "ledger_rows": len(ledger),
        "baseline": _best(baseline, repeat),
        "efficiency": _best(lambda: evaluate_efficiency(parcels, ledger, rules, year=year), repeat),
        "compliance": _best(lambda: evaluate_compliance(parcels, rules), repeat),
    }
    result["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    return result


def _versions() -> str:
    import geopandas
    import numpy
    import pandas
    import shapely

    return (f"python {platform.python_version()}, pandas {pandas.__version__}, numpy {numpy.__version__}, "
            f"geopandas {geopandas.__version__}, shapely {shapely.__version__}")


def _write(results: list[dict], out: Path, repeat: int, command: str) -> None:
    lines = [
        HEADING, "",
        f"Measured {dt.date.today()} by {command} on {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.machine()}; {_versions()}.", "",
        "Demo parks (`make_demo(parcels=N, seed=0)`, ledger 2022–2025) loaded from GeoParquet; "
        f"seconds, best of {repeat}; one process per size, peak RSS of that process (data "
        "included). `baseline` is a plain pandas groupby: the latest year's ledger summed per "
        "parcel and divided by its mu. `full` = efficiency + compliance.", "",
        "| parcels | ledger rows | baseline groupby | efficiency | compliance | full | full / baseline | peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        full = r["efficiency"] + r["compliance"]
        lines.append(f"| {r['parcels']:,} | {r['ledger_rows']:,} | {r['baseline']:.2f} s | "
                     f"{r['efficiency']:.2f} s | {r['compliance']:.2f} s | {full:.2f} s | "
                     f"{full / r['baseline']:.1f}× | {r['peak_rss_gib']:.2f} GiB |")
    lines.append("")
    goal = [r for r in results if r["parcels"] >= 1_000_000]
    if goal:
        r = goal[0]
        full = r["efficiency"] + r["compliance"]
        verdict = "met" if full <= 20 and r["peak_rss_gib"] <= 6 else "NOT met"
        lines += [f"Goal (1M parcels in ≤ 20 s and ≤ 6 GB): {verdict} ({full:.1f} s, "
                  f"{r['peak_rss_gib']:.2f} GiB).", ""]
    section = "\n".join(lines)
    replace_section(out, HEADING, section)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep bench/_work/efficiency")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeat)))
        return 0
    command = produced_by(__file__)
    results = []
    for n in args.sizes:
        folder = _prepare(n)
        result = run_worker(__file__, folder, args.repeat)
        print(json.dumps(result))
        results.append(result)
    _write(results, args.out, args.repeat, command)
    save_figures(args.out, "efficiency_bench", TITLE,
                 {"efficiency + compliance": {
                     r["parcels"]: {"seconds": r["efficiency"] + r["compliance"],
                                    "peak_gib": r["peak_rss_gib"]} for r in results}},
                 command)
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
