"""Project screening and site selection (landplan.screen, ``landplan screen``)."""

from __future__ import annotations

import copy
import hashlib
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, box
from wordcheck import cjk_in, codes_in

from landplan import Workspace, labels
from landplan.cli import main
from landplan.errors import InputFileError, LandplanError
from landplan.evaluate import evaluate
from landplan.rules import load_rules
from landplan.screen import (
    EXIT_REFUSED,
    check_project,
    make_project,
    parcel_conflicts,
    park_values,
    rank_sites,
    read_project,
    screen_project,
    tables_for,
)

DATA = Path(__file__).resolve().parent.parent / "data"
AS_OF = "2026-06-30"
X0, Y0 = 39_512_000.0, 3_521_000.0


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo_table():
    import datetime as dt

    return evaluate(DATA, as_of=dt.date(2026, 6, 30))


@pytest.fixture(scope="module")
def valid_result():
    import datetime as dt

    project = make_project({"行业代码": "38", "用地面积(亩)": 22, "总投资(万元)": 9000,
                            "预计税收(万元)": 550, "所需配套": "三通一平", "关联行业": "38"})
    return screen_project(project, DATA, as_of=dt.date(2026, 6, 30))


# --------------------------------------------------------------------------------------------
# the demo park (acceptance)
# --------------------------------------------------------------------------------------------

def test_project_under_the_tax_threshold_is_refused_with_the_reason(demo_table, capsys):
    args = ["screen", "--workspace", str(DATA), "--as-of", AS_OF, "--industry", "39",
            "--area-mu", "22", "--investment-wan", "9000", "--tax-wan", "300"]
    rc = main([*args, "--lang", "zh"])
    out = capsys.readouterr()
    assert rc == EXIT_REFUSED == 3
    assert out.err == ""
    # the park value, by hand from the evaluation: Σ tax / Σ area over the graded parcels with tax
    graded = demo_table[demo_table["efficiency_class"].notna() & demo_table["tax_wan"].notna()]
    park_tax = graded["tax_wan"].sum() / graded["area_mu"].sum()
    assert 15 < park_tax < 30
    assert "准入检查：不予准入" in out.out.splitlines()
    unmet = [line for line in out.out.splitlines() if line.startswith("  ✗ ")]
    assert len(unmet) == 1
    # the reason as a sentence with its basis and source, numbers as labels.fmt rounds them
    assert unmet[0] == (f"  ✗ 亩均税收 {300 / 22:.2f} 万元/亩，低于准入门槛 {park_tax:.2f} 万元/亩（园区现值 = "
                        f"{len(graded)}宗参评地块税收合计 ÷ 面积合计（{graded['area_mu'].sum():,.2f} 亩，2025年台账）；"
                        "来源：无全国统一的准入标准，取园区现值使新项目不拉低园区亩均（landplan 规则选择））")
    assert codes_in(out.out, allowed=set(demo_table["parcel_id"])) == []
    # one language per call: the rules key and the English words stay out
    assert "screening." not in out.out and "REFUSED" not in out.out
    assert main([*args, "--lang", "en"]) == EXIT_REFUSED
    en = capsys.readouterr().out
    assert f"  ✗ tax per mu {300 / 22:.2f} 10k CNY/mu, below the entry threshold {park_tax:.2f} 10k CNY/mu" in en
    assert "Entry check: refused" in en.splitlines()


def test_valid_project_gets_ranked_reserve_parcels(valid_result, demo_table):
    r = valid_result
    assert r.admitted and r.unmet.empty
    assert set(r.checks["check"]) == {"investment_per_mu_wan", "tax_per_mu_wan"}
    sites = r.sites
    assert len(sites) >= 3
    status = demo_table.set_index("parcel_id")["status"]
    assert (status.reindex(sites["parcel_id"]) == "reserve").all()
    reserve = set(demo_table.loc[demo_table["status"] == "reserve", "parcel_id"])
    assert set(sites["parcel_id"]) | set(r.excluded["parcel_id"]) == reserve
    assert r.supplyable == len(reserve)
    assert ((sites["area_mu"] - 22).abs() <= 0.2 * 22 + 1e-9).all()
    for column in ("area_mu", "readiness", "ext_cost_wan", "cut_m3", "fill_m3", "score"):
        assert sites[column].notna().all(), column
    assert sites["rank"].tolist() == list(range(1, len(sites) + 1))
    assert sites["score"].is_monotonic_decreasing
    # the extension cost is the sum of the needed utilities' costs of the evaluation
    ev = demo_table.set_index("parcel_id")
    needed = ev.loc[sites["parcel_id"], ["ext_road_cost_wan", "ext_water_cost_wan",
                                         "ext_power_cost_wan"]].sum(axis=1).to_numpy()
    np.testing.assert_allclose(sites["ext_cost_wan"].to_numpy(), needed)
    np.testing.assert_allclose(sites["cut_m3"].to_numpy(), ev.loc[sites["parcel_id"], "cut_m3"].to_numpy())
    first = sites.iloc[0]
    assert first["explanation_zh"].startswith(f"第1名 {first['parcel_id']}：面积")
    assert "得分 = 100 × (面积匹配 20×" in first["explanation_zh"] and "毗邻" in first["explanation_zh"]
    assert first["explanation_en"].startswith(f"#1 {first['parcel_id']}: ")
    assert np.isfinite(sites["neighbour_distance_m"]).all()


