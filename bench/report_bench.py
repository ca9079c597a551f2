"""Benchmark: 1,000 parcel reports as HTML and as PDF (:func:`landplan.report`, ``--all``).

The demo park (``write_demo(parcels=N, seed=0)``) is written once into ``bench/_work/report/``;
then, one run each (the PDF batch takes minutes),

- ``evaluate``: the one evaluation a batch starts with (the peer: what every report is built on);
- ``bare jinja2``: the floor of templating — every row of the evaluation table rendered into a
  plain two-column HTML table by one Jinja2 template and written to one file per parcel, in
  this process (no map, no labels, no sources);
- ``html``: ``landplan.report(ws, all_parcels=True, fmt="html", workers=cores)`` — evaluation,
  preparation, N self-contained reports, index.html and summary.csv;
- ``pdf``: the same with ``fmt="pdf"`` (WeasyPrint, A4, CJK fonts embedded).

The load average of the machine before and after each run is recorded (other work on the
machine slows the runs; the section says so). Results go to ``bench/RESULTS.md`` under
"## Reports"; only that section is replaced on a rerun.

Usage: ``python bench/report_bench.py [--parcels 1000] [--workers 2] [--keep]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import produced_by, replace_section  # noqa: E402

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work" / "report"
HEADING = "## Reports"
GOAL_HTML_S = 60.0
GOAL_PDF_S = 300.0
#: ``make bench`` runs this bench at its default size (no ``--sizes``).
DEFAULT_PARCELS = 1000


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def _timed(fn) -> tuple[float, object, str, str]:
    before = _load()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result, before, _load()


def _bare_jinja(table, out: Path) -> int:
    import jinja2

    template = jinja2.Environment(autoescape=True).from_string(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>{{ pid }}</title></head><body>"
        "<table>{% for k, v in row %}<tr><td>{{ k }}</td><td>{{ v }}</td></tr>{% endfor %}</table>"
        "</body></html>")
    out.mkdir(parents=True, exist_ok=True)
    plain = table.drop(columns=table.geometry.name)
    columns = list(plain.columns)
    for values in plain.itertuples(index=False):
        pid = values[0]
        (out / f"{pid}.html").write_text(template.render(pid=pid, row=zip(columns, values, strict=True)),
                                         encoding="utf-8")
    return len(plain)


def _versions() -> str:
    import jinja2
    import weasyprint

    return f"python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, Jinja2 {jinja2.__version__}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=DEFAULT_PARCELS)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep bench/_work/report")
    args = parser.parse_args()

    import landplan
    from landplan.demo import DEMO_AS_OF, write_demo

    ws = WORK / f"park_{args.parcels}"
    if not ws.exists():
        write_demo(ws, parcels=args.parcels, seed=0)
    rows = []
    ev_s, table, b0, b1 = _timed(lambda: landplan.evaluate(ws, as_of=DEMO_AS_OF))
    rows.append(("evaluate (peer)", ev_s, f"{len(table):,} rows", b0, b1))
    print(f"evaluate {ev_s:.2f} s", flush=True)
    jj_s, n, b0, b1 = _timed(lambda: _bare_jinja(table, WORK / "bare"))
    rows.append(("bare jinja2, one process (peer)", jj_s, f"{n:,} files", b0, b1))
    print(f"bare jinja2 {jj_s:.2f} s", flush=True)
    results = {}
    for fmt in ("html", "pdf"):
        out = WORK / f"out_{fmt}"
        shutil.rmtree(out, ignore_errors=True)
        seconds, run, b0, b1 = _timed(lambda fmt=fmt, out=out: landplan.report(
            ws, all_parcels=True, fmt=fmt, out=out, as_of=DEMO_AS_OF, workers=args.workers))
        size = sum(p.stat().st_size for p in run.written.values()) / max(len(run.written), 1) / 1024
        rows.append((f"landplan report --all --format {fmt}", seconds,
                     f"{len(run.written):,} reports ({len(run.failures)} failed), {size:.0f} KiB each", b0, b1))
        results[fmt] = (seconds, len(run.written))
        print(f"{fmt} {seconds:.2f} s, {len(run.written)} written, {len(run.failures)} failed", flush=True)

    lines = [
        HEADING, "",
        f"Measured {dt.date.today()} by {produced_by(__file__)} ({args.parcels:,} parcels, {args.workers} "
        f"workers) on {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}; {_versions()}.", "",
        f"Demo park (`write_demo(parcels={args.parcels}, seed=0)`), evaluated at `DEMO_AS_OF`; seconds, one run "
        "each. `landplan report` times include its own evaluation, the preparation (map windows by STRtree), "
        f"{args.workers} worker processes, index.html and summary.csv. Load average (1/5/15 min) before and after "
        "each run: the machine is shared by several engineers, so other work was running during these "
        "runs and the times are upper bounds.", "",
        "| run | seconds | output | load before | load after |",
        "|---|---:|---|---|---|",
    ]
    for name, seconds, what, b0, b1 in rows:
        lines.append(f"| {name} | {seconds:.2f} | {what} | {b0} | {b1} |")
    lines.append("")
    html_s, html_n = results["html"]
    pdf_s, pdf_n = results["pdf"]
    scale = 1000 / max(args.parcels, 1)
    lines.append(f"Goals (1,000 HTML ≤ {GOAL_HTML_S:g} s; 1,000 PDF ≤ {GOAL_PDF_S:g} s): HTML "
                 f"{'met' if html_s * scale <= GOAL_HTML_S else 'NOT met'} ({html_s:.1f} s for {html_n:,}), PDF "
                 f"{'met' if pdf_s * scale <= GOAL_PDF_S else 'NOT met'} ({pdf_s:.1f} s for {pdf_n:,}).")
    lines += ["", f"`make bench` runs this bench at {DEFAULT_PARCELS:,} parcels (it takes no `--sizes`; "
              "not 10k/100k/1M): a report is one document per parcel for a person to read, so a "
              "batch of a PDF per parcel of a 1M-parcel park is not a meaningful use (at this run's "
              f"rate it would take {pdf_s / max(pdf_n, 1) * 1_000_000 / 86_400:.1f} days)."]
    lines.append("")
    replace_section(args.out, HEADING, "\n".join(lines))
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
