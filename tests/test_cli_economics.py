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


# -- import: a parcel's own 区片综合地价 --------------------------------------------------------

X0, Y0 = 39_512_000.0, 3_521_000.0


@pytest.fixture
def gbk_parcels(tmp_path) -> Path:
    """A GBK Shapefile written through GDAL: 征地区片价 (10 bytes in GBK: no room for a unit)
    in 元/亩, as 吉政函〔2020〕86号 publishes 柳河县's zones (land-economics.md §2.2)."""
    import geopandas as gpd
    from shapely.geometry import box

    path = tmp_path / "src" / "parcels.shp"
    path.parent.mkdir()
    gpd.GeoDataFrame({"ZDDM": ["A1", "A2"], "征地区片价": [60030.0, 41354.0], "QLR": ["甲公司", "乙公司"]},
                     geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 200, Y0, X0 + 300, Y0 + 100)],
                     crs="EPSG:4527").to_file(path, encoding="GBK", engine="pyogrio")
    assert path.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    return path


def _acquisition(ws: Path) -> dict[str, float]:
    from landplan import Workspace

    parcels = Workspace.open(ws).read("parcels")
    if "acquisition_wan_per_mu" not in parcels.columns:
        return {}
    return dict(zip(parcels["parcel_id"], parcels["acquisition_wan_per_mu"].round(4), strict=True))


