"""The land economics wired to a workspace (issue 22 items 1, 2 in evaluate, 5 on the command
line): the rules' economics section, every missing key named at once, acquisition zones, the
evaluation's columns joined by parcel_id, and ``landplan economics`` on a copy of the demo park.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from landplan import labels
from landplan.cli import main
from landplan.columns import ECONOMICS, OUTPUT_NAMES
from landplan.economics_workspace import (
    MissingEconomicsInputs,
    economics_inputs,
    workspace_economics,
)
from landplan.errors import RuleError
from landplan.evaluate import evaluate
from landplan.labels import rulekeys
from landplan.rules import load_ruleset, merge_rules, render_rules
from landplan.ruleset import default_dict, rule_fields
from landplan.workspace import Workspace

AS_OF = dt.date(2025, 12, 31)
RULES = """economics:
  land_grade: 10
  land_grade_source: "test park"
  acquisition_wan_per_mu: 5
  development_wan_per_mu: 10
  retained_local_share: 0.4
  discount_rate: 0.05
  tax_lag_years: 3
"""
REQUIRED = ["economics.land_grade", "economics.land_grade_source", "economics.development_wan_per_mu",
            "economics.retained_local_share", "economics.discount_rate", "economics.tax_lag_years"]


def _copy(demo_workspace, tmp_path_factory, name: str, rules: str | None) -> str:
    path = tmp_path_factory.mktemp(name) / "ws"
    shutil.copytree(demo_workspace, path)
    (path / "rules.yaml").unlink(missing_ok=True)
    if rules is not None:
        (path / "rules.yaml").write_text(rules, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def ws_copy(demo_workspace, tmp_path_factory) -> str:
    return _copy(demo_workspace, tmp_path_factory, "econ", RULES)


@pytest.fixture(scope="module")
def evaluation(ws_copy) -> gpd.GeoDataFrame:
    return evaluate(ws_copy, as_of=AS_OF)


# -- the rules ------------------------------------------------------------------------------

def test_inputs_name_every_missing_key_never_a_guess():
    assert economics_inputs(load_ruleset()) == (None, REQUIRED)
    assert economics_inputs(default_dict())[1] == REQUIRED  # the rules dict reads the same
    given = {"land_grade": 5, "land_grade_source": "x", "development_wan_per_mu": 10, "retained_local_share": 0.4,
             "discount_rate": 0.05, "tax_lag_years": 3}
    # grade 5's national floor is UNCONFIRMED: its floor is missing, not guessed
    assert economics_inputs({"economics": {**default_dict()["economics"], **given}}) == (
        None, ["economics.floor_prices_yuan_per_m2.5"])
    inputs, missing = economics_inputs({"economics": {**default_dict()["economics"], **given,
                                                      "provincial_floor_yuan_per_m2": 375,
                                                      "provincial_floor_source": "Quzhou 2024 no. 9"}})
    assert missing == [] and inputs.base_floor_yuan_per_m2 == 375.0 and inputs.horizon_years == 50


def test_bad_economics_rules_are_named_every_one_at_once():
    bad = {"economics": {"land_grade": 16, "retained_local_share": 1.5, "development_wan_per_mu": -3,
                         "tax_lag_years": 2.5}}
    with pytest.raises(RuleError) as caught:
        merge_rules(default_dict(), bad)
    text = str(caught.value)
    for key in ("economics.land_grade:", "economics.retained_local_share:", "economics.development_wan_per_mu:",
                "economics.tax_lag_years:"):
        assert key in text
    # a provincial floor below the national floor of grade 4 (480)
    with pytest.raises(RuleError, match=r"provincial_floor_yuan_per_m2: 300 is below the national floor of grade 4 "
                                        r"\(480"):
        merge_rules(default_dict(), {"economics": {"land_grade": 4, "land_grade_source": "x",
                                                   "provincial_floor_yuan_per_m2": 300}})
    # an empty value is the economics' missing input, not a problem of the file
    merge_rules(default_dict(), {"economics": {"land_grade": 4, "provincial_floor_yuan_per_m2": 500}})


def test_the_section_is_listed_with_its_sources_and_unconfirmed_marks():
    fields = {f.path: f for f in rule_fields(section="economics")}
    unconfirmed = {p.rsplit(".", 1)[1] for p, f in fields.items()
                   if p.startswith("economics.floor_prices_yuan_per_m2.") and f.unconfirmed}
    assert unconfirmed == {"5", "7", "9", "12", "13", "14"}
    assert "307号 附件1" in fields["economics.floor_prices_yuan_per_m2.8"].source
    assert fields["economics.floor_prices_yuan_per_m2.8"].value == 252
    assert fields["economics.development_wan_per_mu"].unconfirmed
    assert fields["economics.horizon_years"].value == 50 and "§1.3" in fields["economics.horizon_years"].source
    for path in fields:  # a label and a help in both languages, no rules key in the Chinese
        for lang in labels.LANGS:
            assert rulekeys.label(path, lang) and rulekeys.help_text(path, lang)
        assert "economics" not in rulekeys.label(path, "zh") + rulekeys.help_text(path, "zh")
    assert rulekeys.label("economics.floor_prices_yuan_per_m2.8", "zh") == "8等最低价(元/平方米)"
    assert "\neconomics:  # land economics" in render_rules(None)


# -- the workspace --------------------------------------------------------------------------

def test_missing_inputs_raise_naming_every_key(demo_workspace, tmp_path_factory):
    path = _copy(demo_workspace, tmp_path_factory, "econ_missing", None)
    with pytest.raises(MissingEconomicsInputs) as caught:
        workspace_economics(path, load_ruleset(path), as_of=AS_OF)
    assert caught.value.keys == [*REQUIRED, "economics.acquisition_wan_per_mu"]


def test_zones_and_the_parcel_column_give_the_acquisition_price(demo_workspace, tmp_path_factory):
    path = _copy(demo_workspace, tmp_path_factory, "econ_zones", RULES)
    ws = Workspace(path)
    parcels = ws.read("parcels")
    x0, y0, x1, y1 = parcels.total_bounds
    west = box(x0 - 10, y0 - 10, (x0 + x1) / 2, y1 + 10)
    (ws.path / "economics").mkdir()
    gpd.GeoDataFrame({"zone_name": ["西区"], "acquisition_wan_per_mu": [7.0]}, geometry=[west],
                     crs=parcels.crs).to_file(ws.path / "economics" / "acquisition_zones.gpkg")
    own = parcels["parcel_id"].iloc[0]
    ws.write("parcels", parcels.assign(acquisition_wan_per_mu=np.where(parcels["parcel_id"] == own, 9.0, np.nan)))
    table, park = workspace_economics(path, load_ruleset(path), as_of=AS_OF)
    centre_west = parcels.geometry.centroid.x.to_numpy() < (x0 + x1) / 2
    acq = table["acquisition_wan_per_mu"]
    assert acq[own] == 9.0  # the parcel's own price wins over its zone
    others = parcels.loc[parcels["parcel_id"] != own]
    west_ids = others["parcel_id"][centre_west[others.index]]
    east_ids = others["parcel_id"][~centre_west[others.index]]
    assert (acq[west_ids] == 7.0).mean() > 0.95  # the zone covering most of the parcel
    assert (acq[east_ids] == 5.0).mean() > 0.95  # else the rules' park-wide price
    assert table.attrs["economics_items"] == ["acquisition", "development"]  # no evaluation: no extension
    assert list(park["by_zone"].index) == ["西区"]
    # the parcels of the zone: those mostly in it (a parcel across the line may fall either way)
    assert abs(park["by_zone"].loc["西区", "parcels"] - int(centre_west.sum())) <= 3


def test_a_ledger_without_tax_brings_no_return(demo_workspace, tmp_path_factory):
    path = _copy(demo_workspace, tmp_path_factory, "econ_notax", RULES)
    ws = Workspace(path)
    ws.write("ledger", ws.read("ledger").assign(tax_wan=np.nan))
    table, park = workspace_economics(path, load_ruleset(path), as_of=AS_OF)
    assert table["return_to_date_wan_per_mu"].isna().all()  # not zero
    assert set(table["econ_status"]) <= {"no_ledger", "paid_at_sale", "no_cost", "no_supply_date"}
    assert park["totals"]["return_to_date_wan"] == 0.0 and np.isnan(park["totals"]["return_to_date_wan_per_mu"])


# -- the evaluation -------------------------------------------------------------------------

def test_the_evaluation_has_the_economics_columns_joined_by_parcel_id(ws_copy, evaluation, tmp_path_factory):
    assert [c for c in OUTPUT_NAMES if c in ECONOMICS] == list(ECONOMICS)
    assert list(evaluation.columns[-len(ECONOMICS) - 1:-1]) == list(ECONOMICS)  # before the geometry
    assert evaluation.attrs["economics_missing"] == []
    assert evaluation.attrs["economics_items"] == ["acquisition", "development", "extension"]
    econ = evaluation.set_index("parcel_id")[list(ECONOMICS)]
    assert econ["econ_status"].notna().all() and econ["static_payback_years"].notna().sum() > 100
    # the same as workspace_economics of the same evaluation
    table, _park = workspace_economics(ws_copy, load_ruleset(ws_copy), as_of=AS_OF, evaluation=evaluation)
    pd.testing.assert_frame_equal(table[list(ECONOMICS)], econ, check_names=False)
    # shuffled parcels: the same values per parcel id
    shuffled_path = tmp_path_factory.mktemp("econ_shuffled") / "ws"
    shutil.copytree(ws_copy, shuffled_path)
    ws = Workspace(shuffled_path)
    parcels = ws.read("parcels")
    ws.write("parcels", parcels.iloc[np.random.default_rng(7).permutation(len(parcels))].reset_index(drop=True))
    again = evaluate(shuffled_path, as_of=AS_OF).set_index("parcel_id")[list(ECONOMICS)]
    assert list(again.index) != list(econ.index)
    pd.testing.assert_frame_equal(again.loc[econ.index], econ)


def test_without_inputs_the_columns_are_empty_and_the_cli_says_so_once(demo_workspace, tmp_path_factory, capsys):
    path = _copy(demo_workspace, tmp_path_factory, "econ_partial", "economics:\n  land_grade: 10\n"
                 "  land_grade_source: test\n  acquisition_wan_per_mu: 5\n")
    out = str(tmp_path_factory.mktemp("econ_partial_out") / "e.csv")
    assert main(["evaluate", "--workspace", path, "--as-of", "2025-12-31", "--out", out, "--lang", "en"]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "land economics" in line]
    assert lines == ["landplan: warning: the land economics lacks rules values: economics.development_wan_per_mu, "
                     f"economics.retained_local_share, economics.discount_rate, economics.tax_lag_years; set them in "
                     f"{path}/rules.yaml or on the app's rules page"]
    table = evaluate(path, as_of=AS_OF)
    assert all(table[c].isna().all() for c in ECONOMICS)
    assert table.attrs["economics_missing"] == REQUIRED[2:]


# -- the command line -----------------------------------------------------------------------

def test_cli_economics_prints_the_park_and_writes_parcel_economics(ws_copy, evaluation, tmp_path_factory, capsys):
    out = tmp_path_factory.mktemp("econ_out")
    assert main(["economics", "--workspace", ws_copy, "--as-of", "2025-12-31", "--out", str(out / "e.parquet"),
                 "--lang", "zh"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("土地投入产出（评价日期 2025-12-31，回收期限 50 年）：")
    assert "计入成本：征地、开发（七通一平）、缺失管网延伸" in printed and "  D→C：" in printed
    assert not [w for w in ("economics", "paid_back", "no_ledger", "acquisition") if w in printed]
    table, park = workspace_economics(ws_copy, load_ruleset(ws_copy), as_of=AS_OF, evaluation=evaluation)
    written = pd.read_parquet(out / "e.parquet").set_index("parcel_id")
    pd.testing.assert_frame_equal(written.drop(columns="geometry"), table, check_dtype=False, check_names=False)
    total = f"{len(table)} 宗地块，{labels.fmt(park['totals']['area_mu'], 'mu', 'zh')} 亩"
    assert total in printed
    # a table for people: Chinese headers, statuses as words
    assert main(["economics", "--workspace", ws_copy, "--as-of", "2025-12-31", "--out", str(out / "e.csv")]) == 0
    csv = pd.read_csv(out / "e.csv", encoding="utf-8-sig")
    assert {"宗地号", "静态回收期(年)", "回收状态", "低于最低价"} <= set(csv.columns)
    assert set(csv["回收状态"].dropna()) <= {labels.value("econ_status", s, "zh") for s in table["econ_status"]}


def test_cli_missing_inputs_one_line_naming_every_key(demo_workspace, tmp_path_factory):
    path = _copy(demo_workspace, tmp_path_factory, "econ_cli_missing", "economics:\n  land_grade: 5\n")
    keys = ["economics.land_grade_source", "economics.development_wan_per_mu", "economics.retained_local_share",
            "economics.discount_rate", "economics.tax_lag_years", "economics.floor_prices_yuan_per_m2.5",
            "economics.acquisition_wan_per_mu"]
    runs = {lang: subprocess.run([sys.executable, "-m", "landplan.cli", "economics", "--workspace", path, "--lang", lang],
                                 capture_output=True, text=True, timeout=120) for lang in ("en", "zh")}
    for run in runs.values():
        assert run.returncode == 2 and "Traceback" not in run.stderr and run.stdout == ""
        assert len(run.stderr.splitlines()) == 1, run.stderr
    assert all(k in runs["en"].stderr for k in keys)
    zh = runs["zh"].stderr
    assert all(rulekeys.label(k, "zh") in zh for k in keys) and "economics." not in zh
    assert f"{path}/rules.yaml" in zh


@pytest.mark.parametrize("rules", ["economics:\n  land_grade: 0\n", "economics:\n  development_wan_per_mu: -10\n",
                                   "economics:\n  retained_local_share: abc\n"])
def test_cli_bad_rules_exit_2_without_traceback(demo_workspace, tmp_path_factory, rules, capsys):
    path = _copy(demo_workspace, tmp_path_factory, "econ_bad", rules)
    assert main(["economics", "--workspace", path]) == 2
    err = capsys.readouterr().err
    key = rules.split("\n")[1].split(":")[0].strip()
    assert f"economics.{key}:" in err and len(err.splitlines()) == 1


def test_the_demo_park_has_its_economics_inputs(repo_root, tmp_path):
    from landplan.demo import DEMO_RULES_TEXT, write_demo_rules

    assert (repo_root / "data" / "rules.yaml").read_text(encoding="utf-8") == DEMO_RULES_TEXT
    inputs, missing = economics_inputs(load_ruleset(repo_root / "data"))
    assert missing == [] and inputs.land_grade == 10 and inputs.earthwork_yuan_per_m3 == 20
    assert load_ruleset(repo_root / "data").economics.illustrative is True
    assert all("demo park's illustrative input, not a sourced figure" in line
               for line in DEMO_RULES_TEXT.splitlines() if line.startswith("  "))
    assert write_demo_rules(tmp_path) == tmp_path / "rules.yaml"
    (tmp_path / "rules.yaml").write_text("idle:\n  fee_rate: 0.25\n", encoding="utf-8")
    assert write_demo_rules(tmp_path) is None  # a park's own rules are never replaced
    assert "fee_rate: 0.25" in (tmp_path / "rules.yaml").read_text(encoding="utf-8")


def test_the_basis_names_every_input_with_its_marks(repo_root):
    from wordcheck import codes_in

    from landplan.economics_workspace import basis_line, economics_basis, economics_caveat

    demo = load_ruleset(repo_root / "data")
    basis = economics_basis(demo, "zh")
    assert basis["key"].tolist()[:2] == ["economics.land_grade", "economics.floor_prices_yuan_per_m2.10"]
    assert basis.set_index("key").loc["economics.development_wan_per_mu", "value"] == "10.00 万元/亩"
    # the demo's own values are marked illustrative; the 307号 floor and the 50-year horizon are not
    assert basis.loc[basis["illustrative"], "key"].str.split(".").str[1].tolist() == [
        "land_grade", "acquisition_wan_per_mu", "development_wan_per_mu", "earthwork_yuan_per_m3",
        "retained_local_share", "discount_rate", "tax_lag_years"]
    assert economics_caveat(demo, "zh") and economics_caveat(load_ruleset(), "zh") == ""
    line = basis_line(demo, "zh")
    assert "演示假设值" in line and "168 元/平方米" in line and not codes_in(line)
    # the shipped rules: empty inputs read "not set", UNCONFIRMED defaults are marked
    shipped = economics_basis(load_ruleset(), "en").set_index("key")
    assert shipped.loc["economics.development_wan_per_mu", ["value", "unconfirmed"]].tolist() == ["not set", True]
    assert shipped.loc["economics.earthwork_yuan_per_m3", "value"] == "not set, earthworks not counted"
    assert not shipped["illustrative"].any()


def test_an_xlsx_with_economics_figures_carries_their_inputs(demo_workspace, tmp_path_factory, capsys):
    from landplan.demo import DEMO_RULES_TEXT

    path = _copy(demo_workspace, tmp_path_factory, "econ_xlsx", DEMO_RULES_TEXT)
    out = tmp_path_factory.mktemp("econ_xlsx_out")
    assert main(["economics", "--workspace", path, "--as-of", "2025-12-31", "--out", str(out / "e.xlsx")]) == 0
    sheets = pd.read_excel(out / "e.xlsx", sheet_name=None)
    basis = sheets["测算依据"]
    assert list(basis.columns) == ["输入", "取值", "标注", "来源"]
    assert basis.iloc[0, 0].startswith("注意：本园区土地投入产出的输入") and "演示园区的假设值" in basis.iloc[0, 0]
    assert basis.set_index("输入").loc["开发成本", ["取值", "标注"]].tolist() == ["10.00 万元/亩", "演示假设值"]
    # no economics figure (inputs missing): no such sheet
    partial = _copy(demo_workspace, tmp_path_factory, "econ_xlsx_none", None)
    assert main(["evaluate", "--workspace", partial, "--as-of", "2025-12-31", "--out", str(out / "ev.xlsx")]) == 0
    assert "测算依据" not in pd.read_excel(out / "ev.xlsx", sheet_name=None)
    capsys.readouterr()
