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
    assert main(["coverage", "--workspace", str(DATA), "--routes", str(routes), "--show", "2"]) == 0
    out = capsys.readouterr().out
    assert "七通一平:" in out and "heat:" in out and "UNCONFIRMED unit cost" in out
    assert "network QA:" in out and "substations:" in out
    assert pyogrio.read_info(routes)["features"] > 0
