"""The benchmark suite's own logic: sections of RESULTS.md, the growth table, fiona's plan at 1M."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import _growth  # noqa: E402
import _results  # noqa: E402

OLD = """# Benchmark results

## I/O: 100,000 parcels

old I/O text

### a sub-heading stays with its section

## Efficiency and compliance

efficiency text

## I/O: 10,000 parcels

another old one
"""


def test_replace_section_replaces_an_older_heading_in_place_and_keeps_the_others(tmp_path):
    out = tmp_path / "RESULTS.md"
    out.write_text(OLD, encoding="utf-8")
    _results.replace_section(out, "## I/O", "## I/O\n\nnew text\n", replaces=("## I/O:",))
    text = out.read_text(encoding="utf-8")
    assert text == ("# Benchmark results\n\n## I/O\n\nnew text\n\n"
                    "## Efficiency and compliance\n\nefficiency text\n")
    # a rerun replaces the new heading itself, still once
    _results.replace_section(out, "## I/O", "## I/O\n\nnewer\n", replaces=("## I/O:",))
    text = out.read_text(encoding="utf-8")
    assert text.count("## I/O") == 1 and "newer" in text and "new text" not in text
    assert text.index("## I/O") < text.index("## Efficiency")


def test_replace_section_appends_a_new_heading_and_creates_the_file(tmp_path):
    out = tmp_path / "RESULTS.md"
    _results.replace_section(out, "## A", "## A\n\na\n")
    _results.replace_section(out, "## B", "## B\n\nb\n")
    _results.replace_section(out, "## A", "## A\n\na2\n")
    assert out.read_text(encoding="utf-8") == "# Benchmark results\n\n## A\n\na2\n\n## B\n\nb\n"


def test_figures_of_a_trial_run_go_next_to_its_markdown(tmp_path):
    assert _results.figures_dir(_results.RESULTS) == BENCH / "_work" / "results"
    assert _results.figures_dir(tmp_path / "x.md") == tmp_path / "x.results"


def test_produced_by_names_make_bench_only_under_make(monkeypatch):
    monkeypatch.delenv(_results.MAKE_ENV, raising=False)
    assert _results.produced_by("/a/bench/x_bench.py", ["--sizes", "10", "20"]) == \
        "`python bench/x_bench.py --sizes 10 20`"
    monkeypatch.setenv(_results.MAKE_ENV, "1")
    assert _results.produced_by("/a/bench/x_bench.py", []) == "`make bench` (`bench/x_bench.py`)"


def test_growth_is_the_time_ratio_scaled_to_a_10x_step():
    assert _growth.growth(2.0, 20.0, 10_000, 100_000) == pytest.approx(10.0)
    assert _growth.growth(1.0, 35.0, 100_000, 1_000_000) == pytest.approx(35.0)
    # a 100× step with 100× the time is linear: 10 per 10×
    assert _growth.growth(1.0, 100.0, 1_000, 100_000) == pytest.approx(10.0)
    assert math.isnan(_growth.growth(0.0, 1.0, 10, 100))


def test_growth_section_from_two_benches_figures(tmp_path, monkeypatch):
    monkeypatch.delenv(_results.MAKE_ENV, raising=False)
    out = tmp_path / "x.md"
    _results.save_figures(out, "b_bench", "Beta", {"run": {
        10_000: {"seconds": 0.5, "peak_gib": 0.25},
        100_000: {"seconds": 4.0, "peak_gib": 1.0},
        1_000_000: {"seconds": 60.0, "peak_gib": 8.0}}}, "`python bench/b_bench.py`")
    _results.save_figures(out, "a_bench", "Alpha", {"fast": {
        10_000: {"seconds": 0.01, "peak_gib": None},
        100_000: {"seconds": 0.2, "peak_gib": 0.5}}}, "`python bench/a_bench.py`")
    figures = _growth.load_figures(_results.figures_dir(out))
    assert [f["bench"] for f in figures] == ["a_bench", "b_bench"]
    assert _growth.main(["--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.count(_growth.HEADING) == 1
    header = next(line for line in text.splitlines() if line.startswith("| bench: what was measured"))
    assert "10,000 → 100,000" in header and "100,000 → 1,000,000" in header
    # Beta: 4.0 / 0.5 = 8.0, 60 / 4 = 15.0; Alpha: 0.2 / 0.01 = 20 (marked: under 0.05 s), no 1M
    beta = [line for line in text.splitlines() if line.startswith("| Beta: run")]
    assert beta[0].endswith("| 0.50 s | 4.00 s | 60.00 s | 8.0 | 15.0 |")
    assert beta[1].endswith("| 0.25 GiB | 1.00 GiB | 8.00 GiB |")
    alpha = [line for line in text.splitlines() if line.startswith("| Alpha: fast")]
    assert alpha[0].endswith("| 0.01 s | 0.20 s | — | 20.0† | — |")
    assert alpha[1].endswith("| — | 0.50 GiB | — |")
    assert "- Beta: " in text and "`python bench/b_bench.py`" in text


def test_growth_without_figures_fails(tmp_path, capsys):
    assert _growth.main(["--out", str(tmp_path / "none.md")]) == 1
    assert "no figures" in capsys.readouterr().err


def test_fiona_at_1m_runs_once_and_only_where_it_fits():
    import io_bench

    def run(shp_s: float, gpkg_s: float) -> dict:
        return {"results": {"Shapefile": {"fiona": {"write": shp_s, "read": shp_s}},
                            "GeoPackage": {"fiona": {"write": gpkg_s, "read": gpkg_s}},
                            "GeoParquet": {"fiona": {"note": "fiona's GDAL has no Parquet driver"}}}}

    formats, runs, why = io_bench.fiona_plan(100_000, {10_000: run(1, 1)})
    assert formats == tuple(io_bench.FORMATS) and runs == 0 and why == ""
    # 100k: Shapefile 2 × 16 s → 1M projected 320 s > 300 s: dropped; GeoPackage always kept
    formats, runs, why = io_bench.fiona_plan(1_000_000, {10_000: run(1, 1), 100_000: run(16, 19)})
    assert "Shapefile" not in formats and "GeoPackage" in formats and runs == 1
    assert "Shapefile (projected 5.3 min from 100,000 parcels)" in why
    formats, runs, _why = io_bench.fiona_plan(1_000_000, {100_000: run(14, 14)})
    assert "Shapefile" in formats and runs == 1
    formats, runs, why = io_bench.fiona_plan(1_000_000, {})
    assert formats == ("GeoPackage",) and runs == 1 and "GeoPackage only" in why
