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
