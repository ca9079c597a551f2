"""Benchmark: land economics (landplan.economics) against the 亩均 evaluation on the same park.

Each size runs in its own process: the demo park (``make_demo(parcels=N, seed=0)``) is
generated once as GeoParquet by ``bench/efficiency_bench.py``'s own preparation (the same
files, in ``bench/_work/efficiency/``), then a worker loads it and times,
in the same run on the same frames,

- ``efficiency``: :func:`landplan.efficiency.evaluate_efficiency` (as ``bench/efficiency_bench.py``);
- ``economics``: :func:`landplan.economics.parcel_economics` (cost, ledger return, static and
  discounted payback, floor check) then :func:`landplan.economics.park_economics` (totals,
  payback classes).

The cost frame the economics reads is one row per parcel with an acquisition price, an
extension cost and an earthwork cost drawn from a fixed seed (timing only: these are not
figures of any park); the inputs are fixed test values (grade 8, development 10 万元/亩, share
0.45, rate 5 %).

Results (seconds, best of N, the worker's peak RSS) go to ``bench/RESULTS.md`` under
"## Land economics" (that section is replaced on a rerun). Goal (issue 22): economics within
2× the time of the 亩均 evaluation at 1,000,000 parcels.

Usage: ``python bench/economics_bench.py [--sizes 10000 100000 1000000] [--repeat 3]``
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import produced_by, replace_section, run_worker, save_figures  # noqa: E402
from efficiency_bench import WORK, _best, _prepare  # noqa: E402  (the same demo park, the same timer)

HERE = Path(__file__).resolve().parent
TITLE = "Land economics"
HEADING = f"## {TITLE}"
GOAL_RATIO = 2.0


def worker(folder: Path, repeat: int) -> dict:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from landplan.economics import EconomicsInputs, parcel_economics, park_economics
    from landplan.efficiency import evaluate_efficiency
    from landplan.rules import load_ruleset

    parcels = gpd.read_parquet(folder / "parcels.parquet")
    ledger = pd.read_parquet(folder / "ledger.parquet")
    rules = load_ruleset()
    year = int(ledger["year"].max())
    rng = np.random.default_rng(0)
    n = len(parcels)
    costs = pd.DataFrame({  # shuffled: the join is by parcel_id
        "parcel_id": parcels["parcel_id"].to_numpy()[rng.permutation(n)],
        "acquisition_wan_per_mu": rng.uniform(5.0, 15.0, n),
        "extension_cost_wan": rng.uniform(0.0, 200.0, n),
        "earthwork_cost_wan": rng.uniform(0.0, 50.0, n),
    })
    inputs = EconomicsInputs(land_grade=8, land_grade_source="bench", development_wan_per_mu=10.0,
                             retained_local_share=0.45, discount_rate=0.05, tax_lag_years=2)
    as_of = dt.date(year, 12, 31)

    def economics():
        table = parcel_economics(parcels, ledger, costs, inputs, as_of=as_of)
        return table, park_economics(table)

    eff_s = _best(lambda: evaluate_efficiency(parcels, ledger, rules, year=year), repeat)
    econ_s = _best(economics, repeat)
    table, park = economics()
    result = {
        "parcels": n, "ledger_rows": len(ledger), "efficiency": eff_s, "economics": econ_s,
        "statuses": {k: int(v) for k, v in table["econ_status"].value_counts().items()},
        "net_outlay_wan": park["totals"]["net_outlay_wan"],
    }
    result["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    return result


def _versions() -> str:
    import numpy
    import pandas

    return f"python {platform.python_version()}, pandas {pandas.__version__}, numpy {numpy.__version__}"


def _write(results: list[dict], out: Path, repeat: int, command: str) -> None:
    lines = [
        HEADING, "",
        f"Measured {dt.date.today()} by {command} on {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.machine()}; {_versions()}.", "",
        "Demo parks (`make_demo(parcels=N, seed=0)`) loaded from GeoParquet; seconds, best of "
        f"{repeat}; one process per size, both timed in the same process on the same frames; peak "
        "RSS of that process (data included). `efficiency` = `evaluate_efficiency` (亩均 evaluation "
        "of the latest year); `economics` = `parcel_economics` (cost, the ledger's local tax by "
        "year, static and discounted payback, floor check) + `park_economics`, with a per-parcel "
        "cost frame (seeded random figures, timing only) joined by parcel_id.", "",
        "| parcels | ledger rows | efficiency | economics | economics / efficiency | peak RSS |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['parcels']:,} | {r['ledger_rows']:,} | {r['efficiency']:.2f} s | "
                     f"{r['economics']:.2f} s | {r['economics'] / r['efficiency']:.2f}× | "
                     f"{r['peak_rss_gib']:.2f} GiB |")
    lines.append("")
    big = max(results, key=lambda r: r["parcels"])
    ratio = big["economics"] / big["efficiency"]
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    scope = "" if big["parcels"] >= 1_000_000 else f" (measured at {big['parcels']:,} parcels, not 1,000,000)"
    lines += [f"Goal (economics within {GOAL_RATIO:g}× the 亩均 evaluation at 1,000,000 parcels): "
              f"{verdict}{scope} ({ratio:.2f}×).", ""]
    replace_section(out, HEADING, "\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep bench/_work/efficiency (the parks)")
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
    save_figures(args.out, "economics_bench", TITLE,
                 {"economics": {r["parcels"]: {"seconds": r["economics"], "peak_gib": r["peak_rss_gib"]}
                                for r in results}},
                 command)
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
