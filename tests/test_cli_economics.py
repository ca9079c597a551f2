"""The command line of the land economics (issue 22): ``landplan screen --payback-weight``,
``landplan economics``' basis, caveat, zones and words, and the import of a parcel's 区片综合地价."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from landplan.cli import main

DATA = Path(__file__).resolve().parent.parent / "data"
AS_OF = "2026-06-30"
# the demo park's illustrative inputs (data/rules.yaml), written here so the test holds them fixed
ECONOMICS = ("economics:\n  land_grade: 10\n  land_grade_source: demo\n  acquisition_wan_per_mu: 5\n"
             "  development_wan_per_mu: 10\n  retained_local_share: 0.4\n  discount_rate: 0.05\n"
             "  tax_lag_years: 3\n")


@pytest.fixture(scope="module")
def park(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("cli_econ") / "ws"
    shutil.copytree(DATA, ws)
    return ws


def _ranked(ws: Path, out: Path, weight_in_rules: float | None, *flag: str) -> list[str]:
    rules = ECONOMICS + ("" if weight_in_rules is None else
                         f"screening:\n  score_weights:\n    payback: {weight_in_rules:g}\n")
    (ws / "rules.yaml").write_text(rules, encoding="utf-8")
    # a project whose three fitting sites differ in payback (4.4, 6.7 and 6.0 years)
    rc = main(["screen", "--workspace", str(ws), "--as-of", AS_OF, "--industry", "39", "--area-mu", "22",
               "--tax-wan", "600", "--needs", "road,water,power", *flag, "--out", str(out)])
    assert rc in (0, 3)
    return pd.read_csv(out, dtype={"parcel_id": str})["parcel_id"].tolist()


def test_payback_weight_flag_reorders_like_the_rules_key_and_wins_over_it(park, tmp_path, capsys):
    out = tmp_path / "sites.csv"
    plain = _ranked(park, out, None)
    by_rules = _ranked(park, out, 200)
    assert len(plain) == 3 and by_rules != plain and sorted(by_rules) == sorted(plain)
    assert _ranked(park, out, None, "--payback-weight", "200") == by_rules
    assert _ranked(park, out, 200, "--payback-weight", "0") == plain  # the flag wins over the rules file
    capsys.readouterr()


@pytest.mark.parametrize("bad", ["-1", "abc", "inf"])
def test_a_bad_payback_weight_is_one_line_naming_the_flag(park, capsys, bad):
    with pytest.raises(SystemExit) as stop:  # argparse: before the workspace is read
        main(["screen", "--workspace", str(park), "--industry", "39", "--payback-weight", bad])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--payback-weight" in err[0] and bad in err[0]