def test_cli_writes_the_ranked_sites(tmp_path, capsys, valid_result):
    args = ["screen", "--workspace", str(DATA), "--as-of", AS_OF, "--industry", "38",
            "--area-mu", "22", "--investment-wan", "9000", "--tax-wan", "550", "--needs", "三通一平",
            "--related-industry", "38"]
    for suffix in (".csv", ".xlsx", ".gpkg"):
        out = tmp_path / f"sites{suffix}"
        assert main([*args, "--lang", "zh", "--out", str(out)]) == 0
        text = capsys.readouterr().out
        assert "准入检查：准入" in text and text.index("准入检查") < text.index("\n选址：")
    csv = pd.read_csv(tmp_path / "sites.csv", encoding="utf-8-sig", dtype={"parcel_id": str})
    assert csv["parcel_id"].tolist() == valid_result.sites["parcel_id"].tolist()
    book = openpyxl.load_workbook(tmp_path / "sites.xlsx", read_only=True)
    assert book.sheetnames == ["选址排序", "准入检查", "未入选的可供地块", "选址得分构成"]
    rows = list(book["选址排序"].iter_rows(values_only=True))
    assert {"排名", "宗地号", "面积(亩)", "配套水平", "挖方(立方米)", "选址得分", "排名说明"} <= set(rows[0])
    # numbers stay numbers in the workbook, rounded to their unit's decimals
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["面积(亩)"] == round(valid_result.sites["area_mu"].iloc[0], 2)
    assert first["排名说明"] == valid_result.sites["explanation_zh"].iloc[0]
    gpkg = pyogrio.read_dataframe(tmp_path / "sites.gpkg", layer="sites")
    assert len(gpkg) == len(valid_result.sites) and gpkg.geometry.notna().all()
    assert main([*args, "--top", "2", "--out", str(tmp_path / "top.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "top.csv")) == 2


def test_tables_for_people_in_chinese_and_english(demo_table):
    """Issue 19: the screening's tables read in the planner's words: catalogue headers, coded
    values as labels, numbers as labels.fmt rounds them, reasons as sentences with their source;
    no code or rules key in Chinese, no Chinese outside data values in English."""
    import datetime as dt

    project = make_project({"行业代码": "38", "用地面积(亩)": 22, "总投资(万元)": 9000, "预计税收(万元)": 300,
                            "容积率": 0.8, "所需配套": "三通一平", "关联行业": "38"})
    result = screen_project(project, DATA, as_of=dt.date(2026, 6, 30))
    assert not result.admitted and len(result.sites) >= 3 and len(result.excluded)
    graded = demo_table[demo_table["efficiency_class"].notna() & demo_table["tax_wan"].notna()]
    park_tax = graded["tax_wan"].sum() / graded["area_mu"].sum()
    first = result.sites.iloc[0]
    ev = demo_table.set_index("parcel_id").loc[first["parcel_id"]]
    cost = ev[["ext_road_cost_wan", "ext_water_cost_wan", "ext_power_cost_wan"]].sum()  # by hand
    ids = set(demo_table["parcel_id"])
    data = ids | set(demo_table["holder"].dropna()) | set(Workspace(DATA).read("ledger")["name"].dropna())
    layers = {"checks": "checks", "sites": "sites", "excluded": "excluded", "score": "score"}
    for lang in ("zh", "en"):
        tables = tables_for(result, lang)
        assert list(tables) == ["checks", "sites", "excluded", "score"]
        for name, table in tables.items():
            headers = set(table.columns)
            assert headers <= {labels.t(k, lang) for k in labels.catalogue() if k.startswith(f"col.{layers[name]}.")}
            assert not headers & {"check", "label_zh", "met", "ext_cost_wan", "reason_zh", "explanation_en"}
        checks = tables["checks"].set_index(labels.t("col.checks.indicator", lang))
        tax = checks.loc[labels.value("screen_indicator", "tax_per_mu_wan", lang)]
        unit = labels.t("unit.wan_per_mu", lang)
        assert tax[labels.t("col.checks.project_value", lang)] == f"{300 / 22:.2f} {unit}"
        assert tax[labels.t("col.checks.requirement", lang)] == f"≥ {park_tax:.2f} {unit}"
        assert tax[labels.t("col.checks.result", lang)] == labels.t("val.screen_result.not_met", lang)
        assert checks.loc[labels.value("compliance_indicator", "floor_area_ratio", lang),
                          labels.t("col.checks.requirement", lang)] == "≥ 0.70"  # 2017 38 = 2002 39: 0.7
        sites = tables["sites"]
        row = sites.iloc[0]
        assert row[labels.t("col.sites.parcel_id", lang)] == first["parcel_id"]
        assert row[labels.t("col.sites.ext_cost_wan", lang)] == f"{cost:,.2f}"
        assert row[labels.t("col.sites.area_mu", lang)] == f"{first['area_mu']:,.2f}"
        assert row[labels.t("col.sites.score", lang)] == f"{first['score']:.1f}"
        assert row[labels.t("col.sites.explanation", lang)] == first[f"explanation_{lang}"]
        score = tables["score"]
        assert len(score) == 6 and score[labels.t("col.score.meaning", lang)].str.len().gt(10).all()
        text = "\n".join(["\n".join(map(str, t.columns)) + "\n" + t.astype(str).to_csv(index=False)
                          for t in tables.values()] + result.lines(lang=lang))
        if lang == "zh":
            assert "未达标" in set(checks[labels.t("col.checks.result", lang)])
            assert codes_in(text, allowed=ids) == []
            assert "screening." not in text and "UNCONFIRMED" not in text
        else:
            assert cjk_in(text, data=data) == []


def _ranking(sites: pd.DataFrame) -> list[tuple]:
    return list(zip(sites["parcel_id"], sites["score"], sites["explanation_zh"], strict=True))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_ranking_does_not_depend_on_row_order(demo_table, valid_result, seed):
    rules = load_rules(DATA)
    ws = Workspace(DATA)
    ledger = ws.read("ledger")
    roads, lines = ws.read("roads"), ws.read("powerlines")
    order = np.random.default_rng(seed).permutation(len(demo_table))
    shuffled = demo_table.iloc[order].reset_index(drop=True)
    sites, excluded = rank_sites(shuffled, valid_result.project, rules, need_mu=22.0, roads=roads.sample(
        frac=1, random_state=seed % 1000), powerlines=lines, ledger=ledger.sample(frac=1, random_state=seed % 997))
    assert _ranking(sites) == _ranking(valid_result.sites)
    assert excluded["parcel_id"].tolist() == valid_result.excluded["parcel_id"].tolist()


def test_whole_screen_unchanged_on_a_shuffled_workspace(tmp_path, valid_result):
    import datetime as dt

    ws_path = tmp_path / "ws"
    shutil.copytree(DATA, ws_path)
    ws = Workspace(ws_path)
    parcels = ws.read("parcels")
    ws.write("parcels", parcels.iloc[np.random.default_rng(7).permutation(len(parcels))])
    ledger = ws.read("ledger")
    ws.write("ledger", ledger.iloc[np.random.default_rng(8).permutation(len(ledger))])
    again = screen_project(valid_result.project, ws_path, as_of=dt.date(2026, 6, 30))
    assert _ranking(again.sites) == _ranking(valid_result.sites)
    np.testing.assert_allclose(again.checks["threshold"], valid_result.checks["threshold"], rtol=1e-12)


# --------------------------------------------------------------------------------------------
# bad input: one line, exit 2, nothing written
# --------------------------------------------------------------------------------------------

def _bad_files(tmp: Path) -> dict[str, Path]:
    (tmp / "garbage.xlsx").write_bytes(b"this is not a workbook")
    (tmp / "bad.yaml").write_text("行业代码: 39\n用地面积(亩): [1, 2\n", encoding="utf-8")
    (tmp / "nounit.yaml").write_text("行业代码: 39\n用地面积: 30\n总投资: 9000\n", encoding="utf-8")
    (tmp / "unknown.yaml").write_text("行业代码: 99\n用地面积(亩): 30\n", encoding="utf-8")
    return {p.name: p for p in tmp.iterdir()}


@pytest.mark.parametrize(("extra", "message"), [
    (["--industry", "99", "--area-mu", "22"], "--industry: unknown industry code '99'"),
    (["--industry", "A39", "--area-mu", "22"], "--industry: unknown industry code 'A39'"),
    (["--industry", "39", "--area-mu", "-5"], "--area-mu: '-5' is negative"),
    (["--industry", "39", "--area-mu", "22", "--needs", "water,wifi"], "--needs: unknown utility 'wifi'"),
    (["--industry", "39", "--area-mu", "22", "--neighbour", "无此企业"], "--neighbour: '无此企业' is no parcel"),
    (["--industry", "39"], "give the land need"),
    (["--industry", "39", "--area-mu", "22", "--out", "sites.txt"], "--out sites.txt: write .csv, .xlsx or .gpkg"),
    (["--project", "garbage.xlsx"], "garbage.xlsx: cannot be read as an XLSX workbook"),
    (["--project", "bad.yaml"], "bad.yaml, line 3: is not valid YAML"),
    (["--project", "nounit.yaml"], "nounit.yaml, field 用地面积: write the unit of the land need"),
    (["--project", "unknown.yaml"], "unknown.yaml, field 行业代码: unknown industry code '99'"),
    (["--project", "missing.yaml"], "missing.yaml: no such project file"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, monkeypatch, extra, message):
    ws_path = tmp_path / "ws"
    shutil.copytree(DATA, ws_path)
    inputs = tmp_path / "in"
    inputs.mkdir()
    _bad_files(inputs)
    monkeypatch.chdir(inputs)
    before = _snapshot(ws_path)
    files_before = sorted(p.name for p in inputs.iterdir())
    out = ["--out", "sites.csv"] if "--out" not in extra else []
    rc = main(["screen", "--workspace", str(ws_path), "--as-of", AS_OF, *extra, *out])
    err = capsys.readouterr().err
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("landplan: error: ")
    assert message in err
    assert _snapshot(ws_path) == before
    assert sorted(p.name for p in inputs.iterdir()) == files_before  # no output file


def test_bad_rules_are_exit_2(tmp_path, capsys):
    ws_path = tmp_path / "ws"
    shutil.copytree(DATA, ws_path)
    (ws_path / "rules.yaml").write_text('screening:\n  by_industry:\n    "39": {tax_per_m: 30}\n',
                                        encoding="utf-8")
    rc = main(["screen", "--workspace", str(ws_path), "--as-of", AS_OF, "--industry", "39",
               "--area-mu", "22", "--tax-wan", "600", "--investment-wan", "9000"])
    err = capsys.readouterr().err
    assert rc == 2 and "screening.by_industry.39.tax_per_m: unknown key, not an entry threshold (allowed: " in err


# --------------------------------------------------------------------------------------------
# reading a project
# --------------------------------------------------------------------------------------------

def test_project_from_options_and_units():
    p = make_project({"industry_code": "C3911", "area_m2": "20000", "investment": "1.2亿元",
                      "预计税收（万元）": "450", "needs": ["排水", "电", "场平"], "容积率": 1.2})
    assert p.industry_code == "39"
    assert p.area_mu == pytest.approx(30.0)
    assert p.investment_wan == pytest.approx(12000.0)
    assert p.tax_wan == 450.0 and p.floor_area_ratio == 1.2
    assert p.needs == ("sewer", "storm", "power", "leveled")
    assert make_project({"行业代码": 7, "用地面积": "30亩"}).industry_code == "07"
    assert make_project({"行业代码": "39", "用地面积(公顷)": 2}).area_mu == pytest.approx(30.0)
    with pytest.raises(LandplanError, match="given twice"):
        make_project({"行业代码": "39", "area_mu": 3, "用地面积(亩)": 3})
    with pytest.raises(LandplanError, match="industry code is required"):
        make_project({"用地面积(亩)": 3})
    with pytest.raises(LandplanError, match="land need must be > 0"):
        make_project({"行业代码": "39", "用地面积(亩)": 0})


def test_project_from_yaml_and_xlsx(tmp_path):
    yml = tmp_path / "p.yaml"
    yml.write_text("项目:\n  项目名称: 新能源电池\n  行业代码: '38'\n  用地面积(亩): 50\n  总投资(亿元): 2\n"
                   "  预计税收(万元): 1500\n  所需配套: [给水, 电力, 道路]\n  联系人: 张三\n", encoding="utf-8")
    p = read_project(yml)
    assert (p.name, p.industry_code, p.area_mu, p.investment_wan, p.tax_wan) == ("新能源电池", "38", 50.0, 20000.0, 1500.0)
    assert p.needs == ("road", "water", "power") and p.ignored == ("联系人",)
    assert read_project(yml, overrides={"--tax-wan": "900"}).tax_wan == 900.0

    wide = tmp_path / "wide.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["拟引进项目登记表"])  # a title row above the header
    sheet.append(["项目名称", "行业代码", "用地面积(亩)", "总投资(万元)", "预计税收(万元)", "预计产值(万元)", "所需配套"])
    sheet.append(["电子", "C39", 30, 12000, 900, 15000, "五通一平"])
    book.save(wide)
    p = read_project(wide)
    assert (p.industry_code, p.area_mu, p.output_wan) == ("39", 30.0, 15000.0)
    assert p.needs == ("road", "water", "gas", "power", "telecom", "leveled")

    tall = tmp_path / "tall.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["字段", "值"], ["行业代码", "34"], ["用地面积(平方米)", 20000], ["总投资(万元)", 8000],
                ["关联企业", "甲公司、乙公司"]):
        sheet.append(row)
    book.save(tall)
    p = read_project(tall)
    assert (p.industry_code, p.area_mu, p.neighbours) == ("34", pytest.approx(30.0), ("甲公司", "乙公司"))

    two = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["行业代码", "用地面积(亩)"])
    sheet.append(["39", 10])
    sheet.append(["38", 12])
    book.save(two)
    with pytest.raises(InputFileError, match="one project per sheet, found 2 rows"):
        read_project(two)


# --------------------------------------------------------------------------------------------
# hand-made cases: thresholds, score, conflicts
# --------------------------------------------------------------------------------------------

def _park(tax=20.0, investment=300.0, output=500.0):
    return {name: {"value": v, "parcels": 3, "area_mu": 30.0, "year": 2025}
            for name, v in (("tax_per_mu_wan", tax), ("investment_per_mu_wan", investment),
                            ("output_per_mu_wan", output))}


def test_park_values_are_ratios_of_sums_over_graded_parcels():
    table = pd.DataFrame({"area_mu": [10.0, 20.0, 5.0, 8.0], "tax_wan": [100.0, 300.0, 9999.0, np.nan],
                          "invested_wan": [3000.0, np.nan, 1.0, 800.0], "output_wan": [1.0, 2.0, 3.0, 4.0],
                          "efficiency_class": ["A", "B", None, "C"], "year": [2025] * 4})
    park = park_values(table)
    assert park["tax_per_mu_wan"]["value"] == pytest.approx(400 / 30)
    assert park["tax_per_mu_wan"]["parcels"] == 2
    assert park["investment_per_mu_wan"]["value"] == pytest.approx(3800 / 18)
    assert park["output_per_mu_wan"]["value"] == pytest.approx(7 / 38)


def test_threshold_checks_by_hand():
    rules = load_rules()
    p = make_project({"行业代码": "39", "用地面积(亩)": 10, "总投资(万元)": 3000, "预计税收(万元)": 199,
                      "容积率": 0.8})
    checks = check_project(p, rules, _park()).set_index("check")
    inv = checks.loc["investment_per_mu_wan"]
    assert inv["project_value"] == 300.0 and inv["threshold"] == 300.0 and inv["met"]  # equal meets
    tax = checks.loc["tax_per_mu_wan"]
    assert tax["project_value"] == pytest.approx(19.9) and tax["threshold"] == 20.0 and not tax["met"]
    assert tax["unit"] == "wan_per_mu" and tax["source"].startswith("source: landplan rule choice")
    assert tax["result"] == "not_met" and tax["reason_zh"].startswith("亩均税收 19.90 万元/亩，低于准入门槛 20.00 万元/亩（")
    far = checks.loc["floor_area_ratio_min"]
    assert (far["threshold"], far["met"], far["rules_key"]) == (1.0, False, "compliance.thresholds.40.floor_area_ratio_min")
    # its source as the analyses' reasons name it: the 2008 table, the industry and its row there
    assert far["reason_zh"] == "容积率 0.80，低于控制下限 1.00（《工业项目建设用地控制指标》2008，行业 39（表中 40））"
    assert "output_per_mu_wan" not in checks.index  # off by default

    local = copy.deepcopy(rules)
    local["screening"]["by_industry"] = {"39": {"tax_per_mu_wan": 15}}
    local["screening"]["entry_thresholds"]["output_per_mu_wan"]["check"] = True
    local["screening"]["entry_thresholds"]["investment_per_mu_wan"]["value"] = 400
    checks = check_project(p, local, _park()).set_index("check")
    assert checks.loc["tax_per_mu_wan", "met"] and checks.loc["tax_per_mu_wan", "threshold"] == 15
    assert checks.loc["tax_per_mu_wan", "rules_key"] == "screening.by_industry.39.tax_per_mu_wan"
    assert not checks.loc["investment_per_mu_wan", "met"] and checks.loc["investment_per_mu_wan", "threshold"] == 400
    out = checks.loc["output_per_mu_wan"]
    assert not out["met"] and out["result"] == "not_stated"
    assert out["reason_en"].startswith("output per mu not stated: counts as not met (entry threshold ≥ 500.00 10k CNY/mu)")
    # no ledger: no park value, the check is listed but does not count
    nan = check_project(p, rules, _park(tax=float("nan"))).set_index("check")
    assert pd.isna(nan.loc["tax_per_mu_wan", "met"]) and nan.loc["tax_per_mu_wan", "result"] == "no_threshold"


def test_land_need_derived_from_investment(tmp_path):
    from landplan.screen import _derive_need, _entry_thresholds

    rules = load_rules()
    p = make_project({"行业代码": "39", "总投资(万元)": 9000, "预计税收(万元)": 600})
    need, key = _derive_need(p, _entry_thresholds(p, rules, _park(investment=300.0)), rules)
    assert need == pytest.approx(30.0) and key == "screening.entry_thresholds.investment_per_mu_wan.value"
    with pytest.raises(LandplanError, match="give the land need"):
        _derive_need(p, _entry_thresholds(p, rules, _park(investment=float("nan"))), rules)


def _table(rows) -> gpd.GeoDataFrame:
    """An evaluation-like table: parcel_id, status, area_mu, coverage and terrain columns."""
    base = {f"{k}_{t}": v for t in ("road", "water", "sewer", "storm", "gas", "heat", "power", "telecom")
            for k, v in (("has", True),)}
    base.update({f"ext_{t}_cost_wan": 0.0 for t in ("road", "water", "sewer", "storm", "gas", "heat",
                                                     "power", "telecom")})
    frame = pd.DataFrame([{**base, "readiness": "七通一平", "missing": "", "leveled": True,
                           "relief_m": 1.0, **r} for r in rows])
    frame["area_m2"] = frame["area_mu"] * 10000 / 15
    geoms = frame.pop("geometry")
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs="EPSG:4527")


def _cell(i, j=0, w=100.0):
    return box(X0 + 300 * i, Y0 + 300 * j, X0 + 300 * i + w, Y0 + 300 * j + 100)


def test_score_by_hand():
    rules = load_rules()
    table = _table([
        {"parcel_id": "B", "status": "reserve", "area_mu": 11.0, "has_water": False, "has_power": False,
         "ext_water_cost_wan": 30.0, "ext_power_cost_wan": 10.0, "leveled": False, "cut_m3": 300.0,
         "fill_m3": 300.0, "geometry": _cell(0)},
        {"parcel_id": "A", "status": "reserve", "area_mu": 10.0, "cut_m3": 100.0, "fill_m3": 100.0,
         "geometry": _cell(1)},
        {"parcel_id": "C", "status": "reserve", "area_mu": 9.0, "has_power": False, "ext_power_cost_wan": 20.0,
         "cut_m3": 200.0, "fill_m3": 200.0, "geometry": _cell(2)},
        {"parcel_id": "D", "status": "reserve", "area_mu": 13.0, "cut_m3": 0.0, "fill_m3": 0.0, "geometry": _cell(3)},
        {"parcel_id": "E", "status": "supplied", "area_mu": 10.0, "cut_m3": 0.0, "fill_m3": 0.0, "geometry": _cell(4)},
    ])
    p = make_project({"行业代码": "34", "用地面积(亩)": 10, "所需配套": "三通一平"})
    sites, excluded = rank_sites(table, p, rules, need_mu=10.0)
    # A: 100·(20·1 + 20·1 + 20·1 + 20·(1 − 200/600)) / 80; C: (0.5, 0.75, 0.5, 1/3); B: (0.5, 0.25, 0, 0)
    assert sites["parcel_id"].tolist() == ["A", "C", "B"]
    assert sites["score"].tolist() == [91.67, 52.08, 18.75]
    assert sites["needs_missing"].tolist() == ["", "power", "water,power,leveled"]
    assert sites["ext_cost_wan"].tolist() == [0.0, 20.0, 40.0]
    assert excluded[["parcel_id", "reason_code"]].values.tolist() == [["D", "area"]]
    assert "not used: contiguity (no neighbours stated)" in sites.iloc[0]["explanation_en"]
    assert "面积匹配 20×1.00 + 配套满足 20×1.00 + 延伸费用 20×1.00 + 土方量 20×0.67" in sites.iloc[0]["explanation_zh"]
    assert "项目所需缺电力，补齐延伸费用20.00万元" in sites.iloc[1]["explanation_zh"]
    # ties are broken by parcel_id
    twins = _table([{"parcel_id": pid, "status": "reserve", "area_mu": 10.0, "cut_m3": 1.0, "fill_m3": 1.0,
                     "geometry": _cell(i)} for i, pid in enumerate(["P2", "P1", "P3"])])
    tied, _ = rank_sites(twins, p, rules, need_mu=10.0)
    assert tied["parcel_id"].tolist() == ["P1", "P2", "P3"] and tied["score"].nunique() == 1


def test_contiguity_with_named_neighbours():
    rules = load_rules()
    rows = [
        {"parcel_id": "N", "status": "in_production", "holder": "甲公司", "industry_code": "36",
         "area_mu": 50.0, "geometry": box(X0, Y0, X0 + 100, Y0 + 100)},
        {"parcel_id": "X", "status": "reserve", "area_mu": 10.0, "geometry": box(X0 + 100, Y0, X0 + 200, Y0 + 100)},
        {"parcel_id": "Y", "status": "reserve", "area_mu": 10.0, "geometry": box(X0, Y0 + 150, X0 + 100, Y0 + 250)},  # 50 m north of N
        {"parcel_id": "Z", "status": "reserve", "area_mu": 10.0, "geometry": box(X0 + 300, Y0, X0 + 400, Y0 + 100)},
    ]
    for r in rows:
        r.update(cut_m3=0.0, fill_m3=0.0)
    table = _table(rows)
    p = make_project({"行业代码": "36", "用地面积(亩)": 10, "关联企业": "甲公司"})
    sites, _ = rank_sites(table, p, rules, need_mu=10.0)
    by = sites.set_index("parcel_id")
    assert by["neighbour_distance_m"].to_dict() == {"X": 0.0, "Y": 50.0, "Z": 200.0}
    assert by["c_contiguity"].to_dict() == {"X": 1.0, "Y": 0.75, "Z": 0.0}
    assert by.loc["X", "neighbour_adjacent"] and not by.loc["Y", "neighbour_adjacent"]
    assert "与甲公司（N）相邻" in by.loc["X", "explanation_zh"]
    assert sites["parcel_id"].tolist() == ["X", "Y", "Z"]
    # the same neighbours through the related industry
    sites2, _ = rank_sites(table, make_project({"行业代码": "36", "用地面积(亩)": 10, "关联行业": "36"}),
                           rules, need_mu=10.0)
    assert sites2["neighbour_distance_m"].tolist() == [0.0, 50.0, 200.0]


def test_conflicts_by_hand():
    rules = copy.deepcopy(load_rules())
    rules["screening"]["conflicts"]["flag_columns"] = ["disputed"]
    parcels = gpd.GeoDataFrame({
        "parcel_id": ["R1", "S1", "R2", "R3", "R4", "R5", "R6", "R7", "S7"],
        "status": ["reserve", "in_production", "reserve", "reserve", "reserve", "reserve", "reserve",
                   "reserve", "in_production"],
        "disputed": [None, None, None, None, None, None, "是", None, None],
    }, geometry=[
        _cell(0), box(X0 + 90, Y0, X0 + 190, Y0 + 100),      # R1 overlaps S1 by 10 × 100 m
        _cell(1, 1), _cell(2, 1), _cell(3, 1), _cell(4, 1), _cell(5, 1),
        _cell(6, 1), box(X0 + 1900, Y0 + 300, X0 + 2000, Y0 + 400),  # R7 touches S7
    ], crs="EPSG:4527")
    roads = gpd.GeoDataFrame({"road_id": ["planned1", "edge"], "status": ["planned", "built"]}, geometry=[
        LineString([(X0 + 250, Y0 + 350), (X0 + 450, Y0 + 350)]),            # through R2
        LineString([(X0 + 1200, Y0 + 300), (X0 + 1300, Y0 + 300)]),          # along R5's edge
    ], crs="EPSG:4527")
    lines = gpd.GeoDataFrame({"line_id": ["HV", "MV"], "voltage_kv": [110.0, 10.0], "status": ["built", "built"]},
                             geometry=[LineString([(X0 + 650, Y0 + 250), (X0 + 650, Y0 + 450)]),   # through R3
                                       LineString([(X0 + 950, Y0 + 250), (X0 + 950, Y0 + 450)])],  # through R4
                             crs="EPSG:4527")
    supply = (parcels["status"] == "reserve").to_numpy()
    out = parcel_conflicts(parcels, rules, roads=roads, powerlines=lines, subset=supply).set_index(parcels["parcel_id"])
    # every voltage from 1 kV has a protection zone (电力设施保护条例 Art. 10): the 10 kV line too
    assert out["conflicts"].to_dict() == {"R1": "overlap", "S1": "", "R2": "road", "R3": "powerline",
                                          "R4": "powerline", "R5": "", "R6": "flag", "R7": "", "S7": ""}
    assert out.loc["R1", "conflict_zh"] == "与宗地S1重叠1,000平方米"
    assert out.loc["R2", "conflict_en"] == "crossed by planned road planned1"
    assert out.loc["R3", "conflict_zh"] == "已建110kV架空电力线HV与地块相交，在其保护区10米内（《电力设施保护条例》第十条）"
    assert out.loc["R4", "conflict_en"] == ("built 10 kV overhead line MV meets the parcel, inside its 5 m protection "
                                            "zone (Regulations on the Protection of Electric Power Facilities, Art. 10)")
    assert out.loc["R6", "conflict_en"] == "flagged disputed = yes"
    # a corridor makes a line near the parcel a conflict too
    rules["screening"]["conflicts"]["powerline_corridor_m"] = 60.0
    near = gpd.GeoDataFrame({"line_id": ["HV2"], "voltage_kv": [220.0]},
                            geometry=[LineString([(X0 + 1350, Y0 + 250), (X0 + 1350, Y0 + 450)])], crs="EPSG:4527")
    out = parcel_conflicts(parcels, rules, powerlines=near, subset=supply).set_index(parcels["parcel_id"])
    assert out.loc["R5", "conflicts"] == "powerline"   # R5 ends at x + 1300: 50 m from the line
    assert out.loc["R5", "conflict_zh"] == "220kV架空电力线HV2距地块50.0米（走廊60米，本地规则）"
    assert out.loc["R6", "conflicts"] == "flag"        # 150 m away


def test_conflicting_parcels_are_not_ranked():
    rules = load_rules()
    table = _table([
        {"parcel_id": "R1", "status": "reserve", "area_mu": 10.0, "cut_m3": 0.0, "fill_m3": 0.0, "geometry": _cell(0)},
        {"parcel_id": "R2", "status": "reserve", "area_mu": 10.0, "cut_m3": 0.0, "fill_m3": 0.0, "geometry": _cell(1)},
    ])
    road = gpd.GeoDataFrame({"road_id": ["P"], "status": ["under_construction"]},
                            geometry=[LineString([(X0 + 250, Y0 + 50), (X0 + 450, Y0 + 50)])], crs="EPSG:4527")
    sites, excluded = rank_sites(table, make_project({"行业代码": "34", "用地面积(亩)": 10}), rules,
                                 need_mu=10.0, roads=road)
    assert sites["parcel_id"].tolist() == ["R1"]
    assert excluded["reason_code"].tolist() == ["conflict"]
    assert excluded["reason_zh"].iloc[0] == "冲突：在建道路P穿越"


def test_chemicals_project_is_offered_class_3_land_only():
    """Land grade vs industry (issue 18 item 15): 26 化学 needs 三类 (100103); 39 电子 takes any
    industrial land (一类 and up, and ungraded 1001); 40 has no grade: its land use is not checked."""
    rules = load_rules()
    uses = {"L1": "100101", "L2": "100102", "L3": "100103", "L4": "M3", "L5": "1001", "L6": "1101", "L7": None}
    table = _table([{"parcel_id": pid, "status": "reserve", "area_mu": 10.0, "land_use": use, "cut_m3": 0.0,
                     "fill_m3": 0.0, "geometry": _cell(i)} for i, (pid, use) in enumerate(uses.items())])

    def offered(code):
        return rank_sites(table, make_project({"行业代码": code, "用地面积(亩)": 10}), rules, need_mu=10.0)

    sites, excluded = offered("26")
    assert sorted(sites["parcel_id"]) == ["L3", "L4"]  # M3 is GB 50137's 三类工业用地
    assert excluded.set_index("parcel_id")["reason_code"].to_dict() == dict.fromkeys(["L1", "L2", "L5", "L6", "L7"],
                                                                                       "land_use")
    why = excluded.set_index("parcel_id")
    assert why.loc["L1", "reason_zh"] == ("用地等级不符：土地用途“一类工业用地”，26 化学原料和化学制品制造业需三类工业用地"
                                          "（来源：GBJ 137-90 表2.0.5 各类工业示例；行业代码的对应为惯例，默认值未确认）")
    assert why.loc["L6", "reason_en"] == (
        f"land-use grade: land use {labels.value('land_use', '1101', 'en')} (not industrial land): industry "
        f"{labels.value('industry_code', '26', 'en')} needs class 3 industrial land (source: GBJ 137-90 Table 2.0.5 "
        "examples; the industry-code mapping is a convention, default unconfirmed)")
    assert why.loc["L7", "reason_zh"].startswith("用地等级不符：土地用途“未填”，")
    sites, excluded = offered("39")
    assert sorted(sites["parcel_id"]) == ["L1", "L2", "L3", "L4", "L5"]
    assert sorted(excluded["parcel_id"]) == ["L6", "L7"]
    sites, excluded = offered("27")  # 医药 二类: 100102 and 100103
    assert sorted(sites["parcel_id"]) == ["L2", "L3", "L4"]
    sites, excluded = offered("40")
    assert len(sites) == 7 and excluded.empty


def test_chemicals_project_on_a_small_park(tmp_path, capsys):
    """Through ``landplan screen``: a 26 project is offered the 三类 parcel and told why not the others."""
    parcels = gpd.GeoDataFrame({"parcel_id": ["A", "B", "C"], "status": ["reserve"] * 3,
                                "land_use": ["一类工业用地", "二类工业用地", "三类工业用地"]},
                               geometry=[_cell(0), _cell(1), _cell(2)], crs="EPSG:4527")
    Workspace(tmp_path / "ws").write("parcels", parcels)
    rc = main(["screen", "--workspace", str(tmp_path / "ws"), "--as-of", AS_OF, "--industry", "C2614",
               "--area-mu", "15", "--lang", "zh", "--out", str(tmp_path / "sites.csv")])
    out = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert "  用地等级：需三类工业用地（来源：GBJ 137-90 表2.0.5 各类工业示例；行业代码的对应为惯例，默认值未确认）" in out
    assert "选址：可供地块3宗，有冲突0宗，用地等级不符2宗，面积不符0宗，排序1宗" in out
    assert pd.read_csv(tmp_path / "sites.csv", encoding="utf-8-sig")["parcel_id"].tolist() == ["C"]


def test_power_line_protection_zone_is_a_conflict_at_10_kv():
    """Issue 18 item 14: a 10 kV overhead line 3 m from a parcel puts 2 m of it inside its 5 m zone
    (电力设施保护条例 Art. 10); 6 m away it does not; a planned line counts when the park says so."""
    rules = copy.deepcopy(load_rules())
    table = _table([{"parcel_id": f"R{i}", "status": "reserve", "area_mu": 10.0, "cut_m3": 0.0, "fill_m3": 0.0,
                     "geometry": _cell(i)} for i in range(4)])
    below = [3.0, 6.0, 0.5, 1.0]  # metres south of R0 … R3
    lines = gpd.GeoDataFrame(
        {"line_id": ["A", "B", "C", "D"], "voltage_kv": [10.0, 10.0, 10.0, 10.0],
         "laying": ["overhead", "overhead", "cable", "overhead"], "status": ["built", "built", "built", "planned"]},
        geometry=[LineString([(X0 + 300 * i, Y0 - d), (X0 + 300 * i + 100, Y0 - d)]) for i, d in enumerate(below)],
        crs="EPSG:4527")
    project = make_project({"行业代码": "34", "用地面积(亩)": 10})
    sites, excluded = rank_sites(table, project, rules, need_mu=10.0, powerlines=lines)
    assert sorted(sites["parcel_id"]) == ["R1", "R3"]
    assert excluded.set_index("parcel_id")["reason_zh"].to_dict() == {
        "R0": "冲突：已建10kV架空电力线A距地块3.0米，在其保护区5米内（《电力设施保护条例》第十条）",
        "R2": "冲突：已建10kV电缆电力线C距地块0.5米，在其保护区0.75米内（《电力设施保护条例》第十条）"}
    rules["screening"]["conflicts"]["powerline_statuses"] = ["built", "under_construction", "planned"]
    sites, _ = rank_sites(table, project, rules, need_mu=10.0, powerlines=lines)
    assert sites["parcel_id"].tolist() == ["R1"]
    rules["screening"]["conflicts"]["powerline_min_kv"] = 35  # transmission lines only
    sites, _ = rank_sites(table, project, rules, need_mu=10.0, powerlines=lines)
    assert len(sites) == 4


def test_doctests():
    import doctest

    import landplan.screen
    import landplan.screen.output

    result = doctest.testmod(landplan.screen)
    assert result.attempted > 0 and result.failed == 0
    assert doctest.testmod(landplan.screen.output).failed == 0  # screen_project's example


def test_local_industry_threshold_from_workspace_rules(tmp_path, capsys):
    ws_path = tmp_path / "ws"
    shutil.copytree(DATA, ws_path)
    (ws_path / "rules.yaml").write_text('screening:\n  by_industry:\n    "39": {tax_per_mu_wan: 10}\n',
                                        encoding="utf-8")
    rc = main(["screen", "--workspace", str(ws_path), "--as-of", AS_OF, "--industry", "39",
               "--area-mu", "22", "--investment-wan", "9000", "--tax-wan", "300", "--lang", "en"])
    out = capsys.readouterr().out
    assert rc == 0 and "Entry check: admitted" in out
    assert (f"  ✓ tax per mu 13.64 10k CNY/mu, not below the entry threshold 10.00 10k CNY/mu (a local threshold "
            f"for industry {labels.value('industry_code', '39', 'en')}; source: local rules)") in out.splitlines()