def test_a_unitless_acquisition_price_is_asked_for_never_assumed(gbk_parcels, tmp_path, capsys):
    from wordcheck import cjk_in, codes_in

    ws = tmp_path / "ws"
    printed = {}
    for lang in ("zh", "en"):
        assert main(["import", str(gbk_parcels), "--layer", "parcels", "--workspace", str(ws), "--lang", lang]) == 0
        printed[lang] = capsys.readouterr().out
        assert _acquisition(ws) == {}  # not imported: 万元/亩 is not assumed of 60030
    zh = [line for line in printed["zh"].splitlines() if "征地区片价" in line and "单位" in line]
    assert zh == ["  列 征地区片价 像是“征地成本(万元/亩)”，但表头未写单位（此类单价有按元/亩、元/平方米或万元/亩公布的，"
                  "不作假定）：未导入。请在表头后写明单位，如 征地区片价(元/亩)，或用 --field 征地区片价=区片综合地价(元/亩) 指明"]
    assert not codes_in(printed["zh"], allowed={"A1", "A2"})
    assert "--field 征地区片价=acquisition_wan_per_mu(yuan/mu)" in printed["en"]
    assert not cjk_in(printed["en"], data={"征地区片价", str(gbk_parcels)})

    # the unit given with --field: 元/亩 → 万元/亩
    assert main(["import", str(gbk_parcels), "--layer", "parcels", "--workspace", str(ws),
                 "--field", "征地区片价=区片综合地价(元/亩)"]) == 0
    assert _acquisition(ws) == {"A1": 6.003, "A2": 4.1354}
    assert "元/亩 × 0.0001" in capsys.readouterr().out
    # a unitless target is asked for too; a unit that is no price per mu is refused, naming the flag
    for target in ("区片综合地价", "acquisition_wan_per_mu(万元)"):
        assert main(["import", str(gbk_parcels), "--layer", "parcels", "--workspace", str(ws),
                     "--field", f"征地区片价={target}"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"landplan: error: --field 征地区片价={target}: ")


@pytest.mark.parametrize(("header", "price"), [
    ("区片综合地价（元/平方米）", 90.0), ("征地区片价(元/㎡)", 90.0), ("区片综合地价(元/亩)", 60000.0),
    ("征地成本(万元/亩)", 6.0), ("acquisition_wan_per_mu", 6.0)])
def test_a_csv_updates_the_parcels_price_in_wan_per_mu(gbk_parcels, tmp_path, capsys, header, price):
    ws = tmp_path / "ws"
    assert main(["import", str(gbk_parcels), "--layer", "parcels", "--workspace", str(ws)]) == 0
    table = tmp_path / "prices.csv"
    pd.DataFrame({"宗地号": ["A1"], header: [price]}).to_csv(table, index=False, encoding="gbk")
    assert main(["import", str(table), "--layer", "parcels", "--workspace", str(ws)]) == 0
    got = _acquisition(ws)
    assert got["A1"] == 6.0 and got["A2"] != got["A2"]  # A2 not in the table: empty, not 0
    capsys.readouterr()


# -- landplan economics: what the figures rest on, the zones, the words ------------------------

@pytest.fixture(scope="module")
def zoned_park(tmp_path_factory) -> Path:
    """The demo park (its own rules.yaml: the demo's illustrative inputs) with two acquisition
    zones, west and east, priced as 柳河县's 一级 and 二级 zones (60,030 and 41,354 元/亩,
    吉政函〔2020〕86号, land-economics.md §2.2)."""
    import geopandas as gpd
    from shapely.geometry import box

    from landplan import Workspace
    from landplan.economics_workspace import ZONES_FILE

    ws = tmp_path_factory.mktemp("cli_econ_zones") / "ws"
    shutil.copytree(DATA, ws)
    parcels = Workspace.open(ws).read("parcels")
    x0, y0, x1, y1 = parcels.total_bounds
    mid = (x0 + x1) / 2
    (ws / ZONES_FILE).parent.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame({"zone_name": ["一级区片", "二级区片"], "acquisition_wan_per_mu": [6.003, 4.1354]},
                     geometry=[box(x0 - 1, y0 - 1, mid, y1 + 1), box(mid, y0 - 1, x1 + 1, y1 + 1)],
                     crs=parcels.crs).to_file(ws / ZONES_FILE)
    return ws


def _economics(ws: Path, lang: str, capsys) -> list[str]:
    assert main(["economics", "--workspace", str(ws), "--as-of", AS_OF, "--lang", lang]) == 0
    return capsys.readouterr().out.splitlines()


def test_economics_states_its_inputs_first_and_prints_the_zones(zoned_park, capsys):
    import datetime as dt

    from wordcheck import cjk_in, codes_in

    from landplan import labels
    from landplan.economics_workspace import basis_line, economics_caveat, workspace_economics
    from landplan.evaluate import evaluate
    from landplan.rules import load_ruleset

    rules = load_ruleset(zoned_park)
    as_of = dt.date.fromisoformat(AS_OF)
    econ, park = workspace_economics(zoned_park, rules, as_of=as_of, evaluation=evaluate(zoned_park, as_of=as_of))
    zones = park["by_zone"]
    assert set(zones.index) == {"一级区片", "二级区片"}
    ids = set(econ.index)
    for lang in ("zh", "en"):
        lines = _economics(zoned_park, lang, capsys)
        caveat, basis = economics_caveat(rules, lang), basis_line(rules, lang)
        assert caveat and lines[1:3] == [f"  {caveat}", f"  {basis}"]  # before every figure
        assert labels.t("econ.basis.mark.illustrative", lang) in basis
        by_zone = lines.index(labels.t("cli.economics.by_zone", lang))
        zone_lines = lines[by_zone + 1:by_zone + 3]
        for zone, row in zones.iterrows():
            n = int(row["parcels"])
            parcels = labels.t("cli.economics.parcels_one" if n == 1 else "cli.economics.parcels", lang, n=n)
            assert labels.t("cli.economics.zone_row", lang, zone=zone, parcels=parcels,
                            area=labels.fmt(row["area_mu"], "mu", lang), cost=labels.fmt(row["cost_wan"], "wan", lang),
                            net=labels.fmt(row["net_outlay_wan"], "wan", lang),
                            ret=labels.fmt(row["return_to_date_wan"], "wan", lang), horizon=50,
                            not_paying=int(row["not_paying_back"])) in zone_lines
        text = "\n".join(lines)
        if lang == "zh":
            assert not codes_in(text, allowed=ids) and "economics." not in text and "rules.yaml" not in text
        else:
            assert not cjk_in(text, data={"一级区片", "二级区片"})


def test_economics_in_english_counts_one_parcel_and_many_parcels(zoned_park, capsys):
    import re

    counted = []
    for line in _economics(zoned_park, "en", capsys):
        for number, word in re.findall(r"\b(\d[\d,]*) (parcels?)\b", line):
            counted.append(number)
            assert (number == "1") == (word == "parcel"), line
    assert "1" in counted and len(set(counted)) > 3  # the demo park has a class of one parcel


def test_screen_states_the_inputs_of_its_paybacks_first(capsys):
    from landplan.economics_workspace import basis_line, economics_caveat
    from landplan.rules import load_ruleset

    rules = load_ruleset(DATA)  # the demo park's own: illustrative inputs
    args = ["screen", "--workspace", str(DATA), "--as-of", AS_OF, "--industry", "39", "--area-mu", "22",
            "--needs", "road,water,power"]
    for lang in ("zh", "en"):
        assert main([*args, "--tax-wan", "600", "--lang", lang]) in (0, 3)
        lines = capsys.readouterr().out.splitlines()
        assert lines[:2] == [economics_caveat(rules, lang), basis_line(rules, lang)]
        assert main([*args, "--lang", lang]) in (0, 3)  # no promised tax: no payback, no inputs to state
        assert basis_line(rules, lang) not in capsys.readouterr().out
