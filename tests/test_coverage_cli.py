"""landplan coverage and the coverage/terrain columns of landplan evaluate, on the demo park."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyogrio

from landplan.cli import main
from landplan.coverage import NETWORK_TYPES
from landplan.evaluate import evaluate

DATA = Path(__file__).resolve().parent.parent / "data"


def test_evaluate_has_coverage_and_terrain_columns():
    table = evaluate(DATA, as_of=dt.date(2026, 6, 30))
    for t in NETWORK_TYPES:
        assert {f"has_{t}", f"dist_{t}_m", f"ext_{t}_m", f"ext_{t}_cost_wan"} <= set(table.columns)
        gap = table[f"has_{t}"].eq(False) & table[f"dist_{t}_m"].notna()
        assert (table.loc[gap, f"ext_{t}_m"] >= table.loc[gap, f"dist_{t}_m"] - 1e-6).all()
    assert table["readiness"].notna().all()
    assert {"relief_m", "cut_m3", "fill_m3", "leveled"} <= set(table.columns)
    assert (abs(table["cut_m3"] - table["fill_m3"]) <= 1e-6 * table["cut_m3"].clip(lower=1)).all()


def test_coverage_command(tmp_path, capsys):
    routes = tmp_path / "routes.gpkg"
    assert main(["coverage", "--workspace", str(DATA), "--routes", str(routes), "--show", "2", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "heat" in out and "unconfirmed" in out.lower()
    assert "network QA:" in out and "substations:" in out and "extension routes (" in out
    assert pyogrio.read_info(routes)["features"] > 0
    assert main(["coverage", "--workspace", str(DATA), "--show", "2", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "七通一平" in out and "管网检查：" in out and "变电站容量：" in out
    assert "load_kva" not in out and "coverage.load_kva_per_mu" not in out
